"""The newsroom as a Datasette plugin: ``aggregator browse`` registers this module with Datasette's plugin manager.

- ``prepare_connection``: the aggregator database's connections get ``search_text()``, the tokeniser the search
  index is made with (``aggregator.search.register``), and ``search_match(query)``, the FTS5 expression that
  ``aggregator search`` would use for ``query`` (the canned query ``search`` runs on it);
- ``register_routes``: ``/`` the newsroom home page, ``/-/search`` the search, ``/-/story/ID`` a story with its
  copies and the timeline of its spread, ``/-/newsroom/FILE`` the package's static files (the chart libraries);
- ``render_cell``: a story's title in Datasette's tables and queries links to its story page.

The database is named in the plugin configuration (``plugins: {"aggregator-newsroom": {"database": NAME}}``);
every route reads through Datasette's read-only connections."""

from __future__ import annotations

from datasette import hookimpl
from datasette.utils.asgi import Response
from markupsafe import Markup, escape

from aggregator.newsroom import pages

NAME = "aggregator-newsroom"
NOTHING = '""'  # an FTS5 expression that matches no row
TYPES = {".js": "text/javascript", ".css": "text/css", ".txt": "text/plain", ".md": "text/plain"}


def _db_name(datasette) -> str | None:
    return (datasette.plugin_config(NAME) or {}).get("database")


def _site(datasette) -> pages.Site:
    return pages.Site(root=datasette.setting("base_url").rstrip("/"), db=_db_name(datasette))


async def _read(datasette, fn):
    return await datasette.get_database(_db_name(datasette)).execute_fn(fn)


@hookimpl
def prepare_connection(conn, database, datasette):
    if database != _db_name(datasette):
        return
    from aggregator import search

    search.register(conn)

    def search_match(query):
        try:
            return search.match_expression(query or "", search.mapping_for(conn))
        except search.SearchError:
            return NOTHING

    conn.create_function("search_match", 1, search_match, deterministic=True)


async def home(datasette, request):
    data = await _read(datasette, pages.home_data)
    return Response.html(pages.home_page(_site(datasette), data))


async def search_view(datasette, request):
    params = {k: request.args.get(k) for k in ("q", "source", "portal", "since", "until", "limit")}

    def run(conn):
        results, error = pages.run_search(conn, params)
        return results, error, pages.search_sources(conn)

    results, error, sources = await _read(datasette, run)
    html = pages.search_page(_site(datasette), params, results, error, sources)
    return Response.html(html, status=400 if error else 200)


async def story_view(datasette, request):
    story_id = int(request.url_vars["id"])
    story = await _read(datasette, lambda conn: pages.story_data(conn, story_id))
    site = _site(datasette)
    if story is None:
        return Response.html(pages.not_found_page(site, f"no story with id {story_id}"), status=404)
    return Response.html(pages.story_page(site, story))


async def static_view(datasette, request):
    name = request.url_vars["name"]
    path = pages.STATIC / name
    if "/" in name or name.startswith(".") or path.suffix not in TYPES or not path.is_file():
        return Response.text("not found\n", status=404)
    return Response(
        path.read_bytes(),
        content_type=f"{TYPES[path.suffix]}; charset=utf-8",
        headers={"cache-control": "max-age=3600"},
    )


@hookimpl
def register_routes(datasette):
    return [
        (r"^/$", home),
        (r"^/-/search$", search_view),
        (r"^/-/story/(?P<id>[0-9]{1,18})$", story_view),
        (r"^/-/newsroom/(?P<name>[A-Za-z0-9_.-]+)$", static_view),
    ]


@hookimpl
def render_cell(row, value, column, table, database, datasette):
    if database != _db_name(datasette) or column != "title" or table not in ("stories", None):
        return None
    try:
        story_id = row["id"]
    except (IndexError, KeyError, TypeError):
        return None
    if not isinstance(story_id, int) or value is None:
        return None
    href = _site(datasette).story(story_id)
    return Markup(f'<a href="{escape(href)}">{escape(value)}</a>')


@hookimpl
def menu_links(datasette, actor, request):
    site = _site(datasette)
    return [
        {"href": site.url("/"), "label": "Newsroom"},
        {"href": site.url("/-/search"), "label": "Search stories"},
    ]
