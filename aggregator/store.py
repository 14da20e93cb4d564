"""The SQLite store: one row per story, one row per copy (a URL where the story was seen).

Every write is one ``BEGIN IMMEDIATE`` transaction that decides the match and writes it, so several crawler
processes can feed one database without two of them creating the same story. WAL mode lets readers (search,
export) run while a crawl writes, and a crash mid-run leaves the last committed state.

The Store decides what a write does; the steps it takes live by concern: story groups and their aggregates in
aggregator/storygroups.py (the rules themselves in aggregator/stories.py), the rebuild's replay in
aggregator/regroup.py, and the database file's creation and checks in aggregator/dbfiles.py.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import sqlite_utils

from aggregator import checkpoint, search
from aggregator.dbfiles import StoreError, check_readable, connect_readonly, create_private
from aggregator.dedup import Fingerprint, Match, fingerprint, is_traditional
from aggregator.regroup import regroup
from aggregator.schema import SchemaError, migrate
from aggregator.stories import Copy, match_record
from aggregator.storygroups import (
    attach,
    count_slots,
    detach,
    find_candidates,
    join_stories,
    load_state,
    new_story,
    settle_story,
    story_exists,
    verdicts,
    write_signature,
)


@dataclass
class CopyRecord:
    """What the pipelines know about one fetched article page."""

    url: str  # canonical URL: the copy's identity
    final_url: str
    portal: str
    body: str
    fetched_at: str
    title: str | None = None
    published: str | None = None
    source: str | None = None
    reporters: list[str] = field(default_factory=list)
    correspondents: list[str] = field(default_factory=list)
    editors: list[str] = field(default_factory=list)
    site_name: str | None = None
    source_name: str | None = None
    is_original: bool = False
    fingerprint: Fingerprint | None = None  # computed from body when not given


# outcomes of Store.add_copy, also the names of the store pipeline's stats
NEW_STORY, NEW_COPY, UPDATED, UNCHANGED = "new_story", "new_copy", "updated_copy", "unchanged_copy"


class Store:
    def __init__(
        self,
        path: str | Path,
        readonly: bool = False,
        timeout: float = 30,
        background_checkpoint: bool = False,
    ):
        """Open (and create, and migrate) the database; ``readonly=True`` opens an existing aggregator
        database with SQLite's ``mode=ro`` and changes nothing, refusing any other file.
        ``background_checkpoint``: commits leave the log's copy into the database to a thread
        (aggregator/checkpoint.py), for a writer in a crawl's reactor thread."""
        self.path = Path(path)
        self.readonly = readonly
        self._checkpointed: str | None = None
        try:
            if readonly:
                conn = connect_readonly(self.path, timeout)
            else:
                if str(path) != ":memory:":
                    create_private(self.path)
                conn = sqlite3.connect(
                    str(path), timeout=timeout, isolation_level=None, check_same_thread=False
                )
                conn.execute("PRAGMA journal_mode=WAL")
                conn.execute("PRAGMA synchronous=NORMAL")
                conn.execute("PRAGMA foreign_keys=ON")
            search.register(conn)  # the search index triggers call it
            self.db = sqlite_utils.Database(conn)
            if readonly:
                check_readable(self.db, path)
            else:
                migrate(self.db)
                if background_checkpoint and str(path) != ":memory:":
                    self._checkpointed = str(self.path.resolve())
                    checkpoint.attach(conn, self._checkpointed)
        except (sqlite3.DatabaseError, SchemaError, StoreError) as exc:
            if "conn" in locals():
                conn.close()
            if isinstance(exc, StoreError):
                raise
            raise StoreError(f"{path}: not a usable aggregator database ({exc})") from None

    def close(self) -> None:
        self.db.conn.close()
        if self._checkpointed:
            checkpoint.detach(self._checkpointed)
            self._checkpointed = None

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        conn = self.db.conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    # writing

    def add_copy(self, copy: CopyRecord) -> tuple[str, int]:
        """Store one copy and attach it to its story; returns (outcome, story id).

        Idempotent for an unchanged page. A copy that matches copies of several stories joins them into one
        (union of clusters): the copy is evidence that they are the same article. A new copy costs the same
        whatever the size of its story: it is verified against the story's representatives and updates the
        story's aggregates (see aggregator/stories.py).
        """
        fp = copy.fingerprint or fingerprint(copy.body)
        if fp is None:
            raise ValueError(f"empty body: {copy.url}")
        with self.transaction() as conn:
            row = conn.execute(
                f"SELECT id, story_id, {', '.join(_SEEN_FIELDS)} FROM copies WHERE url = ?", (copy.url,)
            ).fetchone()
            # unchanged means every stored field as this fetch shows it, not only the normalised text: a
            # corrected title, date, byline or punctuation is an update
            if row and tuple(row[2:]) == _seen_values(copy, fp):
                _seen_again(conn, row[0], row[1], copy.fetched_at)
                return UNCHANGED, row[1]
            own_id, old_story = (row[0], row[1]) if row else (None, None)
            if row:
                detach(conn, own_id, old_story)
            found, apart = verdicts(
                conn,
                fp,
                find_candidates(conn, fp, exclude=own_id),
                lambda _, story: story,
                lambda story: state.representatives if (state := load_state(conn, story)) else [],
                exclude=own_id,
            )
            outcome, story_id, match = _choose_story(conn, found, apart, own_id, old_story, copy.fetched_at)
            values = _copy_values(copy, story_id, fp, match)
            if row:
                _update_copy(conn, own_id, values)
                copy_id, outcome = own_id, UPDATED
            else:
                copy_id = _insert_copy(conn, values)
            write_signature(conn, copy_id, fp)
            if row:
                # a changed page is rare: its stories are settled from all of their copies
                count_slots(conn, story_id, fp.full, +1)
                settle_story(conn, story_id)
                if old_story != story_id and story_exists(conn, old_story):
                    settle_story(conn, old_story)
            else:
                attach(conn, story_id, _record(copy, copy_id, fp, values), fp, found)
            return outcome, story_id

    def rebuild(self, progress=None) -> dict:
        """Recompute every signature and regroup every copy into stories, e.g. after SIGNATURE_VERSION changed.

        Copies are replayed in the order they were first stored, through the same matching rule as
        ``add_copy`` (verified against each group's representatives; a copy that matches several groups joins
        them, the largest keeping its representatives first), so the result is what a fresh crawl of the same
        pages would give. Story ids are kept where a story survives.
        """
        with self.transaction() as conn:
            result = regroup(conn, progress)
        return result

    # reading

    def counts(self) -> dict:
        q = self.db.conn.execute
        return {
            "stories": q("SELECT count(*) FROM stories").fetchone()[0],
            "copies": q("SELECT count(*) FROM copies").fetchone()[0],
            "portals": q("SELECT count(DISTINCT portal) FROM copies").fetchone()[0],
        }

    def top_sources(self, limit: int = 5) -> list[tuple[str, int]]:
        rows = self.db.conn.execute(
            "SELECT source, count(*) AS n FROM stories WHERE source IS NOT NULL "
            "GROUP BY source ORDER BY n DESC, source LIMIT ?",
            (limit,),
        )
        return [tuple(r) for r in rows]

    def iter_stories(
        self, filters=None, query: str | None = None, limit: int | None = None
    ) -> Iterator[dict]:
        """Stories newest first (by UTC instant: datetime() folds the offsets), in the export shape, optionally
        narrowed by ``aggregator.filters.Filters`` and a full-text query."""
        from aggregator.filters import Filters
        from aggregator.search import mapping_for, match_expression

        where, params = (filters or Filters()).sql("s")
        conds = [where] if where else []
        if query:
            conds.append("s.id IN (SELECT rowid FROM search_index WHERE search_index MATCH ?)")
            params.append(match_expression(query, mapping_for(self.db.conn)))
        sql = "SELECT * FROM stories s"
        if conds:
            sql += " WHERE " + " AND ".join(conds)
        sql += " ORDER BY datetime(coalesce(s.published, s.first_seen)) DESC, s.id DESC"
        if limit:
            sql += " LIMIT ?"
            params.append(limit)
        # streamed: an export of 100k stories must not hold them all (the copies are read per story alongside)
        for story in self.db.query(sql, params):
            yield story_record(self.db, story)


def story_record(db: sqlite_utils.Database, story: dict) -> dict:
    """A stories row with its copies, in the export shape (the JSONL fields)."""
    copies = list(
        db.query(
            "SELECT url, portal, title, published, fetched_at, source, is_original "
            "FROM copies WHERE story_id = ? ORDER BY is_original DESC, fetched_at, id",
            (story["id"],),
        )
    )
    canonical = next((c for c in copies if c["url"] == story["url"]), None)
    return {
        "id": story["id"],
        "title": story["title"],
        "body": story["body"],
        "published": story["published"],
        "source": story["source"],
        "reporters": json.loads(story["reporters"] or "[]"),
        "correspondents": json.loads(story["correspondents"] or "[]"),
        "editors": json.loads(story["editors"] or "[]"),
        "url": story["url"] or ((canonical or copies[0])["url"] if copies else None),
        "copies": [
            {k: c[k] for k in ("url", "portal", "title", "published", "fetched_at", "source")} for c in copies
        ],
        "first_seen": story["first_seen"],
        "last_seen": story["last_seen"],
    }


# the copy fields a fetch determines; equal on a re-crawl means the page did not change
_SEEN_FIELDS = (
    "body", "title", "published", "source", "reporters", "correspondents", "editors", "site_name",
    "is_original", "source_name", "final_url",
)  # fmt: skip


def _seen_values(copy: CopyRecord, fp: Fingerprint) -> tuple:
    values = _copy_values(copy, 0, fp, {})
    return tuple(values[f] for f in _SEEN_FIELDS)


def _copy_values(copy: CopyRecord, story_id: int, fp: Fingerprint, match: dict) -> dict:
    return {
        "story_id": story_id,
        "url": copy.url,
        "final_url": copy.final_url,
        "portal": copy.portal,
        "source_name": copy.source_name,
        "site_name": copy.site_name,
        "title": copy.title,
        "published": copy.published,
        "source": copy.source,
        "reporters": json.dumps(copy.reporters, ensure_ascii=False),
        "correspondents": json.dumps(copy.correspondents, ensure_ascii=False),
        "editors": json.dumps(copy.editors, ensure_ascii=False),
        "body": copy.body,
        "body_hash": fp.body_hash,
        "body_len": len(copy.body),
        "is_original": int(copy.is_original),
        "traditional": int(is_traditional(copy.body)),
        "match": json.dumps(match, ensure_ascii=False),
        "fetched_at": copy.fetched_at,
        "first_seen": copy.fetched_at,
        "last_seen": copy.fetched_at,
    }


def _record(copy: CopyRecord, copy_id: int, fp: Fingerprint, values: dict) -> Copy:
    return Copy(
        id=copy_id,
        url=copy.url,
        title=copy.title,
        source=copy.source,
        site_name=copy.site_name,
        published=copy.published,
        fetched_at=copy.fetched_at,
        reporters=list(copy.reporters),
        correspondents=list(copy.correspondents),
        editors=list(copy.editors),
        is_original=bool(copy.is_original),
        traditional=bool(values["traditional"]),
        size=fp.size,
        signed=fp.full is not None,
    )


def _seen_again(conn: sqlite3.Connection, copy_id: int, story_id: int, fetched_at: str) -> None:
    # fetched_at stays the fetch of the stored content; last_seen says it was still there
    conn.execute("UPDATE copies SET last_seen = max(last_seen, ?) WHERE id = ?", (fetched_at, copy_id))
    conn.execute("UPDATE stories SET last_seen = max(last_seen, ?) WHERE id = ?", (fetched_at, story_id))


def _choose_story(
    conn: sqlite3.Connection,
    found: list[tuple[int, int, Match]],
    apart: list[tuple[int, int, Match]],
    own_id: int | None,
    old_story: int | None,
    seen: str,
) -> tuple[str, int, dict]:
    """The story a copy goes to, from the verdicts on its candidates: (outcome, story id, match record)."""
    stories = sorted({story for _, story, _ in found})
    kept_apart = [(c, m) for c, _, m in apart]
    if stories:
        story_id = join_stories(conn, stories)
        return NEW_COPY, story_id, match_record([(c, m) for c, _, m in found], stories, kept_apart)
    if (
        old_story is not None
        and not conn.execute(
            "SELECT 1 FROM copies WHERE story_id = ? AND id != ?", (old_story, own_id)
        ).fetchone()
    ):
        # the story's only copy changed: it stays the same story, under the same id (a feed item id)
        return UPDATED, old_story, match_record([], kept_apart=kept_apart)
    story_id = new_story(conn, seen)
    return NEW_STORY, story_id, match_record([], kept_apart=kept_apart)


def _update_copy(conn: sqlite3.Connection, copy_id: int, values: dict) -> None:
    sets = ", ".join(f"{k} = :{k}" for k in values if k != "first_seen")
    conn.execute(f"UPDATE copies SET {sets} WHERE id = :id", {**values, "id": copy_id})


def _insert_copy(conn: sqlite3.Connection, values: dict) -> int:
    cols = ", ".join(values)
    marks = ", ".join(":" + k for k in values)
    return conn.execute(f"INSERT INTO copies ({cols}) VALUES ({marks})", values).lastrowid
