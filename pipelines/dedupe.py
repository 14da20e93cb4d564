"""Gives each article its identity (canonical URL) and its body fingerprint (hash and MinHash signatures);
drops a URL seen twice in one run.

The fingerprint is computed with the extraction, in a worker process (pipelines/extract.py); an item that
arrives without one (the pipelines used on their own) is fingerprinted here. Matching against stored stories
happens inside the store's write transaction, so that concurrent crawler processes cannot both decide that the
same article is new.
"""

from __future__ import annotations

from itemadapter import ItemAdapter
from scrapy.exceptions import DropItem

from aggregator import counters
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
        source = adapter.get("source_name")
        url = canonical_url(adapter["final_url"])
        if url in self.seen:
            counters.inc(self.stats, source, "dedupe/duplicate_url")
            raise DropItem(f"already processed in this run: {url}", log_level="DEBUG")
        self.seen.add(url)
        fp = adapter.get("fingerprint") or fingerprint(adapter["article"]["body"])
        if fp is None:
            counters.inc(self.stats, source, "dedupe/empty_body")
            raise DropItem(f"empty body after cleaning: {url}", log_level="DEBUG")
        adapter["canonical_url"] = url
        adapter["fingerprint"] = fp
        return item
