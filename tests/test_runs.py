"""Scheduled runs as cron or a systemd timer start them: ``aggregator run-due`` in subprocesses, recorded in
the runs table, locked per source, safe to kill."""

import functools
import io
import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from http.server import ThreadingHTTPServer
from pathlib import Path

import pytest
import pytest_twisted
from scrapy.crawler import CrawlerRunner

from aggregator.config import Source
from aggregator.crawl import make_settings, results, schedule
from aggregator.demo.server import PORTALS_DIR, _Handler
from aggregator.extensions import Progress
from aggregator.lock import run_due_lock, source_lock
from aggregator.runs import JSON_FIELDS, list_runs
from aggregator.store import Store


def cli(*args, cwd, timeout=120, **popen):
    env = {k: v for k, v in os.environ.items() if k != "AGGREGATOR_DB"}
    cmd = [sys.executable, "-m", "aggregator.cli", *map(str, args)]
    if popen:
        return subprocess.Popen(cmd, cwd=cwd, env=env, text=True, **popen)
    return subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)


def sources_file(path, sources: dict[str, str], every: str = "1s"):
    blocks = [
        f'[[source]]\nname = "{name}"\nkind = "portal"\nstart_urls = ["{url}"]\nevery = "{every}"\n'
        for name, url in sources.items()
    ]
    path.write_text("\n".join(blocks), encoding="utf-8")
    return path


class _Slow(_Handler):
    def do_GET(self):
        time.sleep(0.2)
        super().do_GET()


@pytest.fixture
def slow_kjb():
    """The kjb demo portal, each response 0.2 s late: a crawl long enough to be caught running."""
    handler = functools.partial(_Slow, root=PORTALS_DIR / "kjb", utf8=True, bases={})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


def copies(db) -> list[str]:
    with Store(db) as store:
        return [r["url"] for r in store.db.query("SELECT url FROM copies")]


def test_two_run_due_at_once_crawl_each_source_once(slow_kjb, portals, truth, tmp_path):
    src = sources_file(tmp_path / "s.toml", {"kjb": slow_kjb, "cjrb": portals["cjrb"]})
    db = tmp_path / "a.db"
    args = ("run-due", "--db", db, "--sources", src)
    procs = [cli(*args, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(2)]
    outs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    waited = [out for out, _ in outs if "another run-due is still running" in out]
    assert len(waited) == 1, outs
    rows = list_runs(str(db), limit=None)
    assert sorted(r["source"] for r in rows) == ["cjrb", "kjb"]  # one run per source, not two
    assert {r["outcome"] for r in rows} == {"ok"} and {r["trigger"] for r in rows} == {"run-due"}
    assert len(copies(db)) == len(truth["portals"]["kjb"]["articles"]) + len(
        truth["portals"]["cjrb"]["articles"]
    )


def _pool_processes(cwd) -> list[int]:
    """The pids of multiprocessing helpers (forkserver, workers) started by a crawl run in ``cwd``."""
    out = []
    for entry in os.listdir("/proc"):
        try:
            cmd = Path(f"/proc/{entry}/cmdline").read_bytes().decode(errors="replace")
        except OSError:
            continue
        if "multiprocessing" in cmd and str(cwd) in cmd:
            out.append(int(entry))
    return out


def test_killed_run_is_marked_interrupted_and_the_next_run_loses_nothing(slow_kjb, truth, tmp_path):
    src = sources_file(tmp_path / "s.toml", {"kjb": slow_kjb})
    db = tmp_path / "k.db"
    proc = cli(
        "run-due",
        "--db",
        db,
        "--sources",
        src,
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if len(copies(db)) >= 3:
                break
        except sqlite3.Error:
            pass
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)
    # its extraction workers (and their forkserver) notice and exit: nothing is left running
    deadline = time.monotonic() + 15
    while _pool_processes(tmp_path) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not _pool_processes(tmp_path)
    before = set(copies(db))
    articles = len(truth["portals"]["kjb"]["articles"])
    assert 3 <= len(before) < articles, "the crawl should be killed half-way"
    (row,) = list_runs(str(db))
    assert row["outcome"] == "running"  # as the killed process left it

    listed = cli("runs", "--db", db, "--json", cwd=tmp_path)
    (run,) = json.loads(listed.stdout)
    assert run["outcome"] == "interrupted" and run["finished"] is None

    time.sleep(1.1)  # every = "1s": due again
    nxt = cli("run-due", "--db", db, "--sources", src, "--json", cwd=tmp_path)
    assert nxt.returncode == 0, nxt.stderr
    (summary,) = json.loads(nxt.stdout)
    after = copies(db)
    assert len(after) == len(set(after)) == articles and before <= set(after)
    assert summary["new_copies"] == articles - len(before) and summary["unchanged_copies"] == 0
    assert [r["outcome"] for r in list_runs(str(db))] == ["ok", "interrupted"]


def test_a_source_that_is_down_fails_with_its_reason_and_the_others_still_run(portals, truth, tmp_path):
    src = sources_file(
        tmp_path / "s.toml", {"down": "http://127.0.0.1:9/", "gbk": portals["gbk"]}, every="1h"
    )
    db = tmp_path / "d.db"
    Store(db).close()
    with run_due_lock(db) as lock:  # another run-due is running: this one leaves at once, successfully
        assert lock.acquire()
        held = cli("run-due", "--db", db, "--sources", src, cwd=tmp_path)
    assert held.returncode == 0 and f"(pid {os.getpid()}); nothing to do" in held.stdout and not copies(db)

    proc = cli("run-due", "--db", db, "--sources", src, "--quiet", cwd=tmp_path)
    assert proc.returncode == 1  # a source failed
    assert (
        proc.stdout == "" and "[down]" in proc.stderr and "127.0.0.1:9" in proc.stderr
    )  # --quiet: errors only
    assert "Traceback" not in proc.stderr and "[gbk]" not in proc.stderr
    listed = cli("runs", "--db", db, "--json", "--limit", "5", cwd=tmp_path)
    rows = {r["source"]: r for r in json.loads(listed.stdout)}
    assert set(rows["gbk"]) >= set(JSON_FIELDS)
    assert rows["down"]["outcome"] == "failed" and "127.0.0.1:9" in rows["down"]["reason"]
    assert rows["gbk"]["outcome"] == "ok" and rows["gbk"]["new_copies"] == len(
        truth["portals"]["gbk"]["articles"]
    )
    for r in rows.values():
        assert r["started"] <= r["finished"] and r["duration_s"] >= 0

    again = cli("run-due", "--db", db, "--sources", src, cwd=tmp_path)
    assert again.returncode == 0 and "nothing due; next: " in again.stdout  # every = "1h"
    listing = cli("sources", "--db", db, "--sources", src, "--json", cwd=tmp_path)
    by_name = {r["name"]: r for r in json.loads(listing.stdout)}
    assert by_name["down"]["last_outcome"] == "failed" and by_name["gbk"]["last_outcome"] == "ok"
    assert by_name["gbk"]["due"] is False and by_name["gbk"]["schedule"] == "every 1h"
    assert by_name["gbk"]["next_due"] > by_name["gbk"]["last_run"]


def test_crawl_records_its_runs_under_the_host_name(portals, tmp_path):
    db = tmp_path / "c.db"
    proc = cli("crawl", portals["feedsite"] + "rss.xml", "--db", db, "--quiet", cwd=tmp_path)
    assert proc.returncode == 0 and proc.stdout == "" and proc.stderr == ""
    (row,) = list_runs(str(db))
    assert row["source"] == portals["feedsite"].split("/")[2] and row["trigger"] == "crawl"
    assert row["outcome"] == "ok" and row["new_copies"] > 0


@pytest_twisted.ensureDeferred
async def test_a_source_locked_by_another_crawl_is_skipped(portals, tmp_path):
    db = tmp_path / "l.db"
    src = Source(name="gbk", kind="portal", start_urls=(portals["gbk"],))
    lock = source_lock(db, "gbk")
    assert lock.acquire()
    try:
        runner = CrawlerRunner(make_settings(db, AUTOTHROTTLE_ENABLED=False))
        crawlers = schedule(runner, [src])
        await runner.join()
        (res,) = results(crawlers)
    finally:
        lock.release()
    assert res.outcome == "skipped" and "being crawled by another process" in res.reason
    assert res.stat("downloader/request_count") == 0 and list_runs(str(db)) == []
    assert source_lock(db, "gbk").is_free()


@pytest_twisted.ensureDeferred
async def test_progress_line_on_a_terminal(portals, tmp_path, monkeypatch):
    stream = io.StringIO()
    monkeypatch.setattr(Progress, "stream", stream)
    monkeypatch.setattr(Progress, "interval", 0.05)
    runner = CrawlerRunner(
        make_settings(tmp_path / "p.db", AUTOTHROTTLE_ENABLED=False, AGGREGATOR_PROGRESS=True)
    )
    schedule(runner, [Source(name="gbk", kind="portal", start_urls=(portals["gbk"],))])
    await runner.join()
    out = stream.getvalue()
    assert out.startswith("\r") and out.endswith("\n")
    last = out.rstrip("\n").split("\r")[-1]
    assert "crawling 1 source(s):" in last and "pages/s" in last and "0 errors" in last


def _on_a_terminal(*args, cwd):
    """Run the command with stderr on a pseudo-terminal, as a user sees it: (stdout, what stderr showed)."""
    import pty
    import re

    master, slave = pty.openpty()
    proc = cli(*args, cwd=cwd, stdout=subprocess.PIPE, stderr=slave)
    os.close(slave)
    shown = bytearray()

    def read():
        while True:
            try:
                chunk = os.read(master, 4096)
            except OSError:  # the other end is closed
                return
            if not chunk:
                return
            shown.extend(chunk)

    reader = threading.Thread(target=read)
    reader.start()
    out, _ = proc.communicate(timeout=120)
    reader.join(timeout=10)
    os.close(master)
    assert proc.returncode == 0, shown.decode()
    lines = re.sub(r"\x1b\[K", "", shown.decode()).replace("\r\n", "\n").split("\r")
    return out, [line.strip() for line in lines if line.strip()]


def test_the_live_line_the_summary_json_and_runs_rows_give_the_same_figures(portals, tmp_path):
    import re

    src = sources_file(tmp_path / "s.toml", {"kjb": portals["kjb"], "cjrb": portals["cjrb"]})
    db = tmp_path / "f.db"
    live = re.compile(
        r"crawling 2 source\(s\): (\d+) pages \((\d+) unchanged\), (\d+) articles, (\d+) new copies, .*, "
        r"(\d+) errors"
    )
    out, shown = _on_a_terminal("crawl", "--all", "--sources", src, "--db", db, cwd=tmp_path)
    pages, unchanged, articles, copies_, errors = map(int, live.fullmatch(shown[-1]).groups())
    rows = list_runs(str(db))
    assert pages == sum(r["pages_fetched"] for r in rows) > 0
    assert copies_ == sum(r["new_copies"] for r in rows) == len(copies(db))
    assert errors == sum(r["errors"] for r in rows)
    stories = sum(r["new_stories"] for r in rows)
    assert f"crawled 2 source(s): {pages} pages fetched ({unchanged} unchanged), {articles} articles\n" in out
    assert f"this run: {stories} new stories, {copies_} new copies, {errors} errors\n" in out

    # a second run: the same counters in the live line, --json and the runs rows, under the same names
    out, shown = _on_a_terminal("crawl", "--all", "--sources", src, "--db", db, "--json", cwd=tmp_path)
    pages, unchanged, articles, copies_, errors = map(int, live.fullmatch(shown[-1]).groups())
    summaries = json.loads(out)
    latest = list_runs(str(db), limit=2)
    for key, value in (("pages_fetched", pages), ("not_modified", unchanged), ("new_copies", copies_)):
        assert value == sum(s[key] for s in summaries) == sum(r[key] for r in latest), key
    assert pages > 0 and unchanged > 0 and copies_ == 0 and articles == 0
    assert all("pages" not in s for s in summaries)
