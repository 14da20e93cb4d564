"""A crawl on several machines (aggregator/distributed.py): a real redis-server on a loopback port, the demo
portals, workers and the writer as the CLI runs them. The database they fill must equal a single-process crawl
of the same portals, also when a worker or the writer is killed on the way."""

import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time

import pytest

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
def sources_file(portals, tmp_path_factory):
    path = tmp_path_factory.mktemp("sources") / "sources.toml"
    path.write_text(sources_toml(portals), encoding="utf-8")
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


def worker(url, *extra) -> subprocess.Popen:
    # a short lock: the work of a killed worker is taken up two seconds later
    return spawn("worker", "--redis", url, "--until-idle", "--lock-ttl", "2", "--workers", "1", *extra)


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


def runs_of(db) -> list[dict]:
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    rows = [dict(r) for r in conn.execute("SELECT * FROM runs ORDER BY id")]
    conn.close()
    return rows


def enqueue(url, sources_file, db) -> None:
    out = cli("crawl", "--redis", url, "--all", "--sources", sources_file, "--db", db).stdout
    assert out.count("enqueued ") == 6, out


def test_two_workers_and_a_writer_store_what_a_local_crawl_does_and_a_second_run_fetches_no_article(
    server, sources_file, reference, tmp_path
):
    url, client = server
    db = tmp_path / "d.db"
    enqueue(url, sources_file, db)
    assert {r["outcome"] for r in runs_of(db)} == {"running"}
    assert cli("runs", "--db", db).stdout.count("running") == 6  # not "interrupted": the writer finishes them
    # each worker crawls up to three sources at a time, each source by one worker
    writer = spawn("writer", "--redis", url, "--db", db, "--until-idle")
    finish(worker(url, "--parallel", "3"), worker(url, "--parallel", "3"), writer)
    assert snapshot(db) == reference
    rows = runs_of(db)
    assert [r["outcome"] for r in rows] == ["ok"] * 6, [r["reason"] for r in rows]
    assert sum(r["new_copies"] for r in rows) == len(reference[0])
    assert all(r["pages_fetched"] > 0 for r in rows)
    assert client.hlen("agg:runs") == 0 and not client.keys("agg:seen:*")  # the per-run dupefilters are gone

    # the second run: the list pages again (a new dupefilter), no known article
    enqueue(url, sources_file, db)
    finish(worker(url, "--parallel", "6"), spawn("writer", "--redis", url, "--db", db, "--until-idle"))
    second = runs_of(db)[6:]
    assert [r["outcome"] for r in second] == ["ok"] * 6
    assert sum(r["new_copies"] for r in second) == 0
    assert all(r["pages_fetched"] > 0 for r in second)
    articles = [int(client.hget(f"agg:run:{r['id']}", "stat:extract/article") or 0) for r in second]
    assert articles == [0] * 6
    assert sum(r["skipped_known"] for r in second) >= len(reference[0])
    assert snapshot(db) == reference


def test_a_worker_killed_mid_crawl_loses_nothing(server, sources_file, reference, tmp_path):
    url, client = server
    db = tmp_path / "d.db"
    enqueue(url, sources_file, db)
    doomed = worker(url, "--parallel", "6")
    deadline = time.monotonic() + 60
    while client.xlen("agg:items") < 15 or not any(client.zcard(k) for k in client.keys("agg:lease:*")):
        assert time.monotonic() < deadline and doomed.poll() is None
        time.sleep(0.02)
    leased = sum(client.zcard(k) for k in client.keys("agg:lease:*"))
    doomed.send_signal(signal.SIGKILL)
    doomed.wait(10)
    assert leased > 0 and client.hlen("agg:runs") > 0  # killed with requests in flight and runs unfinished
    finish(worker(url, "--parallel", "6"), spawn("writer", "--redis", url, "--db", db, "--until-idle"))
    assert snapshot(db) == reference
    assert [r["outcome"] for r in runs_of(db)] == ["ok"] * 6


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
    assert snapshot(db) == reference
    rows = runs_of(db)
    assert [r["outcome"] for r in rows] == ["ok"] * 6
    unchanged = sum(int(client.hget(f"agg:run:{r['id']}", "stat:store/unchanged_copy") or 0) for r in rows)
    assert unchanged == 1  # the one redelivered after its commit: found unchanged, stored once
    assert client.xpending("agg:items", "writer")["pending"] == 0


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
