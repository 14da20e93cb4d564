"""The two long-running processes of a crawl on several machines (aggregator/distributed.py): workers and the
writer."""

from __future__ import annotations

import json
import logging
import os
import pickle
import signal
import sqlite3
import time

from aggregator import distributed as d
from aggregator.distributed import RUNS, STREAM, RedisUnavailable, connect

logger = logging.getLogger(__name__)


# a worker


def run_worker(
    redis_url: str,
    until_idle: bool = False,
    slots: int = 1,
    lock_ttl: float = d.LOCK_TTL,
    poll: float = 0.5,
    log_level: str = "WARNING",
    **overrides,
) -> int:
    """Crawl the sources of the enqueued runs, up to ``slots`` sources at a time, each under its Redis lock;
    with ``until_idle``, return once no run is left. SIGTERM / Ctrl-C: the sources being crawled stop, their
    unfinished requests go back to the queue, their locks are released."""
    from scrapy.utils.reactor import install_reactor

    install_reactor("twisted.internet.asyncioreactor.AsyncioSelectorReactor")
    import asyncio

    from scrapy.crawler import CrawlerRunner
    from scrapy.utils.defer import deferred_from_coro, deferred_to_future
    from scrapy.utils.log import configure_logging
    from twisted.internet import defer, reactor

    server = connect(redis_url)
    settings = d.worker_settings(redis_url, log_level=log_level, **overrides)
    configure_logging(settings)
    runner = CrawlerRunner(settings)
    sessions: dict[str, defer.Deferred] = {}
    stopping = []

    def stop(*_):
        if not stopping:
            stopping.append(True)
            reactor.callFromThread(runner.stop)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)

    def start(name: str, run_id: int, token: str) -> None:
        raw = server.hget(d.run_key(run_id), "source")
        if raw is None:  # the run ended between our look and our lock
            d.release_lock(server, name, token)
            return
        # the leases of a worker that died holding this source: its lock expired, and their deadlines with it
        d.requeue_expired(server, name)
        source = pickle.loads(raw)
        crawler = runner.create_crawler(d.WorkerSpider)
        done = runner.crawl(crawler, source=source, run_id=run_id, token=token, lock_ttl=lock_ttl)
        done.addErrback(lambda f: logger.error("crawl of %s failed: %s", name, f.getErrorMessage()))
        done.addBoth(lambda _: sessions.pop(name, None))
        sessions[name] = done

    async def loop() -> None:
        while not stopping:
            if len(sessions) < slots:
                for raw_name, raw_id in server.hgetall(RUNS).items():
                    name = raw_name.decode()
                    if name in sessions or len(sessions) >= slots:
                        continue
                    token = d.take_lock(server, name, lock_ttl)
                    if token:
                        start(name, int(raw_id), token)
            if until_idle and not sessions and not server.hlen(RUNS):
                break
            await asyncio.sleep(poll)
        if sessions:
            await deferred_to_future(defer.DeferredList(list(sessions.values())))

    status = []

    def ended(result):
        if isinstance(result, Exception) or hasattr(result, "getErrorMessage"):
            message = result.getErrorMessage() if hasattr(result, "getErrorMessage") else str(result)
            logger.error("worker stopped: %s", message)
            status.append(message)
        reactor.stop()

    # an asyncio task (asyncio.sleep needs one), on the asyncio reactor Scrapy runs on
    reactor.callWhenRunning(lambda: deferred_from_coro(loop()).addBoth(ended))
    reactor.run(installSignalHandlers=False)
    if status:
        raise RedisUnavailable(status[0])
    return 0


# the writer


class Writer:
    """Reads the stream as the consumer group's one consumer; stores each item with ``Store.add_copy`` and
    acknowledges it only after the commit. A writer restarted after a kill first reads back the entries it
    had been given and not acknowledged: a copy stored but not acknowledged comes again and is unchanged."""

    consumer = "writer"

    def __init__(self, server, db: str, batch: int = 100):
        from aggregator.incremental import CrawlState
        from aggregator.store import Store

        self.server, self.db, self.batch = server, db, batch
        self.store = Store(db)
        self.state = CrawlState(db)
        self.stored = 0
        # a test hook: exit (as a kill would) after this many commits, before their acknowledgement
        self.die_after = int(os.environ.get("AGGREGATOR_TEST_WRITER_EXIT_AFTER") or 0)
        try:
            server.xgroup_create(STREAM, d.GROUP, id="0", mkstream=True)
        except Exception as exc:
            if "BUSYGROUP" not in str(exc):
                raise

    def close(self) -> None:
        self.state.close()
        self.store.close()

    def run(self, until_idle: bool = False, block_ms: int = 1000) -> None:
        backlog = True  # first our own unacknowledged entries, then new ones
        while True:
            got = self.server.xreadgroup(
                d.GROUP,
                self.consumer,
                {STREAM: "0" if backlog else ">"},
                count=self.batch,
                block=None if backlog else block_ms,
            )
            entries = got[0][1] if got else []
            if backlog and not entries:
                backlog = False
                continue
            for entry_id, fields in entries:
                self.handle(entry_id, fields)
            if not entries and until_idle and not self.server.hlen(RUNS):
                return

    def handle(self, entry_id, fields) -> None:
        if not fields:  # an entry deleted from the stream while pending
            self.server.xack(STREAM, d.GROUP, entry_id)
            return
        data = json.loads(fields[b"data"])
        if data["type"] == "item":
            self.add(entry_id, data)
        elif data["type"] == "end":
            self.end(entry_id, data)
        else:
            self.server.xack(STREAM, d.GROUP, entry_id)

    def add(self, entry_id, data: dict) -> None:
        from itemadapter import ItemAdapter

        from aggregator.dedup import Fingerprint
        from aggregator.incremental import ARTICLE
        from pipelines.store import copy_record

        body_hash, size, full, head, slots = data["fingerprint"]
        data["fingerprint"] = Fingerprint.from_row(body_hash, size, d.unb64(full), d.unb64(head), slots)
        copy = copy_record(ItemAdapter(data))
        run = d.run_key(data["run"])
        pipe = self.server.pipeline(transaction=True)
        try:
            outcome, _ = self.store.add_copy(copy)
            headers = {"ETag": data.get("etag"), "Last-Modified": data.get("last_modified")}
            for url in {data["url"], data["final_url"]}:
                self.state.mark(url, ARTICLE, copy.source_name, {k: v for k, v in headers.items() if v})
        except sqlite3.Error as exc:
            # as in a local crawl: the article is lost, counted, and the run says so
            logger.error("could not store %s: %s", copy.final_url, exc)
            pipe.hincrby(run, "stat:store/error", 1)
            pipe.hset(run, "last_error", str(exc))
        else:
            self.stored += 1
            if self.die_after and self.stored >= self.die_after:
                os._exit(137)
            pipe.hincrby(run, f"stat:store/{outcome}", 1)
            for url in {copy.url, d.canonical_url(data["url"])}:
                pipe.hset(d.KNOWN, url, copy.fetched_at)
        pipe.xack(STREAM, d.GROUP, entry_id)
        pipe.execute()

    def end(self, entry_id, data: dict) -> None:
        """Every item of the run is stored (they precede this entry on the stream): finish its runs row."""
        from aggregator import runs

        key = d.run_key(data["run"])
        raw = self.server.hgetall(key)
        stats = {k.decode()[5:]: int(v) for k, v in raw.items() if k.startswith(b"stat:")}
        stats["finish_reason"] = "finished"
        if b"last_error" in raw:
            stats["store/last_error"] = raw[b"last_error"].decode()
        failures = [f.decode() for f in self.server.lrange(key + ":failures", 0, -1)]
        source = pickle.loads(raw[b"source"]) if b"source" in raw else None
        outcome, reason = runs.outcome_of(stats, failures, len(getattr(source, "start_urls", [])) or 1)
        started = float(raw.get(b"started", time.time()))
        runs.finish_runs(
            self.db,
            [
                {
                    "run_id": int(data["run"]),
                    "outcome": outcome,
                    "reason": reason,
                    "counts": runs.stats_counts(stats),
                    "duration": time.time() - started,
                    "idle": 0,
                }
            ],
        )
        pipe = self.server.pipeline(transaction=True)
        pipe.xack(STREAM, d.GROUP, entry_id)
        pipe.expire(key, 86400)  # kept a day, for whoever looks
        pipe.expire(key + ":failures", 86400)
        pipe.execute()


def run_writer(redis_url: str, db: str, until_idle: bool = False) -> int:
    server = connect(redis_url)
    writer = Writer(server, db)
    try:
        writer.run(until_idle=until_idle)
    except KeyboardInterrupt:
        pass
    finally:
        writer.close()
    return 0
