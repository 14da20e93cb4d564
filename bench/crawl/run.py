"""Crawl benchmark (issue #7): the full pipeline against a bare link-following spider, on one generated portal.

    python -m bench.crawl.run [--pages 5000] [--concurrency 32] [--keep DIR] [--profile]

1. serves the generated portal (``bench.crawl.portal``) from a subprocess, so the server does not share the
   crawler's GIL;
2. runs, each in its own subprocess, one after the other:
   - **bare**: ``BareSpider``, a Scrapy spider that follows every same-host link and does nothing else (what
     ``scrapy bench`` does), on the project's settings with the pipelines, extensions and project middlewares
     removed;
   - **full**: the product crawl (``aggregator.crawl.make_settings`` + ``run_crawl``, the code path of
     ``aggregator crawl URL``) into a fresh database: spider, extract → dedupe → store, incremental
     middlewares, run recording;
   both with AutoThrottle off, no download delay and the same concurrency (``--concurrency`` for
   CONCURRENT_REQUESTS and CONCURRENT_REQUESTS_PER_DOMAIN);
3. prints pages/s (``response_received_count / elapsed_time_seconds`` from Scrapy's stats), the ratio, peak
   RSS of each crawler process, the server's CPU use, and what the full crawl stored against the portal's truth;
4. with ``--profile``: runs the full crawl once more under pyinstrument and prints where its time goes.

Internal: ``python -m bench.crawl.run --child bare|full URL --out FILE [--db PATH] [--profile-out FILE]``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

import scrapy
from scrapy.linkextractors import LinkExtractor

ROOT = Path(__file__).resolve().parents[2]
# pyinstrument keeps every sample: at 1 ms a 5,000-page crawl held more than 3 GB of them
PROFILE_INTERVAL = 0.005


class BareSpider(scrapy.Spider):
    """Follows every same-host link (host and port of the page it is on); no items, no parsing beyond link
    extraction. One start URL (``url``) or many (``urls``, for the many-portal case)."""

    name = "bench_bare"

    def __init__(self, url: str | None = None, *args, urls=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.start_urls = ([url] if url else []) + list(urls)
        self.links = LinkExtractor()

    def parse(self, response):
        if not isinstance(response, scrapy.http.TextResponse):
            return
        netloc = urlsplit(response.url).netloc.lower()
        for link in self.links.extract_links(response):
            if urlsplit(link.url).netloc.lower() == netloc:
                yield scrapy.Request(link.url, callback=self.parse)


def common_overrides(concurrency: int) -> dict:
    """The benchmark-only settings, identical for both crawls."""
    return {
        "AUTOTHROTTLE_ENABLED": False,
        "DOWNLOAD_DELAY": 0,
        "CONCURRENT_REQUESTS": concurrency,
        "CONCURRENT_REQUESTS_PER_DOMAIN": concurrency,
        "CONCURRENT_REQUESTS_PER_IP": 0,
        "AGGREGATOR_PROGRESS": False,
        "LOG_LEVEL": "WARNING",
        "TELNETCONSOLE_ENABLED": False,
    }


class CpuClock:
    """Extension: CPU seconds (user + system, all threads) and wall seconds of the crawler process between
    spider_opened and spider_closed, as stats ``bench/cpu_s`` and ``bench/wall_s``; the machine's load average
    at both ends as ``bench/load_open`` and ``bench/load_close``.

    Wall-clock pages/s depends on what else runs on the machine; pages per CPU-second does not (much).
    """

    def __init__(self, crawler):
        self.stats = crawler.stats
        self.cpu0 = self.wall0 = 0.0

    @classmethod
    def from_crawler(cls, crawler):
        from scrapy import signals

        ext = cls(crawler)
        crawler.signals.connect(ext.opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.closed, signal=signals.spider_closed)
        return ext

    @staticmethod
    def _cpu() -> float:
        ru = resource.getrusage(resource.RUSAGE_SELF)
        return ru.ru_utime + ru.ru_stime

    def opened(self, spider) -> None:
        self.cpu0, self.wall0 = self._cpu(), time.perf_counter()
        self.stats.set_value("bench/load_open", os.getloadavg()[0])

    def closed(self, spider, reason) -> None:
        self.stats.set_value("bench/cpu_s", self._cpu() - self.cpu0)
        self.stats.set_value("bench/wall_s", time.perf_counter() - self.wall0)
        self.stats.set_value("bench/load_close", os.getloadavg()[0])


def _with_clock(settings) -> None:
    extensions = dict(settings.getdict("EXTENSIONS"))
    extensions["bench.crawl.run.CpuClock"] = 0
    extensions["bench.crawl.tree.TreeMeter"] = 0
    settings.set("EXTENSIONS", extensions, priority="cmdline")


# ------------------------------------------------------------------------------------------ child processes


def _peak_rss_mb() -> dict:
    hwm = None
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                hwm = int(line.split()[1]) / 1024
    except OSError:
        pass
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return {"ru_maxrss_mb": ru.ru_maxrss / 1024, "vmhwm_mb": hwm, "cpu_s": ru.ru_utime + ru.ru_stime}


def _jsonable(stats: dict) -> dict:
    return {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in stats.items()}


def bare_settings(concurrency: int):
    """The project's settings (robots.txt, depth limit, breadth-first queues, timeouts, size limits) without
    what the product adds on top of Scrapy, plus the benchmark overrides."""
    from scrapy.settings import Settings

    settings = Settings()
    settings.setmodule("aggregator.settings", priority="project")
    for key in ("ITEM_PIPELINES", "EXTENSIONS", "SPIDER_MIDDLEWARES", "DOWNLOADER_MIDDLEWARES"):
        settings.set(key, {}, priority="cmdline")
    for key, value in common_overrides(concurrency).items():
        settings.set(key, value, priority="cmdline")
    return settings


def _child_bare(url: str, concurrency: int) -> dict:
    from scrapy.crawler import CrawlerProcess

    settings = bare_settings(concurrency)
    _with_clock(settings)
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(BareSpider)
    process.crawl(crawler, url=url)
    process.start()
    return {"stats": _jsonable(crawler.stats.get_stats())}


def _child_full(url: str, concurrency: int, db: str, extra: dict) -> dict:
    from aggregator.config import source_for_urls
    from aggregator.crawl import make_settings, run_crawl

    overrides = {**common_overrides(concurrency), **extra}
    settings = make_settings(db, log_level=overrides.pop("LOG_LEVEL"), **overrides)
    _with_clock(settings)
    source = replace(source_for_urls([url]), name=urlsplit(url).netloc.lower())
    results = run_crawl([source], settings)
    return {"stats": _jsonable(results[0].stats), "summary": results[0].summary}


def parse_sets(pairs: list[str]) -> dict:
    """``KEY=VALUE`` pairs; a value that reads as JSON (false, 8, {"a": 1}) is taken as such."""
    out = {}
    for pair in pairs or []:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise SystemExit(f"--set wants KEY=VALUE, not {pair!r}")
        try:
            out[key] = json.loads(value)
        except ValueError:
            out[key] = value
    return out


def child_main(args) -> int:
    wall = time.perf_counter()
    profiler = None
    if args.profile_out:
        from pyinstrument import Profiler

        profiler = Profiler(interval=PROFILE_INTERVAL)
        profiler.start()
    if args.child == "bare":
        out = _child_bare(args.url, args.concurrency)
    else:
        out = _child_full(args.url, args.concurrency, args.db, parse_sets(args.set))
    if profiler is not None:
        profiler.stop()
        session = profiler.last_session
        Path(args.profile_out).write_text(
            profiler.output_text(unicode=True, color=False, show_all=False), encoding="utf-8"
        )
        out["profile"] = breakdown(session, items=out["stats"].get("extract/article", 0))
    out["process_wall_s"] = time.perf_counter() - wall
    out.update(_peak_rss_mb())
    Path(args.out).write_text(json.dumps(out, ensure_ascii=False, indent=1, default=str), encoding="utf-8")
    return 0


# ---------------------------------------------------------------------------------------------- profiling

# category -> test on a frame (file path, function name); the innermost matching frame decides, except that
# everything under a pipeline's process_item stays in that pipeline
CATEGORIES = [
    ("extract (pipelines/extract → aggregator.extract)", lambda f, n: f.endswith("pipelines/extract.py")),
    ("fingerprint (pipelines/dedupe → aggregator.dedup)", lambda f, n: f.endswith("pipelines/dedupe.py")),
    ("store (pipelines/store → aggregator.store, SQLite)", lambda f, n: f.endswith("pipelines/store.py")),
    (
        "incremental middlewares (aggregator.incremental)",
        lambda f, n: f.endswith("aggregator/incremental.py"),
    ),
    ("spider: parse, links, decode_html (aggregator.spiders.news)", lambda f, n: "aggregator/spiders/" in f),
    (
        "run recording / extensions (aggregator.extensions, runs)",
        lambda f, n: f.endswith(("extensions.py", "runs.py")),
    ),
    ("bare spider (bench)", lambda f, n: f.endswith("bench/crawl/run.py") and n == "parse"),
]
_PIPELINES = 3  # the first three categories are sticky
IDLE = "idle: event loop waiting for the network (epoll)"
OTHER = "Scrapy / Twisted / asyncio / lxml link extraction (the rest)"


def _frame_category(frame) -> str | None:
    path = (frame.file_path or "").replace("\\", "/")
    for name, test in CATEGORIES:
        if test(path, frame.function or ""):
            return name
    return None


def breakdown(session, items: int = 0) -> dict:
    """Wall time of the profiled crawl by category, plus the hottest functions overall and per category.

    Each frame's own time (its time minus its children's) goes to the category of its innermost categorised
    ancestor, except that everything under a pipeline's ``process_item`` stays with that pipeline.
    """
    whole = session.root_frame()
    root = _find(whole, "start", "scrapy/crawler.py") if whole is not None else None
    root = root or whole  # the crawl itself: CrawlerProcess.start(); imports and set-up are reported apart
    totals: dict[str, float] = {}
    selfs: dict[tuple[str, str], float] = {}  # (category, function) -> self time
    sqlite: dict[str, float] = {}  # category -> time in sqlite3 calls
    sticky = {c for c, _ in CATEGORIES[:_PIPELINES]}

    def walk(frame, category: str | None) -> None:
        if category not in sticky:
            category = _frame_category(frame) or category
        function = frame.function or "?"
        own = frame.time - sum(child.time for child in frame.children)
        label = category or OTHER
        if category is None and _is_idle(frame, function):
            label = IDLE
        where = _where(frame)
        if function.startswith("[") and frame.parent is not None:  # [self] / [await]: name the parent
            where = _where(frame.parent)
        if _is_sqlite(frame):
            sqlite[label] = sqlite.get(label, 0.0) + own
        totals[label] = totals.get(label, 0.0) + own
        selfs[(label, where)] = selfs.get((label, where), 0.0) + own
        for child in frame.children:
            walk(child, category)

    if root is not None:
        walk(root, None)
    total = sum(totals.values()) or 1.0

    def hot(label: str | None, n: int) -> list[dict]:
        rows = [(t, w) for (c, w), t in selfs.items() if label is None or c == label]
        rows.sort(reverse=True)
        return [{"function": w, "self_s": round(t, 3), "share": round(t / total, 4)} for t, w in rows[:n]]

    cats = sorted(totals.items(), key=lambda kv: -kv[1])
    return {
        "total_s": round(total, 3),
        "startup_s": round((whole.time - root.time) if whole is not None else 0.0, 3),
        "items": items,
        "categories": [{"category": c, "s": round(t, 3), "share": round(t / total, 4)} for c, t in cats],
        "sqlite_s": {c: round(t, 3) for c, t in sorted(sqlite.items(), key=lambda kv: -kv[1])},
        "hot_overall": hot(None, 30),
        "hot_by_category": {c: hot(c, 15) for c, _ in cats if c != IDLE},
    }


def _where(frame) -> str:
    """``function (file:line)``; a C function is named with its Python caller."""
    if (frame.file_path or "").startswith("<built-in>") or frame.line_no == 0:
        parent = frame.parent
        while parent is not None and (parent.function or "").startswith("["):
            parent = parent.parent
        caller = f"{parent.function} ({_short(parent.file_path)}:{parent.line_no})" if parent else "?"
        return f"{frame.function} ← {caller}"
    return f"{frame.function} ({_short(frame.file_path)}:{frame.line_no})"


def _is_sqlite(frame) -> bool:
    f = frame if not (frame.function or "").startswith("[") else frame.parent
    if f is None:
        return False
    return (f.file_path or "").startswith("<built-in>") and (f.function or "").split(".")[0] in (
        "Connection",
        "Cursor",
    )


def _find(frame, function: str, path_end: str):
    queue = [frame]
    while queue:
        f = queue.pop(0)
        if f.function == function and (f.file_path or "").replace("\\", "/").endswith(path_end):
            return f
        queue.extend(f.children)
    return None


def _is_idle(frame, function: str) -> bool:
    path = frame.file_path or ""
    if frame.function.startswith("[") and frame.parent is not None:
        return _is_idle(frame.parent, frame.parent.function or "")
    return ("poll" in function or "select" in function) and (
        "selectors" in path or not path or "<built-in>" in path
    )


def _short(path: str | None) -> str:
    if not path:
        return "?"
    path = path.replace("\\", "/")
    for marker in ("site-packages/", "/work/main/", str(ROOT) + "/"):
        if marker in path:
            return path.split(marker, 1)[1]
    return path.rsplit("/", 2)[-1] if "/" in path else path


# ---------------------------------------------------------------------------------------------- the driver


def _proc_cpu(pid: int) -> float:
    """CPU seconds (user + system) used so far by a process."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def start_portal(pages: int, seed: int, workers: int, truth: Path) -> tuple[subprocess.Popen, str]:
    cmd = [sys.executable, "-m", "bench.crawl.portal", "--pages", str(pages), "--seed", str(seed)]
    cmd += ["--workers", str(workers), "--truth", str(truth)]
    server = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, text=True)
    line = server.stdout.readline()
    if not line.startswith("READY "):
        server.kill()
        raise SystemExit(f"portal did not start: {line!r}")
    return server, line.split()[1]


def _server_cpu(server: subprocess.Popen, workers: int) -> float:
    total = _proc_cpu(server.pid)
    if workers > 1:  # forked workers are children of the server process
        for pid in _children(server.pid):
            total += _proc_cpu(pid)
    return total


def _children(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def run_child(
    kind: str,
    url: str,
    work: Path,
    concurrency: int,
    server,
    workers: int,
    profile: bool = False,
    sets: list[str] | None = None,
):
    tag = kind + ("-profile" if profile else "")
    out = work / f"{tag}.json"
    cmd = [sys.executable, "-m", "bench.crawl.run", "--child", kind, url, "--out", str(out)]
    cmd += ["--concurrency", str(concurrency)]
    db = work / f"{tag}.db"
    if kind == "full":
        for suffix in ("", "-wal", "-shm"):
            Path(str(db) + suffix).unlink(missing_ok=True)
        cmd += ["--db", str(db)]
        for pair in sets or []:
            cmd += ["--set", pair]
    if profile:
        cmd += ["--profile-out", str(work / "profile.txt")]
    env = {**os.environ, "AGGREGATOR_DB": str(db)}
    cpu0 = _server_cpu(server, workers)
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, cwd=ROOT, env=env)
    wall = time.perf_counter() - t0
    server_cpu = _server_cpu(server, workers) - cpu0
    if proc.returncode != 0 or not out.exists():
        raise SystemExit(f"{tag} crawl failed (exit {proc.returncode})")
    result = json.loads(out.read_text(encoding="utf-8"))
    result["server_cpu_s"] = server_cpu
    result["driver_wall_s"] = wall
    result["db"] = str(db) if kind == "full" else None
    return result


def _rate(result: dict) -> tuple[int, float, float]:
    stats = result["stats"]
    pages = int(stats.get("response_received_count", 0))
    elapsed = float(stats.get("elapsed_time_seconds") or 0.0)
    return pages, elapsed, (pages / elapsed if elapsed else 0.0)


def check_store(db: str, truth: dict) -> dict:
    """What the full crawl stored, against what the portal holds: stories, copies, merges and splits."""
    conn = sqlite3.connect(db)
    try:
        stories = conn.execute("SELECT count(*) FROM stories").fetchone()[0]
        copies = conn.execute("SELECT count(*) FROM copies").fetchone()[0]
        rows = conn.execute("SELECT story_id, url FROM copies").fetchall()
    finally:
        conn.close()
    story_of = {path: i for i, urls in enumerate(truth["stories"]) for path in urls}
    by_db: dict[int, set[int]] = {}
    by_truth: dict[int, set[int]] = {}
    unknown = 0
    for story_id, url in rows:
        t = story_of.get(urlsplit(url).path)
        if t is None:
            unknown += 1
            continue
        by_db.setdefault(story_id, set()).add(t)
        by_truth.setdefault(t, set()).add(story_id)
    return {
        "stories": stories,
        "copies": copies,
        "expected_stories": truth["originals"],
        "expected_copies": truth["articles"],
        "merged_stories": sum(1 for s in by_db.values() if len(s) > 1),  # db stories mixing true stories
        "split_stories": sum(1 for s in by_truth.values() if len(s) > 1),  # true stories spread over several
        "non_article_copies": unknown,
    }


def _cpu_rate(result: dict) -> tuple[float, float]:
    stats = result["stats"]
    cpu = float(stats.get("bench/cpu_s") or 0.0)
    pages = int(stats.get("response_received_count", 0))
    return cpu, (pages / cpu if cpu else 0.0)


def print_report(pages_arg, concurrency, bare, full, store, truth, out=sys.stdout) -> dict:
    bp, be, br = _rate(bare)
    fp, fe, fr = _rate(full)
    bc, bcr = _cpu_rate(bare)
    fc, fcr = _cpu_rate(full)
    ratio = fr / br if br else 0.0
    cpu_ratio = fcr / bcr if bcr else 0.0
    w = out.write
    w(f"\ncrawl benchmark: {truth['articles']} article pages ({truth['reposts']} reposts), ")
    w(
        f"{truth['list_pages']} list pages, {truth['served_paths']} paths; article page {truth['article_bytes_mean']} "
    )
    w(
        f"bytes, body {truth['body_chars_mean']} chars on average; concurrency {concurrency}, AutoThrottle off, "
    )
    w(f"delay 0; {os.cpu_count()} CPUs\n\n")
    header = (
        f"{'crawl':<5} {'pages':>6} {'seconds':>8} {'pages/s':>8} {'crawl CPU s':>12} {'pages/CPU-s':>12} "
        f"{'peak RSS MB':>12} {'server CPU s':>13} {'load avg':>11}  {'tree CPU s':>10} {'tree RSS/PSS MB':>15}\n"
    )
    w(header)
    w("-" * (len(header) - 1) + "\n")
    rows = (("bare", bare, bp, be, br, bc, bcr), ("full", full, fp, fe, fr, fc, fcr))
    for name, r, p, e, rate, cpu, cpu_rate in rows:
        load = f"{r['stats'].get('bench/load_open', 0):.1f}→{r['stats'].get('bench/load_close', 0):.1f}"
        w(
            f"{name:<5} {p:>6} {e:>8.1f} {rate:>8.1f} {cpu:>12.1f} {cpu_rate:>12.1f} {r['ru_maxrss_mb']:>12.0f} "
            f"{r['server_cpu_s']:>13.1f} {load:>11}  {_tree(r)}\n"
        )
    tree_cpu = float(full["stats"].get("bench/tree_cpu_s") or 0.0)
    if tree_cpu:
        w(
            f"full crawl, whole process tree (crawl + extraction workers): {1000 * tree_cpu / fp:.1f} ms of CPU "
            f"per page, of which the crawl's own process {1000 * fc / fp:.1f} (bare: {1000 * bc / bp:.1f})\n"
        )
    w(
        f"\nratio full/bare: {ratio:.2f} in pages/s, {cpu_ratio:.2f} in pages per CPU-second "
        "(target ≥ 0.5; peak RSS target < 1024 MB)\n"
    )
    s = full["stats"]
    w(
        f"full crawl: {s.get('extract/article', 0)} pages kept as articles, {s.get('extract/not_article', 0)} "
        f"dropped as non-articles; stored {store['stories']} stories / {store['copies']} copies "
        f"(portal truth: {store['expected_stories']} / {store['expected_copies']}; "
        f"{store['merged_stories']} stories merged wrongly, {store['split_stories']} split, "
        f"{store['non_article_copies']} non-article pages stored)\n"
    )
    return {
        "date": datetime.now().astimezone().isoformat(timespec="seconds"),
        "cpus": os.cpu_count(),
        "pages_arg": pages_arg,
        "concurrency": concurrency,
        "bare": {
            "pages": bp,
            "seconds": be,
            "pages_per_s": br,
            "crawl_cpu_s": bc,
            "pages_per_cpu_s": bcr,
            "peak_rss_mb": bare["ru_maxrss_mb"],
            "load": [bare["stats"].get("bench/load_open"), bare["stats"].get("bench/load_close")],
        },
        "full": {
            "pages": fp,
            "seconds": fe,
            "pages_per_s": fr,
            "crawl_cpu_s": fc,
            "pages_per_cpu_s": fcr,
            "peak_rss_mb": full["ru_maxrss_mb"],
            "load": [full["stats"].get("bench/load_open"), full["stats"].get("bench/load_close")],
            "tree_cpu_s": full["stats"].get("bench/tree_cpu_s"),
            "tree_peak_rss_mb": full["stats"].get("bench/tree_peak_rss_mb"),
            "tree_peak_pss_mb": full["stats"].get("bench/tree_peak_pss_mb"),
        },
        "ratio": ratio,
        "cpu_ratio": cpu_ratio,
        "store": store,
        "full_stats": {
            k: v for k, v in s.items() if k.startswith(("extract/", "store/", "dedupe/", "incremental/"))
        },
        "server_cpu_s": {"bare": bare["server_cpu_s"], "full": full["server_cpu_s"]},
    }


def _tree(result: dict) -> str:
    """The whole tree's CPU and peak memory (crawl + workers; bare: one process)."""
    s = result["stats"]
    rss, pss = s.get("bench/tree_peak_rss_mb") or 0, s.get("bench/tree_peak_pss_mb") or 0
    return f"{s.get('bench/tree_cpu_s') or 0:>10.1f} {f'{rss:.0f}/{pss:.0f}':>15}"


def print_profile(prof: dict, pages: int, out=sys.stdout) -> None:
    w = out.write
    total = prof["total_s"]
    w(
        f"\nprofile of the full crawl (pyinstrument, {total:.1f} s in CrawlerProcess.start(), {pages} pages, "
        f"{prof['items']} articles; start-up before it: {prof['startup_s']:.1f} s):\n"
    )
    for row in prof["categories"]:
        per = f"{1000 * row['s'] / pages:6.2f} ms/page" if pages else ""
        w(f"  {row['share'] * 100:5.1f}%  {row['s']:7.2f} s  {per}  {row['category']}\n")
    if prof.get("sqlite_s"):
        w("\nof which in SQLite calls (sqlite3 Connection/Cursor methods): ")
        w(", ".join(f"{c.split(' (')[0]} {t:.2f} s" for c, t in prof["sqlite_s"].items() if t >= 0.01) + "\n")
    w("\nhottest functions (self time):\n")
    for row in prof["hot_overall"][:15]:
        w(f"  {row['share'] * 100:5.1f}%  {row['self_s']:7.2f} s  {row['function']}\n")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.crawl.run", description=__doc__.split("\n\n")[0])
    p.add_argument("--pages", type=int, default=5000, help="article pages in the portal (default 5000)")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument(
        "--concurrency", type=int, default=32, help="CONCURRENT_REQUESTS(_PER_DOMAIN) (default 32)"
    )
    p.add_argument(
        "--workers", type=int, default=1, help="portal server processes on the one port (default 1)"
    )
    p.add_argument("--keep", metavar="DIR", help="keep the databases, stats, truth and profile in DIR")
    p.add_argument(
        "--profile", action="store_true", help="then profile one more full crawl with pyinstrument"
    )
    p.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="an extra Scrapy setting for the full crawl only, e.g. AGGREGATOR_INCREMENTAL=false (repeatable)",
    )
    p.add_argument("--child", choices=("bare", "full"), help=argparse.SUPPRESS)
    p.add_argument("url", nargs="?", help=argparse.SUPPRESS)
    p.add_argument("--out", help=argparse.SUPPRESS)
    p.add_argument("--db", help=argparse.SUPPRESS)
    p.add_argument("--profile-out", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.child:
        return child_main(args)

    tmp = None
    if args.keep:
        work = Path(args.keep).resolve()
        work.mkdir(parents=True, exist_ok=True)
    else:
        tmp = tempfile.TemporaryDirectory(prefix="crawl-bench-")
        work = Path(tmp.name)
    truth_path = work / "truth.json"
    started = time.perf_counter()
    server, url = start_portal(args.pages, args.seed, args.workers, truth_path)
    try:
        truth = json.loads(truth_path.read_text(encoding="utf-8"))
        print(f"portal {url} ready in {time.perf_counter() - started:.1f} s; crawling bare…", flush=True)
        bare = run_child("bare", url, work, args.concurrency, server, args.workers)
        print("crawling with the full pipeline…", flush=True)
        full = run_child("full", url, work, args.concurrency, server, args.workers, sets=args.set)
        store = check_store(full["db"], truth)
        if args.set:
            print(f"(full crawl with extra settings: {', '.join(args.set)})")
        report = print_report(args.pages, args.concurrency, bare, full, store, truth)
        report["full_extra_settings"] = args.set
        if args.profile:
            print("\nprofiling the full pipeline (a third crawl, under pyinstrument)…", flush=True)
            prof = run_child(
                "full", url, work, args.concurrency, server, args.workers, profile=True, sets=args.set
            )
            _, _, rate = _rate(prof)
            print(f"(profiled crawl: {rate:.1f} pages/s; text report in {work / 'profile.txt'})")
            print_profile(prof["profile"], prof["stats"].get("response_received_count", 0))
            report["profile"] = prof["profile"]
        (work / "report.json").write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
        if args.keep:
            print(f"\nkept in {work}")
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
        if tmp is not None:
            tmp.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
