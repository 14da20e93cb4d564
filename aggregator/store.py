"""The SQLite store: one row per story, one row per copy (a URL where the story was seen).

Every write is one ``BEGIN IMMEDIATE`` transaction that decides the match and writes it, so several crawler
processes can feed one database without two of them creating the same story. WAL mode lets readers (search,
export) run while a crawl writes, and a crash mid-run leaves the last committed state.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import sqlite_utils

from aggregator import search
from aggregator.dedup import (
    SIGNATURE_VERSION,
    Fingerprint,
    Match,
    compare,
    fingerprint,
    is_traditional,
    normalize_text,
    to_simplified,
)
from aggregator.schema import SchemaError, migrate


class StoreError(Exception):
    """The database cannot be opened or used; the message says why."""


def _create_private(path: Path) -> None:
    """Create the database's directory (0700) and file (0600) if they do not exist.

    Stories are not secret, but the runs, hosts and pids need not be readable by every local user. SQLite
    gives the WAL, SHM and journal files it makes later the mode of the database file, so they are 0600 too.
    An existing file keeps the mode its owner gave it.
    """
    missing = []
    parent = path.parent
    while not parent.exists() and parent != parent.parent:
        missing.append(parent)
        parent = parent.parent
    for directory in reversed(missing):
        with suppress(FileExistsError):
            directory.mkdir(mode=0o700)
    # an empty file is an empty SQLite database; an existing one is opened as it is
    with suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600))


def _connect_readonly(path: Path, timeout: float) -> sqlite3.Connection:
    if not path.is_file():
        raise StoreError(f"{path}: no such database file")
    # a URI, so that SQLite itself refuses to write (no schema, no WAL switch); as_uri() escapes ? and #
    uri = path.absolute().as_uri() + "?mode=ro"
    return sqlite3.connect(uri, uri=True, timeout=timeout, isolation_level=None, check_same_thread=False)


def _check_readable(db: sqlite_utils.Database, path) -> None:
    """Refuse a file that is not an aggregator database, or one this version cannot read as it is."""
    from aggregator.schema import migrations

    applied = {m.name for m in migrations.applied(db)}
    known = [m.name for m in migrations._migrations]
    if not applied:
        raise StoreError(
            f"{path}: not a usable aggregator database (no aggregator schema in it); it was left unchanged"
        )
    unknown = applied - set(known)
    if unknown:
        raise SchemaError(
            f"database has migrations this aggregator does not know ({', '.join(sorted(unknown))}): upgrade"
        )
    pending = [name for name in known if name not in applied]
    if pending:
        raise StoreError(
            f"{path}: written by an older aggregator (missing {', '.join(pending)}); a command that writes "
            "(crawl, run-due, rebuild) upgrades it"
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


MAX_CANDIDATES = 500  # bounds the work per page when a band key is shared by very many copies
# outcomes of Store.add_copy, also the names of the store pipeline's stats
NEW_STORY, NEW_COPY, UPDATED, UNCHANGED = "new_story", "new_copy", "updated_copy", "unchanged_copy"


class Store:
    def __init__(self, path: str | Path, readonly: bool = False, timeout: float = 30):
        """Open (and create, and migrate) the database; ``readonly=True`` opens an existing aggregator
        database with SQLite's ``mode=ro`` and changes nothing, refusing any other file."""
        self.path = Path(path)
        self.readonly = readonly
        try:
            if readonly:
                conn = _connect_readonly(self.path, timeout)
            else:
                if str(path) != ":memory:":
                    _create_private(self.path)
                conn = sqlite3.connect(
                    str(path), timeout=timeout, isolation_level=None, check_same_thread=False
                )
                conn.execute("PRAGMA journal_mode=WAL")
                conn.execute("PRAGMA synchronous=NORMAL")
                conn.execute("PRAGMA foreign_keys=ON")
            search.register(conn)  # the search index triggers call it
            self.db = sqlite_utils.Database(conn)
            if readonly:
                _check_readable(self.db, path)
            else:
                migrate(self.db)
        except (sqlite3.DatabaseError, SchemaError, StoreError) as exc:
            if "conn" in locals():
                conn.close()
            if isinstance(exc, StoreError):
                raise
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
        """Store one copy and attach it to its story; returns (outcome, story id).

        Idempotent for an unchanged page. A copy that matches copies of several stories joins them into one
        (union of clusters): the copy is evidence that they are the same article.
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
                # fetched_at stays the fetch of the stored content; last_seen says it was still there
                conn.execute(
                    "UPDATE copies SET last_seen = max(last_seen, ?) WHERE id = ?", (copy.fetched_at, row[0])
                )
                conn.execute(
                    "UPDATE stories SET last_seen = max(last_seen, ?) WHERE id = ?", (copy.fetched_at, row[1])
                )
                return UNCHANGED, row[1]
            own_id, old_story = (row[0], row[1]) if row else (None, None)
            matches = self._matches(conn, fp, exclude=own_id)
            stories = sorted({story for _, story, _ in matches})
            if stories:
                story_id = stories[0]
                for other in stories[1:]:
                    conn.execute("UPDATE copies SET story_id = ? WHERE story_id = ?", (story_id, other))
                    conn.execute("DELETE FROM stories WHERE id = ?", (other,))
                best_copy, _, best = max(
                    matches, key=lambda m: (m[2].same_body, m[2].jaccard, m[2].containment)
                )
                match = {"with_copy": best_copy, "how": best.describe(), "joined_stories": stories}
                outcome = NEW_COPY
            elif (
                old_story is not None
                and not conn.execute(
                    "SELECT 1 FROM copies WHERE story_id = ? AND id != ?", (old_story, own_id)
                ).fetchone()
            ):
                # the story's only copy changed: it stays the same story, under the same id (a feed item id)
                story_id = old_story
                match = {"how": "first copy of its story: no stored copy was similar enough"}
                outcome = UPDATED
            else:
                story_id = _new_story(conn, copy.fetched_at)
                match = {"how": "first copy of its story: no stored copy was similar enough"}
                outcome = NEW_STORY
            values = _copy_values(copy, story_id, fp, match)
            if row:
                sets = ", ".join(f"{k} = :{k}" for k in values if k != "first_seen")
                conn.execute(f"UPDATE copies SET {sets} WHERE id = :id", {**values, "id": own_id})
                copy_id, outcome = own_id, UPDATED
            else:
                cols = ", ".join(values)
                marks = ", ".join(":" + k for k in values)
                copy_id = conn.execute(f"INSERT INTO copies ({cols}) VALUES ({marks})", values).lastrowid
            self._index(conn, copy_id, fp)
            if old_story is not None and old_story != story_id and old_story not in stories:
                self._refresh_story(conn, old_story)
            self._refresh_story(conn, story_id)
            return outcome, story_id

    def _matches(
        self, conn: sqlite3.Connection, fp: Fingerprint, exclude: int | None
    ) -> list[tuple[int, int, Match]]:
        """Stored copies that are the same article as ``fp``: (copy id, story id, evidence)."""
        found: dict[int, tuple[int, int, Match]] = {}
        for copy_id, story_id in conn.execute(
            "SELECT id, story_id FROM copies WHERE body_hash = ? AND id IS NOT ? LIMIT ?",
            (fp.body_hash, exclude, MAX_CANDIDATES),
        ):
            found[copy_id] = (copy_id, story_id, Match(1.0, 1.0, True))
        keys = fp.band_keys()
        if keys:
            marks = ",".join("?" * len(keys))
            rows = conn.execute(
                f"SELECT c.id, c.story_id, c.body_hash, s.size, s.full, s.head FROM signatures s "
                f"JOIN copies c ON c.id = s.copy_id WHERE s.copy_id IN "
                f"(SELECT DISTINCT copy_id FROM lsh WHERE key IN ({marks}) LIMIT ?) AND c.id IS NOT ?",
                (*keys, MAX_CANDIDATES, exclude),
            )
            for copy_id, story_id, bhash, size, full, head in rows:
                if copy_id in found:
                    continue
                evidence = compare(fp, Fingerprint.from_row(bhash, size, full, head))
                if evidence.same_story:
                    found[copy_id] = (copy_id, story_id, evidence)
        return list(found.values())

    def _index(self, conn: sqlite3.Connection, copy_id: int, fp: Fingerprint) -> None:
        conn.execute("DELETE FROM lsh WHERE copy_id = ?", (copy_id,))
        full, head = fp.to_blobs()
        conn.execute(
            "INSERT OR REPLACE INTO signatures (copy_id, version, size, full, head) VALUES (?, ?, ?, ?, ?)",
            (copy_id, SIGNATURE_VERSION, fp.size, full, head),
        )
        conn.executemany(
            "INSERT OR IGNORE INTO lsh (key, copy_id) VALUES (?, ?)", [(k, copy_id) for k in fp.band_keys()]
        )

    def _refresh_story(self, conn: sqlite3.Connection, story_id: int) -> None:
        """Recompute a story's fields from all of its copies (or delete it when none is left)."""
        cur = conn.execute(
            "SELECT c.*, s.full AS sig, s.size AS sig_size FROM copies c LEFT JOIN signatures s ON s.copy_id = c.id WHERE c.story_id = ?",
            (story_id,),
        )
        names = [d[0] for d in cur.description]
        copies = [dict(zip(names, r, strict=True)) for r in cur.fetchall()]
        if not copies:
            conn.execute("DELETE FROM stories WHERE id = ?", (story_id,))
            return
        merged = merge_story(copies)
        sets = ", ".join(f"{k} = :{k}" for k in merged)
        conn.execute(f"UPDATE stories SET {sets} WHERE id = :id", {**merged, "id": story_id})

    def rebuild(self, progress=None) -> dict:
        """Recompute every signature and regroup every copy into stories, e.g. after SIGNATURE_VERSION changed.

        Copies are replayed in the order they were first stored, so the result is what a fresh crawl of the same
        pages would give; groups are merged with union-find. Story ids are kept where a story survives.
        """
        with self.transaction() as conn:
            before = conn.execute("SELECT count(*) FROM stories").fetchone()[0]
            conn.execute("DELETE FROM lsh")
            conn.execute("DELETE FROM signatures")
            rows = conn.execute("SELECT id, story_id, body FROM copies ORDER BY id").fetchall()
            groups = UnionFind()
            for n, (copy_id, _, body) in enumerate(rows, 1):
                fp = fingerprint(body or "") or fingerprint(f"copy {copy_id}")
                matches = [m for m in self._matches(conn, fp, exclude=copy_id) if m[0] in groups]
                groups.add(copy_id)
                for other, _, _ in matches:
                    groups.union(copy_id, other)
                if matches:
                    best_copy, _, best = max(matches, key=lambda m: (m[2].same_body, m[2].jaccard))
                    match = {"with_copy": best_copy, "how": best.describe()}
                else:
                    match = {"how": "first copy of its story: no stored copy was similar enough"}
                conn.execute(
                    "UPDATE copies SET body_hash = ?, match = ? WHERE id = ?",
                    (fp.body_hash, json.dumps(match, ensure_ascii=False), copy_id),
                )
                self._index(conn, copy_id, fp)
                if progress:
                    progress(n, len(rows))
            old_story = {copy_id: story for copy_id, story, _ in rows}
            taken: set[int] = set()
            for members in sorted(groups.groups()):
                # a group keeps the smallest old story id among its copies that no earlier group took
                free = sorted({old_story[c] for c in members} - taken)
                story_id = free[0] if free else _new_story(conn, "")
                taken.add(story_id)
                conn.executemany(
                    "UPDATE copies SET story_id = ? WHERE id = ?", [(story_id, c) for c in members]
                )
            conn.execute("DELETE FROM stories WHERE id NOT IN (SELECT story_id FROM copies)")
            for story_id in taken:
                self._refresh_story(conn, story_id)
        return {"copies": len(rows), "stories_before": before, "stories_after": len(taken)}

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
        narrowed by ``aggregator.search.Filters`` and a full-text query."""
        from aggregator.search import Filters, mapping_for, match_expression

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


def _new_story(conn: sqlite3.Connection, seen: str) -> int:
    story_id = conn.execute("INSERT INTO story_ids DEFAULT VALUES").lastrowid
    conn.execute("DELETE FROM story_ids")  # sqlite_sequence keeps the high-water mark
    conn.execute("INSERT INTO stories (id, first_seen, last_seen) VALUES (?, ?, ?)", (story_id, seen, seen))
    return story_id


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
        "match": json.dumps(match, ensure_ascii=False),
        "fetched_at": copy.fetched_at,
        "first_seen": copy.fetched_at,
        "last_seen": copy.fetched_at,
    }


def merge_story(copies: list[dict]) -> dict:
    """A story's fields from its copies.

    The canonical copy is the original publisher's own page when it was crawled; else, among the copies in
    simplified characters and within 90 % of the largest, the most typical one (the highest mean similarity
    to the others, so not one padded with ads), then the most complete (most distinct shingles), then the
    earliest. The source is the copies' majority claim, counted across traditional and simplified forms;
    bylines come from the copy with the fullest attribution, in the script of the story's text; the date is
    the earliest credible one, at the most precise time shown for that day.
    """
    claims: dict[str, Counter] = {}
    for c in copies:
        if c["source"]:
            claims.setdefault(normalize_text(c["source"]), Counter())[c["source"]] += 1
    key = max(claims, key=lambda k: (claims[k].total(), len(k), k)) if claims else None

    def original(c: dict) -> bool:
        # hosted by the publisher, per the sources file, or by a site whose own name is the claimed source
        site = normalize_text(c["site_name"] or "")
        return bool(c["is_original"] or (key and site and (key in site or site in key)))

    typical = _typicality(copies)
    traditional = {c["id"]: is_traditional(c["body"] or "") for c in copies}
    largest = max(c.get("sig_size") or 0 for c in copies)
    canonical = min(
        copies,
        key=lambda c: (
            not original(c),
            traditional[c["id"]],  # readers get simplified text when any copy has it
            (c.get("sig_size") or 0) < 0.9 * largest,  # a truncated copy never wins, however many agree
            -typical[c["id"]],
            -(c.get("sig_size") or 0),
            c["fetched_at"],
            c["id"],
        ),
    )
    # print the publisher's own spelling when its page is here, else the form the copies use most
    if key and original(canonical) and normalize_text(canonical["site_name"] or "") == key:
        source = canonical["site_name"]
    elif key:
        forms = claims[key]
        source = max(forms, key=lambda f: (not is_traditional(f), forms[f], f == canonical["source"], f))
    else:
        source = None
    names = ("reporters", "correspondents", "editors")
    bylines = max(
        copies,
        key=lambda c: (
            sum(len(json.loads(c[n] or "[]")) for n in names),
            original(c),
            not traditional[c["id"]],
            c is canonical,
            -c["id"],
        ),
    )
    people = {n: json.loads(bylines[n] or "[]") for n in names}
    if traditional[bylines["id"]] and not traditional[canonical["id"]]:
        # the fullest byline is on a traditional-character copy: print the names as the story's text does
        people = {n: [to_simplified(name) for name in people[n]] for n in names}
    dates = sorted(
        (c["published"] for c in copies if _credible(c["published"], c["fetched_at"])), key=_instant
    )
    published = dates[0] if dates else None
    if published and published[11:19] == "00:00:00":
        # a copy that shows only the day is less precise than one that shows the time on that same day
        timed = [d for d in dates if d[:10] == published[:10] and d[11:19] != "00:00:00"]
        published = timed[0] if timed else published
    return {
        "url": canonical["url"],
        "canonical_copy_id": canonical["id"],
        "title": canonical["title"],
        "body": canonical["body"],
        "source": source,
        "published": published,
        **{n: json.dumps(people[n], ensure_ascii=False) for n in names},
        "copies_count": len(copies),
        "first_seen": min(c["first_seen"] for c in copies),
        "last_seen": max(c["last_seen"] for c in copies),
    }


def _typicality(copies: list[dict]) -> dict[int, float]:
    """Each copy's mean estimated Jaccard similarity to the story's other copies, to two decimals."""
    sigs = {c["id"]: np.frombuffer(c["sig"], dtype=np.uint32) for c in copies if c.get("sig")}
    out = {}
    for c in copies:
        mine = sigs.get(c["id"])
        others = [sig for other, sig in sigs.items() if other != c["id"]]
        out[c["id"]] = (
            round(float(np.mean([np.mean(mine == o) for o in others])), 2)
            if mine is not None and others
            else 0.0
        )
    return out


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


class UnionFind:
    """Disjoint sets of copy ids, for regrouping copies into stories."""

    def __init__(self):
        self.parent: dict[int, int] = {}

    def __contains__(self, x: int) -> bool:
        return x in self.parent

    def add(self, x: int) -> None:
        self.parent.setdefault(x, x)

    def find(self, x: int) -> int:
        root = x
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[x] != root:  # path compression
            self.parent[x], x = root, self.parent[x]
        return root

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)

    def groups(self) -> list[list[int]]:
        out: dict[int, list[int]] = {}
        for x in self.parent:
            out.setdefault(self.find(x), []).append(x)
        return list(out.values())
