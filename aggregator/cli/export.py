"""``aggregator export``."""

from __future__ import annotations

import contextlib
import json
import sys

from aggregator.cli import require_db

ORDER = 30  # position in --help


def register(sub, db_option) -> None:
    p = sub.add_parser(
        "export",
        parents=[db_option],
        help="write the stored stories, newest first",
        description="Write one record per story (not per copy), newest first. JSONL fields: id, title, body, "
        "published, source, reporters, correspondents, editors, url, copies, first_seen, last_seen.",
    )
    p.add_argument("--format", choices=["jsonl"], default="jsonl", help="output format (default: jsonl)")
    p.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of standard output")
    p.add_argument("--limit", type=int, metavar="N", help="at most N stories")
    p.set_defaults(func=cmd_export)


def cmd_export(args) -> int:
    from aggregator.store import Store

    require_db(args.db)
    with Store(args.db) as store:
        target = open(args.output, "w", encoding="utf-8") if args.output else None  # noqa: SIM115
        with target or contextlib.nullcontext(sys.stdout) as out:
            n = 0
            for story in store.iter_stories(limit=args.limit):
                out.write(json.dumps(story, ensure_ascii=False) + "\n")
                n += 1
    if args.output:
        print(f"wrote {n} stories to {args.output}", file=sys.stderr)
    return 0
