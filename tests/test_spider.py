"""The spider (aggregator/spiders/news.py): what it discovers and fetches on a site, in real Scrapy crawls of
loopback sites, judged by what a user sees: the articles stored, the run's summary, and the requests the site
received.

The extraction, dedupe and store of what it fetches are the pipelines' (test_crawl.py crawls every demo portal
end to end); per-source scope, depth and bounds are tested in test_one_crawler.py and test_security_crawl.py.
"""

import gzip
import re
import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import pytest
import pytest_twisted
from scrapy import signals
from scrapy.crawler import CrawlerRunner

from aggregator.config import Source, source_for_urls
from aggregator.crawl import make_settings, results, schedule
from aggregator.demo.server import PORTALS_DIR
from aggregator.demo.sources import demo_sources
from aggregator.spiders.news import NewsSpider, run_sources
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


def _host(url: str) -> str:
    return url.split("/")[2]


# --- feeds, sitemaps and the article_links override on the demo portals


@pytest_twisted.ensureDeferred
async def test_feed_and_sitemap_sources_find_their_articles(portals, truth, tmp_path):
    db = tmp_path / "kinds.db"
    by_name = {s.name: s for s in demo_sources(portals)}
    res = await crawl(db, [by_name["feedsite"], by_name["mapsite"]])
    assert [r.summary["articles"] for r in res] == [
        len(truth["portals"]["feedsite"]["articles"]),
        len(truth["portals"]["mapsite"]["articles"]),
    ]
    assert res[0].stats.get("spider/feeds") == 1 and res[1].stats.get("spider/sitemaps", 0) >= 2


@pytest_twisted.ensureDeferred
async def test_article_links_selector_restricts_the_candidates(portals, truth, tmp_path):
    from aggregator.extract import Selectors

    db = tmp_path / "sel.db"
    src = Source(
        name="kjb-keji",
        kind="portal",
        start_urls=(portals["kjb"] + "list/keji.html",),
        selectors=Selectors(article_links="a[href*='/content/']"),
        depth=1,
    )
    (res,) = await crawl(db, [src])
    stored = stored_paths(db)[_host(portals["kjb"])]
    assert stored and stored <= set(truth["portals"]["kjb"]["articles"])
    assert res.summary["not_articles"] == 0  # list pages were walked, never offered as articles


@pytest_twisted.ensureDeferred
async def test_unreachable_start_url_is_a_failure_not_a_crash(tmp_path):
    db = tmp_path / "down.db"
    (res,) = await crawl(db, [source_for_urls(["http://127.0.0.1:9/"])], RETRY_TIMES=0)
    assert res.failures and "127.0.0.1:9" in res.failures[0]
    with Store(db) as store:
        assert store.counts()["stories"] == 0


# --- a portal walked from its front page


@pytest_twisted.ensureDeferred
async def test_a_portal_is_walked_once_from_its_front_page_feeds_and_robots_sitemaps_included(
    portals, truth, tmp_path
):
    # three portals, each a portal source from its front page only: kjb has paginated lists, feedsite announces
    # its feed with <link rel="alternate">, mapsite names its sitemap index in robots.txt
    names = ("kjb", "feedsite", "mapsite")
    sources = [Source(name=n, kind="portal", start_urls=(portals[n],)) for n in names]
    runner = CrawlerRunner(make_settings(tmp_path / "w.db", AUTOTHROTTLE_ENABLED=False, AGGREGATOR_WORKERS=0))
    scheduled = schedule(runner, sources)
    fetched: dict[str, list[str]] = {}
    scheduled.crawler.signals.connect(
        lambda response, request, spider: fetched.setdefault(_host(response.url), []).append(
            "/" + response.url.split("/", 3)[3]
        ),
        signal=signals.response_received,
        weak=False,
    )
    await runner.join()
    res = {r.source: r for r in results(scheduled)}
    stored = stored_paths(tmp_path / "w.db")
    assert set(fetched) == {_host(portals[n]) for n in names}  # links to the other portals are not followed
    for name in names:
        host, portal = _host(portals[name]), truth["portals"][name]
        pages = [p for p in fetched[host] if p != "/robots.txt"]
        html = [p for p in pages if not p.endswith(".xml")]
        listed = [p for p in portal["articles"] + portal["non_articles"] if not p.endswith(".xml")]
        assert sorted(html) == sorted(listed), name  # every page, each once
        assert not any(p.startswith("/admin/") for p in pages)  # robots.txt disallows it
        assert stored[host] == set(portal["articles"])
        assert res[name].outcome == "ok" and res[name].summary["errors"] == 0
    feeds = [p for p in fetched[_host(portals["feedsite"])] if p.endswith(".xml")]
    sitemaps = [p for p in fetched[_host(portals["mapsite"])] if p.endswith(".xml")]
    assert feeds == ["/rss.xml"]
    assert sorted(sitemaps) == ["/sitemap-articles.xml", "/sitemap-pages.xml", "/sitemap.xml"]


# --- what is not worth a request, on a site of its own


ARTICLES = sorted((PORTALS_DIR / "kjb" / "content").glob("*/*/*.html"))[:6]


def article_page(source) -> str:
    """A kjb article's headline and text, without its links."""
    html = source.read_text("utf-8")
    title = re.search(r"<h1>(.*?)</h1>", html).group(1)
    paras = re.findall(r"<p>([^<]{40,})</p>", html)
    return (
        f"<html><head><meta charset='utf-8'><title>{title}</title></head><body><h1>{title}</h1>"
        + "".join(f"<p>{p}</p>" for p in paras)
        + "</body></html>"
    )


class _Site(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_GET(self):
        self.server.requested.append(self.path)
        if self.path.startswith("/broken"):
            self.send_error(500)  # a page the server fails on, every time
            return
        super().do_GET()


def urlset(*urls: str) -> str:
    locs = "".join(f"<url><loc>{u}</loc></url>" for u in urls)
    return f'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{locs}</urlset>'


def serve(root) -> ThreadingHTTPServer:
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(_Site, directory=str(root)))
    server.requested, server.daemon_threads = [], True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """A portal whose front page links to a list, assets, actions, a disallowed area, another site, a
    download without a type, and a dead page; its feed and its sitemap (named in robots.txt) list articles
    that no page links to, and a gzipped sitemap, listed in a sitemap index, lists one more."""
    tmp_path = tmp_path_factory.mktemp("site")
    root, other_root = tmp_path / "site", tmp_path / "other"
    root.mkdir(), other_root.mkdir()
    (other_root / "x.html").write_text(article_page(ARTICLES[5]), "utf-8")
    server, other = serve(root), serve(other_root)
    base = f"http://127.0.0.1:{server.server_address[1]}"
    for i, source in enumerate(ARTICLES[:6], start=1):
        (root / f"a{i}.html").write_text(article_page(source), "utf-8")
    links = [
        "list.html", "a1.html", "style.css", "logo.png", "report.pdf", "login.html?next=/", "admin/index.html",
        "mailto:desk@example.com", "javascript:void(0)", f"http://127.0.0.1:{other.server_address[1]}/x.html",
        "download", "gone.html",
    ]  # fmt: skip
    (root / "index.html").write_text(
        "<html><head><meta charset='utf-8'><title>首页</title>"
        "<link rel='alternate' type='application/rss+xml' href='/feed.xml'></head><body>"
        + "".join(f"<a href='{link}'>{link}</a> " for link in links)
        + "</body></html>",
        "utf-8",
    )
    (root / "list.html").write_text(
        "<html><body><a href='a2.html'>二</a> <a href='list_2.html'>下一页</a></body></html>"
    )
    (root / "list_2.html").write_text("<html><body><a href='a3.html'>三</a></body></html>")
    (root / "admin").mkdir()
    (root / "admin" / "index.html").write_text("<html><body><a href='/a6.html'>六</a></body></html>")
    (root / "login.html").write_text("<html><body>登录</body></html>")
    for name in ("style.css", "logo.png", "report.pdf"):
        (root / name).write_bytes(b"\0")
    (root / "download").write_bytes(b"<html><body>" + b"\0" * 100 + b"</body></html>")
    (root / "robots.txt").write_text(f"User-agent: *\nDisallow: /admin/\nSitemap: {base}/sitemap.xml\n")
    (root / "sitemap.xml").write_text(urlset(f"{base}/a4.html"))
    (root / "sitemap-gz.xml.gz").write_bytes(gzip.compress(urlset(f"{base}/a6.html").encode()))
    (root / "sitemap-index.xml").write_text(
        '<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        f"<sitemap><loc>{base}/sitemap-gz.xml.gz</loc></sitemap></sitemapindex>"
    )
    (root / "feed.xml").write_text(
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>'
        f"<item><title>五</title><link>{base}/a5.html</link></item></channel></rss>"
    )
    yield base + "/", server, other
    for s in (server, other):
        s.shutdown()
        s.server_close()


@pytest_twisted.ensureDeferred
async def test_only_pages_worth_a_request_are_fetched_and_articles_listed_anywhere_are_found(site, tmp_path):
    url, server, other = site
    server.requested.clear()
    db = tmp_path / "s.db"
    (res,) = await crawl(
        db,
        [Source(name="s", kind="portal", start_urls=(url,))],
        AUTOTHROTTLE_ENABLED=False,
        AGGREGATOR_WORKERS=0,
    )
    (stored,) = stored_paths(db).values()
    assert stored == {"/a1.html", "/a2.html", "/a3.html", "/a4.html", "/a5.html"}
    requested = set(server.requested)
    assert {"/list_2.html", "/feed.xml", "/sitemap.xml", "/download", "/gone.html"} <= requested
    for never in ("/style.css", "/logo.png", "/report.pdf", "/admin/index.html", "/a6.html"):
        assert never not in requested, never
    assert not any(p.startswith("/login") for p in requested)
    assert other.requested == []  # another site, though on the same host
    # a dead link is a page gone, not a failed run (it is asked again later); a body without an HTML type is
    # not offered as a page: index, the two list pages and the five articles are
    assert res.outcome == "ok" and res.failures == [] and res.summary["errors"] == 0
    assert res.stats["downloader/response_status_count/404"] == 1
    assert res.summary["html_pages"] == 8


@pytest_twisted.ensureDeferred
async def test_a_linked_page_the_server_fails_on_makes_the_run_partial(tmp_path):
    root = tmp_path / "site"
    root.mkdir()
    (root / "a1.html").write_text(article_page(ARTICLES[0]), "utf-8")
    links = "".join(f"<a href='{p}'>{p}</a> " for p in ("a1.html", "broken.html", "gone.html"))
    (root / "index.html").write_text(f"<html><body>{links}</body></html>", "utf-8")
    server = serve(root)
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/"
        src = Source(name="s", kind="portal", start_urls=(url,))
        (res,) = await crawl(tmp_path / "b.db", [src], AUTOTHROTTLE_ENABLED=False, AGGREGATOR_WORKERS=0)
    finally:
        server.shutdown()
        server.server_close()
    # the 500 is an error of the run (the page exists but could not be read), the 404 is not
    assert res.outcome == "partial" and res.summary["errors"] == 1
    assert list(stored_paths(tmp_path / "b.db").values()) == [{"/a1.html"}]


@pytest_twisted.ensureDeferred
async def test_a_gzipped_sitemap_is_read(site, tmp_path):
    url, _, _ = site
    db = tmp_path / "gz.db"
    src = Source(name="gz", kind="sitemap", start_urls=(url + "sitemap-gz.xml.gz",))
    (res,) = await crawl(db, [src], AUTOTHROTTLE_ENABLED=False, AGGREGATOR_WORKERS=0)
    (stored,) = stored_paths(db).values()
    assert stored == {"/a6.html", "/a4.html"}  # and the sitemap robots.txt names
    assert res.outcome == "ok"


@pytest_twisted.ensureDeferred
async def test_a_gzipped_sitemap_listed_in_a_sitemap_index_is_read(site, tmp_path):
    url, _, _ = site
    db = tmp_path / "index.db"
    src = Source(name="index", kind="sitemap", start_urls=(url + "sitemap-index.xml",))
    await crawl(db, [src], AUTOTHROTTLE_ENABLED=False, AGGREGATOR_WORKERS=0)
    assert "/a6.html" in stored_paths(db).get(_host(url), set())


# --- the arguments of `scrapy crawl news`


def test_scrapy_crawl_arguments_name_what_is_wrong(tmp_path):
    sources = tmp_path / "s.toml"
    sources.write_text('[[source]]\nname = "kjb"\nstart_urls = ["http://127.0.0.1:8101/"]\n', "utf-8")
    with pytest.raises(ValueError, match="nothing to crawl: pass -a url=URL, -a source=NAME or -a all=1"):
        NewsSpider()
    with pytest.raises(ValueError, match=f"unknown source\\(s\\) cjrb, x in {sources}"):
        NewsSpider(source="kjb,cjrb,x", sources=str(sources))
    assert [s.name for s in NewsSpider(all="1", sources=str(sources)).targets] == ["kjb"]


def test_a_url_crawl_is_named_after_its_host_and_a_source_named_twice_runs_once():
    spider = NewsSpider(url="http://127.0.0.1:8101/,http://127.0.0.1:8102/")
    assert [(s.name, s.start_urls) for s in spider.targets] == [
        ("127.0.0.1:8101", ("http://127.0.0.1:8101/", "http://127.0.0.1:8102/"))
    ]
    kjb = Source(name="kjb", kind="portal", start_urls=("http://127.0.0.1:8101/",))
    assert run_sources([kjb, source_for_urls(["http://Example.COM/a"]), kjb]) == [
        kjb,
        Source(name="example.com", kind="portal", start_urls=("http://Example.COM/a",)),
    ]
