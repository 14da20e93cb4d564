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

import os
import signal
import sqlite3

from aggregator.store import CopyRecord, Store, StoreError
from aggregator.workers import ExtractionPool

ERROR = "error"
IN_FLIGHT = 4  # copies in the writer's pipe: it never waits for the reactor, and the pipe never fills


def writer_main(conn, db: str, timeout: float, crash_on: str | None = None) -> None:
    """``crash_on``: test-only fault, the process exits on a copy whose body holds this text."""
    # Ctrl-C reaches the whole process group: the crawl shuts down in order and closes the pipe
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    store = Store(db, timeout=timeout, background_checkpoint=True)
    try:
        while True:
            try:
                copy = conn.recv()
            except (EOFError, OSError):
                return  # the crawl's process is gone: what was committed stays
            if copy is None:
                return
            if crash_on and crash_on in copy.body:
                os._exit(70)
            try:
                answer = store.add_copy(copy)
            except (sqlite3.Error, StoreError, ValueError) as exc:
                answer = (ERROR, str(exc))
            try:
                conn.send(answer)
            except OSError:
                return  # the crawl's process is gone; the copy is committed
    finally:
        store.close()


class StoreWriter:
    """``await writer.add_copy(copy)`` → ``(outcome, story_id)``; raises ``StoreWriteError`` when the write
    failed, ``aggregator.workers.WorkerCrashed`` when it killed the writer (a new one takes the next copy)."""

    def __init__(self, db: str, timeout: float = 30, crash_on: str | None = None):
        self.pool = ExtractionPool(
            1,
            timeout=None,
            main=writer_main,
            args=(db, timeout, crash_on),
            name="aggregator-store",
            depth=IN_FLIGHT,
        )
        self.pool.warm_up()

    async def add_copy(self, copy: CopyRecord) -> tuple[str, int]:
        answer = await self.pool.run(copy)
        if answer[0] == ERROR:
            raise StoreWriteError(answer[1])
        return answer

    def close(self) -> None:
        # every copy was answered (Scrapy closes pipelines after the last item): wait for the connection to
        # close, so the database is complete and its log folded in when the crawl's summary reads it
        self.pool.close(wait=30)


class StoreWriteError(Exception):
    """The writer could not store a copy (the database locked too long, a full disk): the message says why."""
