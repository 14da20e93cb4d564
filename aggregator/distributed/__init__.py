"""Crawling on several machines: scrapy-redis carries the frontier, a Redis stream carries the items, one writer
owns the SQLite database.

::

    aggregator crawl --redis URL --all      enqueue: a runs row per source (SQLite), its start requests (Redis)
    aggregator worker --redis URL           any number, any machine: fetch, extract, fingerprint -> stream
    aggregator writer --redis URL --db PATH the one process that stores copies (Store.add_copy), then acks

Redis keys (prefix ``agg:``; one run per source at a time):

- ``runs`` hash: source name -> run id, the runs being crawled; ``run:<id>`` hash: the pickled Source, the run's
  figures so far (``stat:<key>``), the time of its first request (``budget_started``, for ``max_time``), its
  source's current lock holder as the writer last saw it (``holder``); ``run:<id>:failures`` list: its start-URL
  failures; ``admitted:<run id>`` set: the URLs counted against its page budget (``max_pages``);
- ``q:<source>`` sorted set: the source's requests (scrapy-redis's PriorityQueue, pickled requests);
- ``lease:<source>`` sorted set: requests taken by a worker, scored by the deadline (ms, Redis's clock) by which
  the worker must have finished them or renewed the lease; an expired lease goes back to the queue, not
  through the dupefilter (its fingerprint is there already);
- ``seen:<source>:<run id>`` set: scrapy-redis's dupefilter, one per run, deleted when the run ends and set to
  expire anyway (the next run must fetch the list pages again);
- ``lock:<source>``: the worker crawling that source (``host:pid:random``, expiring unless renewed): one worker
  per source, so Scrapy's per-host delays and AutoThrottle hold across machines;
- ``items`` stream, consumer group ``writer``: JSON entries, in order: ``holder`` (a worker took a source's lock:
  what an older holder sends after it is refused), ``item`` (an article), ``state`` (what a worker learnt of a
  page, for ``page_state``), ``end`` (the run is done); items, state and ends carry the sender's lock token;
- ``known`` hash (canonical URL of every known article -> when it was last seen) and ``pages`` hash (canonical
  URL -> its ``page_state`` row, JSON): the database's crawl state, seeded from it (``known:seeded``), kept
  current by the writer, read by the workers (``state.RedisCrawlState``).

Modules: ``keys`` (key names, connection, the Lua scripts of locks and leases), ``frontier`` (scrapy-redis
subclassed), ``state`` (crawl state and budgets on Redis), ``enqueue``, ``worker``, ``writer``.

A request is acknowledged (its lease removed) only when everything it led to is safe: the requests it yielded
are in the queue and its items are on the stream. A worker killed at any moment leaves its leases behind; they
expire with its lock and the next worker to take the source puts them back in the queue. Items are
acknowledged on the stream only after the writer committed them, and ``Store.add_copy`` is idempotent on URL
and content, so a redelivered item changes nothing.
"""
