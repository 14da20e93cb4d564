"""The store's one writer, in a process of its own, so that a crawl's reactor thread does not write.

Storing a copy (matching it against its candidates, updating its story's aggregates, the search index, the
commit) is about a fifth of what a crawl's own process does per article. ``StoreWriter`` hands it to one
process, forked like the extraction workers (aggregator/workers.py: a pipe read by the reactor, the jobs in
order, a dead process replaced), which owns the database connection and runs ``Store.add_copy`` for each
``CopyRecord`` it reads, answering ``(outcome, story_id)`` or ``("error", message)`` once it is committed.
There is still one writer per crawl, so stories are decided in the order the crawl hands copies over. What
the crawl does after a copy is stored (remembering the page as a known article) waits for that answer, so a
crash of either process never leaves a page remembered and its copy lost.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import sqlite3
from typing import NamedTuple

from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet.defer import Deferred

from aggregator.store import CopyRecord, Store, StoreError
from aggregator.workers import ExtractionPool

logger = logging.getLogger(__name__)

ERROR = "error"
# jobs in the writer's pipe (a copy pickles to ≈ 7 KB: 8 stay well within the socket's buffer, so a send never
# waits), enough work that it does not wait for the reactor between jobs
IN_FLIGHT = 8


class Statements(NamedTuple):
    """Writes of the crawl's own state (aggregator/incremental.py: page_state) made in one turn of the crawl's
    reactor, run by the writer in its turn, so that the crawl's process never waits for the database's write
    lock. One job for them all: one statement per job left the writer waiting for the reactor after each."""

    items: tuple[tuple[str, dict | tuple], ...]


class _Writer:
    """The writer process's side: the store, opened when first needed and again after it could not be (a
    database locked by another process longer than the timeout is an error of the copies that arrive meanwhile,
    not the end of the writer). Statements that arrive one after the other share a transaction (a commit each
    cost more than the statement); it is committed before a copy is stored and before the writer waits for more
    work, so nothing stays uncommitted while the writer is idle."""

    def __init__(self, db: str, timeout: float, crash_on: str | None):
        self.db, self.timeout, self.crash_on = db, timeout, crash_on
        self.store: Store | None = None
        self.open = False  # a transaction of statements

    def answer(self, job):
        if self.store is None:
            try:
                self.store = Store(self.db, timeout=self.timeout, background_checkpoint=True)
            except StoreError as exc:
                return (ERROR, str(exc))
        if isinstance(job, Statements):
            return self._execute(job)
        self.commit()
        if self.crash_on and self.crash_on in job.body:
            os._exit(70)
        try:
            return self.store.add_copy(job)
        except (sqlite3.Error, StoreError, ValueError) as exc:
            return (ERROR, str(exc))

    def _execute(self, statements: Statements):
        """None, or (ERROR, the last error, how many failed)."""
        conn = self.store.db.conn
        try:
            if not self.open:
                conn.execute("BEGIN IMMEDIATE")
                self.open = True
        except sqlite3.Error as exc:
            return (ERROR, str(exc), len(statements.items))
        errors = []
        for sql, params in statements.items:
            try:
                conn.execute(sql, params)
            except sqlite3.Error as exc:
                errors.append(str(exc))
        return (ERROR, errors[-1], len(errors)) if errors else None

    def commit(self) -> None:
        if not self.open:
            return
        self.open = False
        try:
            self.store.db.conn.execute("COMMIT")
        except sqlite3.Error:  # a full disk: these pages are fetched in full again next run
            with contextlib.suppress(sqlite3.Error):
                self.store.db.conn.execute("ROLLBACK")

    def close(self) -> None:
        self.commit()
        if self.store is not None:
            self.store.close()


def writer_main(conn, db: str, timeout: float, crash_on: str | None = None) -> None:
    """``crash_on``: test-only fault, the process exits on a copy whose body holds this text."""
    # Ctrl-C reaches the whole process group: the crawl shuts down in order and closes the pipe
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    writer = _Writer(db, timeout, crash_on)
    try:
        while True:
            try:
                if not conn.poll(0):
                    writer.commit()
                job = conn.recv()
            except (EOFError, OSError):
                return  # the crawl's process is gone: what was committed stays
            if job is None:
                return
            answer = writer.answer(job)
            try:
                conn.send(answer)
            except OSError:
                return  # the crawl's process is gone
    finally:
        writer.close()


class StoreWriter:
    """``await writer.add_copy(copy)`` → ``(outcome, story_id)``; raises ``StoreWriteError`` when the write
    failed, ``aggregator.workers.WorkerCrashed`` when it killed the writer (a new one takes the next copy)."""

    def __init__(self, db: str, timeout: float = 30, crash_on: str | None = None, stats=None, nice: int = 0):
        self.stats = stats
        self.pool = ExtractionPool(
            1,
            timeout=None,
            main=writer_main,
            args=(db, timeout, crash_on),
            name="aggregator-store",
            depth=IN_FLIGHT,
            crashed="the store's writer process died",
            nice=nice,
        )
        self.pool.warm_up()
        self.pending = 0
        self.waiters: list[Deferred] = []
        self.batch: list[tuple[str, dict | tuple]] = []
        self.flush = None  # the reactor's call that hands the batch over, at the end of this turn

    async def add_copy(self, copy: CopyRecord) -> tuple[str, int]:
        answer = await maybe_deferred_to_future(self._submit(copy))
        if answer[0] == ERROR:
            raise StoreWriteError(answer[1])
        return answer

    def execute(self, sql: str, params) -> None:
        """Run one statement in the writer's turn, with the others of this turn of the reactor; nobody waits
        for it (a failure is counted)."""
        self.batch.append((sql, params))
        if self.flush is None:
            self.flush = self.pool.reactor.callLater(0, self._flush)

    def _flush(self) -> None:
        self.flush = None
        batch, self.batch = tuple(self.batch), []
        if batch:
            d = self._submit(Statements(batch))
            d.addCallbacks(self._executed, lambda f: self._executed((ERROR, str(f.value), len(batch))))

    def _executed(self, answer) -> None:
        # counted, not logged each time: a full disk fails every one of them, and the copies' errors say so
        if answer is not None:
            logger.debug("crawl state not written: %s", answer[1])
            if self.stats is not None:
                self.stats.inc_value("store/state_errors", answer[2])

    def _submit(self, job) -> Deferred:
        self.pending += 1
        d = self.pool.submit(job)
        d.addBoth(self._done)
        return d

    def _done(self, result):
        self.pending -= 1
        if not self.pending:
            waiters, self.waiters = self.waiters, []
            for waiter in waiters:
                waiter.callback(None)
        return result

    async def close(self) -> None:
        """Wait for every statement handed over (nobody awaited those), then for the process to close its
        connection, so the database is complete when the crawl's summary reads it."""
        if self.flush is not None:
            self.flush.cancel()
            self._flush()
        if self.pending:
            waiter: Deferred = Deferred()
            self.waiters.append(waiter)
            await maybe_deferred_to_future(waiter)
        self.pool.close(wait=30)


class StoreWriteError(Exception):
    """The writer could not store a copy (the database locked too long, a full disk): the message says why."""


def register(crawler, writer: StoreWriter) -> None:
    """Make ``writer`` the one the crawl's state writes through (``writer_for``)."""
    crawler._aggregator_writer = writer


def writer_for(crawler) -> StoreWriter | None:
    writer = getattr(crawler, "_aggregator_writer", None)
    return None if writer is None or writer.pool.closed else writer
