"""Keep the README true: its commands, its sources example and its schema match the code."""

import json
import re
from pathlib import Path

from aggregator.cli import build_parser
from aggregator.config import load_sources, parse_sources
from aggregator.demo.server import PORTAL_ORDER
from aggregator.demo.sources import demo_sources
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
    # the README says the bundled file points at the demo portals on their default ports: each is there as
    # `aggregator demo` crawls it; other sources may be added next to them (README: Adding a portal)
    bundled = {s.name: s for s in load_sources(ROOT / "data" / "sources.toml")}
    urls = {name: f"http://127.0.0.1:{8101 + i}/" for i, name in enumerate(PORTAL_ORDER)}
    for demo in demo_sources(urls):
        src = bundled.get(demo.name)
        assert src is not None, f"data/sources.toml lacks the demo portal {demo.name}"
        got = (src.kind, src.start_urls, src.publisher)
        assert got == (demo.kind, demo.start_urls, demo.publisher), demo.name
        assert src.every or src.cron, f"{demo.name}: no schedule, so `aggregator run-due` never runs it"


def test_bundled_sources_file_points_to_its_format():
    # every source in it has a fixture pair: tests/test_portals.py checks that
    text = (ROOT / "data" / "sources.toml").read_text("utf-8")
    assert parse_sources(text, "data/sources.toml")
    assert "README.md" in text.split("\n\n", 1)[0]  # its header says where the format is described


def test_adding_a_portal_section_names_the_files_a_new_portal_takes():
    section = README[README.index("## Adding a portal") :]
    section = section[: section.index("\n## ", 1)]
    for needle in ("[[source]]", "data/sources.toml", "tests/portals/", "page.html", "expected.json"):
        assert needle in section, needle
    example = json.loads(re.search(r"```json\n(.*?)```", section, re.S).group(1))
    kjb = json.loads((ROOT / "tests" / "portals" / "kjb" / "expected.json").read_text("utf-8"))
    assert example == kjb  # the example is a fixture that passes, with the fields the test reads


def test_setup_commands_open_the_readme():
    first = README.index("```sh")
    assert "aggregator demo" in README[first : first + 300]
    assert "python -m pytest -q" in README and "python -m pytest -q" in (ROOT / ".ci" / "run").read_text()
