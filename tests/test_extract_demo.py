"""`aggregator extract` on every article page of the demo portals, checked against truth.json.

Run as a user runs it: one `aggregator extract URL... --json` over the served pages.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent


@pytest.fixture(scope="module")
def extracted(portals, truth) -> dict[tuple[str, str], dict]:
    """(portal, path) -> the fields `aggregator extract --json` prints for that page."""
    pages = [(c["portal"], c["path"]) for s in truth["stories"] for c in s["copies"]]
    urls = [portals[portal] + path.lstrip("/") for portal, path in pages]
    proc = subprocess.run(
        [sys.executable, "-m", "aggregator.cli", "extract", "--json", *urls],
        cwd=ROOT,
        env={k: v for k, v in os.environ.items() if k != "AGGREGATOR_DB"},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    fields = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [f["input"] for f in fields] == urls
    return dict(zip(pages, fields, strict=True))


def test_bodies_start_with_the_first_sentence_on_every_portal(extracted, truth):
    """A dateline or source line above the text ("2023年01月16日 07:35 长江日报") is metadata, not body."""
    wrong = {}
    for story in truth["stories"]:
        for copy in story["copies"]:
            body = extracted[copy["portal"], copy["path"]]["body"]
            if not body.startswith(copy["body_starts"]):
                wrong[copy["portal"] + copy["path"]] = body[:60]
    assert not wrong
    assert {c["portal"] for s in truth["stories"] for c in s["copies"]} == set(truth["portal_order"])


def test_a_dateline_in_the_text_still_gives_date_and_source(extracted, truth):
    for story in truth["stories"]:
        for copy in story["copies"]:
            if copy["portal"] == "cjrb":
                fields = extracted[copy["portal"], copy["path"]]
                assert fields["published"] == copy["date_shown"] and fields["source"] == "长江日报"
