"""The newsroom (``aggregator browse``) as a person sees it: real Datasette serving a crawl of the demo portals,
pages loaded in real headless Chromium after their JavaScript ran (``--dump-dom`` with a virtual time budget),
and assertions on what is on the page: the seed story, its source, reporters and copies, and drawn charts.

One crawl and one server for the module; each page is one Chromium run (about a second)."""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import lxml.html
import pytest
from test_browse import free_port
from test_cli import run
from test_query_cli import demo_db  # noqa: F401  (a module fixture: the demo portals crawled)

from aggregator.newsroom import pages
from aggregator.search import search
from aggregator.stats import story_detail
from aggregator.store import Store

ROOT = Path(__file__).parent.parent
TRUTH = json.loads((ROOT / "aggregator" / "demo" / "truth.json").read_text("utf-8"))
SEED = next(s for s in TRUTH["stories"] if s["id"] == "daye-innovation")
CHROMIUM = next(
    (shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome") if shutil.which(n)), None
)
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None,
    reason="Chromium is not installed (apt-get install chromium fonts-wqy-zenhei; .ci/run installs them)",
)


def browser_dom(url: str) -> lxml.html.HtmlElement:
    """The page's DOM after its scripts ran, as headless Chromium has it."""
    with tempfile.TemporaryDirectory(prefix="aggregator-chromium-") as profile:
        proc = subprocess.run(
            [
                CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--no-first-run", "--disable-extensions", "--disable-background-networking",
                f"--user-data-dir={profile}", "--window-size=1280,1600", "--virtual-time-budget=10000",
                "--dump-dom", url,
            ],
            capture_output=True,
            text=True,
            timeout=90,
        )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "<html" in proc.stdout, proc.stderr[-2000:]
    return lxml.html.fromstring(proc.stdout)


def text_of(node) -> str:
    return " ".join(node.text_content().split())


def get(url: str, host: str | None = None) -> tuple[int, str]:
    req = urllib.request.Request(url, headers={"Host": host} if host else {})
    try:
        with urllib.request.urlopen(req, timeout=20) as r:
            return r.status, r.read().decode("utf-8")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode("utf-8", "replace")


@pytest.fixture(scope="module")
def seed(demo_db):  # noqa: F811
    with Store(demo_db, readonly=True) as store:
        (story_id,) = store.db.execute("SELECT id FROM stories WHERE title = ?", (SEED["title"],)).fetchone()
        return story_detail(store.db, story_id)


@pytest.fixture(scope="module")
def server(demo_db):  # noqa: F811
    pytest.importorskip("datasette")
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "AGGREGATOR_DB"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "aggregator.cli", "browse", "--db", demo_db, "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 40
        while True:
            try:
                urllib.request.urlopen(f"{base}/-/versions.json", timeout=5).close()
                break
            except (urllib.error.URLError, ConnectionError):
                assert proc.poll() is None, proc.stdout.read()
                assert time.monotonic() < deadline, "datasette did not start"
                time.sleep(0.3)
        yield base
    finally:
        proc.terminate()
        output = proc.communicate(timeout=20)[0]
        assert "Traceback" not in output, output


def drawn(figure) -> lxml.html.HtmlElement:
    """The SVG that Observable Plot drew in a chart figure (fails if the script did not run)."""
    svgs = figure.xpath(".//div[@class='drawn']//svg")
    assert svgs, f"chart {figure.get('data-chart')!r} was not drawn: {lxml.html.tostring(figure)[:500]!r}"
    return svgs[-1]


@needs_chromium
def test_the_home_page_shows_the_news_and_draws_its_charts(server, seed, demo_db):  # noqa: F811
    dom = browser_dom(f"{server}/")
    latest, top = dom.get_element_by_id("latest"), dom.get_element_by_id("most-reposted")
    top_titles = [text_of(a) for a in top.xpath(".//a[@class='title']")]
    assert top_titles[0] == SEED["title"]  # the seed story has the most copies (5)
    first = text_of(top.xpath(".//li")[0])
    assert "武汉科技报" in first and f"{len(seed['copies'])} copies" in first and "2023-01-09 08:30" in first
    with Store(demo_db, readonly=True) as store:
        newest = [
            r[0]
            for r in store.db.execute(
                "SELECT title FROM stories ORDER BY datetime(coalesce(published, first_seen)) DESC LIMIT ?",
                (pages.LATEST,),
            )
        ]
    assert [text_of(a) for a in latest.xpath(".//a[@class='title']")] == newest
    assert newest[0] == "“两江四岸”灯光秀上新 迎新春主题灯光秀今晚亮相"
    # the links lead to the story page
    href = top.xpath(".//a[@class='title']")[0].get("href")
    assert href == f"/-/story/{seed['id']}"
    # charts drawn by the library: stories per day (stacked bars, coloured by source) and reposting portals
    per_day = drawn(dom.xpath("//figure[@data-chart='per_day']")[0])
    assert len(per_day.xpath(".//*[@aria-label='rect']/*[local-name()='rect']")) >= 10
    assert "武汉科技报" in text_of(dom.xpath("//figure[@data-chart='per_day']")[0])  # the legend
    reposting = drawn(dom.xpath("//figure[@data-chart='reposting']")[0])
    assert (
        len(reposting.xpath(".//*[@aria-label='bar']/*[local-name()='rect']")) == 4
    )  # the 4 reposting portals
    assert "荆楚在线" in text_of(reposting)


@needs_chromium
def test_search_in_the_browser_gives_the_stories_of_aggregator_search(server, demo_db):  # noqa: F811
    dom = browser_dom(f"{server}/-/search?q=" + urllib.parse.quote("科技"))
    found = [a.get("href").rsplit("/", 1)[1] for a in dom.xpath("//ol[contains(@class, 'results')]//a")]
    with Store(demo_db, readonly=True) as store:
        expected = [str(r["id"]) for r in search(store.db, "科技", limit=pages.SEARCH_LIMIT)]
    assert found == expected and len(found) >= 5
    titles = [text_of(a) for a in dom.xpath("//ol[contains(@class, 'results')]//a")]
    assert SEED["title"] in titles
    assert all(m.text == "科技" for m in dom.xpath("//ol[contains(@class, 'results')]//mark"))
    assert dom.xpath("//input[@name='q']")[0].get("value") == "科技"


def test_search_filters_traditional_characters_and_bad_input_over_http(server, demo_db):  # noqa: F811
    q = urllib.parse.quote
    with Store(demo_db, readonly=True) as store:
        expected = {r["id"] for r in search(store.db, "长江", limit=pages.SEARCH_LIMIT)}
    for query in ("長江", "长江"):  # traditional finds simplified
        status, body = get(f"{server}/-/search?q={q(query)}")
        assert status == 200
        ids = {int(a.get("href").rsplit("/", 1)[1]) for a in lxml.html.fromstring(body).xpath("//ol//a")}
        assert ids == expected and ids
    status, body = get(f"{server}/-/search?q={q('科技')}&source={q('长江日报')}")
    results = lxml.html.fromstring(body).xpath("//ol[contains(@class, 'results')]/li")
    assert status == 200 and results and all("长江日报" in text_of(li) for li in results)
    status, body = get(f"{server}/-/search?q={q('科技')}&since=yesterday")
    assert status == 400 and "not a date" in body
    status, body = get(f"{server}/-/search?q={q('<script>alert(1)</script>')}")
    assert status == 200 and "<script>alert" not in body and "&lt;script&gt;" in body
    # the canned query runs the same index through the same tokeniser, in Datasette's SQL
    status, body = get(f"{server}/demo/search.json?_shape=array&q={q('長江')}")
    assert status == 200 and {r["id"] for r in json.loads(body)} == expected


@needs_chromium
def test_a_story_page_shows_the_story_its_copies_and_the_timeline_of_its_spread(server, seed):
    dom = browser_dom(f"{server}/-/story/{seed['id']}")
    assert text_of(dom.xpath("//h1")[0]) == SEED["title"]
    facts = text_of(dom.xpath("//dl[@class='facts']")[0])
    assert "武汉科技报" in facts and "2023-01-09 08:30" in facts
    for name in SEED["reporters"] + SEED["correspondents"] + SEED["editors"]:
        assert name in facts
    rows = dom.xpath("//table[@class='copies']/tbody/tr")
    assert len(rows) == len(seed["copies"]) == 5
    shown_urls = {text_of(r.xpath(".//small[@class='url']")[0]) for r in rows}
    assert shown_urls == {c["url"] for c in seed["copies"]}
    original = [r for r in rows if "original" in r.get("class").split()]
    assert len(original) == 1 and "武汉科技报" in text_of(original[0]) and "original" in text_of(original[0])
    # the text, wrapped in paragraphs
    paragraphs = dom.xpath("//div[@class='text']/p")
    assert len(paragraphs) >= 3 and seed["body"].split("\n")[0].strip()[:20] in text_of(paragraphs[0])
    # the timeline: one mark per copy that shows a date, on its portal's row, the original a star
    svg = drawn(dom.xpath("//figure[@data-chart='timeline']")[0])
    dated = [c for c in seed["copies"] if c.get("published")]
    dots = svg.xpath(".//*[@aria-label='dot']/*[local-name()='path']")
    assert len(dots) == len(dated) >= 4
    labels = text_of(svg)
    assert "武汉科技报" in labels and "荆楚在线" in labels and "原发 original" in labels
    assert "01-09 08:30" in labels  # the original's time, as the page printed it
    undated = [pages.portal_name(c) for c in seed["copies"] if not c.get("published")]
    if undated:
        assert all(n in text_of(dom.get_element_by_id("spread")) for n in undated)


@needs_chromium
def test_show_html_writes_the_story_page_as_one_file_that_draws_offline(seed, demo_db, tmp_path):  # noqa: F811
    out = tmp_path / "story.html"
    proc = run("show", str(seed["id"]), "--db", demo_db, "--html", str(out))
    assert proc.returncode == 0, proc.stderr
    assert f"wrote story #{seed['id']}" in proc.stderr and proc.stdout == ""
    page = out.read_text("utf-8")
    source = lxml.html.fromstring(page)
    assert not source.xpath("//script[@src] | //link[@href]")  # self-contained: nothing to fetch
    assert len(source.xpath("//script[not(@type)]")) == len(pages.SCRIPTS)
    dom = browser_dom(out.as_uri())
    assert text_of(dom.xpath("//h1")[0]) == SEED["title"]
    assert len(dom.xpath("//table[@class='copies']/tbody/tr")) == len(seed["copies"])
    dots = drawn(dom.xpath("//figure[@data-chart='timeline']")[0]).xpath(".//*[@aria-label='dot']/*")
    assert len(dots) == len([c for c in seed["copies"] if c.get("published")])


def test_the_newsroom_keeps_the_host_check_and_serves_only_its_own_files(server):
    for path in ("/", "/-/search?q=x", "/-/story/1", "/-/newsroom/plot.umd.min.js"):
        status, body = get(f"{server}{path}", host="evil.example:80")
        assert status == 403 and "not allowed" in body, path
    status, body = get(f"{server}/-/newsroom/plot.umd.min.js")
    assert status == 200 and body.startswith("// @observablehq/plot")
    for path in ("/-/newsroom/..%2f..%2fbrowse.py", "/-/newsroom/pages.py", "/-/newsroom/.hidden.js"):
        assert get(f"{server}{path}")[0] == 404, path
    status, body = get(f"{server}/-/story/999999")
    assert status == 404 and "no story with id 999999" in body
    # internals are hidden from the database page; stories and copies are described
    status, body = get(f"{server}/demo.json")
    tables = {t["name"]: t for t in json.loads(body)["tables"]}
    for name in ("lsh", "signatures", "page_state", "story_ids", "story_state", "search_index"):
        assert tables[name]["hidden"], name
    assert not tables["stories"]["hidden"] and not tables["copies"]["hidden"]
    # a story's title in Datasette's own table links to its story page
    status, body = get(f"{server}/demo/stories?_size=1&_sort=id")
    assert status == 200 and 'href="/-/story/' in body


def test_pages_escape_crawled_text_and_link_only_http_urls():
    story = {
        "id": 7,
        "title": "<script>alert(1)</script>",
        "body": "line </script><img src=x onerror=alert(1)>\nsecond",
        "source": '"><b>x',
        "published": None,
        "reporters": ["<i>r</i>"],
        "correspondents": [],
        "editors": [],
        "url": "javascript:alert(1)",
        "first_seen": "2024-01-01T00:00:00+00:00",
        "last_seen": "2024-01-01T00:00:00+00:00",
        "copies": [
            {
                "id": 1, "portal": "a:1", "url": "javascript:alert(2)", "title": "</script><script>x()</script>",
                "published": "2024-01-01T08:00:00+08:00", "fetched_at": None, "source": None, "site_name": None,
                "source_name": "a", "is_original": True, "is_canonical": True,
            },
        ],
    }  # fmt: skip
    page = pages.story_page(pages.Site(), story)
    dom = lxml.html.fromstring(page)
    assert text_of(dom.xpath("//h1")[0]) == "<script>alert(1)</script>"
    assert not dom.xpath("//*[starts-with(@href, 'javascript:')]") and not dom.xpath("//img | //b | //i")
    scripts = [s for s in dom.xpath("//script") if s.get("type") == "application/json"]
    assert len(scripts) == 1 and json.loads(scripts[0].text)["copies"][0]["title"].startswith("</script>")
    assert page.count("<script") == len(pages.SCRIPTS) + 1
    # the libraries are inlined as they are into show --html: they must hold no closing script tag
    for name in pages.SCRIPTS:
        assert "</script" not in (pages.STATIC / name).read_text("utf-8").lower()
