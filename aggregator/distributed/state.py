"""What a worker knows without the database: the incremental state and the run's budgets, in Redis.

The incremental state is the database's (``page_state`` rows and stored copies), mirrored: ``agg:pages`` holds
each page_state row (JSON, by canonical URL) and ``agg:known`` each known article, both seeded from the database
and kept current by the writer. A worker reads them through `CrawlState`'s own logic (what is known, which
validators to send, which links a 304 replays, whether pagination may stop) and writes nothing there itself:
what it learns goes on the stream, in order with its items, and the writer applies it to the database and then
to the mirror. So a worker never sees more than the database holds: at worst it sees less (the writer lags),
and then it fetches more, never less.
"""

from __future__ import annotations

import json
import time

from aggregator.dedup import canonical_url
from aggregator.distributed.keys import (
    KNOWN,
    KNOWN_SEEDED,
    NOW_MS,
    PAGES,
    SEEN_TTL,
    STREAM,
    admitted_key,
    run_key,
)
from aggregator.incremental import CrawlState, _header
from aggregator.scope import _Budgets, bound, canonical


def validators(headers) -> dict[str, str]:
    """The ETag and Last-Modified of a response's headers (Scrapy's or a dict), as a plain dict."""
    found = {name: _header(headers, name) for name in ("ETag", "Last-Modified")}
    return {name: value for name, value in found.items() if value}


class RedisCrawlState(CrawlState):
    """`CrawlState` over the Redis mirror: reading is the same logic on other storage, writing is a message to
    the writer (the lock token goes with it: the writer refuses what a stale holder of the source says)."""

    def __init__(self, crawler):
        from scrapy_redis.connection import get_redis_from_settings

        self.crawler = crawler
        self.server = get_redis_from_settings(crawler.settings)
        self.incremental = crawler.settings.getbool("AGGREGATOR_INCREMENTAL", True)
        self.stop_pagination = self.incremental and crawler.settings.getbool(
            "AGGREGATOR_STOP_PAGINATION", True
        )

    def close(self) -> None:
        pass

    def page(self, url):
        raw = self.server.hget(PAGES, canonical_url(url))
        return json.loads(raw) if raw else None

    def article_seen(self, url):
        seen = self.server.hget(KNOWN, canonical_url(url))
        return seen.decode() if seen is not None else None

    def record_fetch(self, url, source, status, headers, links, kind) -> None:
        links = [list(link) for link in links]
        self._send(
            "fetch", url, source=source, status=status, headers=validators(headers), links=links, kind=kind
        )

    def mark(self, url, kind, source=None, headers=None) -> None:
        self._send("mark", url, kind=kind, source=source, headers=validators(headers))

    def checked(self, url) -> None:
        self._send("checked", url)

    def _send(self, op: str, url: str, **args) -> None:
        spider = self.crawler.spider
        payload = {"type": "state", "op": op, "url": url, "run": spider.run_id, "token": spider.token, **args}
        self.server.xadd(STREAM, {"data": json.dumps(payload, ensure_ascii=False)})


def apply_state(state: CrawlState, data: dict) -> dict | None:
    """A worker's state message applied to the database (the writer's `CrawlState`); the page's row after it."""
    op, url = data["op"], data["url"]
    if op == "fetch":
        links = [tuple(link) for link in data["links"]]
        state.record_fetch(url, data["source"], data["status"], data["headers"], links, data["kind"])
    elif op == "mark":
        state.mark(url, data["kind"], data["source"], data["headers"])
    elif op == "checked":
        state.checked(url)
    return state.page(url)


# KEYS: the run's admitted URLs; ARGV: canonical URL, the page budget (0: none). 1 if the URL may be fetched.
ADMIT = """
if redis.call('SISMEMBER', KEYS[1], ARGV[1]) == 1 then return 1 end
local limit = tonumber(ARGV[2])
if limit > 0 and redis.call('SCARD', KEYS[1]) >= limit then return 0 end
redis.call('SADD', KEYS[1], ARGV[1])
redis.call('EXPIRE', KEYS[1], ARGV[3])
return 1
"""
# KEYS: the run's hash. When the run's first request was checked (set once, by whichever worker came first),
# and now, both in ms of Redis's clock.
STARTED = (
    NOW_MS
    + """
redis.call('HSETNX', KEYS[1], 'budget_started', now)
return {tonumber(redis.call('HGET', KEYS[1], 'budget_started')), now}
"""
)


class RedisBudgets(_Budgets):
    """The run's page and time budgets kept in Redis, not in the process: a worker taking a source over from one
    that died goes on with the pages admitted and the time spent so far, it does not start them again."""

    def __init__(self, crawler, server, run_id: int):
        super().__init__(crawler)
        self.server, self.run_id = server, run_id
        self.first: float | None = None  # the run's first request, on this process's monotonic clock

    def out_of_time(self, src) -> bool:
        limit = bound(src, "max_time", self.crawler.settings)
        if not limit:
            return False
        if self.first is None:
            started_ms, now_ms = self.server.eval(STARTED, 1, run_key(self.run_id))
            self.first = time.monotonic() - (int(now_ms) - int(started_ms)) / 1000
        if time.monotonic() - self.first > limit:
            self.mark_hit(src, "max_time")
            return True
        return False

    def admit(self, request, src) -> bool:
        limit = bound(src, "max_pages", self.crawler.settings)
        url = canonical(request.url)
        if self.server.eval(ADMIT, 1, admitted_key(self.run_id), url, limit, SEEN_TTL):
            return True
        self.mark_hit(src, "max_pages")
        return False


def seed_state(server, db: str, force: bool = False) -> int:
    """The database's incremental state into Redis (once: afterwards the writer keeps it current): every known
    article's canonical URL with when it was last seen (``agg:known``), every page_state row (``agg:pages``)."""
    from aggregator.store import Store

    if not force and server.exists(KNOWN_SEEDED):
        return 0
    n = 0
    with Store(db) as store:
        conn = store.db.conn
        rows = conn.execute(
            "SELECT url, max(seen) FROM (SELECT url, coalesce(last_seen, fetched_at, '') AS seen FROM copies "
            "UNION ALL SELECT url, coalesce(checked_at, '') FROM page_state WHERE kind = 'article') GROUP BY url"
        )
        while batch := rows.fetchmany(5000):
            server.hset(KNOWN, mapping=dict(batch))
            n += len(batch)
        cur = conn.execute("SELECT * FROM page_state")
        names = [d[0] for d in cur.description]
        while batch := cur.fetchmany(5000):
            rows = [dict(zip(names, row, strict=True)) for row in batch]
            server.hset(PAGES, mapping={r["url"]: json.dumps(r, ensure_ascii=False) for r in rows})
            n += len(batch)
    server.set(KNOWN_SEEDED, str(int(time.time())))
    return n
