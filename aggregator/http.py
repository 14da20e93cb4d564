"""Scrapy's HTTP/1.1 download handler, closing a keep-alive connection idle for
AGGREGATOR_IDLE_CONNECTION_TIMEOUT seconds.

Twisted keeps an idle connection 240 s in its pool, per host and port, and keeps it there even once the server
has closed it (nginx does after 75 s, Apache after 5): a run over many portals held every connection it opened
in the last four minutes, each with its protocol, transport and timer, so the crawl's memory grew with the
number of portals (issue 18: 8,000 connections after 80 s of a 1,000-portal crawl). A site is fetched again
within AUTOTHROTTLE_MAX_DELAY while it is being crawled, so a shorter idle lifetime loses no reuse that matters,
and bounds the pool by the rate connections are opened instead.
"""

from __future__ import annotations

from scrapy.core.downloader.handlers.http11 import HTTP11DownloadHandler


class HTTPDownloadHandler(HTTP11DownloadHandler):
    def __init__(self, crawler):
        super().__init__(crawler)
        self._pool.cachedConnectionTimeout = crawler.settings.getfloat(
            "AGGREGATOR_IDLE_CONNECTION_TIMEOUT", 30
        )
