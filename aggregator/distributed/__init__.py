"""Crawling on several machines: scrapy-redis carries the frontier, a Redis stream carries the items, one writer
owns the SQLite database.

::

    aggregator crawl --redis URL --all      enqueue: a runs row per source (SQLite), its start requests (Redis)
    aggregator worker --redis URL           any number, any machine: fetch, extract, fingerprint -> stream
    aggregator writer --redis URL --db PATH the one process that stores copies (Store.add_copy), then acks

Redis keys (prefix ``agg:``; one run per source at a time):

- ``runs`` hash: source name -> run id, the runs being crawled; ``run:<id>`` hash: the pickled Source, the run's
  figures so far (``stat:<key>``), its start-URL failures (``failures``, JSON);
- ``q:<source>`` sorted set: the source's requests (scrapy-redis's PriorityQueue, pickled requests);
- ``lease:<source>`` sorted set: requests taken by a worker, scored by the deadline (ms, Redis's clock) by which
  the worker must have finished them or renewed the lease; an expired lease goes back to the queue, not
  through the dupefilter (its fingerprint is there already);
- ``seen:<source>:<run id>`` set: scrapy-redis's dupefilter, one per run, deleted when the run ends and set to
  expire anyway (the next run must fetch the list pages again);
- ``lock:<source>``: the worker crawling that source (a random token, expiring unless renewed): one worker per
  source, so Scrapy's per-host delays and AutoThrottle hold across machines;
- ``items`` stream, consumer group ``writer``: items (JSON) and the end of each worker's share of a run;
- ``known`` hash: canonical URL of every stored article -> when it was last seen; seeded from the database,
  kept current by the writer, read by the workers (a second run fetches no known article).

A request is acknowledged (its lease removed) only when everything it led to is safe: the requests it yielded
are in the queue and its items are on the stream. A worker killed at any moment leaves its leases behind; they
expire with its lock and the next worker to take the source puts them back in the queue. Items are
acknowledged on the stream only after the writer committed them, and ``Store.add_copy`` is idempotent on URL
and content, so a redelivered item changes nothing.
"""
