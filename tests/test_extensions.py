"""The Scrapy extensions (aggregator/extensions.py): RunRecorder writes each source's runs row as the crawl goes,
Progress draws the live line on a terminal; each is switched by its setting.

The rows and the line a finished crawl leaves are checked against the crawl's summary in test_one_crawler.py and
test_runs.py; here, what the extensions do while a crawl runs and when they are off.
"""

import io
import threading
from functools import partial
from http.server import ThreadingHTTPServer

import pytest
import pytest_twisted
from scrapy import signals
from scrapy.crawler import Crawler, CrawlerRunner
from scrapy.exceptions import NotConfigured

from aggregator.config import Source
from aggregator.crawl import make_settings, results, schedule
from aggregator.demo.server import PORTALS_DIR, _Handler
from aggregator.extensions import Progress, RunRecorder
from aggregator.runs import list_runs
from aggregator.spiders.news import NewsSpider


@pytest.mark.parametrize(
    ("extension", "settings"),
    [(RunRecorder, {"AGGREGATOR_DB": ""}), (Progress, {"AGGREGATOR_PROGRESS": False})],
)
def test_each_extension_is_off_without_its_setting(tmp_path, extension, settings):
    crawler = Crawler(NewsSpider, make_settings(tmp_path / "x.db", **settings))
    with pytest.raises(NotConfigured):
        extension.from_crawler(crawler)


def test_each_extension_is_on_with_its_setting(tmp_path):
    crawler = Crawler(NewsSpider, make_settings(tmp_path / "x.db", AGGREGATOR_PROGRESS=True))
    assert isinstance(RunRecorder.from_crawler(crawler), RunRecorder)
    assert isinstance(Progress.from_crawler(crawler), Progress)


@pytest.fixture(scope="module")
def slow_kjb():
    """The kjb demo portal (its links are all relative), each response 0.1 s late: a crawl that runs long
    enough to be watched."""
    handler = partial(_Handler, root=PORTALS_DIR / "kjb", utf8=True, bases={}, delay=0.1)
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


@pytest_twisted.ensureDeferred
async def test_the_runs_row_shows_the_figures_so_far_while_the_crawl_runs(slow_kjb, tmp_path, monkeypatch):
    stream = io.StringIO()
    monkeypatch.setattr(Progress, "stream", stream)
    db = tmp_path / "r.db"
    runner = CrawlerRunner(
        make_settings(db, AUTOTHROTTLE_ENABLED=False, AGGREGATOR_RUNS_FLUSH=0.05, AGGREGATOR_WORKERS=0)
    )
    scheduled = schedule(runner, [Source(name="kjb", kind="portal", start_urls=(slow_kjb,))])
    seen = []  # the row as `aggregator runs` would show it at each response

    def watch(response, request, spider):
        seen.extend((r["outcome"], r["pages_fetched"] or 0) for r in list_runs(str(db)))

    scheduled.crawler.signals.connect(watch, signal=signals.response_received, weak=False)
    await runner.join()
    (result,) = results(scheduled)
    (row,) = list_runs(str(db))
    assert row["outcome"] == "ok" and row["pages_fetched"] == result.summary["pages_fetched"]
    running = [pages for outcome, pages in seen if outcome == "running"]
    assert len(running) == len(seen) > 0  # the row is there from the start, running until the end
    # given the figures so far on the way, growing, so a killed run still shows what it did
    assert running == sorted(running) and running[0] == 0 < max(running) <= row["pages_fetched"]
    assert stream.getvalue() == ""  # no progress line: AGGREGATOR_PROGRESS is off
