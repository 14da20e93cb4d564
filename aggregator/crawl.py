"""Running crawls in-process: one Scrapy crawler for all the sources of a run, feeding one database.

The crawler's spider serves every source (each request carries its Source); each source keeps its own lock,
counters, outcome and runs row, and ``run_crawl`` returns one CrawlResult per source.
"""

from __future__ import annotations

import logging
import signal
import sqlite3
import time
from dataclasses import dataclass, field
from pathlib import Path

from scrapy.crawler import Crawler, CrawlerProcess
from scrapy.settings import Settings
from scrapy.utils.ossignal import install_shutdown_handlers

from aggregator import counters, runs
from aggregator.config import Source
from aggregator.extensions import kept_out, recorded_runs
from aggregator.runs import interrupt_reason, outcome_of, stats_counts, store_errors
from aggregator.spiders.news import NewsSpider, run_sources
from aggregator.store import StoreError

logger = logging.getLogger(__name__)


@dataclass
class CrawlResult:
    source: str
    stats: dict = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)
    outcome: str = "ok"  # ok | partial | failed | interrupted | skipped (another process crawls the source)
    reason: str | None = None
    run_id: int | None = None  # its row in the runs table
    signal: int | None = None  # the signal that stopped the crawl (SIGINT, SIGTERM), if one did

    def stat(self, key: str) -> int:
        return int(self.stats.get(key, 0) or 0)

    @property
    def summary(self) -> dict:
        return {
            "source": self.source,
            "requests": self.stat("downloader/request_count"),
            "html_pages": self.stat("spider/html_pages"),
            "articles": self.stat("extract/article"),
            "not_articles": self.stat("extract/not_article"),
            "new_stories": self.stat("store/new_story"),
            "new_copies": self.stat("store/new_copy") + self.stat("store/new_story"),
            "updated_copies": self.stat("store/updated_copy"),
            "unchanged_copies": self.stat("store/unchanged_copy"),
            "errors": stats_counts(self.stats)["errors"],
            "store_errors": store_errors(self.stats),
            "failures": list(self.failures),
            "finish_reason": self.stats.get("finish_reason"),
            "outcome": self.outcome,
            "reason": self.reason,
            "pages_fetched": self.stat("downloader/response_count"),
            "not_modified": self.stat("downloader/response_status_count/304"),
            "skipped_known": self.stat("incremental/skipped_known"),
        }


def make_settings(db: str | Path, log_level: str = "WARNING", **overrides) -> Settings:
    settings = Settings()
    settings.setmodule("aggregator.settings", priority="project")
    settings.set("AGGREGATOR_DB", str(db), priority="cmdline")
    settings.set("LOG_LEVEL", log_level, priority="cmdline")
    for key, value in overrides.items():
        settings.set(key, value, priority="cmdline")
    return settings


@dataclass
class Scheduled:
    """The one crawler of a run and the sources it serves."""

    crawler: Crawler
    sources: list[Source]


def schedule(runner, sources: list[Source]) -> Scheduled:
    """Adds one crawler for all the sources to a CrawlerProcess or CrawlerRunner."""
    crawler = runner.create_crawler(NewsSpider)
    d = runner.crawl(crawler, targets=list(sources))
    # a crawler that cannot start (a full disk) is every source's failure, not a traceback from Twisted:
    # results() reports it
    d.addErrback(_start_failed, crawler)
    return Scheduled(crawler, list(sources))


def _start_failed(failure, crawler: Crawler) -> None:
    crawler.aggregator_error = failure.getErrorMessage() or failure.type.__name__


def results(scheduled: Scheduled, signum: int | None = None, forced: bool = False) -> list[CrawlResult]:
    """One result per source, in the order given, from the source's own counters (aggregator/counters.py).
    ``signum``: the signal that stopped the crawl; ``forced``: a second one stopped it at once, before the
    spider could close (its sources are interrupted, not failed)."""
    crawler = scheduled.crawler
    spider = getattr(crawler, "spider", None)
    targets = list(getattr(spider, "targets", None) or run_sources(scheduled.sources))
    collector = getattr(crawler, "_stats", None)  # not set when the crawler could not start
    stats = dict(collector.get_stats()) if collector else {}
    figures = counters.by_source(stats, [s.name for s in targets])
    error = getattr(crawler, "aggregator_error", None)
    run_ids, outcomes = recorded_runs(crawler)
    outcomes = outcomes or {}
    kept = kept_out(crawler)
    out = []
    for src in targets:
        own = figures.get(src.name, {})
        failures = list(getattr(spider, "failures", {}).get(src.name, []))
        if src.name in kept:
            outcome, reason = kept[src.name]
            if outcome == "failed":
                failures.append(reason)
        elif src.name in outcomes:
            outcome, reason = outcomes[src.name]
        elif signum is not None:
            outcome, reason = "interrupted", interrupt_reason(signum, forced)
        elif error:
            outcome, reason = "failed", f"the crawl could not run: {error}"
            failures.append(reason)
        else:
            outcome, reason = outcome_of(own, failures, len(src.start_urls))
        out.append(
            CrawlResult(
                source=src.name,
                stats=own,
                failures=failures,
                outcome=outcome,
                reason=reason,
                run_id=run_ids.get(src.name),
                signal=signum,
            )
        )
    return out


class _Process(CrawlerProcess):
    """Scrapy's process, remembering the signal that stopped it: the command's exit status and the runs rows
    say which (a crawl stopped by Ctrl-C or SIGTERM did not end, whatever its figures)."""

    signum: int | None = None
    forced = False

    def _signal_shutdown(self, signum, frame) -> None:
        from twisted.internet import reactor

        self.signum = signum
        # the runs rows are finished when the spiders close: tell them why first (from the reactor's thread)
        reactor.callFromThread(self._note, signum)
        super()._signal_shutdown(signum, frame)

    def _signal_kill(self, signum, frame) -> None:
        self.forced = True
        super()._signal_kill(signum, frame)

    def _note(self, signum: int) -> None:
        for crawler in self.crawlers:
            spider = getattr(crawler, "spider", None)
            for src in getattr(spider, "running", []):
                counters.set_value(crawler.stats, src.name, runs.SIGNAL_STAT, signum)


def _finish_forced(scheduled: Scheduled, out: list[CrawlResult]) -> None:
    """After a second signal the reactor stops before the spider closes, so nobody finished the runs rows:
    finish them here, interrupted, with the figures counted so far (what was stored is in them)."""
    crawler = scheduled.crawler
    _, closed = recorded_runs(crawler)
    ends = [
        {
            "run_id": r.run_id,
            "outcome": r.outcome,
            "reason": r.reason,
            "counts": stats_counts(r.stats),
            "duration": max(0.0, time.time() - r.stats["start_time"].timestamp())
            if hasattr(r.stats.get("start_time"), "timestamp")
            else 0.0,
        }
        for r in out
        if r.run_id is not None and r.outcome == "interrupted" and r.source not in (closed or {})
    ]
    if not ends:
        return
    try:
        runs.finish_runs(crawler.settings.get("AGGREGATOR_DB"), ends)
    except (sqlite3.Error, StoreError) as exc:  # shown as interrupted later all the same
        logger.warning("could not record the end of the interrupted runs: %s", exc)


def run_crawl(sources: list[Source], settings: Settings) -> list[CrawlResult]:
    """Crawl the sources in one crawler and block until it is done. Once per process (Twisted's rule).
    A crawl stopped by a signal returns its results (each source interrupted, with its figures)."""
    previous = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    process = _Process(settings)
    # from here on a signal stops the crawl as Scrapy does (queued until the reactor runs), not by an exception
    # raised inside the crawler's start, which would read as a crawl that could not run
    install_shutdown_handlers(process._signal_shutdown)
    scheduled = schedule(process, sources)
    try:
        process.start()
    finally:
        # Scrapy's handlers only talk to the stopped reactor now: a signal during the summary must still act
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    out = results(scheduled, process.signum, process.forced)
    if process.forced:
        _finish_forced(scheduled, out)
    return out
