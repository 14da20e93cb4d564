"""``aggregator search``, ``show``, ``stats`` and ``browse``: reading the collected database."""

from __future__ import annotations

import socket
import sys

from aggregator.cli import CliError, count, require_db

ORDER = 20  # position in --help

BOLD, RESET = "\033[1m", "\033[0m"
# Everything printed from the database goes through aggregator.safetext: extraction cleans text since 0.2, but a
# database written before, or by another tool, may hold terminal escapes and bidi overrides.


def register(sub, db_option) -> None:
    for add in (_register_search, _register_show, _register_stats, _register_browse):
        add(sub, db_option)


def _register_search(sub, db_option) -> None:
    p = sub.add_parser(
        "search",
        parents=[db_option],
        help="full-text search of the stories (Chinese and English)",
        description="Search the stories' titles and bodies, best match first among the newest 1,000 matches (term frequency; title matches weigh 5×). "
        "Chinese is matched as written, in simplified or traditional characters; words separated by spaces "
        "must all occur. Quotes, *, -, : and other punctuation are plain text, not operators.",
    )
    p.add_argument("query", metavar="QUERY", help="words or characters to look for")
    p.add_argument("--source", metavar="S", help="only stories whose original source is S")
    p.add_argument(
        "--portal", metavar="P", help="only stories with a copy on portal P (host:port or source name)"
    )
    p.add_argument("--since", metavar="DATE", help="only stories dated on or after DATE (YYYY-MM-DD or ISO)")
    p.add_argument("--until", metavar="DATE", help="only stories dated on or before DATE")
    p.add_argument(
        "--limit",
        type=count,
        default=20,
        metavar="N",
        help="at most N results (default: 20; 0: all of the newest 1,000 matches)",
    )
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_search)


def _register_show(sub, db_option) -> None:
    p = sub.add_parser(
        "show",
        parents=[db_option],
        help="one story with all of its copies",
        description="Print a story's fields and every copy of it: portal, URL, title as seen, dates, the source "
        "it claims, and whether it is on the original publisher's site.",
    )
    p.add_argument("id", type=count, metavar="ID", help="story id (as search and export print it)")
    out = p.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true", help="print JSON")
    out.add_argument(
        "--html",
        metavar="FILE",
        help="write the story page of 'aggregator browse' (text, copies, timeline of its spread) to FILE, "
        "one self-contained HTML file that opens offline",
    )
    p.set_defaults(func=cmd_show)


def _register_stats(sub, db_option) -> None:
    p = sub.add_parser(
        "stats",
        parents=[db_option],
        help="counts by source, portal and day; the most reposted stories",
        description="Counts of stories by original source, of copies by portal and of stories by day; the most "
        "reposted stories; the portals that repost the most (copies that are not originals).",
    )
    p.add_argument("--top", type=count, default=10, metavar="N", help="length of the top lists (default: 10)")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_stats)


def _register_browse(sub, db_option) -> None:
    p = sub.add_parser(
        "browse",
        parents=[db_option],
        help="the newsroom in a browser: latest stories, search, how each story spread (Datasette)",
        description="Serve the database read-only with Datasette on 127.0.0.1. It opens on the newsroom: the "
        "latest and most reposted stories, charts of stories per day and of the reposting portals, search "
        "(/-/search, as 'aggregator search'), and each story with its copies and a timeline of its spread "
        "(/-/story/ID); Datasette's described tables, canned queries and SQL are one link away. "
        "Needs the browse extra (pip install -e '.[browse]'). Stop it with Ctrl-C.",
    )
    p.add_argument("--port", type=int, default=8001, metavar="N", help="port (default: 8001)")
    p.add_argument(
        "--host",
        default="127.0.0.1",
        metavar="ADDR",
        help="address to listen on (default: 127.0.0.1; another one exposes the database to that network)",
    )
    p.add_argument(
        "--allow-host",
        action="append",
        default=[],
        metavar="NAME",
        help="also answer requests for this host name (repeatable); others get 403",
    )
    p.add_argument(
        "--immutable",
        action="store_true",
        help="open the file as an immutable snapshot (datasette -i) instead of read-only",
    )
    p.set_defaults(func=cmd_browse)


def _open(path: str):
    from aggregator.store import Store

    require_db(path)
    return Store(path, readonly=True)


# search


def cmd_search(args) -> int:
    from aggregator.cli.export import filters_from
    from aggregator.safetext import json_for_terminal, terminal_value
    from aggregator.search import SearchError, search

    if not args.query.strip():
        raise CliError("empty query: give words or characters to search for")
    filters = filters_from(args)
    with _open(args.db) as store:
        try:
            results = search(store.db, args.query, filters, limit=args.limit or None)
        except SearchError as exc:
            raise CliError(str(exc)) from None
    if args.json:
        print(json_for_terminal(results, indent=1))
        return 0
    if not results:
        print(f"no stories match {args.query!r}", file=sys.stderr)
        return 0
    tty = sys.stdout.isatty()
    marks = (BOLD, RESET) if tty else ("[", "]")
    for r in results:
        shown = terminal_value(r)
        date = (shown["published"] or shown["first_seen"] or "")[:10]
        copies = f"{r['copies_count']} cop{'y' if r['copies_count'] == 1 else 'ies'}"
        print(f"#{r['id']}  {date}  {shown['source'] or '(source unknown)'}  {copies}")
        print(f"  {_mark(r['title'] or '(untitled)', r['title_matches'], *marks)}")
        if r["snippet"]:
            print(f"  {_mark(r['snippet'], r['matches'], *marks)}")
        print(f"  {shown['url']}")
    return 0


def _mark(text: str, spans: list[tuple[int, int]], before: str, after: str) -> str:
    """search.mark() with each piece escaped for the terminal: the spans are offsets into the raw text, so it is
    escaped piece by piece, after the offsets are used."""
    from aggregator.safetext import for_terminal

    out, pos = [], 0
    for a, b in sorted(spans):
        if a < pos:
            continue
        out += [for_terminal(text[pos:a]), before, for_terminal(text[a:b]), after]
        pos = b
    out.append(for_terminal(text[pos:]))
    return "".join(out)


# show


def cmd_show(args) -> int:
    from aggregator.safetext import json_for_terminal, terminal_value
    from aggregator.stats import story_detail

    with _open(args.db) as store:
        story = story_detail(store.db, args.id)
    if story is None:
        print(f"aggregator: error: no story with id {args.id}", file=sys.stderr)
        return 1
    if args.html:
        from aggregator.cli.export import output_file
        from aggregator.newsroom import pages

        page = pages.story_page(pages.Site(static=True), story)
        with output_file(args.html, encoding="utf-8", newline=None) as out:
            out.write(page)
        print(f"wrote story #{story['id']} to {args.html}", file=sys.stderr)
        return 0
    if args.json:
        print(json_for_terminal(story, indent=1))
        return 0
    story = terminal_value(story)
    print(f"story #{story['id']}: {story['title'] or '(untitled)'}")
    for label, key in (
        ("published", "published"),
        ("source", "source"),
        ("reporters", "reporters"),
        ("correspondents", "correspondents"),
        ("editors", "editors"),
        ("url", "url"),
        ("first seen", "first_seen"),
        ("last seen", "last_seen"),
    ):
        value = story.get(key)
        if isinstance(value, list):
            value = ", ".join(value)
        print(f"  {label + ':':<16}{value if value not in (None, '') else '-'}")
    print(f"copies ({len(story['copies'])}):")
    for c in story["copies"]:
        tags = [t for t, on in (("canonical", c["is_canonical"]), ("original", c["is_original"])) if on]
        portal = c.get("source_name") or c["portal"]  # the name the sources file gives it, when it has one
        print(f"  - {portal}  {c['url']}" + (f"  [{', '.join(tags)}]" if tags else ""))
        print(f"      title:     {c.get('title') or '-'}")
        print(f"      published: {c.get('published') or '-'}   fetched: {c.get('fetched_at') or '-'}")
        print(f"      claims:    {c.get('source') or '-'}")
    print()
    print(story.get("body") or "")
    return 0


# stats


def cmd_stats(args) -> int:
    from aggregator.safetext import json_for_terminal, terminal_value
    from aggregator.stats import stats

    if args.top < 1:
        raise CliError("--top must be 1 or more")
    with _open(args.db) as store:
        data = stats(store.db, top=args.top)
        names = portal_names(store.db)
    for row in data["by_portal"] + data["top_reposting_portals"]:
        row["name"] = names.get(row["portal"], row["portal"])
    if args.json:
        print(json_for_terminal(data, indent=1))
        return 0
    data = terminal_value(data)
    print(f"{data['stories']} stories, {data['copies']} copies, {data['portals']} portals")
    print("\nstories by original source:")
    for r in data["by_source"][: args.top]:
        print(f"  {r['stories']:>6}  {r['source'] or '(unknown)'}  ({r['copies']} copies)")
    print("\ncopies by portal:")
    for r in data["by_portal"][: args.top]:
        print(f"  {r['copies']:>6}  {r['name']}  ({r['originals']} originals, {r['reposts']} reposts)")
    print("\nstories by day:")
    for r in data["by_day"]:
        print(f"  {r['stories']:>6}  {r['day']}")
    print("\nmost reposted stories:")
    for r in data["most_reposted"]:
        print(
            f"  {r['copies']:>6}  #{r['id']} {r['title']}  ({r['source'] or 'source unknown'}, {r['portals']} portals)"
        )
    print("\nportals that repost the most:")
    for r in data["top_reposting_portals"]:
        print(f"  {r['reposts']:>6}  {r['name']}  ({r['stories']} stories)")
    return 0


def portal_names(db) -> dict[str, str]:
    """host:port → the sources-file name its copies were crawled under (what the user calls it, and what
    --portal accepts); with the host when that name crawled several portals (a feed's articles elsewhere)."""
    pairs = db.execute(
        "SELECT DISTINCT portal, source_name FROM copies WHERE source_name IS NOT NULL AND source_name != portal"
    ).fetchall()
    by_portal: dict[str, list[str]] = {}
    portals_of: dict[str, int] = {}
    for portal, name in pairs:
        by_portal.setdefault(portal, []).append(name)
        portals_of[name] = portals_of.get(name, 0) + 1
    return {
        portal: ", ".join(sorted(names)) + (f" ({portal})" if any(portals_of[n] > 1 for n in names) else "")
        for portal, names in by_portal.items()
    }


# browse


def cmd_browse(args) -> int:
    from aggregator.browse import BrowseError, serve

    if not 0 < args.port < 65536:
        raise CliError(f"--port: not a port number: {args.port}")
    with _open(args.db):  # an aggregator database this version can read, refused early otherwise
        pass
    host = args.host
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as s:
        try:
            s.bind((host, args.port))
        except OSError as exc:
            raise CliError(
                f"cannot listen on {host} port {args.port}: {exc.strerror or exc} (choose another --port or --host)"
            ) from None
    shown = f"[{host}]" if ":" in host else host
    print(f"serving {args.db} read-only at http://{shown}:{args.port}/ (Ctrl-C to stop)", file=sys.stderr)
    try:
        serve(args.db, args.port, immutable=args.immutable, host=host, allow_hosts=args.allow_host)
    except BrowseError as exc:
        raise CliError(str(exc)) from None
    return 0
