"""Incremental runs, in-process: known articles are not fetched again, list pages are asked with validators,
pagination stops at known articles, and a run that stopped early loses nothing."""

import functools
import shutil
import threading
from http.server import ThreadingHTTPServer
from pathlib import Path

import pytest
import pytest_twisted
from scrapy import signals
from scrapy.crawler import CrawlerRunner

from aggregator.config import Source
from aggregator.crawl import make_settings, results, schedule
from aggregator.demo.server import PORTALS_DIR, _Handler
from aggregator.demo.sources import demo_sources
from aggregator.incremental import is_pagination, list_base
from aggregator.store import Store

FAST = {"AUTOTHROTTLE_ENABLED": False}


async def crawl(db, sources, **settings):
    """Crawl in-process; returns (results, [(url, status), ...] of every response)."""
    runner = CrawlerRunner(make_settings(db, **{**FAST, **settings}))
    scheduled = schedule(runner, sources)
    seen = []
    scheduled.crawler.signals.connect(
        lambda response, request, spider: seen.append((response.url, response.status)),
        signal=signals.response_received,
        weak=False,
    )
    await runner.join()
    return results(scheduled), seen


def path_of(url: str) -> str:
    return "/" + url.split("/", 3)[3]


def copy_count(db) -> int:
    with Store(db) as store:
        return store.counts()["copies"]


@pytest.mark.parametrize(
    ("page", "link", "expected"),
    [
        ("http://h/list/keji.html", "http://h/list/keji_2.html", True),  # kjb
        ("http://h/channel/yaowen_2.shtml", "http://h/channel/yaowen_3.shtml", True),  # cjrb
        ("http://h/a/keji/", "http://h/a/keji/list_2.html", True),  # xinxi
        ("http://h/news/gnxw/index.htm", "http://h/news/gnxw/index_1.htm", True),  # gbk
        ("http://h/category/keji/", "http://h/category/keji/page2.html", True),  # feedsite
        ("http://h/column/caijing/", "http://h/column/caijing/2.html", True),  # mapsite
        ("http://h/news/?page=1", "http://h/news/?page=2", True),
        ("http://h/blog/page/2/", "http://h/blog/page/3/", True),
        ("http://h/list/", "http://h/list/more.html", False),
        ("http://h/", "http://h/list/keji.html", False),
        ("http://h/list/keji.html", "http://h/list/jingji.html", False),
        ("http://h/list/keji.html", "http://h/list/keji.html", False),
        ("http://h/list/keji.html", "http://h/list/archive.html", False),
    ],
)
def test_pagination_links_by_url_shape(page, link, expected):
    assert is_pagination(page, link) is expected


def test_pagination_links_by_text_stay_in_the_same_directory():
    assert is_pagination("http://h/list/a.html", "http://h/list/more.html", "下一页")
    assert is_pagination("http://h/list/a.html", "http://h/list/b.html", "3")
    assert not is_pagination("http://h/list/a.html", "http://h/other/b.html", "下一页")
    assert list_base("http://h/x/index.html?page=3&cat=2") == list_base("http://h/x/?cat=2")


@pytest_twisted.ensureDeferred
async def test_second_run_of_the_unchanged_demo_fetches_no_article_and_stores_nothing(
    portals, truth, tmp_path
):
    db = tmp_path / "twice.db"
    sources = demo_sources(portals)
    first, first_seen = await crawl(db, sources)
    with Store(db) as store:
        counts = store.counts()
        before = [{**s, "last_seen": None} for s in store.iter_stories()]
    second, second_seen = await crawl(db, sources)
    with Store(db) as store:
        assert store.counts() == counts
        assert [{**s, "last_seen": None} for s in store.iter_stories()] == before

    articles = {p for portal in truth["portals"].values() for p in portal["articles"]}
    non_articles = {p for portal in truth["portals"].values() for p in portal["non_articles"]}
    assert not {path_of(u) for u, _ in second_seen} & articles, "a known article was fetched again"
    # everything fetched again is a list page, feed, sitemap or robots.txt, and every page answered 304
    assert {path_of(u) for u, _ in second_seen} <= non_articles | {"/robots.txt"}
    assert {(path_of(u), s) for u, s in second_seen if s == 200} <= {("/robots.txt", 200)}
    for r in second:
        assert r.outcome == "ok", (r.source, r.reason)
        assert r.summary["new_copies"] + r.summary["updated_copies"] + r.summary["unchanged_copies"] == 0
        assert r.stat("incremental/skipped_known") > 0
    assert sum(r.stat("incremental/pagination_stopped") for r in second) >= 8  # 2nd list pages, not fetched
    requests = [sum(r.stat("downloader/request_count") for r in res) for res in (first, second)]
    print(f"\nrequests against the six demo sources: first run {requests[0]}, second run {requests[1]}")
    assert requests[1] * 2 < requests[0]


_WORDS = [
    "光谷",
    "企业",
    "研发",
    "芯片",
    "订单",
    "工人",
    "车间",
    "农户",
    "稻田",
    "水质",
    "学校",
    "课堂",
    "老师",
    "医院",
    "患者",
    "社区",
    "居民",
    "志愿者",
    "地铁",
    "线路",
    "站点",
    "桥梁",
    "长江",
    "港口",
    "货运",
    "物流",
    "快递",
    "茶叶",
    "柑橘",
    "渔民",
    "湖泊",
    "湿地",
    "候鸟",
    "图书馆",
    "读者",
    "展览",
    "文物",
    "游客",
    "景区",
    "夜市",
]


def _body(seed: int) -> str:
    """Five paragraphs of text no other page holds, so the article is a new story."""
    import random

    rng = random.Random(seed)
    paragraphs = []
    for n in range(5):
        words = [rng.choice(_WORDS) for _ in range(28)]
        paragraphs.append(
            f"<p>第{seed}篇第{n + 1}段："
            + "，".join("".join(words[k : k + 4]) for k in range(0, 28, 4))
            + "。</p>"
        )
    return "\n".join(paragraphs) + "\n"


class _Portal:
    """A copy of the kjb demo portal in a temporary directory, served with ETag / Last-Modified like the demo."""

    def __init__(self, root: Path):
        self.root = root
        shutil.copytree(PORTALS_DIR / "kjb", root)
        handler = functools.partial(_Handler, root=root, utf8=True, bases={})
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def add_articles(self, n: int, list_page: str = "list/keji.html") -> list[str]:
        """Add n new articles, linked from the top of one list page only (the front page does not change)."""
        template = (self.root / "content/2023-01/15/content_10013.html").read_text("utf-8")
        paths, items = [], []
        for i in range(n):
            path = f"/content/2023-01/16/content_2000{i}.html"
            title = f"第{i + 1}条新闻：全省科技小院建设提速 新增试点{i + 3}个"
            head, rest = template.split('<div class="TRS_Editor">', 1)
            page = head.replace("湖北首批农业科技小院在潜江揭牌 研究生驻村搞科研", title)
            page += '<div class="TRS_Editor">\n' + _body(i) + "</div>" + rest.split("</div>", 1)[1]
            file = self.root / path.lstrip("/")
            file.parent.mkdir(parents=True, exist_ok=True)
            file.write_text(page, "utf-8")
            paths.append(path)
            items.append(f'<li><a href="{path}">{title}</a><span class="date">2023-01-16</span></li>')
        listing = self.root / list_page
        html = listing.read_text("utf-8")
        listing.write_text(
            html.replace('<ul class="news">\n', '<ul class="news">\n' + "\n".join(items) + "\n", 1)
        )
        return paths

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def portal(tmp_path):
    p = _Portal(tmp_path / "kjb")
    yield p
    p.close()


def kjb(portal: _Portal, **kw) -> Source:
    return Source(name="kjb", kind="portal", start_urls=(portal.url,), publisher="武汉科技报", **kw)


@pytest_twisted.ensureDeferred
async def test_three_new_articles_are_exactly_what_the_next_run_fetches_and_stores(portal, truth, tmp_path):
    db = tmp_path / "grow.db"
    (first,), _ = await crawl(db, [kjb(portal)])
    assert first.summary["new_copies"] == len(truth["portals"]["kjb"]["articles"])
    added = portal.add_articles(3)

    (second,), seen = await crawl(db, [kjb(portal)])
    assert second.outcome == "ok"
    assert second.summary["new_stories"] == 3 and second.summary["new_copies"] == 3
    assert second.summary["unchanged_copies"] == 0 and second.summary["updated_copies"] == 0
    fetched = {path_of(u) for u, s in seen if s == 200}
    assert fetched == set(added) | {"/list/keji.html", "/robots.txt"}  # the changed list page and its news
    assert ("/", 304) in {(path_of(u), s) for u, s in seen}  # front page unchanged: its links were replayed
    assert copy_count(db) == len(truth["portals"]["kjb"]["articles"]) + 3

    (third,), seen = await crawl(db, [kjb(portal)])
    assert third.summary["new_copies"] == 0 and {path_of(u) for u, s in seen if s == 200} == {"/robots.txt"}


@pytest_twisted.ensureDeferred
async def test_new_articles_on_a_second_list_page_are_found(portal, truth, tmp_path):
    """Page 2 changed, page 1 did not: page 1 holds only known articles, but its next page is not clean."""
    db = tmp_path / "p2.db"
    await crawl(db, [kjb(portal)])
    added = portal.add_articles(2, list_page="list/keji_2.html")
    # page 2 answers 200 (changed) only if asked: page 1 is unchanged, so pagination stops before it ...
    (second,), seen = await crawl(db, [kjb(portal)])
    assert second.stat("incremental/pagination_stopped") >= 1 and second.summary["new_copies"] == 0
    # ... which is what a full backfill is for
    (full,), seen = await crawl(
        db, [kjb(portal)], AGGREGATOR_INCREMENTAL=False, AGGREGATOR_STOP_PAGINATION=False
    )
    assert full.summary["new_copies"] == 2 and set(added) <= {path_of(u) for u, _ in seen}
    assert full.summary["unchanged_copies"] == len(truth["portals"]["kjb"]["articles"])


@pytest_twisted.ensureDeferred
async def test_a_run_that_stopped_early_is_completed_by_the_next(portal, truth, tmp_path):
    db = tmp_path / "early.db"
    # extraction in this process: with a pool, the pages in flight when the count is reached may be all of them
    (cut,), _ = await crawl(db, [kjb(portal)], CLOSESPIDER_ITEMCOUNT=4, AGGREGATOR_WORKERS=0)
    stored = copy_count(db)
    assert 0 < stored < len(truth["portals"]["kjb"]["articles"])
    (rest,), seen = await crawl(db, [kjb(portal)])
    assert copy_count(db) == len(truth["portals"]["kjb"]["articles"])
    assert rest.summary["new_copies"] == len(truth["portals"]["kjb"]["articles"]) - stored
    assert rest.summary["unchanged_copies"] == 0  # what the first run stored was not fetched again


@pytest_twisted.ensureDeferred
async def test_revisit_window_refetches_old_articles_with_validators(portal, truth, tmp_path):
    db = tmp_path / "revisit.db"
    await crawl(db, [kjb(portal)])
    with Store(db) as store:
        store.db.execute("UPDATE copies SET last_seen = '2000-01-01T00:00:00+00:00'")
        store.db.execute(
            "UPDATE page_state SET checked_at = '2000-01-01T00:00:00+00:00' WHERE kind = 'article'"
        )
    (again,), seen = await crawl(db, [kjb(portal, revisit="1d")])
    articles = set(truth["portals"]["kjb"]["articles"])
    revisited = {path_of(u): s for u, s in seen if path_of(u) in articles}
    assert set(revisited) == articles and set(revisited.values()) == {304}
    assert again.summary["new_copies"] == 0


def test_a_page_that_was_gone_is_asked_again_after_a_day(tmp_path):
    from datetime import timedelta

    from aggregator import incremental

    state = incremental.CrawlState(str(tmp_path / "g.db"))
    try:
        state.mark("http://a.test/list_2.html", incremental.GONE, "a")
        assert state.classify("http://a.test/list_2.html", None) == incremental.GONE
        old = incremental._iso(incremental._now() - incremental.GONE_RETRY - timedelta(minutes=1))
        state.conn.execute("UPDATE page_state SET checked_at = ?", (old,))
        assert state.classify("http://a.test/list_2.html", None) == "new"
    finally:
        state.close()
