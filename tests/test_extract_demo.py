"""`aggregator extract` on every article page of the demo portals, checked against truth.json.

Run as a user runs it: one `aggregator extract URL... --json` over the served pages.
"""

import json
import os
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent


@pytest.fixture(scope="module")
def extracted(portals, truth) -> dict[tuple[str, str], dict]:
    """(portal, path) -> the fields `aggregator extract --json` prints for that page."""
    pages = [(c["portal"], c["path"]) for s in truth["stories"] for c in s["copies"]]
    urls = [portals[portal] + path.lstrip("/") for portal, path in pages]
    fields = _cli_extract(urls)
    assert [f["input"] for f in fields] == urls
    return dict(zip(pages, fields, strict=True))


def _cli_extract(inputs: list[str]) -> list[dict]:
    proc = subprocess.run(
        [sys.executable, "-m", "aggregator.cli", "extract", "--json", *inputs],
        cwd=ROOT,
        env={k: v for k, v in os.environ.items() if k != "AGGREGATOR_DB"},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    return [json.loads(line) for line in proc.stdout.splitlines()]


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


def test_dates_without_a_year_take_the_year_of_the_url_and_the_footer(extracted, truth, portals, tmp_path):
    """mapsite prints "发布时间：01-09 10:23" under /html/2023/0109/ with "© 2023" in the footer; the page is
    fetched years later, which must not move it to the year of the fetch."""
    copies = [c for s in truth["stories"] for c in s["copies"] if c["portal"] == "mapsite"]
    yearless = [c for c in copies if c["date_shown"] is None]
    assert len(yearless) == 4
    for copy in copies:
        _html, year, mmdd, _name = copy["path"].split("/", 4)[1:]
        assert extracted["mapsite", copy["path"]]["published"][:10] == f"{year}-{mmdd[:2]}-{mmdd[2:]}"
    # a saved page has no URL: the copyright year is the evidence
    saved = []
    for copy in yearless:
        page = tmp_path / copy["path"].replace("/", "_")
        page.write_bytes(urllib.request.urlopen(portals["mapsite"] + copy["path"].lstrip("/")).read())
        saved.append(str(page))
    for fields in _cli_extract(saved):
        assert fields["published"].startswith("2023-01-"), fields["input"]
