"""The SQLite store: one row per story, one row per copy (a URL where the story was seen).

Every write is one ``BEGIN IMMEDIATE`` transaction that decides the match and writes it, so several crawler
processes can feed one database without two of them creating the same story. WAL mode lets readers (search,
export) run while a crawl writes, and a crash mid-run leaves the last committed state.
"""

from __future__ import annotations

import json
import sqlite3
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import sqlite_utils

from aggregator.schema import SchemaError, migrate


class StoreError(Exception):
    """The database cannot be opened or used; the message says why."""


@dataclass
class CopyRecord:
    """What the pipelines know about one fetched article page."""

    url: str  # canonical URL: the copy's identity
    final_url: str
    portal: str
    body: str
    body_hash: str
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


# outcomes of Store.add_copy, also the names of the store pipeline's stats
NEW_STORY, NEW_COPY, UPDATED, UNCHANGED = "new_story", "new_copy", "updated_copy", "unchanged_copy"


class Store:
    def __init__(self, path: str | Path):
        self.path = Path(path)
        if str(path) != ":memory:":
            self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            conn = sqlite3.connect(str(path), timeout=30, isolation_level=None, check_same_thread=False)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA foreign_keys=ON")
            self.db = sqlite_utils.Database(conn)
            migrate(self.db)
        except (sqlite3.DatabaseError, SchemaError) as exc:
            raise StoreError(f"{path}: not a usable aggregator database ({exc})") from None

    def close(self) -> None:
        self.db.conn.close()

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
        """Store one copy; returns (outcome, story id). Idempotent for an unchanged page."""
        with self.transaction() as conn:
            row = conn.execute(
                "SELECT id, story_id, body_hash FROM copies WHERE url = ?", (copy.url,)
            ).fetchone()
            if row and row[2] == copy.body_hash:
                # fetched_at stays the fetch of the stored content; last_seen says it was still there
                conn.execute(
                    "UPDATE copies SET last_seen = max(last_seen, ?) WHERE id = ?", (copy.fetched_at, row[0])
                )
                conn.execute(
                    "UPDATE stories SET last_seen = max(last_seen, ?) WHERE id = ?", (copy.fetched_at, row[1])
                )
                return UNCHANGED, row[1]
            story_id = self._match(conn, copy, exclude_copy=row[0] if row else None)
            if story_id is None:
                story_id = conn.execute(
                    "INSERT INTO stories (first_seen, last_seen) VALUES (?, ?)",
                    (copy.fetched_at, copy.fetched_at),
                ).lastrowid
                outcome = NEW_STORY
            else:
                outcome = NEW_COPY
            values = _copy_values(copy, story_id)
            if row:
                sets = ", ".join(f"{k} = :{k}" for k in values if k != "first_seen")
                conn.execute(f"UPDATE copies SET {sets} WHERE id = :id", {**values, "id": row[0]})
                outcome = UPDATED
                if row[1] != story_id:
                    self._refresh_story(conn, row[1])
            else:
                cols = ", ".join(values)
                conn.execute(
                    f"INSERT INTO copies ({cols}) VALUES ({', '.join(':' + k for k in values)})", values
                )
            self._refresh_story(conn, story_id)
            return outcome, story_id

    def _match(self, conn: sqlite3.Connection, copy: CopyRecord, exclude_copy: int | None) -> int | None:
        row = conn.execute(
            "SELECT story_id FROM copies WHERE body_hash = ? AND id IS NOT ? ORDER BY id LIMIT 1",
            (copy.body_hash, exclude_copy),
        ).fetchone()
        return row[0] if row else None

    def _refresh_story(self, conn: sqlite3.Connection, story_id: int) -> None:
        """Recompute a story's fields from all of its copies (or delete it when none is left)."""
        cur = conn.execute("SELECT * FROM copies WHERE story_id = ?", (story_id,))
        names = [d[0] for d in cur.description]
        copies = [dict(zip(names, r, strict=True)) for r in cur.fetchall()]
        if not copies:
            conn.execute("DELETE FROM stories WHERE id = ?", (story_id,))
            return
        merged = merge_story(copies)
        sets = ", ".join(f"{k} = :{k}" for k in merged)
        conn.execute(f"UPDATE stories SET {sets} WHERE id = :id", {**merged, "id": story_id})

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

    def iter_stories(self, limit: int | None = None) -> Iterator[dict]:
        """Stories newest first (by UTC instant: datetime() folds the offsets), with copies, in the export shape."""
        sql = "SELECT * FROM stories ORDER BY datetime(coalesce(published, first_seen)) DESC, id DESC"
        params: tuple = ()
        if limit:
            sql += " LIMIT ?"
            params = (limit,)
        for story in self.db.query(sql, params):
            copies = list(
                self.db.query(
                    "SELECT url, portal, title, published, fetched_at, source, is_original "
                    "FROM copies WHERE story_id = ? ORDER BY is_original DESC, fetched_at, id",
                    (story["id"],),
                )
            )
            canonical = next((c for c in copies if c["url"] == story["url"]), None)
            yield {
                "id": story["id"],
                "title": story["title"],
                "body": story["body"],
                "published": story["published"],
                "source": story["source"],
                "reporters": json.loads(story["reporters"] or "[]"),
                "correspondents": json.loads(story["correspondents"] or "[]"),
                "editors": json.loads(story["editors"] or "[]"),
                "url": story["url"] or (canonical or copies[0])["url"],
                "copies": [
                    {k: c[k] for k in ("url", "portal", "title", "published", "fetched_at", "source")}
                    for c in copies
                ],
                "first_seen": story["first_seen"],
                "last_seen": story["last_seen"],
            }


def _copy_values(copy: CopyRecord, story_id: int) -> dict:
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
        "body_hash": copy.body_hash,
        "body_len": len(copy.body),
        "is_original": int(copy.is_original),
        "fetched_at": copy.fetched_at,
        "first_seen": copy.fetched_at,
        "last_seen": copy.fetched_at,
    }


def merge_story(copies: list[dict]) -> dict:
    """A story's fields from its copies.

    The canonical copy is the original publisher's own page when it was crawled, else the most complete copy,
    then the earliest. The source is the copies' majority claim (the longest name among equals, as the most
    specific); bylines come from the copy with the fullest attribution; the date is the earliest credible one.
    """
    canonical = min(
        copies, key=lambda c: (-c["is_original"], -(c["body_len"] or 0), c["fetched_at"], c["id"])
    )
    claims = Counter(c["source"] for c in copies if c["source"])
    source = max(claims, key=lambda s: (claims[s], len(s), s)) if claims else None
    names = ("reporters", "correspondents", "editors")
    bylines = max(
        copies,
        key=lambda c: (sum(len(json.loads(c[n] or "[]")) for n in names), c["is_original"], -c["id"]),
    )
    dates = [c["published"] for c in copies if _credible(c["published"], c["fetched_at"])]
    return {
        "url": canonical["url"],
        "canonical_copy_id": canonical["id"],
        "title": canonical["title"],
        "body": canonical["body"],
        "source": source,
        "published": min(dates, key=_instant) if dates else None,
        **{n: bylines[n] for n in names},
        "copies_count": len(copies),
        "first_seen": min(c["first_seen"] for c in copies),
        "last_seen": max(c["last_seen"] for c in copies),
    }


def _instant(iso: str) -> datetime:
    dt = datetime.fromisoformat(iso)
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


def _credible(published: str | None, fetched_at: str) -> bool:
    """A date after the page was fetched is a parsing mistake, not a publication date."""
    if not published:
        return False
    try:
        return _instant(published) <= _instant(fetched_at)
    except ValueError:
        return False
