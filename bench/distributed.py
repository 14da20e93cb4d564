"""Throughput of a crawl on several machines with 1, 2 and 3 workers (README, Running on several machines).

The six demo portals are served on loopback with a delay on every response (``--delay``, default 0.3 s), so that
waiting for the sites, not the CPU, is the limit, as it is on the real web. Each worker crawls one source at a
time (``aggregator worker --parallel 1``; a source is crawled by one worker at a time anyway, so that the per-host
politeness holds), one writer stores. Prints, per number of workers and for a first and a second run of the
same portals (the second revalidates list pages with 304s and fetches no known article): pages fetched, 304s,
new copies, seconds from the workers' start to the last one's exit, CPU seconds of all the processes, pages/s
and the first run's speed-up over one worker. Needs redis-server on the PATH.

    python bench/distributed.py [--delay 0.3] [--workers 1 2 3]
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from aggregator.demo.server import serve_portals
from aggregator.demo.sources import sources_toml

CLI = [sys.executable, "-m", "aggregator.cli"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run(*args, **kwargs):
    return subprocess.run([*CLI, *map(str, args)], check=True, capture_output=True, **kwargs)


def crawl(url: str, sources: Path, db: Path, n: int) -> tuple[float, float, tuple]:
    """One run of every source by ``n`` workers and a writer: seconds from the workers' start to the last
    one's exit, CPU seconds of all of them (workers, their extraction processes, the writer), and the run's
    pages fetched, 304s and new copies."""
    last = 0
    if db.exists():
        with sqlite3.connect(db) as conn:
            last = conn.execute("SELECT coalesce(max(id), 0) FROM runs").fetchone()[0]
    run("crawl", "--redis", url, "--all", "--sources", sources, "--db", db)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    worker = [*CLI, "worker", "--redis", url, "--until-idle", "--parallel", "1", "--workers", "1"]
    procs = [subprocess.Popen(worker, stderr=subprocess.DEVNULL) for _ in range(n)]
    procs.append(subprocess.Popen([*CLI, "writer", "--redis", url, "--db", str(db), "--until-idle"]))
    for proc in procs[:-1]:
        proc.wait()
    seconds = time.monotonic() - started
    procs[-1].wait()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    with sqlite3.connect(db) as conn:
        figures = conn.execute(
            "SELECT sum(pages_fetched), sum(not_modified), sum(new_copies) FROM runs WHERE id > ?", (last,)
        ).fetchone()
    return seconds, cpu, figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--delay", type=float, default=0.3, help="seconds each response waits (0.3)")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 3])
    args = parser.parse_args()
    if not shutil.which("redis-server"):
        print("redis-server is not installed", file=sys.stderr)
        return 2
    import redis

    work = Path(tempfile.mkdtemp(prefix="bench-distributed-"))
    port = free_port()
    server = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        cwd=work,
        stdout=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    client = redis.Redis.from_url(url)
    try:
        for _ in range(100):
            try:
                client.ping()
                break
            except redis.ConnectionError:
                time.sleep(0.05)
        with serve_portals(delay=args.delay) as portals:
            sources = work / "sources.toml"
            sources.write_text(sources_toml(portals.urls), encoding="utf-8")
            print(f"6 demo portals, {args.delay:g} s per response; each worker crawls one source at a time")
            print(f"load average at the start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
            print(
                f"{'workers':>7} {'run':>6} {'pages':>6} {'304s':>5} {'copies':>6} {'seconds':>8} {'cpu s':>6} "
                f"{'pages/s':>8} {'speed-up':>8}"
            )
            base = None
            for n in args.workers:
                client.flushall()
                db = work / f"w{n}.db"
                for label in ("first", "second"):
                    seconds, cpu, (pages, not_modified, copies) = crawl(url, sources, db, n)
                    rate = pages / seconds
                    if label == "first":
                        base = base or rate
                    speedup = f"{rate / base:>7.2f}x" if label == "first" else ""
                    print(
                        f"{n:>7} {label:>6} {pages:>6} {not_modified:>5} {copies:>6} {seconds:>8.1f} {cpu:>6.1f} "
                        f"{rate:>8.1f} {speedup:>8}"
                    )
    finally:
        server.terminate()
        server.wait(10)
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    os.environ.setdefault("AGGREGATOR_USER_AGENT", "aggregator-bench")
    sys.exit(main())
