"""Export the stories as feeds and files: RSS 2.0 and Atom (through feedgen), JSON Feed 1.1, JSONL and CSV.

Every format has one item per story, newest first (by UTC instant of the date, or of first_seen when the story
has none). An item's id is ``tag:aggregator.invalid,2026:story/<story id>``: stories keep their integer id, so
the id stays the same across exports and feed readers do not show an item twice. The author is the story's
reporters, the category its original source, the link its canonical copy, and the other copies are listed in
the content.

Text is plain text: in RSS and Atom the HTML content is built from it with every ``<`` escaped, so an article
containing ``<script>`` shows that text and never becomes markup. Control characters (C0 but tab and line feed,
C1) and bidi controls are removed from every string of every format, JSONL included: extraction removes them
since 0.2, and an export of an older database must not pass them on (a U+202E reverses what a reader sees).

A CSV cell holds at most 32,767 characters (the limit of Excel and LibreOffice, counted in UTF-16 units): a longer
one is cut, ending with "…", and a warning on stderr names the story and field; the JSONL export has the full
text. Cutting keeps one row per story and the columns fixed, which splitting a cell over several would not.
"""

from __future__ import annotations

import csv
import html
import itertools
import json
import re
import sys
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import IO

from aggregator.safetext import BIDI, clean_value

FORMATS = ("rss", "atom", "jsonfeed", "jsonl", "csv")
FEED_FORMATS = ("rss", "atom", "jsonfeed")
TAG_PREFIX = "tag:aggregator.invalid,2026:"
JSONFEED_VERSION = "https://jsonfeed.org/version/1.1"
CSV_FIELDS = (
    "id", "published", "title", "source", "reporters", "correspondents", "editors", "url",
    "copies_count", "copy_urls", "portals", "first_seen", "last_seen", "body",
)  # fmt: skip

CSV_CELL_LIMIT = 32_767  # characters (UTF-16 units) in one spreadsheet cell

# what XML 1.0 forbids, plus C1 and bidi controls, which it allows but a reader must not get
_XML_FORBIDDEN = re.compile(f"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f{BIDI}\ufffe\uffff\ud800-\udfff]")


def clean(text: str | None) -> str:
    """``text`` without the characters XML 1.0 forbids, C1 or bidi controls (NULL → empty)."""
    return _XML_FORBIDDEN.sub("", text or "")


def item_id(story_id: int) -> str:
    return f"{TAG_PREFIX}story/{story_id}"


# selecting stories


def to_datetime(iso: str | None) -> datetime | None:
    """A timezone-aware datetime (UTC when the string has no zone), or None."""
    if not iso:
        return None
    try:
        dt = datetime.fromisoformat(iso.replace("Z", "+00:00"))
    except ValueError:
        return None
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


def item_date(story: dict) -> datetime:
    """The story's date, or when it was first seen; never None (epoch as a last resort)."""
    return (
        to_datetime(story["published"])
        or to_datetime(story["first_seen"])
        or datetime(1970, 1, 1, tzinfo=UTC)
    )


def _feed_updated(stories: list[dict]) -> datetime:
    dates = [d for s in stories if (d := to_datetime(s["last_seen"]) or item_date(s))]
    return max(dates) if dates else datetime.now(UTC).replace(microsecond=0)


# content


def other_copies(story: dict) -> list[dict]:
    return [c for c in story["copies"] if c["url"] != story["url"]]


def content_html(story: dict) -> str:
    """The body as escaped HTML paragraphs, then the copies as links."""
    paras = [p.strip() for p in clean(story["body"]).split("\n") if p.strip()]
    parts = [f"<p>{html.escape(p)}</p>" for p in paras]
    names = ", ".join(story["reporters"])
    if story["source"] or names:
        byline = " · ".join(x for x in (story["source"], names) if x)
        parts.insert(0, f"<p><em>{html.escape(clean(byline))}</em></p>")
    others = other_copies(story)
    if others:
        items = "".join(
            f'<li><a href="{html.escape(clean(c["url"]), quote=True)}">{html.escape(clean(c["portal"]))}</a>'
            + (f" — {html.escape(clean(c['title']))}" if c["title"] else "")
            + "</li>"
            for c in others
        )
        parts.append(f"<p>Also published at ({len(others)}):</p><ul>{items}</ul>")
    return "\n".join(parts)


def content_text(story: dict) -> str:
    text = clean(story["body"])
    others = other_copies(story)
    if others:
        lines = [f"- {c['portal']}: {c['url']}" + (f" ({c['title']})" if c["title"] else "") for c in others]
        text += f"\n\nAlso published at ({len(others)}):\n" + clean("\n".join(lines))
    return text


# writers


def write(
    fmt: str,
    stories: Iterable[dict],
    out: IO[str],
    *,
    title: str,
    link: str,
    warn: Callable[[str], None] | None = None,
) -> int:
    """Write ``stories`` to ``out`` in ``fmt``; returns how many were written. ``warn`` gets the warnings (a
    CSV cell cut to fit); by default they go to stderr."""
    stories = map(clean_value, stories)
    if fmt == "jsonl":
        n = 0
        for story in stories:
            out.write(json.dumps(story, ensure_ascii=False) + "\n")
            n += 1
        return n
    if fmt in ("rss", "atom"):
        return write_xml_feed(fmt, stories, out, title=title, link=link)
    stories = list(stories)
    if fmt == "csv":
        write_csv(stories, out, warn=warn)
    elif fmt == "jsonfeed":
        json.dump(jsonfeed(stories, title=title, link=link), out, ensure_ascii=False, indent=1)
        out.write("\n")
    else:
        raise ValueError(fmt)
    return len(stories)


XML_BATCH = 1000  # entries feedgen renders at a time: its in-memory tree of 100k entries took 1.2 GB


def write_xml_feed(fmt: str, stories: Iterable[dict], out: IO[str], *, title: str, link: str) -> int:
    """RSS 2.0 or Atom through feedgen, rendered in batches and streamed: the channel comes from a feed with no
    entries, then each batch's items are cut out of that batch's own feedgen document."""
    from lxml import etree

    it = iter(stories)
    batch = list(itertools.islice(it, XML_BATCH))
    # the channel is written before the later batches are read: its date comes from the newest stories
    updated = _feed_updated(batch)
    empty = _render(fmt, [], title=title, link=link, updated=updated)
    close = "</feed>" if fmt == "atom" else "</channel>"
    head, _, tail = empty.rpartition(close)
    out.write(head)
    tag = "{http://www.w3.org/2005/Atom}entry" if fmt == "atom" else "item"
    n = 0
    while batch:
        root = etree.fromstring(_render(fmt, batch, title=title, link=link, updated=updated).encode("utf-8"))
        for element in root.iter(tag):
            out.write(etree.tostring(element, encoding="unicode"))
            n += 1
        batch = list(itertools.islice(it, XML_BATCH))
    out.write(close + tail)
    return n


def _render(fmt: str, stories: list[dict], *, title: str, link: str, updated: datetime) -> str:
    from feedgen.feed import FeedGenerator

    fg = FeedGenerator()
    fg.load_extension("dc")
    fg.id(f"{TAG_PREFIX}feed")
    fg.title(clean(title))
    fg.link(href=link, rel="alternate")
    fg.description(clean(f"{title}: stories collected by aggregator, newest first"))
    fg.author({"name": "aggregator"})  # Atom needs an author for entries without reporters
    fg.generator("aggregator")
    fg.updated(updated)
    fg.lastBuildDate(updated)
    for story in stories:
        # feedgen prepends by default: append keeps the newest-first order
        fe = fg.add_entry(order="append")
        fe.id(item_id(story["id"]))
        fe.guid(item_id(story["id"]), permalink=False)
        fe.title(clean(story["title"]) or "(untitled)")
        if story["url"]:
            fe.link(href=story["url"], rel="alternate")
        # one link only: feedgen 1.0 writes no rel attribute, so more links would all be "alternate"; the other
        # copies are listed in the content
        when = item_date(story)
        fe.published(when)
        fe.updated(when)
        names = [clean(n) for n in story["reporters"] if clean(n)]
        if fmt == "atom":
            for name in names:
                fe.author({"name": name})
            fe.content(content_html(story), type="html")
        else:
            if names:
                fe.dc.dc_creator(names)
            fe.description(content_html(story))
        if story["source"]:
            fe.category(term=clean(story["source"]), label=clean(story["source"]))
    raw = fg.atom_str(pretty=True) if fmt == "atom" else fg.rss_str(pretty=True)
    return raw.decode("utf-8")


def jsonfeed(stories: list[dict], *, title: str, link: str) -> dict:
    """A JSON Feed 1.1 document (https://www.jsonfeed.org/version/1.1/)."""
    items = []
    for s in stories:
        item = {
            "id": item_id(s["id"]),
            "url": s["url"],
            "title": clean(s["title"]),
            "content_text": content_text(s),
            "date_published": item_date(s).isoformat(),
        }
        if s["last_seen"] and (d := to_datetime(s["last_seen"])):
            item["date_modified"] = d.isoformat()
        names = [clean(n) for n in s["reporters"] if clean(n)]
        if names:
            item["authors"] = [{"name": n} for n in names]
        if s["source"]:
            item["tags"] = [clean(s["source"])]
        # extension fields start with an underscore (JSON Feed 1.1, "Extensions")
        item["_aggregator"] = {
            "story_id": s["id"],
            "source": s["source"],
            "correspondents": s["correspondents"],
            "editors": s["editors"],
            "copies": s["copies"],
        }
        items.append(item)
    return {
        "version": JSONFEED_VERSION,
        "title": clean(title),
        "home_page_url": link,
        "description": "Stories collected by aggregator, newest first",
        "items": items,
    }


_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def _cell(value) -> str:
    """A spreadsheet-safe cell: text that would start a formula gets a leading apostrophe."""
    text = clean(value if isinstance(value, str) else "" if value is None else str(value))
    return "'" + text if text.startswith(_FORMULA) else text


def _fit(text: str, limit: int = CSV_CELL_LIMIT) -> str | None:
    """``text`` cut to ``limit`` UTF-16 units, ending with "…"; None when it fits."""
    if len(text) <= limit // 2 or len(text.encode("utf-16-le")) <= 2 * limit:
        return None
    # an astral character is two units: cutting the bytes may split one, which "ignore" then drops
    return text.encode("utf-16-le")[: 2 * (limit - 1)].decode("utf-16-le", "ignore") + "…"


def _warn_stderr(message: str) -> None:
    print(f"aggregator: warning: {message}", file=sys.stderr)


def write_csv(stories: list[dict], out: IO[str], warn: Callable[[str], None] | None = None) -> None:
    """One row per story; lists joined with "; ". The caller opens the file as utf-8-sig (a BOM, so that
    spreadsheet tools read UTF-8). Cells longer than a spreadsheet takes are cut, with a warning."""
    warn = warn or _warn_stderr
    w = csv.writer(out, lineterminator="\r\n")
    w.writerow(CSV_FIELDS)
    for s in stories:
        row = {
            "id": s["id"],
            "published": s["published"],
            "title": s["title"],
            "source": s["source"],
            "reporters": "; ".join(s["reporters"]),
            "correspondents": "; ".join(s["correspondents"]),
            "editors": "; ".join(s["editors"]),
            "url": s["url"],
            "copies_count": len(s["copies"]),
            "copy_urls": "; ".join(c["url"] for c in s["copies"]),
            "portals": "; ".join(dict.fromkeys(c["portal"] for c in s["copies"])),
            "first_seen": s["first_seen"],
            "last_seen": s["last_seen"],
            "body": s["body"],
        }
        cells = [_cell(row[k]) if k != "id" else row[k] for k in CSV_FIELDS]
        for i, key in enumerate(CSV_FIELDS):
            if isinstance(cells[i], str) and (cut := _fit(cells[i])) is not None:
                warn(
                    f"story {s['id']}: {key} has {len(cells[i]):,} characters, cut to {CSV_CELL_LIMIT:,} in the "
                    "CSV (a spreadsheet cell's limit); the JSONL export has the full text"
                )
                cells[i] = cut
        w.writerow(cells)
