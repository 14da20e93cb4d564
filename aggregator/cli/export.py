"""``aggregator export``."""

from __future__ import annotations

import contextlib
import os
import stat
import sys
import tempfile
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import IO
from urllib.parse import urlsplit

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
    from aggregator.filters import Filters, parse_date

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


def _check_feed_options(args) -> None:
    """--title and --link go into every feed as they are: refuse what no feed can hold, before anything runs."""
    for name in ("title", "link"):
        value = getattr(args, name)
        bad = next((c for c in value if unicodedata.category(c) == "Cc"), None)
        if bad is not None:
            raise CliError(f"--{name}: control character {bad!r} not allowed: {value!r}")
    parts = urlsplit(args.link)
    if parts.scheme not in ("http", "https") or not parts.netloc or any(c.isspace() for c in args.link):
        raise CliError(f"--link: not an http(s) URL: {args.link!r}")


def cmd_export(args) -> int:
    from aggregator import feeds
    from aggregator.search import SearchError
    from aggregator.store import Store

    if args.limit is not None and args.limit < 0:
        raise CliError("--limit must be 0 or more")
    _check_feed_options(args)
    filters = filters_from(args)
    limit = args.limit
    if limit is None and args.format in feeds.FEED_FORMATS:
        limit = FEED_DEFAULT_LIMIT
    require_db(args.db)
    # the CSV opens with a BOM, so that spreadsheet tools read it as UTF-8
    encoding = "utf-8-sig" if args.format == "csv" else "utf-8"
    newline = "" if args.format == "csv" else None
    with Store(args.db, readonly=True) as store:
        if args.query is not None:
            from aggregator.search import mapping_for, match_expression

            try:
                match_expression(args.query, mapping_for(store.db.conn))
            except SearchError as exc:
                raise CliError(f"--query: {exc}") from None
        stories = store.iter_stories(filters, query=args.query, limit=limit or None)
        if args.output:
            with output_file(args.output, encoding=encoding, newline=newline) as out:
                n = feeds.write(args.format, stories, out, title=args.title, link=args.link)
        else:
            if args.format == "csv":
                sys.stdout.reconfigure(newline="")
                sys.stdout.write("\ufeff")
            n = feeds.write(args.format, stories, sys.stdout, title=args.title, link=args.link)
    if args.output:
        print(f"wrote {n} stories to {args.output}", file=sys.stderr)
    return 0


@contextlib.contextmanager
def output_file(path: str, encoding: str, newline: str | None) -> Iterator[IO[str]]:
    """A text file that appears at ``path`` complete or not at all.

    It is written to a temporary file beside ``path`` (same directory, so same file system), flushed to disk,
    then renamed over it: a reader (a web server serving the feed) never sees half a file, and a failure (a
    full disk, a bad story, Ctrl-C) leaves the old file as it was. The rename replaces a symbolic link at
    ``path`` instead of writing through it. A FIFO or a terminal (``-o /dev/stdout``) is written directly.
    """
    target = Path(path)
    try:
        st = target.stat()
    except FileNotFoundError:
        st = None  # a new file, or a dangling symbolic link that the rename replaces
    if st is not None and (stat.S_ISFIFO(st.st_mode) or stat.S_ISCHR(st.st_mode)):
        with open(target, "w", encoding=encoding, newline=newline) as out:
            yield out
        return
    if st is not None and not stat.S_ISREG(st.st_mode):
        raise CliError(f"-o {path}: not a regular file")
    if st is not None and not target.is_symlink():
        mode = stat.S_IMODE(st.st_mode)  # replacing a file keeps its permissions
    else:
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o666 & ~umask  # what open() would have made
    try:
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    except OSError as exc:
        raise OSError(exc.errno, f"{exc.strerror} (creating a temporary file beside it)", path) from None
    try:
        with os.fdopen(fd, "w", encoding=encoding, newline=newline) as out:
            yield out
            out.flush()
            os.fchmod(out.fileno(), mode)
            os.fsync(out.fileno())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    with contextlib.suppress(OSError):  # the rename itself survives a power cut once the directory is synced
        dir_fd = os.open(target.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
