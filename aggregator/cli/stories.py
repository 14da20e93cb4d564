"""``aggregator explain`` and ``aggregator rebuild``: why copies were joined, and regrouping after a change."""

from __future__ import annotations

import json
import sys

from aggregator.cli import count, require_db

ORDER = 35


def register(sub, db_option) -> None:
    p = sub.add_parser(
        "explain",
        parents=[db_option],
        help="say why a story's copies were joined",
        description="Show a story's copies and, for each, the evidence that joined it to the story: the same "
        "text, or the estimated Jaccard similarity and containment of its MinHash signature against another copy.",
    )
    p.add_argument("id", type=count, metavar="ID", help="story id")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_explain)

    p = sub.add_parser(
        "rebuild",
        parents=[db_option],
        help="recompute signatures and regroup all copies into stories",
        description="Recompute every copy's fingerprint from its stored body and regroup the copies into stories, "
        "as a fresh crawl would. Needed after an upgrade that changes the normaliser or the signature scheme "
        "(the signature version is stored with each signature). Runs in one transaction.",
    )
    p.set_defaults(func=cmd_rebuild)


def cmd_explain(args) -> int:
    from aggregator.safetext import json_for_terminal, terminal_value
    from aggregator.store import Store

    require_db(args.db)
    with Store(args.db, readonly=True) as store:
        story = store.db.execute("SELECT id, title, url FROM stories WHERE id = ?", [args.id]).fetchone()
        if story is None:
            print(f"aggregator: error: no story with id {args.id}", file=sys.stderr)  # as `show` does
            return 1
        copies = list(
            store.db.query(
                "SELECT id, url, portal, title, is_original, match FROM copies WHERE story_id = ? ORDER BY id",
                [args.id],
            )
        )
        # the stories of the similar copies each copy was kept apart from, as they are now
        for c in copies:
            c["match"] = json.loads(c["match"] or "{}")
            c["canonical"] = c["url"] == story[2]
        apart = sorted({k["copy"] for c in copies for k in c["match"].get("kept_apart", [])})
        story_of = dict(
            store.db.execute(
                f"SELECT id, story_id FROM copies WHERE id IN ({','.join('?' * len(apart))})", apart
            ).fetchall()
        )
    for c in copies:
        for k in c["match"].get("kept_apart", []):
            k["story"] = story_of.get(k["copy"])
    if args.json:
        print(json_for_terminal({"id": story[0], "title": story[1], "copies": copies}, indent=2))
        return 0
    # titles, portals and URLs come from crawled pages: escaped, as every command prints them
    copies = terminal_value(copies)
    print(f"story {story[0]}: {terminal_value(story[1])}")
    for c in copies:
        flags = ", ".join(
            f for f, on in (("canonical", c["canonical"]), ("original", c["is_original"])) if on
        )
        print(f"  copy {c['id']} on {c['portal']}{f' ({flags})' if flags else ''}: {c['url']}")
        how = c["match"].get("how", "unknown")
        print(
            f"    joined by {how}"
            + (f" with copy {c['match']['with_copy']}" if "with_copy" in c["match"] else "")
        )
        for k in c["match"].get("kept_apart", []):
            where = f"story {k['story']}" if k["story"] is not None else "deleted since"
            print(f"    kept apart from copy {k['copy']} ({where}): {k['how']}")
    return 0


def cmd_rebuild(args) -> int:
    from aggregator.store import Store

    require_db(args.db)

    def progress(n, total):
        if sys.stderr.isatty() and (n % 500 == 0 or n == total):
            print(f"\r{n}/{total} copies", end="" if n < total else "\n", file=sys.stderr)

    with Store(args.db) as store:
        result = store.rebuild(progress)
    print(
        f"rebuilt {result['copies']} copies: {result['stories_before']} stories before, {result['stories_after']} after"
    )
    return 0
