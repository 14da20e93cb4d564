"""The newsroom pages as HTML: the home page (latest and most reposted stories, stories per day by source, the
portals that repost the most), search, and a story with its copies and a timeline of how it spread.

Plain functions over a read-only ``sqlite3`` connection, returning HTML strings; Datasette serves them
(``aggregator.newsroom.plugin``) and ``aggregator show ID --html FILE`` writes the story page to a file. They need
no Datasette: the charts are drawn in the browser by Observable Plot (on d3) from the package's own static files,
linked from the server or inlined into the file, never fetched from elsewhere.

Everything from the database is untrusted text from crawled pages: it is HTML-escaped, links are made only of
``http(s)`` URLs, and chart data is JSON inside ``<script type="application/json">`` with ``<`` escaped.
"""

from __future__ import annotations

import html
import json
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode, urlsplit

STATIC = Path(__file__).parent / "static"
SCRIPTS = ("d3.min.js", "plot.umd.min.js", "newsroom.js")
STYLE = "newsroom.css"
LATEST = 10
TOP = 10
DAYS = 60  # the stories-per-day chart: the latest days that have stories
SOURCES_SHOWN = 8  # sources with a colour of their own in that chart; the others are "other"
SEARCH_LIMIT = 20
SEARCH_MAX = 200


@dataclass
class Site:
    """How a page links: ``root`` is the server's path prefix; ``db`` the Datasette database name (tables and
    SQL links); ``static`` False inlines the scripts and the style and leaves out the server's links."""

    root: str = ""
    db: str | None = None
    static: bool = False

    def url(self, path: str, **params) -> str:
        query = urlencode({k: v for k, v in params.items() if v not in (None, "")})
        return f"{self.root}{path}" + (f"?{query}" if query else "")

    def story(self, story_id: int) -> str:
        return self.url(f"/-/story/{int(story_id)}")


def esc(value) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def safe_url(url: str | None) -> str | None:
    """``url`` if it is an http(s) URL (fit for an ``href``), else None: a stored ``javascript:`` URL is text."""
    if not url:
        return None
    try:
        scheme = urlsplit(url.strip()).scheme.lower()
    except ValueError:
        return None
    return url.strip() if scheme in ("http", "https") else None


def link(url: str | None, text=None, cls: str = "") -> str:
    """An external link (the URL shown when no text is given); plain text when the URL is not http(s)."""
    shown = esc(url if text is None else text)
    href = safe_url(url)
    if href is None:
        return shown
    attrs = f' class="{cls}"' if cls else ""
    return f'<a href="{esc(href)}" rel="noopener noreferrer nofollow"{attrs}>{shown}</a>'


def json_script(data, element_id: str | None = None) -> str:
    text = json.dumps(data, ensure_ascii=False).replace("<", "\\u003c").replace(">", "\\u003e")
    text = text.replace("&", "\\u0026").replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    ident = f' id="{esc(element_id)}"' if element_id else ""
    return f'<script type="application/json"{ident}>{text}</script>'


def when(value: str | None) -> str:
    """``2023-01-09T08:30:00+08:00`` → ``2023-01-09 08:30`` (the time as the page printed it); a bare date as is."""
    if not value:
        return ""
    text = str(value)
    if len(text) >= 16 and text[10] in "T ":
        time = text[11:16]
        return text[:10] if time == "00:00" and len(text) <= 25 else f"{text[:10]} {time}"
    return text[:10]


def plural(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else (many or one + 's')}"


def _rows(conn: sqlite3.Connection, sql: str, params=()) -> list[dict]:
    cur = conn.execute(sql, params)
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


def portal_name(copy: dict) -> str:
    """How a portal is called on the pages: its site's own name, else its sources-file name, else host:port."""
    return copy.get("site_name") or copy.get("source_name") or copy.get("portal") or "?"


# layout


def _asset(name: str) -> str:
    return (STATIC / name).read_text("utf-8")


def layout(site: Site, title: str, body: str, *, query: str = "") -> str:
    if site.static:
        style = f"<style>{_asset(STYLE)}</style>"
        # the libraries hold no "</script": checked by the tests, and inlined as they are
        scripts = "\n".join(f"<script>{_asset(name)}</script>" for name in SCRIPTS)
        nav = '<span class="brand">aggregator</span>'
    else:
        style = f'<link rel="stylesheet" href="{esc(site.url("/-/newsroom/" + STYLE))}">'
        scripts = "\n".join(
            f'<script src="{esc(site.url("/-/newsroom/" + name))}"></script>' for name in SCRIPTS
        )
        links = [f'<a class="brand" href="{esc(site.url("/"))}">aggregator</a>']
        if site.db:
            links.append(f'<a href="{esc(site.url("/" + site.db))}">tables &amp; SQL</a>')
        form = (
            f'<form class="navsearch" action="{esc(site.url("/-/search"))}" method="get" role="search">'
            f'<input type="search" name="q" value="{esc(query)}" placeholder="搜索 search stories" '
            'aria-label="search stories"><button type="submit">Search</button></form>'
        )
        nav = " ".join(links) + form
    return f"""<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{esc(title)} · aggregator</title>
{style}
</head>
<body>
<header class="top"><nav>{nav}</nav></header>
<main>
{body}
</main>
{scripts}
</body>
</html>
"""


def chart(kind: str, data, label: str, caption: str = "") -> str:
    """A figure that newsroom.js draws with Observable Plot from the JSON it holds."""
    cap = f"<figcaption>{esc(caption)}</figcaption>" if caption else ""
    return (
        f'<figure class="chart" data-chart="{esc(kind)}" aria-label="{esc(label)}">'
        f"{json_script(data)}<noscript>(the chart needs JavaScript)</noscript>{cap}</figure>"
    )


def story_line(site: Site, s: dict, date_key: str = "date") -> str:
    copies = s.get("copies_count") or 0
    bits = [
        esc(when(s.get(date_key))),
        esc(s.get("source") or "source unknown"),
        esc(plural(copies, "copy", "copies")),
    ]
    if s.get("portals"):
        bits.append(esc(plural(s["portals"], "portal")))
    return (
        f'<li><a class="title" href="{esc(site.story(s["id"]))}">{esc(s.get("title") or "(untitled)")}</a>'
        f'<span class="meta">{" · ".join(b for b in bits if b)}</span></li>'
    )


# home


def home_data(conn: sqlite3.Connection) -> dict:
    one = lambda sql: conn.execute(sql).fetchone()[0]  # noqa: E731
    when_sql = "coalesce(published, first_seen)"
    per_day = _rows(
        conn,
        f"SELECT substr({when_sql}, 1, 10) AS day, source, count(*) AS stories FROM stories "
        "GROUP BY day, source ORDER BY day",
    )
    days = sorted({r["day"] for r in per_day if r["day"]})[-DAYS:]
    keep = set(days)
    totals: dict[str, int] = {}
    for r in per_day:
        if r["day"] in keep:
            totals[r["source"] or "(unknown)"] = totals.get(r["source"] or "(unknown)", 0) + r["stories"]
    shown = set(sorted(totals, key=lambda s: (-totals[s], s))[:SOURCES_SHOWN])
    merged: dict[tuple[str, str], int] = {}
    for r in per_day:
        if r["day"] not in keep:
            continue
        source = r["source"] or "(unknown)"
        key = (r["day"], source if source in shown else "other")
        merged[key] = merged.get(key, 0) + r["stories"]
    return {
        "stories": one("SELECT count(*) FROM stories"),
        "copies": one("SELECT count(*) FROM copies"),
        "portals": one("SELECT count(DISTINCT portal) FROM copies"),
        "latest": _rows(
            conn,
            f"SELECT id, title, source, {when_sql} AS date, copies_count FROM stories "
            f"ORDER BY datetime({when_sql}) DESC, id DESC LIMIT ?",
            (LATEST,),
        ),
        "most_reposted": _rows(
            conn,
            "SELECT id, title, source, coalesce(published, first_seen) AS date, copies_count, "
            "(SELECT count(DISTINCT portal) FROM copies c WHERE c.story_id = stories.id) AS portals "
            "FROM stories WHERE copies_count > 1 ORDER BY copies_count DESC, id DESC LIMIT ?",
            (TOP,),
        ),
        "per_day": [{"day": d, "source": s, "stories": n} for (d, s), n in sorted(merged.items())],
        "reposting": _rows(
            conn,
            "SELECT portal, max(coalesce(nullif(site_name, ''), source_name, portal)) AS name, "
            "count(*) AS reposts, count(DISTINCT story_id) AS stories FROM copies WHERE NOT is_original "
            "GROUP BY portal ORDER BY reposts DESC, portal LIMIT ?",
            (TOP,),
        ),
    }


def home_page(site: Site, data: dict) -> str:
    latest = "".join(story_line(site, s) for s in data["latest"]) or "<li>No stories yet.</li>"
    top = "".join(story_line(site, s) for s in data["most_reposted"]) or "<li>No story was reposted yet.</li>"
    reposting = [
        {**r, "portal": f"{r['name']} ({r['portal']})" if r["name"] != r["portal"] else r["portal"]}
        for r in data["reposting"]
    ]
    body = f"""
<section class="intro">
<h1>News, each story once</h1>
<p class="counts">{esc(plural(data["stories"], "story", "stories"))}, {esc(plural(data["copies"], "copy", "copies"))}
on {esc(plural(data["portals"], "portal"))}. Every story is kept once, with its original publisher and every place it
was reposted.</p>
</section>
<div class="columns">
<section class="list" id="latest"><h2>Latest stories</h2><ol class="stories">{latest}</ol></section>
<section class="list" id="most-reposted"><h2>Most reposted</h2><ol class="stories">{top}</ol></section>
</div>
<div class="columns">
<section id="per-day"><h2>Stories per day, by original source</h2>
{chart("per_day", data["per_day"], "stories per day by original source")}</section>
<section id="reposting"><h2>Portals that repost the most</h2>
{chart("reposting", reposting, "reposts by portal", "copies that are not on the original publisher's own site")}
</section>
</div>
"""
    return layout(site, "Newsroom", body)


# search


def search_sources(conn: sqlite3.Connection) -> list[str]:
    return [
        r[0]
        for r in conn.execute(
            "SELECT source FROM stories WHERE source IS NOT NULL GROUP BY source ORDER BY count(*) DESC LIMIT 200"
        )
    ]


def run_search(conn: sqlite3.Connection, params: dict) -> tuple[list[dict], str | None]:
    """``aggregator search`` on the form's parameters: (results, error message)."""
    import sqlite_utils

    from aggregator.filters import Filters, parse_date
    from aggregator.search import SearchError, search

    query = (params.get("q") or "").strip()
    if not query:
        return [], None
    for name in ("since", "until"):
        value = params.get(name)
        if value:
            try:
                parse_date(value)
            except ValueError:
                return [], f"{name}: not a date: {value!r} (expected YYYY-MM-DD or an ISO datetime)"
    try:
        limit = min(SEARCH_MAX, max(1, int(params.get("limit") or SEARCH_LIMIT)))
    except ValueError:
        limit = SEARCH_LIMIT
    filters = Filters(
        source=params.get("source") or None,
        portal=params.get("portal") or None,
        since=params.get("since") or None,
        until=params.get("until") or None,
    )
    try:
        return search(sqlite_utils.Database(conn), query, filters, limit=limit), None
    except SearchError as exc:
        return [], str(exc)


def marked(text: str, spans) -> str:
    out, pos = [], 0
    for a, b in sorted(tuple(s) for s in spans):
        if a < pos:
            continue
        out += [esc(text[pos:a]), "<mark>", esc(text[a:b]), "</mark>"]
        pos = b
    out.append(esc(text[pos:]))
    return "".join(out)


def search_page(site: Site, params: dict, results: list[dict], error: str | None, sources: list[str]) -> str:
    query = params.get("q") or ""
    options = ['<option value="">any source</option>'] + [
        f'<option value="{esc(s)}"{" selected" if s == params.get("source") else ""}>{esc(s)}</option>'
        for s in sources
    ]
    form = f"""
<form class="search" action="{esc(site.url("/-/search"))}" method="get">
<input type="search" name="q" value="{esc(query)}" placeholder="科技, 長江, 光谷 人才 …" aria-label="words" autofocus>
<select name="source" aria-label="original source">{"".join(options)}</select>
<input type="text" name="portal" value="{esc(params.get("portal") or "")}" placeholder="portal (host:port or name)"
 aria-label="portal">
<label>since <input type="date" name="since" value="{esc(params.get("since") or "")}"></label>
<label>until <input type="date" name="until" value="{esc(params.get("until") or "")}"></label>
<button type="submit">Search</button>
</form>
<p class="hint">Chinese is matched as written, in simplified or traditional characters (長江 finds 长江); words
separated by spaces must all occur. Best matches first among the newest 1,000, as <code>aggregator search</code>.</p>
"""
    if error:
        out = f'<p class="error">{esc(error)}</p>'
    elif not query.strip():
        out = ""
    elif not results:
        out = f'<p class="none">No stories match {esc(query)}.</p>'
    else:
        items = []
        for r in results:
            date = when(r.get("published") or r.get("first_seen"))
            meta = " · ".join(
                esc(b)
                for b in (
                    date,
                    r.get("source") or "source unknown",
                    plural(r["copies_count"] or 0, "copy", "copies"),
                )
            )
            items.append(
                f'<li><a class="title" href="{esc(site.story(r["id"]))}">'
                f"{marked(r.get('title') or '(untitled)', r.get('title_matches') or [])}</a>"
                f'<span class="meta">{meta}</span>'
                f'<p class="snippet">{marked(r.get("snippet") or "", r.get("matches") or [])}</p></li>'
            )
        out = (
            f'<p class="found">{esc(plural(len(results), "story", "stories"))} for <strong>{esc(query)}</strong></p>'
            f'<ol class="stories results">{"".join(items)}</ol>'
        )
    title = f"Search: {query}" if query.strip() else "Search"
    return layout(site, title, f"<h1>Search the stories</h1>{form}{out}", query=query)


# story


def story_data(conn: sqlite3.Connection, story_id: int) -> dict | None:
    import sqlite_utils

    from aggregator.stats import story_detail

    return story_detail(sqlite_utils.Database(conn), story_id)


def timeline(story: dict) -> dict:
    """The spread chart's data: each copy that shows a date, on its portal's row, the original marked."""
    copies = story["copies"]
    dated = [c for c in copies if c.get("published")]
    # rows: the originals first, then by first date shown
    first: dict[str, str] = {}
    for c in sorted(dated, key=lambda c: (not c["is_original"], c["published"])):
        first.setdefault(portal_name(c), c["published"])
    return {
        "copies": [
            {
                "time": c["published"],
                "portal": portal_name(c),
                "host": c.get("portal"),
                "original": c["is_original"],
                "title": c.get("title") or "",
                "url": c.get("url") or "",
            }
            for c in dated
        ],
        "rows": list(first),
        "undated": [portal_name(c) for c in copies if not c.get("published")],
    }


def story_page(site: Site, story: dict) -> str:
    copies = story["copies"]
    portals = {c.get("portal") for c in copies}
    originals = [c for c in copies if c["is_original"]]
    byline = []
    for label, key in (
        ("Reporters 记者", "reporters"),
        ("Correspondents 通讯员", "correspondents"),
        ("Editors 编辑", "editors"),
    ):
        if story.get(key):
            byline.append(f"<dt>{esc(label)}</dt><dd>{esc('、'.join(story[key]))}</dd>")
    facts = (
        f'<dt>Source 来源</dt><dd class="source">{esc(story.get("source") or "unknown")}</dd>'
        f"<dt>Published</dt><dd>{esc(when(story.get('published')) or 'no date')}</dd>"
        + "".join(byline)
        + f"<dt>Canonical copy</dt><dd>{link(story.get('url'))}</dd>"
        + f"<dt>Seen</dt><dd>{esc(when(story.get('first_seen')))} – {esc(when(story.get('last_seen')))}</dd>"
    )
    spread = timeline(story)
    undated = ""
    if spread["undated"]:
        undated = f'<p class="undated">Shown without a date, so not on the timeline: {esc("、".join(spread["undated"]))}</p>'
    if originals:
        first = f"first published by {esc(portal_name(originals[0]))}"
    else:
        first = "the original publisher's own page was not found"
    rows = []
    for c in copies:
        tags = [t for t, on in (("original", c["is_original"]), ("canonical", c.get("is_canonical"))) if on]
        badges = "".join(f'<span class="badge {t}">{t}</span>' for t in tags)
        rows.append(
            f'<tr class="{" ".join(tags) or "repost"}"><td class="portal">{esc(portal_name(c))}'
            f"<br><small>{esc(c.get('portal'))}</small></td>"
            f'<td class="seen-title">{link(c.get("url"), c.get("title") or c.get("url"))}'
            f'<br><small class="url">{esc(c.get("url"))}</small></td>'
            f"<td>{esc(when(c.get('published')) or '–')}</td><td>{esc(when(c.get('fetched_at')))}</td>"
            f"<td>{esc(c.get('source') or '–')}</td><td>{badges}</td></tr>"
        )
    paragraphs = "".join(
        f"<p>{esc(p.strip())}</p>" for p in (story.get("body") or "").split("\n") if p.strip()
    )
    body = f"""
<article class="story">
<h1 class="story-title">{esc(story.get("title") or "(untitled)")}</h1>
<dl class="facts">{facts}</dl>
<section id="spread"><h2>How it spread</h2>
<p class="summary">{esc(plural(len(copies), "copy", "copies"))} on {esc(plural(len(portals), "portal"))}; {first}.</p>
{chart("timeline", spread, "timeline of the copies", "each copy at the date it shows; ★ the original publisher's own page")}
{undated}
</section>
<section id="copies"><h2>Copies</h2>
<table class="copies"><thead><tr><th>Portal</th><th>Title as seen</th><th>Date shown</th><th>Fetched</th>
<th>Claims source</th><th></th></tr></thead><tbody>{"".join(rows)}</tbody></table>
</section>
<section id="text"><h2>Text</h2><div class="text">{paragraphs or "<p>(no text)</p>"}</div></section>
</article>
"""
    return layout(site, story.get("title") or f"story {story['id']}", body)


def not_found_page(site: Site, message: str) -> str:
    return layout(site, "Not found", f'<h1>Not found</h1><p class="error">{esc(message)}</p>')
