"""aggregator.links finds exactly the links Scrapy's LinkExtractor finds (same URLs, order and texts)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from scrapy.http import HtmlResponse, Request
from scrapy.linkextractors import LinkExtractor

from aggregator.links import extract_links

ROOT = Path(__file__).resolve().parents[1]
SCRAPY = LinkExtractor(tags=("a", "area", "link"), attrs=("href",), deny_extensions=())

HARD = """<html><head><meta charset="{charset}"><base href="http://Example.COM/news/"><title>t</title>
<link rel="alternate" type="application/rss+xml" href="/rss.xml"><link rel="stylesheet" href="s.css"></head>
<body><a href="a.html">第一篇</a> <a href=" b.html ">padded</a> <a href="a.html">same URL, other text</a>
<a href="/路径/文章.html?关键词=科技&amp;p=1#段落">non-ASCII path and query</a>
<a href="x y.html">space</a> <a href="q.html?a='1'&amp;b=[2]">quote and brackets</a>
<a href="javascript:void(0)">js</a> <a href="mailto:a@b.c">mail</a> <a href="#top">fragment</a>
<a href="//cdn.example.com/p.html">scheme-relative</a> <a href="http://[::1]:8080/v6">IPv6</a>
<a href="http://例子.测试/idn">IDN</a> <a href="http://h:99999/bad-port">bad port</a> <a href="http://a..b/x">dots</a>
<a href="p%zz.html">bare percent</a> <a href="p%E4%B8%AD.html">escaped</a> <a href="p?">empty query</a>
<a href="p#">empty fragment</a> <a href="p#a#b">two hashes</a> <a href="HTTP://UPPER.example/Path">upper</a>
<a href="ftp://files.example/f">ftp</a> <a>no href</a> <area href="/map.html"><a href="">empty</a>
<a href="c.html"><span>nested</span> <b>text</b></a> <a href="https://x.example:443/p">default port</a>
</body></html>"""


def _response(body: bytes, charset: str | None, url: str = "http://example.com/news/index.html"):
    headers = {"Content-Type": f"text/html; charset={charset}"} if charset else {}
    return HtmlResponse(url=url, body=body, headers=headers, request=Request(url))


def _assert_same(response) -> None:
    expected = [(link.url, link.text) for link in SCRAPY.extract_links(response)]
    assert [tuple(link) for link in extract_links(response)] == expected


@pytest.mark.parametrize("charset", ["utf-8", "gbk"])
def test_hard_cases_match_scrapy(charset):
    page = HARD.format(charset=charset)
    _assert_same(_response(page.encode(charset), charset))
    _assert_same(_response(page.encode(charset), None))


def test_project_pages_match_scrapy():
    sys.path.insert(0, str(ROOT))
    from bench.listpages import generated_pages, project_pages

    pages = [page for _, page in generated_pages() + project_pages()]
    pages += [
        p.read_text(encoding="utf-8", errors="replace")
        for p in (ROOT / "tests" / "portals").glob("*/page.html")
    ]
    assert len(pages) >= 40
    for page in pages:
        _assert_same(_response(page.encode("utf-8"), "utf-8", "http://127.0.0.1:8101/a/b/1.html"))


def test_corpus_pages_match_scrapy():
    sys.path.insert(0, str(ROOT))
    from bench.corpus import SETS, corpus_available, load_set

    if not all(corpus_available(name) for name in SETS):
        pytest.skip("shared corpus not available (../shared/corpus or $AGGREGATOR_CORPUS)")
    for name in SETS:
        for page in load_set(name):
            url = page.url if page.url and page.url.startswith("http") else "http://example.com/page.html"
            _assert_same(_response(page.html.encode("utf-8"), "utf-8", url))
