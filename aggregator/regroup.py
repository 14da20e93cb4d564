"""Regrouping every stored copy into stories from scratch (``aggregator rebuild``), e.g. after the signature
scheme or the grouping rule changed.

Copies are replayed in the order they were first stored, through the same candidates and verdicts as
Store.add_copy (aggregator/storygroups.py), but the groups live in memory (a union-find of copy ids) until the
end: story rows are written once, not moved at every join.
"""

from __future__ import annotations

import json
import sqlite3

from aggregator.dedup import fingerprint, is_traditional
from aggregator.stories import match_record, merge_representatives, represents, similarity
from aggregator.storygroups import (
    find_candidates,
    index_copy,
    new_story,
    settle_story,
    verdicts,
    write_signature,
)


def regroup(conn: sqlite3.Connection, progress=None) -> dict:
    """Recompute every signature and regroup every copy, inside the caller's transaction; returns the counts
    Store.rebuild reports. Story ids are kept where a story survives."""
    before = conn.execute("SELECT count(*) FROM stories").fetchone()[0]
    for table in ("lsh", "signatures", "story_slots", "story_state"):
        conn.execute(f"DELETE FROM {table}")
    rows = conn.execute("SELECT id, story_id, body FROM copies ORDER BY id").fetchall()
    groups = UnionFind()
    reps: dict[int, list[int]] = {}
    size: dict[int, int] = {}
    for n, (copy_id, _, body) in enumerate(rows, 1):
        _replay(conn, copy_id, body, groups, reps, size)
        if progress:
            progress(n, len(rows))
    taken = _assign_stories(conn, rows, groups)
    conn.execute("DELETE FROM stories WHERE id NOT IN (SELECT story_id FROM copies)")
    for story_id, root in taken.items():
        settle_story(conn, story_id, representatives=reps[root], from_scratch=True)
    return {"copies": len(rows), "stories_before": before, "stories_after": len(taken)}


def _replay(conn, copy_id: int, body: str | None, groups: UnionFind, reps: dict, size: dict) -> None:
    """Match one copy against the copies replayed before it, join the groups it matches, and write its
    signature, match record and (when no representative covers it) LSH keys."""
    fp = fingerprint(body or "") or fingerprint(f"copy {copy_id}")
    found, apart = verdicts(
        conn,
        fp,
        find_candidates(conn, fp, exclude=copy_id, before=copy_id),
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
                match_record([(c, m) for c, _, m in found], kept_apart=[(c, m) for c, _, m in apart]),
                ensure_ascii=False,
            ),
            int(is_traditional(body or "")),
            copy_id,
        ),
    )
    write_signature(conn, copy_id, fp)
    if fp.full is not None and represents(reps[target], max(mine, default=None)):
        index_copy(conn, copy_id, fp)
        reps[target].append(copy_id)


def _assign_stories(conn: sqlite3.Connection, rows: list, groups: UnionFind) -> dict[int, int]:
    """Give each group a story id and move its copies there; returns {story id: the group's root}."""
    old_story = {copy_id: story for copy_id, story, _ in rows}
    taken: dict[int, int] = {}
    for members in sorted(sorted(g) for g in groups.groups()):
        # a group keeps the smallest old story id among its copies that no earlier group took
        free = sorted({old_story[c] for c in members} - set(taken))
        story_id = free[0] if free else new_story(conn, "")
        taken[story_id] = groups.find(members[0])
        conn.executemany("UPDATE copies SET story_id = ? WHERE id = ?", [(story_id, c) for c in members])
    return taken


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
