"""Per-source counters: one crawler serves every source of a run, and each source has its own runs row.

Every figure a run reports is counted where its event happens, twice in the crawler's stats: crawl-wide under
its usual key (``store/new_story``) and for its source under ``source/<name>/<key>``. ``by_source`` gives each
source's view with the usual keys, so the code that turns stats into a run's figures (``runs.stats_counts``,
``runs.outcome_of``, ``CrawlResult.summary``) and the live progress line read every source the same way, and
their figures agree: the progress line is the sum of the sources' figures, which is what the summary prints.

What is counted per source, and where:

- requests and responses (``downloader/...``, as Scrapy's DownloaderStats counts them, at the same place) and
  robots.txt refusals: `SourceCounters`, a downloader middleware. Scrapy's own robots.txt requests carry no
  source; they are the source's that first asked for that host (`claim_host`, called by the scope middleware,
  which sees every request before the robots.txt middleware does);
- exceptions raised by the spider's callbacks (``spider_exceptions/...``): the same middleware, from the
  ``spider_error`` signal;
- everything else (pages read, extraction, store outcomes, incremental skips, bounds, fetch errors) by the
  spider, the pipelines (from the item's ``source_name``) and the middlewares, through `inc` / `set_value`.
"""

from __future__ import annotations

import time
from urllib.parse import urlsplit

from scrapy import signals
from scrapy.exceptions import IgnoreRequest

PREFIX = "source/"
# crawl-wide facts that are every source's too: how and when the one crawl ended
_SHARED = ("finish_reason", "start_time", "finish_time", "elapsed_time_seconds")


def _book(crawler) -> dict:
    book = getattr(crawler, "_aggregator_counters", None)
    if book is None:
        book = crawler._aggregator_counters = {"hosts": {}, "last": {}}
    return book


def inc(stats, source: str | None, key: str, count: int = 1, crawler=None) -> None:
    """Count ``key`` crawl-wide and for ``source`` (None: crawl-wide only)."""
    stats.inc_value(key, count)
    if source:
        stats.inc_value(f"{PREFIX}{source}/{key}", count)
        if crawler is not None:
            _book(crawler)["last"][source] = time.monotonic()


def set_value(stats, source: str | None, key: str, value) -> None:
    stats.set_value(key, value)
    if source:
        stats.set_value(f"{PREFIX}{source}/{key}", value)


def last_activity(crawler, source: str) -> float | None:
    """When the source last had a response or a stored article (time.monotonic()), or None."""
    return _book(crawler)["last"].get(source)


def claim_host(crawler, url: str, source: str) -> None:
    """The first source to ask for a host owns the requests Scrapy itself makes there (robots.txt)."""
    hosts = _book(crawler)["hosts"]
    try:
        netloc = urlsplit(url).netloc.lower()
    except ValueError:
        return
    if netloc not in hosts:
        hosts[netloc] = source


def source_of(crawler, request) -> str | None:
    src = request.meta.get("source")
    if src is not None:
        return src.name
    try:
        return _book(crawler)["hosts"].get(urlsplit(request.url).netloc.lower())
    except ValueError:
        return None


def by_source(stats: dict, names) -> dict[str, dict]:
    """Each source's own stats, with the usual keys (plus the crawl-wide end: finish reason and times).

    With one source, the crawl's stats are the source's: keys that are not counted per source (Scrapy's own,
    e.g. ``response_received_count``) are kept too.
    """
    names = list(dict.fromkeys(names))
    out: dict[str, dict] = {n: {} for n in names}
    for key, value in stats.items():
        if key.startswith(PREFIX):
            name, _, rest = key[len(PREFIX) :].partition("/")
            # a name may hold a slash (an ad-hoc host never does, but a sources-file name might)
            if name not in out:
                for n in names:
                    if key.startswith(f"{PREFIX}{n}/"):
                        name, rest = n, key[len(PREFIX) + len(n) + 1 :]
                        break
                else:
                    continue
            out[name][rest] = value
    shared = {k: stats[k] for k in _SHARED if k in stats}
    if len(names) == 1:
        only = {k: v for k, v in stats.items() if not k.startswith(PREFIX)}
        return {names[0]: {**only, **out[names[0]], **shared}}
    return {n: {**v, **shared} for n, v in out.items()}


class SourceCounters:
    """Requests, responses and robots.txt refusals per source, counted where Scrapy's DownloaderStats counts
    them (just after it, so both see the same requests and responses); callback exceptions per source."""

    def __init__(self, crawler):
        self.crawler = crawler
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler):
        mw = cls(crawler)
        crawler.signals.connect(mw.spider_error, signal=signals.spider_error)
        return mw

    def _source(self, request) -> str | None:
        return source_of(self.crawler, request)

    def _inc(self, name: str | None, key: str) -> None:
        if name:
            self.stats.inc_value(f"{PREFIX}{name}/{key}")

    def process_request(self, request, spider=None):
        self._inc(self._source(request), "downloader/request_count")
        return None

    def process_response(self, request, response, spider=None):
        name = self._source(request)
        if name:
            self._inc(name, "downloader/response_count")
            self._inc(name, f"downloader/response_status_count/{response.status}")
            _book(self.crawler)["last"][name] = time.monotonic()
        return response

    def process_exception(self, request, exception, spider=None):
        name = self._source(request)
        # every middleware's process_exception sees what an earlier process_request raised: Scrapy's
        # RobotsTxtMiddleware refuses before the download ("Forbidden by robots.txt")
        if isinstance(exception, IgnoreRequest) and "robots.txt" in str(exception):
            self._inc(name, "robotstxt/forbidden")
        return None

    def spider_error(self, failure, response, spider) -> None:
        try:
            src = response.meta.get("source")
        except AttributeError:  # a response without its request
            return
        if src is not None:
            self._inc(src.name, f"spider_exceptions/{failure.type.__name__}")
