"""Gives each article its identity (canonical URL) and its body fingerprint (hash and MinHash signatures);
drops a URL seen twice in one run.

Matching against stored stories happens inside the store's write transaction, so that concurrent crawler
processes cannot both decide that the same article is new; the signatures are computed here, outside it.
"""

from __future__ import annotations

from itemadapter import ItemAdapter
from scrapy.exceptions import DropItem

from aggregator.dedup import canonical_url, fingerprint


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
        fp = fingerprint(adapter["article"]["body"])
        if fp is None:
            self.stats.inc_value("dedupe/empty_body")
            raise DropItem(f"empty body after cleaning: {url}", log_level="DEBUG")
        adapter["canonical_url"] = url
        adapter["fingerprint"] = fp
        return item
