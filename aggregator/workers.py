"""Extraction and fingerprinting in worker processes, so that a crawl uses every core.

``process_page`` is the pure, CPU-bound part of the item pipeline: plain data in (decoded HTML, URL, fetch time,
selectors), plain data out (the article's fields and the body's fingerprint). `ExtractionPool` runs it in a
``ProcessPoolExecutor`` (``AGGREGATOR_WORKERS`` processes, default one per core) while the reactor thread keeps
downloading, following links and writing the database, the one writer.

Workers are started by the ``forkserver`` method (never ``fork``: the crawl's process runs threads, and a forked
copy of a lock held by one of them never comes free); the forkserver imports the extraction code once and forks
each worker from there, so a worker starts in milliseconds, not the second a fresh interpreter needs.

In-flight work is bounded: at most two pages per worker are submitted at a time, the others wait in the item
pipeline, which Scrapy bounds in turn (the scraper slot holds at most ``SCRAPER_SLOT_MAX_ACTIVE_SIZE`` bytes of
responses whose items are still being processed, and downloads pause beyond that), so memory stays flat
whatever the number of portals.

A page that kills its worker (a crash in a C extension, the kernel's OOM killer) breaks the whole executor: every
page in flight fails with ``BrokenProcessPool``. Those pages are tried again one at a time in a one-process
quarantine pool, where a page that breaks it again is the culprit: it is skipped (``WorkerCrashed``) and the
others go on. A page that runs longer than the timeout (``AGGREGATOR_EXTRACT_TIMEOUT``, counted from its
submission, so it includes waiting behind at most one other page) has its pool's processes killed (a running
task cannot be cancelled otherwise) and is skipped (``WorkerTimeout``); the other pages of that pool are
quarantined as above. A fresh pool takes the next pages.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import signal
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from datetime import datetime

from twisted.internet.defer import Deferred, DeferredLock, DeferredSemaphore

from aggregator.dedup import fingerprint
from aggregator.extract import Selectors, extract

logger = logging.getLogger(__name__)

PRELOAD = ["aggregator.workers"]  # imported once by the forkserver: workers fork with it loaded


class WorkerCrashed(Exception):
    """The page's extraction killed the worker process running it."""


class WorkerTimeout(Exception):
    """The page's extraction ran longer than the timeout."""


class _PoolBroke(Exception):
    """A worker of the pool died while this page was in it (this page or another one killed it)."""


# test-only faults (setting AGGREGATOR_TEST_WORKER_FAULTS = {"crash": MARKER, "hang": MARKER}): a worker that
# finds MARKER in a page exits at once, or sleeps for an hour. Installed only in worker processes.
_FAULTS: dict[str, str] = {}


def process_page(page: dict) -> dict:
    """Extract a page and fingerprint its body: ``{"article": {...}, "fingerprint": (hash, size, full, head,
    slots) or None}``, or ``{"error": "Type: message"}`` when extraction raised."""
    html = page["html"]
    if _FAULTS:
        _fault(html)
    try:
        fetched_at = page.get("fetched_at")
        article = extract(
            html,
            page.get("url"),
            fetched_at=datetime.fromisoformat(fetched_at) if fetched_at else None,
            selectors=Selectors(**(page.get("selectors") or {})),
        )
        fp = fingerprint(article.body) if article.is_article else None
    except Exception as exc:  # one unparseable page must not end a crawl of thousands
        return {"error": f"{type(exc).__name__}: {exc}"}
    return {
        "article": article.to_dict(),
        # the fields as the store keeps them (bytes, JSON): aggregator.dedup.Fingerprint.from_row rebuilds it
        "fingerprint": None if fp is None else (fp.body_hash, fp.size, *fp.to_blobs(), fp.slots_json()),
    }


def _fault(html: str) -> None:
    if (marker := _FAULTS.get("crash")) and marker in html:
        os._exit(70)
    if (marker := _FAULTS.get("hang")) and marker in html:
        time.sleep(3600)


def _ready() -> int:
    return os.getpid()


def _init_worker(crawl: tuple[int, str | None], faults: dict | None) -> None:
    # Ctrl-C on a terminal reaches the whole process group: the crawl's process shuts down in order and ends
    # the pool; a worker that died of the signal first would break the pool under the pages still in flight
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _FAULTS.clear()
    _FAULTS.update(faults or {})
    threading.Thread(target=_watch_crawl, args=crawl, daemon=True, name="crawl-watch").start()


def _identity(pid: int) -> str | None:
    """A process's start time (Linux): with its pid, it names the process even after the pid is reused."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            return f.read().rsplit(b")", 1)[1].split()[19].decode()
    except (OSError, IndexError):
        return None


def _alive(pid: int, identity: str | None) -> bool:
    if identity is not None:
        return _identity(pid) == identity
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    return True


def _watch_crawl(pid: int, identity: str | None) -> None:
    """Exit when the crawl's process is gone (kill -9). Nothing else would end this worker: its parent is the
    forkserver, which itself lives as long as any of its workers does, and no pipe reports the crawl's end."""
    while True:
        time.sleep(1.0)
        if not _alive(pid, identity):
            os._exit(0)


def default_workers(settings) -> int:
    value = settings.get("AGGREGATOR_WORKERS")
    if value is None or value == "":
        return os.cpu_count() or 1
    return max(0, int(value))


class ExtractionPool:
    """``process_page`` in worker processes, from the reactor thread: ``await pool.run(page)``."""

    def __init__(self, workers: int, timeout: float = 60.0, faults: dict | None = None):
        from twisted.internet import reactor

        self.reactor = reactor
        self.workers = max(1, workers)
        self.timeout = timeout
        self.faults = dict(faults or {})
        self._context = multiprocessing.get_context("forkserver")
        self._context.set_forkserver_preload(PRELOAD)
        self._main: ProcessPoolExecutor | None = None
        self._quarantine: ProcessPoolExecutor | None = None
        self._slots = DeferredSemaphore(2 * self.workers)
        self._alone = DeferredLock()
        self.closed = False

    def _executor(self, kind: str) -> ProcessPoolExecutor:
        executor = getattr(self, kind)
        if executor is None:
            executor = ProcessPoolExecutor(
                max_workers=1 if kind == "_quarantine" else self.workers,
                mp_context=self._context,
                initializer=_init_worker,
                initargs=((os.getpid(), _identity(os.getpid())), self.faults),
            )
            setattr(self, kind, executor)
        return executor

    def _discard(self, kind: str, executor: ProcessPoolExecutor, kill: bool = False) -> None:
        """Stop using a broken (or hung) executor; the next page gets a fresh one."""
        if getattr(self, kind) is executor:
            setattr(self, kind, None)
        if kill:
            # a running task cannot be cancelled: its process is killed, which breaks the executor, so the
            # other pages it held fail with BrokenProcessPool and are tried again in quarantine
            for proc in list((getattr(executor, "_processes", None) or {}).values()):
                with contextlib.suppress(OSError, ValueError):
                    proc.kill()
        executor.shutdown(wait=False, cancel_futures=True)

    def warm_up(self) -> None:
        """Start the worker processes now, while the first pages download."""
        executor = self._executor("_main")
        for _ in range(self.workers):
            try:
                executor.submit(_ready)
            except (BrokenProcessPool, RuntimeError):
                return

    async def run(self, page: dict) -> dict:
        from scrapy.utils.defer import maybe_deferred_to_future

        await maybe_deferred_to_future(self._slots.acquire())
        try:
            return await maybe_deferred_to_future(self._attempt("_main", page))
        except _PoolBroke:
            pass  # this page or another one in the pool killed a worker: find out which, alone
        finally:
            self._slots.release()
        await maybe_deferred_to_future(self._alone.acquire())
        try:
            return await maybe_deferred_to_future(self._attempt("_quarantine", page))
        except _PoolBroke:
            raise WorkerCrashed("the extraction killed its worker process") from None
        finally:
            self._alone.release()

    def _attempt(self, kind: str, page: dict) -> Deferred:
        if self.closed:
            raise RuntimeError("the extraction pool is closed")
        d: Deferred = Deferred()
        for _ in range(2):  # a pool found broken at submission is replaced once
            executor = self._executor(kind)
            try:
                future = executor.submit(process_page, page)
                break
            except BrokenProcessPool:
                self._discard(kind, executor)
        else:
            d.errback(_PoolBroke())
            return d
        timer = self.reactor.callLater(self.timeout, self._timed_out, kind, executor, d)
        future.add_done_callback(
            lambda f: self.reactor.callFromThread(self._settle, kind, executor, f, d, timer)
        )
        return d

    def _settle(self, kind, executor, future, d: Deferred, timer) -> None:
        if d.called:
            return  # timed out already
        if timer.active():
            timer.cancel()
        if future.cancelled():
            d.errback(_PoolBroke())
            return
        exc = future.exception()
        if isinstance(exc, BrokenProcessPool):
            self._discard(kind, executor)
            d.errback(_PoolBroke())
        elif exc is not None:
            d.errback(exc)
        else:
            d.callback(future.result())

    def _timed_out(self, kind, executor, d: Deferred) -> None:
        if d.called:
            return
        d.errback(WorkerTimeout(f"extraction took longer than {self.timeout:g} s"))
        self._discard(kind, executor, kill=True)

    def close(self) -> None:
        self.closed = True
        for kind in ("_main", "_quarantine"):
            executor = getattr(self, kind)
            if executor is not None:
                setattr(self, kind, None)
                executor.shutdown(wait=False, cancel_futures=True)
