"""``aggregator browse``: the database in Datasette (the optional ``browse`` extra), read-only, on 127.0.0.1.

Datasette opens the file with SQLite's ``mode=ro`` (it sees what a running crawl writes, and cannot write);
``immutable=True`` opens it with ``-i`` instead, a snapshot that Datasette may cache (WAL frames not yet
checkpointed into the main file are not seen then).

Only requests whose ``Host`` header names this server are answered (403 otherwise): ``localhost``,
``127.0.0.1`` and ``[::1]``, the address given to ``--host``, and the names given to ``--allow-host``. Without that check a web page on any site could read the database through the visitor's
browser by pointing its own domain at 127.0.0.1 (DNS rebinding).

It opens on the newsroom (``aggregator.newsroom``, registered as a Datasette plugin for the run): the latest and
most reposted stories, the product's own search, and each story with its copies and the timeline of its spread;
Datasette's tables (internals hidden, the rest described) and SQL are one link away.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import tempfile
from pathlib import Path

HOST = "127.0.0.1"
LOOPBACK_NAMES = ("localhost", "127.0.0.1", "[::1]")

TABLES = {
    "stories": {
        "description": "One row per story: a news article stored once, whatever the number of portals that "
        "carried it. Its fields come from its copies.",
        "columns": {
            "id": "story id (stable: feeds use it in their item ids)",
            "title": "title of the canonical copy",
            "body": "cleaned text of the canonical copy",
            "published": "publication date (ISO 8601): the earliest credible one among the copies",
            "source": "the original publisher as printed (来源), the copies' majority claim",
            "reporters": "JSON array of reporters (记者)",
            "correspondents": "JSON array of correspondents (通讯员)",
            "editors": "JSON array of editors (编辑)",
            "url": "URL of the canonical copy",
            "canonical_copy_id": "copies.id of the canonical copy",
            "copies_count": "number of copies (URLs where the story was seen)",
            "first_seen": "when a crawl first saw any copy",
            "last_seen": "when a crawl last saw any copy",
        },
    },
    "copies": {
        "description": "One row per URL where a story was seen.",
        "columns": {
            "id": "copy id",
            "story_id": "the story (stories.id)",
            "url": "canonical form of the URL: the copy's identity",
            "final_url": "URL as fetched, after redirects",
            "portal": "host:port that served it",
            "source_name": "the sources.toml entry that crawled it",
            "site_name": "the hosting site's own name",
            "title": "title as this copy shows it",
            "published": "date as this copy shows it",
            "source": "the publisher this copy claims (来源)",
            "reporters": "JSON array, as this copy shows them",
            "correspondents": "JSON array, as this copy shows them",
            "editors": "JSON array, as this copy shows them",
            "body": "cleaned text of this copy",
            "body_hash": "fingerprint of the normalised text",
            "body_len": "length of the text",
            "is_original": "1 when hosted by the original publisher itself",
            "traditional": "1 when the text is in traditional characters",
            "fetched_at": "when the stored content was fetched",
            "first_seen": "when a crawl first saw this URL",
            "last_seen": "when a crawl last saw this URL",
        },
    },
}
TABLES["runs"] = {
    "description": "One row per crawl run of a source: when, how it ended and what it found.",
    "columns": {
        "source": "the sources.toml entry",
        "trigger": "what started it (crawl, run-due, scrapyd)",
        "outcome": "ok, partial, failed, running or interrupted",
        "reason": "why it was partial or failed",
        "new_stories": "stories it created",
        "new_copies": "copies it stored",
    },
}
# Internals (repost detection, search index, crawl state) are hidden: Datasette lists them under "hidden
# tables". Any other table that is not described above is hidden too (see metadata()).
HIDDEN = (
    "search_index", "search_seq", "search_charmap", "_sqlite_migrations", "story_slots", "story_state",
    "lsh", "signatures", "page_state", "story_ids",
)  # fmt: skip
PLUGIN = "aggregator-newsroom"

QUERIES = {
    "most_reposted": {
        "title": "Most reposted stories",
        "description": "Stories seen on the most URLs, with their original source",
        "sql": "SELECT id, title, source, published, copies_count FROM stories "
        "ORDER BY copies_count DESC, id LIMIT 50",
    },
    "stories_by_source": {
        "title": "Stories by original source",
        "description": "How many stories each original publisher has, and how many copies of them were seen",
        "sql": "SELECT source, count(*) AS stories, sum(copies_count) AS copies FROM stories "
        "GROUP BY source ORDER BY stories DESC",
    },
    "latest": {
        "title": "Latest stories",
        "description": "The newest stories (by date, else by when they were first seen)",
        "sql": "SELECT id, coalesce(published, first_seen) AS date, title, source, copies_count, url "
        "FROM stories ORDER BY datetime(coalesce(published, first_seen)) DESC, id DESC LIMIT 100",
    },
    "search": {
        "title": "Search the stories",
        "description": "The stories whose title or text holds the words, newest first: the index of aggregator "
        "search, through its own tokeniser (search_match). The ranked search with filters is at /-/search.",
        "sql": "SELECT id, title, source, coalesce(published, first_seen) AS date, copies_count FROM stories "
        "WHERE id IN (SELECT rowid FROM search_index WHERE search_index MATCH search_match(:q)) "
        "ORDER BY id DESC LIMIT 100",
    },
    "reposting_portals": {
        "title": "Portals that repost the most",
        "description": "Copies that are not on the original publisher's own site, by portal",
        "sql": "SELECT portal, count(*) AS reposts, count(DISTINCT story_id) AS stories FROM copies "
        "WHERE NOT is_original GROUP BY portal ORDER BY reposts DESC",
    },
}


class BrowseError(Exception):
    """Datasette cannot be started; the message says why."""


def database_name(db_path: str | Path) -> str:
    """The name Datasette gives the database: its file name without the extension."""
    return Path(db_path).stem


def table_names(db_path: str | Path) -> list[str]:
    """The database's tables, read without writing (none when it cannot be read)."""
    uri = Path(db_path).resolve().as_uri() + "?mode=ro"
    try:
        conn = sqlite3.connect(uri, uri=True)
        try:
            return [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        finally:
            conn.close()
    except sqlite3.Error:
        return []


def metadata(db_path: str | Path) -> dict:
    tables = {name: dict(meta) for name, meta in TABLES.items()}
    hidden = set(HIDDEN) | {t for t in table_names(db_path) if t not in TABLES}
    tables.update({name: {"hidden": True} for name in sorted(hidden)})
    name = database_name(db_path)
    return {
        "title": "aggregator",
        "description": "News stories collected by aggregator: each story once, with every copy where it was seen. "
        "The newsroom (latest and most reposted stories, search, how each story spread) is at /.",
        "databases": {name: {"tables": tables, "queries": QUERIES}},
        "plugins": {PLUGIN: {"database": name}},
    }


def datasette_args(
    db_path: str | Path, port: int, metadata_path: str, immutable: bool = False, host: str = HOST
) -> list[str]:
    args = ["serve", "--host", host, "--port", str(port), "--metadata", metadata_path]
    args += ["-i", str(db_path)] if immutable else [str(db_path)]
    return args


def allowed_hosts(host: str, extra: tuple[str, ...] | list[str] = ()) -> set[str]:
    """The host names (without port) a request may name: loopback, the bound address, and ``extra``."""
    names = set(LOOPBACK_NAMES)
    if host not in ("0.0.0.0", "::", ""):  # a wildcard address is no name: give --allow-host instead
        names.add(f"[{host}]" if ":" in host else host)
    names.update(f"[{n}]" if ":" in n and not n.startswith("[") else n for n in extra)
    return {n.lower().rstrip(".") for n in names}


def _split_host(value: str) -> tuple[str | None, int | None]:
    """``Host`` header -> (name, port): ``[::1]:8001`` -> ("[::1]", 8001); (None, None) if malformed."""
    value = value.strip().lower()
    if value.startswith("["):  # an IPv6 literal has colons of its own
        end = value.find("]") + 1
        name, rest = value[:end], value[end:]
    else:
        name, sep, port = value.partition(":")
        rest = sep + port
    if not name or (rest and not (rest[0] == ":" and rest[1:].isdigit())):
        return None, None
    return name.rstrip("."), int(rest[1:]) if rest else None


class HostCheck:
    """ASGI middleware: answer 403 to any request whose Host header does not name an allowed host.

    The name is what DNS rebinding cannot fake (the attacker's page carries its own domain); the port is not
    checked, so that a reverse proxy on another port can pass its Host through."""

    def __init__(self, app, names: set[str]):
        self.app = app
        self.names = names

    def allows(self, host: str | None) -> bool:
        return bool(host) and _split_host(host)[0] in self.names

    async def __call__(self, scope, receive, send):
        if scope["type"] in ("http", "websocket"):
            host = dict(scope.get("headers") or []).get(b"host", b"").decode("latin-1")
            if not self.allows(host):
                body = (
                    f"Host {host!r} is not allowed: aggregator browse answers only to "
                    f"{', '.join(sorted(self.names))} (add a name with --allow-host)\n"
                ).encode()
                await send(
                    {
                        "type": "http.response.start",
                        "status": 403,
                        "headers": [(b"content-type", b"text/plain; charset=utf-8")],
                    }
                )
                await send({"type": "http.response.body", "body": body})
                return
        await self.app(scope, receive, send)


def serve(
    db_path: str | Path,
    port: int,
    immutable: bool = False,
    host: str = HOST,
    allow_hosts: tuple[str, ...] | list[str] = (),
) -> None:
    """Run Datasette in this process until it is stopped (Ctrl-C, SIGTERM)."""
    try:
        import click
        from datasette import hookimpl
        from datasette.cli import cli
        from datasette.plugins import pm

        from aggregator.newsroom import plugin as newsroom
    except ImportError:
        raise BrowseError(
            "Datasette is not installed: pip install -e '.[browse]' in a source checkout "
            "(pip install 'aggregator[browse]' otherwise)"
        ) from None
    names = allowed_hosts(host, allow_hosts)

    class HostCheckPlugin:  # Datasette's hook: the outermost ASGI wrapper, before any of its routes
        @staticmethod
        @hookimpl
        def asgi_wrapper(datasette):
            return lambda app: HostCheck(app, names)

    pm.register(HostCheckPlugin, name="aggregator-host-check")
    pm.register(newsroom, name=PLUGIN)
    fd, path = tempfile.mkstemp(prefix="aggregator-datasette-", suffix=".json")
    # uvicorn shuts down on SIGTERM, then raises the signal again: make that an exit that cleans up
    previous = signal.signal(signal.SIGTERM, _exit_on_sigterm)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(metadata(db_path), f, ensure_ascii=False, indent=1)
        try:
            cli.main(
                args=datasette_args(db_path, port, path, immutable, host),
                prog_name="datasette",
                standalone_mode=False,
            )
        except click.ClickException as exc:
            raise BrowseError(exc.format_message()) from None
        except SystemExit as exc:
            if exc.code not in (0, None):
                raise BrowseError(f"Datasette stopped with status {exc.code}") from None
    finally:
        pm.unregister(name="aggregator-host-check")
        pm.unregister(name=PLUGIN)
        signal.signal(signal.SIGTERM, previous)
        os.unlink(path)


def _exit_on_sigterm(signum, frame):
    raise SystemExit(0)
