"""Scrapy extensions: every crawl recorded in the ``runs`` table, and a live progress line on a terminal."""

from __future__ import annotations

import logging
import sqlite3
import sys
import time

from scrapy import signals
from scrapy.exceptions import NotConfigured
from twisted.internet.task import LoopingCall

from aggregator import runs
from aggregator.store import StoreError

logger = logging.getLogger(__name__)


class RunRecorder:
    """Inserts a ``running`` row when the spider opens and finishes it when it closes.

    Enabled for every crawl (CLI, ``run-due``, ``scrapy crawl``, Scrapyd); a crawl that did not run because
    another process holds its source's lock records nothing.
    """

    def __init__(self, crawler):
        self.crawler = crawler
        self.db = crawler.settings.get("AGGREGATOR_DB")
        self.trigger = crawler.settings.get("AGGREGATOR_TRIGGER", "scrapy")
        self.run_id: int | None = None
        self.recording = False  # this crawl runs (not locked out), so it has an outcome to record
        self.started = 0.0

    @classmethod
    def from_crawler(cls, crawler):
        if not crawler.settings.get("AGGREGATOR_DB"):
            raise NotConfigured("no AGGREGATOR_DB")
        ext = cls(crawler)
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def spider_opened(self, spider) -> None:
        if getattr(spider, "locked_out", None) or not hasattr(spider, "run_name"):
            return
        self.started = time.monotonic()
        self.recording = True
        try:
            runs.reap_stale(self.db)
            self.run_id = runs.start_run(self.db, spider.run_name, self.trigger)
        except (sqlite3.Error, StoreError) as exc:
            self._write_failed(f"recording the run: {exc}")
            return
        spider.run_id = self.run_id

    def spider_closed(self, spider, reason) -> None:
        if not self.recording:
            return
        stats = {**self.crawler.stats.get_stats(), "finish_reason": reason}
        start_urls = sum(len(s.start_urls) for s in getattr(spider, "targets", []))
        failures = list(getattr(spider, "failures", []))
        outcome, why = runs.outcome_of(stats, failures, start_urls)
        duration = time.monotonic() - self.started
        if self.run_id is not None:
            try:
                runs.finish_run(self.db, self.run_id, outcome, why, runs.stats_counts(stats), duration)
            except (sqlite3.Error, StoreError) as exc:
                # the row stays 'running' until a reader shows it interrupted; the command still says why
                self._write_failed(f"recording the end of the run: {exc}")
                stats = {**self.crawler.stats.get_stats(), "finish_reason": reason}
                outcome, why = runs.outcome_of(stats, failures, start_urls)
        spider.run_outcome = (outcome, why)

    def _write_failed(self, message: str) -> None:
        logger.error("%s", message)
        self.crawler.stats.inc_value("store/error")
        self.crawler.stats.set_value("store/last_error", message)


class Progress:
    """One live line on stderr for all the crawlers of the process: pages, articles, rate, errors.

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
        total: dict[str, int] = {}
        for crawler in cls._crawlers:
            counts = runs.stats_counts(crawler.stats.get_stats() if crawler.stats else {})
            for key, value in counts.items():
                total[key] = total.get(key, 0) + value
            total["articles"] = total.get("articles", 0) + int(crawler.stats.get_value("extract/article", 0))
        elapsed = max(time.monotonic() - cls._started, 1e-6)
        pages = total.get("pages_fetched", 0)
        return (
            f"crawling {len(cls._crawlers)} source(s): {pages} pages ({total.get('not_modified', 0)} unchanged), "
            f"{total.get('articles', 0)} articles, {total.get('new_copies', 0)} new, "
            f"{pages / elapsed:.1f} pages/s, {total.get('errors', 0)} errors"
        )

    @classmethod
    def tick(cls, final: bool = False) -> None:
        stream = cls.stream or sys.stderr
        stream.write("\r" + cls.line() + "\033[K" + ("\n" if final else ""))
        stream.flush()
