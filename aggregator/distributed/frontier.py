"""scrapy-redis, subclassed: a queue whose pop is a lease, a dupefilter per run, a scheduler that acknowledges
each lease when the work it led to is safe."""

from __future__ import annotations

import logging

from scrapy import Request, signals
from scrapy_redis.dupefilter import RFPDupeFilter
from scrapy_redis.queue import PriorityQueue
from scrapy_redis.scheduler import Scheduler

from aggregator.distributed.keys import ACK, RENEW, SEEN_TTL, TAKE, lease_key, lock_key, queue_key, seen_key

logger = logging.getLogger(__name__)


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
        self.lock_key, self.token = lock_key(self.source), spider.token

    def pop(self, timeout=0):
        member = self.server.eval(TAKE, 3, self.key, self.lease_key, self.lock_key, self.lease_ms, self.token)
        if not member:
            return None
        request = self._decode_request(member)
        request.meta["_lease"] = member
        return request

    def ack(self, member: bytes) -> None:
        self.server.eval(ACK, 2, self.lock_key, self.lease_key, self.token, member)


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
        self._renewal.start(spider.lock_ttl / 3, now=True)  # down from the lock's startup grace

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
                RENEW,
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
