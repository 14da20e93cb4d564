"""``aggregator demo`` and ``aggregator crawl``."""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import replace
from urllib.parse import urlsplit

from aggregator.cli import DEFAULT_SOURCES, CliError, count
from aggregator.cli.distributed import redis_option

ORDER = 10  # position in --help


def register(sub, db_option) -> None:
    _register_demo(sub, db_option)
    _register_crawl(sub, db_option)


def _register_demo(sub, db_option) -> None:
    p = sub.add_parser(
        "demo",
        parents=[db_option],
        help="serve the bundled demo portals on loopback, crawl them and print a summary",
        description="Serve the bundled demo portals on 127.0.0.1, crawl all of them into the database and print "
        "a summary. With --serve, keep serving them afterwards so you can crawl them by hand.",
    )
    p.add_argument(
        "--serve", action="store_true", help="keep serving the portals after the crawl (Ctrl-C stops)"
    )
    p.add_argument("--no-crawl", action="store_true", help="with --serve: only serve, do not crawl")
    p.add_argument(
        "--port-base", type=int, default=8101, metavar="N", help="first port; portal i gets N+i (8101)"
    )
    p.add_argument("-v", "--verbose", action="store_true", help="show Scrapy's log")
    p.set_defaults(func=cmd_demo)


def _register_crawl(sub, db_option) -> None:
    p = sub.add_parser(
        "crawl",
        parents=[db_option],
        help="crawl portals from their front pages, or sources from the sources file",
        description="Crawl portals and store their articles. URLs need no configuration: list pages, pagination, "
        "feeds and sitemaps are discovered, the crawl stays on each portal's host and obeys robots.txt. "
        "Exit status 1 if a start URL could not be fetched; 130 / 143 if Ctrl-C / SIGTERM stopped it.",
    )
    p.add_argument("urls", nargs="*", metavar="URL", help="front page(s) of portals to crawl")
    p.add_argument(
        "--source", action="append", default=[], metavar="NAME", help="crawl a named source (repeatable)"
    )
    p.add_argument("--all", action="store_true", help="crawl every source in the sources file")
    p.add_argument(
        "--sources",
        default=DEFAULT_SOURCES,
        metavar="PATH",
        help=f"sources file (default: {DEFAULT_SOURCES})",
    )
    p.add_argument("--depth", type=count, metavar="N", help="link depth limit (default 8)")
    p.add_argument(
        "--max-pages",
        type=count,
        metavar="N",
        help="request at most N pages per source (default 10000; 0: no limit)",
    )
    p.add_argument(
        "--max-time",
        type=interval,
        metavar="DURATION",
        help="stop requesting pages of a source after this long, e.g. 30m (default 1h; 0: no limit)",
    )
    p.add_argument(
        "--max-entries",
        type=count,
        metavar="N",
        help="take at most N URLs from one sitemap or feed (default 5000)",
    )
    p.add_argument(
        "--max-sitemaps",
        type=count,
        metavar="N",
        help="take at most N sitemaps from one sitemap index (default 50)",
    )
    p.add_argument("--ignore-robots", action="store_true", help="do not obey robots.txt")
    add_run_options(p)
    redis_option(p)
    p.set_defaults(func=cmd_crawl)


def interval(text: str) -> int:
    """An argparse type: a duration such as 90s, 30m, 2h or 1d (or 0), in seconds."""
    from aggregator.config import parse_interval

    if text.strip() == "0":
        return 0
    try:
        return parse_interval(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def add_run_options(p) -> None:
    """Options shared by ``crawl`` and ``run-due``."""
    p.add_argument(
        "--full",
        action="store_true",
        help="fetch everything again (known articles, unchanged pages, every list page): a full backfill",
    )
    p.add_argument(
        "--user-agent",
        metavar="TEXT",
        help="User-Agent header (default: $AGGREGATOR_USER_AGENT or aggregator/VERSION (+project URL))",
    )
    p.add_argument("--json", action="store_true", help="print the summary as JSON")
    p.add_argument("-q", "--quiet", action="store_true", help="print nothing but errors (for cron)")
    p.add_argument("-v", "--verbose", action="store_true", help="show Scrapy's log")


def run_overrides(args) -> dict:
    overrides = {}
    if getattr(args, "full", False):
        overrides["AGGREGATOR_INCREMENTAL"] = False
        overrides["AGGREGATOR_STOP_PAGINATION"] = False
    if getattr(args, "user_agent", None):
        overrides["USER_AGENT"] = args.user_agent
    return overrides


def cmd_demo(args) -> int:
    from aggregator.demo.server import PORTAL_ORDER, PortError, serve_portals
    from aggregator.demo.sources import demo_sources

    if args.no_crawl and not args.serve:
        raise CliError("--no-crawl only makes sense with --serve")
    if not args.no_crawl:
        from aggregator.store import Store

        Store(args.db).close()  # a bad --db fails before the portals are served, not after they are listed
    if not 0 < args.port_base <= 65536 - len(PORTAL_ORDER):
        raise CliError(f"--port-base: the six portals need ports {args.port_base} to {args.port_base + 5}")
    try:
        servers = serve_portals(port_base=args.port_base).start()
    except PortError as exc:
        # six ports from --port-base: the user must know which one is taken and how to move them all
        raise CliError(
            f"{exc} (the demo uses ports {args.port_base}-{args.port_base + len(PORTAL_ORDER) - 1}; "
            "choose others with --port-base N)"
        ) from None
    status, results = 0, []
    try:
        print("demo portals:")
        for name, url in servers.urls.items():
            print(f"  {name:<10} {url}")
        if not args.no_crawl:
            results = run(demo_sources(servers.urls), args.db, verbose=args.verbose)
            print_summary(results, args.db)
            status = exit_status(results)
        if args.serve and not stopped_by(results):
            print("serving; press Ctrl-C to stop")
            try:
                while True:
                    time.sleep(3600)
            except KeyboardInterrupt:
                pass
    finally:
        servers.stop()
    return status


def cmd_crawl(args) -> int:
    from aggregator.config import is_http_url, load_sources, source_for_urls

    sources = []
    if args.urls:
        bad = [u for u in args.urls if not is_http_url(u)]
        if bad:
            raise CliError(f"not an http(s) URL: {bad[0]}")
        # one ad-hoc source per host, named after it: that is the name its runs are recorded under
        by_host: dict[str, list[str]] = {}
        for url in args.urls:
            by_host.setdefault(urlsplit(url).netloc.lower(), []).append(url)
        sources.extend(replace(source_for_urls(urls), name=host) for host, urls in by_host.items())
    if args.source or args.all:
        known = load_sources(args.sources)
        if args.all:
            sources.extend(known)
        else:
            by_name = {s.name: s for s in known}
            for name in args.source:
                if name not in by_name:
                    raise CliError(
                        f"no source named {name!r} in {args.sources} (have: {', '.join(by_name) or 'none'})"
                    )
                sources.append(by_name[name])
    if not sources:
        raise CliError("nothing to crawl: give URLs, --source NAME or --all")
    # the command line wins over the sources file
    bounds = {k: getattr(args, k) for k in ("depth", "max_pages", "max_time", "max_entries", "max_sitemaps")}
    sources = [replace(s, **{k: v for k, v in bounds.items() if v is not None}) for s in sources]
    if args.redis:
        if args.ignore_robots:
            sources = [replace(s, obey_robots=False) for s in sources]
        from aggregator.cli.distributed import enqueue

        return enqueue(args, sources, "crawl")
    overrides = run_overrides(args)
    if args.ignore_robots:
        overrides["ROBOTSTXT_OBEY"] = False
    results = run(sources, args.db, verbose=args.verbose, quiet=args.quiet, trigger="crawl", **overrides)
    report(results, args)
    return exit_status(results)


def exit_status(results) -> int:
    """128 + the signal's number when a signal stopped the crawl (130: Ctrl-C, 143: SIGTERM), as a shell
    reports a command killed by it; else 1 if a source failed, a start URL could not be fetched, or anything
    could not be written to the database (an article lost to a full disk is an error, not a detail); else 0."""
    signum = stopped_by(results)
    if signum:
        return 128 + signum
    bad = (r.failures or r.outcome == "failed" or r.summary["store_errors"] for r in results)
    return 1 if any(bad) else 0


def stopped_by(results) -> int | None:
    """The signal that interrupted the crawl, if one did."""
    return next((r.signal for r in results if r.outcome == "interrupted" and r.signal), None)


def report(results, args) -> None:
    """The end of a crawl: JSON or the summary, and the errors on stderr (--quiet: only the errors)."""
    if args.json:
        print(json.dumps([r.summary for r in results], ensure_ascii=False, indent=2))
        print_errors(results)  # on stderr: stdout stays one JSON document
    elif args.quiet:
        print_errors(results)
    else:
        print_summary(results, args.db)


def run(sources, db, verbose: bool = False, quiet: bool = False, trigger: str = "crawl", **overrides):
    from aggregator.crawl import make_settings, run_crawl
    from aggregator.lock import check
    from aggregator.store import Store

    Store(db).close()  # a bad database path fails here, with a clear message, before any request is made
    for src in sources:
        check(db, f"source-{src.name}")  # a planted symbolic link is refused here, in one line
    # the summary reports failures in one line each; Scrapy's own error log would repeat them with tracebacks
    overrides.setdefault("AGGREGATOR_TRIGGER", trigger)
    overrides.setdefault("AGGREGATOR_PROGRESS", sys.stderr.isatty() and not quiet and not verbose)
    settings = make_settings(db, log_level="INFO" if verbose else "CRITICAL", **overrides)
    return run_crawl(sources, settings)


def print_summary(results, db) -> None:
    import sqlite3

    from aggregator.store import Store, StoreError

    # the figures of the live progress line, added up the same way
    total = {
        k: sum(r.summary[k] for r in results)
        for k in ("pages_fetched", "not_modified", "articles", "new_stories", "new_copies", "errors")
    }
    print(
        f"crawled {len(results)} source(s){' (interrupted)' if stopped_by(results) else ''}: "
        f"{total['pages_fetched']} pages fetched ({total['not_modified']} unchanged), {total['articles']} articles"
    )
    print(
        f"this run: {total['new_stories']} new stories, {total['new_copies']} new copies, {total['errors']} errors"
    )
    try:
        with Store(db, readonly=True) as store:
            counts = store.counts()
            top = store.top_sources()
    except (sqlite3.Error, StoreError) as exc:  # the errors below still need printing
        print(f"error: cannot read {db}: {exc}", file=sys.stderr)
    else:
        print(
            f"database {db}: {counts['stories']} stories, {counts['copies']} copies on {counts['portals']} portals"
        )
        if top:
            print("top original sources: " + ", ".join(f"{name} ({n})" for name, n in top))
    for r in results:
        if r.outcome == "skipped":
            print(f"skipped {r.source}: {r.reason}")
    print_errors(results)


def print_errors(results) -> None:
    signum = stopped_by(results)
    for r in results:
        for failure in r.failures:
            print(f"error: [{r.source}] {failure}", file=sys.stderr)
        if r.summary["store_errors"] or (
            r.outcome in ("failed", "interrupted") and not r.failures and not (signum and r.signal)
        ):
            print(f"error: [{r.source}] {r.outcome}: {r.reason}", file=sys.stderr)
    if signum:
        # one line for the whole crawl: the signal stopped every source, not each on its own
        stopped = [r for r in results if r.outcome == "interrupted"]
        reason = next(r.reason for r in stopped).split(";")[0]
        print(
            f"aggregator: {reason}: {len(stopped)} of {len(results)} source(s) stopped before the end; "
            "what was stored is kept and the next run goes on from there",
            file=sys.stderr,
        )
