"""A hostile portal on loopback: what the crawler must never fetch, store or keep in memory.

Everything runs as a user runs it: ``aggregator crawl`` and ``scrapy crawl`` in subprocesses, against real
HTTP servers on 127.0.0.1. A second server on another port plays the "other site": it counts every connection,
so a request that leaves the portal's scope is seen even when it is not HTTP.
"""

import http.server
import json
import os
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from aggregator.config import ConfigError, parse_sources, source_for_urls
from aggregator.scope import scope_for

ROOT = Path(__file__).parent.parent
PARAGRAPH = "市科技局近日发布通知，鼓励企业加大研发投入，推动科技成果转化，全年新增高新技术企业三百余家。"


def article(title: str, marker: str) -> bytes:
    body = "".join(f"<p>{marker}{PARAGRAPH}第{i}段。</p>" for i in range(8))
    return (
        f"<html><head><meta charset='utf-8'><title>{title}</title></head><body><h1>{title}</h1>"
        f"<div class='info'>2023-01-09 10:00 来源：武汉科技报</div><div class='content'>{body}</div>"
        "</body></html>"
    ).encode()


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, routes):
        self.routes = routes
        self.connections = 0
        self.paths: list[str] = []
        super().__init__(("127.0.0.1", 0), _Handler)

    def verify_request(self, request, client_address):
        self.connections += 1  # also a connection that never sends HTTP (an FTP client)
        return True

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _Handler(http.server.BaseHTTPRequestHandler):
    timeout = 5

    def do_GET(self):
        self.server.paths.append(self.path)
        route = self.server.routes(self.path)
        if route is None:
            self.send_error(404)
            return
        status, headers, body = route
        self.send_response(status)
        for k, v in headers.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def serve(routes) -> _Server:
    server = _Server(routes)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


HTML = {"Content-Type": "text/html; charset=utf-8"}
XML = {"Content-Type": "application/xml"}


def cli(*args, cwd=ROOT, timeout=240):
    env = {k: v for k, v in os.environ.items() if k != "AGGREGATOR_DB"}
    return subprocess.run(
        [sys.executable, "-m", "aggregator.cli", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@pytest.fixture
def other_site():
    """Another site: its articles must never be fetched by a crawl of the hostile portal."""
    server = serve(lambda path: (200, HTML, article("别处的文章", "OFFSITE")))
    yield server
    server.shutdown()


@pytest.fixture
def hostile(tmp_path, other_site):
    secret = tmp_path / "secret.html"
    secret.write_bytes(article("本机的秘密文件", "SECRETFILE"))
    other = other_site.base
    box = {}

    def routes(path):
        own = box["server"].base
        if path == "/robots.txt":
            lines = [
                f"Sitemap: file://{secret}",
                f"Sitemap: ftp://127.0.0.1:{other_site.server_address[1]}/sitemap.xml",
                "Sitemap: data:text/html;base64,PGh0bWw+PC9odG1sPg==",
                f"Sitemap: {other}/sitemap.xml",
                f"Sitemap: {own}/sitemap.xml",
            ]
            return 200, {"Content-Type": "text/plain"}, "\n".join(lines).encode()
        if path == "/sitemap.xml":
            locs = [f"{other}/offsite-from-sitemap.html", f"file://{secret}", f"{own}/a/2.html"]
            body = "".join(f"<url><loc>{u}</loc></url>" for u in locs)
            return 200, XML, f'<?xml version="1.0"?><urlset>{body}</urlset>'.encode()
        if path == "/":
            links = "".join(
                f'<li><a href="{h}">链接{i}</a></li>'
                for i, h in enumerate(["/a/1.html", "/away.html", f"{other}/linked.html", f"file://{secret}"])
            )
            return 200, HTML, f"<html><body><h1>首页</h1><ul>{links}</ul></body></html>".encode()
        if path == "/away.html":
            return 302, {"Location": f"{other}/redirected.html"}, b""
        if path == "/a/1.html":
            return 200, HTML, article("本站的第一篇文章", "OWNONE")
        if path == "/a/2.html":
            return 200, HTML, article("本站的第二篇文章", "OWNTWO")
        return None

    server = serve(routes)
    box["server"] = server
    yield server
    server.shutdown()


def stored_urls(db) -> list[str]:
    with sqlite3.connect(db) as conn:
        return [r[0] for r in conn.execute("SELECT final_url FROM copies")]


def test_hostile_portal_reads_no_local_file_and_never_leaves_its_site(hostile, other_site, tmp_path):
    db = tmp_path / "agg.db"
    proc = cli("crawl", hostile.base + "/", "--db", str(db), "--json")
    assert "Traceback" not in proc.stderr
    urls = stored_urls(db)
    assert sorted(u.rsplit("/", 1)[1] for u in urls) == ["1.html", "2.html"]
    assert all(u.startswith(hostile.base + "/") for u in urls)
    assert other_site.connections == 0, other_site.paths  # no HTTP, no FTP, not even robots.txt
    export = cli("export", "--db", str(db), "--format", "rss").stdout
    assert "OWNONE" in export
    for leaked in ("SECRETFILE", "OFFSITE", "secret.html"):
        assert leaked not in export


def test_a_start_url_that_redirects_off_site_is_a_failure_not_a_wider_scope(hostile, other_site, tmp_path):
    db = tmp_path / "agg.db"
    proc = cli("crawl", hostile.base + "/away.html", "--db", str(db), "--ignore-robots")
    assert proc.returncode == 1
    assert "off-site" in proc.stderr and "Traceback" not in proc.stderr
    assert other_site.connections == 0
    assert all(u.startswith(hostile.base + "/") for u in stored_urls(db))  # what its own sitemap lists


@pytest.mark.parametrize("url", ["file:///etc/hostname", "ftp://127.0.0.1/x", "data:text/html,<p>x</p>"])
def test_scrapy_crawl_with_a_non_http_url_fetches_nothing(url, tmp_path):
    db = tmp_path / "agg.db"
    proc = subprocess.run(
        [sys.executable, "-m", "scrapy", "crawl", "news", "-a", f"url={url}", "-s", f"AGGREGATOR_DB={db}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert "is not an http(s) URL" in proc.stderr
    assert not db.exists() or stored_urls(db) == []
    with pytest.raises(ConfigError):
        source_for_urls([url])


def test_scope_rules():
    portal = scope_for("portal", ("http://www.example.com/",))
    assert portal.refuses("https://example.com/a.html") is None  # www. and the scheme's port: one site
    assert portal.refuses("http://example.com:8080/a.html") == "off-site"
    assert portal.refuses("http://other.example.org/a.html", "article") == "off-site"
    assert portal.refuses("file:///etc/passwd") == "not an http(s) URL"
    assert portal.refuses("http://10.0.0.1/") == "private address"
    assert portal.refuses("http://169.254.169.254/latest/") == "link-local address"
    assert portal.refuses("http://localhost:8101/") == "loopback address"
    feed = scope_for("feed", ("https://example.com/rss.xml",))
    assert feed.refuses("https://news.example.org/1.html", "article") is None
    assert feed.refuses("https://news.example.org/1.html", "page") == "off-site"
    assert feed.refuses("http://127.0.0.1/1.html", "article") == "loopback address"
    local = scope_for("portal", ("http://127.0.0.1:8101/",))
    assert local.refuses("http://127.0.0.1:8101/a.html") is None
    assert local.refuses("http://127.0.0.1:8102/a.html") == "off-site"


@pytest.fixture
def bomb():
    """A sitemap index of 5,000 sitemaps of 1,000 URLs each, and pages that each link to 20 new pages."""

    def routes(path):
        if path == "/robots.txt":
            return 200, {"Content-Type": "text/plain"}, b"Sitemap: /index.xml\n"
        if path == "/index.xml":
            body = "".join(f"<sitemap><loc>/sm/{i}.xml</loc></sitemap>" for i in range(5000))
            return 200, XML, f'<?xml version="1.0"?><sitemapindex>{body}</sitemapindex>'.encode()
        if path.startswith("/sm/"):
            n = path[4:].split(".")[0]
            body = "".join(f"<url><loc>/p/{n}/{j}.html</loc></url>" for j in range(1000))
            return 200, XML, f'<?xml version="1.0"?><urlset>{body}</urlset>'.encode()
        links = "".join(f'<a href="{path.rstrip("/")}/{j}/">下一页{j}</a>' for j in range(20))
        return 200, HTML, f"<html><body><p>陷阱</p>{links}</body></html>".encode()

    server = serve(routes)
    yield server
    server.shutdown()


def test_a_sitemap_bomb_and_a_link_trap_end_within_the_bounds(bomb, tmp_path):
    db = tmp_path / "agg.db"
    args = ("crawl", bomb.base + "/", "--db", str(db), "--max-pages", "150", "--max-sitemaps", "3")
    proc = cli(*args, "--max-entries", "40", "--json")
    assert proc.returncode == 0, proc.stderr
    (summary,) = json.loads(proc.stdout)
    assert summary["outcome"] == "partial"
    assert "page budget of 150 reached" in summary["reason"]
    pages = [p for p in bomb.paths if p != "/robots.txt"]
    assert len(pages) <= 150
    assert len([p for p in pages if p.startswith("/sm/")]) <= 3  # sitemaps taken from the index
    with sqlite3.connect(db) as conn:
        (outcome, reason) = conn.execute("SELECT outcome, reason FROM runs").fetchone()
    assert outcome == "partial" and "page budget" in reason


def test_bounds_in_the_sources_file_are_checked():
    (src,) = parse_sources(
        '[[source]]\nname = "x"\nstart_urls = ["http://127.0.0.1:1/"]\nmax_time = "2m"\nmax_entries = 10\n'
    )
    assert (src.max_time, src.max_entries) == (120, 10)
    with pytest.raises(ConfigError, match="<sources>:4: source 'x': max_time"):
        parse_sources('[[source]]\nname = "x"\nstart_urls = ["http://127.0.0.1:1/"]\nmax_time = "soon"\n')
