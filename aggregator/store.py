"""The SQLite store: one row per story, one row per copy (a URL where the story was seen).

Every write is one ``BEGIN IMMEDIATE`` transaction that decides the match and writes it, so several crawler
processes can feed one database without two of them creating the same story. WAL mode lets readers (search,
export) run while a crawl writes, and a crash mid-run leaves the last committed state.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import sqlite_utils

from aggregator import search
from aggregator.dedup import (
    NUM_PERM,
    SIGNATURE_VERSION,
    Fingerprint,
    Match,
    compare,
    fingerprint,
    is_traditional,
)
from aggregator.schema import SchemaError, migrate
from aggregator.stories import (
    COVER,
    Copy,
    StoryState,
    canonical_rank,
    match_record,
    merge_representatives,
    represents,
    settle,
    similarity,
)


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
    if not parent.is_dir():  # a file where a directory of the path should be: name it, not what mkdir says
        raise StoreError(f"cannot create the database {path}: {parent} is not a directory")
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
                # fetched_at stays the fetch of the stored content; last_seen says it was still there
                conn.execute(
                    "UPDATE copies SET last_seen = max(last_seen, ?) WHERE id = ?", (copy.fetched_at, row[0])
                )
                conn.execute(
                    "UPDATE stories SET last_seen = max(last_seen, ?) WHERE id = ?", (copy.fetched_at, row[1])
                )
                return UNCHANGED, row[1]
            own_id, old_story = (row[0], row[1]) if row else (None, None)
            if row:
                _detach(conn, own_id, old_story)
            found, apart = _verdicts(
                conn,
                fp,
                _candidates(conn, fp, exclude=own_id),
                lambda _, story: story,
                lambda story: state.representatives if (state := _load_state(conn, story)) else [],
                exclude=own_id,
            )
            stories = sorted({story for _, story, _ in found})
            kept_apart = [(c, m) for c, _, m in apart]
            if stories:
                story_id = _join(conn, stories)
                match = match_record([(c, m) for c, _, m in found], stories, kept_apart)
                outcome = NEW_COPY
            elif (
                old_story is not None
                and not conn.execute(
                    "SELECT 1 FROM copies WHERE story_id = ? AND id != ?", (old_story, own_id)
                ).fetchone()
            ):
                # the story's only copy changed: it stays the same story, under the same id (a feed item id)
                story_id = old_story
                match = match_record([], kept_apart=kept_apart)
                outcome = UPDATED
            else:
                story_id = _new_story(conn, copy.fetched_at)
                match = match_record([], kept_apart=kept_apart)
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
            _write_signature(conn, copy_id, fp)
            if row:
                # a changed page is rare: its stories are settled from all of their copies
                _count_slots(conn, story_id, fp.full, +1)
                settle_story(conn, story_id)
                if old_story != story_id and _exists(conn, old_story):
                    settle_story(conn, old_story)
            else:
                _attach(conn, story_id, _record(copy, copy_id, fp, values), fp, found)
            return outcome, story_id

    def rebuild(self, progress=None) -> dict:
        """Recompute every signature and regroup every copy into stories, e.g. after SIGNATURE_VERSION changed.

        Copies are replayed in the order they were first stored, through the same matching rule as
        ``add_copy`` (verified against each group's representatives; a copy that matches several groups joins
        them, the largest keeping its representatives first), so the result is what a fresh crawl of the same
        pages would give. Story ids are kept where a story survives.
        """
        with self.transaction() as conn:
            before = conn.execute("SELECT count(*) FROM stories").fetchone()[0]
            for table in ("lsh", "signatures", "story_slots", "story_state"):
                conn.execute(f"DELETE FROM {table}")
            rows = conn.execute("SELECT id, story_id, body FROM copies ORDER BY id").fetchall()
            groups = UnionFind()
            reps: dict[int, list[int]] = {}
            size: dict[int, int] = {}
            for n, (copy_id, _, body) in enumerate(rows, 1):
                fp = fingerprint(body or "") or fingerprint(f"copy {copy_id}")
                found, apart = _verdicts(
                    conn,
                    fp,
                    _candidates(conn, fp, exclude=copy_id, before=copy_id),
                    lambda c, _: groups.find(c),
                    lambda root: reps[root],
                )
                roots = sorted({root for _, root, _ in found}, key=lambda r: (-size[r], r))
                groups.add(copy_id)
                target, reps[copy_id], size[copy_id] = copy_id, [], 1
                for other in roots:
                    # the larger group keeps its representatives first, as Store.add_copy joins stories
                    big, small = (other, target) if size[other] >= size[target] else (target, other)
                    kept, dropped = merge_representatives(reps.pop(big), reps.pop(small))
                    conn.executemany("DELETE FROM lsh WHERE copy_id = ?", [(d,) for d in dropped])
                    total = size.pop(big) + size.pop(small)
                    target = groups.union(big, small)
                    reps[target], size[target] = kept, total
                mine = [similarity(m) for c, _, m in found if c in set(reps[target])]
                conn.execute(
                    "UPDATE copies SET body_hash = ?, match = ?, traditional = ? WHERE id = ?",
                    (
                        fp.body_hash,
                        json.dumps(
                            match_record(
                                [(c, m) for c, _, m in found], kept_apart=[(c, m) for c, _, m in apart]
                            ),
                            ensure_ascii=False,
                        ),
                        int(is_traditional(body or "")),
                        copy_id,
                    ),
                )
                _write_signature(conn, copy_id, fp)
                if fp.full is not None and represents(reps[target], max(mine, default=None)):
                    _index(conn, copy_id, fp)
                    reps[target].append(copy_id)
                if progress:
                    progress(n, len(rows))
            old_story = {copy_id: story for copy_id, story, _ in rows}
            taken: dict[int, int] = {}
            for members in sorted(sorted(g) for g in groups.groups()):
                # a group keeps the smallest old story id among its copies that no earlier group took
                free = sorted({old_story[c] for c in members} - set(taken))
                story_id = free[0] if free else _new_story(conn, "")
                taken[story_id] = groups.find(members[0])
                conn.executemany(
                    "UPDATE copies SET story_id = ? WHERE id = ?", [(story_id, c) for c in members]
                )
            conn.execute("DELETE FROM stories WHERE id NOT IN (SELECT story_id FROM copies)")
            for story_id, root in taken.items():
                settle_story(conn, story_id, representatives=reps[root], from_scratch=True)
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
        "traditional": int(is_traditional(copy.body)),
        "match": json.dumps(match, ensure_ascii=False),
        "fetched_at": copy.fetched_at,
        "first_seen": copy.fetched_at,
        "last_seen": copy.fetched_at,
    }


# matching and story aggregates: the SQL side of aggregator/stories.py


def _candidates(
    conn: sqlite3.Connection, fp: Fingerprint, exclude: int | None, before: int | None = None
) -> list[tuple[int, int, Match]]:
    """Stored copies whose text is similar to ``fp``: (copy id, story id, evidence), including those whose
    specifics differ (the caller keeps their stories apart).

    Every copy with the same normalised text is in one story (it always joins them), so one of them is
    enough; otherwise only the stories' representatives are in the LSH index, a bounded number per story, so a
    crowded band returns one row per representative, never every copy of a wire story. ``before``: only copies
    with smaller ids (rebuild replays them in that order).
    """
    found: dict[int, tuple[int, int, Match]] = {}
    limit = "AND id < ? " if before is not None else ""
    same = conn.execute(
        f"SELECT id, story_id FROM copies WHERE body_hash = ? AND id IS NOT ? {limit}ORDER BY id LIMIT 1",
        (fp.body_hash, exclude, *([before] if before is not None else [])),
    ).fetchone()
    if same:
        found[same[0]] = (same[0], same[1], Match(1.0, 1.0, True))
    keys = fp.band_keys()
    if keys:
        marks = ",".join("?" * len(keys))
        rows = conn.execute(
            f"SELECT c.id, c.story_id, {_SIGNATURE_COLUMNS} FROM signatures s "
            f"JOIN copies c ON c.id = s.copy_id WHERE s.copy_id IN "
            f"(SELECT DISTINCT copy_id FROM lsh WHERE key IN ({marks})) AND c.id IS NOT ?",
            (*keys, exclude),
        )
        for copy_id, story_id, *sig in rows:
            if copy_id in found:
                continue
            evidence = compare(fp, Fingerprint.from_row(*sig))
            if evidence.similar:
                found[copy_id] = (copy_id, story_id, evidence)
    return list(found.values())


_SIGNATURE_COLUMNS = "c.body_hash, s.size, s.full, s.head, s.slots"


def _verdicts(conn, fp: Fingerprint, candidates, group_of, representatives_of, exclude: int | None = None):
    """Which groups (stories) a copy joins: ([(copy, group, evidence)] it joins, [(copy, group, evidence)] kept
    apart).

    A group is joined when one of its copies is the same story and none of its representatives holds
    specifics that differ from the copy's: the copy must fit the story as a whole, so a chain of similar
    texts (day 1 ~ day 2 ~ day 3 of a templated report) cannot walk from one story into the next. The same
    normalised text always joins. Representatives are bounded per story, so this costs the same for a wire
    story of 5,000 copies as for one of 5.
    """
    by_group: dict[int, list[tuple[int, Match]]] = {}
    for copy_id, story_id, evidence in candidates:
        by_group.setdefault(group_of(copy_id, story_id), []).append((copy_id, evidence))
    joined, apart = [], []
    for group, items in sorted(by_group.items()):
        if not any(m.same_body for _, m in items):
            seen = {c for c, _ in items}
            others = [r for r in representatives_of(group) if r not in seen and r != exclude]
            if others:
                rows = conn.execute(
                    f"SELECT c.id, {_SIGNATURE_COLUMNS} FROM signatures s JOIN copies c ON c.id = s.copy_id "
                    f"WHERE s.copy_id IN ({','.join('?' * len(others))})",
                    others,
                )
                items += [(copy_id, compare(fp, Fingerprint.from_row(*sig))) for copy_id, *sig in rows]
            differ = [(c, m) for c, m in items if m.kept_apart]
            if differ:
                apart += [(c, group, m) for c, m in differ]
                continue
        joined += [(c, group, m) for c, m in items if m.same_story]
    return joined, apart


def _write_signature(conn: sqlite3.Connection, copy_id: int, fp: Fingerprint) -> None:
    full, head = fp.to_blobs()
    conn.execute(
        "INSERT OR REPLACE INTO signatures (copy_id, version, size, full, head, slots) VALUES (?, ?, ?, ?, ?, ?)",
        (copy_id, SIGNATURE_VERSION, fp.size, full, head, fp.slots_json()),
    )


def _index(conn: sqlite3.Connection, copy_id: int, fp: Fingerprint) -> None:
    """Make a copy one of its story's representatives: its band keys go into the LSH index."""
    conn.executemany(
        "INSERT OR IGNORE INTO lsh (key, copy_id) VALUES (?, ?)", [(k, copy_id) for k in fp.band_keys()]
    )


def _count_slots(conn: sqlite3.Connection, story_id: int, sig: np.ndarray | None, delta: int) -> int:
    """Add (+1) or remove (-1) a signature to/from the story's slot counters. On adding, returns the number of
    slots the signature shares with the story's other copies, summed over them: its typicality score."""
    if sig is None:
        return 0
    rows = [(story_id, slot, int(v)) for slot, v in enumerate(sig)]
    if delta < 0:
        conn.executemany(
            "UPDATE story_slots SET n = n - 1 WHERE story_id = ? AND slot = ? AND value = ?", rows
        )
        conn.executemany(
            "DELETE FROM story_slots WHERE story_id = ? AND slot = ? AND value = ? AND n <= 0", rows
        )
        return 0
    marks = ",".join(["(?, ?, ?, 1)"] * len(rows))
    counts = conn.execute(
        f"INSERT INTO story_slots (story_id, slot, value, n) VALUES {marks} "
        "ON CONFLICT (story_id, slot, value) DO UPDATE SET n = n + 1 RETURNING n",
        [x for r in rows for x in r],
    ).fetchall()
    return sum(n for (n,) in counts) - len(rows)


def _scores(conn: sqlite3.Connection, story_id: int, sigs: dict[int, np.ndarray]) -> dict[int, int]:
    """Typicality scores of some of a story's copies, from its slot counters (each copy counts itself once)."""
    out = dict.fromkeys(sigs, -NUM_PERM)
    for slot in range(NUM_PERM):
        values = sorted({int(s[slot]) for s in sigs.values()})
        counts = dict(
            conn.execute(
                f"SELECT value, n FROM story_slots WHERE story_id = ? AND slot = ? "
                f"AND value IN ({','.join('?' * len(values))})",
                (story_id, slot, *values),
            ).fetchall()
        )
        for copy_id, sig in sigs.items():
            out[copy_id] += counts.get(int(sig[slot]), 0)
    return out


def _signatures(conn: sqlite3.Connection, ids: list[int]) -> dict[int, np.ndarray]:
    rows = conn.execute(
        f"SELECT copy_id, full FROM signatures WHERE full IS NOT NULL AND copy_id IN ({','.join('?' * len(ids))})",
        ids,
    )
    return {copy_id: np.frombuffer(full, dtype=np.uint32) for copy_id, full in rows}


def _load_state(conn: sqlite3.Connection, story_id: int) -> StoryState | None:
    row = conn.execute("SELECT state FROM story_state WHERE story_id = ?", (story_id,)).fetchone()
    return StoryState.from_json(row[0]) if row else None


def _save_state(conn: sqlite3.Connection, story_id: int, state: StoryState) -> None:
    conn.execute(
        "INSERT OR REPLACE INTO story_state (story_id, state) VALUES (?, ?)", (story_id, state.to_json())
    )


def _write_fields(conn: sqlite3.Connection, story_id: int, state: StoryState) -> None:
    fields = state.fields()
    (fields["body"],) = conn.execute(
        "SELECT body FROM copies WHERE id = ?", (fields["canonical_copy_id"],)
    ).fetchone()
    sets = ", ".join(f"{k} = :{k}" for k in fields)
    conn.execute(f"UPDATE stories SET {sets} WHERE id = :id", {**fields, "id": story_id})


def _exists(conn: sqlite3.Connection, story_id: int) -> bool:
    return conn.execute("SELECT 1 FROM stories WHERE id = ?", (story_id,)).fetchone() is not None


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


def _attach(
    conn: sqlite3.Connection, story_id: int, rec: Copy, fp: Fingerprint, found: list[tuple[int, int, Match]]
) -> None:
    """Count a new copy into its story's aggregates: O(k), whatever the story's size."""
    rec.score = _count_slots(conn, story_id, fp.full, +1)
    state = _load_state(conn, story_id)
    if state is None:  # the story's first copy (or a story from before the aggregates): settle it whole
        settle_story(conn, story_id)
        return
    agreement = {}
    if fp.full is not None:
        sigs = _signatures(conn, [c.id for c in state.candidates])
        agreement = {copy_id: int(np.count_nonzero(sig == fp.full)) for copy_id, sig in sigs.items()}
    due = state.add(rec, agreement)
    reps = set(state.representatives)
    covered = max((similarity(m) for c, _, m in found if c in reps), default=None)
    if fp.full is not None and represents(state.representatives, covered):
        _index(conn, rec.id, fp)
        state.representatives.append(rec.id)
    _save_state(conn, story_id, state)
    if due:
        settle_story(conn, story_id)
        return
    _write_fields(conn, story_id, state)
    conn.execute(
        "UPDATE stories SET first_seen = min(first_seen, ?), last_seen = max(last_seen, ?) WHERE id = ?",
        (rec.fetched_at, rec.fetched_at, story_id),
    )


def _detach(conn: sqlite3.Connection, copy_id: int, story_id: int) -> None:
    """Take a changed copy out of its story's aggregates before it is matched again."""
    sig = _signatures(conn, [copy_id]).get(copy_id)
    _count_slots(conn, story_id, sig, -1)
    conn.execute("DELETE FROM lsh WHERE copy_id = ?", (copy_id,))
    state = _load_state(conn, story_id)
    if state and copy_id in state.representatives:
        state.representatives.remove(copy_id)
        _save_state(conn, story_id, state)


def _join(conn: sqlite3.Connection, stories: list[int]) -> int:
    """Join stories into the largest one (each copy moves only when its story is the smaller: O(log n) times)."""
    sizes = dict(
        conn.execute(
            f"SELECT id, copies_count FROM stories WHERE id IN ({','.join('?' * len(stories))})", stories
        ).fetchall()
    )
    order = sorted(stories, key=lambda s: (-(sizes.get(s) or 0), s))
    for other in order[1:]:
        _merge(conn, other, order[0])
    return order[0]


def _merge(conn: sqlite3.Connection, small: int, big: int) -> None:
    state, other = _load_state(conn, big), _load_state(conn, small)
    conn.execute("UPDATE copies SET story_id = ? WHERE story_id = ?", (big, small))
    conn.execute(
        "INSERT INTO story_slots (story_id, slot, value, n) SELECT ?, slot, value, n FROM story_slots "
        "WHERE story_id = ? ON CONFLICT (story_id, slot, value) DO UPDATE SET n = n + excluded.n",
        (big, small),
    )
    conn.execute("DELETE FROM story_slots WHERE story_id = ?", (small,))
    conn.execute(
        "UPDATE stories SET first_seen = min(first_seen, (SELECT first_seen FROM stories WHERE id = :s)), "
        "last_seen = max(last_seen, (SELECT last_seen FROM stories WHERE id = :s)) WHERE id = :b",
        {"s": small, "b": big},
    )
    conn.execute("DELETE FROM story_state WHERE story_id = ?", (small,))
    conn.execute("DELETE FROM stories WHERE id = ?", (small,))
    if state is None or other is None:
        settle_story(conn, big)
        return
    key = state.key
    dropped = state.merge(other)
    conn.executemany("DELETE FROM lsh WHERE copy_id = ?", [(d,) for d in dropped])
    scores = _scores(conn, big, _signatures(conn, [c.id for c in state.candidates]))
    for c in state.candidates:
        c.score = scores.get(c.id, 0)
    state.rank()
    _save_state(conn, big, state)
    if state.key != key:
        settle_story(conn, big)


_BROADCAST_ROWS = 128  # n × n × 128 bytes compared at once: 2 MB at this size


def settle_story(
    conn: sqlite3.Connection,
    story_id: int,
    representatives: list[int] | None = None,
    from_scratch: bool = False,
) -> None:
    """Recompute a story's state and fields from all of its copies' metadata and signatures (no bodies but the
    canonical one), or delete the story when none is left. Called when the story has doubled in size since it
    last settled, when its majority claim changed, when a copy changed, and by rebuild and the migration
    (``from_scratch``: the slot counters are rebuilt too)."""
    rows = conn.execute(
        "SELECT c.id, c.url, c.title, c.source, c.site_name, c.published, c.fetched_at, c.reporters, "
        "c.correspondents, c.editors, c.is_original, c.traditional, c.body_hash, s.size, s.full, s.head, "
        "c.first_seen, c.last_seen FROM copies c LEFT JOIN signatures s ON s.copy_id = c.id "
        "WHERE c.story_id = ? ORDER BY c.id",
        (story_id,),
    ).fetchall()
    if not rows:
        for table, col in (("story_slots", "story_id"), ("story_state", "story_id"), ("stories", "id")):
            conn.execute(f"DELETE FROM {table} WHERE {col} = ?", (story_id,))
        return
    copies = [
        Copy(
            id=r[0],
            url=r[1],
            title=r[2],
            source=r[3],
            site_name=r[4],
            published=r[5],
            fetched_at=r[6],
            reporters=json.loads(r[7] or "[]"),
            correspondents=json.loads(r[8] or "[]"),
            editors=json.loads(r[9] or "[]"),
            is_original=bool(r[10]),
            traditional=bool(r[11]),
            size=r[13] or 0,
            signed=r[14] is not None,
        )  # fmt: skip
        for r in rows
    ]
    signed = [(c, r) for c, r in zip(copies, rows, strict=True) if c.signed]
    matrix = np.stack([np.frombuffer(r[14], dtype=np.uint32) for _, r in signed]) if signed else None
    if matrix is not None:
        scores = np.full(len(signed), -NUM_PERM)
        if from_scratch:
            conn.execute("DELETE FROM story_slots WHERE story_id = ?", (story_id,))
        if not from_scratch and len(signed) <= _BROADCAST_ROWS:
            # every new story settles on its first copy: one comparison of all rows at once costs a fraction
            # of a np.unique per slot (the same counts: rows holding each row's value in each slot)
            scores += (matrix[:, None, :] == matrix[None, :, :]).sum(axis=(1, 2))
        for slot in range(NUM_PERM) if from_scratch or len(signed) > _BROADCAST_ROWS else ():
            values, inverse, counts = np.unique(matrix[:, slot], return_inverse=True, return_counts=True)
            scores += counts[inverse]
            if from_scratch:
                conn.executemany(
                    "INSERT INTO story_slots (story_id, slot, value, n) VALUES (?, ?, ?, ?)",
                    [(story_id, slot, int(v), int(n)) for v, n in zip(values, counts, strict=True)],
                )
        for (c, _), score in zip(signed, scores, strict=True):
            c.score = int(score)
    if representatives is None:
        old = _load_state(conn, story_id)
        ids = {c.id for c in copies}
        representatives = [r for r in (old.representatives if old else []) if r in ids]
    state = settle(copies, representatives)
    if matrix is not None and represents(state.representatives, None):
        # room for more representatives: the best-ranked copies that none of them covers
        row_of = {c.id: i for i, (c, _) in enumerate(signed)}
        best = np.zeros(len(signed))
        for rep in state.representatives:
            if rep in row_of:
                best = np.maximum(best, (matrix == matrix[row_of[rep]]).mean(axis=1))
        key = state.key
        uncovered = [cr for cr, b in zip(signed, best, strict=True) if b < COVER]
        for c, r in sorted(uncovered, key=lambda cr: canonical_rank(cr[0], key, state.largest, state.signed)):
            i = row_of[c.id]
            if c.id in state.representatives or best[i] >= COVER:
                continue
            if not represents(state.representatives, float(best[i]) if state.representatives else None):
                break
            _index(conn, c.id, Fingerprint.from_row(r[12], r[13], r[14], r[15]))
            state.representatives.append(c.id)
            best = np.maximum(best, (matrix == matrix[i]).mean(axis=1))
    _save_state(conn, story_id, state)
    _write_fields(conn, story_id, state)
    conn.execute(
        "UPDATE stories SET first_seen = ?, last_seen = ? WHERE id = ?",
        (min(r[16] or "" for r in rows), max(r[17] or "" for r in rows), story_id),
    )


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

    def union(self, a: int, b: int) -> int:
        """Join the sets of a and b; returns the root of the joined set."""
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)
        return min(ra, rb)

    def groups(self) -> list[list[int]]:
        out: dict[int, list[int]] = {}
        for x in self.parent:
            out.setdefault(self.find(x), []).append(x)
        return list(out.values())
