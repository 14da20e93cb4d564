"""The enqueuer: a run per source, its start requests into the shared queue."""

from __future__ import annotations

import pickle
import time

from scrapy import Request

from aggregator.config import Source
from aggregator.distributed.keys import RUNS, SEEN_TTL, admitted_key, queue_key, run_key
from aggregator.distributed.state import seed_state
from aggregator.distributed.worker import WorkerSpider
from aggregator.requests import ROBOTS, ROLE
from aggregator.scope import canonical
from aggregator.spiders.news import NewsSpider


def request_bytes(spider: WorkerSpider, request: Request) -> bytes:
    """A request as the queue stores it (scrapy-redis's encoding), for the enqueuer."""
    from scrapy_redis import picklecompat

    return picklecompat.dumps(request.to_dict(spider=spider))


def enqueue(server, sources: list[Source], db: str, trigger: str) -> tuple[list, list]:
    """A run per source: its runs row (running, in the database), its Source and start requests (Redis).
    Returns (enqueued [(source name, run id)], skipped [(source name, run id of the run still going)])."""
    from aggregator import runs

    seed_state(server, db)
    active = {k.decode(): int(v) for k, v in server.hgetall(RUNS).items()}
    todo = [s for s in sources if s.name not in active]
    skipped = [(s.name, active[s.name]) for s in sources if s.name in active]
    if not todo:
        return [], skipped
    ids = runs.start_runs(db, [s.name for s in todo], trigger, on_redis=True)
    done = []
    for src in todo:
        spider = WorkerSpider(source=src, run_id=ids[src.name])
        requests = _start_requests(spider)
        pipe = server.pipeline(transaction=True)
        pipe.hset(
            run_key(ids[src.name]), mapping={"source": pickle.dumps(spider.source), "started": time.time()}
        )
        admitted = set()
        for request in requests:
            pipe.zadd(queue_key(spider.source.name), {request_bytes(spider, request): -request.priority})
            if request.meta.get(ROLE) != ROBOTS:
                admitted.add(canonical(request.url))
        if admitted:
            # the start pages count against the page budget, as in a local crawl (which admits them as it starts)
            pipe.sadd(admitted_key(ids[src.name]), *admitted)
            pipe.expire(admitted_key(ids[src.name]), SEEN_TTL)
        pipe.hset(RUNS, spider.source.name, ids[src.name])
        pipe.execute()
        done.append((spider.source.name, ids[src.name]))
    return done, skipped


def _start_requests(spider: WorkerSpider) -> list[Request]:
    """The requests NewsSpider.start yields for the source (start URLs, robots.txt for its sitemaps)."""
    import asyncio

    async def collect():
        return [r async for r in NewsSpider.start(spider)]

    return asyncio.run(collect())
