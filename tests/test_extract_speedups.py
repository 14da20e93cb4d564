"""Start-up and speed-related behaviour of extraction: what loading the config costs, and that the cheaper forms of
the extractor's tables and parser give the same answers as the originals."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HEAVY = (
    "aggregator.extract.attribution",
    "aggregator.extract.names",
    "aggregator.extract.dates",
    "parsel",
    "opencc",
)


def _modules_after(code: str) -> set[str]:
    """The modules a fresh interpreter has loaded after running code (PYTHONPATH: this checkout)."""
    script = f"{code}\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))"
    out = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        check=True,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
    )
    return set(json.loads(out.stdout.splitlines()[-1]))


def test_loading_the_config_does_not_load_the_extractor():
    loaded = _modules_after("import aggregator.config")
    assert not loaded & set(HEAVY)
    assert "lxml.html" not in loaded


def test_selectors_are_still_checked_when_the_config_loads(tmp_path):
    from aggregator.config import is_xpath, selector_error
    from aggregator.extract import Selectors

    assert is_xpath("//div[@id='m']") and not is_xpath("div.c")
    assert selector_error("div.c") is None
    assert selector_error("div[") is not None
    assert (
        selector_error("//p/text()", elements=True)
        == "selects text or attribute values; it must select elements"
    )
    assert Selectors(body="div.c").body == "div.c"
