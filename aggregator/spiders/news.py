"""The one spider: crawls portals, feeds and sitemaps and yields every fetched page as a PageItem.

Run it through the CLI (``aggregator crawl``) or as a Scrapy user would::

    scrapy crawl news -a url=http://127.0.0.1:8101/
    scrapy crawl news -a source=kjb [-a sources=data/sources.toml]
    scrapy crawl news -a all=1
"""

from __future__ import annotations

import gzip
import io
from dataclasses import replace
from datetime import UTC, datetime
from urllib.parse import urljoin, urlparse, urlsplit

import scrapy
from parsel import Selector
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response, TextResponse
from scrapy.linkextractors import IGNORED_EXTENSIONS, LinkExtractor
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.utils.sitemap import Sitemap

from aggregator import counters
from aggregator.config import Source, is_xpath, load_sources, source_for_urls
from aggregator.discovery import robots_sitemaps, sniff_xml, worth_following
from aggregator.extensions import kept_out
from aggregator.extract import decode_html
from aggregator.items import PageItem
from aggregator.links import extract_links
from aggregator.requests import ARTICLE, LISTING, PAGE, ROBOTS, START, source_request
from aggregator.scope import bound, budgets, source_scope

_FEED_LINKS = (
    "//item/link/text() | //item/guid[not(@isPermaLink='false')]/text()"
    " | //entry/link[not(@rel) or @rel='alternate']/@href"
)
_MAX_GUNZIP = 16 * 1024 * 1024
# Scrapy's extension filter tries its 91 extensions one by one on every link (a third of link extraction):
# _denied_extension does the same with one set lookup
_DENIED_EXTENSIONS = frozenset(IGNORED_EXTENSIONS)


def _denied_extension(url: str) -> bool:
    """What LinkExtractor's default ``deny_extensions`` refuses: a path ending in one of them."""
    path = urlparse(url).path.lower()
    head, dot, ext = path.rpartition(".")
    return bool(dot) and (ext in _DENIED_EXTENSIONS or (ext == "gz" and head.endswith(".tar")))


def run_sources(targets: list[Source]) -> list[Source]:
    """The sources of a run, each under the name its run is recorded under: an ad-hoc URL crawl under the host
    of its first URL, as ``aggregator crawl URL`` names it. A source named twice is crawled once."""
    by_name: dict[str, Source] = {}
    for src in targets:
        if src.name == "adhoc":
            src = replace(src, name=urlsplit(src.start_urls[0]).netloc.lower())
        by_name.setdefault(src.name, src)
    return list(by_name.values())


class NewsSpider(scrapy.Spider):
    """One spider for every source of a run: each request carries its Source in ``meta["source"]``, and what
    differs per source (scope, depth, robots.txt, budgets, selectors, publisher) is read from there. Each
    source has its own lock, runs row and counters (aggregator/counters.py); politeness is per host, Scrapy's
    download slots and AutoThrottle."""

    name = "news"

    def __init__(self, *args, url=None, source=None, all=None, sources="data/sources.toml", **kwargs):
        targets: list[Source] = list(kwargs.pop("targets", None) or [])
        super().__init__(*args, **kwargs)
        if url:
            targets.append(source_for_urls([u for u in str(url).split(",") if u]))
        if source or all:
            known = load_sources(sources)
            if all:
                targets.extend(known)
            else:
                wanted = [s for s in str(source).split(",") if s]
                by_name = {s.name: s for s in known}
                missing = [w for w in wanted if w not in by_name]
                if missing:
                    raise ValueError(f"unknown source(s) {', '.join(missing)} in {sources}")
                targets.extend(by_name[w] for w in wanted)
        if not targets:
            raise ValueError("nothing to crawl: pass -a url=URL, -a source=NAME or -a all=1")
        self.targets = run_sources(targets)
        # start URLs that could not be fetched, with the reason, per source
        self.failures: dict[str, list[str]] = {s.name: [] for s in self.targets}

    @property
    def running(self) -> list[Source]:
        """The sources this run crawls: all but those the SourceLock extension keeps out (another process
        crawls them, or their lock cannot be taken)."""
        out = kept_out(self.crawler) if hasattr(self, "crawler") else {}
        return [s for s in self.targets if s.name not in out]

    async def start(self):
        for src in self.running:
            for url in src.start_urls:
                yield self._request(url, src, role=START, dont_filter=True)
            if src.kind in ("portal", "sitemap"):
                # sitemaps named in robots.txt list articles that list pages may no longer reach
                for root in {
                    "{0.scheme}://{0.netloc}/robots.txt".format(urlsplit(u)) for u in src.start_urls
                }:
                    yield self._request(root, src, role=ROBOTS, dont_filter=True)

    def _request(self, url: str, src: Source, role: str, **kwargs) -> scrapy.Request:
        return source_request(url, src, role, callback=self.parse, errback=self.on_error, **kwargs)

    def parse(self, response: Response):
        src: Source = response.meta["source"]
        role = response.meta["role"]
        if response.status == 304:
            return  # unchanged since the last run: the incremental middleware follows its remembered links
        if role == ROBOTS:
            text = response.text if isinstance(response, TextResponse) else ""
            yield from self._listed(robots_sitemaps(text), src, LISTING, response.url)
            return
        body = response.body
        if body[:2] == b"\x1f\x8b":
            body = _gunzip(body)
        xml_kind = sniff_xml(body)
        if xml_kind == "feed":
            yield from self._from_feed(body, response, src)
            return
        if xml_kind == "sitemap":
            yield from self._from_sitemap(body, response, src)
            return
        if not _is_html(response, body):
            return
        self._count(src, "spider/html_pages")
        # with an article_links override, only the pages it points at are article candidates
        if role == ARTICLE or not src.selectors.article_links:
            yield self._item(response, body, src)
        if role == ARTICLE and src.kind != "portal":
            return  # feeds and sitemaps list the articles; their pages are not walked further
        yield from self._follow_links(response, src)

    def _follow_links(self, response: Response, src: Source):
        html_response = response if isinstance(response, TextResponse) else None
        if html_response is None:
            return
        sel = src.selectors.article_links
        article_urls: set[str] = set()
        if sel:
            key = "restrict_xpaths" if is_xpath(sel) else "restrict_css"
            for link in LinkExtractor(**{key: sel}).extract_links(html_response):
                article_urls.add(link.url)
        scope = source_scope(src)
        for link in extract_links(html_response):
            url = link.url
            role = ARTICLE if url in article_urls else PAGE
            if not worth_following(url) or _denied_extension(url) or scope.refuses(url, role):
                continue
            yield self._request(url, src, role=role, link_text=link.text or "")

    def _from_feed(self, body: bytes, response: Response, src: Source):
        self._count(src, "spider/feeds")
        sel = Selector(body=body, type="xml")
        sel.remove_namespaces()
        urls = (urljoin(response.url, u.strip()) for u in sel.xpath(_FEED_LINKS).getall())
        yield from self._listed(urls, src, ARTICLE, response.url)

    def _from_sitemap(self, body: bytes, response: Response, src: Source):
        self._count(src, "spider/sitemaps")
        try:
            sitemap = Sitemap(body)
        except Exception:  # lxml raises several types on broken XML; a broken sitemap is just skipped
            self.logger.warning("unreadable sitemap at %s", response.url)
            return
        role = LISTING if sitemap.type == "sitemapindex" else ARTICLE
        urls = (urljoin(response.url, entry.get("loc", "").strip()) for entry in sitemap)
        yield from self._listed(urls, src, role, response.url)

    def _listed(self, urls, src: Source, role: str, where: str):
        """The URLs a feed or sitemap lists, in scope and up to the source's bound for one list."""
        name = "max_sitemaps" if role == LISTING else "max_entries"
        limit = bound(src, name, self.crawler.settings)
        scope, taken = source_scope(src), 0
        for url in urls:
            if not url or not worth_following(url) or scope.refuses(url, role):
                continue
            if limit and taken >= limit:
                budgets(self.crawler).mark_hit(src, name)
                self.logger.warning("%s: only the first %d URLs of %s were taken", src.name, limit, where)
                return
            taken += 1
            yield self._request(url, src, role=role)

    def _item(self, response: Response, body: bytes, src: Source) -> PageItem:
        headers = {k.decode("latin-1"): b", ".join(v).decode("latin-1") for k, v in response.headers.items()}
        return PageItem(
            url=response.request.url if response.request else response.url,
            final_url=response.url,
            portal=urlsplit(response.url).netloc.lower(),
            html=decode_html(body, headers.get("Content-Type")),
            headers=headers,
            status=response.status,
            fetched_at=datetime.now(UTC).isoformat(timespec="seconds"),
            source_name=src.name,
            publisher=src.publisher,
            selectors={k: v for k, v in vars(src.selectors).items() if v},
        )

    def _count(self, src: Source, key: str) -> None:
        counters.inc(self.crawler.stats, src.name, key, crawler=self.crawler)

    def on_error(self, failure):
        request = failure.request
        src: Source = request.meta["source"]
        if failure.check(HttpError):
            reason = f"HTTP {failure.value.response.status}"
        else:
            reason = failure.getErrorMessage() or type(failure.value).__name__
        if request.meta.get("role") == ROBOTS:
            return  # most sites have no robots.txt; that is not an error
        # robots.txt said no, or a linked page is gone (404/410, asked again by a later run if still linked):
        # neither is a failure of the run; a server error or a refusal (5xx, 403, 429) is
        status = failure.value.response.status if failure.check(HttpError) else None
        skipped = status in (404, 410) or (status is None and failure.check(IgnoreRequest))
        if skipped and request.meta.get("role") != START:
            self.logger.debug("skipped %s: %s", request.url, reason)
            return
        self._count(src, "spider/errors")
        if request.meta.get("role") == START:
            self.failures.setdefault(src.name, []).append(f"{request.url}: {reason}")
            self._count(src, "spider/start_failed")
            self.logger.error("could not fetch start URL %s: %s", request.url, reason)
        else:
            self.logger.warning("could not fetch %s: %s", request.url, reason)


def _is_html(response: Response, body: bytes) -> bool:
    ctype = response.headers.get("Content-Type", b"").decode("latin-1").lower()
    if "html" in ctype:
        return True
    if ctype and not ctype.startswith("text/"):
        return False
    head = body[:1024].lstrip().lower()
    return head.startswith((b"<!doctype html", b"<html")) or b"<html" in head


def _gunzip(body: bytes) -> bytes:
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(body)) as f:
            return f.read(_MAX_GUNZIP)
    except (OSError, EOFError):
        return b""
