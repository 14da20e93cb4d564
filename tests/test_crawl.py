"""Crawls of the demo portals, in-process (Scrapy's CrawlerRunner on the test reactor)."""

import http.server
import threading

import pytest_twisted
from scrapy.crawler import CrawlerRunner

from aggregator.config import source_for_urls
from aggregator.crawl import make_settings, results, schedule
from aggregator.demo.sources import demo_sources
from aggregator.store import Store


async def crawl(db, sources, **settings):
    runner = CrawlerRunner(make_settings(db, **settings))
    crawlers = schedule(runner, sources)
    await runner.join()
    return results(crawlers)


def stored_paths(db) -> dict[str, set[str]]:
    with Store(db) as store:
        rows = list(store.db.query("SELECT portal, final_url FROM copies"))
    out: dict[str, set[str]] = {}
    for row in rows:
        out.setdefault(row["portal"], set()).add("/" + row["final_url"].split("/", 3)[3])
    return out


@pytest_twisted.async_fixture(scope="module")
async def no_config_crawl(portals, tmp_path_factory):
    """`aggregator crawl URL...` of every demo front page: no sources file, no selectors."""
    db = tmp_path_factory.mktemp("crawl") / "agg.db"
    res = await crawl(db, [source_for_urls(list(portals.values()))])
    return db, res


def _host(url: str) -> str:
    return url.split("/")[2]


def test_no_config_crawl_finds_every_article_and_no_other_page(no_config_crawl, portals, truth):
    db, (result,) = no_config_crawl
    stored = stored_paths(db)
    for name, url in portals.items():
        expected = set(truth["portals"][name]["articles"])
        got = stored.get(_host(url), set())
        assert got == expected, (
            f"{name}: missing {sorted(expected - got)[:5]}, extra {sorted(got - expected)[:5]}"
        )
    assert result.failures == []
    assert result.summary["articles"] == sum(len(p["articles"]) for p in truth["portals"].values())


def test_robots_txt_is_obeyed(no_config_crawl, portals, truth):
    db, (result,) = no_config_crawl
    assert result.stats.get("robotstxt/forbidden", 0) >= 1
    stored = stored_paths(db)
    assert not any(p.startswith("/admin/") for paths in stored.values() for p in paths)


def test_seed_article_from_the_seed_like_portal_is_one_clean_story(no_config_crawl, portals, truth):
    db, _ = no_config_crawl
    seed = next(s for s in truth["stories"] if s["id"] == "daye-innovation")
    xinxi_path = next(c["path"] for c in seed["copies"] if c["portal"] == "xinxi")
    with Store(db) as store:
        (row,) = store.db.query(
            "SELECT story_id FROM copies WHERE final_url = ?", [portals["xinxi"] + xinxi_path[1:]]
        )
        story = next(s for s in store.iter_stories() if s["id"] == row["story_id"])
    assert story["title"] == seed["title"]
    assert story["source"] == "武汉科技报"
    assert story["reporters"] == ["郑莉莉", "张宇驰", "任文"]
    assert story["correspondents"] == ["朱勇进", "冯星星"]
    assert story["editors"] == ["陈丽萍"]
    assert story["body"].startswith("科技创新是引领高质量发展的第一动力。")
    assert story["body"].endswith("贡献力量。”")
    for junk in ("服务粉丝", "当前位置", "相关阅读", "热门文章", "最新文章", "记者", "通讯员", "来源"):
        assert junk not in story["body"], junk
    # the xinxi copy and the newspaper's original are one story, and the original is canonical
    assert {_host(c["url"]) for c in story["copies"]} >= {_host(portals["xinxi"]), _host(portals["kjb"])}
    assert _host(story["url"]) == _host(portals["kjb"])
    assert story["published"] == seed["published"]


@pytest_twisted.ensureDeferred
async def test_recrawl_changes_nothing(no_config_crawl, portals, tmp_path):
    db = tmp_path / "again.db"
    sources = demo_sources(portals)
    await crawl(db, sources)
    with Store(db) as store:
        before = [{**s, "last_seen": None} for s in store.iter_stories()]
        counts = store.counts()
    second = await crawl(db, sources, AGGREGATOR_INCREMENTAL=False)
    with Store(db) as store:
        assert store.counts() == counts
        assert [{**s, "last_seen": None} for s in store.iter_stories()] == before
    assert sum(r.summary["new_copies"] + r.summary["updated_copies"] for r in second) == 0
    assert sum(r.summary["unchanged_copies"] for r in second) == counts["copies"]


class _Huge(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.end_headers()
        self.wfile.write(b"<html><body><p>" + "长".encode() * 400_000 + b"</p></body></html>")

    def log_message(self, *a):
        pass


@pytest_twisted.ensureDeferred
async def test_oversized_page_is_refused(tmp_path):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Huge)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/big.html"
        (res,) = await crawl(tmp_path / "big.db", [source_for_urls([url])], DOWNLOAD_MAXSIZE=100_000)
    finally:
        server.shutdown()
    assert res.failures and res.summary["articles"] == 0


def test_every_demo_story_is_one_story_with_its_truth_fields(no_config_crawl, portals, truth):
    """Reposts in other templates, GBK, traditional characters, truncated or with ads all join their original."""
    db, _ = no_config_crawl
    with Store(db) as store:
        story_of = {
            r["final_url"]: r["story_id"] for r in store.db.query("SELECT final_url, story_id FROM copies")
        }
        stories = {s["id"]: s for s in store.iter_stories()}
    assert len(stories) == len(truth["stories"])
    for expected in truth["stories"]:
        ids = {story_of[portals[c["portal"]] + c["path"][1:]] for c in expected["copies"]}
        assert len(ids) == 1, f"{expected['id']} split into {ids}"
        story = stories[ids.pop()]
        assert len(story["copies"]) == len(expected["copies"])
        got = {
            k: story[k] for k in ("title", "source", "published", "reporters", "correspondents", "editors")
        }
        want = {k: expected[k] for k in got}
        assert got == want, expected["id"]
        original = next(c for c in expected["copies"] if c["original"])
        assert story["url"] == portals[original["portal"]] + original["path"][1:]
