"""Writes each article copy to SQLite and attaches it to its story."""

from __future__ import annotations

from itemadapter import ItemAdapter

from aggregator.dedup import is_original
from aggregator.store import CopyRecord, Store


class StorePipeline:
    def __init__(self, db_path: str, stats):
        self.db_path = db_path
        self.stats = stats
        self.store: Store | None = None

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.settings.get("AGGREGATOR_DB"), crawler.stats)

    def open_spider(self):
        self.store = Store(self.db_path)

    def close_spider(self):
        if self.store:
            self.store.close()

    def process_item(self, item):
        adapter = ItemAdapter(item)
        article = adapter["article"]
        publisher = adapter.get("publisher")
        original = is_original(article["source"], article["site_name"], publisher)
        # an original page often names no source: its publisher is the source it would have claimed
        source = article["source"] or (publisher if original else None)
        copy = CopyRecord(
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
        outcome, _ = self.store.add_copy(copy)
        self.stats.inc_value(f"store/{outcome}")
        return item
