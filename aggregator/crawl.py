"""Running crawls in-process: one Scrapy crawler for all the sources of a run, feeding one database.

The crawler's spider serves every source (each request carries its Source); each source keeps its own lock,
counters, outcome and runs row, and ``run_crawl`` returns one CrawlResult per source.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from scrapy.crawler import Crawler, CrawlerProcess
from scrapy.settings import Settings

from aggregator import counters
from aggregator.config import Source
from aggregator.runs import outcome_of, stats_counts, store_errors
from aggregator.spiders.news import NewsSpider, run_sources


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
            "html_pages": self.stat("spider/html_pages"),
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


@dataclass
class Scheduled:
    """The one crawler of a run and the sources it serves."""

    crawler: Crawler
    sources: list[Source]


def schedule(runner, sources: list[Source]) -> Scheduled:
    """Adds one crawler for all the sources to a CrawlerProcess or CrawlerRunner."""
    crawler = runner.create_crawler(NewsSpider)
    d = runner.crawl(crawler, targets=list(sources))
    # a crawler that cannot start (a full disk) is every source's failure, not a traceback from Twisted:
    # results() reports it
    d.addErrback(_start_failed, crawler)
    return Scheduled(crawler, list(sources))


def _start_failed(failure, crawler: Crawler) -> None:
    crawler.aggregator_error = failure.getErrorMessage() or failure.type.__name__


def results(scheduled: Scheduled) -> list[CrawlResult]:
    """One result per source, in the order given, from the source's own counters (aggregator/counters.py)."""
    crawler = scheduled.crawler
    spider = getattr(crawler, "spider", None)
    targets = list(getattr(spider, "targets", None) or run_sources(scheduled.sources))
    collector = getattr(crawler, "_stats", None)  # not set when the crawler could not start
    stats = dict(collector.get_stats()) if collector else {}
    figures = counters.by_source(stats, [s.name for s in targets])
    error = getattr(crawler, "aggregator_error", None)
    outcomes = getattr(spider, "run_outcomes", {}) or {}
    out = []
    for src in targets:
        own = figures.get(src.name, {})
        failures = list(getattr(spider, "failures", {}).get(src.name, []))
        locked_out = getattr(spider, "locked_out", {}).get(src.name)
        lock_error = getattr(spider, "lock_errors", {}).get(src.name)
        if locked_out:
            outcome, reason = "skipped", locked_out
        elif lock_error:
            outcome, reason = "failed", lock_error
            failures.append(reason)
        elif src.name in outcomes:
            outcome, reason = outcomes[src.name]
        elif error:
            outcome, reason = "failed", f"the crawl could not run: {error}"
            failures.append(reason)
        else:
            outcome, reason = outcome_of(own, failures, len(src.start_urls))
        out.append(
            CrawlResult(
                source=src.name,
                stats=own,
                failures=failures,
                outcome=outcome,
                reason=reason,
                run_id=getattr(spider, "run_ids", {}).get(src.name),
            )
        )
    return out


def run_crawl(sources: list[Source], settings: Settings) -> list[CrawlResult]:
    """Crawl the sources in one crawler and block until it is done. Once per process (Twisted's rule)."""
    process = CrawlerProcess(settings)
    scheduled = schedule(process, sources)
    process.start()
    return results(scheduled)
