"""Extraction and fingerprinting in worker processes, so that a crawl uses every core.

``process_page`` is the pure, CPU-bound part of the item pipeline: plain data in (decoded HTML, URL, fetch time,
selectors), plain data out (the article's fields and the body's fingerprint). `ExtractionPool` runs it in
``AGGREGATOR_WORKERS`` worker processes (default one per core) while the reactor thread keeps downloading,
following links and writing the database, the one writer.

Workers are started by the ``forkserver`` method (never ``fork``: the crawl's process runs threads, and a forked
copy of a lock held by one of them never comes free); the forkserver imports the extraction code once and forks
each worker from there, so a worker starts in milliseconds, not the second a fresh interpreter needs. Each
worker has one pipe to the crawl, written and read by the reactor thread (no helper thread: concurrent.futures'
feeder and manager threads took the GIL from the reactor thread on every page, and cost it more CPU than the
extraction they moved out). A worker reads EOF and exits when the crawl's process ends, kill -9 included.

In-flight work is bounded: a worker holds at most two pages (the one it works on and the next), the others wait
in the item pipeline, which Scrapy bounds in turn (the scraper slot holds at most
``SCRAPER_SLOT_MAX_ACTIVE_SIZE`` bytes of responses whose items are still being processed, and downloads pause
beyond that; aggregator/settings.py sets it, and ``CONCURRENT_ITEMS``, for what each such response costs), so
memory stays flat whatever the number of portals. What the workers load is loaded once, by the forkserver, and
shared (aggregator/workerboot.py); they do not run the crawl's ``__main__`` again (``_main_unseen``).

A worker works through its pages in order, so when it dies (a crash in a C extension, the kernel's OOM killer:
EOF on its pipe) the page it was working on is known: that page is skipped (``WorkerCrashed``), the next one it
held goes back to the front of the queue, and a new worker takes its place. A page that runs longer than
``AGGREGATOR_EXTRACT_TIMEOUT`` seconds (counted from when its worker started on it) has its worker killed, is
skipped (``WorkerTimeout``), and the same happens.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import signal
import sys
import time
import types
from collections import deque
from datetime import datetime

from twisted.internet.defer import Deferred
from twisted.internet.interfaces import IReadDescriptor
from zope.interface import implementer

from aggregator.dedup import fingerprint
from aggregator.extract import Selectors, extract

logger = logging.getLogger(__name__)

# imported once by the forkserver: workers fork with everything it loaded and share those pages instead of each
# loading its own copy. aggregator.workerboot extracts and signs one page there, because extraction loads most
# of its code on first use (the parsers, imported inside extract(); datasketch and scipy, ≈ 50 MB; OpenCC's
# dictionaries; compiled patterns), and then freezes the collector (see that module)
PRELOAD = ["aggregator.workerboot"]


# a small article in the shape of a reposting portal's page, extracted and signed by aggregator.workerboot in the
# forkserver so that everything extraction loads on first use is loaded there, once, and shared by the workers
SAMPLE_PAGE = {
    "url": "http://portal.example/a/keji/20230109/1.html",
    "fetched_at": "2023-01-10T08:00:00+08:00",
    "html": (
        '<!DOCTYPE html><html><head><meta charset="utf-8"><title>武汉推进数字政务服务_资讯网</title></head><body>'
        '<div class="nav"><a href="/">首页</a> <a href="/a/keji/">科技</a></div>'
        '<div class="article"><h1>武汉推进数字政务服务</h1>'
        '<div class="info">日期: 2023-01-09 来源:湖北日报</div><div class="content">'
        + "".join(
            f"<p>{year}年，武汉市全面推进数字政务服务{n}项，同比增长{n / 10}%，带动中小企业{n * 3}家。"
            f"市政务服务局负责人表示，下一步将加快建设一网通办，提高办事效率，让群众少跑腿。</p>"
            for year, n in ((2020, 134), (2021, 251), (2022, 377))
        )
        + "<p>记者 张伟 通讯员 李娜</p><p>編輯：王芳</p></div></div>"
        '<div class="related"><a href="/a/keji/20230108/2.html">相关阅读</a></div></body></html>'
    ),
}


class WorkerCrashed(Exception):
    """The page's extraction killed the worker process running it."""


class WorkerTimeout(Exception):
    """The page's extraction ran longer than the timeout."""


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


def worker_nice(settings) -> int:
    return settings.getint("AGGREGATOR_WORKER_NICE", 5)


def default_workers(settings) -> int:
    value = settings.get("AGGREGATOR_WORKERS")
    if value is None or value == "":
        return os.cpu_count() or 1
    return max(0, int(value))


DEPTH = 2  # pages held by one worker


def _size(job) -> int:
    """Characters a job sends down the pipe, roughly: a page's HTML, a stored copy's body."""
    return len(job["html"]) if isinstance(job, dict) else len(getattr(job, "body", ""))


@implementer(IReadDescriptor)
class _Worker:
    """One worker process and the pages it holds, in order: the first is the one it is working on."""

    def __init__(self, pool: ExtractionPool):
        self.pool = pool
        self.conn, child = pool._context.Pipe(duplex=True)
        self.process = pool._context.Process(
            target=_started, args=(pool.nice, pool.main, child, *pool.main_args), daemon=True, name=pool.name
        )
        with _main_unseen():
            self.process.start()
        child.close()  # the worker's end lives in the worker only: it reads EOF when this process dies
        self.held: deque[tuple[dict, Deferred]] = deque()
        self.timer = None
        self.dead = False
        pool.reactor.addReader(self)

    # IReadDescriptor: the reactor calls doRead when a result (or EOF: the worker died) can be read

    def fileno(self) -> int:
        return -1 if self.dead else self.conn.fileno()

    def logPrefix(self) -> str:
        return "extract-worker"

    def connectionLost(self, reason) -> None:
        self.pool._lost(self, WorkerCrashed(self.pool.crashed))

    def doRead(self) -> None:
        # every answer already there, not one: the reactor calls this once per turn, and a worker that has
        # answered all it holds waits for the next turn (the store's writer, with 8 quick jobs, waited half the time)
        while True:
            try:
                result = self.conn.recv()
            except (EOFError, OSError):
                self.pool._lost(self, WorkerCrashed(self.pool.crashed))
                return
            _, d = self.held.popleft()
            self._arm()
            d.callback(result)
            try:
                if self.dead or not self.held or not self.conn.poll(0):
                    break
            except (OSError, ValueError):
                break
        self.pool._feed()

    def send(self, page: dict, d: Deferred) -> None:
        self.held.append((page, d))
        self.conn.send(page)
        if len(self.held) == 1:
            self._arm()

    def _arm(self) -> None:
        """The timeout runs for the page the worker is now working on (the first it holds)."""
        if self.timer is not None and self.timer.active():
            self.timer.cancel()
        self.timer = None
        if self.held and self.pool.timeout:
            self.timer = self.pool.reactor.callLater(self.pool.timeout, self._timed_out)

    def _timed_out(self) -> None:
        self.timer = None
        self.pool._lost(self, WorkerTimeout(f"extraction took longer than {self.pool.timeout:g} s"))

    def stop(self, kill: bool = False) -> None:
        if self.dead:
            return
        self.dead = True
        if self.timer is not None and self.timer.active():
            self.timer.cancel()
        self.pool.reactor.removeReader(self)
        with contextlib.suppress(OSError, ValueError):
            if kill:
                self.process.kill()
            else:
                self.conn.send(None)
        with contextlib.suppress(OSError):
            self.conn.close()


@contextlib.contextmanager
def _main_unseen():
    """multiprocessing runs the parent's ``__main__`` again in every child it starts (as ``__mp_main__``), for
    targets defined there. A worker's target is in this module and needs nothing of it, but what it imports went
    into each worker's own memory: ≈ 22 MB each (Scrapy, Twisted) when the crawl runs under ``scrapy crawl``,
    scrapyd or ``python -m``. The child learns the main module from ``sys.modules["__main__"]`` as the process
    starts, so for that moment the entry is an empty module (the reactor thread starts workers: nothing else
    runs meanwhile); the caller's module object itself is not touched."""
    main = sys.modules.get("__main__")
    sys.modules["__main__"] = types.ModuleType("__main__")
    try:
        yield
    finally:
        if main is None:
            del sys.modules["__main__"]
        else:
            sys.modules["__main__"] = main


def _started(nice: int, main, conn, *args) -> None:
    # the crawl's own process downloads and hands the pages over; on a busy machine it gets a core first, and
    # the work it handed over waits in the pipes and the item pipeline, which bound it
    if nice:
        with contextlib.suppress(OSError):
            os.nice(nice)
    main(conn, *args)


def _worker_main(conn, faults: dict | None) -> None:
    # Ctrl-C on a terminal reaches the whole process group: the crawl's process shuts down in order and ends
    # the workers; a worker that died of the signal first would lose the page it holds
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _FAULTS.clear()
    _FAULTS.update(faults or {})
    while True:
        try:
            page = conn.recv()
        except (EOFError, OSError):
            return  # the crawl's process is gone (kill -9 too: the kernel closed its end)
        if page is None:
            return
        conn.send(process_page(page))


def _start_forkserver() -> None:
    """Start the forkserver with Ctrl-C ignored. It imports the extraction code before it ignores SIGINT itself,
    so a Ctrl-C on the terminal (sent to the whole process group) in the crawl's first seconds printed a
    KeyboardInterrupt traceback from it. An ignored SIGINT stays ignored through exec (a blocked one does not
    stay blocked: multiprocessing clears the child's mask); this process ignores it only for the few
    milliseconds of the spawn."""
    from multiprocessing import forkserver

    try:
        previous = signal.getsignal(signal.SIGINT)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    except ValueError:  # not the main thread, where signals are set: nothing to protect here
        forkserver.ensure_running()
        return
    try:
        forkserver.ensure_running()
    finally:
        signal.signal(signal.SIGINT, previous if previous is not None else signal.SIG_DFL)


class ExtractionPool:
    """``process_page`` in worker processes, driven by the reactor: ``await pool.run(page)``.

    No helper thread: each worker is a process with a pipe, written by the reactor thread and read when the
    reactor says it is readable (concurrent.futures' feeder and manager threads cost the reactor thread the GIL
    on every page). Each worker holds at most two pages (the one it works on and the next, so it never waits
    for the reactor); the others wait here, in order. A worker that dies (EOF on its pipe) or passes the
    timeout on a page is replaced: that page, the first it held, is the culprit and fails; the next one it held
    goes back to the front of the queue.
    """

    PREFETCH_MAX = 60_000  # characters: a page is sent to a busy worker only if it fits in the pipe's buffer

    def __init__(
        self,
        workers: int,
        timeout: float | None = 60.0,
        faults: dict | None = None,
        *,
        main=None,
        args: tuple = (),
        name: str = "aggregator-extract",
        depth: int = DEPTH,
        crashed: str = "the extraction killed its worker process",
        nice: int = 0,
    ):
        """``main(conn, *args)``, run in each worker, answers each object it reads from ``conn`` in order (and
        ends on None or EOF); by default ``process_page`` with ``faults``. ``timeout``: None for no limit.
        ``nice``: added to the workers' niceness (``AGGREGATOR_WORKER_NICE``)."""
        from twisted.internet import reactor

        self.reactor = reactor
        self.size = max(1, workers)
        self.timeout = timeout
        self.faults = dict(faults or {})
        self.main, self.main_args = (main, args) if main else (_worker_main, (self.faults,))
        self.name, self.depth, self.crashed, self.nice = name, depth, crashed, nice
        self._context = multiprocessing.get_context("forkserver")
        self._context.set_forkserver_preload(PRELOAD)
        self.workers: list[_Worker] = []
        self.waiting: deque[tuple[dict, Deferred]] = deque()
        self.closed = False

    def warm_up(self) -> None:
        """Start the worker processes now, while the first pages download."""
        if not self.workers:
            _start_forkserver()
        while len(self.workers) < self.size:
            self.workers.append(_Worker(self))

    async def run(self, page: dict) -> dict:
        from scrapy.utils.defer import maybe_deferred_to_future

        return await maybe_deferred_to_future(self.submit(page))

    def submit(self, job) -> Deferred:
        """``run`` without awaiting: a Deferred of the answer."""
        if self.closed:
            raise RuntimeError("the extraction pool is closed")
        d: Deferred = Deferred()
        self.waiting.append((job, d))
        self._feed()
        return d

    def _feed(self) -> None:
        """Hand waiting pages to the workers with room, the least busy first."""
        self.warm_up()
        while self.waiting:
            worker = min(self.workers, key=lambda w: len(w.held))
            if len(worker.held) >= self.depth:
                return
            if worker.held and _size(self.waiting[0][0]) > self.PREFETCH_MAX:
                # the pipe would be full until the worker is done with its page, and the reactor thread would
                # wait on the write: a large page goes to a worker with nothing else to do
                return
            page, d = self.waiting.popleft()
            try:
                worker.send(page, d)
            except (OSError, ValueError):  # it died just now: its reader reports it
                self.waiting.appendleft(worker.held.pop())
                self._lost(worker, WorkerCrashed(self.crashed))

    def _lost(self, worker: _Worker, error: Exception) -> None:
        if worker.dead:
            return
        worker.stop(kill=True)
        self.workers.remove(worker)
        held = list(worker.held)
        worker.held.clear()
        if held:
            # the first page it held was the one it worked on; the others it had not started
            self.waiting.extendleft(reversed(held[1:]))
            held[0][1].errback(error)
        if not self.closed:
            self._feed()

    def close(self, wait: float = 0) -> None:
        """Stop the workers (each ends after what it holds); ``wait``: seconds to wait for them to exit."""
        self.closed = True
        for worker in self.workers:
            worker.stop()
        for worker in self.workers if wait else ():
            worker.process.join(wait)
        self.workers = []
        while self.waiting:
            self.waiting.popleft()[1].errback(RuntimeError("the extraction pool is closed"))
