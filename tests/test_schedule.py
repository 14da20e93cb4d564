"""When sources are due: intervals and cron expressions, on fixed clocks."""

from datetime import UTC, datetime, timedelta, timezone

import pytest

from aggregator.config import ConfigError, Source, parse_sources
from aggregator.schedule import is_due, next_due, schedule_text

T0 = datetime(2026, 3, 1, 12, 7, 30, tzinfo=UTC)


def src(**kw) -> Source:
    return Source(name="s", kind="portal", start_urls=("http://example.com/",), **kw)


def test_interval_is_counted_from_the_last_start():
    every = src(every="30m")
    assert next_due(every, T0, T0) == T0 + timedelta(minutes=30)
    assert not is_due(every, T0, T0 + timedelta(minutes=29, seconds=59))
    assert is_due(every, T0, T0 + timedelta(minutes=30))
    assert is_due(every, T0, T0 + timedelta(days=3))  # a missed slot runs once, at the next run-due


def test_a_source_that_never_ran_is_due_at_once():
    assert is_due(src(every="1d"), None, T0) and next_due(src(cron="0 6 * * *"), None, T0) == T0


def test_cron_expression_in_utc():
    every_half_hour = src(cron="*/30 * * * *")
    assert next_due(every_half_hour, T0, T0, tz=UTC) == datetime(2026, 3, 1, 12, 30, tzinfo=UTC)
    assert not is_due(every_half_hour, T0, datetime(2026, 3, 1, 12, 29, 59, tzinfo=UTC), tz=UTC)
    assert is_due(every_half_hour, T0, datetime(2026, 3, 1, 12, 30, tzinfo=UTC), tz=UTC)


def test_cron_expression_is_read_in_the_given_local_zone():
    daily_six = src(cron="0 6 * * *")
    beijing = timezone(timedelta(hours=8))
    # 12:07 UTC is 20:07 in Beijing: the next 06:00 there is 22:00 UTC the same day
    assert next_due(daily_six, T0, T0, tz=beijing) == datetime(2026, 3, 1, 22, 0, tzinfo=UTC)
    assert next_due(daily_six, T0, T0, tz=UTC) == datetime(2026, 3, 2, 6, 0, tzinfo=UTC)


def test_naive_last_start_is_taken_as_utc():
    assert next_due(src(every="2h"), T0.replace(tzinfo=None), T0) == T0 + timedelta(hours=2)


def test_source_without_schedule_is_manual_only():
    manual = src()
    assert next_due(manual, None, T0) is None and not is_due(manual, None, T0)
    assert schedule_text(manual) == "manual"
    assert schedule_text(src(every="30m")) == "every 30m"


def test_revisit_window_is_parsed_and_checked():
    (s,) = parse_sources('[[source]]\nname = "a"\nstart_urls = ["http://a/"]\nrevisit = "2d"\n')
    assert s.revisit_seconds == 2 * 86400
    with pytest.raises(ConfigError, match=":4: .*revisit"):
        parse_sources('[[source]]\nname = "a"\nstart_urls = ["http://a/"]\nrevisit = "soon"\n')
