"""Portal fixtures: every source in data/sources.toml has a saved page and what extraction must make of it.

``tests/portals/<source name>/page.html`` (or ``page.html.gz``) is one article page of the source, saved as it
was served (its bytes: a GBK page stays GBK); ``expected.json`` is what a reader sees on it: the title, how the
body starts (and, optionally, ends), the date, the original source and the bylines, plus the page's ``url`` and
``fetched_at`` (a date printed without a year takes it from them). The page is extracted with the source's own
settings, its ``[source.selectors]``, as a crawl of it would be. A source without a fixture pair, or a folder
without a source, fails with what to add (README: Adding a portal).
"""

from __future__ import annotations

import gzip
import json
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import pytest

from aggregator.config import Source, load_sources
from aggregator.extract import Article, Selectors, decode_html, extract
from aggregator.extract.dom import parse_html, select_values
from aggregator.requests import ARTICLE
from aggregator.scope import source_scope

ROOT = Path(__file__).parent.parent
SOURCES_FILE = ROOT / "data" / "sources.toml"
PORTALS = Path(__file__).parent / "portals"
# compared exactly; the body only by its start and end, so a fixture does not restate the whole article
FIELDS = ("title", "published", "source", "reporters", "correspondents", "editors")
REQUIRED = ("url", "fetched_at", "body_start", *FIELDS)


def page_file(folder: Path) -> Path | None:
    for name in ("page.html", "page.html.gz"):
        if (folder / name).is_file():
            return folder / name
    return None


def registry_problem(name: str, sources: dict[str, Source], portals: Path) -> str | None:
    """Why the fixture pair of ``name`` (a source, a folder or both) cannot be checked, saying what to add."""
    folder = portals / name
    where = folder.relative_to(ROOT) if folder.is_relative_to(ROOT) else Path(portals.name, name)
    if name not in sources:
        return (
            f"{where}/ is the fixture of no source: add a [[source]] with name = {name!r} to "
            f"{SOURCES_FILE.name}, or remove the folder"
        )
    if page_file(folder) is None:
        return (
            f"source {name!r} has no fixture: save one of its article pages as {where}/page.html (or "
            f"page.html.gz) and write {where}/expected.json with {', '.join(REQUIRED)} (README: Adding a portal)"
        )
    if not (folder / "expected.json").is_file():
        return f"{where}/page.html has no {where}/expected.json: write it with {', '.join(REQUIRED)}"
    expected = json.loads((folder / "expected.json").read_text("utf-8"))
    missing = [key for key in REQUIRED if key not in expected]
    if missing:
        return f"{where}/expected.json lacks {', '.join(missing)}"
    return None


def read_page(folder: Path) -> str:
    data = page_file(folder).read_bytes()
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    # no HTTP header here: the page's own <meta> (or detection) names its encoding, as for `aggregator extract`
    return decode_html(data, None)


def extract_fixture(src: Source, folder: Path) -> tuple[Article, dict]:
    expected = json.loads((folder / "expected.json").read_text("utf-8"))
    fetched_at = datetime.fromisoformat(expected["fetched_at"])
    article = extract(read_page(folder), expected["url"], fetched_at=fetched_at, selectors=src.selectors)
    return article, expected


def selectors_matching_nothing(src: Source, html: str) -> list[str]:
    """Overrides that select nothing on the source's own page: extraction would silently fall back to the
    generic rules, and the fixture would pass without testing the override."""
    tree = parse_html(html)
    out = []
    for key in ("title", "body", "date"):
        expr = getattr(src.selectors, key)
        # the engine extraction runs them with, so CSS and XPath are told apart as a crawl tells them
        if expr and not select_values(tree, expr):
            out.append(f"selector {key} = {expr!r} selects nothing on the fixture page")
    return out


def differences(article: Article, expected: dict) -> list[str]:
    out = [
        f"{key}: extracted {getattr(article, key)!r}, expected {expected[key]!r}"
        for key in FIELDS
        if getattr(article, key) != expected[key]
    ]
    if not article.is_article:
        out.append(f"not taken for an article: {article.reason}")
    if not article.body.startswith(expected["body_start"]):
        out.append(f"body starts {article.body[:40]!r}, expected {expected['body_start']!r}")
    end = expected.get("body_end")
    if end and not article.body.endswith(end):
        out.append(f"body ends {article.body[-40:]!r}, expected {end!r}")
    return out


def fixture_problems(name: str, sources: dict[str, Source], portals: Path) -> list[str]:
    problem = registry_problem(name, sources, portals)
    if problem:
        return [problem]
    src, folder = sources[name], portals / name
    article, expected = extract_fixture(src, folder)
    found = selectors_matching_nothing(src, read_page(folder)) + differences(article, expected)
    # the crawl's own scope: a page in the wrong folder, or of a site the source never reaches, tests nothing
    why = source_scope(src).refuses(expected["url"], ARTICLE)
    if why:
        found.insert(
            0, f"url {expected['url']} is one the source never fetches ({why}): is it this source's page?"
        )
    if found:
        shown = {key: getattr(article, key) for key in FIELDS} | {"body": article.body[:80]}
        found.append(f"extracted: {json.dumps(shown, ensure_ascii=False)}")
    return found


SOURCES = {s.name: s for s in load_sources(SOURCES_FILE)}
NAMES = sorted(set(SOURCES) | {p.name for p in PORTALS.iterdir() if p.is_dir()})


@pytest.mark.parametrize("name", NAMES)
def test_portal_fixture(name):
    problems = fixture_problems(name, SOURCES, PORTALS)
    assert not problems, f"{name}:\n  " + "\n  ".join(problems)


# --- the check itself: what it says when a fixture is missing, stray or wrong


@pytest.fixture
def kjb_copy(tmp_path):
    """A portals folder holding the kjb fixture pair, for a check to run on."""
    portals = tmp_path / "portals"
    (portals / "kjb").mkdir(parents=True)
    for name in ("page.html", "expected.json"):
        (portals / "kjb" / name).write_bytes((PORTALS / "kjb" / name).read_bytes())
    return portals


def test_a_source_without_a_fixture_and_a_folder_without_a_source_say_what_to_add(kjb_copy):
    (kjb_copy / "gone").mkdir()
    sources = {"kjb": SOURCES["kjb"], "new": replace(SOURCES["kjb"], name="new")}
    assert fixture_problems("kjb", sources, kjb_copy) == []
    (missing,) = fixture_problems("new", sources, kjb_copy)
    assert "source 'new' has no fixture" in missing and "portals/new/page.html" in missing
    (stray,) = fixture_problems("gone", sources, kjb_copy)
    assert "portals/gone/ is the fixture of no source" in stray and "name = 'gone'" in stray


def test_an_expected_file_without_a_field_is_refused(kjb_copy):
    expected = json.loads((kjb_copy / "kjb" / "expected.json").read_text("utf-8"))
    del expected["editors"]
    (kjb_copy / "kjb" / "expected.json").write_text(json.dumps(expected, ensure_ascii=False), "utf-8")
    assert fixture_problems("kjb", SOURCES, kjb_copy) == ["portals/kjb/expected.json lacks editors"]


def test_a_gzipped_page_is_read(kjb_copy):
    page = kjb_copy / "kjb" / "page.html"
    (kjb_copy / "kjb" / "page.html.gz").write_bytes(gzip.compress(page.read_bytes()))
    page.unlink()
    assert fixture_problems("kjb", SOURCES, kjb_copy) == []


def test_a_wrong_expectation_fails_with_what_was_extracted(kjb_copy):
    expected = json.loads((kjb_copy / "kjb" / "expected.json").read_text("utf-8"))
    expected["reporters"] = ["郑莉莉"]
    expected["body_start"] = "记者：郑莉莉"
    (kjb_copy / "kjb" / "expected.json").write_text(json.dumps(expected, ensure_ascii=False), "utf-8")
    problems = fixture_problems("kjb", SOURCES, kjb_copy)
    assert problems[0] == "reporters: extracted ['郑莉莉', '张宇驰', '任文'], expected ['郑莉莉']"
    assert problems[1].startswith("body starts '科技创新是引领高质量发展的第一动力。")
    assert problems[2].startswith("extracted: {") and '"editors": ["陈丽萍"]' in problems[2]


def test_a_page_of_another_site_is_refused(kjb_copy):
    expected = json.loads((kjb_copy / "kjb" / "expected.json").read_text("utf-8"))
    # cjrb's port: a cjrb page put in kjb's folder
    expected["url"] = expected["url"].replace(":8101/", ":8102/")
    (kjb_copy / "kjb" / "expected.json").write_text(json.dumps(expected, ensure_ascii=False), "utf-8")
    problem, extracted = fixture_problems("kjb", SOURCES, kjb_copy)
    assert problem.startswith("url http://127.0.0.1:8102/content/") and "(off-site)" in problem
    assert extracted.startswith("extracted: {")


def test_selector_overrides_are_applied_and_must_select_something_on_the_page(kjb_copy):
    # the kjb page under a source that names its parts: the same fields come out through the overrides
    with_selectors = replace(
        SOURCES["kjb"], selectors=Selectors(title="h1::text", body="div.TRS_Editor", date="div.info")
    )
    assert fixture_problems("kjb", {"kjb": with_selectors}, kjb_copy) == []
    # a body override that picks the byline block is what extraction uses, so the fixture catches it
    wrong_body = replace(with_selectors, selectors=replace(with_selectors.selectors, body="div.byline"))
    assert any(p.startswith("body starts ") for p in fixture_problems("kjb", {"kjb": wrong_body}, kjb_copy))
    stale = replace(with_selectors, selectors=replace(with_selectors.selectors, date="span.pubtime"))
    assert fixture_problems("kjb", {"kjb": stale}, kjb_copy)[0] == (
        "selector date = 'span.pubtime' selects nothing on the fixture page"
    )
