"""CPU and memory of a crawl's whole process tree: the crawl's own process plus its extraction workers.

The workers are forkserver children (the crawl's process starts the forkserver, the forkserver forks the
workers), so ``RUSAGE_CHILDREN`` of the crawl never sees them and ``ru_maxrss`` is the crawl's own process
only. `TreeMeter` (a Scrapy extension) reads ``/proc`` instead:

- **CPU**: user + system of every process of the tree, plus what each has reaped (the forkserver reaps the
  workers that ended), between spider_opened and spider_closed (``bench/tree_cpu_s``; the crawl's own share is
  ``bench/cpu_s`` or ManyClock's, so the workers' is the difference);
- **memory**, sampled every ``INTERVAL`` seconds (PSS every ``PSS_EVERY`` samples): the sum of the processes' RSS (``bench/tree_peak_rss_mb``,
  which counts the pages the workers share with the forkserver once per process) and of their PSS
  (``bench/tree_peak_pss_mb``, shared pages divided among their users: what the tree really holds).
"""

from __future__ import annotations

import contextlib
import os
import threading
from pathlib import Path

INTERVAL = 0.5
PSS_EVERY = 4  # samples: PSS every 2 s
_TICK = os.sysconf("SC_CLK_TCK")
_PAGE = os.sysconf("SC_PAGE_SIZE")


def tree_pids(root: int) -> list[int]:
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        with contextlib.suppress(OSError, ValueError):
            todo += [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    return out


def tree_cpu(root: int) -> float:
    """CPU seconds of the tree so far, the processes its members reaped included (not the root's: the crawl
    waits for nothing of its own during a crawl)."""
    total = 0.0
    for pid in tree_pids(root):
        with contextlib.suppress(OSError, IndexError, ValueError):
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            ticks = int(fields[11]) + int(fields[12])
            if pid != root:
                ticks += int(fields[13]) + int(fields[14])
            total += ticks / _TICK
    return total


def tree_memory(root: int, pss: bool = True) -> tuple[float, float]:
    """(sum of RSS, sum of PSS or 0) of the tree in MB."""
    rss = total_pss = 0.0
    for pid in tree_pids(root):
        with contextlib.suppress(OSError, IndexError, ValueError):
            rss += int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * _PAGE / 2**20
            if not pss:
                continue
            # reading smaps_rollup walks the page tables: ≈ 10 ms for a 350 MB process, so not every sample
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total_pss += int(line.split()[1]) / 1024
                    break
    return rss, total_pss


class TreeMeter:
    """Extension: the tree's CPU over the crawl and its peak memory, as ``bench/tree_*`` stats (also in
    ``TreeMeter.last``, for a driver that reads them after the crawl)."""

    last: dict = {}

    def __init__(self, crawler):
        self.stats = crawler.stats
        self.pid = os.getpid()
        self.cpu0 = 0.0
        self.peak = (0.0, 0.0)
        self.samples = 0
        self.thread: threading.Thread | None = None
        self.done = threading.Event()

    @classmethod
    def from_crawler(cls, crawler):
        from scrapy import signals

        ext = cls(crawler)
        crawler.signals.connect(ext.opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.closed, signal=signals.spider_closed)
        return ext

    def sample(self, pss: bool | None = None) -> None:
        self.samples += 1
        rss, pss_mb = tree_memory(self.pid, pss=self.samples % PSS_EVERY == 1 if pss is None else pss)
        self.peak = (max(self.peak[0], rss), max(self.peak[1], pss_mb))

    def opened(self, spider) -> None:
        self.cpu0 = tree_cpu(self.pid)
        self.thread = threading.Thread(target=self._run, name="TreeMeter", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        # a thread of its own, not the reactor's: reading smaps_rollup takes ≈ 10 ms per process, which the
        # crawl's reactor thread would otherwise wait for every PSS_EVERY samples (the reads release the GIL)
        while not self.done.wait(INTERVAL):
            self.sample()

    def closed(self, spider, reason) -> None:
        self.done.set()
        if self.thread is not None:
            self.thread.join()
        self.sample(pss=True)
        figures = {
            "bench/tree_cpu_s": tree_cpu(self.pid) - self.cpu0,
            "bench/tree_peak_rss_mb": round(self.peak[0], 1),
            "bench/tree_peak_pss_mb": round(self.peak[1], 1),
        }
        for key, value in figures.items():
            self.stats.set_value(key, value)
        TreeMeter.last.update(figures)
