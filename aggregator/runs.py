"""The ``runs`` table: one row per crawl of one source, whatever started it (CLI, run-due, Scrapy, Scrapyd).

A row is inserted as ``running`` when the crawl opens and finished when it closes, so a killed run stays
visible; ``reap_stale`` later marks it ``interrupted`` (its source lock is free again: nobody runs it).
"""

from __future__ import annotations

import os
import signal
import socket
from datetime import UTC, datetime, timedelta

from aggregator.lock import source_lock
from aggregator.scope import bounds_hit
from aggregator.store import Store

OUTCOMES = ("running", "ok", "partial", "failed", "interrupted")
# finish reasons of a crawl that ran to its end (page budget and timeouts included)
_COMPLETE = {"finished", "closespider_pagecount", "closespider_itemcount", "closespider_timeout"}
# a run left 'running' by a process that is gone: killed, or it could not write its end (a full disk)
STALE_REASON = "the process ended before the run did"
# the stat a crawl stopped by a signal records for each source (aggregator/crawl.py), so its reason says which
SIGNAL_STAT = "interrupt/signal"
JSON_FIELDS = (
    "source",
    "started",
    "finished",
    "outcome",
    "pages_fetched",
    "new_stories",
    "new_copies",
    "updated_copies",
    "errors",
    "duration_s",
)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def start_run(db: str, source: str, trigger: str = "scrapy") -> int:
    with Store(db) as store:
        return store.db.conn.execute(
            "INSERT INTO runs (source, trigger, started, outcome, pid, host) VALUES (?, ?, ?, 'running', ?, ?)",
            (source, trigger, _now(), os.getpid(), socket.gethostname()),
        ).lastrowid


def start_runs(
    db: str, sources: list[str], trigger: str = "scrapy", on_redis: bool = False
) -> dict[str, int]:
    """One ``running`` row per source, in one transaction: {source: run id}. ``on_redis``: a run enqueued for the
    workers, which no process of this machine runs (no pid; the host says so)."""
    now, pid, host = _now(), os.getpid(), socket.gethostname()
    if on_redis:
        pid, host = None, REDIS_HOST
    with Store(db) as store, store.transaction() as conn:
        return {
            name: conn.execute(
                "INSERT INTO runs (source, trigger, started, outcome, pid, host) "
                "VALUES (?, ?, ?, 'running', ?, ?)",
                (name, trigger, now, pid, host),
            ).lastrowid
            for name in sources
        }


def update_counts(db: str, counts: dict[int, dict]) -> None:
    """The figures so far of runs still going, so that a killed run shows what it did."""
    if not counts:
        return
    with Store(db) as store, store.transaction() as conn:
        for run_id, values in counts.items():
            sets = ", ".join(f"{k} = :{k}" for k in values)
            conn.execute(
                f"UPDATE runs SET {sets} WHERE id = :id AND outcome = 'running'", {**values, "id": run_id}
            )


def stats_counts(stats: dict) -> dict:
    """The run's figures from a crawler's stats."""

    def stat(key: str) -> int:
        value = stats.get(key, 0)
        return int(value) if isinstance(value, int | float) else 0

    return {
        "requests": stat("downloader/request_count"),
        "pages_fetched": stat("downloader/response_count"),
        "not_modified": stat("downloader/response_status_count/304"),
        "skipped_known": stat("incremental/skipped_known"),
        "new_stories": stat("store/new_story"),
        "new_copies": stat("store/new_copy") + stat("store/new_story"),
        "updated_copies": stat("store/updated_copy"),
        "errors": stat("spider/errors")
        + stat("extract/error")
        + stat("extract/worker_crashed")
        + stat("extract/timeout")
        + stat("store/error")
        + sum(v for k, v in stats.items() if k.startswith("spider_exceptions/") and isinstance(v, int)),
    }


# sqlite3's exceptions, as Scrapy counts them when the crawl's own database writes (page_state) raise
_DB_EXCEPTIONS = {
    f"spider_exceptions/{name}" for name in ("OperationalError", "DatabaseError", "IntegrityError")
}


def store_errors(stats: dict) -> int:
    """Database writes that failed during the crawl: articles not stored, crawl state not saved."""
    return sum(
        int(v) for k, v in stats.items() if (k == "store/error" or k in _DB_EXCEPTIONS) and isinstance(v, int)
    )


def interrupt_reason(signum: int, forced: bool = False) -> str:
    name = signal.Signals(signum).name if signum in signal.Signals._value2member_map_ else f"signal {signum}"
    if signum == signal.SIGINT:
        name += " (Ctrl-C)"
    return f"interrupted by {name}" + (" twice, stopped at once" if forced else "")


def outcome_of(stats: dict, failures: list[str], start_urls: int) -> tuple[str, str | None]:
    """(outcome, reason): failed when no start URL could be fetched, the crawl broke off, or no article could be
    written to the database; partial when some start URL, page or database write failed; interrupted when it was
    shut down (Ctrl-C, SIGTERM); else ok."""
    finish = stats.get("finish_reason")
    reason = "; ".join(failures[:5]) or None
    if finish == "shutdown":
        signum = stats.get(SIGNAL_STAT)
        why = interrupt_reason(signum) if isinstance(signum, int) else "shut down before the end"
        return "interrupted", "; ".join(filter(None, [why, reason]))
    if finish not in _COMPLETE:
        return "failed", reason or f"crawl ended: {finish}"
    if failures and len(failures) >= start_urls:
        return "failed", reason
    lost = store_errors(stats)
    if lost:
        # a full disk or a database locked too long: say so first, it is what the operator must fix
        why = f"{lost} database write(s) failed (last: {stats.get('store/last_error') or 'see the log'})"
        stored = sum(
            stats.get(f"store/{k}", 0) for k in ("new_story", "new_copy", "updated_copy", "unchanged_copy")
        )
        return ("partial" if stored else "failed"), "; ".join(filter(None, [why, reason]))
    errors = stats_counts(stats)["errors"]
    if failures or errors:
        return "partial", reason or f"{errors} page(s) could not be fetched or read"
    bounds = bounds_hit(stats)
    if bounds:
        # stopped by its own bounds: what is left is fetched by the next run
        return "partial", "; ".join(bounds)
    return "ok", None


def finish_runs(db: str, ends: list[dict]) -> None:
    """Finish several runs in one transaction; each end has run_id, outcome, reason, counts, duration, idle
    (seconds since the source's work ended: its row says when that was, not when the whole crawl closed)."""
    now = datetime.now(UTC)
    with Store(db) as store, store.transaction() as conn:
        for end in ends:
            finished = (now - timedelta(seconds=max(0.0, end.get("idle") or 0.0))).isoformat(
                timespec="seconds"
            )
            values = {
                **end["counts"],
                "finished": finished,
                "outcome": end["outcome"],
                "reason": end["reason"],
                "duration_s": round(end["duration"], 3),
            }
            sets = ", ".join(f"{k} = :{k}" for k in values)
            conn.execute(f"UPDATE runs SET {sets} WHERE id = :id", {**values, "id": end["run_id"]})


def finish_run(
    db: str, run_id: int, outcome: str, reason: str | None, counts: dict, duration: float | None = None
) -> None:
    finished = _now()
    with Store(db) as store:
        if duration is None:
            (started,) = store.db.conn.execute("SELECT started FROM runs WHERE id = ?", (run_id,)).fetchone()
            duration = (datetime.fromisoformat(finished) - datetime.fromisoformat(started)).total_seconds()
        duration = round(duration, 3)
        values = {
            **counts,
            "finished": finished,
            "outcome": outcome,
            "reason": reason,
            "duration_s": duration,
        }
        sets = ", ".join(f"{k} = :{k}" for k in values)
        store.db.conn.execute(f"UPDATE runs SET {sets} WHERE id = :id", {**values, "id": run_id})


# the host of a run enqueued on Redis (aggregator/distributed/): no local process holds its source lock, the
# writer finishes it when the workers say it is done
REDIS_HOST = "redis"


def _local_and_gone(db: str, row: dict) -> bool:
    if row.get("host") == REDIS_HOST:
        return False
    lock = source_lock(db, row["source"])
    if lock.is_free():
        return True
    # held by this very process, which has just taken it for a new crawl of the source: the row's process is
    # gone, or it would hold the lock
    me = os.getpid()
    return row.get("pid") != me and row.get("host") == socket.gethostname() and lock.holder() == me


def _stored_since(conn, row: dict) -> dict:
    """What a killed run left in the database, for its figures: it may have died before it flushed them. Pages
    are those it fetched or checked (page_state; robots.txt is not there), copies those first seen since it
    started, stories those whose first copy is one of them."""
    since, source = row["started"], row["source"]
    pages = conn.execute(
        "SELECT count(*) FROM page_state WHERE source_name = ? AND checked_at >= ? "
        "AND coalesce(kind, '') != 'blocked'",
        (source, since),
    ).fetchone()[0]
    copies, stories = conn.execute(
        "SELECT count(*), coalesce(sum(NOT EXISTS (SELECT 1 FROM copies o WHERE o.story_id = c.story_id "
        "AND o.id < c.id)), 0) FROM copies c WHERE c.source_name = ? AND c.first_seen >= ?",
        (source, since),
    ).fetchone()
    figures = {"pages_fetched": pages, "new_copies": copies, "new_stories": stories}
    return {k: max(v, row.get(k) or 0) for k, v in figures.items()}


def reap_stale(db: str) -> int:
    """Mark ``running`` rows whose crawl is gone (killed: its source lock is free) as ``interrupted``, with the
    figures of what they stored."""
    with Store(db) as store:
        conn = store.db.conn
        rows = [dict(r) for r in store.db.query("SELECT * FROM runs WHERE outcome = 'running'")]
        n = 0
        for row in rows:
            if _local_and_gone(db, row):
                figures = _stored_since(conn, row)
                sets = ", ".join(f"{k} = :{k}" for k in figures)
                conn.execute(
                    f"UPDATE runs SET outcome = 'interrupted', reason = :reason, {sets} "
                    "WHERE id = :id AND outcome = 'running'",
                    {**figures, "reason": STALE_REASON, "id": row["id"]},
                )
                n += 1
        return n


def as_seen(rows: list[dict], db: str) -> list[dict]:
    """The rows as ``reap_stale`` would leave them, without writing: for the commands that only read."""
    out = []
    stale = [r for r in rows if r.get("outcome") == "running" and _local_and_gone(db, r)]
    figures = {}
    if stale:
        with Store(db, readonly=True) as store:
            figures = {r["id"]: _stored_since(store.db.conn, r) for r in stale}
    for row in rows:
        if row.get("id") in figures:
            row = {**row, **figures[row["id"]], "outcome": "interrupted", "reason": STALE_REASON}
        out.append(row)
    return out


def last_runs(db: str) -> dict[str, dict]:
    """The latest run of each source."""
    with Store(db, readonly=True) as store:
        rows = store.db.query(
            "SELECT * FROM runs WHERE id IN (SELECT max(id) FROM runs GROUP BY source) ORDER BY source"
        )
        return {r["source"]: r for r in rows}


def list_runs(db: str, limit: int | None = 20, source: str | None = None) -> list[dict]:
    """Past runs, newest first."""
    sql = "SELECT * FROM runs"
    params: list = []
    if source:
        sql += " WHERE source = ?"
        params.append(source)
    sql += " ORDER BY id DESC"
    if limit:
        sql += " LIMIT ?"
        params.append(limit)
    with Store(db, readonly=True) as store:
        return list(store.db.query(sql, params))


def as_json(row: dict) -> dict:
    out = {k: row.get(k) for k in JSON_FIELDS}
    for key in ("pages_fetched", "new_stories", "new_copies", "updated_copies", "errors"):
        out[key] = out[key] or 0
    out["reason"] = row.get("reason")
    return out


def parse_time(text: str | None) -> datetime | None:
    if not text:
        return None
    dt = datetime.fromisoformat(text)
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)
