"""Crawling on several machines: scrapy-redis carries the frontier, a Redis stream carries the items, one writer
owns the SQLite database.

::

    aggregator crawl --redis URL --all      enqueue: a runs row per source (SQLite), its start requests (Redis)
    aggregator worker --redis URL           any number, any machine: fetch, extract, fingerprint -> stream
    aggregator writer --redis URL --db PATH the one process that stores copies (Store.add_copy), then acks

Redis keys (prefix ``agg:``; one run per source at a time):

- ``runs`` hash: source name -> run id, the runs being crawled; ``run:<id>`` hash: the pickled Source, the run's
  figures so far (``stat:<key>``), its start-URL failures (``failures``, JSON);
- ``q:<source>`` sorted set: the source's requests (scrapy-redis's PriorityQueue, pickled requests);
- ``lease:<source>`` sorted set: requests taken by a worker, scored by the deadline (ms, Redis's clock) by which
  the worker must have finished them or renewed the lease; an expired lease goes back to the queue, not
  through the dupefilter (its fingerprint is there already);
- ``seen:<source>:<run id>`` set: scrapy-redis's dupefilter, one per run, deleted when the run ends and set to
  expire anyway (the next run must fetch the list pages again);
- ``lock:<source>``: the worker crawling that source (a random token, expiring unless renewed): one worker per
  source, so Scrapy's per-host delays and AutoThrottle hold across machines;
- ``items`` stream, consumer group ``writer``: items (JSON) and the end of each worker's share of a run;
- ``known`` hash: canonical URL of every stored article -> when it was last seen; seeded from the database,
  kept current by the writer, read by the workers (a second run fetches no known article).

A request is acknowledged (its lease removed) only when everything it led to is safe: the requests it yielded
are in the queue and its items are on the stream. A worker killed at any moment leaves its leases behind; they
expire with its lock and the next worker to take the source puts them back in the queue. Items are
acknowledged on the stream only after the writer committed them, and ``Store.add_copy`` is idempotent on URL
and content, so a redelivered item changes nothing.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import pickle
import secrets
import time
from urllib.parse import urlsplit, urlunsplit

from scrapy import Request, signals
from scrapy.exceptions import DontCloseSpider
from scrapy_redis.dupefilter import RFPDupeFilter
from scrapy_redis.queue import PriorityQueue
from scrapy_redis.scheduler import Scheduler

from aggregator import counters
from aggregator.config import Source
from aggregator.dedup import canonical_url
from aggregator.incremental import ARTICLE, CrawlState
from aggregator.spiders.news import NewsSpider

logger = logging.getLogger(__name__)

PREFIX = "agg:"
STREAM = PREFIX + "items"
GROUP = "writer"
RUNS = PREFIX + "runs"
KNOWN = PREFIX + "known"
KNOWN_SEEDED = PREFIX + "known:seeded"
LOCK_TTL = 30.0  # seconds; the lease of a request lasts as long (both are renewed every third of it)
SEEN_TTL = 7 * 86400  # a per-run dupefilter outlives a run that is never finished by this long, no more


class RedisUnavailable(Exception):
    """Redis cannot be reached or refused us: the message says where and why, in one line."""


def queue_key(source: str) -> str:
    return f"{PREFIX}q:{source}"


def lease_key(source: str) -> str:
    return f"{PREFIX}lease:{source}"


def lock_key(source: str) -> str:
    return f"{PREFIX}lock:{source}"


def run_key(run_id) -> str:
    return f"{PREFIX}run:{run_id}"


def seen_key(source: str, run_id) -> str:
    return f"{PREFIX}seen:{source}:{run_id}"


def safe_url(url: str) -> str:
    """The Redis URL without its password, for messages."""
    parts = urlsplit(url)
    if parts.password:
        netloc = f"{parts.username or ''}:***@{parts.hostname}" + (f":{parts.port}" if parts.port else "")
        return urlunsplit(parts._replace(netloc=netloc))
    return url


def connect(url: str):
    """A client for ``url``, checked with a PING; RedisUnavailable in one line if it cannot be used."""
    import redis

    try:
        server = redis.Redis.from_url(
            url, socket_connect_timeout=5, socket_timeout=30, health_check_interval=15
        )
        server.ping()
    except ValueError as exc:
        raise RedisUnavailable(f"not a Redis URL: {safe_url(url)} ({exc})") from None
    except redis.RedisError as exc:
        raise RedisUnavailable(f"cannot reach Redis at {safe_url(url)}: {exc}") from None
    return server


# Lua scripts: each step that moves a request between the queue and the leases is one atomic script, with
# Redis's clock (machines' clocks differ; Redis's is the one all workers share).
_NOW_MS = "local t = redis.call('TIME') local now = t[1] * 1000 + math.floor(t[2] / 1000) "
# KEYS: queue, leases; ARGV: lease ms. The first request of the queue, moved to the leases.
_TAKE = (
    _NOW_MS
    + """
local m = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
if #m == 0 then return false end
redis.call('ZREM', KEYS[1], m[1])
redis.call('ZADD', KEYS[2], now + tonumber(ARGV[1]), m[1])
return m[1]
"""
)
# KEYS: leases, queue; ARGV: 'expired' or 'all'. Leases back to the queue (at the front: they were taken
# first), how many.
_REQUEUE = (
    _NOW_MS
    + """
local upto = now
if ARGV[1] == 'all' then upto = '+inf' end
local gone = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', upto)
for _, m in ipairs(gone) do
  redis.call('ZREM', KEYS[1], m)
  redis.call('ZADD', KEYS[2], -1000000, m)
end
return #gone
"""
)
# KEYS: lock, leases; ARGV: token, ms, members... Leases first, then the lock: the leases of a worker that stops
# renewing expire before its lock does, so whoever takes the source next finds them expired.
_RENEW = (
    _NOW_MS
    + """
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
for i = 3, #ARGV do redis.call('ZADD', KEYS[2], 'XX', now + tonumber(ARGV[2]), ARGV[i]) end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1
"""
)
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


def take_lock(server, source: str, ttl: float = LOCK_TTL) -> str | None:
    token = secrets.token_hex(16)
    return token if server.set(lock_key(source), token, nx=True, px=int(ttl * 1000)) else None


def release_lock(server, source: str, token: str) -> None:
    server.eval(_RELEASE, 1, lock_key(source), token)


def requeue_expired(server, source: str) -> int:
    return int(server.eval(_REQUEUE, 2, lease_key(source), queue_key(source), "expired"))


def requeue_all(server, source: str) -> int:
    """Every lease back to the queue, for the holder of the source's lock that stops before the end (its own
    requests in flight are not done; any other lease is a dead worker's)."""
    return int(server.eval(_REQUEUE, 2, lease_key(source), queue_key(source), "all"))


# scrapy-redis, subclassed


class LeasedQueue(PriorityQueue):
    """scrapy-redis's priority queue whose pop is a lease: the request moves to ``lease:<source>`` with a
    deadline instead of vanishing, and is removed from there only when acknowledged."""

    def __init__(self, server, spider, key, serializer=None):
        super().__init__(server, spider, key, serializer)
        # one queue per source (scrapy-redis's key is per spider: every source of every run in one queue)
        self.key = queue_key(spider.source.name)
        self.source = spider.source.name
        self.lease_key = lease_key(self.source)
        self.lease_ms = int(spider.lock_ttl * 1000)

    def pop(self, timeout=0):
        member = self.server.eval(_TAKE, 2, self.key, self.lease_key, self.lease_ms)
        if not member:
            return None
        request = self._decode_request(member)
        request.meta["_lease"] = member
        return request

    def ack(self, member: bytes) -> None:
        self.server.zrem(self.lease_key, member)


class RunDupeFilter(RFPDupeFilter):
    """scrapy-redis's dupefilter with one key per run of a source, expiring, so that the next run fetches the
    list pages again (scrapy-redis's own key is per spider and kept forever)."""

    @classmethod
    def from_spider(cls, spider):
        from scrapy_redis.connection import get_redis_from_settings

        return cls(get_redis_from_settings(spider.settings), key=seen_key(spider.source.name, spider.run_id))

    def request_seen(self, request):
        pipe = self.server.pipeline()
        pipe.sadd(self.key, self.request_fingerprint(request))
        pipe.expire(self.key, SEEN_TTL)
        added, _ = pipe.execute()
        return added == 0


class _Flight:
    """A leased request being worked on: acknowledged when its output is done and nothing it led to waits."""

    __slots__ = ("pending", "done")

    def __init__(self):
        self.pending = 0
        self.done = False


class LeasedScheduler(Scheduler):
    """scrapy-redis's scheduler over `LeasedQueue` and `RunDupeFilter`, never flushing the shared queue (its
    ``SCHEDULER_PERSIST = False`` empties it when any worker closes), acknowledging each lease when the
    request's work is safe.

    What is safe: a request's response went through the spider and its output (requests and items) is done
    (`LeaseMiddleware` says when), each request it yielded is in the queue or was refused by the dupefilter
    (counted here), each item it yielded is on the stream (the item signals). A retry or a redirect is the same
    work continued: the new request carries the old lease, which is acknowledged once the new one is queued.
    """

    def __init__(self, server, **kwargs):
        kwargs["persist"] = True
        super().__init__(server, **kwargs)
        self.flights: dict[bytes, _Flight] = {}

    @classmethod
    def from_crawler(cls, crawler):
        scheduler = super().from_crawler(crawler)
        scheduler.crawler = crawler
        crawler._aggregator_scheduler = scheduler
        for signal in (signals.item_scraped, signals.item_dropped, signals.item_error):
            crawler.signals.connect(scheduler._item_done, signal=signal)
        return scheduler

    def open(self, spider):
        super().open(spider)
        from twisted.internet.task import LoopingCall

        self._renewal = LoopingCall(self.renew)
        self._renewal.start(spider.lock_ttl / 3, now=False)

    def close(self, reason):
        if getattr(self, "_renewal", None) is not None and self._renewal.running:
            self._renewal.stop()
        return super().close(reason)

    def renew(self) -> None:
        """Renew the source's lock and the leases of the requests in flight, or stop if the lock is lost (this
        worker stalled longer than the lock lasts: another worker may have the source by now)."""
        spider = self.spider
        try:
            held = self.server.eval(
                _RENEW,
                2,
                lock_key(spider.source.name),
                self.queue.lease_key,
                spider.token,
                self.queue.lease_ms,
                *self.flights,
            )
        except Exception as exc:  # Redis gone for a moment: the next renewal tries again, the lock lasts
            logger.warning("could not renew the lock of %s: %s", spider.source.name, exc)
            return
        if not held and not spider.lock_lost:
            spider.lock_lost = True
            logger.error("lost the lock of source %s: stopping its crawl here", spider.source.name)
            from scrapy.utils.defer import deferred_from_coro

            deferred_from_coro(self.crawler.engine.close_spider_async(reason="lock_lost"))

    def enqueue_request(self, request):
        parent = request.meta.pop("_parent", None)
        continued = request.meta.pop("_lease", None)
        try:
            return super().enqueue_request(request)
        finally:
            if continued is not None:
                self.finish(continued)
            if parent is not None:
                self.settle(parent, -1)

    def next_request(self):
        request = super().next_request()
        if request is not None:
            self.flights[request.meta["_lease"]] = _Flight()
        return request

    def has_pending_requests(self):
        return len(self) > 0

    # the lease book

    def settle(self, member: bytes | None, delta: int = 0, done: bool = False) -> None:
        flight = self.flights.get(member) if member else None
        if flight is None:
            return
        flight.pending += delta
        flight.done = flight.done or done
        if flight.done and flight.pending <= 0:
            self.finish(member)

    def finish(self, member: bytes) -> None:
        self.flights.pop(member, None)
        self.queue.ack(member)

    def _item_done(self, item=None, response=None, **kwargs) -> None:
        request = getattr(response, "request", None)
        if request is not None:
            self.settle(request.meta.get("_lease"), -1)


class LeaseMiddleware:
    """The spider middleware nearest the engine: it sees the final output of every response. Each request
    yielded is tagged with its parent's lease, each item counted; when the output ends (or raises), the lease
    is released as soon as what it yielded is safe (`LeasedScheduler.settle`)."""

    def __init__(self, crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    async def process_spider_output(self, response, result):
        scheduler = self.crawler._aggregator_scheduler
        member = response.request.meta.get("_lease") if response.request is not None else None
        try:
            async for out in result:
                if member is not None:
                    if isinstance(out, Request):
                        out.meta["_parent"] = member
                    scheduler.settle(member, +1)
                yield out
        finally:
            scheduler.settle(member, done=True)


class RedisCrawlState(CrawlState):
    """The incremental state a worker can have without the database: the known articles (``agg:known``,
    seeded from the database and kept current by the writer), so a known article is not fetched again (nor
    after its source's revisit window). Not here: the validators and links of list pages (every list page is
    fetched in full, pagination is always followed)."""

    def __init__(self, crawler):
        from scrapy_redis.connection import get_redis_from_settings

        self.server = get_redis_from_settings(crawler.settings)
        self.incremental = crawler.settings.getbool("AGGREGATOR_INCREMENTAL", True)
        self.stop_pagination = False

    def close(self) -> None:
        pass

    def page(self, url):
        return None

    def article_seen(self, url):
        if not self.incremental:
            return None
        seen = self.server.hget(KNOWN, canonical_url(url))
        return seen.decode() if seen is not None else None

    def stored_links(self, url):
        return []

    def conditional_headers(self, url, revisit_s):
        return {}

    def record_fetch(self, *args, **kwargs) -> None:
        pass

    def mark(self, *args, **kwargs) -> None:
        pass

    def checked(self, url) -> None:
        pass


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
        crawler.signals.connect(spider._idle, signal=signals.spider_idle)
        crawler.signals.connect(spider._session_closed, signal=signals.spider_closed)
        return spider

    def _session_closed(self, spider, reason) -> None:
        """This worker's share of the run: its figures to the run, its unfinished requests back to the queue,
        the source's lock released (unless lost: then none of it is this worker's any more but its figures)."""
        scheduler = getattr(self.crawler, "_aggregator_scheduler", None)
        if scheduler is None:
            return
        server, name = scheduler.server, self.source.name
        try:
            if not self.lock_lost and not self.run_done:
                requeue_all(server, name)
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
        requeue_expired(server, name)
        if server.zcard(queue_key(name)) or server.zcard(lease_key(name)):
            raise DontCloseSpider  # leases of a worker that died, not yet expired
        self.run_done = True


def request_bytes(spider: WorkerSpider, request: Request) -> bytes:
    """A request as the queue stores it (scrapy-redis's encoding), for the enqueuer."""
    from scrapy_redis import picklecompat

    return picklecompat.dumps(request.to_dict(spider=spider))


class StreamPipeline:
    """The last item pipeline on a worker: the item, as plain JSON, onto the stream for the writer."""

    def __init__(self, crawler):
        from scrapy_redis.connection import get_redis_from_settings

        self.crawler = crawler
        self.server = get_redis_from_settings(crawler.settings)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_item(self, item):
        spider = self.crawler.spider
        fp = item.fingerprint
        full, head = fp.to_blobs()
        payload = {
            "type": "item",
            "run": spider.run_id,
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


def _b64(data: bytes | None) -> str | None:
    return None if data is None else base64.b64encode(data).decode("ascii")


def unb64(text: str | None) -> bytes | None:
    return None if text is None else base64.b64decode(text)


# what a session of a worker reports: its share of the run's figures


def session_report(server, spider: WorkerSpider, stats: dict, reason: str) -> None:
    """Add this session's figures to the run's, and if the run is done, end it: the stream's ``end`` entry
    follows every item of the run (the writer finishes the runs row there), the run leaves ``agg:runs``, its
    dupefilter goes. One MULTI: a worker killed here either did all of it or none."""
    name = spider.source.name
    own = counters.by_source(stats, [name])[name]
    pipe = server.pipeline(transaction=True)
    for key, value in own.items():
        if isinstance(value, int) and not isinstance(value, bool) and value:
            pipe.hincrby(run_key(spider.run_id), f"stat:{key}", value)
    failures = list(spider.failures.get(name, []))
    if failures:
        pipe.rpush(run_key(spider.run_id) + ":failures", *failures)
    if spider.run_done and reason == "finished":
        pipe.xadd(STREAM, {"data": json.dumps({"type": "end", "run": spider.run_id, "source": name})})
        pipe.hdel(RUNS, name)
        pipe.delete(seen_key(name, spider.run_id), queue_key(name), lease_key(name))
    pipe.execute()


# the enqueuer


def enqueue(server, sources: list[Source], db: str, trigger: str) -> tuple[list, list]:
    """A run per source: its runs row (running, in the database), its Source and start requests (Redis).
    Returns (enqueued [(source name, run id)], skipped [(source name, run id of the run still going)])."""
    from aggregator import runs

    seed_known(server, db)
    active = {k.decode(): int(v) for k, v in server.hgetall(RUNS).items()}
    todo = [s for s in sources if s.name not in active]
    skipped = [(s.name, active[s.name]) for s in sources if s.name in active]
    if not todo:
        return [], skipped
    ids = runs.start_runs(db, [s.name for s in todo], trigger, on_redis=True)
    done = []
    for src in todo:
        spider = WorkerSpider(source=src, run_id=ids[src.name])
        requests = _start_requests(spider)
        pipe = server.pipeline(transaction=True)
        pipe.hset(
            run_key(ids[src.name]), mapping={"source": pickle.dumps(spider.source), "started": time.time()}
        )
        for request in requests:
            pipe.zadd(queue_key(spider.source.name), {request_bytes(spider, request): -request.priority})
        pipe.hset(RUNS, spider.source.name, ids[src.name])
        pipe.execute()
        done.append((spider.source.name, ids[src.name]))
    return done, skipped


def _start_requests(spider: WorkerSpider) -> list[Request]:
    """The requests NewsSpider.start yields for the source (start URLs, robots.txt for its sitemaps)."""
    import asyncio

    async def collect():
        return [r async for r in NewsSpider.start(spider)]

    return asyncio.run(collect())


def seed_known(server, db: str, force: bool = False) -> int:
    """Every stored article's canonical URL and when it was last seen, into ``agg:known`` (once: afterwards
    the writer adds what it stores)."""
    from aggregator.store import Store

    if not force and server.exists(KNOWN_SEEDED):
        return 0
    n = 0
    with Store(db) as store:
        rows = store.db.conn.execute(
            "SELECT url, coalesce(last_seen, fetched_at) FROM copies "
            "UNION ALL SELECT url, checked_at FROM page_state WHERE kind = ?",
            (ARTICLE,),
        )
        while batch := rows.fetchmany(5000):
            server.hset(KNOWN, mapping={url: seen or "" for url, seen in batch})
            n += len(batch)
    server.set(KNOWN_SEEDED, str(int(time.time())))
    return n


def worker_settings(redis_url: str, **overrides):
    from aggregator.crawl import make_settings

    settings = make_settings("", **overrides)
    settings.set("REDIS_URL", redis_url, priority="cmdline")
    settings.set("SCHEDULER", "aggregator.distributed.LeasedScheduler", priority="cmdline")
    settings.set("SCHEDULER_QUEUE_CLASS", "aggregator.distributed.LeasedQueue", priority="cmdline")
    settings.set("SCHEDULER_QUEUE_KEY", PREFIX + "q:%(spider)s", priority="cmdline")
    settings.set("DUPEFILTER_CLASS", "aggregator.distributed.RunDupeFilter", priority="cmdline")
    settings.set("AGGREGATOR_STATE_FACTORY", "aggregator.distributed.RedisCrawlState", priority="cmdline")
    pipelines = dict(settings.getdict("ITEM_PIPELINES"))
    pipelines.pop("pipelines.store.StorePipeline", None)
    pipelines["aggregator.distributed.StreamPipeline"] = 300
    settings.set("ITEM_PIPELINES", pipelines, priority="cmdline")
    middlewares = dict(settings.getdict("SPIDER_MIDDLEWARES"))
    middlewares["aggregator.distributed.LeaseMiddleware"] = 10
    settings.set("SPIDER_MIDDLEWARES", middlewares, priority="cmdline")
    return settings


def pid_tag() -> str:
    return f"{os.uname().nodename}:{os.getpid()}"
