"""Feeds and files, each read back by a real client: feedparser for RSS and Atom, jsonfeed-util for JSON Feed
(feedparser 6.0, the latest release, does not read JSON Feed), the csv module for CSV."""

import csv
import io
import json
import xml.etree.ElementTree as ET
from datetime import UTC, datetime

import feedparser
import jsonfeed
import pytest
from test_search import build

from aggregator import feeds
from aggregator.filters import Filters
from aggregator.store import Store

KW = {"title": "测试 feed", "link": "http://localhost/"}


@pytest.fixture(scope="module")
def db_path(tmp_path_factory):
    path = tmp_path_factory.mktemp("feeds") / "f.db"
    build(path)
    return path


@pytest.fixture
def stories(db_path):
    with Store(db_path) as store:
        return list(store.iter_stories())


def render(fmt, stories) -> str:
    out = io.StringIO()
    assert feeds.write(fmt, stories, out, **KW) == len(stories)
    return out.getvalue()


def read(fmt, text) -> tuple[str, list[dict]]:
    """(feed title, entries as {id, link, title, authors, tags, published, content}) as a client reads them."""
    if fmt == "jsonfeed":
        feed = jsonfeed.Feed.parse_string(text)
        assert json.loads(text)["version"] == feed.version == "https://jsonfeed.org/version/1.1"
        entries = [
            {
                "id": i.id,
                "link": i.url,
                "title": i.title,
                "authors": [a.name for a in i.authors or []],
                "tags": i.tags,
                "published": feeds.to_datetime(i.date_published),
                "content": i.content_text,
            }
            for i in feed.items
        ]
        return feed.title, entries
    parsed = feedparser.parse(text)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == {"rss": "rss20", "atom": "atom10"}[fmt]
    entries = [
        {
            "id": e.id,
            "link": e.link,
            "title": e.title,
            "authors": [a.get("name") for a in e.get("authors", [])],
            "tags": [t.term for t in e.get("tags", [])],
            "published": datetime(*e.published_parsed[:6], tzinfo=UTC),
            "content": e.content[0].value if "content" in e else e.summary,
        }
        for e in parsed.entries
    ]
    return parsed.feed.title, entries


def test_stories_are_newest_first_and_in_the_export_shape(db_path, stories):
    with Store(db_path) as store:
        assert stories == list(store.iter_stories())  # the same records as the unfiltered JSONL export
    dates = [feeds.item_date(s) for s in stories]
    assert dates == sorted(dates, reverse=True)
    undated = next(s for s in stories if s["published"] is None)
    assert feeds.item_date(undated) == feeds.to_datetime(undated["first_seen"])


@pytest.mark.parametrize("fmt", ["rss", "atom", "jsonfeed"])
def test_feed_readers_read_every_item(fmt, stories):
    title, entries = read(fmt, render(fmt, stories))
    assert title == "测试 feed"
    assert [e["id"] for e in entries] == [feeds.item_id(s["id"]) for s in stories]
    assert [e["link"] for e in entries] == [s["url"] for s in stories]
    assert [e["published"] for e in entries] == [feeds.item_date(s) for s in stories]  # newest first
    dazhi = next(e for e in entries if e["title"] == "湖北大冶:凝聚科技创新磅礴力量")
    assert dazhi["authors"] == ["郑莉莉"]
    assert dazhi["tags"] == ["武汉科技报"]
    assert dazhi["published"] == datetime(2023, 1, 9, 0, 30, tzinfo=UTC)  # 08:30 +08:00
    assert "科技创新是引领高质量发展的第一动力" in dazhi["content"]
    assert "http://xinxi.test/a/1.html" in dazhi["content"]  # the other copy is listed
    english = next(e for e in entries if e["title"].startswith("Open dataset"))
    assert english["authors"] == ["Li Lei"]
    undated = next(e for e in entries if e["title"] == "上海支持校企共建实验室")
    assert undated["published"] == datetime(2023, 1, 11, tzinfo=UTC)  # first seen


def test_guids_are_stable_across_exports(db_path):
    def guids(fmt):
        with Store(db_path) as store:
            text = render(fmt, list(store.iter_stories()))
        return [e["id"] for e in read(fmt, text)[1]]

    for fmt in ("rss", "atom", "jsonfeed"):
        first, second = guids(fmt), guids(fmt)
        assert first == second and len(set(first)) == len(first)
        assert all(g.startswith("tag:aggregator.invalid,2026:story/") for g in first)
    assert guids("rss") == guids("atom") == guids("jsonfeed")


@pytest.mark.parametrize("fmt", ["rss", "atom"])
def test_html_in_an_article_stays_text_and_control_characters_are_removed(fmt, stories):
    text = render(fmt, stories)
    root = ET.fromstring(text.encode("utf-8"))  # well-formed XML despite the \x00-\x1f in the body
    ns = {"a": "http://www.w3.org/2005/Atom"}
    if fmt == "rss":
        items = root.findall("./channel/item")
        html = [i.findtext("description") for i in items]
        item_titles = [i.findtext("title") for i in items]
    else:
        items = root.findall("a:entry", ns)
        html = [i.findtext("a:content", namespaces=ns) for i in items]
        item_titles = [i.findtext("a:title", namespaces=ns) for i in items]
    hostile = next(h for h in html if "恶意代码" in h)
    # the content is HTML: the article's <script> is in it as escaped text, not as a tag
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in hostile and "<script>" not in hostile
    assert "请勿点击陌生链接 &amp; 不要输入密码" in hostile
    assert "警惕<script>alert(1)</script>仿冒网站" in item_titles  # titles are text
    for bad in "\x00\x01\x08\x0b\x0c\x1f":
        assert bad not in text
    entry = next(e for e in read(fmt, text)[1] if "仿冒" in e["title"])
    assert "<script" not in entry["content"] and "alert(1)" in entry["content"]


def test_jsonfeed_follows_the_1_1_spec(stories):
    doc = json.loads(render("jsonfeed", stories))
    assert doc["version"] == "https://jsonfeed.org/version/1.1"
    assert doc["title"] and doc["home_page_url"] == "http://localhost/"
    for item, story in zip(doc["items"], stories, strict=True):
        assert isinstance(item["id"], str) and item["url"] == story["url"]
        assert {"id", "url", "title", "content_text", "date_published"} <= set(item)
        assert item["date_published"][10] == "T" and item["date_published"][19:] in ("+00:00", "+08:00")
        if story["reporters"]:
            assert item["authors"] == [{"name": n} for n in story["reporters"]]
        if story["source"]:
            assert item["tags"] == [story["source"]]
        assert all(k in ("id", "url", "title", "content_text", "date_published", "date_modified", "authors", "tags")
                   or k.startswith("_") for k in item)  # fmt: skip
    hostile = next(i for i in doc["items"] if "恶意代码" in i["content_text"])
    assert "<script>alert(1)</script>" in hostile["content_text"]  # plain text: kept as written
    assert "\x00" not in hostile["content_text"]


def test_csv_opens_in_spreadsheets(stories):
    buf = io.StringIO(newline="")
    feeds.write("csv", stories, buf, **KW)
    rows = list(csv.DictReader(io.StringIO(buf.getvalue(), newline="")))
    assert len(rows) == len(stories)
    assert list(rows[0]) == list(feeds.CSV_FIELDS)
    dazhi = next(r for r in rows if r["title"] == "湖北大冶:凝聚科技创新磅礴力量")
    assert dazhi["copies_count"] == "2"
    assert dazhi["url"] == "http://kjb.test/content/1.html"
    assert dazhi["copy_urls"] == "http://kjb.test/content/1.html; http://xinxi.test/a/1.html"
    assert dazhi["portals"] == "kjb.test; xinxi.test"
    two = next(r for r in rows if r["source"] == "长江日报" and "江豚" in r["title"])
    assert two["reporters"] == "吴昊; 杨帆"
    assert "\n" not in "".join(r["title"] for r in rows)


def test_csv_cells_never_start_a_formula():
    story = {
        "id": 1, "title": "=HYPERLINK(\"http://x\")", "body": "+1", "published": None, "source": "@x",
        "reporters": ["-a"], "correspondents": [], "editors": [], "url": "http://a.test/1",
        "copies": [{"url": "http://a.test/1", "portal": "a.test"}], "first_seen": "2023-01-01T00:00:00+00:00",
        "last_seen": "2023-01-01T00:00:00+00:00",
    }  # fmt: skip
    buf = io.StringIO(newline="")
    feeds.write_csv([story], buf)
    (row,) = csv.DictReader(io.StringIO(buf.getvalue(), newline=""))
    assert row["title"].startswith("'=") and row["body"] == "'+1" and row["source"] == "'@x"


@pytest.mark.parametrize("fmt", ["rss", "atom", "jsonfeed", "csv", "jsonl"])
def test_an_empty_database_gives_a_valid_empty_feed(fmt, tmp_path):
    with Store(tmp_path / "empty.db") as store:
        text = render(fmt, list(store.iter_stories()))
    if fmt in ("rss", "atom", "jsonfeed"):
        assert read(fmt, text) == ("测试 feed", [])
    elif fmt == "csv":
        assert text.splitlines() == [",".join(feeds.CSV_FIELDS)]
    else:
        assert text == ""


def test_filters_and_query_select_stories(db_path):
    with Store(db_path) as store:

        def ids(**kw):
            query = kw.pop("query", None)
            limit = kw.pop("limit", None)
            return [s["title"] for s in store.iter_stories(Filters(**kw), query=query, limit=limit)]

        assert ids(source="长江日报") == ["警惕<script>alert(1)</script>仿冒网站", "长江武汉段再现江豚群"]
        assert ids(portal="feedsite") == ["港科大公布新研究計劃"]
        assert ids(query="科技") == ["湖北大冶:凝聚科技创新磅礴力量", "港科大公布新研究計劃"]
        assert ids(query="科技", since="2023-01-08") == ["湖北大冶:凝聚科技创新磅礴力量"]
        assert len(ids(limit=2)) == 2
