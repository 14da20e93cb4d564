"""``aggregator worker`` and ``aggregator writer``: a crawl on several machines (README, Running on several
machines); ``crawl --redis`` and ``run-due --redis`` enqueue it."""

from __future__ import annotations

import json
import sys

from aggregator.cli import CliError

ORDER = 16  # position in --help


def redis_option(p) -> None:
    p.add_argument(
        "--redis",
        metavar="URL",
        default=None,
        help="Redis URL (redis://[:PASSWORD@]HOST:PORT/DB): enqueue the crawl for `aggregator worker` "
        "processes instead of crawling here",
    )


def register(sub, db_option) -> None:
    p = sub.add_parser(
        "worker",
        help="crawl the runs enqueued on Redis (any number of workers, on any machine)",
        description="Take the sources of the runs enqueued on Redis (crawl --redis, run-due --redis), one "
        "source per worker at a time, fetch, extract and fingerprint their pages and send the articles to the "
        "writer through Redis. Needs no database.",
    )
    p.add_argument("--redis", required=True, metavar="URL", help="Redis URL")
    p.add_argument("--until-idle", action="store_true", help="exit once no enqueued run is left")
    p.add_argument("--parallel", type=int, default=1, metavar="N", help="crawl up to N sources at a time (1)")
    p.add_argument(
        "--lock-ttl",
        type=float,
        default=30.0,
        metavar="SECONDS",
        help="how long a source's lock and a request's lease last without renewal (30): how soon the work "
        "of a worker that died is taken up again",
    )
    p.add_argument("--workers", type=int, metavar="N", help="extraction processes (default: one per core)")
    p.add_argument("-v", "--verbose", action="store_true", help="show Scrapy's log")
    p.set_defaults(func=cmd_worker)

    p = sub.add_parser(
        "writer",
        parents=[db_option],
        help="store the articles the workers send through Redis (the one process writing the database)",
        description="Read the articles the workers put on Redis and store them in the database, acknowledging "
        "each only after it is committed; finish each run's row when its workers are done.",
    )
    p.add_argument("--redis", required=True, metavar="URL", help="Redis URL")
    p.add_argument("--until-idle", action="store_true", help="exit once no enqueued run is left")
    p.set_defaults(func=cmd_writer)


def _redis_errors(func):
    """Redis unreachable, or lost on the way: one line, exit status 1."""

    def wrapped(args, *rest):
        import redis

        from aggregator.distributed.keys import RedisUnavailable, safe_url

        try:
            return func(args, *rest)
        except RedisUnavailable as exc:
            print(f"aggregator: error: {exc}", file=sys.stderr)
            return 1
        except redis.RedisError as exc:
            print(f"aggregator: error: Redis at {safe_url(args.redis)}: {exc}", file=sys.stderr)
            return 1

    return wrapped


@_redis_errors
def cmd_worker(args) -> int:
    from aggregator.distributed.worker import run_worker

    if args.parallel < 1:
        raise CliError("--parallel must be at least 1")
    overrides = {}
    if args.workers is not None:
        overrides["AGGREGATOR_WORKERS"] = args.workers
    return run_worker(
        args.redis,
        until_idle=args.until_idle,
        slots=args.parallel,
        lock_ttl=args.lock_ttl,
        log_level="INFO" if args.verbose else "ERROR",
        **overrides,
    )


@_redis_errors
def cmd_writer(args) -> int:
    from aggregator.distributed.writer import run_writer

    return run_writer(args.redis, args.db, until_idle=args.until_idle)


@_redis_errors
def enqueue(args, sources, trigger: str) -> int:
    """``crawl --redis`` and ``run-due --redis``: a runs row and the start requests of each source."""
    from aggregator.distributed.enqueue import enqueue
    from aggregator.distributed.keys import connect, safe_url
    from aggregator.store import Store

    if getattr(args, "full", False):
        raise CliError("--full is not supported with --redis")
    Store(args.db).close()  # a bad database path fails here, before anything is enqueued
    server = connect(args.redis)
    done, skipped = enqueue(server, sources, args.db, trigger)
    if args.json:
        print(json.dumps([{"source": name, "run_id": rid} for name, rid in done]))
    elif not args.quiet:
        where = safe_url(args.redis)
        for name, rid in done:
            print(f"enqueued {name} (run {rid}) on {where}")
        for name, rid in skipped:
            print(f"skipped {name}: its run {rid} is still being crawled")
        if not done and not skipped:
            print("nothing enqueued")
    return 0
