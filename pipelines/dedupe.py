"""Gives each article its identity (canonical URL) and body fingerprint; drops a URL seen twice in one run.

Matching against stored stories happens inside the store's write transaction, so that concurrent crawler
processes cannot both decide that the same article is new.
"""

from __future__ import annotations

from itemadapter import ItemAdapter
from scrapy.exceptions import DropItem

from aggregator.dedup import body_hash, canonical_url


class DedupePipeline:
    def __init__(self, stats):
        self.stats = stats
        self.seen: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.stats)

    def process_item(self, item):
        adapter = ItemAdapter(item)
        url = canonical_url(adapter["final_url"])
        if url in self.seen:
            self.stats.inc_value("dedupe/duplicate_url")
            raise DropItem(f"already processed in this run: {url}", log_level="DEBUG")
        self.seen.add(url)
        fingerprint = body_hash(adapter["article"]["body"])
        if fingerprint is None:
            self.stats.inc_value("dedupe/empty_body")
            raise DropItem(f"empty body after cleaning: {url}", log_level="DEBUG")
        adapter["canonical_url"] = url
        adapter["body_hash"] = fingerprint
        return item
