"""Turns a fetched page into article fields and its body's fingerprint; drops pages that are not articles.

The work itself (``aggregator.workers.process_page``, a pure function of the page) runs in worker processes
(``AGGREGATOR_WORKERS``, default one per core; 0: in this process), so the reactor thread is free to download
and store while the other cores extract.
"""

from __future__ import annotations

import logging

from itemadapter import ItemAdapter
from scrapy.exceptions import DropItem

from aggregator import counters
from aggregator.dedup import Fingerprint
from aggregator.workers import (
    ExtractionPool,
    WorkerCrashed,
    WorkerTimeout,
    default_workers,
    process_page,
    worker_nice,
)

logger = logging.getLogger(__name__)


class ExtractPipeline:
    def __init__(self, crawler):
        self.crawler = crawler
        self.stats = crawler.stats
        settings = crawler.settings
        self.workers = default_workers(settings)
        self.timeout = settings.getfloat("AGGREGATOR_EXTRACT_TIMEOUT", 60)
        self.faults = settings.getdict("AGGREGATOR_TEST_WORKER_FAULTS")
        self.nice = worker_nice(settings)
        self.pool: ExtractionPool | None = None

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def open_spider(self):
        if self.workers:
            self.pool = ExtractionPool(self.workers, self.timeout, self.faults, nice=self.nice)
            self.pool.warm_up()

    def close_spider(self):
        if self.pool is not None:
            self.pool.close()
            self.pool = None

    def _count(self, source: str | None, key: str) -> None:
        counters.inc(self.stats, source, key, crawler=self.crawler)

    async def process_item(self, item):
        adapter = ItemAdapter(item)
        url = adapter["final_url"]
        source = adapter.get("source_name")
        page = {
            "html": adapter["html"],
            "url": url,
            "fetched_at": adapter.get("fetched_at") or None,
            "selectors": dict(adapter.get("selectors") or {}),
        }
        try:
            result = process_page(page) if self.pool is None else await self.pool.run(page)
        except WorkerCrashed as exc:
            self._count(source, "extract/worker_crashed")
            raise DropItem(f"extraction failed on {url}: {exc}; page skipped", log_level="ERROR") from None
        except WorkerTimeout as exc:
            self._count(source, "extract/timeout")
            raise DropItem(f"extraction failed on {url}: {exc}; page skipped", log_level="ERROR") from None
        except Exception as exc:  # the pool closing under a shutdown: this page is fetched again next run
            result = {"error": f"{type(exc).__name__}: {exc}"}
        if "error" in result:
            self._count(source, "extract/error")
            raise DropItem(f"extraction failed on {url}: {result['error']}", log_level="ERROR")
        article = result["article"]
        if not article["is_article"]:
            self._count(source, "extract/not_article")
            raise DropItem(f"not an article: {url}", log_level="DEBUG")
        self._count(source, "extract/article")
        adapter["article"] = article
        fp = result.get("fingerprint")
        if fp is not None:
            # the dedupe pipeline uses it; an empty body after cleaning has none and is dropped there
            adapter["fingerprint"] = Fingerprint.from_row(*fp)
        return item
