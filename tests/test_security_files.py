"""Issue 17, items 6-11: what the aggregator does to files and to the database, as a user runs it.

Lock files never follow links; ``export -o`` replaces its file whole or not at all; a write that fails (a full
disk, a database held by another process) is counted and reported, never lost in silence; read commands
change no file; the database and its companions are private; ``browse`` answers only to its own names.
"""

import contextlib
import functools
import hashlib
import http.client
import json
import os
import socket
import sqlite3
import stat
import subprocess
import sys
import threading
import time
from http.server import ThreadingHTTPServer
from pathlib import Path

import pytest
import pytest_twisted
from scrapy.crawler import CrawlerRunner
from test_search import build

from aggregator.config import Source
from aggregator.crawl import make_settings, results, schedule
from aggregator.demo.server import PORTALS_DIR, _Handler
from aggregator.store import Store

ROOT = Path(__file__).parent.parent


def cli(*args, cwd=None, timeout=180):
    env = {k: v for k, v in os.environ.items() if k != "AGGREGATOR_DB"}
    return subprocess.run(
        [sys.executable, "-m", "aggregator.cli", *map(str, args)],
        cwd=cwd or ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def main(capsys, *args) -> subprocess.CompletedProcess:
    """``aggregator ARGS`` in this process (faster than a subprocess), as a CompletedProcess."""
    from aggregator.cli import main as aggregator

    capsys.readouterr()
    code = aggregator([str(a) for a in args])
    out, err = capsys.readouterr()
    return subprocess.CompletedProcess(args, code, out, err)


def one_line_error(proc, status: int, *fragments: str) -> str:
    """The command failed with ``status`` and said why in one line, without a traceback."""
    assert proc.returncode == status, (proc.returncode, proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr + proc.stdout, proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, proc.stderr
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
    return lines[0]


def mode(path) -> int:
    return stat.S_IMODE(os.lstat(path).st_mode)


def digest(path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


@contextlib.contextmanager
def umask(value: int):
    old = os.umask(value)
    try:
        yield
    finally:
        os.umask(old)


@contextlib.contextmanager
def small_disk(path: Path, size: str):
    """A real file system of ``size`` at ``path`` (tmpfs): writes beyond it fail with ENOSPC."""
    path.mkdir()
    proc = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)], capture_output=True
    )
    if proc.returncode:
        pytest.skip(f"cannot mount a tmpfs here (needs root): {proc.stderr.decode().strip()}")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)


def port_of(url: str) -> str:
    return url.split("/")[2]


# 6: lock files (the locks' own refusals of links: tests/test_lock.py)


def test_a_lock_file_that_is_a_symbolic_link_is_refused_and_its_target_left_alone(portals, tmp_path):
    db = tmp_path / "a.db"
    Store(db).close()
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n")
    locks = tmp_path / "a.db-locks"
    locks.mkdir()
    name = port_of(portals["gbk"]).replace(":", "_")
    (locks / f"source-{name}.lock").symlink_to(victim)
    proc = cli("crawl", portals["gbk"], "--db", db, "--quiet")
    one_line_error(proc, 1, "symbolic link", f"source-{name}.lock")
    assert victim.read_text() == "precious\n"

    sources = tmp_path / "s.toml"
    sources.write_text(
        f'[[source]]\nname = "gbk"\nkind = "portal"\nstart_urls = ["{portals["gbk"]}"]\nevery = "1h"\n'
    )
    (locks / "run-due.lock").symlink_to(victim)
    proc = cli("run-due", "--db", db, "--sources", sources)
    one_line_error(proc, 1, "symbolic link", "run-due.lock")
    assert victim.read_text() == "precious\n"
    with Store(db) as store:
        assert store.counts()["copies"] == 0  # nothing was crawled


# 10: permissions


def test_database_wal_shm_and_locks_are_private(portals, tmp_path):
    db = tmp_path / "new" / "data" / "a.db"  # directories the aggregator creates
    with umask(0o022):  # the usual umask, under which files are world-readable by default
        proc = cli("crawl", portals["gbk"], "--db", db, "--quiet")
        assert proc.returncode == 0, proc.stderr
        assert mode(tmp_path / "new") == mode(tmp_path / "new" / "data") == 0o700
        assert mode(db) == 0o600
        locks = Path(str(db) + "-locks")
        assert mode(locks) == 0o700
        lock_files = list(locks.iterdir())
        assert lock_files and {mode(p) for p in lock_files} == {0o600}
        # SQLite makes the WAL and SHM files later, for any connection (here a plain one): they are private too
        conn = sqlite3.connect(db)
        conn.execute("UPDATE runs SET host = host")
        conn.commit()
        assert mode(str(db) + "-wal") == mode(str(db) + "-shm") == 0o600
        conn.close()


# 7: export -o


@pytest.fixture
def small_db(tmp_path):
    path = tmp_path / "news.db"
    build(path)
    return path


@pytest.mark.parametrize(
    "option, value, says",
    [
        ("--link", "http://x/\x01", "control character"),
        ("--link", "javascript:alert(1)", "not an http(s) URL"),
        ("--link", "ftp://example.org/", "not an http(s) URL"),
        ("--link", "http://exa mple.org/", "not an http(s) URL"),
        ("--title", "news\x1b]0;pwned\x07", "control character"),
    ],
)
def test_export_refuses_a_bad_link_or_title_up_front_and_keeps_the_old_file(
    small_db, tmp_path, option, value, says, capsys
):
    good = tmp_path / "good.rss"
    good.write_text("<rss>the old feed</rss>\n")
    proc = main(capsys, "export", "--db", small_db, "--format", "rss", option, value, "-o", good)
    one_line_error(proc, 2, option, says)
    assert good.read_text() == "<rss>the old feed</rss>\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["good.rss", "news.db"]


def test_export_replaces_its_file_whole_and_a_symbolic_link_instead_of_writing_through_it(
    small_db, tmp_path, capsys
):
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n")
    link = tmp_path / "feed.xml"
    link.symlink_to(victim)
    proc = main(capsys, "export", "--db", small_db, "--format", "atom", "-o", link)
    assert proc.returncode == 0, proc.stderr
    assert victim.read_text() == "precious\n"
    assert not link.is_symlink() and "<feed" in link.read_text()

    # a file that is replaced keeps its permissions, and no temporary file is left behind
    out = tmp_path / "feed.json"
    out.write_text("old")
    os.chmod(out, 0o640)
    proc = main(capsys, "export", "--db", small_db, "--format", "jsonfeed", "-o", out)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(out.read_text())["version"].startswith("https://jsonfeed.org/")
    assert mode(out) == 0o640
    # (a read-only SQLite connection leaves the WAL-index files of a WAL database behind)
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith("news.db-")) == [
        "feed.json",
        "feed.xml",
        "news.db",
        "victim.txt",
    ]


def test_export_to_a_full_disk_fails_in_one_line_and_keeps_the_old_file(small_db, tmp_path, capsys):
    with small_disk(tmp_path / "disk", "16k") as disk:
        old = disk / "stories.jsonl"
        old.write_text('{"id": 1, "title": "the old export"}\n' * 100)  # ~3.6 KB
        (disk / "filler").write_bytes(b"x" * 8192)
        before = digest(old)
        proc = main(capsys, "export", "--db", small_db, "-o", old)
        one_line_error(proc, 1, "No space left on device")
        assert digest(old) == before
        assert sorted(p.name for p in disk.iterdir()) == ["filler", "stories.jsonl"]


# 8: write failures


def test_a_crawl_into_a_full_disk_says_so_exits_non_zero_and_the_reads_still_work(portals, truth, tmp_path):
    with small_disk(tmp_path / "disk", "700k") as disk:
        db = disk / "a.db"
        Store(db).close()
        proc = cli("crawl", portals["xinxi"], "--db", db, "--json")
        assert proc.returncode == 1, proc.stderr
        assert "Traceback" not in proc.stderr
        (summary,) = json.loads(proc.stdout)
        articles = len(truth["portals"]["xinxi"]["articles"])
        assert summary["store_errors"] >= 1 and summary["new_copies"] < articles
        assert summary["outcome"] in ("partial", "failed") and "database or disk is full" in summary["reason"]
        error = one_line_error(proc, 1, f"[{port_of(portals['xinxi'])}]", "database or disk is full")
        assert summary["outcome"] in error

        listed = cli("runs", "--db", db, "--json")
        assert listed.returncode == 0 and "Traceback" not in listed.stderr, listed.stderr
        (run,) = json.loads(listed.stdout)
        assert run["outcome"] != "ok" and run["outcome"] != "running"

        sources = tmp_path / "s.toml"
        sources.write_text(f'[[source]]\nname = "x"\nkind = "portal"\nstart_urls = ["{portals["xinxi"]}"]\n')
        listing = cli("sources", "--db", db, "--sources", sources)
        assert listing.returncode == 0 and "Traceback" not in listing.stderr, listing.stderr

        # a command that writes fails in one line too (sqlite3's error, caught by the CLI)
        rebuilt = cli("rebuild", "--db", db)
        if rebuilt.returncode != 0:
            one_line_error(rebuilt, 1, "full")


_HOLDER = """
import sqlite3, sys, time
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
sys.stdin.readline()
conn.execute("BEGIN IMMEDIATE")
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
conn.execute("ROLLBACK")
"""


class _LockingHandler(_Handler):
    """Serves the kjb portal; the first request for an article has another process lock the database first."""

    articles: set[str] = set()
    holder: subprocess.Popen | None = None
    locked = threading.Event()
    guard = threading.Lock()

    def do_GET(self):
        if self.path.split("?")[0] in self.articles:
            with self.guard:
                if not self.locked.is_set():
                    self.holder.stdin.write("go\n")
                    self.holder.stdin.flush()
                    assert self.holder.stdout.readline().strip() == "locked"
                    self.locked.set()
        super().do_GET()


@pytest_twisted.ensureDeferred
async def test_an_article_lost_to_a_database_locked_by_another_process_is_counted_and_reported(
    truth, tmp_path
):
    db = tmp_path / "busy.db"
    Store(db).close()
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLDER, str(db), "3"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    articles = set(truth["portals"]["kjb"]["articles"])
    handler_cls = type(
        "H", (_LockingHandler,), {"articles": articles, "holder": holder, "locked": threading.Event()}
    )
    handler = functools.partial(handler_cls, root=PORTALS_DIR / "kjb", utf8=True, bases={})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        runner = CrawlerRunner(
            make_settings(
                db,
                AUTOTHROTTLE_ENABLED=False,
                AGGREGATOR_DB_TIMEOUT=0.2,
                # the crawl's page_state writes wait the default 30 s: only the store pipeline is in the test
                SPIDER_MIDDLEWARES={"aggregator.incremental.IncrementalSpiderMiddleware": None},
                DOWNLOADER_MIDDLEWARES={"aggregator.incremental.ConditionalRequestMiddleware": None},
            )
        )
        url = f"http://127.0.0.1:{server.server_address[1]}/"
        crawlers = schedule(runner, [Source(name="kjb", kind="portal", start_urls=(url,))])
        await runner.join()
        (res,) = results(crawlers)
    finally:
        server.shutdown()
        server.server_close()
        holder.wait(timeout=30)
    lost = res.stat("store/error")
    with Store(db) as store:
        stored = store.counts()["copies"]
        (row,) = store.db.query("SELECT outcome, reason, errors FROM runs")
    assert lost >= 1 and stored + lost == len(articles)
    assert res.outcome == ("partial" if stored else "failed") and "database is locked" in res.reason
    assert res.summary["store_errors"] == lost
    assert row["outcome"] == res.outcome and "database is locked" in row["reason"] and row["errors"] >= lost


# 9: read commands change nothing


def test_read_commands_refuse_a_foreign_sqlite_file_and_change_no_database(tmp_path, capsys):
    foreign = tmp_path / "foreign.db"
    conn = sqlite3.connect(foreign)
    conn.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT)")
    conn.execute("INSERT INTO notes (text) VALUES ('mine')")
    conn.commit()
    conn.close()
    before = digest(foreign)
    sources = tmp_path / "s.toml"
    sources.write_text('[[source]]\nname = "x"\nkind = "portal"\nstart_urls = ["http://127.0.0.1:9/"]\n')
    for args in (
        ["stats"],
        ["search", "科技"],
        ["show", "1"],
        ["explain", "1"],
        ["export"],
        ["export", "--format", "rss"],
        ["runs"],
        ["sources", "--sources", sources],
        ["browse", "--port", "1"],
    ):
        proc = main(capsys, *args, "--db", foreign)
        one_line_error(proc, 1, "not a usable aggregator database")
        assert digest(foreign) == before, args
        assert sorted(p.name for p in tmp_path.iterdir()) == ["foreign.db", "s.toml"], args

    # an aggregator database is read as it is
    small_db = tmp_path / "news.db"
    build(small_db)
    before = digest(small_db)
    for args in (["stats"], ["search", "科技"], ["show", "1"], ["explain", "1"], ["export"], ["runs"]):
        proc = main(capsys, *args, "--db", small_db)
        assert proc.returncode == 0, (args, proc.stderr)
        assert digest(small_db) == before, args
    assert not Path(str(small_db) + "-locks").exists()


# 11: browse answers only to its own names


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(port: int, path: str, host: str) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.putrequest("GET", path, skip_host=True)
        conn.putheader("Host", host)
        conn.endheaders()
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def test_browse_refuses_requests_for_other_host_names(small_db):
    pytest.importorskip("datasette")
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k != "AGGREGATOR_DB"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "aggregator.cli", "browse", "--db", str(small_db), "--port", str(port)]
        + ["--allow-host", "news.example.org"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    path = "/news/stories.json?_shape=array"
    try:
        deadline = time.monotonic() + 40
        while True:
            try:
                status, body = _get(port, path, f"127.0.0.1:{port}")
                break
            except OSError:
                assert proc.poll() is None, proc.stdout.read()
                assert time.monotonic() < deadline, "datasette did not start"
                time.sleep(0.3)
        assert status == 200 and len(json.loads(body)) == 6
        for host in (f"localhost:{port}", f"[::1]:{port}", "news.example.org", f"NEWS.example.org.:{port}"):
            assert _get(port, path, host)[0] == 200, host
        # a page on another site whose name was rebound to 127.0.0.1, and variations of it
        for host in (
            f"attacker.example:{port}",
            "attacker.example",
            f"localhost.attacker.example:{port}",
            "",
        ):
            status, body = _get(port, path, host)
            assert status == 403 and b"stories" not in body and b"not allowed" in body, host
    finally:
        proc.terminate()
        output = proc.communicate(timeout=20)[0]
    assert "Traceback" not in output
