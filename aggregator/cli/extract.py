"""``aggregator extract``: what the crawl's extraction makes of a page."""

from __future__ import annotations

import gzip
import sys
from pathlib import Path

from aggregator.cli import CliError

ORDER = 40  # position in --help


def register(sub, db_option) -> None:
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


def cmd_extract(args) -> int:
    from datetime import UTC, datetime

    from aggregator.extract import decode_html, extract
    from aggregator.safetext import json_for_terminal, terminal_value

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
            print(json_for_terminal(fields))
            continue
        # extraction already cleans the fields: escaping again costs nothing and covers what it might miss
        shown = terminal_value({**fields, "site_name": article.site_name})
        print(f"== {shown['input']}")
        keys = ("title", "published", "source", "reporters", "correspondents", "editors", "is_article")
        for key in (*keys, "reason") if article.reason else keys:
            value = shown[key]
            print(f"{key + ':':<16}{', '.join(value) if isinstance(value, list) else value}")
        print(f"site_name:      {shown['site_name']}")
        print("body:")
        print(shown["body"])
        print()
    return status


def _read_input(item: str) -> tuple[bytes, str | None, str | None]:
    if item.startswith(("http://", "https://")):
        import urllib.error  # ~30 ms at import, paid only when a URL is given
        import urllib.request

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
