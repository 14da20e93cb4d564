"""A worker: the news spider for one source of one run at a time, over the shared queue, its items onto the
stream."""

from __future__ import annotations

import base64
import json
import logging
import os
import pickle
import signal
import time

from scrapy import signals
from scrapy.exceptions import DontCloseSpider

from aggregator import counters
from aggregator.config import Source
from aggregator.distributed import keys as k
from aggregator.distributed.keys import (
    LOCK_TTL,
    PREFIX,
    RUNS,
    STREAM,
    RedisUnavailable,
    admitted_key,
    connect,
    lease_key,
    lock_key,
    queue_key,
    release_lock,
    requeue_all,
    requeue_expired,
    run_key,
    seen_key,
)
from aggregator.spiders.news import NewsSpider

logger = logging.getLogger(__name__)


class WorkerSpider(NewsSpider):
    """The news spider for one source of one run, on a worker: its requests come from the shared queue (the
    enqueuer put the start requests there), its items go to the stream, and it closes when the source's queue
    and leases are empty (the run is done), when it loses the source's lock, or on shutdown."""

    name = "news"

    def __init__(self, *args, source: Source, run_id: int, token: str = "", lock_ttl: float = LOCK_TTL, **kw):
        super().__init__(*args, targets=[source], **kw)
        self.source = self.targets[0]
        self.run_id = run_id
        self.token = token
        self.lock_ttl = lock_ttl
        self.run_done = False
        self.lock_lost = False

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(spider._opened, signal=signals.spider_opened)
        crawler.signals.connect(spider._idle, signal=signals.spider_idle)
        crawler.signals.connect(spider._session_closed, signal=signals.spider_closed)
        return spider

    def _opened(self, spider) -> None:
        from scrapy_redis.connection import get_redis_from_settings

        from aggregator.distributed.state import RedisBudgets

        # the budgets the scope middlewares check (aggregator/scope.py: budgets()) are the run's, in Redis
        server = get_redis_from_settings(self.crawler.settings)
        self.crawler._aggregator_budgets = RedisBudgets(self.crawler, server, self.run_id)

    def _session_closed(self, spider, reason) -> None:
        """This worker's share of the run: its figures to the run, its unfinished requests back to the queue,
        the source's lock released (unless lost: then none of it is this worker's any more but its figures)."""
        scheduler = getattr(self.crawler, "_aggregator_scheduler", None)
        if scheduler is None:
            return
        server, name = scheduler.server, self.source.name
        try:
            if not self.lock_lost and not self.run_done:
                requeue_all(server, name, self.token)
            session_report(server, self, self.crawler.stats.get_stats(), reason)
            if not self.lock_lost:
                release_lock(server, name, self.token)
        except Exception as exc:  # Redis gone: the lock expires, the leases with it, another worker resumes
            logger.error("could not report the end of %s's crawl to Redis: %s", name, exc)

    async def start(self):
        return
        yield  # the start requests are in the queue already

    def on_error(self, failure):
        try:
            return super().on_error(failure)
        finally:
            # an errback's output does not pass the spider middlewares: its lease is released here
            scheduler = self.crawler._aggregator_scheduler
            scheduler.settle(failure.request.meta.get("_lease"), done=True)

    def _idle(self, spider) -> None:
        scheduler = self.crawler._aggregator_scheduler
        server, name = scheduler.server, self.source.name
        if self.lock_lost:
            return  # let it close: another worker has the source
        # nothing runs any more (Scrapy calls this when the downloader, the scraper and the queue are all
        # empty): a lease still open is one whose request was dropped where no signal says so
        for member in list(scheduler.flights):
            scheduler.finish(member)
        if server.get(lock_key(name)) != self.token.encode():
            self.lock_lost = (
                True  # before the renewal noticed: the source is not this worker's to end or hand out
            )
            return
        requeue_expired(server, name, self.token)
        if server.zcard(queue_key(name)) or server.zcard(lease_key(name)):
            raise DontCloseSpider  # leases of a worker that died, not yet expired
        self.run_done = True


class StreamPipeline:
    """The last item pipeline on a worker: the item, as plain JSON, onto the stream for the writer."""

    def __init__(self, crawler):
        from scrapy_redis.connection import get_redis_from_settings

        self.crawler = crawler
        self.server = get_redis_from_settings(crawler.settings)
        # a test hook: before sending this many-th item, stall (as a paused VM or a long GC would) until another
        # worker has taken the source over
        self.stall_at = int(os.environ.get("AGGREGATOR_TEST_WORKER_STALL_AT") or 0)
        self.sent = 0

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_item(self, item):
        spider = self.crawler.spider
        self.sent += 1
        if self.sent == self.stall_at:
            _stall_until_taken_over(self.server, spider)
        fp = item.fingerprint
        full, head = fp.to_blobs()
        payload = {
            "type": "item",
            "run": spider.run_id,
            "token": spider.token,
            "url": item.url,
            "final_url": item.final_url,
            "portal": item.portal,
            "fetched_at": item.fetched_at,
            "source_name": item.source_name,
            "publisher": item.publisher,
            "article": item.article,
            "canonical_url": item.canonical_url,
            "fingerprint": [fp.body_hash, fp.size, _b64(full), _b64(head), fp.slots_json()],
            "etag": item.headers.get("ETag") or item.headers.get("Etag"),
            "last_modified": item.headers.get("Last-Modified"),
        }
        self.server.xadd(STREAM, {"data": json.dumps(payload, ensure_ascii=False)})
        return item


def _stall_until_taken_over(server, spider, limit: float = 60.0) -> None:
    deadline = time.monotonic() + limit
    while server.get(lock_key(spider.source.name)) in (spider.token.encode(), None):
        if time.monotonic() > deadline:
            return
        time.sleep(0.05)


def _b64(data: bytes | None) -> str | None:
    return None if data is None else base64.b64encode(data).decode("ascii")


# what a session of a worker reports: its share of the run's figures


def session_report(server, spider: WorkerSpider, stats: dict, reason: str) -> None:
    """Add this session's figures to the run's, and if the run is done, end it: the stream's ``end`` entry
    follows every item of the run (the writer finishes the runs row there), the run leaves ``agg:runs``, its
    dupefilter goes. One MULTI: a worker killed here either did all of it or none."""
    name = spider.source.name
    own = counters.by_source(stats, [name])[name]
    pipe = server.pipeline(transaction=True)
    for key, value in own.items():
        if key.startswith("scope/bound/"):
            pipe.hset(run_key(spider.run_id), f"stat:{key}", value)  # the bound itself, whoever hit it
        elif isinstance(value, int) and not isinstance(value, bool) and value:
            pipe.hincrby(run_key(spider.run_id), f"stat:{key}", value)
    failures = list(spider.failures.get(name, []))
    if failures:
        pipe.rpush(run_key(spider.run_id) + ":failures", *failures)
    if spider.run_done and reason == "finished":
        end = {"type": "end", "run": spider.run_id, "source": name, "token": spider.token}
        pipe.xadd(STREAM, {"data": json.dumps(end)})
        pipe.hdel(RUNS, name)
        pipe.delete(
            seen_key(name, spider.run_id), admitted_key(spider.run_id), queue_key(name), lease_key(name)
        )
    pipe.execute()


def worker_settings(redis_url: str, **overrides):
    from aggregator.crawl import make_settings

    settings = make_settings("", **overrides)
    settings.set("REDIS_URL", redis_url, priority="cmdline")
    settings.set("SCHEDULER", "aggregator.distributed.frontier.LeasedScheduler", priority="cmdline")
    settings.set("SCHEDULER_QUEUE_CLASS", "aggregator.distributed.frontier.LeasedQueue", priority="cmdline")
    settings.set("SCHEDULER_QUEUE_KEY", PREFIX + "q:%(spider)s", priority="cmdline")
    settings.set("DUPEFILTER_CLASS", "aggregator.distributed.frontier.RunDupeFilter", priority="cmdline")
    settings.set(
        "AGGREGATOR_STATE_FACTORY", "aggregator.distributed.state.RedisCrawlState", priority="cmdline"
    )
    pipelines = dict(settings.getdict("ITEM_PIPELINES"))
    pipelines.pop("pipelines.store.StorePipeline", None)
    pipelines["aggregator.distributed.worker.StreamPipeline"] = 300
    settings.set("ITEM_PIPELINES", pipelines, priority="cmdline")
    middlewares = dict(settings.getdict("SPIDER_MIDDLEWARES"))
    middlewares["aggregator.distributed.frontier.LeaseMiddleware"] = 10
    settings.set("SPIDER_MIDDLEWARES", middlewares, priority="cmdline")
    return settings


# a worker


class _Node:
    """The sessions of a worker process: one crawler per source it holds the lock of."""

    def __init__(self, server, runner, slots: int, lock_ttl: float):
        self.server, self.runner, self.slots, self.lock_ttl = server, runner, slots, lock_ttl
        self.sessions: dict = {}  # source name -> the Deferred of its crawl
        self.stopping = False

    def start(self, name: str, run_id: int, token: str) -> None:
        server = self.server
        raw = server.hget(k.run_key(run_id), "source")
        if raw is None:  # the run ended between our look and our lock
            k.release_lock(server, name, token)
            return
        # the leases of a worker that died holding this source: its lock expired, and their deadlines with it
        k.requeue_expired(server, name, token)
        crawler = self.runner.create_crawler(WorkerSpider)
        source = pickle.loads(raw)
        done = self.runner.crawl(crawler, source=source, run_id=run_id, token=token, lock_ttl=self.lock_ttl)
        done.addErrback(lambda f: logger.error("crawl of %s failed: %s", name, f.getErrorMessage()))
        done.addBoth(lambda _: self.sessions.pop(name, None))
        self.sessions[name] = done

    def take(self) -> None:
        """Take the lock of every source with a run going that no other worker crawls, up to the slots."""
        for raw_name, raw_id in self.server.hgetall(RUNS).items():
            name = raw_name.decode()
            if len(self.sessions) >= self.slots:
                return
            if name not in self.sessions:
                token = k.take_lock(self.server, name, int(raw_id), self.lock_ttl)
                if token:
                    self.start(name, int(raw_id), token)

    async def loop(self, until_idle: bool, poll: float) -> None:
        import asyncio

        from scrapy.utils.defer import deferred_to_future
        from twisted.internet import defer

        while not self.stopping:
            self.take()
            if until_idle and not self.sessions and not self.server.hlen(RUNS):
                break
            await asyncio.sleep(poll)
        if self.sessions:
            await deferred_to_future(defer.DeferredList(list(self.sessions.values())))


def run_worker(
    redis_url: str,
    until_idle: bool = False,
    slots: int = 1,
    lock_ttl: float = LOCK_TTL,
    poll: float = 0.5,
    log_level: str = "WARNING",
    **overrides,
) -> int:
    """Crawl the sources of the enqueued runs, up to ``slots`` sources at a time, each under its Redis lock;
    with ``until_idle``, return once no run is left. SIGTERM / Ctrl-C: the sources being crawled stop, their
    unfinished requests go back to the queue, their locks are released."""
    from scrapy.utils.reactor import install_reactor

    install_reactor("twisted.internet.asyncioreactor.AsyncioSelectorReactor")
    from scrapy.core.engine import ExecutionEngine
    from scrapy.crawler import CrawlerRunner
    from scrapy.utils.defer import deferred_from_coro
    from scrapy.utils.log import configure_logging
    from twisted.internet import reactor

    # a source whose queue is empty while another worker's leases are not yet expired (or still being worked
    # on) is looked at again on Scrapy's heartbeat, every 5 s by default: too slow for a takeover
    ExecutionEngine._SLOT_HEARTBEAT_INTERVAL = 1.0
    server = connect(redis_url)
    settings = worker_settings(redis_url, log_level=log_level, **overrides)
    configure_logging(settings)
    node = _Node(server, CrawlerRunner(settings), slots, lock_ttl)

    def stop(*_):
        if not node.stopping:
            node.stopping = True
            reactor.callFromThread(node.runner.stop)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    status = []

    def ended(result):
        if isinstance(result, Exception) or hasattr(result, "getErrorMessage"):
            message = result.getErrorMessage() if hasattr(result, "getErrorMessage") else str(result)
            logger.error("worker stopped: %s", message)
            status.append(message)
        reactor.stop()

    # an asyncio task (asyncio.sleep needs one), on the asyncio reactor Scrapy runs on
    reactor.callWhenRunning(lambda: deferred_from_coro(node.loop(until_idle, poll)).addBoth(ended))
    reactor.run(installSignalHandlers=False)
    if status:
        raise RedisUnavailable(status[0])
    return 0
