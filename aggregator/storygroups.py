"""Stories as groups of copies, in SQL: the candidates of a new copy, the verdicts on them, and the story
aggregates they change (attach, detach, join, merge, settle).

The SQL side of aggregator/stories.py, which keeps the rules and no database. Every function runs inside the
caller's transaction (aggregator/store.py) and leaves the story rows, their slot counters, their state and the
LSH index of their representatives consistent with one another.
"""

from __future__ import annotations

import json
import sqlite3

import numpy as np

from aggregator.dedup import NUM_PERM, SIGNATURE_VERSION, Fingerprint, Match, compare
from aggregator.stories import COVER, Copy, StoryState, canonical_rank, represents, settle, similarity


def new_story(conn: sqlite3.Connection, seen: str) -> int:
    story_id = conn.execute("INSERT INTO story_ids DEFAULT VALUES").lastrowid
    conn.execute("DELETE FROM story_ids")  # sqlite_sequence keeps the high-water mark
    conn.execute("INSERT INTO stories (id, first_seen, last_seen) VALUES (?, ?, ?)", (story_id, seen, seen))
    return story_id


def find_candidates(
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


def verdicts(conn, fp: Fingerprint, candidates, group_of, representatives_of, exclude: int | None = None):
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


def write_signature(conn: sqlite3.Connection, copy_id: int, fp: Fingerprint) -> None:
    full, head = fp.to_blobs()
    conn.execute(
        "INSERT OR REPLACE INTO signatures (copy_id, version, size, full, head, slots) VALUES (?, ?, ?, ?, ?, ?)",
        (copy_id, SIGNATURE_VERSION, fp.size, full, head, fp.slots_json()),
    )


def index_copy(conn: sqlite3.Connection, copy_id: int, fp: Fingerprint) -> None:
    """Make a copy one of its story's representatives: its band keys go into the LSH index."""
    conn.executemany(
        "INSERT OR IGNORE INTO lsh (key, copy_id) VALUES (?, ?)", [(k, copy_id) for k in fp.band_keys()]
    )


def count_slots(conn: sqlite3.Connection, story_id: int, sig: np.ndarray | None, delta: int) -> int:
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


def load_state(conn: sqlite3.Connection, story_id: int) -> StoryState | None:
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


def story_exists(conn: sqlite3.Connection, story_id: int) -> bool:
    return conn.execute("SELECT 1 FROM stories WHERE id = ?", (story_id,)).fetchone() is not None


def attach(
    conn: sqlite3.Connection, story_id: int, rec: Copy, fp: Fingerprint, found: list[tuple[int, int, Match]]
) -> None:
    """Count a new copy into its story's aggregates: O(k), whatever the story's size."""
    rec.score = count_slots(conn, story_id, fp.full, +1)
    state = load_state(conn, story_id)
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
        index_copy(conn, rec.id, fp)
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


def detach(conn: sqlite3.Connection, copy_id: int, story_id: int) -> None:
    """Take a changed copy out of its story's aggregates before it is matched again."""
    sig = _signatures(conn, [copy_id]).get(copy_id)
    count_slots(conn, story_id, sig, -1)
    conn.execute("DELETE FROM lsh WHERE copy_id = ?", (copy_id,))
    state = load_state(conn, story_id)
    if state and copy_id in state.representatives:
        state.representatives.remove(copy_id)
        _save_state(conn, story_id, state)


def join_stories(conn: sqlite3.Connection, stories: list[int]) -> int:
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
    state, other = load_state(conn, big), load_state(conn, small)
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
    copies = [_settled_copy(r) for r in rows]
    signed = [(c, r) for c, r in zip(copies, rows, strict=True) if c.signed]
    matrix = np.stack([np.frombuffer(r[14], dtype=np.uint32) for _, r in signed]) if signed else None
    if matrix is not None:
        scores = _slot_scores(conn, story_id, matrix, from_scratch)
        for (c, _), score in zip(signed, scores, strict=True):
            c.score = int(score)
    if representatives is None:
        old = load_state(conn, story_id)
        ids = {c.id for c in copies}
        representatives = [r for r in (old.representatives if old else []) if r in ids]
    state = settle(copies, representatives)
    if matrix is not None and represents(state.representatives, None):
        _add_representatives(conn, state, signed, matrix)
    _save_state(conn, story_id, state)
    _write_fields(conn, story_id, state)
    conn.execute(
        "UPDATE stories SET first_seen = ?, last_seen = ? WHERE id = ?",
        (min(r[16] or "" for r in rows), max(r[17] or "" for r in rows), story_id),
    )


def _settled_copy(r: tuple) -> Copy:
    """A copy as settle_story reads it: its metadata and whether it has a signature, not its body."""
    return Copy(
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


_BROADCAST_ROWS = 128  # n × n × 128 bytes compared at once: 2 MB at this size


def _slot_scores(
    conn: sqlite3.Connection, story_id: int, matrix: np.ndarray, from_scratch: bool
) -> np.ndarray:
    """Typicality scores of a story's signed copies (one row of ``matrix`` each), counted from the signatures
    themselves rather than the stored slot counters, which ``from_scratch`` rebuilds from the same counts."""
    scores = np.full(len(matrix), -NUM_PERM)
    if from_scratch:
        conn.execute("DELETE FROM story_slots WHERE story_id = ?", (story_id,))
    if not from_scratch and len(matrix) <= _BROADCAST_ROWS:
        # every new story settles on its first copy: one comparison of all rows at once costs a fraction
        # of a np.unique per slot (the same counts: rows holding each row's value in each slot)
        scores += (matrix[:, None, :] == matrix[None, :, :]).sum(axis=(1, 2))
    for slot in range(NUM_PERM) if from_scratch or len(matrix) > _BROADCAST_ROWS else ():
        values, inverse, counts = np.unique(matrix[:, slot], return_inverse=True, return_counts=True)
        scores += counts[inverse]
        if from_scratch:
            conn.executemany(
                "INSERT INTO story_slots (story_id, slot, value, n) VALUES (?, ?, ?, ?)",
                [(story_id, slot, int(v), int(n)) for v, n in zip(values, counts, strict=True)],
            )
    return scores


def _add_representatives(
    conn: sqlite3.Connection, state: StoryState, signed: list, matrix: np.ndarray
) -> None:
    """Fill a settled story's room for representatives with its best-ranked copies that none of them covers
    (``signed``: the (copy, row) pairs of the rows of ``matrix``)."""
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
        index_copy(conn, c.id, Fingerprint.from_row(r[12], r[13], r[14], r[15]))
        state.representatives.append(c.id)
        best = np.maximum(best, (matrix == matrix[i]).mean(axis=1))
