"""``aggregator export``."""

from __future__ import annotations

import contextlib
import sys

from aggregator.cli import CliError, count, require_db

ORDER = 30  # position in --help
FEED_DEFAULT_LIMIT = 100


def register(sub, db_option) -> None:
    p = sub.add_parser(
        "export",
        parents=[db_option],
        help="write the stored stories, newest first (JSONL, CSV, RSS, Atom, JSON Feed)",
        description="Write one record per story (not per copy), newest first. JSONL fields: id, title, body, "
        "published, source, reporters, correspondents, editors, url, copies, first_seen, last_seen. "
        "rss, atom and jsonfeed are feeds for feed readers (the 100 newest stories unless --limit says); "
        "csv is UTF-8 with a BOM, one row per story.",
    )
    p.add_argument(
        "--format",
        choices=["jsonl", "csv", "rss", "atom", "jsonfeed"],
        default="jsonl",
        help="output format (default: jsonl)",
    )
    p.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of standard output")
    p.add_argument("--limit", type=count, metavar="N", help="at most N stories (feeds: default 100; 0: all)")
    p.add_argument("--source", metavar="S", help="only stories whose original source is S")
    p.add_argument(
        "--portal", metavar="P", help="only stories with a copy on portal P (host:port or source name)"
    )
    p.add_argument("--query", metavar="Q", help="only stories matching the search query Q")
    p.add_argument("--since", metavar="DATE", help="only stories dated on or after DATE (YYYY-MM-DD or ISO)")
    p.add_argument("--until", metavar="DATE", help="only stories dated on or before DATE")
    p.add_argument("--title", default="aggregator", help="feed title (default: aggregator)")
    p.add_argument(
        "--link",
        default="http://localhost/",
        metavar="URL",
        help="feed home page link (default: http://localhost/)",
    )
    p.set_defaults(func=cmd_export)


def filters_from(args):
    """Filters from --source/--portal/--since/--until, the dates checked (bad ones are usage errors)."""
    from aggregator.search import Filters, parse_date

    for name in ("since", "until"):
        value = getattr(args, name, None)
        if value is not None:
            try:
                parse_date(value)
            except ValueError:
                raise CliError(
                    f"--{name}: not a date: {value!r} (expected YYYY-MM-DD or an ISO datetime)"
                ) from None
    return Filters(
        source=getattr(args, "source", None),
        portal=getattr(args, "portal", None),
        since=getattr(args, "since", None),
        until=getattr(args, "until", None),
    )


def cmd_export(args) -> int:
    from aggregator import feeds
    from aggregator.search import SearchError
    from aggregator.store import Store

    if args.limit is not None and args.limit < 0:
        raise CliError("--limit must be 0 or more")
    filters = filters_from(args)
    limit = args.limit
    if limit is None and args.format in feeds.FEED_FORMATS:
        limit = FEED_DEFAULT_LIMIT
    require_db(args.db)
    with Store(args.db) as store:
        if args.query is not None:
            from aggregator.search import mapping_for, match_expression

            try:
                match_expression(args.query, mapping_for(store.db.conn))
            except SearchError as exc:
                raise CliError(f"--query: {exc}") from None
        stories = store.iter_stories(filters, query=args.query, limit=limit or None)
        # the CSV opens with a BOM, so that spreadsheet tools read it as UTF-8
        encoding = "utf-8-sig" if args.format == "csv" else "utf-8"
        newline = "" if args.format == "csv" else None
        target = open(args.output, "w", encoding=encoding, newline=newline) if args.output else None  # noqa: SIM115
        if target is None and args.format == "csv":
            sys.stdout.reconfigure(newline="")
            sys.stdout.write("\ufeff")
        with target or contextlib.nullcontext(sys.stdout) as out:
            n = feeds.write(args.format, stories, out, title=args.title, link=args.link)
    if args.output:
        print(f"wrote {n} stories to {args.output}", file=sys.stderr)
    return 0
