"""Extraction speed: pages per CPU-second of ``aggregator.extract.extract`` in one process, and start-up costs.

    python bench/extract_speed.py [--set NAME]... [--rounds N] [--digest] [--profile FILE] [--startup N]

Sets: the corpus sets of ``eval_extract.py`` (zh-wce, magic-html-zh, magic-html, zyte-aeb, fundus), ``crawl`` (the
pages of ``bench.crawl.portal``: articles, list pages, front page, rendered without serving) and ``demo`` (every page
of the bundled demo portals). Pages are decoded before timing; each set is extracted ``--rounds`` times after one
warm-up page and the fastest round is reported, in pages per CPU-second of this process (wall-clock moves with
the load of a shared machine, CPU time much less) and pages per wall second.

``--digest`` prints a hash of every field of every extracted article per set: two versions of the extractor with
the same digests give the same output, so the same scores on every evaluation. ``--startup N`` runs fresh
interpreters N times each and prints the median wall and CPU seconds of: ``import aggregator.config``, import
to the first extracted page (the seed page), and the ``aggregator extract SEED`` command. Exit status 2 when the
corpus is missing and a corpus set was asked for.
"""

from __future__ import annotations

import argparse
import cProfile
import hashlib
import json
import os
import pstats
import resource
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.corpus import corpus_available, corpus_root, load_set  # noqa: E402

CORPUS_SETS = ("zh-wce", "magic-html-zh", "magic-html", "zyte-aeb", "fundus")
DEFAULT_SETS = ("zh-wce", "magic-html-zh", "zyte-aeb", "fundus", "crawl", "demo")
FETCHED_AT = datetime(2026, 1, 1, tzinfo=UTC)  # fixed, so that digests do not change with the clock
SEED = corpus_root().parent / "seed" / "000_628247d077c6b582.txt"  # the seed page next to the corpus


def load_pages(name: str, crawl_articles: int) -> list[tuple[str, str | None]]:
    """(decoded html, url) of the pages of a set."""
    if name in CORPUS_SETS:
        base = name.removesuffix("-zh")
        return [(p.html, p.url) for p in load_set(base, zh_only=name.endswith("-zh"))]
    if name == "crawl":
        from bench.crawl.portal import build

        portal = build(pages=crawl_articles)
        return [
            (body.decode("utf-8"), "http://127.0.0.1:8200" + path)
            for path, (body, _day) in portal.pages.items()
            if path.endswith((".html", "/")) and not path.startswith("/admin/")
        ]
    if name == "demo":
        from aggregator.extract.encoding import decode_html

        portals = ROOT / "aggregator" / "demo" / "portals"
        return [
            (decode_html(f.read_bytes(), None), f"http://{f.relative_to(portals).parts[0]}.demo/{f.name}")
            for f in sorted(portals.rglob("*.html"))
        ]
    raise SystemExit(f"unknown set {name}")


def run_set(pages, rounds: int) -> tuple[float, float, str]:
    """(best CPU seconds, wall seconds of that round, digest of the outputs)."""
    from aggregator.extract import extract

    extract(pages[0][0], pages[0][1], fetched_at=FETCHED_AT)  # first-call setup is start-up, not throughput
    best = (float("inf"), 0.0)
    digest = ""
    for _ in range(rounds):
        out = []
        cpu, wall = time.process_time(), time.perf_counter()
        for html, url in pages:
            out.append(extract(html, url, fetched_at=FETCHED_AT))
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        best = min(best, (cpu, wall))
        digest = hashlib.sha1(
            json.dumps([a.to_dict() for a in out], ensure_ascii=False, sort_keys=True).encode()
        ).hexdigest()[:12]
    return best[0], best[1], digest


_FIRST_PAGE = """
import time
t0 = time.perf_counter(); c0 = time.process_time()
from aggregator.extract import decode_html, extract
data = open({seed!r}, "rb").read()
extract(decode_html(data, None), None)
print(time.perf_counter() - t0, time.process_time() - c0)
"""
_CONFIG = """
import time
t0 = time.perf_counter(); c0 = time.process_time()
import aggregator.config
print(time.perf_counter() - t0, time.process_time() - c0)
"""


def _child(argv: list[str]) -> tuple[float, float, str]:
    """(wall, CPU) seconds of a fresh interpreter running argv, and its stdout."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(argv, env=env, capture_output=True, text=True, cwd=ROOT, check=False)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode:
        raise SystemExit(f"{' '.join(argv[:3])}… failed: {done.stderr.strip().splitlines()[-1:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, done.stdout


def startup(runs: int) -> None:
    py = sys.executable
    rows = [
        ("import aggregator.config (in-process)", [py, "-c", _CONFIG], True),
        ("import -> first page (in-process)", [py, "-c", _FIRST_PAGE.format(seed=str(SEED))], True),
        ("python -c 'import aggregator.config'", [py, "-c", "import aggregator.config"], False),
        ("aggregator --help", [py, "-m", "aggregator.cli", "--help"], False),
        ("aggregator extract SEED", [py, "-m", "aggregator.cli", "extract", str(SEED)], False),
    ]
    print(f"start-up, median of {runs} fresh interpreters (load average {os.getloadavg()[0]:.2f})")
    for label, argv, inner in rows:
        walls, cpus = [], []
        for _ in range(runs):
            wall, cpu, out = _child(argv)
            if inner:  # the interpreter's own start is not ours: time inside the process
                wall, cpu = (float(v) for v in out.split())
            walls.append(wall)
            cpus.append(cpu)
        print(f"  {label:<40} wall {statistics.median(walls):6.3f} s   CPU {statistics.median(cpus):6.3f} s")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--set", choices=(*CORPUS_SETS, "crawl", "demo"), action="append", help="repeatable")
    ap.add_argument(
        "--rounds", type=int, default=3, help="passes over each set; the fastest counts (default 3)"
    )
    ap.add_argument(
        "--crawl-articles", type=int, default=300, help="articles of the crawl portal (default 300)"
    )
    ap.add_argument("--digest", action="store_true", help="print a hash of the extracted fields per set")
    ap.add_argument("--profile", metavar="FILE", help="cProfile every round into FILE and print the top 30")
    ap.add_argument("--startup", type=int, metavar="N", default=0, help="also time start-up, N runs each")
    ap.add_argument("--no-sets", action="store_true", help="only the start-up figures")
    args = ap.parse_args(argv)
    if args.startup:
        startup(args.startup)
    if args.no_sets:
        return 0
    names = args.set or DEFAULT_SETS
    if any(n in CORPUS_SETS for n in names) and not corpus_available():
        print(f"corpus not found at {corpus_root()} (set AGGREGATOR_CORPUS to its path)", file=sys.stderr)
        return 2
    profiler = cProfile.Profile() if args.profile else None
    print(f"{'set':<14}{'pages':>6}{'CPU s':>8}{'p/CPU-s':>9}{'p/s':>8}  {'digest' if args.digest else ''}")
    total_pages = total_cpu = 0.0
    for name in names:
        pages = load_pages(name, args.crawl_articles)
        if profiler:
            profiler.enable()
        cpu, wall, digest = run_set(pages, args.rounds)
        if profiler:
            profiler.disable()
        total_pages, total_cpu = total_pages + len(pages), total_cpu + cpu
        print(
            f"{name:<14}{len(pages):>6}{cpu:>8.2f}{len(pages) / cpu:>9.1f}{len(pages) / wall:>8.1f}  "
            f"{digest if args.digest else ''}",
            flush=True,
        )
    print(f"{'all':<14}{int(total_pages):>6}{total_cpu:>8.2f}{total_pages / total_cpu:>9.1f}")
    print(f"load average {os.getloadavg()[0]:.2f}")
    if profiler:
        profiler.dump_stats(args.profile)
        pstats.Stats(args.profile).sort_stats("tottime").print_stats(30)
    return 0


if __name__ == "__main__":
    sys.exit(main())
