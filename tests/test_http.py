"""The download handler closes a keep-alive connection left idle for AGGREGATOR_IDLE_CONNECTION_TIMEOUT seconds
(issue 18: a run over many portals must not hold every connection it opened in the last four minutes)."""

import asyncio

import pytest_twisted
from scrapy import Request
from scrapy.utils.test import get_crawler
from twisted.internet import reactor
from twisted.internet.defer import Deferred
from twisted.internet.task import deferLater
from twisted.web import http, resource, server

from aggregator import settings as project_settings
from aggregator.http import HTTPDownloadHandler


class _Channel(http.HTTPChannel):
    def connectionMade(self):
        super().connectionMade()
        self.site.open_connections += 1

    def connectionLost(self, reason):
        self.site.open_connections -= 1
        super().connectionLost(reason)


class _Page(resource.Resource):
    isLeaf = True

    def render_GET(self, request):
        return b"<html><body>ok</body></html>"


def _await(coro) -> Deferred:
    return Deferred.fromFuture(asyncio.ensure_future(coro))


async def _fetch_then_idle(timeout: float) -> int:
    """Open connections the server sees once the crawler has fetched one page and then sat idle for a while."""
    site = server.Site(_Page())
    site.protocol = _Channel
    site.open_connections = 0
    port = reactor.listenTCP(0, site, interface="127.0.0.1")
    crawler = get_crawler(
        settings_dict={
            "DOWNLOAD_HANDLERS": project_settings.DOWNLOAD_HANDLERS,
            "AGGREGATOR_IDLE_CONNECTION_TIMEOUT": timeout,
        }
    )
    handler = HTTPDownloadHandler.from_crawler(crawler)
    try:
        url = f"http://127.0.0.1:{port.getHost().port}/"
        response = await _await(handler.download_request(Request(url)))
        assert response.status == 200 and site.open_connections == 1
        # the pool's expiry runs on the next reactor turn at timeout 0; the server learns of the close soon after
        for _ in range(200):
            await deferLater(reactor, 0.01)
            if site.open_connections == 0:
                break
        return site.open_connections
    finally:
        await _await(handler.close())
        await port.stopListening()


@pytest_twisted.ensureDeferred
async def test_an_idle_connection_is_closed_after_the_idle_timeout():
    assert await _fetch_then_idle(0) == 0


@pytest_twisted.ensureDeferred
async def test_a_connection_is_kept_for_the_next_request_within_the_idle_timeout():
    assert project_settings.DOWNLOAD_HANDLERS["http"] == "aggregator.http.HTTPDownloadHandler"
    assert await _fetch_then_idle(project_settings.AGGREGATOR_IDLE_CONNECTION_TIMEOUT) == 1
