"""The writer: the one process that stores what the workers send, acknowledging each item after its commit."""

from __future__ import annotations

import base64
import json
import logging
import os
import pickle
import sqlite3
import time

from aggregator.dedup import canonical_url
from aggregator.distributed import keys as d
from aggregator.distributed.keys import RUNS, STREAM, connect

logger = logging.getLogger(__name__)


def unb64(text: str | None) -> bytes | None:
    return None if text is None else base64.b64decode(text)


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
        self.holders: dict[int, str] = {}  # run id -> the token of its source's current lock holder
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
        if data["type"] == "holder":
            self.holder(entry_id, data)
        elif data["type"] in ("item", "state", "end") and self.stale(data):
            self.refuse(entry_id, data)
        elif data["type"] == "item":
            self.add(entry_id, data)
        elif data["type"] == "state":
            self.apply(entry_id, data)
        elif data["type"] == "end":
            self.end(entry_id, data)
        else:
            self.server.xack(STREAM, d.GROUP, entry_id)

    # the source's lock holder, in stream order: what a worker adds after another took its source over is refused

    def holder(self, entry_id, data: dict) -> None:
        run = int(data["run"])
        self.holders[run] = data["token"]
        pipe = self.server.pipeline(transaction=True)
        if self.server.exists(d.run_key(run)):  # not for a run that ended while the lock was being taken
            pipe.hset(d.run_key(run), "holder", data["token"])
        pipe.xack(STREAM, d.GROUP, entry_id)
        pipe.execute()

    def stale(self, data: dict) -> bool:
        run = int(data["run"])
        if run not in self.holders:  # a restarted writer: the last holder it had acknowledged
            raw = self.server.hget(d.run_key(run), "holder")
            self.holders[run] = raw.decode() if raw else None
        current = self.holders[run]
        return bool(current and data.get("token") and data["token"] != current)

    def refuse(self, entry_id, data: dict) -> None:
        what = {
            "item": data.get("url"),
            "state": f"the crawl state of {data.get('url')}",
            "end": f"the end of run {data['run']}",
        }[data["type"]]
        logger.warning(
            "refused %s from %s: it no longer holds the lock of its source (run %s)",
            what,
            data.get("token"),
            data["run"],
        )
        counter = "stat:store/refused_stale" + ("" if data["type"] == "item" else "_" + data["type"])
        pipe = self.server.pipeline(transaction=True)
        pipe.hincrby(d.run_key(data["run"]), counter, 1)
        pipe.xack(STREAM, d.GROUP, entry_id)
        pipe.execute()

    def apply(self, entry_id, data: dict) -> None:
        """A worker's crawl state into the database, then into Redis's mirror of it (aggregator/distributed/state.py)."""
        from aggregator.distributed.state import apply_state
        from aggregator.incremental import ARTICLE

        pipe = self.server.pipeline(transaction=True)
        try:
            row = apply_state(self.state, data)
        except sqlite3.Error as exc:  # as in a local crawl: the page is fetched in full next time
            logger.error("could not save the crawl state of %s: %s", data["url"], exc)
            pipe.hincrby(d.run_key(data["run"]), "stat:store/state_error", 1)
        else:
            if row is not None:
                pipe.hset(d.PAGES, row["url"], json.dumps(row, ensure_ascii=False))
                if row["kind"] == ARTICLE:
                    pipe.hset(d.KNOWN, row["url"], row["checked_at"] or "")
        pipe.xack(STREAM, d.GROUP, entry_id)
        pipe.execute()

    def add(self, entry_id, data: dict) -> None:
        from itemadapter import ItemAdapter

        from aggregator.dedup import Fingerprint
        from pipelines.store import copy_record

        body_hash, size, full, head, slots = data["fingerprint"]
        data["fingerprint"] = Fingerprint.from_row(body_hash, size, unb64(full), unb64(head), slots)
        copy = copy_record(ItemAdapter(data))
        run = d.run_key(data["run"])
        pipe = self.server.pipeline(transaction=True)
        try:
            # its page_state rows come from the worker (a "mark" message after this one)
            outcome, _ = self.store.add_copy(copy)
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
            for url in {copy.url, canonical_url(data["url"])}:
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
