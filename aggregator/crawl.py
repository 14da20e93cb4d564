"""Running crawls in-process: one Scrapy crawler per source, all feeding one database."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from scrapy.crawler import Crawler, CrawlerProcess
from scrapy.settings import Settings

from aggregator.config import Source
from aggregator.runs import outcome_of, stats_counts, store_errors
from aggregator.spiders.news import NewsSpider


@dataclass
class CrawlResult:
    source: str
    stats: dict = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)
    outcome: str = "ok"  # ok | partial | failed | interrupted | skipped (another process crawls the source)
    reason: str | None = None
    run_id: int | None = None  # its row in the runs table

    def stat(self, key: str) -> int:
        return int(self.stats.get(key, 0) or 0)

    @property
    def summary(self) -> dict:
        return {
            "source": self.source,
            "requests": self.stat("downloader/request_count"),
            "pages": self.stat("spider/html_pages"),
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


def schedule(runner, sources: list[Source]) -> list[tuple[Source, Crawler]]:
    """Adds one crawler per source to a CrawlerProcess or CrawlerRunner."""
    crawlers = []
    for src in sources:
        crawler = runner.create_crawler(NewsSpider)
        d = runner.crawl(crawler, targets=[src])
        # a crawler that cannot start (its lock file refused, a full disk) is this source's failure, not a
        # traceback from Twisted: results() reports it
        d.addErrback(_start_failed, crawler)
        crawlers.append((src, crawler))
    return crawlers


def _start_failed(failure, crawler: Crawler) -> None:
    crawler.aggregator_error = failure.getErrorMessage() or failure.type.__name__


def results(crawlers: list[tuple[Source, Crawler]]) -> list[CrawlResult]:
    out = []
    for src, crawler in crawlers:
        spider = getattr(crawler, "spider", None)
        collector = getattr(crawler, "_stats", None)  # not set when the crawler could not start
        stats = dict(collector.get_stats()) if collector else {}
        failures = list(getattr(spider, "failures", []))
        error = getattr(crawler, "aggregator_error", None)
        if error and not getattr(spider, "run_outcome", None):
            outcome, reason = "failed", f"the crawl could not run: {error}"
            failures.append(reason)
        elif getattr(spider, "locked_out", None):
            outcome, reason = "skipped", spider.locked_out
        elif getattr(spider, "run_outcome", None):
            outcome, reason = spider.run_outcome
        else:
            outcome, reason = outcome_of(stats, failures, len(src.start_urls))
        out.append(
            CrawlResult(
                source=getattr(spider, "run_name", src.name),
                stats=stats,
                failures=failures,
                outcome=outcome,
                reason=reason,
                run_id=getattr(spider, "run_id", None),
            )
        )
    return out


def run_crawl(sources: list[Source], settings: Settings) -> list[CrawlResult]:
    """Crawl the sources concurrently and block until all are done. Once per process (Twisted's rule)."""
    process = CrawlerProcess(settings)
    crawlers = schedule(process, sources)
    process.start()
    return results(crawlers)
