"""Incremental crawling: fetch only what is new, and remember enough to do it again after a kill.

State lives in the database, next to what it describes:

- known articles are the stored copies (``copies.url``, canonical form) plus ``page_state`` rows of kind
  ``article`` (the URLs that redirected to them, revisit checks);
- every other fetched page (front, list, about pages, feeds, sitemaps) has a ``page_state`` row with its HTTP
  validators (ETag, Last-Modified) and the links it held.

Per run, with ``AGGREGATOR_INCREMENTAL`` (the default):

- a link to a known article is not fetched again, unless its source's ``revisit`` window has passed;
- list pages, feeds and sitemaps are always fetched, with ``If-None-Match`` / ``If-Modified-Since``; a 304
  means the page is unchanged, and its remembered links are followed instead of the ones it would hold;
- with ``AGGREGATOR_STOP_PAGINATION``, a pagination link (``list_2.html``, ``?page=2``, "下一页") is not
  followed from a page whose links are all known, unless the next page itself still leads somewhere unknown.

Nothing is remembered before it is safe: a page's row is written (with its links) before its item reaches the
pipelines, and it becomes a known non-article (``kind = 'page'``, eligible for conditional requests) only when
the pipeline has dropped it as one. A page whose verdict was lost in a kill is fetched in full next time, and
the links of an unchanged page are followed until each is known, so a killed run loses nothing.
"""

from __future__ import annotations

import functools
import json
import re
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl, urlsplit

from scrapy import Request, signals
from scrapy.exceptions import IgnoreRequest

from aggregator import counters
from aggregator import requests as req
from aggregator.dedup import canonical_url
from aggregator.requests import source_request
from aggregator.store import Store

PAGE, ARTICLE, GONE, BLOCKED = "page", "article", "gone", "blocked"
_KNOWN_PAGE = {PAGE, GONE, BLOCKED}
GONE_RETRY = timedelta(days=1)  # how long a page that answered 404/410 is left alone
_CONDITIONAL_ROLES = {req.START, req.PAGE, req.LISTING, req.ARTICLE}

_NEXT_WORDS = {"下一页", "下页", "上一页", "上页", "尾页", "末页", "next", "next page", "prev", "previous"}
_NEXT_WORDS |= {"»", "›", ">", ">>", "«", "‹", "<", "<<"}
_PAGE_SEGMENT = re.compile(r"^(?:index|list|page|default|p)?[_-]?\d{1,5}\.[a-z]+$", re.I)
_INDEX_SEGMENT = re.compile(r"^(?:index|default)\.[a-z]+$", re.I)
_NUMBER_SUFFIX = re.compile(r"^(.+?)[_-]\d{1,4}(\.[a-z]+)$", re.I)
_PAGE_PARAMS = {"page", "p", "pn", "pg", "pageno", "page_no", "pagenum", "paged", "start", "offset"}


@functools.lru_cache(maxsize=16384)
def list_base(url: str) -> tuple:
    """A list page's identity without its page number: ``/a/keji/list_2.html`` -> ``/a/keji/``. Cached: every
    link of a page is compared with the page, and the same menu links appear on every page."""
    parts = urlsplit(url)
    path = re.sub(r"/page/\d+/?$", "/", parts.path or "/")
    head, _, segment = path.rpartition("/")
    if _PAGE_SEGMENT.match(segment) or _INDEX_SEGMENT.match(segment):
        segment = ""
    elif m := _NUMBER_SUFFIX.match(segment):
        segment = m.group(1) + m.group(2)
    query = sorted((k, v) for k, v in parse_qsl(parts.query) if k.lower() not in _PAGE_PARAMS)
    return parts.netloc.lower(), head + "/" + segment, tuple(query)


def is_pagination(page_url: str, link_url: str, text: str | None = None) -> bool:
    """Whether ``link_url`` is another page of the list at ``page_url`` (by URL shape or link text)."""
    if canonical_url(page_url) == canonical_url(link_url):
        return False
    if list_base(page_url) == list_base(link_url):
        return True
    words = (text or "").strip().lower()
    if words and (words in _NEXT_WORDS or words.isdigit()):
        same_dir = urlsplit(page_url).path.rsplit("/", 1)[0] == urlsplit(link_url).path.rsplit("/", 1)[0]
        return same_dir and urlsplit(page_url).netloc == urlsplit(link_url).netloc
    return False


def _now() -> datetime:
    return datetime.now(UTC)


def _iso(dt: datetime) -> str:
    return dt.isoformat(timespec="seconds")


def _header(headers, name: str) -> str | None:
    """A header from a Scrapy Headers object or a plain dict, case-insensitively."""
    if headers is None:
        return None
    if hasattr(headers, "getlist"):
        value = headers.get(name)
        return value.decode("latin-1") if value else None
    for key, value in headers.items():
        if key.lower() == name.lower():
            return value
    return None


class CrawlState:
    """The incremental state of one crawler, read from and written to the database as the crawl goes."""

    def __init__(self, db: str, incremental: bool = True, stop_pagination: bool = True, writer=None):
        """``writer``: an ``aggregator.writer.StoreWriter`` that runs the writes in its turn (the crawl then
        never waits for the database's write lock), or None to write here."""
        # with a writer this connection only reads: the writer's process checkpoints the log
        self.store = Store(db, background_checkpoint=writer is None)
        self.conn = self.store.db.conn
        self.writer = writer
        self.incremental = incremental
        self.stop_pagination = incremental and stop_pagination

    def close(self) -> None:
        self.store.close()

    # reading

    def page(self, url: str) -> dict | None:
        cur = self.conn.execute("SELECT * FROM page_state WHERE url = ?", (canonical_url(url),))
        row = cur.fetchone()
        return dict(zip([d[0] for d in cur.description], row, strict=True)) if row else None

    def article_seen(self, url: str) -> str | None:
        """When a known article was last seen (ISO 8601), or None if ``url`` is not a known article."""
        canon = canonical_url(url)
        row = self.conn.execute(
            "SELECT max(coalesce(c.last_seen, ''), coalesce(p.checked_at, '')) FROM (SELECT ? AS url) q "
            "LEFT JOIN copies c ON c.url = q.url "
            "LEFT JOIN page_state p ON p.url = q.url AND p.kind = 'article' "
            "WHERE c.id IS NOT NULL OR p.url IS NOT NULL",
            (canon,),
        ).fetchone()
        return row[0] if row else None

    def classify(self, url: str, revisit_s: int | None) -> str:
        """'article' (known, fresh: skip), 'gone', 'page' (known non-article) or 'new' (to fetch in full)."""
        seen = self.article_seen(url)
        if seen is not None:
            if revisit_s and seen < _iso(_now() - timedelta(seconds=revisit_s)):
                return "revisit"
            return ARTICLE
        row = self.page(url)
        if row and row["kind"] == GONE and (row["checked_at"] or "") < _iso(_now() - GONE_RETRY):
            return "new"  # a 404 may have been passing: ask again once in a while
        if row and row["kind"] in _KNOWN_PAGE:
            return row["kind"]
        return "new"

    def unknown(self, url: str, revisit_s: int | None) -> bool:
        return self.classify(url, revisit_s) in ("new", "revisit")

    def stored_links(self, url: str) -> list[tuple[str, str, bool]]:
        row = self.page(url)
        if not row or not row["links"]:
            return []
        return [(u, role, bool(pag)) for u, role, pag in json.loads(row["links"])]

    def dirty(self, url: str, revisit_s: int | None, seen: set[str] | None = None) -> bool:
        """Whether a list page still leads somewhere unknown: itself, its links, or its next pages."""
        seen = set() if seen is None else seen
        canon = canonical_url(url)
        if canon in seen:
            return False
        seen.add(canon)
        kind = self.classify(url, revisit_s)
        if kind in ("new", "revisit"):
            return True
        if kind != PAGE:
            return False
        for link, _, pagination in self.stored_links(url):
            if pagination:
                if self.dirty(link, revisit_s, seen):
                    return True
            elif self.unknown(link, revisit_s):
                return True
        return False

    def conditional_headers(self, url: str, revisit_s: int | None) -> dict[str, str]:
        row = self.page(url)
        if not row or not (row["etag"] or row["last_modified"]):
            return {}
        if row["kind"] != PAGE and not (row["kind"] == ARTICLE and revisit_s):
            return {}
        headers = {}
        if row["etag"]:
            headers["If-None-Match"] = row["etag"]
        if row["last_modified"]:
            headers["If-Modified-Since"] = row["last_modified"]
        return headers

    # writing (each statement commits on its own: nothing waits for the end of the run)

    def _write(self, sql: str, params) -> None:
        if self.writer is not None and not self.writer.pool.closed:
            self.writer.execute(sql, params)
        else:
            self.conn.execute(sql, params)

    def record_fetch(
        self, url: str, source: str | None, status: int, headers, links, kind: str | None
    ) -> None:
        now = _iso(_now())
        self._write(
            "INSERT INTO page_state (url, source_name, kind, etag, last_modified, status, links, fetched_at, "
            "checked_at) VALUES (:url, :source, :kind, :etag, :lm, :status, :links, :now, :now) "
            "ON CONFLICT(url) DO UPDATE SET source_name = :source, kind = :kind, etag = :etag, "
            "last_modified = :lm, status = :status, links = :links, fetched_at = :now, checked_at = :now",
            {
                "url": canonical_url(url),
                "source": source,
                "kind": kind,
                "etag": _header(headers, "ETag"),
                "lm": _header(headers, "Last-Modified"),
                "status": status,
                "links": json.dumps([list(link) for link in links], ensure_ascii=False),
                "now": now,
            },
        )

    def mark(self, url: str, kind: str, source: str | None = None, headers=None) -> None:
        """Set what a URL turned out to be, keeping what is known about it otherwise."""
        self._write(
            "INSERT INTO page_state (url, source_name, kind, etag, last_modified, checked_at) "
            "VALUES (:url, :source, :kind, :etag, :lm, :now) "
            "ON CONFLICT(url) DO UPDATE SET kind = :kind, etag = coalesce(:etag, etag), "
            "last_modified = coalesce(:lm, last_modified), checked_at = :now",
            {
                "url": canonical_url(url),
                "source": source,
                "kind": kind,
                "etag": _header(headers, "ETag"),
                "lm": _header(headers, "Last-Modified"),
                "now": _iso(_now()),
            },
        )

    def checked(self, url: str) -> None:
        self._write("UPDATE page_state SET checked_at = ? WHERE url = ?", (_iso(_now()), canonical_url(url)))


def state_for(crawler) -> CrawlState | None:
    """The crawler's one CrawlState, opened on first use (after the spider opened)."""
    state = getattr(crawler, "_aggregator_state", None)
    if state is None and crawler.settings.getbool("AGGREGATOR_STATE_ENABLED", True):
        factory = crawler.settings.get("AGGREGATOR_STATE_FACTORY")
        if factory:
            # a crawler without the database (a worker on another machine: aggregator/distributed/) reads
            # its state from elsewhere
            from scrapy.utils.misc import load_object

            state = crawler._aggregator_state = load_object(factory)(crawler)
            return state
        from aggregator.writer import writer_for  # the writer process's side: not for reading commands

        state = CrawlState(
            crawler.settings.get("AGGREGATOR_DB"),
            incremental=crawler.settings.getbool("AGGREGATOR_INCREMENTAL", True),
            stop_pagination=crawler.settings.getbool("AGGREGATOR_STOP_PAGINATION", True),
            writer=writer_for(crawler),
        )
        crawler._aggregator_state = state
    return state


def _revisit(request_or_response) -> int | None:
    src = request_or_response.meta.get("source")
    return getattr(src, "revisit_seconds", None)


class IncrementalSpiderMiddleware:
    """Records each page's links, follows the remembered links of 304s, and drops what is already known."""

    def __init__(self, crawler):
        self.crawler = crawler
        self.stats = crawler.stats
        # links already offered in this run: the dupefilter drops them anyway, so no need to ask the database
        self.offered: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler):
        mw = cls(crawler)
        crawler.signals.connect(mw.item_scraped, signal=signals.item_scraped)
        crawler.signals.connect(mw.item_dropped, signal=signals.item_dropped)
        crawler.signals.connect(mw.spider_closed, signal=signals.spider_closed)
        return mw

    @property
    def state(self) -> CrawlState | None:
        return state_for(self.crawler)

    def spider_closed(self, spider) -> None:
        state = getattr(self.crawler, "_aggregator_state", None)
        if state is not None:
            state.close()
            self.crawler._aggregator_state = None

    async def process_spider_output(self, response, result):
        role = response.meta.get("role")
        src = response.meta.get("source")
        if role in (None, req.ROBOTS) or src is None or self.state is None:
            starts = {canonical_url(u) for u in getattr(src, "start_urls", ())}
            async for out in result:
                # a sitemap named in robots.txt that is also a start URL was fetched at the start already
                if role == req.ROBOTS and isinstance(out, Request) and canonical_url(out.url) in starts:
                    continue
                yield out
            return
        outs = [out async for out in result]
        state = self.state
        url = response.request.url if response.request else response.url
        if response.status == 304:
            counters.inc(self.stats, src.name, "incremental/not_modified")
            state.checked(url)
            links = state.stored_links(url)
            requests = [source_request(u, src, role, like=response.request) for u, role, _ in links]
        else:
            requests = [o for o in outs if isinstance(o, Request)]
            links = [
                (r.url, r.meta.get("role"), is_pagination(response.url, r.url, r.meta.get("link_text")))
                for r in requests
            ]
            has_item = any(not isinstance(o, Request) for o in outs)
            # a page that yielded an item waits for the pipeline's verdict (item_scraped / item_dropped)
            state.record_fetch(
                url, src.name, response.status, response.headers, links, None if has_item else PAGE
            )
        for out in outs:
            if not isinstance(out, Request):
                yield out
        if not state.incremental:
            for request in requests:
                yield request
            return
        for request in self._filter(requests, links, src, state):
            yield request

    def _filter(self, requests, links, src, state: CrawlState):
        revisit_s = getattr(src, "revisit_seconds", None)
        starts = {canonical_url(u) for u in src.start_urls}
        keep, pages, anything_new = [], [], False
        for request, (_, _, pagination) in zip(requests, links, strict=True):
            canon = canonical_url(request.url)
            if canon in starts:
                continue  # fetched at the start of every run already
            if canon in self.offered and not request.dont_filter:
                continue
            if not pagination:
                self.offered.add(canon)  # a held-back next page may still be wanted from another list page
            kind = state.classify(request.url, revisit_s)
            if kind == ARTICLE:
                counters.inc(self.stats, src.name, "incremental/skipped_known")
                # an article stored by a run killed before it followed the article's own links
                for u, role, _ in state.stored_links(request.url):
                    if state.unknown(u, revisit_s):
                        keep.append(source_request(u, src, role, like=request))
                continue
            if kind == GONE:
                counters.inc(self.stats, src.name, "incremental/skipped_gone")
                continue
            if pagination:
                pages.append(request)
                continue
            anything_new = anything_new or kind in ("new", "revisit")
            keep.append(request)
        for request in pages:
            if not state.stop_pagination or anything_new or state.dirty(request.url, revisit_s):
                self.offered.add(canonical_url(request.url))
                keep.append(request)
            else:
                counters.inc(self.stats, src.name, "incremental/pagination_stopped")
        return keep

    # the pipeline's verdict on each page that yielded an item

    def item_scraped(self, item, response, spider) -> None:
        state = self.state
        if state is None:
            return
        src = response.meta.get("source")
        name = getattr(src, "name", None)
        headers = getattr(item, "headers", None)
        for url in {item.url, item.final_url, *response.meta.get("redirect_urls", [])}:
            state.mark(url, ARTICLE, name, headers)

    def item_dropped(self, item, response, exception, spider) -> None:
        state = self.state
        message = str(exception)
        if state is None or "extraction failed" in message or not hasattr(item, "url"):
            return  # no verdict: fetched in full next time
        src = response.meta.get("source")
        name = getattr(src, "name", None)
        if getattr(item, "article", None) and "already processed" in message:
            state.mark(item.url, ARTICLE, name)
        else:
            state.mark(item.url, PAGE, name)


class ConditionalRequestMiddleware:
    """Adds If-None-Match / If-Modified-Since to requests for known pages; remembers 404s and robots refusals."""

    def __init__(self, crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_request(self, request, spider=None):
        role = request.meta.get("role")
        if role not in _CONDITIONAL_ROLES or "If-None-Match" in request.headers:
            return None
        state = state_for(self.crawler)
        if state is None or not state.incremental:
            return None
        headers = state.conditional_headers(request.url, _revisit(request))
        if headers:
            for name, value in headers.items():
                request.headers[name] = value
            request.meta["handle_httpstatus_list"] = [*request.meta.get("handle_httpstatus_list", []), 304]
            counters.inc(
                self.crawler.stats,
                getattr(request.meta.get("source"), "name", None),
                "incremental/conditional_requests",
            )
        return None

    def process_response(self, request, response, spider=None):
        role = request.meta.get("role")
        if response.status in (404, 410) and role in _CONDITIONAL_ROLES - {req.START}:
            state = state_for(self.crawler)
            if state is not None:
                state.mark(request.url, GONE, getattr(request.meta.get("source"), "name", None))
        return response

    def process_exception(self, request, exception, spider=None):
        if isinstance(exception, IgnoreRequest) and "robots" in str(exception).lower():
            state = state_for(self.crawler)
            if state is not None and request.meta.get("role") in _CONDITIONAL_ROLES:
                state.mark(request.url, BLOCKED, getattr(request.meta.get("source"), "name", None))
        return None
