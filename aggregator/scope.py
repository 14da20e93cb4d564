"""What a source may fetch: one URL policy and one set of per-run bounds, applied to every request.

A crawler's input is untrusted: a portal chooses the links, redirects, robots.txt sitemaps and sitemap or feed
entries the spider sees. Every request the spider schedules passes `ScopeSpiderMiddleware` (so the frontier
holds nothing out of scope and never more than the page budget), and every request about to be downloaded
passes `ScopeDownloaderMiddleware` (so a redirect, a replayed link or a start URL cannot slip past the policy).

The policy:

- only ``http`` and ``https`` (Scrapy's file, ftp, data and s3 handlers are switched off in the settings too);
- a ``portal`` or ``sitemap`` source stays on the sites of its start URLs (host and port; ``www.`` and the
  default port of the scheme do not make another site), whatever a redirect, robots.txt or a sitemap says;
- a ``feed`` source may fetch the articles its feeds list on any host, and follow their redirects, but
  nothing else off its sites;
- no source reaches a loopback, private or link-local address (given as an IP literal or ``localhost``) unless
  its own start URLs are in that class of address.

Bounds per source and run (settings, overridden per source in the sources file): pages requested, time since
the source's first request, URLs taken from one sitemap or feed, sitemaps taken from one sitemap index. A bound
that is hit is counted in the stats (``scope/bound/...``) and named in the run's outcome.
"""

from __future__ import annotations

import functools
import ipaddress
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from scrapy import Request
from scrapy.exceptions import IgnoreRequest
from scrapy.spidermiddlewares.depth import DepthMiddleware

from aggregator import counters
from aggregator.discovery import canonical
from aggregator.requests import ARTICLE, ROBOTS, ROLE

_DEFAULT_PORTS = {"http": 80, "https": 443}

# the settings and their defaults; 0 turns a bound off
BOUND_SETTINGS = {
    "max_pages": ("AGGREGATOR_MAX_PAGES", 10_000),
    "max_time": ("AGGREGATOR_MAX_TIME", 3600),
    "max_entries": ("AGGREGATOR_MAX_ENTRIES", 5_000),
    "max_sitemaps": ("AGGREGATOR_MAX_SITEMAPS", 50),
}
BOUND_NAMES = {
    "max_pages": "page budget",
    "max_time": "time budget",
    "max_entries": "URLs per sitemap or feed",
    "max_sitemaps": "sitemaps per index",
}


def site(url: str) -> str | None:
    """A URL's site: host without ``www.``, and the port unless it is the scheme's default."""
    try:
        parts = urlsplit(url)
        host, port = (parts.hostname or "").lower(), parts.port
    except ValueError:  # a malformed port or IPv6 literal
        return None
    if parts.scheme not in _DEFAULT_PORTS or not host:
        return None
    host = host.removeprefix("www.")
    return host if port in (None, _DEFAULT_PORTS[parts.scheme]) else f"{host}:{port}"


def address_class(url: str) -> str:
    """'loopback', 'private', 'link-local' or 'public' for an IP literal or localhost; 'public' for names."""
    host = (urlsplit(url).hostname or "").lower().rstrip(".")
    if host == "localhost" or host.endswith(".localhost"):
        return "loopback"
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return "public"
    if ip.is_loopback:
        return "loopback"
    if ip.is_link_local:
        return "link-local"
    if ip.is_private or ip.is_reserved or ip.is_multicast or ip.is_unspecified:
        return "private"
    return "public"


@functools.lru_cache(maxsize=4096)
def _origin(scheme: str, netloc: str) -> tuple[str | None, str]:
    """The site and address class of every URL with this scheme and host: a page's 50 links share a few
    origins, and parsing the host as an IP address each time was a tenth of the spider's link handling."""
    url = f"{scheme}://{netloc}/"
    key = site(url)
    return key, address_class(url) if key is not None else "public"


@dataclass(frozen=True)
class Scope:
    kind: str
    sites: frozenset[str]
    classes: frozenset[str]  # the address classes of the start URLs

    def refuses(self, url: str, role: str | None = None) -> str | None:
        """Why ``url`` is out of scope for a request of this ``role``, or None when it may be fetched."""
        try:
            parts = urlsplit(url)
        except ValueError:
            return "not an http(s) URL"
        key, cls = _origin(parts.scheme, parts.netloc)
        if key is None:
            return "not an http(s) URL"
        if cls != "public" and cls not in self.classes:
            return f"{cls} address"
        if key in self.sites:
            return None
        if self.kind == "feed" and role == ARTICLE:
            return None  # feeds list articles on any host; their pages are not walked further
        return "off-site"


@functools.lru_cache(maxsize=4096)
def scope_for(kind: str, start_urls: tuple[str, ...]) -> Scope:
    return Scope(
        kind,
        frozenset(s for s in map(site, start_urls) if s),
        frozenset(address_class(u) for u in start_urls),
    )


def source_scope(src) -> Scope:
    return scope_for(src.kind, tuple(src.start_urls))


def bound(src, name: str, settings) -> int:
    """A source's bound: its own value from the sources file, else the setting."""
    value = getattr(src, name, None)
    if value is None:
        setting, default = BOUND_SETTINGS[name]
        value = settings.getint(setting, default)
    return int(value)


class _Budgets:
    """Per source: distinct URLs admitted this run, and when its first request was made."""

    def __init__(self, crawler):
        self.crawler = crawler
        self.stats = crawler.stats
        self.admitted: dict[str, set[str]] = {}
        self.started: dict[str, float] = {}
        self.hit: dict[str, set[str]] = {}

    def mark_hit(self, src, name: str) -> None:
        hits = self.hit.setdefault(src.name, set())
        if name not in hits:
            hits.add(name)
            counters.set_value(
                self.stats, src.name, f"scope/bound/{name}", bound(src, name, self.crawler.settings)
            )
            self.crawler.spider.logger.warning(
                "%s: %s of %s reached; the rest waits for the next run",
                src.name,
                BOUND_NAMES[name],
                bound(src, name, self.crawler.settings),
            )

    def out_of_time(self, src) -> bool:
        limit = bound(src, "max_time", self.crawler.settings)
        first = self.started.setdefault(src.name, time.monotonic())
        if limit and time.monotonic() - first > limit:
            self.mark_hit(src, "max_time")
            return True
        return False

    def admit(self, request: Request, src) -> bool:
        """Counts a new URL against the page budget; False once the budget is spent."""
        seen = self.admitted.setdefault(src.name, set())
        url = canonical(request.url)
        if url in seen:
            return True  # the same page again (a dont_filter request, or the dupefilter's job)
        limit = bound(src, "max_pages", self.crawler.settings)
        if limit and len(seen) >= limit:
            self.mark_hit(src, "max_pages")
            return False
        seen.add(url)
        return True


def budgets(crawler) -> _Budgets:
    """One budget book per crawler, shared by the spider and downloader middlewares."""
    book = getattr(crawler, "_aggregator_budgets", None)
    if book is None:
        book = crawler._aggregator_budgets = _Budgets(crawler)
    return book


class _ScopeCheck:
    """What both scope middlewares do: refuse an out-of-scope request, or one past its source's time budget,
    and count it under its source."""

    def __init__(self, crawler):
        self.crawler = crawler
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def refusal(self, request: Request, src) -> str | None:
        why = source_scope(src).refuses(request.url, request.meta.get("role"))
        if why:
            counters.inc(self.stats, src.name, f"scope/refused/{why}")
            return f"out of scope: {why}"
        if budgets(self.crawler).out_of_time(src):
            counters.inc(self.stats, src.name, "scope/dropped/max_time")
            return f"time budget of {src.name} spent"
        return None


class ScopeSpiderMiddleware(_ScopeCheck):
    """Drops every scheduled request that is out of scope, over the page budget or past the time budget."""

    def _keep(self, request: Request) -> bool:
        src = request.meta.get("source")
        if src is None:
            return site(request.url) is not None
        why = self.refusal(request, src)
        if why:
            self.crawler.spider.logger.info("not fetching %s: %s", request.url, why)
            return False
        book = budgets(self.crawler)
        if request.meta.get(ROLE) == ROBOTS:
            return True  # robots.txt is not a page of the budget
        if not book.admit(request, src):
            counters.inc(self.stats, src.name, "scope/dropped/max_pages")
            return False
        return True

    async def process_start(self, start):
        async for out in start:
            if not isinstance(out, Request) or self._keep(out):
                yield out

    async def process_spider_output(self, response, result):
        async for out in result:
            if not isinstance(out, Request) or self._keep(out):
                yield out


class ScopeDownloaderMiddleware(_ScopeCheck):
    """The last check before a download: redirects, replayed links and queued requests past the time budget."""

    def process_request(self, request, spider=None):
        src = request.meta.get("source")
        if src is None:
            # Scrapy's own requests (robots.txt of a host already in scope)
            if site(request.url) is None:
                raise IgnoreRequest(f"out of scope: not an http(s) URL: {request.url}")
            return None
        why = self.refusal(request, src)
        if why:
            hops = request.meta.get("redirect_urls")
            via = f" (redirected from {hops[0]})" if hops else ""
            raise IgnoreRequest(f"{why}: {request.url}{via}")
        # this middleware sees every request before Scrapy's robots.txt middleware asks for the host's
        # robots.txt, which carries no source: it is counted as this one's
        counters.claim_host(self.crawler, request.url, src.name)
        return None


class SourceDepthMiddleware(DepthMiddleware):
    """Scrapy's DepthMiddleware with the link depth limit of each request's source (``depth`` in the sources
    file, ``crawl --depth``), ``DEPTH_LIMIT`` for a source that sets none: one crawler serves many sources."""

    @classmethod
    def from_crawler(cls, crawler):
        mw = super().from_crawler(crawler)
        mw.default_depth = mw.maxdepth
        return mw

    def get_processed_request(self, request, response):
        src = request.meta.get("source")
        depth = getattr(src, "depth", None)
        # the limit is read by the base class in this same call: nothing else runs in between
        self.maxdepth = self.default_depth if depth is None else depth
        return super().get_processed_request(request, response)


def bounds_hit(stats: dict) -> list[str]:
    """The bounds a crawl hit, as words for its outcome ("page budget of 500 reached")."""
    out = []
    for name, label in BOUND_NAMES.items():
        value = stats.get(f"scope/bound/{name}")
        if value is not None:
            out.append(f"{label} of {value} reached")
    return out
