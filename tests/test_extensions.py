"""The Scrapy extensions (aggregator/extensions.py): SourceLock holds each source's lock for the crawl, RunRecorder
writes each source's runs row as the crawl goes, Progress draws the live line on a terminal; each is switched by
its setting.

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
from aggregator.extensions import Progress, RunRecorder, SourceLock
from aggregator.lock import source_lock
from aggregator.runs import list_runs
from aggregator.spiders.news import NewsSpider


@pytest.mark.parametrize(
    ("extension", "settings"),
    [
        (SourceLock, {"AGGREGATOR_SOURCE_LOCK": False}),
        (SourceLock, {"AGGREGATOR_DB": ""}),  # the locks live next to the database
        (RunRecorder, {"AGGREGATOR_DB": ""}),
        (Progress, {"AGGREGATOR_PROGRESS": False}),
    ],
)
def test_each_extension_is_off_without_its_setting(tmp_path, extension, settings):
    crawler = Crawler(NewsSpider, make_settings(tmp_path / "x.db", **settings))
    with pytest.raises(NotConfigured):
        extension.from_crawler(crawler)


def test_each_extension_is_on_with_its_setting(tmp_path):
    crawler = Crawler(NewsSpider, make_settings(tmp_path / "x.db", AGGREGATOR_PROGRESS=True))
    assert isinstance(RunRecorder.from_crawler(crawler), RunRecorder)
    assert isinstance(Progress.from_crawler(crawler), Progress)
    assert isinstance(SourceLock.from_crawler(crawler), SourceLock)


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


async def crawl_watching_the_lock(db, url, **settings):
    """Crawl kjb; returns its result, its runs rows, and whether its lock was free at each response."""
    runner = CrawlerRunner(make_settings(db, AUTOTHROTTLE_ENABLED=False, AGGREGATOR_WORKERS=0, **settings))
    scheduled = schedule(runner, [Source(name="kjb", kind="portal", start_urls=(url,), max_pages=5)])
    free = []
    scheduled.crawler.signals.connect(
        lambda response, request, spider: free.append(source_lock(db, "kjb").is_free()),
        signal=signals.response_received,
        weak=False,
    )
    await runner.join()
    (result,) = results(scheduled)
    return result, list_runs(str(db)), free


@pytest_twisted.ensureDeferred
async def test_a_crawl_holds_its_sources_lock_while_it_runs_and_frees_it_at_the_end(slow_kjb, tmp_path):
    db = tmp_path / "l.db"
    result, rows, free = await crawl_watching_the_lock(db, slow_kjb)
    assert result.outcome != "skipped" and result.summary["pages_fetched"] > 0 and len(rows) == 1
    assert free and not any(free)  # another process would have skipped kjb at any time of the crawl
    assert source_lock(db, "kjb").is_free()  # the next run can take it


@pytest_twisted.ensureDeferred
async def test_a_locked_source_is_skipped_with_no_runs_row(slow_kjb, tmp_path):
    db = tmp_path / "l.db"
    with source_lock(db, "kjb") as held:  # as another process would hold it
        assert held.acquire()
        result, rows, free = await crawl_watching_the_lock(db, slow_kjb)
    assert result.outcome == "skipped" and "kjb is being crawled by another process" in result.reason
    assert rows == [] and free == [] and result.summary["pages_fetched"] == 0


@pytest_twisted.ensureDeferred
async def test_with_the_source_lock_off_a_locked_source_is_crawled_all_the_same(slow_kjb, tmp_path):
    db = tmp_path / "l.db"
    with source_lock(db, "kjb") as held:
        assert held.acquire()
        result, rows, _ = await crawl_watching_the_lock(db, slow_kjb, AGGREGATOR_SOURCE_LOCK=False)
    assert result.outcome != "skipped" and result.summary["pages_fetched"] > 0
    assert [r["source"] for r in rows] == ["kjb"]
