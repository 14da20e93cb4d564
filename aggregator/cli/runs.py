"""``aggregator sources``, ``aggregator run-due`` and ``aggregator runs``: scheduled, recorded runs."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from aggregator.cli import DEFAULT_SOURCES, count, require_db

ORDER = 15  # position in --help


def register(sub, db_option) -> None:
    from aggregator.cli.crawl import add_run_options
    from aggregator.cli.distributed import redis_option

    p = sub.add_parser(
        "sources",
        parents=[db_option],
        help="list the sources with their schedule, last run and when they are next due",
        description="List the sources of the sources file with their schedule, their last run and its outcome, "
        "and when they are next due. A source with neither 'every' nor 'cron' is manual: never due.",
    )
    p.add_argument(
        "--sources", default=DEFAULT_SOURCES, metavar="PATH", help=f"sources file ({DEFAULT_SOURCES})"
    )
    p.add_argument("--json", action="store_true", help="print a JSON array")
    p.set_defaults(func=cmd_sources)

    p = sub.add_parser(
        "run-due",
        parents=[db_option],
        help="crawl every source that is due, then exit (for cron, systemd timers, Scrapyd)",
        description="Crawl every source of the sources file that is due, incrementally, all in this process, "
        "then exit. If another run-due holds the lock, exit at once with status 0. Exit status 1 if a source "
        "failed (the others still run); 130 / 143 if Ctrl-C / SIGTERM stopped it.",
    )
    p.add_argument(
        "--sources", default=DEFAULT_SOURCES, metavar="PATH", help=f"sources file ({DEFAULT_SOURCES})"
    )
    p.add_argument("--dry-run", action="store_true", help="only print which sources are due")
    add_run_options(p)
    redis_option(p)
    p.set_defaults(func=cmd_run_due)

    p = sub.add_parser(
        "runs",
        parents=[db_option],
        help="list past runs, newest first",
        description="List past runs (one per source crawled), newest first, with their outcome and figures.",
    )
    p.add_argument("--limit", type=count, default=20, metavar="N", help="at most N runs (20; 0: all)")
    p.add_argument("--source", metavar="NAME", help="only the runs of this source")
    p.add_argument("--json", action="store_true", help="print a JSON array")
    p.set_defaults(func=cmd_runs)


def _source_rows(sources, db: str, write: bool = False) -> list[dict]:
    """``write``: mark the runs of killed processes interrupted in the database (run-due); else only show them
    so (``sources`` reads, and changes nothing)."""
    from aggregator import runs
    from aggregator.schedule import next_due, now_utc, schedule_text

    last = {}
    if Path(db).exists():
        if write:
            runs.reap_stale(db)
        last = runs.last_runs(db)
        if not write:
            last = {r["source"]: r for r in runs.as_seen(list(last.values()), db)}
    now = now_utc()
    rows = []
    for src in sources:
        run = last.get(src.name)
        due = next_due(src, runs.parse_time(run["started"]) if run else None, now)
        rows.append(
            {
                "name": src.name,
                "kind": src.kind,
                "schedule": schedule_text(src),
                "last_run": run["started"] if run else None,
                "last_outcome": run["outcome"] if run else None,
                "last_reason": run["reason"] if run else None,
                "next_due": due.isoformat(timespec="seconds") if due else None,
                "due": due is not None and due <= now,
                "source": src,
            }
        )
    return rows


def cmd_sources(args) -> int:
    from aggregator.config import load_sources

    rows = _source_rows(load_sources(args.sources), args.db)
    if args.json:
        print(
            json.dumps(
                [{k: v for k, v in r.items() if k != "source"} for r in rows], ensure_ascii=False, indent=2
            )
        )
        return 0
    print(f"{'source':<12} {'kind':<8} {'schedule':<22} {'last run':<26} {'outcome':<12} next due")
    for r in rows:
        nxt = "manual" if r["schedule"] == "manual" else "now" if r["due"] else r["next_due"]
        print(
            f"{r['name']:<12} {r['kind']:<8} {r['schedule']:<22} {r['last_run'] or 'never':<26} "
            f"{r['last_outcome'] or '-':<12} {nxt}"
        )
    return 0


def cmd_run_due(args) -> int:
    from aggregator.cli.crawl import exit_status, report, run, run_overrides
    from aggregator.config import load_sources
    from aggregator.lock import run_due_lock
    from aggregator.store import Store

    sources = load_sources(args.sources)
    Store(args.db).close()  # a bad database path fails here, before the lock file is made next to it
    lock = run_due_lock(args.db)
    if not lock.acquire():
        pid = lock.holder()
        if args.json:
            print("[]")
        if not args.quiet:
            print(
                "another run-due is still running" + (f" (pid {pid})" if pid else "") + "; nothing to do",
                file=sys.stderr if args.json else sys.stdout,
            )
        return 0
    with lock:
        rows = _source_rows(sources, args.db, write=True)
        due = [r["source"] for r in rows if r["due"]]
        if args.dry_run or not due:
            if args.json:
                print(json.dumps([s.name for s in due]))
            elif not args.quiet:
                if due:
                    print("due: " + ", ".join(s.name for s in due))
                else:
                    upcoming = sorted((r["next_due"], r["name"]) for r in rows if r["next_due"])
                    nxt = f"; next: {upcoming[0][1]} at {upcoming[0][0]}" if upcoming else ""
                    print(f"nothing due{nxt}")
            return 0
        if args.redis:
            from aggregator.cli.distributed import enqueue

            return enqueue(args, due, "run-due")
        results = run(
            due, args.db, verbose=args.verbose, quiet=args.quiet, trigger="run-due", **run_overrides(args)
        )
        report(results, args)
        return exit_status(results)


def cmd_runs(args) -> int:
    from aggregator import runs

    require_db(args.db)
    rows = runs.as_seen(runs.list_runs(args.db, limit=args.limit or None, source=args.source), args.db)
    if args.json:
        print(json.dumps([runs.as_json(r) for r in rows], ensure_ascii=False, indent=2))
        return 0
    if not rows:
        print("no runs yet")
        return 0
    # the counters of the live line, the summary and --json, under the same names
    print(
        f"{'started':<26} {'source':<14} {'outcome':<12} {'secs':>6} {'pages':>6} {'new stories':>11} "
        f"{'new copies':>10} {'errors':>6}"
    )
    for r in rows:
        j = runs.as_json(r)
        secs = f"{j['duration_s']:.1f}" if j["duration_s"] is not None else "-"
        print(
            f"{j['started']:<26} {j['source']:<14} {j['outcome']:<12} {secs:>6} {j['pages_fetched']:>6} "
            f"{j['new_stories']:>11} {j['new_copies']:>10} {j['errors']:>6}"
            + (f"  {r['reason']}" if r["reason"] else "")
        )
    return 0
