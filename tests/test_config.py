import os
import sqlite3
import subprocess
import sys

import pytest

from aggregator.config import ConfigError, load_sources, parse_sources

GOOD = """
[[source]]
name = "kjb"
kind = "portal"
start_urls = ["http://127.0.0.1:8101/"]
every = "30m"
publisher = "武汉科技报"
[source.selectors]
article_links = "ul.list a"
body = "div.TRS_Editor"

[[source]]
name = "feeds"
kind = "feed"
start_urls = ["http://127.0.0.1:8105/rss.xml"]
cron = "*/30 * * * *"
"""


def test_parses_sources_with_selectors_and_schedules():
    kjb, feeds = parse_sources(GOOD)
    assert kjb.name == "kjb" and kjb.kind == "portal" and kjb.publisher == "武汉科技报"
    assert kjb.start_urls == ("http://127.0.0.1:8101/",)
    assert kjb.selectors.article_links == "ul.list a" and kjb.selectors.body == "div.TRS_Editor"
    assert kjb.interval_seconds == 1800
    assert feeds.kind == "feed" and feeds.cron == "*/30 * * * *" and feeds.interval_seconds is None


@pytest.mark.parametrize(
    "text, line, words",
    [
        ('[[source]]\nname = "a"\nkind = "portl"\nstart_urls = ["http://x/"]\n', 3, "unknown kind 'portl'"),
        ('[[source]]\nname = "a"\nstart_urls = "ftp://x/"\n', 3, "not an http(s) URL"),
        ('[[source]]\nname = "a"\n', 1, "start_urls must be a non-empty list"),
        ('[[source]]\nname = "a"\nstart_urls = ["http://x/"\n', 3, "invalid TOML"),
        (
            '[[source]]\nname = "a"\nstart_urls = ["http://x/"]\n\n[[source]]\nname = "a"\nstart_urls = ["http://y/"]\n',
            6,
            "duplicate source name 'a'",
        ),
        ('[[source]]\nname = "a"\nstart_urls = ["http://x/"]\nevery = "often"\n', 4, "bad interval"),
        (
            '[[source]]\nname = "a"\nstart_urls = ["http://x/"]\ncron = "61 * * * *"\n',
            4,
            "bad cron expression",
        ),
        ('[[source]]\nname = "a"\nstart_urls = ["http://x/"]\nstrat = 1\n', 4, "unknown key 'strat'"),
        (
            '[[source]]\nname = "a"\nstart_urls = ["http://x/"]\n[source.selectors]\nbody = "div[[["\n',
            5,
            "selector 'body' cannot run (CSS)",
        ),
        (
            '[[source]]\nname = "a"\nstart_urls = ["http://x/"]\n[source.selectors]\nbody = "//div[@class="\n',
            5,
            "selector 'body' cannot run (XPath)",
        ),
    ],
)
def test_broken_file_names_the_line(text, line, words):
    with pytest.raises(ConfigError) as err:
        parse_sources(text, "sources.toml")
    assert str(err.value).startswith(f"sources.toml:{line}:")
    assert words in str(err.value)


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(ConfigError, match="no such sources file"):
        load_sources(tmp_path / "nope.toml")


def test_bundled_sources_file_is_valid():
    from pathlib import Path

    sources = load_sources(Path(__file__).parent.parent / "data" / "sources.toml")
    assert {s.kind for s in sources} == {"portal", "feed", "sitemap"}


# --- selectors: one engine (parsel) for the check and the extraction


@pytest.mark.parametrize(
    ("key", "selector", "words"),
    [
        ("title", "h1::before", "selector 'title' cannot run (CSS): The pseudo-element ::before is unknown"),
        ("date", "//span[foo()]", "selector 'date' cannot run (XPath)"),
        (
            "body",
            "div.content::text",
            "selector 'body' selects text or attribute values; it must select elements",
        ),
        ("article_links", "ul.list a::attr(href)", "selects text or attribute values"),
        ("body", "//div[@id='content']/text()", "selects text or attribute values"),
    ],
)
def test_selector_that_cannot_run_is_refused_with_its_line(key, selector, words):
    text = f'[[source]]\nname = "a"\nstart_urls = ["http://x/"]\n[source.selectors]\n{key} = "{selector}"\n'
    with pytest.raises(ConfigError) as err:
        parse_sources(text, "sources.toml")
    assert str(err.value).startswith("sources.toml:5: source 'a': ") and words in str(err.value)


@pytest.mark.parametrize(
    "selectors",
    [
        {"title": "h1::text", "date": "span.time::attr(data-time)"},
        {"title": "//h1/text()", "body": "//div[has-class('content')]", "date": "//span/@data-time"},
    ],
)
def test_text_and_attribute_selectors_are_accepted_and_used(selectors):
    from aggregator.extract import extract

    lines = "".join(f'{key} = "{value}"\n' for key, value in selectors.items())
    (src,) = parse_sources(f'[[source]]\nname = "a"\nstart_urls = ["http://x/"]\n[source.selectors]\n{lines}')
    html = (
        "<html><head><title>别的标题_某某网</title></head><body><h1>大冶打造县域创新高地<span>视频</span></h1>"
        "<span class='time' data-time='2023-01-09 10:23'>昨天</span><div class='content'>"
        + "<p>科技创新是引领高质量发展的第一动力，大冶坚持全区域、多层次推进科技创新。</p>" * 4
        + "</div></body></html>"
    )
    article = extract(html, "http://x/a.html", selectors=src.selectors)
    assert article.title == "大冶打造县域创新高地"  # the h1's own text, not its <span>
    assert article.published == "2023-01-09T10:23:00+08:00"  # from the attribute; the page says only 昨天


def _cli(*args, cwd):
    return subprocess.run(
        [sys.executable, "-m", "aggregator.cli", *args],
        cwd=cwd,
        env={k: v for k, v in os.environ.items() if k != "AGGREGATOR_DB"},
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_crawl_refuses_a_selector_that_cannot_run_before_fetching(tmp_path):
    sources = tmp_path / "sources.toml"
    sources.write_text(
        '[[source]]\nname = "a"\nstart_urls = ["http://127.0.0.1:9/"]\n[source.selectors]\ntitle = "h1::before"\n'
    )
    proc = _cli(
        "crawl", "--source", "a", "--sources", str(sources), "--db", str(tmp_path / "a.db"), cwd=tmp_path
    )
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [
        f"aggregator: error: {sources}:5: source 'a': selector 'title' cannot run (CSS): "
        "The pseudo-element ::before is unknown"
    ]


def test_crawl_applies_a_text_selector_override(portals, truth, tmp_path):
    """title = "…::text" in the sources file changes what a crawl stores (it used to be dropped silently)."""
    sources = tmp_path / "sources.toml"
    sources.write_text(
        f'[[source]]\nname = "kjb"\nstart_urls = ["{portals["kjb"]}"]\n'
        # the section a kjb article is filed under, the last link of its breadcrumb: visibly not the headline
        '[source.selectors]\ntitle = "div.crumb a:last-child::text"\n'
    )
    db = tmp_path / "kjb.db"
    proc = _cli("crawl", "--source", "kjb", "--sources", str(sources), "--db", str(db), "-q", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    want = {c["path"]: s["category"] for s in truth["stories"] for c in s["copies"] if c["portal"] == "kjb"}
    with sqlite3.connect(db) as conn:
        got = {
            "/" + url.split("/", 3)[3]: title
            for url, title in conn.execute("SELECT final_url, title FROM copies")
        }
    assert got == want
