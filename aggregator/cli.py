"""The ``aggregator`` command. Each subcommand is a thin layer over the library; errors are one clear line."""

from __future__ import annotations

import argparse
import contextlib
import gzip
import json
import os
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from aggregator import __version__

DEFAULT_DB = "data/aggregator.db"
DEFAULT_SOURCES = "data/sources.toml"


class CliError(Exception):
    """Bad input from the user: printed as one line, exit status 2."""


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    from aggregator.config import ConfigError
    from aggregator.store import StoreError

    try:
        return args.func(args) or 0
    except (CliError, ConfigError) as exc:
        print(f"aggregator: error: {exc}", file=sys.stderr)
        return 2
    except StoreError as exc:
        print(f"aggregator: error: {exc}", file=sys.stderr)
        return 1
    except BrokenPipeError:  # e.g. `aggregator export | head`
        return 0
    except OSError as exc:
        where = f"{exc.filename}: " if getattr(exc, "filename", None) else ""
        print(f"aggregator: error: {where}{exc.strerror or exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("aggregator: interrupted", file=sys.stderr)
        return 130


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="aggregator",
        description="Crawl news portals, clean each article, recognise reposts, and store every story once "
        "(with its original source and every copy) in SQLite.",
    )
    parser.add_argument("--version", action="version", version=f"aggregator {__version__}")
    db_parent = argparse.ArgumentParser(add_help=False)
    db_parent.add_argument(
        "--db",
        default=os.environ.get("AGGREGATOR_DB", DEFAULT_DB),
        metavar="PATH",
        help=f"SQLite database (default: $AGGREGATOR_DB or {DEFAULT_DB})",
    )
    sub = parser.add_subparsers(title="commands", metavar="COMMAND")

    p = sub.add_parser(
        "demo",
        parents=[db_parent],
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

    p = sub.add_parser(
        "crawl",
        parents=[db_parent],
        help="crawl portals from their front pages, or sources from the sources file",
        description="Crawl portals and store their articles. URLs need no configuration: list pages, pagination, "
        "feeds and sitemaps are discovered, the crawl stays on each portal's host and obeys robots.txt. "
        "Exit status 1 if a start URL could not be fetched.",
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
    p.add_argument("--depth", type=int, metavar="N", help="link depth limit (default 8)")
    p.add_argument("--max-pages", type=int, metavar="N", help="stop a source after N pages")
    p.add_argument("--ignore-robots", action="store_true", help="do not obey robots.txt")
    p.add_argument("--json", action="store_true", help="print the summary as JSON")
    p.add_argument("-v", "--verbose", action="store_true", help="show Scrapy's log")
    p.set_defaults(func=cmd_crawl)

    p = sub.add_parser(
        "export",
        parents=[db_parent],
        help="write the stored stories, newest first",
        description="Write one record per story (not per copy), newest first. JSONL fields: id, title, body, "
        "published, source, reporters, correspondents, editors, url, copies, first_seen, last_seen.",
    )
    p.add_argument("--format", choices=["jsonl"], default="jsonl", help="output format (default: jsonl)")
    p.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of standard output")
    p.add_argument("--limit", type=int, metavar="N", help="at most N stories")
    p.set_defaults(func=cmd_export)

    p = sub.add_parser(
        "extract",
        help="show what the pipeline extracts from saved pages or URLs",
        description="Run the crawl's extraction on saved pages (.html, .html.gz) or URLs and print the fields. "
        "Use it to debug a new source: it is the same code path as a crawl.",
    )
    p.add_argument("inputs", nargs="+", metavar="FILE|URL")
    p.add_argument("--url", help="the page's original URL, when extracting a saved file")
    p.add_argument("--json", action="store_true", help="one JSON object per input")
    p.set_defaults(func=cmd_extract)
    return parser


# commands


def cmd_demo(args) -> int:
    from aggregator.demo.server import serve_portals
    from aggregator.demo.sources import demo_sources

    if args.no_crawl and not args.serve:
        raise CliError("--no-crawl only makes sense with --serve")
    try:
        servers = serve_portals(port_base=args.port_base)
    except OSError as exc:
        raise CliError(
            f"cannot serve the demo portals from port {args.port_base}: {exc} (try --port-base)"
        ) from None
    with servers:
        print("demo portals:")
        for name, url in servers.urls.items():
            print(f"  {name:<10} {url}")
        if not args.no_crawl:
            results = _crawl(demo_sources(servers.urls), args.db, verbose=args.verbose)
            _print_summary(results, args.db)
        if args.serve:
            print("serving; press Ctrl-C to stop")
            try:
                while True:
                    time.sleep(3600)
            except KeyboardInterrupt:
                pass
    return 0


def cmd_crawl(args) -> int:
    from aggregator.config import load_sources, source_for_urls

    sources = []
    if args.urls:
        bad = [u for u in args.urls if not u.startswith(("http://", "https://"))]
        if bad:
            raise CliError(f"not an http(s) URL: {bad[0]}")
        sources.append(source_for_urls(args.urls))
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
    overrides = {}
    if args.depth is not None:
        overrides["DEPTH_LIMIT"] = args.depth
    if args.max_pages:
        overrides["CLOSESPIDER_PAGECOUNT"] = args.max_pages
    if args.ignore_robots:
        overrides["ROBOTSTXT_OBEY"] = False
    results = _crawl(sources, args.db, verbose=args.verbose, **overrides)
    if args.json:
        print(json.dumps([r.summary for r in results], ensure_ascii=False, indent=2))
    else:
        _print_summary(results, args.db)
    return 1 if any(r.failures for r in results) else 0


def cmd_export(args) -> int:
    from aggregator.store import Store

    _require_db(args.db)
    target = open(args.output, "w", encoding="utf-8") if args.output else contextlib.nullcontext(sys.stdout)  # noqa: SIM115
    with Store(args.db) as store, target as out:
        n = 0
        for story in store.iter_stories(limit=args.limit):
            out.write(json.dumps(story, ensure_ascii=False) + "\n")
            n += 1
    if args.output:
        print(f"wrote {n} stories to {args.output}", file=sys.stderr)
    return 0


def cmd_extract(args) -> int:
    from datetime import UTC, datetime

    from aggregator.extract import decode_html, extract

    status = 0
    for item in args.inputs:
        try:
            data, content_type, url = _read_input(item)
        except CliError as exc:
            print(f"aggregator: error: {exc}", file=sys.stderr)
            status = 1
            continue
        article = extract(decode_html(data, content_type), args.url or url, fetched_at=datetime.now(UTC))
        fields = {"input": item, **{k: v for k, v in article.to_dict().items() if k != "site_name"}}
        if args.json:
            print(json.dumps(fields, ensure_ascii=False))
            continue
        print(f"== {item}")
        for key in ("title", "published", "source", "reporters", "correspondents", "editors", "is_article"):
            value = fields[key]
            print(f"{key + ':':<16}{', '.join(value) if isinstance(value, list) else value}")
        print(f"site_name:      {article.site_name}")
        print("body:")
        print(article.body)
        print()
    return status


# helpers


def _crawl(sources, db, verbose: bool = False, **overrides):
    from aggregator.crawl import make_settings, run_crawl
    from aggregator.store import Store

    Store(db).close()  # a bad database path fails here, with a clear message, before any request is made
    # the summary reports failures in one line each; Scrapy's own error log would repeat them with tracebacks
    settings = make_settings(db, log_level="INFO" if verbose else "CRITICAL", **overrides)
    return run_crawl(sources, settings)


def _print_summary(results, db) -> None:
    from aggregator.store import Store

    pages = sum(r.summary["pages"] for r in results)
    articles = sum(r.summary["articles"] for r in results)
    new_stories = sum(r.summary["new_stories"] for r in results)
    new_copies = sum(r.summary["new_copies"] for r in results)
    with Store(db) as store:
        counts = store.counts()
        top = store.top_sources()
    print(f"crawled {len(results)} source(s): {pages} pages fetched, {articles} article pages")
    print(f"this run: {new_stories} new stories, {new_copies} new copies")
    print(
        f"database {db}: {counts['stories']} stories, {counts['copies']} copies on {counts['portals']} portals"
    )
    if top:
        print("top original sources: " + ", ".join(f"{name} ({n})" for name, n in top))
    for r in results:
        for failure in r.failures:
            print(f"error: [{r.source}] {failure}", file=sys.stderr)


def _require_db(path: str) -> None:
    if not Path(path).exists():
        raise CliError(
            f"no database at {path}: run 'aggregator crawl' or 'aggregator demo' first, or pass --db"
        )


def _read_input(item: str) -> tuple[bytes, str | None, str | None]:
    if item.startswith(("http://", "https://")):
        request = urllib.request.Request(item, headers={"User-Agent": "aggregator (extract)"})
        try:
            with urllib.request.urlopen(request, timeout=30) as resp:
                return resp.read(), resp.headers.get("Content-Type"), resp.geturl()
        except (urllib.error.URLError, OSError, ValueError) as exc:
            raise CliError(f"cannot fetch {item}: {getattr(exc, 'reason', exc)}") from None
    path = Path(item)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise CliError(f"cannot read {item}: {exc.strerror or exc}") from None
    if data[:2] == b"\x1f\x8b":
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError) as exc:
            raise CliError(f"cannot read {item}: broken gzip data ({exc})") from None
    return data, None, None


if __name__ == "__main__":
    sys.exit(main())
