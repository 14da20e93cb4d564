"""Writes each article copy to SQLite and attaches it to its story."""

from __future__ import annotations

import logging
import sqlite3

from itemadapter import ItemAdapter
from scrapy.exceptions import DropItem

from aggregator import counters
from aggregator.store import CopyRecord, Store
from aggregator.stories import hosted_by_publisher
from aggregator.workers import WorkerCrashed, default_workers, worker_nice
from aggregator.writer import StoreWriteError, StoreWriter, register

logger = logging.getLogger(__name__)


def copy_record(adapter) -> CopyRecord:
    """The copy to store from an item that went through the extract and dedupe pipelines (an ItemAdapter over a
    PageItem, or over the dict a worker sends through Redis: aggregator/distributed/): one rule for both."""
    article = adapter["article"]
    publisher = adapter.get("publisher")
    original = hosted_by_publisher(article["source"], article["site_name"], publisher)
    # an original page often names no source: its publisher is the source it would have claimed
    source = article["source"] or (publisher if original else None)
    return CopyRecord(
        url=adapter["canonical_url"],
        final_url=adapter["final_url"],
        portal=adapter["portal"],
        body=article["body"],
        fetched_at=adapter["fetched_at"],
        title=article["title"],
        published=article["published"],
        source=source,
        reporters=article["reporters"],
        correspondents=article["correspondents"],
        editors=article["editors"],
        site_name=article["site_name"],
        source_name=adapter.get("source_name"),
        fingerprint=adapter["fingerprint"],
        is_original=original,
    )


class StorePipeline:
    """Stores each copy through the store's one writer: a process of its own (aggregator/writer.py) when the
    crawl has extraction workers (``AGGREGATOR_WORKERS`` > 0, the default), else this process.

    A write that fails (a full disk; another process holding the database longer than
    ``AGGREGATOR_DB_TIMEOUT`` seconds, default 30; the writer process killed) loses that article: it is logged
    and counted as ``store/error`` (the last message in ``store/last_error``), so the run ends ``partial`` or
    ``failed`` and the command exits non-zero, instead of the article vanishing without a word."""

    def __init__(
        self,
        db_path: str,
        stats,
        timeout: float = 30,
        crawler=None,
        workers: int = 0,
        crash_on=None,
        nice: int = 0,
    ):
        self.db_path = db_path
        self.stats = stats
        self.crawler = crawler
        self.timeout = timeout
        self.workers = workers
        self.store: Store | None = None
        self.writer: StoreWriter | None = None
        self.crash_on = crash_on  # test-only fault: see aggregator/writer.py
        self.nice = nice

    @classmethod
    def from_crawler(cls, crawler):
        return cls(
            crawler.settings.get("AGGREGATOR_DB"),
            crawler.stats,
            timeout=crawler.settings.getfloat("AGGREGATOR_DB_TIMEOUT", 30),
            crawler=crawler,
            workers=default_workers(crawler.settings),
            crash_on=crawler.settings.getdict("AGGREGATOR_TEST_WORKER_FAULTS").get("store_crash"),
            nice=worker_nice(crawler.settings),
        )

    def open_spider(self):
        # created and migrated here, so that a database that cannot be used stops the crawl at once
        self.store = Store(self.db_path, timeout=self.timeout, background_checkpoint=not self.workers)
        if self.workers:
            self.store.close()
            self.store = None
            self.writer = StoreWriter(
                self.db_path, self.timeout, self.crash_on, stats=self.stats, nice=self.nice
            )
            if self.crawler is not None:
                register(self.crawler, self.writer)

    async def close_spider(self):
        if self.store:
            self.store.close()
        if self.writer:
            await self.writer.close()

    async def process_item(self, item):
        copy = copy_record(ItemAdapter(item))
        try:
            if self.writer is None:
                outcome, _ = self.store.add_copy(copy)
            else:
                outcome, _ = await self.writer.add_copy(copy)
        except (sqlite3.Error, StoreWriteError, WorkerCrashed) as exc:
            counters.inc(self.stats, copy.source_name, "store/error", crawler=self.crawler)
            counters.set_value(self.stats, copy.source_name, "store/last_error", str(exc))
            logger.error("could not store %s: %s", copy.final_url, exc)
            raise DropItem(f"not stored: {exc}") from None
        counters.inc(self.stats, copy.source_name, f"store/{outcome}", crawler=self.crawler)
        return item
