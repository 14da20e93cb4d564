"""One crawler for many sources (issue 18): per-source depth, robots.txt, locks, counters and runs rows in one
Scrapy crawler; extraction in worker processes that may crash or hang on a page without ending the crawl."""

import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest_twisted
from scrapy import signals
from scrapy.crawler import CrawlerRunner

from aggregator import counters
from aggregator.config import Source
from aggregator.crawl import make_settings, results, schedule
from aggregator.demo.server import PORTALS_DIR
from aggregator.demo.sources import demo_sources
from aggregator.extensions import Progress
from aggregator.lock import source_lock
from aggregator.runs import list_runs, stats_counts
from aggregator.store import Store

ROOT = Path(__file__).parent.parent
FAST = {"AUTOTHROTTLE_ENABLED": False, "AGGREGATOR_WORKERS": 2}


async def crawl(db, sources, **settings):
    """Returns (results, the one crawler, [(source name, url, depth) of every response])."""
    runner = CrawlerRunner(make_settings(db, **{**FAST, **settings}))
    scheduled = schedule(runner, sources)
    seen = []
    scheduled.crawler.signals.connect(
        lambda response, request, spider: seen.append(
            (getattr(request.meta.get("source"), "name", None), response.url, request.meta.get("depth"))
        ),
        signal=signals.response_received,
        weak=False,
    )
    await runner.join()
    assert len(runner.crawlers) == 0 and scheduled.crawler.spider is not None
    return results(scheduled), scheduled.crawler, seen


def copies_by_portal(db) -> dict[str, int]:
    with Store(db) as store:
        rows = store.db.query("SELECT portal, count(*) AS n FROM copies GROUP BY portal")
        return {r["portal"]: r["n"] for r in rows}


@pytest_twisted.ensureDeferred
async def test_many_sources_run_in_one_crawler_with_one_row_each_and_a_locked_one_skipped(
    portals, truth, tmp_path
):
    db = tmp_path / "one.db"
    sources = demo_sources(portals)
    lock = source_lock(db, "xinxi")  # another process crawls xinxi
    assert lock.acquire()
    stream = io.StringIO()
    Progress.stream, Progress.interval = stream, 0.05
    try:
        res, crawler, _ = await crawl(db, sources, AGGREGATOR_PROGRESS=True)
    finally:
        lock.release()
        Progress.stream, Progress.interval = None, 1.0
    by_name = {r.source: r for r in res}
    assert [r.source for r in res] == [s.name for s in sources]  # one result per source, in order
    assert by_name["xinxi"].outcome == "skipped"
    assert by_name["xinxi"].reason == f"source xinxi is being crawled by another process (pid {os.getpid()})"
    assert by_name["xinxi"].stat("downloader/request_count") == 0

    rows = {r["source"]: r for r in list_runs(str(db), limit=None)}
    assert sorted(rows) == sorted(s.name for s in sources if s.name != "xinxi")  # one row per source
    stored = copies_by_portal(db)
    for src in sources:
        if src.name == "xinxi":
            continue
        host = portals[src.name].split("/")[2]
        articles = len(truth["portals"][src.name]["articles"])
        row, summary = rows[src.name], by_name[src.name].summary
        assert row["outcome"] == "ok" == summary["outcome"], (src.name, row["reason"])
        assert stored[host] == articles == summary["new_copies"] == row["new_copies"]
        # the row, the summary and the source's own counters say the same
        for key in ("pages_fetched", "new_stories", "new_copies", "updated_copies", "errors", "requests"):
            assert row[key] == summary[key], (src.name, key)
        assert (
            row["pages_fetched"] > articles and row["duration_s"] >= 0 and row["started"] <= row["finished"]
        )
    assert stored.get(portals["xinxi"].split("/")[2]) is None

    # the sources' figures add up to the crawl's, and the last progress line says what the summary says
    stats = crawler.stats.get_stats()
    total = {k: sum(r.summary[k] for r in res) for k in ("pages_fetched", "new_copies", "errors", "requests")}
    assert total["pages_fetched"] == stats["downloader/response_count"]
    assert total["requests"] == stats["downloader/request_count"]
    assert total["new_copies"] == stats["store/new_story"] + stats.get("store/new_copy", 0)
    last = stream.getvalue().rstrip("\n").split("\r")[-1]
    assert last.startswith(f"crawling 5 source(s): {total['pages_fetched']} pages (0 unchanged), ")
    assert f", {total['new_copies']} new copies, " in last and last.endswith(
        f"pages/s, {total['errors']} errors\x1b[K"
    )


@pytest_twisted.ensureDeferred
async def test_depth_and_robots_are_per_source_in_one_crawl(portals, tmp_path):
    kjb = Source(name="kjb", kind="portal", start_urls=(portals["kjb"],), depth=1, obey_robots=False)
    cjrb = Source(name="cjrb", kind="portal", start_urls=(portals["cjrb"],))
    res, _, seen = await crawl(tmp_path / "d.db", [kjb, cjrb])
    depth = {name: max(d or 0 for n, _, d in seen if n == name) for name in ("kjb", "cjrb")}
    assert depth == {"kjb": 1, "cjrb": depth["cjrb"]} and depth["cjrb"] > 1
    admin = {name for name, url, _ in seen if "/admin/" in url}
    assert admin == {"kjb"}  # kjb ignores robots.txt, cjrb in the same crawl obeys it
    by_name = {r.source: r for r in res}
    assert (
        by_name["cjrb"].stat("robotstxt/forbidden") >= 1 and by_name["kjb"].stat("robotstxt/forbidden") == 0
    )


def _unique_paragraph(portal: str, articles: list[str]) -> tuple[str, str]:
    """A paragraph found in exactly one page of a demo portal, an article: (its path, the text)."""
    root = PORTALS_DIR / portal
    pages = {"/" + str(p.relative_to(root)): p.read_text("utf-8") for p in root.rglob("*.htm*")}
    for path in sorted(articles):
        for para in re.findall(r"<p>([^<]{40,})</p>", pages[path]):
            if sum(para in h for h in pages.values()) == 1:
                return path, para
    raise AssertionError("no unique paragraph")


@pytest_twisted.ensureDeferred
async def test_a_page_that_kills_its_worker_is_skipped_and_counted_and_the_pool_recovers(
    portals, truth, tmp_path
):
    path, marker = _unique_paragraph("kjb", truth["portals"]["kjb"]["articles"])
    db = tmp_path / "crash.db"
    src = Source(name="kjb", kind="portal", start_urls=(portals["kjb"],))
    # test-only fault: a worker exits (os._exit) on the page holding the marker, as a segfault would end it
    (res,), crawler, _ = await crawl(db, [src], AGGREGATOR_TEST_WORKER_FAULTS={"crash": marker})
    articles = set(truth["portals"]["kjb"]["articles"])
    assert path in articles
    assert res.stat("extract/worker_crashed") == 1 and res.stat("extract/timeout") == 0
    assert res.outcome == "partial" and res.summary["errors"] == 1
    with Store(db) as store:
        got = {"/" + r["url"].split("/", 3)[3] for r in store.db.query("SELECT url FROM copies")}
    assert got == articles - {path}  # every other page, including those in flight when the worker died


@pytest_twisted.ensureDeferred
async def test_a_page_that_hangs_its_worker_times_out_and_the_others_are_stored(portals, truth, tmp_path):
    path, marker = _unique_paragraph("kjb", truth["portals"]["kjb"]["articles"])
    db = tmp_path / "hang.db"
    src = Source(name="kjb", kind="portal", start_urls=(portals["kjb"],))
    (res,), _, _ = await crawl(
        db, [src], AGGREGATOR_TEST_WORKER_FAULTS={"hang": marker}, AGGREGATOR_EXTRACT_TIMEOUT=3
    )
    assert res.stat("extract/timeout") == 1 and res.stat("extract/worker_crashed") == 0
    assert res.outcome == "partial"
    with Store(db) as store:
        got = {"/" + r["url"].split("/", 3)[3] for r in store.db.query("SELECT url FROM copies")}
    assert got == set(truth["portals"]["kjb"]["articles"]) - {path}


def test_scrapy_crawl_all_writes_one_runs_row_per_source(portals, truth, tmp_path):
    """Issue 12 item 6: ``scrapy crawl news -a all=1`` used to write one row named "kjb,cjrb,..."."""
    from aggregator.demo.sources import sources_toml

    sources = tmp_path / "sources.toml"
    sources.write_text(sources_toml(portals), encoding="utf-8")
    db = tmp_path / "s.db"
    env = {k: v for k, v in os.environ.items() if k != "AGGREGATOR_DB"}
    proc = subprocess.run(
        [sys.executable, "-m", "scrapy", "crawl", "news", "-a", "all=1", "-a", f"sources={sources}",
         "-s", f"AGGREGATOR_DB={db}", "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "LOG_LEVEL=WARNING"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=180,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-2000:]
    rows = list_runs(str(db), limit=None)
    assert sorted(r["source"] for r in rows) == sorted(truth["portals"])
    for row in rows:
        assert row["outcome"] == "ok" and row["trigger"] == "scrapy", row
        assert row["new_copies"] + row["updated_copies"] <= len(truth["portals"][row["source"]]["articles"])
    assert sum(r["new_copies"] for r in rows) == sum(len(p["articles"]) for p in truth["portals"].values())
    listing = subprocess.run(
        [sys.executable, "-m", "aggregator.cli", "sources", "--db", str(db), "--sources", str(sources), "--json"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert {r["name"]: r["last_outcome"] for r in json.loads(listing.stdout)} == dict.fromkeys(
        truth["portals"], "ok"
    )


def test_by_source_splits_the_stats_and_keeps_the_crawl_wide_end():
    stats = {
        "downloader/response_count": 5,
        "source/a/downloader/response_count": 2,
        "source/b/c/downloader/response_count": 3,
        "finish_reason": "finished",
        "response_received_count": 5,
    }
    split = counters.by_source(stats, ["a", "b/c"])
    assert split == {
        "a": {"downloader/response_count": 2, "finish_reason": "finished"},
        "b/c": {"downloader/response_count": 3, "finish_reason": "finished"},
    }
    (only,) = counters.by_source(stats, ["a"]).values()
    assert only["response_received_count"] == 5 and only["downloader/response_count"] == 2
    assert stats_counts(split["a"])["pages_fetched"] == 2


def test_a_worker_returns_the_fingerprint_the_pipeline_would_compute(truth):
    from aggregator.dedup import Fingerprint, fingerprint
    from aggregator.workers import process_page

    path = truth["portals"]["kjb"]["articles"][0]
    html = (PORTALS_DIR / "kjb" / path.lstrip("/")).read_text("utf-8")
    out = process_page({"html": html, "url": "http://kjb.test" + path, "fetched_at": None, "selectors": {}})
    json.dumps(out["article"])  # plain data
    got, want = Fingerprint.from_row(*out["fingerprint"]), fingerprint(out["article"]["body"])
    assert (got.body_hash, got.size, got.slots) == (want.body_hash, want.size, want.slots)
    assert (got.full == want.full).all() and (got.head == want.head).all()


def _memory(pid: int) -> dict[str, int]:
    """/proc/PID/smaps_rollup in kB: Rss, Pss, Private_Dirty, …"""
    lines = Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:]
    return {k: int(v.split()[0]) for k, v in (line.split(":", 1) for line in lines)}


@pytest_twisted.ensureDeferred
async def test_workers_share_what_the_forkserver_loaded_after_extracting_real_pages():
    """Issue 18: each worker used to load the parsers, datasketch/scipy and OpenCC again on its first page, and
    its collector copied the forkserver's objects: 16 MB of its own memory after these pages (32 MB after a crawl
    of 200 portals), against 8.5 MB now; the forkserver holds ≈ 100 MB, shared."""
    import asyncio
    from multiprocessing import forkserver

    from twisted.internet.defer import Deferred

    from aggregator.workers import ExtractionPool

    pages = [
        {
            "html": p.read_text("utf-8", errors="replace"),
            "url": f"http://demo.test/{p.name}",
            "fetched_at": None,
        }
        for p in sorted(PORTALS_DIR.rglob("*.htm*"))
    ]
    pool = ExtractionPool(2)
    try:
        for _ in range(3):  # the pool's run() awaits asyncio futures: run it as an asyncio task
            results = await Deferred.fromFuture(
                asyncio.gather(*[asyncio.ensure_future(pool.run(p)) for p in pages])
            )
        assert sum("fingerprint" in r and r["article"]["is_article"] for r in results) >= 20
        server = _memory(forkserver._forkserver._forkserver_pid)
        for worker in pool.workers:
            own = _memory(worker.process.pid)["Private_Dirty"]
            assert own < 0.12 * server["Rss"], (own, server)
    finally:
        pool.close()


def test_the_forkserver_preload_loads_everything_extraction_loads():
    """A module that extraction imports on first use but the preload misses is loaded by every worker on its
    own (the preload extracts and signs aggregator.workers.SAMPLE_PAGE); and the preloaded objects are frozen."""
    script = (
        "import gc, json, sys\n"
        "from pathlib import Path\n"
        "import aggregator.workerboot\n"
        "from aggregator.workers import process_page\n"
        "before = set(sys.modules)\n"
        f"for p in sorted(Path({str(PORTALS_DIR)!r}).rglob('*.htm*')):\n"
        "    process_page({'html': p.read_text('utf-8', errors='replace'), 'url': 'http://x.test/' + p.name})\n"
        "print(json.dumps([sorted(set(sys.modules) - before), gc.get_freeze_count()]))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120, check=True
    )
    new_modules, frozen = json.loads(proc.stdout)
    assert new_modules == [] and frozen > 50_000


def test_a_worker_does_not_run_the_main_module_again(tmp_path):
    """multiprocessing runs the parent's __main__ again in each child it starts (as __mp_main__): under
    ``scrapy crawl``, scrapyd or ``python -m`` that put Scrapy into every worker's own memory (≈ 22 MB each)."""
    marker = tmp_path / "ran"
    script = tmp_path / "main.py"
    script.write_text(
        "import asyncio\n"
        "from pathlib import Path\n"
        "if __name__ != '__main__':\n"
        f"    Path({str(marker)!r}).write_text(__name__)\n"
        "else:\n"
        "    from twisted.internet import asyncioreactor\n"
        "    asyncioreactor.install()\n"
        "    from twisted.internet import defer, reactor\n"
        "    from aggregator.workers import SAMPLE_PAGE, ExtractionPool\n"
        "    pool = ExtractionPool(1)\n"
        "    async def one():\n"
        "        print((await pool.run(SAMPLE_PAGE))['article']['is_article'])\n"
        "    d = defer.Deferred.fromFuture(asyncio.ensure_future(one()))\n"
        "    d.addBoth(lambda result: (pool.close(), reactor.stop(), result)[-1])\n"
        "    reactor.run()\n",
        encoding="utf-8",
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    proc = subprocess.run(
        [sys.executable, str(script)], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120
    )
    assert proc.stdout.strip() == "True", proc.stderr[-2000:]
    assert not marker.exists(), marker.read_text()


@pytest_twisted.ensureDeferred
async def test_workers_and_the_writer_yield_the_cpu_to_the_crawls_own_process(tmp_path):
    """AGGREGATOR_WORKER_NICE: the extraction workers and the store's writer run that much nicer than the crawl's
    process, which downloads and hands them their work, so that it gets a core first on a busy machine."""
    from scrapy.utils.test import get_crawler

    from aggregator.workers import SAMPLE_PAGE
    from aggregator.writer import Statements
    from pipelines.extract import ExtractPipeline
    from pipelines.store import StorePipeline

    own = os.getpriority(os.PRIO_PROCESS, 0)
    for nice in (7, 0):
        crawler = get_crawler(
            settings_dict={
                "AGGREGATOR_DB": str(tmp_path / f"n{nice}.db"),
                "AGGREGATOR_WORKERS": 1,
                "AGGREGATOR_WORKER_NICE": nice,
            }
        )
        extract, store = ExtractPipeline.from_crawler(crawler), StorePipeline.from_crawler(crawler)
        extract.open_spider()
        store.open_spider()
        try:
            # answered: each process has set its priority
            await extract.pool.submit(SAMPLE_PAGE)
            await store.writer.pool.submit(Statements(()))
            processes = [w.process.pid for w in extract.pool.workers + store.writer.pool.workers]
            assert [os.getpriority(os.PRIO_PROCESS, pid) for pid in processes] == [own + nice] * 2
        finally:
            extract.close_spider()
            await store.close_spider()
