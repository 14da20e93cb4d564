"""A crawl stopped by a signal, as a user or a service manager stops it: ``aggregator crawl`` in a subprocess of
its own session, the demo portals served on loopback with every response delayed so that the signal arrives
mid-crawl. It exits 128 + the signal (130 for Ctrl-C, 143 for SIGTERM) with one line saying so, and its runs
rows say what it stored."""

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time

import pytest

from aggregator.demo.server import serve_portals
from aggregator.runs import list_runs

NAMES = ("kjb", "cjrb")


@pytest.fixture(scope="module")
def slow_portals():
    with serve_portals(delay=0.2) as servers:
        yield servers.urls


@pytest.fixture
def sources(slow_portals, tmp_path):
    path = tmp_path / "sources.toml"
    path.write_text(
        "".join(
            f'[[source]]\nname = "{n}"\nkind = "portal"\nstart_urls = ["{slow_portals[n]}"]\nevery = "1h"\n'
            for n in NAMES
        ),
        encoding="utf-8",
    )
    return path


def cli(*args, cwd, **popen):
    env = {k: v for k, v in os.environ.items() if k != "AGGREGATOR_DB"}
    cmd = [sys.executable, "-m", "aggregator.cli", *map(str, args)]
    if popen:
        return subprocess.Popen(cmd, cwd=cwd, env=env, text=True, **popen)
    return subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=120)


def stored(db) -> int:
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5) as conn:
            return conn.execute("SELECT count(*) FROM copies").fetchone()[0]
    except sqlite3.Error:  # not created yet
        return 0


def crawl_until_stored(db, sources, n=2, command=("crawl", "--all")):
    """A crawl in a session of its own (a terminal's Ctrl-C reaches its whole process group), once it has
    stored ``n`` articles."""
    proc = cli(
        *command, "--sources", sources, "--db", db, cwd=db.parent,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True,
    )  # fmt: skip
    deadline = time.monotonic() + 90
    while stored(db) < n and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.1)
    assert proc.poll() is None, "the crawl ended before it could be interrupted"
    return proc


def runs_json(db):
    listed = cli("runs", "--db", db, "--json", cwd=db.parent)
    assert listed.returncode == 0, listed.stderr
    return json.loads(listed.stdout)


def assert_one_line(stderr: str, *words):
    assert "Traceback" not in stderr
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    assert lines[0].startswith("aggregator: interrupted by ") and "error" not in lines[0]
    for w in words:
        assert w in lines[0]


def test_ctrl_c_exits_130_with_one_line_and_the_runs_say_what_was_stored(sources, tmp_path):
    db = tmp_path / "int.db"
    proc = crawl_until_stored(db, sources)
    os.killpg(proc.pid, signal.SIGINT)  # Ctrl-C: the terminal signals the whole foreground process group
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, (out, err)
    assert_one_line(err, "SIGINT (Ctrl-C)", "2 of 2 source(s) stopped before the end")
    rows = runs_json(db)
    assert {r["outcome"] for r in rows} == {"interrupted"} and len(rows) == 2
    assert {r["reason"] for r in rows} == {"interrupted by SIGINT (Ctrl-C)"}
    # the summary, the runs rows and the database agree
    pages = sum(r["pages_fetched"] for r in rows)
    copies = sum(r["new_copies"] for r in rows)
    assert f"crawled 2 source(s) (interrupted): {pages} pages fetched" in out
    assert f"{copies} new copies, 0 errors" in out
    assert copies == stored(db) >= 2


@pytest.mark.parametrize("command", [("crawl", "--all"), ("run-due",)])
def test_sigterm_exits_143_with_one_line(sources, tmp_path, command):
    db = tmp_path / "term.db"
    proc = crawl_until_stored(db, sources, command=command)
    proc.send_signal(signal.SIGTERM)  # as systemd, Docker or kill(1) stop it: the process alone
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 143, (out, err)
    assert_one_line(err, "SIGTERM")
    rows = runs_json(db)
    assert {(r["outcome"], r["reason"]) for r in rows} == {("interrupted", "interrupted by SIGTERM")}
    assert sum(r["new_copies"] for r in rows) == stored(db)


def test_two_ctrl_c_stop_at_once_and_still_finish_the_runs(sources, tmp_path):
    db = tmp_path / "twice.db"
    proc = crawl_until_stored(db, sources)
    os.killpg(proc.pid, signal.SIGINT)
    time.sleep(0.2)
    os.killpg(proc.pid, signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, (out, err)
    assert_one_line(err, "SIGINT (Ctrl-C) twice")
    assert "failed" not in out + err and "None" not in out + err
    rows = list_runs(str(db))  # as the process left them, not as a reader shows a killed run
    assert {r["outcome"] for r in rows} == {"interrupted"} and all(r["finished"] for r in rows)
    assert sum(r["new_copies"] for r in rows) == stored(db)
    assert sum(r["pages_fetched"] for r in rows) >= stored(db)


def test_a_killed_run_shows_what_it_stored(sources, tmp_path):
    db = tmp_path / "kill.db"
    proc = crawl_until_stored(db, sources, n=3)
    os.killpg(proc.pid, signal.SIGKILL)  # before its figures were ever flushed (every 10 s)
    proc.communicate(timeout=30)
    copies = stored(db)
    rows = runs_json(db)
    assert {r["outcome"] for r in rows} == {"interrupted"}
    assert sum(r["new_copies"] for r in rows) == copies >= 3
    assert sum(r["new_stories"] for r in rows) >= 1
    assert sum(r["pages_fetched"] for r in rows) >= copies
    # the next crawl records them so, with those figures
    assert cli("crawl", "--all", "--sources", sources, "--db", db, cwd=tmp_path).returncode == 0
    killed = [r for r in list_runs(str(db)) if r["id"] in {1, 2}]
    assert {r["outcome"] for r in killed} == {"interrupted"}
    assert sum(r["new_copies"] for r in killed) == copies


def _catches(pid: int, signum: int) -> bool:
    """Whether the process has a handler for the signal (/proc/PID/status SigCgt)."""
    try:
        status = open(f"/proc/{pid}/status").read()  # noqa: SIM115
    except OSError:
        return False
    caught = int(next(line.split()[1] for line in status.splitlines() if line.startswith("SigCgt:")), 16)
    return bool(caught >> (signum - 1) & 1)


def test_sigterm_while_the_command_starts_is_one_line_too(sources, tmp_path):
    """A signal that comes while the command still imports its modules and starts the crawler: the same
    exit status and one line, never a traceback or a crawl that 'could not run'."""
    db = tmp_path / "early.db"
    proc = cli(
        "crawl", "--all", "--sources", sources, "--db", db, cwd=tmp_path,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    deadline = time.monotonic() + 30
    while not _catches(proc.pid, signal.SIGTERM) and time.monotonic() < deadline:
        time.sleep(0.001)
    proc.send_signal(signal.SIGTERM)  # as soon as the command can act on it
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 143, (out, err)
    assert_one_line(err, "SIGTERM")
    assert stored(db) == 0


def _ignores(pid: int, signum: int) -> bool:
    status = open(f"/proc/{pid}/status").read()  # noqa: SIM115
    ignored = int(next(line.split()[1] for line in status.splitlines() if line.startswith("SigIgn:")), 16)
    return bool(ignored >> (signum - 1) & 1)


def _forkserver_of(pid: int) -> int | None:
    """The extraction pool's forkserver among the crawl's children, once it runs (its exec done: in the middle
    of it, the new command line shows while the spawning child's blocked signals and handlers still do)."""
    try:
        children = open(f"/proc/{pid}/task/{pid}/children").read().split()  # noqa: SIM115
    except OSError:
        return None
    for child in children:
        try:
            status = open(f"/proc/{child}/status").read()  # noqa: SIM115
            blocked = next(line.split()[1] for line in status.splitlines() if line.startswith("SigBlk:"))
            if b"forkserver" in open(f"/proc/{child}/cmdline", "rb").read() and int(blocked, 16) == 0:  # noqa: SIM115
                return int(child)
        except OSError:
            continue
    return None


def test_ctrl_c_while_the_extraction_workers_start_is_one_line_too(sources, tmp_path):
    """Ctrl-C reaches the whole process group, also the forkserver while it still imports the extraction code
    (Python's own SIGINT handler installed, its SIG_IGN not yet): it must not print a traceback of its own."""
    db = tmp_path / "forkserver.db"
    proc = cli(
        "crawl", "--all", "--sources", sources, "--db", db, cwd=tmp_path,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    forkserver = None
    while time.monotonic() < deadline and proc.poll() is None:
        forkserver = forkserver or _forkserver_of(proc.pid)
        # from its start, the forkserver must ignore Ctrl-C, not take it as a KeyboardInterrupt (Python's own
        # handler): signalled then, it printed a traceback while importing the extraction code
        if forkserver and (_catches(forkserver, signal.SIGINT) or _ignores(forkserver, signal.SIGINT)):
            break
        time.sleep(0.0005)
    assert proc.poll() is None and forkserver, "missed the forkserver"
    assert not _catches(forkserver, signal.SIGINT), "the forkserver can be interrupted while it starts"
    while not _catches(proc.pid, signal.SIGINT) and time.monotonic() < deadline:
        time.sleep(0.001)  # the crawl acts on Ctrl-C again once the forkserver is spawned
    os.killpg(proc.pid, signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, (out, err)
    assert_one_line(err, "SIGINT (Ctrl-C)")
