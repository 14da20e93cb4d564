"""When a source is due: ``every = "30m"`` or ``cron = "*/30 * * * *"`` from the sources file.

A source is due when its next time, counted from the start of its last run (whatever its outcome), has come;
a source that never ran is due at once. A source with neither ``every`` nor ``cron`` is manual: never due by
itself (``aggregator crawl --source NAME`` crawls it). Cron expressions are read in the machine's local time
zone, as cron itself reads them.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, tzinfo

from croniter import croniter

from aggregator.config import Source


def now_utc() -> datetime:
    return datetime.now(UTC)


def next_due(
    src: Source, last_started: datetime | None, now: datetime, tz: tzinfo | None = None
) -> datetime | None:
    """When ``src`` is next due: ``now`` if it never ran, None if it has no schedule (manual only)."""
    if not src.every and not src.cron:
        return None
    if last_started is None:
        return now
    if last_started.tzinfo is None:
        last_started = last_started.replace(tzinfo=UTC)
    if src.every:
        return last_started + timedelta(seconds=src.interval_seconds or 0)
    local = last_started.astimezone(tz) if tz else last_started.astimezone()
    return croniter(src.cron, local).get_next(datetime).astimezone(UTC)


def is_due(src: Source, last_started: datetime | None, now: datetime, tz: tzinfo | None = None) -> bool:
    due = next_due(src, last_started, now, tz)
    return due is not None and due <= now


def schedule_text(src: Source) -> str:
    if src.every:
        return f"every {src.every}"
    if src.cron:
        return f"cron {src.cron}"
    return "manual"
