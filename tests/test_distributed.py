"""A crawl on several machines (aggregator/distributed/): a real redis-server on a loopback port, the demo
portals, workers and the writer as the CLI runs them. The database they fill must equal a single-process crawl
of the same portals, also when a worker or the writer is killed on the way."""

import json
import os
import pickle
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from urllib.parse import urlsplit

import pytest

from aggregator.demo.server import serve_portals
from aggregator.demo.sources import sources_toml

redis = pytest.importorskip("redis", reason="the [redis] extra is not installed")
pytest.importorskip("scrapy_redis", reason="the [redis] extra is not installed")
REDIS_SERVER = shutil.which("redis-server")
pytestmark = pytest.mark.skipif(
    REDIS_SERVER is None, reason="redis-server is not installed (apt install redis-server)"
)

CLI = [sys.executable, "-m", "aggregator.cli"]
ENV = {**os.environ, "AGGREGATOR_USER_AGENT": "aggregator-test"}
# what a copy and a story are, without the times of the fetch and the order-dependent ``match`` record (which
# stored copy a new one was first found similar to differs between any two crawls, local ones too)
COPY = [
    "url", "final_url", "portal", "source_name", "site_name", "title", "published", "source", "reporters",
    "correspondents", "editors", "body", "body_hash", "body_len", "is_original", "traditional",
]  # fmt: skip
STORY = [
    "title",
    "body",
    "published",
    "source",
    "reporters",
    "correspondents",
    "editors",
    "url",
    "copies_count",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def redis_server(tmp_path_factory):
    port = free_port()
    work = tmp_path_factory.mktemp("redis")
    proc = subprocess.Popen(
        [REDIS_SERVER, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        cwd=work,
        stdout=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    client = redis.Redis.from_url(url)
    for _ in range(100):
        try:
            client.ping()
            break
        except redis.ConnectionError:
            time.sleep(0.05)
    yield url, client
    proc.terminate()
    proc.wait(10)


@pytest.fixture
def server(redis_server):
    url, client = redis_server
    client.flushall()
    return url, client


@pytest.fixture(scope="module")
def demo():
    """The demo portals, with the log of every request they answer."""
    with serve_portals(record=True) as servers:
        yield servers


@pytest.fixture(scope="module")
def sources_file(demo, tmp_path_factory):
    path = tmp_path_factory.mktemp("sources") / "sources.toml"
    path.write_text(sources_toml(demo.urls), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def reference(sources_file, tmp_path_factory):
    """The database of a single-process crawl of the demo portals."""
    db = tmp_path_factory.mktemp("ref") / "ref.db"
    cli("crawl", "--all", "--sources", sources_file, "--db", db, "-q")
    return snapshot(db)


def cli(*args, check=True, env=None) -> subprocess.CompletedProcess:
    done = subprocess.run(
        [*CLI, *map(str, args)], env={**ENV, **(env or {})}, capture_output=True, text=True, timeout=180
    )
    if check:
        assert done.returncode == 0, done.stderr
    return done


def spawn(*args, env=None) -> subprocess.Popen:
    return subprocess.Popen(
        [*CLI, *map(str, args)], env={**ENV, **(env or {})}, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )


def worker(url, *extra, env=None) -> subprocess.Popen:
    # a short lock: the work of a killed worker is taken up two seconds later
    return spawn(
        "worker", "--redis", url, "--until-idle", "--lock-ttl", "2", "--workers", "1", *extra, env=env
    )


def finish(*procs, timeout=120) -> None:
    for proc in procs:
        out, err = proc.communicate(timeout=timeout)
        assert proc.returncode == 0, err.decode()


def snapshot(db) -> tuple[dict, set]:
    """Copies by URL with their fields; stories as (the URLs of their copies, their fields, their canonical
    copy's URL): the same grouping whatever the ids."""
    conn = sqlite3.connect(db)
    copies = {r[0]: r for r in conn.execute(f"SELECT {', '.join(COPY)} FROM copies")}
    stories = set()
    for sid, *fields in conn.execute(
        f"SELECT id, {', '.join(STORY)}, (SELECT url FROM copies WHERE id = canonical_copy_id) FROM stories"
    ):
        urls = frozenset(u for (u,) in conn.execute("SELECT url FROM copies WHERE story_id = ?", (sid,)))
        stories.add((urls, tuple(fields)))
    conn.close()
    return copies, stories


def assert_same(db, reference) -> None:
    """The database equals the reference; on a difference, say which copies or stories differ."""
    copies, stories = snapshot(db)
    ref_copies, ref_stories = reference
    assert sorted(copies) == sorted(ref_copies)
    assert {u: c for u, c in copies.items() if c != ref_copies[u]} == {}
    assert stories - ref_stories == set() and ref_stories - stories == set()


def fetches(demo, since: int, ports=None) -> list[tuple[int, str, int]]:
    """The pages the demo portals answered since the log's entry ``since`` (robots.txt aside: each crawler
    process reads it once per host), as (port, path, status)."""
    return [e for e in demo.log[since:] if e[1] != "/robots.txt" and (ports is None or e[0] in ports)]


def port_of(demo, name: str) -> int:
    return int(demo.urls[name].rstrip("/").rsplit(":", 1)[1])


def runs_of(db) -> list[dict]:
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    rows = [dict(r) for r in conn.execute("SELECT * FROM runs ORDER BY id")]
    conn.close()
    return rows


def enqueue(url, sources_file, db) -> None:
    out = cli("crawl", "--redis", url, "--all", "--sources", sources_file, "--db", db).stdout
    assert out.count("enqueued ") == 6, out


def test_two_workers_and_a_writer_store_what_a_local_crawl_does_and_a_second_run_revalidates_only(
    server, demo, sources_file, reference, truth, tmp_path
):
    url, client = server
    db = tmp_path / "d.db"
    enqueue(url, sources_file, db)
    assert {r["outcome"] for r in runs_of(db)} == {"running"}
    assert cli("runs", "--db", db).stdout.count("running") == 6  # not "interrupted": the writer finishes them
    # each worker crawls up to three sources at a time, each source by one worker
    writer = spawn("writer", "--redis", url, "--db", db, "--until-idle")
    finish(worker(url, "--parallel", "3"), worker(url, "--parallel", "3"), writer)
    assert_same(db, reference)
    rows = runs_of(db)
    assert [r["outcome"] for r in rows] == ["ok"] * 6, [r["reason"] for r in rows]
    assert sum(r["new_copies"] for r in rows) == len(reference[0])
    assert all(r["pages_fetched"] > 0 for r in rows)
    assert client.hlen("agg:runs") == 0 and not client.keys("agg:seen:*")  # the per-run dupefilters are gone

    # the second run, as a local one: no known article fetched, every list page, feed and sitemap asked
    # with its validators (from the database, through Redis) and answered 304, its links replayed
    since = len(demo.log)
    enqueue(url, sources_file, db)
    finish(worker(url, "--parallel", "6"), spawn("writer", "--redis", url, "--db", db, "--until-idle"))
    second = runs_of(db)[6:]
    assert [r["outcome"] for r in second] == ["ok"] * 6
    fetched = fetches(demo, since)
    articles = {p for portal in truth["portals"].values() for p in portal["articles"]}
    assert fetched and not {path for _, path, _ in fetched} & articles, "a known article was fetched again"
    assert {status for _, _, status in fetched} == {304}, [e for e in fetched if e[2] != 304]
    assert sum(r["not_modified"] for r in second) == len(fetched)
    assert sum(r["new_copies"] for r in second) == 0
    assert sum(r["skipped_known"] for r in second) > 0
    assert_same(db, reference)


def test_a_worker_killed_mid_crawl_loses_nothing_and_only_its_leases_are_fetched_again(
    server, demo, sources_file, reference, tmp_path
):
    url, client = server
    db = tmp_path / "d.db"
    since = len(demo.log)
    enqueue(url, sources_file, db)
    doomed = worker(url, "--parallel", "3")
    mine = f"{os.uname().nodename}:{doomed.pid}:".encode()

    def held_by_doomed() -> list[str]:
        return [
            k.decode().split(":", 2)[2] for k in client.keys("agg:lock:*") if client.get(k).startswith(mine)
        ]

    deadline = time.monotonic() + 60
    while len(held_by_doomed()) < 3:
        assert time.monotonic() < deadline and doomed.poll() is None
        time.sleep(0.01)
    survivor = worker(url, "--parallel", "3")
    while client.xlen("agg:items") < 15 or not any(client.zcard(f"agg:lease:{s}") for s in held_by_doomed()):
        assert time.monotonic() < deadline and doomed.poll() is None
        time.sleep(0.01)
    doomed.send_signal(signal.SIGKILL)
    doomed.wait(10)
    # the killed worker's leases, as it left them (its locks and leases expire two seconds later)
    sources = held_by_doomed()
    leased = set()
    for source in sources:
        for member in client.zrange(f"agg:lease:{source}", 0, -1):
            request = urlsplit(pickle.loads(member)["url"])
            leased.add((request.port, request.path))
    assert leased and client.hlen("agg:runs") > 0  # killed with requests in flight and runs unfinished
    finish(
        survivor, worker(url, "--parallel", "6"), spawn("writer", "--redis", url, "--db", db, "--until-idle")
    )
    assert_same(db, reference)
    assert [r["outcome"] for r in runs_of(db)] == ["ok"] * 6
    # nothing was fetched twice but what the killed worker had in flight
    counts = Counter((port, path) for port, path, _ in fetches(demo, since))
    twice = {page for page, n in counts.items() if n > 1}
    assert twice <= leased, twice - leased
    assert all(n <= 2 for n in counts.values())


def test_a_writer_killed_between_commit_and_ack_stores_nothing_twice(
    server, sources_file, reference, tmp_path
):
    url, client = server
    db = tmp_path / "d.db"
    enqueue(url, sources_file, db)
    finish(worker(url, "--parallel", "6"))
    killed = cli(
        "writer", "--redis", url, "--db", db, check=False, env={"AGGREGATOR_TEST_WRITER_EXIT_AFTER": "5"}
    )
    assert killed.returncode == 137
    pending = client.xpending("agg:items", "writer")["pending"]
    assert pending >= 1  # the fifth item is committed and not acknowledged (nor the rest of its batch)
    cli("writer", "--redis", url, "--db", db, "--until-idle")
    assert_same(db, reference)
    rows = runs_of(db)
    assert [r["outcome"] for r in rows] == ["ok"] * 6
    unchanged = sum(int(client.hget(f"agg:run:{r['id']}", "stat:store/unchanged_copy") or 0) for r in rows)
    assert unchanged == 1  # the one redelivered after its commit: found unchanged, stored once
    assert client.xpending("agg:items", "writer")["pending"] == 0


def test_the_items_of_a_worker_that_lost_its_lock_are_refused(server, sources_file, reference, tmp_path):
    url, client = server
    db = tmp_path / "d.db"
    enqueue(url, sources_file, db)
    # the first worker stalls before sending its third item (a paused VM, a long GC): its locks expire, the
    # second worker takes its sources over, and then it wakes up and sends what it had in hand
    stalled = worker(url, "--parallel", "6", env={"AGGREGATOR_TEST_WORKER_STALL_AT": "3"})
    deadline = time.monotonic() + 60
    while client.xlen("agg:items") < 8:  # its six lock marks and two items
        assert time.monotonic() < deadline and stalled.poll() is None
        time.sleep(0.02)
    writer = spawn("writer", "--redis", url, "--db", db, "--until-idle")
    finish(stalled, worker(url, "--parallel", "6"))
    writer.wait(60)
    log = writer.stderr.read().decode()
    assert writer.returncode == 0, log
    rows = runs_of(db)
    refused = sum(int(client.hget(f"agg:run:{r['id']}", "stat:store/refused_stale") or 0) for r in rows)
    assert refused >= 1
    assert log.count("no longer holds the lock of its source") >= refused
    # what it sent was fetched again by the new holder: nothing lost, nothing twice
    assert_same(db, reference)
    assert [r["outcome"] for r in rows] == ["ok"] * 6


def test_budgets_survive_a_takeover(server, tmp_path):
    url, client = server
    db = tmp_path / "d.db"
    # slow portals: a page takes half a second, so the first worker is killed with most of the crawl ahead
    with serve_portals(delay=0.5, record=True) as slow:
        sources = tmp_path / "sources.toml"
        kjb_url, cjrb_url = slow.urls["kjb"], slow.urls["cjrb"]
        sources.write_text(
            f'[[source]]\nname = "kjb"\nstart_urls = ["{kjb_url}"]\nmax_pages = 8\n\n'
            f'[[source]]\nname = "cjrb"\nstart_urls = ["{cjrb_url}"]\nmax_time = "3s"\n',
            encoding="utf-8",
        )
        out = cli("crawl", "--redis", url, "--all", "--sources", sources, "--db", db).stdout
        runs = dict(re.findall(r"enqueued (\w+) \(run (\d+)\)", out))
        doomed = worker(url, "--parallel", "2")
        deadline = time.monotonic() + 60
        # killed once the page budget is spent, the front page of cjrb crawled and 2.5 s of its time budget spent
        while (
            client.scard(f"agg:admitted:{runs['kjb']}") < 8
            or not crawled(client, "cjrb", cjrb_url)
            or not elapsed(client, runs["cjrb"], 2.5)
        ):
            assert time.monotonic() < deadline and doomed.poll() is None
            time.sleep(0.02)
        doomed.send_signal(signal.SIGKILL)
        doomed.wait(10)
        time.sleep(1.0)  # what the killed worker had asked for is answered by now
        since = len(slow.log)
        finish(worker(url, "--parallel", "2"), spawn("writer", "--redis", url, "--db", db, "--until-idle"))
        kjb, cjrb = port_of(slow, "kjb"), port_of(slow, "cjrb")
        # at most 8 distinct pages of kjb in all, not 8 more after the takeover
        assert len({path for _, path, _ in fetches(slow, 0, {kjb})}) <= 8
        # the time budget of cjrb was spent when the second worker took it over: it fetched nothing
        assert fetches(slow, since, {cjrb}) == []
    reasons = {r["source"]: r["reason"] or "" for r in runs_of(db)}
    assert "page budget of 8 reached" in reasons["kjb"]
    assert "time budget of 3 reached" in reasons["cjrb"]


def crawled(client, source: str, page: str) -> bool:
    """Whether a worker sent what it found on ``page`` to the writer and is done with it (its lease is gone)."""
    if any(pickle.loads(m)["url"] == page for m in client.zrange(f"agg:lease:{source}", 0, -1)):
        return False
    for _, fields in client.xrange("agg:items"):
        data = json.loads(fields[b"data"])
        if data["type"] == "state" and data["op"] == "fetch" and data["url"] == page:
            return True
    return False


def elapsed(client, run_id, seconds: float) -> bool:
    started = client.hget(f"agg:run:{run_id}", "budget_started")
    now_s, now_us = client.time()
    return started is not None and now_s * 1000 + now_us // 1000 - int(started) >= seconds * 1000


@pytest.mark.parametrize(
    "command",
    [
        ["worker", "--until-idle"],
        ["writer", "--until-idle", "--db", "DB"],
        ["crawl", "http://127.0.0.1:9/", "--db", "DB"],
        ["run-due", "--sources", "SOURCES", "--db", "DB"],
    ],
)
def test_redis_unreachable_is_one_clear_line_and_status_1(command, sources_file, tmp_path):
    port = free_port()  # nothing listens there
    command = [{"DB": tmp_path / "d.db", "SOURCES": sources_file}.get(a, a) for a in command]
    done = cli(*command, "--redis", f"redis://:secret@127.0.0.1:{port}/0", check=False)
    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith(f"aggregator: error: cannot reach Redis at redis://:***@127.0.0.1:{port}/0: ")
    assert "secret" not in done.stderr
