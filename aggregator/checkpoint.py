"""Copying the write-ahead log into the database from a thread of its own, not from a crawl's reactor thread.

In WAL mode a commit that takes the log past ``wal_autocheckpoint`` pages (1,000 by default) copies the log into
the database file there and then, with two fsyncs, in whatever thread committed. In a crawl that is the reactor
thread, which then downloads and parses nothing while the disk flushes: about a millisecond per stored article
on this project's benchmark, a tenth of the crawl's own time. A writer opened with ``background_checkpoint``
(``Store(..., background_checkpoint=True)``) turns that off on its connection and shares one thread per database
and process that runs a PASSIVE checkpoint every ``INTERVAL`` seconds: it copies what it can without waiting
for, or blocking, any reader or writer, and SQLite releases the GIL while it works. The log then holds at most
a few seconds of writes. A crash loses nothing: what is in the log is replayed when the database is next opened.
"""

from __future__ import annotations

import logging
import sqlite3
import threading

logger = logging.getLogger(__name__)

INTERVAL = 1.0  # seconds between checkpoints


class _Checkpointer:
    def __init__(self, path: str, interval: float):
        self.path, self.interval = path, interval
        self.users = 0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, name="aggregator-wal-checkpoint", daemon=True)

    def _run(self) -> None:
        try:
            # mode=rw: never create a database (the writers that use it made it already)
            conn = sqlite3.connect(f"file:{self.path}?mode=rw", uri=True, timeout=1, check_same_thread=False)
        except sqlite3.Error as exc:
            logger.warning("no background checkpoint for %s: %s", self.path, exc)
            return
        try:
            while not self.stop.wait(self.interval):
                try:
                    conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
                except sqlite3.Error as exc:  # busy or locked: the next round tries again
                    logger.debug("checkpoint of %s: %s", self.path, exc)
        finally:
            conn.close()


_running: dict[str, _Checkpointer] = {}
_lock = threading.Lock()


def attach(conn: sqlite3.Connection, path: str) -> None:
    """Stop ``conn`` from checkpointing on commit, and make sure a thread checkpoints ``path``."""
    conn.execute("PRAGMA wal_autocheckpoint=0")
    with _lock:
        cp = _running.get(path)
        if cp is None:
            cp = _running[path] = _Checkpointer(path, INTERVAL)
            cp.thread.start()
        cp.users += 1


def detach(path: str) -> None:
    """One writer of ``path`` closed: the last one stops the thread (its final round runs on close by SQLite)."""
    with _lock:
        cp = _running.get(path)
        if cp is None:
            return
        cp.users -= 1
        if cp.users > 0:
            return
        del _running[path]
    cp.stop.set()
    cp.thread.join()
