"""Schema versions and migrations, through sqlite-utils' migration sets.

To change the schema, add a function decorated with ``@migrations()`` below the last one; never edit one that
has shipped. The applied migrations are recorded in ``_sqlite_migrations``, and the schema version is their
count.
"""

from __future__ import annotations

import sqlite_utils
from sqlite_utils.migrations import Migrations

migrations = Migrations("aggregator")


class SchemaError(Exception):
    """The database was written by a newer aggregator."""


@migrations()
def m001_stories_and_copies(db: sqlite_utils.Database) -> None:
    db["stories"].create(
        {
            "id": int,
            "title": str,
            "body": str,
            "published": str,  # ISO 8601
            "source": str,  # the original publisher as printed
            "reporters": str,  # JSON arrays of names
            "correspondents": str,
            "editors": str,
            "url": str,  # the canonical copy's URL
            "canonical_copy_id": int,
            "copies_count": int,
            "first_seen": str,
            "last_seen": str,
        },
        pk="id",
    )
    db["copies"].create(
        {
            "id": int,
            "story_id": int,
            "url": str,  # canonical form (w3lib): the copy's identity
            "final_url": str,  # as fetched, after redirects
            "portal": str,  # host[:port] that served it
            "source_name": str,  # the sources.toml entry that crawled it
            "site_name": str,  # the hosting site's own name
            "title": str,  # as seen on this copy
            "published": str,  # as seen on this copy, ISO 8601
            "source": str,  # the publisher this copy claims (来源)
            "reporters": str,
            "correspondents": str,
            "editors": str,
            "body": str,
            "body_hash": str,
            "body_len": int,
            "is_original": int,  # 1 when hosted by the original publisher itself
            "fetched_at": str,
            "first_seen": str,
            "last_seen": str,
        },
        pk="id",
        foreign_keys=[("story_id", "stories", "id")],
        not_null={"story_id", "url", "portal", "fetched_at"},
    )
    db["copies"].create_index(["url"], unique=True)
    db["copies"].create_index(["story_id"])
    db["copies"].create_index(["body_hash"])
    db["stories"].create_index(["published"])
    db["stories"].create_index(["source"])


@migrations()
def m002_repost_index(db: sqlite_utils.Database) -> None:
    # MinHash signatures of each copy's body, and the LSH band keys that find candidate reposts
    db["signatures"].create(
        {"copy_id": int, "version": int, "size": int, "full": bytes, "head": bytes},
        pk="copy_id",
        foreign_keys=[("copy_id", "copies", "id")],
    )
    db.execute(
        "CREATE TABLE lsh (key INTEGER NOT NULL, copy_id INTEGER NOT NULL, PRIMARY KEY (key, copy_id)) WITHOUT ROWID"
    )
    db.execute("CREATE INDEX lsh_copy ON lsh (copy_id)")
    db["copies"].add_column("match", str)  # JSON: why this copy joined its story


def migrate(db: sqlite_utils.Database) -> None:
    """Bring the database to the latest schema."""
    known = {m.name for m in migrations._migrations}
    # one writer at a time: a second process waits here, then finds nothing pending
    db.execute("BEGIN IMMEDIATE")
    try:
        unknown = [m.name for m in migrations.applied(db) if m.name not in known]
        if unknown:
            raise SchemaError(
                f"database has migrations this aggregator does not know ({', '.join(unknown)}): upgrade"
            )
        migrations.apply(db)
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")


@migrations()
def m004_runs(db: sqlite_utils.Database) -> None:
    # one row per crawl of one source: inserted as 'running' at start, finished at the end
    db["runs"].create(
        {
            "id": int,
            "source": str,
            "trigger": str,  # crawl | run-due | scrapy (scrapy crawl / Scrapyd)
            "started": str,  # ISO 8601, UTC
            "finished": str,
            "outcome": str,  # running | ok | partial | failed | interrupted
            "reason": str,  # why a run failed or was partial
            "pid": int,
            "host": str,
            "requests": int,
            "pages_fetched": int,  # responses, 304s included
            "not_modified": int,  # 304 responses
            "skipped_known": int,  # known article links not fetched again
            "new_stories": int,
            "new_copies": int,
            "updated_copies": int,
            "errors": int,
            "duration_s": float,
        },
        pk="id",
    )
    db["runs"].create_index(["source", "started"])
    # incremental state: every page a crawl fetched, with its HTTP validators and the links it held
    db["page_state"].create(
        {
            "url": str,  # canonical form (w3lib), as copies.url
            "source_name": str,
            "kind": str,  # page (not an article) | article | gone (404/410) | blocked (robots.txt) | NULL: pending
            "etag": str,
            "last_modified": str,
            "status": int,
            "links": str,  # JSON [[url, role, is_pagination], ...] of the page's followed links
            "fetched_at": str,  # last 200
            "checked_at": str,  # last 200 or 304
        },
        pk="url",
    )


@migrations()
def m003_search(db: sqlite_utils.Database) -> None:
    """The full-text index of the stories, kept current by triggers on ``stories`` (see aggregator/search.py)."""
    from aggregator.search import create_index

    create_index(db)


@migrations()
def m005_story_ids(db: sqlite_utils.Database) -> None:
    # story ids are feed item ids: a deleted story's id must never name another story, so new ids come from an
    # AUTOINCREMENT sequence that only grows
    db.execute("CREATE TABLE story_ids (id INTEGER PRIMARY KEY AUTOINCREMENT)")
    top = db.execute("SELECT coalesce(max(id), 0) FROM stories").fetchone()[0]
    if top:
        db.execute("INSERT INTO story_ids (id) VALUES (?)", [top])
        db.execute("DELETE FROM story_ids")


@migrations()
def m006_search_tokens_in_python(db: sqlite_utils.Database) -> None:
    # tokenising in SQL cost ~50 ms per story write; the same tokens from a Python function cost ~1 ms.
    # Connections opened through Store register search_text(); others can read but not write stories.
    from aggregator.search import create_triggers, python_tokens

    create_triggers(db.conn, python_tokens)


@migrations()
def m007_story_aggregates(db: sqlite_utils.Database) -> None:
    """Per-story aggregates, so that one more copy of a story costs the same whatever the story's size.

    ``story_slots`` counts, per story, how many of its copies have each value in each MinHash slot (a copy's
    summed similarity to the others follows in O(k)); ``story_state`` holds the rest of the story's state as
    JSON (aggregator/stories.py: claim counters, dates, ranked canonical candidates, representatives); the LSH
    index keeps only the representatives. Built here from the existing copies.
    """
    from aggregator.dedup import is_traditional
    from aggregator.storygroups import settle_story

    db.execute(
        "CREATE TABLE story_slots (story_id INTEGER NOT NULL, slot INTEGER NOT NULL, value INTEGER NOT NULL, "
        "n INTEGER NOT NULL, PRIMARY KEY (story_id, slot, value)) WITHOUT ROWID"
    )
    db.execute("CREATE TABLE story_state (story_id INTEGER PRIMARY KEY, state TEXT NOT NULL)")
    db["copies"].add_column("traditional", int)  # 1 when the text is in traditional characters
    conn = db.conn
    last = 0
    while batch := conn.execute(
        "SELECT id, body FROM copies WHERE id > ? ORDER BY id LIMIT 1000", (last,)
    ).fetchall():
        conn.executemany(
            "UPDATE copies SET traditional = ? WHERE id = ?",
            [(int(is_traditional(body or "")), copy_id) for copy_id, body in batch],
        )
        last = batch[-1][0]
    conn.execute("DELETE FROM lsh")  # settle_story indexes each story's representatives again
    for (story_id,) in conn.execute("SELECT id FROM stories ORDER BY id").fetchall():
        settle_story(conn, story_id, representatives=[], from_scratch=True)


@migrations()
def m008_specifics(db: sqlite_utils.Database) -> None:
    # the numbers of each signed copy and their contexts (aggregator/specifics.py), so that a templated report
    # of another day is kept apart; copies signed before have none until `aggregator rebuild`
    db["signatures"].add_column("slots", str)


@migrations()
def m009_search_names(db: sqlite_utils.Database) -> None:
    # reporters, correspondents, editors and the original source are searchable (`search 郑莉莉`)
    from aggregator.search import add_names

    add_names(db.conn)


@migrations()
def m010_run_figures(db: sqlite_utils.Database) -> None:
    # a killed run's figures are read from what it stored (runs._stored_since): by source and time, without
    # scanning every copy and page the database holds
    db["copies"].create_index(["source_name", "first_seen"], if_not_exists=True)
    db["page_state"].create_index(["source_name", "checked_at"], if_not_exists=True)


@migrations()
def m011_search_skips_empty_rows(db: sqlite_utils.Database) -> None:
    # a new story's row is inserted empty and filled in the same transaction: indexing the empty row cost an
    # insert and a 'delete', and FTS5 writing out its pending terms, for every new story
    from aggregator.search import skip_empty_rows

    skip_empty_rows(db.conn)
