"""Read-only views of the database for ``aggregator show`` and ``aggregator stats``."""

from __future__ import annotations

import json

import sqlite_utils

COPY_FIELDS = (
    "id", "portal", "url", "final_url", "title", "published", "fetched_at", "first_seen", "last_seen",
    "source", "source_name", "site_name", "reporters", "correspondents", "editors", "is_original", "body_len",
)  # fmt: skip
LIST_FIELDS = ("reporters", "correspondents", "editors")


def story_detail(db: sqlite_utils.Database, story_id: int) -> dict | None:
    """One story with its fields and all of its copies (canonical first, then originals, then by fetch)."""
    row = db.execute("SELECT * FROM stories WHERE id = ?", (story_id,)).fetchone()
    if row is None:
        return None
    cols = [d[0] for d in db.execute("SELECT * FROM stories LIMIT 0").description]
    story = dict(zip(cols, row, strict=True))
    for name in LIST_FIELDS:
        story[name] = json.loads(story.get(name) or "[]")
    have = set(db["copies"].columns_dict)
    fields = [f for f in COPY_FIELDS if f in have]
    copies = [
        dict(zip(fields, r, strict=True))
        for r in db.execute(
            f"SELECT {', '.join(fields)} FROM copies WHERE story_id = ? "
            "ORDER BY id = ? DESC, is_original DESC, fetched_at, id",
            (story_id, story.get("canonical_copy_id")),
        )
    ]
    for c in copies:
        c["is_original"] = bool(c.get("is_original"))
        c["is_canonical"] = c["id"] == story.get("canonical_copy_id") or c["url"] == story.get("url")
        for name in LIST_FIELDS:
            if name in c:
                c[name] = json.loads(c[name] or "[]")
    story["copies"] = copies
    return story


def stats(db: sqlite_utils.Database, top: int = 10, days: int = 30) -> dict:
    """Counts by original source, by portal and by day; the most reposted stories; the reposting portals."""
    q = db.execute

    def rows(sql, *params):
        cur = q(sql, params)
        names = [d[0] for d in cur.description]
        return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]

    return {
        "stories": q("SELECT count(*) FROM stories").fetchone()[0],
        "copies": q("SELECT count(*) FROM copies").fetchone()[0],
        "portals": q("SELECT count(DISTINCT portal) FROM copies").fetchone()[0],
        "by_source": rows(
            "SELECT source, count(*) AS stories, sum(copies_count) AS copies FROM stories "
            "GROUP BY source ORDER BY stories DESC, source IS NULL, source"
        ),
        "by_portal": rows(
            "SELECT portal, count(*) AS copies, count(DISTINCT story_id) AS stories, "
            "sum(is_original) AS originals, count(*) - sum(is_original) AS reposts "
            "FROM copies GROUP BY portal ORDER BY copies DESC, portal"
        ),
        # the day as the story's own date shows it (its zone); first_seen when it has no date
        "by_day": rows(
            "SELECT substr(coalesce(published, first_seen), 1, 10) AS day, count(*) AS stories "
            "FROM stories GROUP BY day ORDER BY day DESC LIMIT ?",
            days,
        ),
        "most_reposted": rows(
            "SELECT id, title, source, copies_count AS copies, "
            "(SELECT count(DISTINCT portal) FROM copies c WHERE c.story_id = stories.id) AS portals "
            "FROM stories WHERE copies_count > 1 ORDER BY copies_count DESC, id LIMIT ?",
            top,
        ),
        "top_reposting_portals": rows(
            "SELECT portal, count(*) AS reposts, count(DISTINCT story_id) AS stories FROM copies "
            "WHERE NOT is_original GROUP BY portal ORDER BY reposts DESC, portal LIMIT ?",
            top,
        ),
    }
