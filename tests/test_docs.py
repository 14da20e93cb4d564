"""Keep the README true: its commands, its sources example and its schema match the code."""

import re
from pathlib import Path

from aggregator.cli import build_parser
from aggregator.config import parse_sources
from aggregator.demo.server import PORTAL_ORDER
from aggregator.demo.sources import sources_toml
from aggregator.store import Store

ROOT = Path(__file__).parent.parent
README = (ROOT / "README.md").read_text("utf-8")


def _subcommands():
    parser = build_parser()
    action = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction")
    return action.choices


def test_every_command_and_option_is_documented():
    for name, sub in _subcommands().items():
        assert f"aggregator {name}" in README, name
        for action in sub._actions:
            for opt in action.option_strings:
                if opt.startswith("--") and opt not in ("--help", "--db"):
                    assert opt in README, f"{name} {opt}"


def test_readme_sources_example_is_valid():
    block = re.search(r"```toml\n(.*?)```", README, re.S).group(1)
    (src,) = parse_sources(block, "README example")
    assert src.selectors.article_links and src.kind == "portal"


def test_readme_schema_lists_every_column(tmp_path):
    with Store(tmp_path / "s.db") as store:
        for table in ("stories", "copies"):
            row = next(line for line in README.splitlines() if line.startswith(f"| `{table}` |"))
            for column in store.db[table].columns_dict:
                assert column in row, f"{table}.{column}"


def test_demo_portals_are_documented_and_bundled_sources_match_the_default_ports():
    for name in PORTAL_ORDER:
        assert f"| `{name}` |" in README
    urls = {name: f"http://127.0.0.1:{8101 + i}/" for i, name in enumerate(PORTAL_ORDER)}
    assert (ROOT / "data" / "sources.toml").read_text("utf-8") == sources_toml(urls)


def test_setup_commands_open_the_readme():
    first = README.index("```sh")
    assert "aggregator demo" in README[first : first + 300]
    assert "python -m pytest -q" in README and "python -m pytest -q" in (ROOT / ".ci" / "run").read_text()
