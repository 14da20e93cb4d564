"""Scrapy settings for the aggregator project (``scrapy crawl news`` reads these through scrapy.cfg)."""

import os

BOT_NAME = "aggregator"
SPIDER_MODULES = ["aggregator.spiders"]
NEWSPIDER_MODULE = "aggregator.spiders"

# names the project so site owners know who crawls them; set AGGREGATOR_USER_AGENT (or --user-agent) to add
# your own contact address
USER_AGENT = os.environ.get("AGGREGATOR_USER_AGENT") or (
    "aggregator/0.1 (+https://github.com/aggregator/aggregator; news aggregation bot)"
)
ROBOTSTXT_OBEY = True

# politeness: portals are crawled for months, so be a good citizen by default
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 4
AUTOTHROTTLE_ENABLED = True
# outputs of one response handled at once: Scrapy starts that many asyncio tasks for every response (0.5 ms of
# the reactor thread per page at the default 100); a page yields at most one item, and its links are scheduled
# without waiting, so 8 lose nothing (pages are processed side by side, each with its own tasks)
CONCURRENT_ITEMS = 8
AUTOTHROTTLE_START_DELAY = 0.5
AUTOTHROTTLE_MAX_DELAY = 10.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 2.0
DOWNLOAD_TIMEOUT = 30
RETRY_TIMES = 2

# an oversized page is dropped with an error instead of exhausting memory
DOWNLOAD_MAXSIZE = 8 * 1024 * 1024
DOWNLOAD_WARNSIZE = 2 * 1024 * 1024

DEPTH_LIMIT = 8
DEPTH_PRIORITY = 1  # breadth-first, so front and list pages are seen before deep archives
SCHEDULER_DISK_QUEUE = "scrapy.squeues.PickleFifoDiskQueue"
# FIFO like Scrapy's, holding each waiting request as a tuple: the links of every source's front page wait at
# once, a third of the memory of Request objects (aggregator/queues.py, issue 18)
SCHEDULER_MEMORY_QUEUE = "aggregator.queues.CompactFifoMemoryQueue"

# incremental crawling (aggregator/incremental.py): known articles are not fetched again, list pages, feeds
# and sitemaps are fetched with If-None-Match / If-Modified-Since, pagination stops at known articles
AGGREGATOR_INCREMENTAL = True
AGGREGATOR_STOP_PAGINATION = True

# what a source may fetch (aggregator/scope.py): http(s) only, its own sites, bounded per run. The scope
# middlewares sit nearest the engine so they see every request: the spider's, the incremental middleware's
# replayed links, and redirects (which come back through the downloader middlewares)
SPIDER_MIDDLEWARES = {
    "aggregator.scope.ScopeSpiderMiddleware": 40,
    # one crawler serves many sources: the depth limit is each request's source's (DEPTH_LIMIT by default)
    "scrapy.spidermiddlewares.depth.DepthMiddleware": None,
    "aggregator.scope.SourceDepthMiddleware": 900,
    "aggregator.incremental.IncrementalSpiderMiddleware": 950,
}
DOWNLOADER_MIDDLEWARES = {
    "aggregator.scope.ScopeDownloaderMiddleware": 45,
    "aggregator.incremental.ConditionalRequestMiddleware": 585,
    # requests and responses per source, next to Scrapy's DownloaderStats (850): aggregator/counters.py
    "aggregator.counters.SourceCounters": 851,
}
# a portal can name any URL (a robots.txt "Sitemap: file:///etc/passwd"): only HTTP(S) can be fetched at all
DOWNLOAD_HANDLERS = {
    "file": None,
    "ftp": None,
    "data": None,
    "s3": None,
    # Scrapy's HTTP/1.1 handler with a bounded idle-connection lifetime (aggregator/http.py)
    "http": "aggregator.http.HTTPDownloadHandler",
    "https": "aggregator.http.HTTPDownloadHandler",
}
# seconds an idle keep-alive connection is kept for the next request to its host (Twisted: 240): longer than
# AUTOTHROTTLE_MAX_DELAY, so a site being crawled keeps its connections, and short enough that a run over many
# sites holds only the connections of the last half minute (issue 18)
AGGREGATOR_IDLE_CONNECTION_TIMEOUT = 30
# per source and run; 0 turns a bound off; a source's max_pages, max_time, max_entries and max_sitemaps in
# the sources file take precedence
AGGREGATOR_MAX_PAGES = 10_000  # pages requested (robots.txt aside)
AGGREGATOR_MAX_TIME = 3600  # seconds from the source's first request
AGGREGATOR_MAX_ENTRIES = 5_000  # URLs taken from one sitemap or feed
AGGREGATOR_MAX_SITEMAPS = 50  # sitemaps taken from one sitemap index (or robots.txt)

# every crawl holds its sources' locks, is recorded in the runs table, and can show live progress; the locks
# are taken first (on spider_opened, so before the runs are recorded): a source another process crawls is
# skipped and gets no runs row
EXTENSIONS = {
    "aggregator.extensions.SourceLock": 50,
    "aggregator.extensions.RunRecorder": 100,
    "aggregator.extensions.Progress": 200,
}
AGGREGATOR_SOURCE_LOCK = True
AGGREGATOR_TRIGGER = "scrapy"  # what started the run, as recorded: scrapy | crawl | run-due
AGGREGATOR_PROGRESS = False  # the CLI turns it on when stderr is a terminal

# extraction and fingerprinting run in a pool of this many worker processes (default: one per core), so
# both cores work while the reactor thread downloads, follows links and writes the database; 0 runs them
# in the crawl's own process (for debugging). A page whose extraction takes longer than
# AGGREGATOR_EXTRACT_TIMEOUT seconds, or kills its worker, is skipped and counted (extract/timeout,
# extract/worker_crashed); the pool recovers.
AGGREGATOR_WORKERS = None  # None: os.cpu_count()
AGGREGATOR_EXTRACT_TIMEOUT = 60
# niceness the workers and the store's writer add to theirs: on a busy machine (and a crawl keeps both cores
# busy) the crawl's own process, which downloads and hands them the work, gets a core first; what it handed
# over waits in bounded queues. One portal, quiet 2-core machine: 0.73-0.81x bare at 0, 0.83-0.90x at 5, no
# better at 3 or 10 (issue 18)
AGGREGATOR_WORKER_NICE = 5
# memory in flight (issue 18). Scrapy stops downloading while the responses whose output is still being
# processed hold more than SCRAPER_SLOT_MAX_ACTIVE_SIZE bytes of body; the workers extract slower than pages
# arrive, so that bound is always full, and each such response holds ≈ 10× its body (its decoded text, the
# item's copy, the lxml tree of its link extraction, CONCURRENT_ITEMS + 1 asyncio tasks): Scrapy's 5 MB kept
# ≈ 650 pages in flight; 2 MB keeps ≈ 220 of the bench's 9-10 KB pages, enough that the workers and the store's
# writer never wait for the next page (1 MB: 0.65x bare on one portal, 2 MB: 0.76x, 5 MB: 0.69x, one run each on
# a quiet machine; tree 298 / 315 / 367 MB PSS)
SCRAPER_SLOT_MAX_ACTIVE_SIZE = 2_000_000

ITEM_PIPELINES = {
    "pipelines.extract.ExtractPipeline": 100,
    "pipelines.dedupe.DedupePipeline": 200,
    "pipelines.store.StorePipeline": 300,
}

# where the store pipeline writes; the CLI sets it from --db / AGGREGATOR_DB
AGGREGATOR_DB = os.environ.get("AGGREGATOR_DB", "data/aggregator.db")

TELNETCONSOLE_ENABLED = False
LOG_LEVEL = "INFO"
FEED_EXPORT_ENCODING = "utf-8"
