"""The demo portals: served bytes, conditional requests, truth.json consistency, generator determinism."""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from aggregator.demo import generate
from aggregator.demo.server import PORTAL_ORDER, serve_portals
from aggregator.demo.stories import NEWSPAPER_PORTAL, SEED_ID

DEMO = Path(generate.__file__).parent
TRUTH = json.loads((DEMO / "truth.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def portals():
    with serve_portals() as p:
        yield p


def fetch(url: str, headers: dict | None = None):
    req = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, resp.headers, resp.read()
    except urllib.error.HTTPError as err:
        return err.code, err.headers, err.read()


def url(portals, portal: str, path: str) -> str:
    return portals.urls[portal].rstrip("/") + path


def test_front_pages(portals):
    assert list(portals.urls) == PORTAL_ORDER
    for name in PORTAL_ORDER:
        status, headers, _ = fetch(portals.urls[name])
        assert status == 200, name
        assert headers["Content-Type"].startswith("text/html")


def test_every_truth_path_answers(portals):
    for name, portal in TRUTH["portals"].items():
        for path in portal["articles"] + portal["non_articles"] + portal["disallowed"]:
            status, _, _ = fetch(url(portals, name, path))
            assert status == 200, (name, path)


def test_missing_page_is_404(portals):
    assert fetch(url(portals, "kjb", "/no/such/page.html"))[0] == 404
    assert fetch(url(portals, "xinxi", "/../truth.json"))[0] == 404


def test_gbk_portal_bytes(portals):
    path = TRUTH["portals"]["gbk"]["articles"][0]
    status, headers, data = fetch(url(portals, "gbk", path))
    assert status == 200
    assert headers["Content-Type"] == "text/html"
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    text = data.decode("gb18030")
    assert '<meta http-equiv="Content-Type" content="text/html; charset=gb2312" />' in text
    # the cross-portal placeholder was filled in without disturbing the GBK bytes
    assert "{{base:" not in text
    status, headers, _ = fetch(url(portals, "kjb", TRUTH["portals"]["kjb"]["articles"][0]))
    assert headers["Content-Type"] == "text/html; charset=utf-8"


def _locs(xml: bytes) -> list[str]:
    return re.findall(r"<(?:loc|link)>([^<]+)</(?:loc|link)>", xml.decode("utf-8"))


def test_rss_links_are_absolute_and_live(portals):
    status, headers, data = fetch(url(portals, "feedsite", "/rss.xml"))
    assert status == 200 and headers["Content-Type"].startswith("application/rss+xml")
    links = _locs(data)
    assert len(links) > len(TRUTH["portals"]["feedsite"]["articles"])  # channel link + one per item
    for link in links:
        assert link.startswith(portals.urls["feedsite"]), link
        assert fetch(link)[0] == 200, link


def test_sitemaps_are_absolute_and_live(portals):
    status, _, robots = fetch(url(portals, "mapsite", "/robots.txt"))
    assert status == 200
    sitemap = re.search(r"^Sitemap: (\S+)$", robots.decode(), re.M).group(1)
    assert sitemap == url(portals, "mapsite", "/sitemap.xml")
    seen = set()
    for child in _locs(fetch(sitemap)[2]):
        assert child.startswith(portals.urls["mapsite"])
        status, headers, data = fetch(child)
        assert status == 200 and headers["Content-Type"].startswith("application/xml")
        for loc in _locs(data):
            assert loc.startswith(portals.urls["mapsite"]) and fetch(loc)[0] == 200, loc
            seen.add(loc)
    for path in TRUTH["portals"]["mapsite"]["articles"]:
        assert url(portals, "mapsite", path) in seen


def test_conditional_requests(portals):
    page = url(portals, "kjb", "/")
    status, headers, body = fetch(page)
    etag, modified = headers["ETag"], headers["Last-Modified"]
    assert status == 200 and etag.startswith('"') and modified
    assert fetch(page, {"If-None-Match": etag})[0] == 304
    assert fetch(page, {"If-None-Match": '"other"'})[0] == 200
    assert fetch(page, {"If-Modified-Since": modified})[0] == 304
    assert fetch(page, {"If-Modified-Since": "Mon, 01 Jan 2001 00:00:00 GMT"})[0] == 200


def test_busy_fixed_port_raises_and_releases():
    with serve_portals() as first:
        port = int(first.urls["kjb"].rsplit(":", 1)[1].rstrip("/"))
        with pytest.raises(OSError), serve_portals(port_base=port):
            pass


def test_committed_files_equal_fresh_generation(tmp_path):
    generate.generate(tmp_path)

    def tree(root: Path) -> dict[str, bytes]:
        files = {p: p.read_bytes() for p in (root / "portals").rglob("*") if p.is_file()}
        files[root / "truth.json"] = (root / "truth.json").read_bytes()
        return {str(p.relative_to(root)): data for p, data in files.items()}

    fresh, committed = tree(tmp_path), tree(DEMO)
    assert sorted(fresh) == sorted(committed)
    for name, data in fresh.items():
        assert committed[name] == data, name
    assert sum(len(d) for d in committed.values()) < 2_000_000


def test_truth_stories():
    stories = TRUTH["stories"]
    assert len(stories) >= 20
    assert len({s["id"] for s in stories}) == len(stories)
    by_id = {s["id"]: s for s in stories}
    seed = by_id[SEED_ID]
    assert seed["reporters"] == ["郑莉莉", "张宇驰", "任文"]
    assert seed["correspondents"] == ["朱勇进", "冯星星"] and seed["editors"] == ["陈丽萍"]
    assert seed["published"].startswith("2023-01-09T") and seed["published"].endswith("+08:00")
    assert len({c["portal"] for c in seed["copies"]} - {"kjb"}) >= 3
    for s in stories:
        home = NEWSPAPER_PORTAL[s["source"]]
        originals = [c for c in s["copies"] if c["portal"] == home]
        assert len(originals) == 1 and originals[0]["original"], s["id"]
        assert originals[0]["path"] in TRUTH["portals"][home]["articles"]
        assert 1 <= len(s["reporters"]) <= 3
        for c in s["copies"]:
            assert c["path"] in TRUTH["portals"][c["portal"]]["articles"]
    copies = sum(len(s["copies"]) for s in stories)
    articles = sum(len(p["articles"]) for p in TRUTH["portals"].values())
    assert copies == articles


def test_article_pages_show_titles(portals):
    for s in TRUTH["stories"]:
        for c in s["copies"]:
            enc = TRUTH["portals"][c["portal"]]["encoding"]
            html = fetch(url(portals, c["portal"], c["path"]))[2].decode(enc)
            assert c["title_as_shown"] in html.replace("&quot;", '"'), (s["id"], c["portal"])


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", html))


def test_seed_repost_looks_like_the_seed(portals):
    seed = next(s for s in TRUTH["stories"] if s["id"] == SEED_ID)
    copy = next(c for c in seed["copies"] if c["portal"] == "xinxi")
    text = _text(fetch(url(portals, "xinxi", copy["path"]))[2].decode("utf-8"))
    for piece in [
        "服务粉丝",
        "我们一直在努力",
        "当前位置:首页 > 科技 >",
        "日期: 来源:武汉科技报收集编辑:武汉科技报",
        "科技创新是引领高质量发展的第一动力。",
        "贡献力量。”",
        "来源:武汉科技报 记者:郑莉莉 张宇驰 任文 通讯员:朱勇进 冯星星 编辑:陈丽萍",
        "相关阅读",
        "热门文章",
        "最新文章",
    ]:
        assert piece in text, piece


def test_robots_keep_crawlers_out_of_admin(portals):
    for name in PORTAL_ORDER:
        status, headers, body = fetch(url(portals, name, "/robots.txt"))
        assert status == 200 and headers["Content-Type"].startswith("text/plain")
        assert "Disallow: /admin/" in body.decode()
        assert '<a href="/admin/index.html">' in fetch(portals.urls[name])[2].decode(
            TRUTH["portals"][name]["encoding"]
        )
