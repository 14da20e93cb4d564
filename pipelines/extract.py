"""Turns a fetched page into article fields; drops pages that are not articles."""

from __future__ import annotations

from datetime import datetime

from itemadapter import ItemAdapter
from scrapy.exceptions import DropItem

from aggregator.extract import Selectors, extract


class ExtractPipeline:
    def __init__(self, stats):
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.stats)

    def process_item(self, item):
        adapter = ItemAdapter(item)
        url = adapter["final_url"]
        try:
            article = extract(
                adapter["html"],
                url,
                fetched_at=datetime.fromisoformat(adapter["fetched_at"])
                if adapter.get("fetched_at")
                else None,
                selectors=Selectors(**(adapter.get("selectors") or {})),
            )
        except Exception as exc:  # one unparseable page must not end a crawl of thousands
            self.stats.inc_value("extract/error")
            raise DropItem(
                f"extraction failed on {url}: {type(exc).__name__}: {exc}", log_level="ERROR"
            ) from exc
        if not article.is_article:
            self.stats.inc_value("extract/not_article")
            raise DropItem(f"not an article: {url}", log_level="DEBUG")
        self.stats.inc_value("extract/article")
        adapter["article"] = article.to_dict()
        return item
