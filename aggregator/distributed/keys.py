"""Redis keys, the connection, the source locks and the scripts that move requests between queue and leases."""

from __future__ import annotations

import json
import os
import secrets
from urllib.parse import urlsplit, urlunsplit

PREFIX = "agg:"
STREAM = PREFIX + "items"
GROUP = "writer"
RUNS = PREFIX + "runs"
KNOWN = PREFIX + "known"
KNOWN_SEEDED = PREFIX + "known:seeded"
PAGES = PREFIX + "pages"
LOCK_TTL = 30.0  # seconds; the lease of a request lasts as long (both are renewed every third of it)
# how much longer a lock lasts when it is taken: until its crawl opens (a crawler and its extraction processes
# starting, seconds on a loaded machine) nothing renews it, and a lock lost then is a crawl started for nothing
LOCK_STARTUP_GRACE = 30.0
SEEN_TTL = 7 * 86400  # a per-run dupefilter outlives a run that is never finished by this long, no more


class RedisUnavailable(Exception):
    """Redis cannot be reached or refused us: the message says where and why, in one line."""


def queue_key(source: str) -> str:
    return f"{PREFIX}q:{source}"


def lease_key(source: str) -> str:
    return f"{PREFIX}lease:{source}"


def lock_key(source: str) -> str:
    return f"{PREFIX}lock:{source}"


def run_key(run_id) -> str:
    return f"{PREFIX}run:{run_id}"


def seen_key(source: str, run_id) -> str:
    return f"{PREFIX}seen:{source}:{run_id}"


def admitted_key(run_id) -> str:
    return f"{PREFIX}admitted:{run_id}"


def safe_url(url: str) -> str:
    """The Redis URL without its password, for messages."""
    parts = urlsplit(url)
    if parts.password:
        netloc = f"{parts.username or ''}:***@{parts.hostname}" + (f":{parts.port}" if parts.port else "")
        return urlunsplit(parts._replace(netloc=netloc))
    return url


def connect(url: str):
    """A client for ``url``, checked with a PING; RedisUnavailable in one line if it cannot be used."""
    import redis

    try:
        server = redis.Redis.from_url(
            url, socket_connect_timeout=5, socket_timeout=30, health_check_interval=15
        )
        server.ping()
    except ValueError as exc:
        raise RedisUnavailable(f"not a Redis URL: {safe_url(url)} ({exc})") from None
    except redis.RedisError as exc:
        raise RedisUnavailable(f"cannot reach Redis at {safe_url(url)}: {exc}") from None
    return server


# Lua scripts: each step that moves a request between the queue and the leases is one atomic script, with
# Redis's clock (machines' clocks differ; Redis's is the one all workers share).
NOW_MS = "local t = redis.call('TIME') local now = t[1] * 1000 + math.floor(t[2] / 1000) "
# KEYS: queue, leases, lock; ARGV: lease ms, token. The first request of the queue, moved to the leases, if
# the worker still holds the source's lock (one that lost it takes nothing more).
TAKE = (
    NOW_MS
    + """
if redis.call('GET', KEYS[3]) ~= ARGV[2] then return false end
local m = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
if #m == 0 then return false end
redis.call('ZREM', KEYS[1], m[1])
redis.call('ZADD', KEYS[2], now + tonumber(ARGV[1]), m[1])
return m[1]
"""
)
# KEYS: leases, queue, lock; ARGV: 'expired' or 'all', token. Leases back to the queue (at the front: they were
# taken first), how many; only by the holder of the source's lock (one that lost it would hand the new holder's
# requests in flight out again).
REQUEUE = (
    NOW_MS
    + """
if redis.call('GET', KEYS[3]) ~= ARGV[2] then return 0 end
local upto = now
if ARGV[1] == 'all' then upto = '+inf' end
local gone = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', upto)
for _, m in ipairs(gone) do
  redis.call('ZREM', KEYS[1], m)
  redis.call('ZADD', KEYS[2], -1000000, m)
end
return #gone
"""
)
# KEYS: lock, leases; ARGV: token, ms, members... Leases first, then the lock: the leases of a worker that stops
# renewing expire before its lock does, so whoever takes the source next finds them expired.
RENEW = (
    NOW_MS
    + """
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
for i = 3, #ARGV do redis.call('ZADD', KEYS[2], 'XX', now + tonumber(ARGV[2]), ARGV[i]) end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1
"""
)
# KEYS: lock, stream; ARGV: token, ms, the holder entry. The holder entry goes on the stream in the same step as
# the lock is taken: the writer refuses what the previous holder adds after it (a fencing mark in stream order).
TAKE_LOCK = """
if not redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return 0 end
redis.call('XADD', KEYS[2], '*', 'data', ARGV[3])
return 1
"""
# KEYS: lock, leases; ARGV: token, member. A worker that lost the lock must not remove a lease that is now the
# new holder's (the same request, taken again).
ACK = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('ZREM', KEYS[2], ARGV[2]) end
return 0
"""
RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


def take_lock(server, source: str, run_id: int, ttl: float = LOCK_TTL) -> str | None:
    """The source's lock for this process, or None if another worker has it. The token names the process
    (host:pid) so that whoever looks at Redis sees who crawls what."""
    token = f"{pid_tag()}:{secrets.token_hex(8)}"
    mark = json.dumps({"type": "holder", "run": run_id, "source": source, "token": token})
    ms = int((ttl + LOCK_STARTUP_GRACE) * 1000)
    taken = server.eval(TAKE_LOCK, 2, lock_key(source), STREAM, token, ms, mark)
    return token if taken else None


def release_lock(server, source: str, token: str) -> None:
    server.eval(RELEASE, 1, lock_key(source), token)


def requeue_expired(server, source: str, token: str) -> int:
    return int(
        server.eval(REQUEUE, 3, lease_key(source), queue_key(source), lock_key(source), "expired", token)
    )


def requeue_all(server, source: str, token: str) -> int:
    """Every lease back to the queue, for the holder of the source's lock that stops before the end (its own
    requests in flight are not done; any other lease is a dead worker's)."""
    return int(server.eval(REQUEUE, 3, lease_key(source), queue_key(source), lock_key(source), "all", token))


def pid_tag() -> str:
    return f"{os.uname().nodename}:{os.getpid()}"
