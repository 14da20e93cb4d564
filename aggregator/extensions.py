"""Scrapy extensions: each source's lock held for the crawl, every crawl recorded in the ``runs`` table, and a
live progress line on a terminal."""

from __future__ import annotations

import contextlib
import logging
import resource
import sqlite3
import sys
import time

from scrapy import signals
from scrapy.exceptions import NotConfigured
from twisted.internet.task import LoopingCall

from aggregator import counters, runs
from aggregator.lock import source_lock
from aggregator.store import StoreError

logger = logging.getLogger(__name__)


def kept_out(crawler) -> dict[str, tuple[str, str]]:
    """The sources of the crawl that SourceLock keeps out of it, by name: ``("skipped", why)`` when another
    process crawls the source, ``("failed", why)`` when its lock cannot be taken at all. The spider crawls
    the others; the summary and exit status report these."""
    return getattr(crawler, "_aggregator_kept_out", {})


class SourceLock:
    """One lock per source for the whole crawl (aggregator/lock.py), so no source is crawled by two processes at
    the same time: a source another process holds is skipped, the others run. The locks are taken when the
    spider opens, before the runs are recorded, and released when it closes; the kernel releases them when
    the process is killed.

    On with ``AGGREGATOR_SOURCE_LOCK`` (the default) and a database (``AGGREGATOR_DB``): the locks live next to
    it. What it keeps out is read with ``kept_out(crawler)``.
    """

    def __init__(self, crawler):
        self.crawler = crawler
        self.db = crawler.settings.get("AGGREGATOR_DB")
        self.locks: list = []
        crawler._aggregator_kept_out = {}

    @classmethod
    def from_crawler(cls, crawler):
        if not crawler.settings.getbool("AGGREGATOR_SOURCE_LOCK", True):
            raise NotConfigured("AGGREGATOR_SOURCE_LOCK is off")
        if not crawler.settings.get("AGGREGATOR_DB"):
            raise NotConfigured("no AGGREGATOR_DB")
        ext = cls(crawler)
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def spider_opened(self, spider) -> None:
        targets = list(getattr(spider, "targets", []))
        _room_for_files(len(targets))
        out = self.crawler._aggregator_kept_out
        for src in targets:
            lock = source_lock(self.db, src.name)
            try:
                acquired = lock.acquire()
            except OSError as exc:  # a lock file that must not be used (a symbolic link): this source fails
                out[src.name] = ("failed", f"the crawl could not run: {exc}")
                continue
            if not acquired:
                pid = lock.holder()
                why = f"source {src.name} is being crawled by another process" + (
                    f" (pid {pid})" if pid else ""
                )
                out[src.name] = ("skipped", why)
                logger.warning("%s: not crawling it again", why)
                continue
            self.locks.append(lock)

    def spider_closed(self, spider, reason) -> None:
        for lock in self.locks:
            lock.release()
        self.locks = []


def _room_for_files(locks: int) -> None:
    """Each source's lock is an open file for the whole crawl: a thousand sources would pass the usual soft
    limit of 1024 open files (sockets and the database need some too), so raise it towards the hard limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = locks + 1024
    if soft == resource.RLIM_INFINITY or soft >= want:
        return
    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(
            resource.RLIMIT_NOFILE, (want if hard == resource.RLIM_INFINITY else min(want, hard), hard)
        )


def recorded_runs(crawler) -> tuple[dict[str, int], dict[str, tuple[str, str | None]] | None]:
    """What RunRecorder recorded for the crawl: each source's run id, and each source's (outcome, reason) as
    its row was finished when the spider closed (None until then: a crawl stopped before its spider closed
    has rows nobody finished)."""
    recorder = getattr(crawler, "_aggregator_runs", None)
    return (dict(recorder.run_ids), recorder.outcomes) if recorder else ({}, None)


class RunRecorder:
    """One runs row per source: inserted ``running`` when the spider opens, given its figures every
    ``AGGREGATOR_RUNS_FLUSH`` seconds while the crawl goes (so a killed run shows what it did), and finished
    when the spider closes, each source with its own outcome, reason, figures and duration.

    Enabled for every crawl (CLI, ``run-due``, ``scrapy crawl``, Scrapyd); a source SourceLock kept out
    (another process holds its lock) records nothing.
    """

    def __init__(self, crawler):
        self.crawler = crawler
        self.db = crawler.settings.get("AGGREGATOR_DB")
        self.trigger = crawler.settings.get("AGGREGATOR_TRIGGER", "scrapy")
        self.flush_every = crawler.settings.getfloat("AGGREGATOR_RUNS_FLUSH", 10.0)
        self.run_ids: dict[str, int] = {}
        self.outcomes: dict[str, tuple[str, str | None]] | None = None
        self.sources: list = []  # the sources this crawl runs (not locked out): each has an outcome to record
        self.started = 0.0
        self._loop: LoopingCall | None = None

    @classmethod
    def from_crawler(cls, crawler):
        if not crawler.settings.get("AGGREGATOR_DB"):
            raise NotConfigured("no AGGREGATOR_DB")
        ext = cls(crawler)
        crawler._aggregator_runs = ext
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def spider_opened(self, spider) -> None:
        if not hasattr(spider, "running"):
            return
        self.sources = list(spider.running)
        if not self.sources:
            return
        self.started = time.monotonic()
        try:
            runs.reap_stale(self.db)
            self.run_ids = runs.start_runs(self.db, [s.name for s in self.sources], self.trigger)
        except (sqlite3.Error, StoreError) as exc:
            self._write_failed(None, f"recording the run: {exc}")
            return
        if self.flush_every > 0:
            self._loop = LoopingCall(self.flush)
            self._loop.start(self.flush_every, now=False)

    def _figures(self) -> dict[str, dict]:
        names = [s.name for s in getattr(self.crawler.spider, "targets", self.sources)]
        return counters.by_source(self.crawler.stats.get_stats(), names)

    def flush(self) -> None:
        """The figures so far into the running rows; a failure here is not the run's (it is retried)."""
        figures = self._figures()
        try:
            runs.update_counts(
                self.db,
                {rid: runs.stats_counts(figures.get(name, {})) for name, rid in self.run_ids.items()},
            )
        except (sqlite3.Error, StoreError) as exc:
            logger.warning("could not record the runs' figures so far: %s", exc)

    def spider_closed(self, spider, reason) -> None:
        if self._loop is not None and self._loop.running:
            self._loop.stop()
        if not self.sources:
            return
        self.crawler.stats.set_value("finish_reason", reason)  # Scrapy sets it after this signal
        now = time.monotonic()
        figures = self._figures()
        failures = getattr(spider, "failures", {})
        outcomes: dict[str, tuple[str, str | None]] = {}
        ends = []
        for src in self.sources:
            stats = figures.get(src.name, {})
            outcome, why = runs.outcome_of(stats, list(failures.get(src.name, [])), len(src.start_urls))
            outcomes[src.name] = (outcome, why)
            last = counters.last_activity(self.crawler, src.name) or now
            if src.name in self.run_ids:
                ends.append(
                    {
                        "run_id": self.run_ids[src.name],
                        "outcome": outcome,
                        "reason": why,
                        "counts": runs.stats_counts(stats),
                        "duration": max(0.0, last - self.started),
                        "idle": now - last,
                    }
                )
        if ends:
            try:
                runs.finish_runs(self.db, ends)
            except (sqlite3.Error, StoreError) as exc:
                # the rows stay 'running' until a reader shows them interrupted; the command still says why
                self._write_failed(None, f"recording the end of the run: {exc}")
                figures = self._figures()
                for src in self.sources:
                    outcomes[src.name] = runs.outcome_of(
                        figures.get(src.name, {}), list(failures.get(src.name, [])), len(src.start_urls)
                    )
        self.outcomes = outcomes

    def _write_failed(self, source: str | None, message: str) -> None:
        logger.error("%s", message)
        stats = self.crawler.stats
        stats.inc_value("store/error")
        stats.set_value("store/last_error", message)
        # one write, for the runs of every source of this crawl: each run reports it
        for name in [source] if source else [s.name for s in self.sources]:
            stats.inc_value(f"{counters.PREFIX}{name}/store/error")
            stats.set_value(f"{counters.PREFIX}{name}/store/last_error", message)


class Progress:
    """One live line on stderr for the crawl: pages, articles, rate, errors (the figures of the summary).

    On when ``AGGREGATOR_PROGRESS`` is set (the CLI sets it when stderr is a terminal and --quiet is not given).
    """

    interval = 1.0
    stream = None  # default: sys.stderr at the time of writing
    _crawlers: list = []
    _open = 0
    _loop: LoopingCall | None = None
    _started = 0.0

    def __init__(self, crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        if not crawler.settings.getbool("AGGREGATOR_PROGRESS"):
            raise NotConfigured
        ext = cls(crawler)
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def spider_opened(self, spider) -> None:
        cls = type(self)
        if cls._open == 0:
            cls._crawlers = []
            cls._started = time.monotonic()
        cls._crawlers.append(self.crawler)
        cls._open += 1
        if cls._loop is None:
            cls._loop = LoopingCall(cls.tick)
            cls._loop.start(cls.interval, now=False)

    def spider_closed(self, spider, reason) -> None:
        cls = type(self)
        cls._open -= 1
        if cls._open <= 0:
            cls._open = 0
            if cls._loop is not None and cls._loop.running:
                cls._loop.stop()
            cls._loop = None
            cls.tick(final=True)

    @classmethod
    def line(cls) -> str:
        """The sum of the sources' figures, as the summary at the end adds them up."""
        total: dict[str, int] = {}
        sources = 0
        for crawler in cls._crawlers:
            spider = getattr(crawler, "spider", None)
            names = [s.name for s in getattr(spider, "running", [])]
            sources += len(names)
            figures = counters.by_source(crawler.stats.get_stats() if crawler.stats else {}, names)
            for stats in figures.values():
                for key, value in runs.stats_counts(stats).items():
                    total[key] = total.get(key, 0) + value
                total["articles"] = total.get("articles", 0) + int(stats.get("extract/article", 0))
        elapsed = max(time.monotonic() - cls._started, 1e-6)
        pages = total.get("pages_fetched", 0)
        return (
            f"crawling {sources} source(s): {pages} pages ({total.get('not_modified', 0)} unchanged), "
            f"{total.get('articles', 0)} articles, {total.get('new_copies', 0)} new copies, "
            f"{pages / elapsed:.1f} pages/s, {total.get('errors', 0)} errors"
        )

    @classmethod
    def tick(cls, final: bool = False) -> None:
        stream = cls.stream or sys.stderr
        stream.write("\r" + cls.line() + "\033[K" + ("\n" if final else ""))
        stream.flush()
