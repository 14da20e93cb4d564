"""Crawl benchmark, many-portal case (issues #10 and #18): hundreds of small portals served by nginx.

    python -m bench.crawl.many [--portals 200] [--articles 25] [--wire 3] [--concurrency 32]
                               [--port-base 9100] [--json FILE] [--keep DIR] [--profile]

1. generates two variants of ``--portals`` static portals (``--articles`` article pages each, plus front, list,
   about/contact pages and robots.txt; the page templates of ``bench.crawl.portal``) and writes them as files:
   - **a**: no story on more than 3 portals (``REPOST_SHARE`` of the article pages repost an article of
     another portal, at most 2 reposts per story);
   - **b**: the same, except that ``--wire`` of each portal's article pages are copies of wire stories
     (新华社) that appear on *every* portal; in variant a those pages are ordinary single-copy stories, so both
     variants have exactly the same number of pages;
   each variant's expected grouping goes to ``truth-a.json`` / ``truth-b.json``;
2. serves every portal on its own loopback port (variant a from ``--port-base``, variant b right after it) with
   **nginx** (Debian's ``nginx-light``), started with a generated ``nginx.conf`` and stopped at the end;
3. crawls, each in its own subprocess, one after the other: the bare Scrapy spider (``run.BareSpider``, every
   start URL in one crawler, the settings of ``run.py``'s bare crawl) and the product's real CLI,
   ``aggregator crawl URL1 … URLn --db DB --json``, for variant a then variant b. Both get the same
   benchmark-only overrides as in ``run.py`` (AutoThrottle off, no delay, ``--concurrency``), which the product
   child applies by wrapping ``aggregator.crawl.make_settings`` (the CLI has no settings option);
4. prints per crawl: pages, elapsed s, pages/s, ratio to the bare crawl of the same variant, CPU s of the
   crawler process (and children), peak RSS, nginx CPU s, load average; and for the product, the stories and
   copies stored against the truth (merged wrongly / split).

Internal: ``python -m bench.crawl.many --child bare --urls-file F --out F`` and
``python -m bench.crawl.many --child product --out F [--profile-out F] -- crawl URL… --db DB --json``.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import json
import os
import random
import resource
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from datetime import time as dtime
from pathlib import Path
from urllib.parse import urlsplit

from bench.crawl import portal as gen
from bench.crawl.run import (
    PROFILE_INTERVAL,
    ROOT,
    _jsonable,
    _proc_cpu,
    breakdown,
    common_overrides,
    parse_sets,
    print_profile,
)

MAX_COPIES = 3  # variant a: a story is on at most this many portals
WIRE_SOURCE = "新华社"
INSTALL_HINT = "nginx not found: install it with `apt-get update && apt-get install -y nginx-light` (as root)"

# ------------------------------------------------------------------------------------------- the portals


def make_portals(portals: int, articles: int, wire: int, with_wire: bool, seed: int = 7) -> list[list]:
    """Per portal, a list of ``(Article, story key)`` (articles not yet numbered).

    The shared part (``articles - wire`` pages per portal) is drawn from ``Random(seed)`` and identical in both
    variants; the ``wire`` remaining pages per portal are single-copy stories (variant a) or copies of
    ``wire`` wire stories present on every portal (variant b), from separate generators.
    """
    per = articles - wire
    if per < 1:
        raise SystemExit("--wire must be smaller than --articles")
    rng = random.Random(seed)
    text = gen._Text(rng)
    start = date(2023, 1, 1)
    slots = [p for p in range(portals) for _ in range(per)]
    rng.shuffle(slots)
    reposts = round(len(slots) * gen.REPOST_SHARE)
    placed: list[list] = [[] for _ in range(portals)]
    stories: list[tuple[gen.Article, set[int]]] = []  # original, portals holding a copy
    for p in slots[: len(slots) - reposts]:
        a = gen.new_original(rng, text, start)
        stories.append((a, {p}))
        placed[p].append((a, f"s{len(stories) - 1}"))
    open_ = list(range(len(stories)))  # stories with fewer than MAX_COPIES copies
    for p in slots[len(slots) - reposts :]:
        for _ in range(100):
            i = rng.randrange(len(open_))
            if p not in stories[open_[i]][1]:
                break
        else:
            raise SystemExit("cannot place the reposts: too few portals for --articles")
        sid = open_[i]
        orig, where = stories[sid]
        placed[p].append((gen.new_repost(rng, text, orig), f"s{sid}"))
        where.add(p)
        if len(where) >= MAX_COPIES:
            open_[i] = open_[-1]
            open_.pop()
    for p in range(portals):  # categories round-robin, so no portal has an empty category
        random.Random(seed * 100003 + p).shuffle(placed[p])
    if with_wire:
        wrng = random.Random(seed + 2)
        wtext = gen._Text(wrng)
        originals = []
        for _ in range(wire):
            a = gen.new_original(wrng, wtext, start)
            a.source = WIRE_SOURCE
            originals.append(a)
        for p in range(portals):
            for w, orig in enumerate(originals):
                placed[p].append((gen.new_repost(wrng, wtext, orig), f"w{w}"))
    else:
        frng = random.Random(seed + 1)
        ftext = gen._Text(frng)
        for p in range(portals):
            for w in range(wire):
                placed[p].append((gen.new_original(frng, ftext, start), f"f{p}.{w}"))
    for p in range(portals):
        for i, (a, _) in enumerate(placed[p]):
            a.cat = gen.CATEGORIES[i % len(gen.CATEGORIES)][0]
            a.repost_of = None  # cross-portal: the truth keeps the grouping
    return placed


def _file_for(path: str) -> str:
    return path.lstrip("/") + ("index.html" if path.endswith("/") else "")


def write_variant(
    www: Path, ports: list[int], articles: int, wire: int, with_wire: bool, seed: int = 7
) -> dict:
    """Writes every portal of one variant under ``www/PORT/`` (mtime = the page's date) and returns the truth."""
    placed = make_portals(len(ports), articles, wire, with_wire, seed)
    groups: dict[str, list[str]] = {}
    html_pages = files = 0
    for p, port in enumerate(ports):
        drafts = [a for a, _ in placed[p]]
        key_of = {id(a): key for a, key in placed[p]}
        numbered = gen.number(drafts, random.Random(seed * 7919 + p))
        site = gen.render(numbered, seed + p)
        base = f"http://127.0.0.1:{port}"
        for a in numbered:
            groups.setdefault(key_of[id(a)], []).append(base + a.url)
        root = www / str(port)
        for path, (body, day) in site.pages.items():
            target = root / _file_for(path)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(body)
            stamp = datetime.combine(day, dtime(0, 0), tzinfo=UTC).timestamp()
            os.utime(target, (stamp, stamp))
            files += 1
            html_pages += not path.endswith(".txt")
    sizes = sorted((len(v) for v in groups.values()), reverse=True)
    return {
        "variant": "b" if with_wire else "a",
        "portals": len(ports),
        "ports": [ports[0], ports[-1]],
        "articles_per_portal": articles,
        "wire": wire if with_wire else 0,
        "files": files,
        "html_pages": html_pages,
        "articles": sum(sizes),
        "originals": len(groups),  # expected stories
        "max_copies": sizes[0] if sizes else 0,
        "stories_with_reposts": sum(1 for n in sizes if n > 1),
        "stories": list(groups.values()),
    }


# ------------------------------------------------------------------------------------------------- nginx


def nginx_conf(tmp: Path, www: Path, ports: list[int], workers: str) -> str:
    listens = "\n".join(f"        listen 127.0.0.1:{port};" for port in ports)
    temp = tmp / "nginx-temp"
    # the master runs as the invoking user; as root, nginx would switch its workers to "nobody", who may not
    # read a kept directory under /root
    user = "user root;\n" if os.geteuid() == 0 else ""
    # connections: the product may hold several per portal; a worker cannot raise its limit above the hard one
    nofile = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    nofile = 65536 if nofile == resource.RLIM_INFINITY else min(65536, nofile)
    return f"""# written by bench/crawl/many.py
{user}daemon off;
master_process on;
worker_processes {workers};
worker_rlimit_nofile {nofile};
pid {tmp}/nginx.pid;
error_log {tmp}/nginx-error.log warn;

events {{
    worker_connections {nofile // 2};
    multi_accept on;
}}

http {{
    types {{
        text/html html;
        text/plain txt;
        text/css css;
        application/javascript js;
    }}
    default_type application/octet-stream;
    charset utf-8;
    access_log off;
    sendfile on;
    tcp_nopush on;
    tcp_nodelay on;
    keepalive_timeout 65;
    keepalive_requests 100000;
    open_file_cache max=65536 inactive=120s;
    client_body_temp_path {temp}/body;
    proxy_temp_path {temp}/proxy;
    fastcgi_temp_path {temp}/fastcgi;
    uwsgi_temp_path {temp}/uwsgi;
    scgi_temp_path {temp}/scgi;

    server {{
{listens}
        server_name _;
        root {www}/$server_port;
        index index.html;
    }}
}}
"""


class Nginx:
    """nginx as a subprocess (``daemon off``) with its own config and prefix in the work directory."""

    def __init__(self, tmp: Path, www: Path, ports: list[int], workers: str = "1"):
        self.binary = shutil.which("nginx") or next(
            (p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if os.access(p, os.X_OK)), None
        )
        if self.binary is None:
            print(INSTALL_HINT, file=sys.stderr)
            raise SystemExit(2)
        self.tmp, self.ports = tmp, ports
        (tmp / "nginx-temp").mkdir(parents=True, exist_ok=True)
        self.conf = tmp / "nginx.conf"
        self.conf.write_text(nginx_conf(tmp, www, ports, workers), encoding="utf-8")
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        for port in self.ports:  # nginx would bind the free ones and answer there: fail before
            with socket.socket() as probe:
                try:
                    probe.bind(("127.0.0.1", port))
                except OSError as exc:
                    raise SystemExit(
                        f"port {port} is not free ({exc.strerror}); try another --port-base"
                    ) from None
        cmd = [
            self.binary,
            "-p",
            str(self.tmp),
            "-c",
            str(self.conf),
            "-e",
            str(self.tmp / "nginx-error.log"),
        ]
        self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + 15
        for port in (self.ports[0], self.ports[-1]):
            while True:
                if self.proc.poll() is not None:
                    log = (self.tmp / "nginx-error.log").read_text(errors="replace")[-2000:]
                    raise SystemExit(f"nginx exited with status {self.proc.returncode}:\n{log}")
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=1).close()
                    break
                except OSError:
                    if time.monotonic() > deadline:
                        raise SystemExit(f"nginx does not answer on port {port}") from None
                    time.sleep(0.05)

    def pids(self) -> list[int]:
        if self.proc is None:
            return []
        pid = self.proc.pid
        try:
            children = [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
        except OSError:
            children = []
        return [pid, *children]

    def cpu(self) -> float:
        """CPU seconds (user + system) of the master and its live workers so far."""
        total = 0.0
        for pid in self.pids():
            with contextlib.suppress(OSError, IndexError):  # a worker that just exited
                total += _proc_cpu(pid)
        return total

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGQUIT)  # graceful shutdown
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


# ------------------------------------------------------------------------------------------ child processes


class ManyClock:
    """Extension: over all the crawlers of a process (the product runs one per source), the wall time from the
    first spider_opened to the last spider_closed, the process's CPU over that span, the load average at
    both ends, and the sum of every numeric stat of the closed crawlers."""

    state: dict = {"open": 0, "closed": 0, "stats": {}}

    def __init__(self, crawler):
        self.crawler = crawler

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
        s = self.state
        if s["open"] == 0:
            s.update(t0=time.perf_counter(), cpu0=self._cpu(), load0=os.getloadavg()[0])
        s["open"] += 1

    def closed(self, spider, reason) -> None:
        s = self.state
        s["closed"] += 1
        s.update(t1=time.perf_counter(), cpu1=self._cpu(), load1=os.getloadavg()[0])
        for key, value in self.crawler.stats.get_stats().items():
            if isinstance(value, int | float) and not isinstance(value, bool):
                s["stats"][key] = s["stats"].get(key, 0) + value
        reasons = s.setdefault("finish_reasons", {})
        reasons[reason] = reasons.get(reason, 0) + 1


def _add_clock(settings) -> None:
    extensions = dict(settings.getdict("EXTENSIONS"))
    extensions["bench.crawl.many.ManyClock"] = 0
    extensions["bench.crawl.tree.TreeMeter"] = 0
    settings.set("EXTENSIONS", extensions, priority="cmdline")


def _self_usage() -> dict:
    hwm = None
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                hwm = int(line.split()[1]) / 1024
    except OSError:
        pass
    ru = resource.getrusage(resource.RUSAGE_SELF)
    rc = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {
        "ru_maxrss_mb": ru.ru_maxrss / 1024,
        "vmhwm_mb": hwm,
        "children_maxrss_mb": rc.ru_maxrss / 1024,
        "self_cpu_s": ru.ru_utime + ru.ru_stime,
        "children_cpu_s": rc.ru_utime + rc.ru_stime,
    }


def _child_bare(urls: list[str], concurrency: int) -> int:
    from scrapy.crawler import CrawlerProcess

    from bench.crawl.run import BareSpider, bare_settings

    settings = bare_settings(concurrency)
    _add_clock(settings)
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(BareSpider)
    process.crawl(crawler, urls=urls)
    process.start()
    return 0


def _child_product(cli_argv: list[str], concurrency: int, extra: dict) -> int:
    """``aggregator crawl …`` through the CLI's own ``main``; only ``make_settings`` is wrapped, to add the
    benchmark overrides and the clock on top of what the CLI sets."""
    import aggregator.crawl
    from aggregator.cli import main as cli_main

    make_settings = aggregator.crawl.make_settings
    bench = {k: v for k, v in {**common_overrides(concurrency), **extra}.items() if k != "LOG_LEVEL"}

    def bench_settings(db, log_level="WARNING", **overrides):
        settings = make_settings(db, log_level=log_level, **{**overrides, **bench})
        _add_clock(settings)
        return settings

    aggregator.crawl.make_settings = bench_settings
    return cli_main(cli_argv)


def child_main(args, rest: list[str]) -> int:
    wall = time.perf_counter()
    profiler = None
    if args.profile_out:
        from pyinstrument import Profiler

        profiler = Profiler(interval=PROFILE_INTERVAL)
        profiler.start()
    if args.child == "bare":
        urls = Path(args.urls_file).read_text().split()
        status = _child_bare(urls, args.concurrency)
    else:
        status = _child_product(rest, args.concurrency, parse_sets(args.set))
    # Scrapy loaded the extension as bench.crawl.many, not as this __main__ module
    state = importlib.import_module("bench.crawl.many").ManyClock.state
    out = {"status": status, "clock": {k: v for k, v in state.items() if k != "stats"}}
    out["stats"] = _jsonable(state["stats"])
    out["tree"] = dict(importlib.import_module("bench.crawl.tree").TreeMeter.last)
    if profiler is not None:
        profiler.stop()
        Path(args.profile_out).write_text(
            profiler.output_text(unicode=True, color=False, show_all=False), encoding="utf-8"
        )
        out["profile"] = breakdown(profiler.last_session, items=out["stats"].get("extract/article", 0))
    out["process_wall_s"] = time.perf_counter() - wall
    out.update(_self_usage())
    Path(args.out).write_text(json.dumps(out, ensure_ascii=False, indent=1, default=str), encoding="utf-8")
    return status


# ---------------------------------------------------------------------------------------------- the driver


def run_child(
    kind: str, variant: str, urls: list[str], work: Path, args, nginx: Nginx, profile=False
) -> dict:
    tag = f"{kind}-{variant}" + ("-profile" if profile else "")
    out = work / f"{tag}.json"
    out.unlink(missing_ok=True)
    cmd = [sys.executable, "-m", "bench.crawl.many", "--child", kind, "--out", str(out)]
    cmd += ["--concurrency", str(args.concurrency)]
    db = work / f"{tag}.db"
    stdout = subprocess.DEVNULL
    if kind == "bare":
        urls_file = work / f"urls-{variant}.txt"
        urls_file.write_text("\n".join(urls) + "\n")
        cmd += ["--urls-file", str(urls_file)]
    else:
        for suffix in ("", "-wal", "-shm"):
            Path(str(db) + suffix).unlink(missing_ok=True)
        shutil.rmtree(str(db) + "-locks", ignore_errors=True)
        for pair in args.set:
            cmd += ["--set", pair]
        if profile:
            cmd += ["--profile-out", str(work / f"profile-{variant}.txt")]
        cmd += ["--", "crawl", *urls, "--db", str(db), "--json"]
        stdout = open(work / f"{tag}.stdout.json", "w")  # noqa: SIM115 - closed below
    env = {**os.environ, "AGGREGATOR_DB": str(db)}
    cpu0 = nginx.cpu()
    t0 = time.perf_counter()
    try:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=stdout)
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        except BaseException:  # Ctrl-C reaches the child too; SIGTERM (see main) only the driver
            proc.terminate()
            proc.wait()
            raise
        proc.returncode = os.waitstatus_to_exitcode(status)
    finally:
        if stdout is not subprocess.DEVNULL:
            stdout.close()
    wall = time.perf_counter() - t0
    if not out.exists():
        raise SystemExit(f"{tag} crawl failed (exit {proc.returncode}); see its output above")
    result = json.loads(out.read_text(encoding="utf-8"))
    result.update(
        tag=tag,
        kind=kind,
        variant=variant,
        exit=proc.returncode,
        nginx_cpu_s=nginx.cpu() - cpu0,
        driver_wall_s=wall,
        # the whole crawler process and what it waited for, start-up included (wait4)
        process_cpu_s=usage.ru_utime + usage.ru_stime,
        process_maxrss_mb=usage.ru_maxrss / 1024,
        db=str(db) if kind == "product" else None,
    )
    if kind == "product":
        try:
            result["cli_summary"] = json.loads((work / f"{tag}.stdout.json").read_text(encoding="utf-8"))
        except ValueError:
            result["cli_summary"] = None
    return result


def check_store(db: str, truth: dict) -> dict:
    """Stories and copies stored, against the truth: stories mixing true stories (merged wrongly), true stories
    spread over several stories (split), copies of pages that are not articles."""
    conn = sqlite3.connect(db)
    try:
        stories = conn.execute("SELECT count(*) FROM stories").fetchone()[0]
        copies = conn.execute("SELECT count(*) FROM copies").fetchone()[0]
        rows = conn.execute("SELECT story_id, url FROM copies").fetchall()
    finally:
        conn.close()

    def key(url: str) -> tuple[str, str]:
        parts = urlsplit(url)
        return parts.netloc.lower(), parts.path

    story_of = {key(url): i for i, urls in enumerate(truth["stories"]) for url in urls}
    by_db: dict[int, set[int]] = {}
    by_truth: dict[int, set[int]] = {}
    unknown = 0
    for story_id, url in rows:
        t = story_of.get(key(url))
        if t is None:
            unknown += 1
            continue
        by_db.setdefault(story_id, set()).add(t)
        by_truth.setdefault(t, set()).add(story_id)
    wire = [i for i, urls in enumerate(truth["stories"]) if len(urls) == truth["portals"] and truth["wire"]]
    return {
        "stories": stories,
        "copies": copies,
        "expected_stories": truth["originals"],
        "expected_copies": truth["articles"],
        "merged_stories": sum(1 for s in by_db.values() if len(s) > 1),
        "split_stories": sum(1 for s in by_truth.values() if len(s) > 1),
        "missing_stories": truth["originals"] - len(by_truth),
        "non_article_copies": unknown,
        "wire_stories_stored_as": [len(by_truth.get(i, ())) for i in wire],
    }


def _row(r: dict, bare: dict | None) -> dict:
    stats, clock = r["stats"], r["clock"]
    pages = int(stats.get("response_received_count", 0))
    elapsed = (clock.get("t1", 0) - clock.get("t0", 0)) if clock.get("closed") else 0.0
    rate = pages / elapsed if elapsed else 0.0
    row = {
        "crawl": r["kind"],
        "variant": r["variant"],
        "pages": pages,
        "elapsed_s": elapsed,
        "pages_per_s": rate,
        "crawl_cpu_s": clock.get("cpu1", 0) - clock.get("cpu0", 0),
        "process_cpu_s": r["process_cpu_s"],
        "process_wall_s": r["driver_wall_s"],
        "peak_rss_mb": max(r["process_maxrss_mb"], r["ru_maxrss_mb"]),
        "vmhwm_mb": r.get("vmhwm_mb"),
        "nginx_cpu_s": r["nginx_cpu_s"],
        "load": [clock.get("load0"), clock.get("load1")],
        "crawlers": clock.get("closed", 0),
        # crawl + extraction workers (aggregator/workers.py), from /proc: bench/crawl/tree.py
        "tree_cpu_s": r.get("tree", {}).get("bench/tree_cpu_s", 0.0),
        "tree_peak_rss_mb": r.get("tree", {}).get("bench/tree_peak_rss_mb", 0.0),
        "tree_peak_pss_mb": r.get("tree", {}).get("bench/tree_peak_pss_mb", 0.0),
        "exit": r["exit"],
    }
    row["pages_per_cpu_s"] = pages / row["crawl_cpu_s"] if row["crawl_cpu_s"] else 0.0
    if bare is not None:
        row["ratio"] = rate / bare["pages_per_s"] if bare["pages_per_s"] else 0.0
        row["cpu_ratio"] = (
            row["pages_per_cpu_s"] / bare["pages_per_cpu_s"] if bare["pages_per_cpu_s"] else 0.0
        )
    return row


def print_table(rows: list[dict], out=sys.stdout) -> None:
    w = out.write
    header = (
        f"{'crawl':<9} {'pages':>6} {'elapsed s':>9} {'pages/s':>8} {'ratio':>6} {'CPU s':>7} "
        f"{'proc CPU s':>10} {'pages/CPU-s':>11} {'peak RSS MB':>11} {'nginx CPU s':>11} {'load avg':>10} "
        f"{'tree CPU s':>10} {'tree RSS/PSS MB':>15}\n"
    )
    w(header)
    w("-" * (len(header) - 1) + "\n")
    for r in rows:
        load = f"{r['load'][0] or 0:.1f}→{r['load'][1] or 0:.1f}"
        ratio = f"{r['ratio']:.2f}" if "ratio" in r else "1"
        memory = f"{r['tree_peak_rss_mb']:.0f}/{r['tree_peak_pss_mb']:.0f}"
        w(
            f"{r['crawl'] + ' ' + r['variant']:<9} {r['pages']:>6} {r['elapsed_s']:>9.1f} {r['pages_per_s']:>8.1f} "
            f"{ratio:>6} {r['crawl_cpu_s']:>7.1f} {r['process_cpu_s']:>10.1f} {r['pages_per_cpu_s']:>11.1f} "
            f"{r['peak_rss_mb']:>11.0f} {r['nginx_cpu_s']:>11.2f} {load:>10} {r['tree_cpu_s']:>10.1f} "
            f"{memory:>15}\n"
        )


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    rest: list[str] = []
    if "--" in argv:
        cut = argv.index("--")
        argv, rest = argv[:cut], argv[cut + 1 :]
    p = argparse.ArgumentParser(prog="python -m bench.crawl.many", description=__doc__.split("\n\n")[0])
    p.add_argument("--portals", type=int, default=200, help="portals per variant (default 200)")
    p.add_argument("--articles", type=int, default=25, help="article pages per portal (default 25)")
    p.add_argument(
        "--wire", type=int, default=3, help="wire stories on every portal in variant b (default 3)"
    )
    p.add_argument(
        "--concurrency", type=int, default=32, help="CONCURRENT_REQUESTS(_PER_DOMAIN) (default 32)"
    )
    p.add_argument("--port-base", type=int, default=9100, help="first port (default 9100)")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--nginx-workers", default="1", help="nginx worker_processes (default 1; 'auto')")
    p.add_argument(
        "--crawls",
        default="bare-a,product-a,bare-b,product-b",
        help="which crawls, in order (default bare-a,product-a,bare-b,product-b)",
    )
    p.add_argument("--json", metavar="FILE", help="save the report as JSON")
    p.add_argument("--keep", metavar="DIR", help="keep the portals, nginx.conf, databases and stats in DIR")
    p.add_argument("--profile", action="store_true", help="then profile one more product crawl (variant b)")
    p.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="an extra Scrapy setting for the product crawls only (repeatable)",
    )
    p.add_argument("--child", choices=("bare", "product"), help=argparse.SUPPRESS)
    p.add_argument("--out", help=argparse.SUPPRESS)
    p.add_argument("--urls-file", help=argparse.SUPPRESS)
    p.add_argument("--profile-out", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.child:
        return child_main(args, rest)

    crawls = [c.strip() for c in args.crawls.split(",") if c.strip()]
    for c in crawls:
        if c not in ("bare-a", "product-a", "bare-b", "product-b"):
            p.error(f"unknown crawl {c!r}")
    nginx_probe = shutil.which("nginx") or (os.access("/usr/sbin/nginx", os.X_OK) and "/usr/sbin/nginx")
    if not nginx_probe:
        print(INSTALL_HINT, file=sys.stderr)
        return 2

    tmp = None
    if args.keep:
        work = Path(args.keep).resolve()
        work.mkdir(parents=True, exist_ok=True)
    else:
        tmp = tempfile.TemporaryDirectory(prefix="crawl-many-")
        work = Path(tmp.name)
    os.chmod(work, 0o755)
    www = work / "www"
    shutil.rmtree(www, ignore_errors=True)
    n = args.portals
    ports = {"a": list(range(args.port_base, args.port_base + n))}
    ports["b"] = list(range(args.port_base + n, args.port_base + 2 * n))
    nginx = None

    def _terminated(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, _terminated)  # stop nginx and clean up on kill/timeout as on Ctrl-C
    try:
        started = time.perf_counter()
        truths = {}
        for variant in ("a", "b"):
            truth = write_variant(www, ports[variant], args.articles, args.wire, variant == "b", args.seed)
            (work / f"truth-{variant}.json").write_text(
                json.dumps(truth, ensure_ascii=False, indent=1), encoding="utf-8"
            )
            truths[variant] = truth
        t = truths["a"]
        print(
            f"{n} portals × 2 variants written in {time.perf_counter() - started:.1f} s: {t['files']} files per "
            f"variant ({t['articles']} article pages, {t['html_pages']} HTML pages); variant a: "
            f"{t['originals']} stories, at most {t['max_copies']} copies; variant b: {truths['b']['originals']} "
            f"stories, {args.wire} wire stories × {truths['b']['max_copies']} copies",
            flush=True,
        )
        nginx = Nginx(work, www, ports["a"] + ports["b"], args.nginx_workers)
        nginx.start()
        print(
            f"nginx serving ports {ports['a'][0]}–{ports['a'][-1]} (a) and {ports['b'][0]}–{ports['b'][-1]} (b); "
            f"load average {os.getloadavg()[0]:.1f}",
            flush=True,
        )
        results = {}
        for c in crawls:
            kind, variant = c.split("-")
            urls = [f"http://127.0.0.1:{port}/" for port in ports[variant]]
            print(f"crawling {c}…", flush=True)
            results[c] = run_child(kind, variant, urls, work, args, nginx)
        rows = []
        for c in crawls:
            kind, variant = c.split("-")
            bare = next((r for r in rows if r["crawl"] == "bare" and r["variant"] == variant), None)
            rows.append(_row(results[c], bare if kind == "product" else None))
        print(
            f"\nmany-portal crawl benchmark: {n} portals × {args.articles} article pages ({args.wire} wire stories "
            f"on every portal in b), concurrency {args.concurrency}, AutoThrottle off, delay 0; nginx "
            f"{args.nginx_workers} worker(s); {os.cpu_count()} CPUs\n"
        )
        print_table(rows)
        report = {
            "date": datetime.now().astimezone().isoformat(timespec="seconds"),
            "cpus": os.cpu_count(),
            "args": {
                k: v for k, v in vars(args).items() if k not in ("child", "out", "urls_file", "profile_out")
            },
            "truth": {v: {k: x for k, x in t.items() if k != "stories"} for v, t in truths.items()},
            "crawls": rows,
            "store": {},
        }
        print()
        for c in crawls:
            kind, variant = c.split("-")
            r = results[c]
            if kind == "bare":
                continue
            store = check_store(r["db"], truths[variant])
            report["store"][variant] = store
            s = r["stats"]
            summary = r.get("cli_summary") or []
            outcomes: dict[str, int] = {}
            for item in summary:
                outcomes[item.get("outcome", "?")] = outcomes.get(item.get("outcome", "?"), 0) + 1
            report.setdefault("product_stats", {})[variant] = {
                k: v for k, v in s.items() if k.startswith(("extract/", "store/", "dedupe/", "incremental/"))
            }
            report.setdefault("outcomes", {})[variant] = outcomes
            wire = store["wire_stories_stored_as"]
            print(
                f"product {variant}: exit {r['exit']}, {len(summary)} sources ({', '.join(f'{k} {v}' for k, v in outcomes.items())}); "
                f"{s.get('extract/article', 0)} article pages, {s.get('extract/not_article', 0)} non-articles; "
                f"stored {store['stories']} stories / {store['copies']} copies (truth {store['expected_stories']} / "
                f"{store['expected_copies']}): {store['merged_stories']} merged wrongly, {store['split_stories']} "
                f"split, {store['missing_stories']} missing, {store['non_article_copies']} non-article pages stored"
                + (f"; wire stories stored as {wire} stories each" if wire else "")
            )
        if args.profile:
            print("\nprofiling the product crawl of variant b under pyinstrument…", flush=True)
            prof = run_child(
                "product", "b", [f"http://127.0.0.1:{p}/" for p in ports["b"]], work, args, nginx, True
            )
            pages = int(prof["stats"].get("response_received_count", 0))
            print_profile(prof["profile"], pages)
            report["profile"] = prof["profile"]
        if args.json:
            Path(args.json).write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
        (work / "report.json").write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
        if args.keep:
            print(f"\nkept in {work}")
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    finally:
        if nginx is not None:
            nginx.stop()
        if tmp is not None:
            tmp.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
