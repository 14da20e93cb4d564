"""Each CLI entry point, run as a user runs it: in a subprocess."""

import json
import os
import socket
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
FIELDS = {
    "id", "title", "body", "published", "source", "reporters", "correspondents", "editors",
    "url", "copies", "first_seen", "last_seen",
}  # fmt: skip


def run(*args, cwd=ROOT, env=None, timeout=300):
    env = {**{k: v for k, v in os.environ.items() if k != "AGGREGATOR_DB"}, **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "aggregator.cli", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def free_port_base(n=6) -> int:
    for base in range(20000, 60000, 97):
        socks = []
        try:
            for i in range(n):
                s = socket.socket()
                socks.append(s)
                s.bind(("127.0.0.1", base + i))
            return base
        except OSError:
            continue
        finally:
            for s in socks:
                s.close()
    raise RuntimeError("no free ports")


def assert_clean_error(proc, code, *words):
    assert proc.returncode == code, proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout
    for w in words:
        assert w in proc.stderr


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory):
    db = tmp_path_factory.mktemp("demo") / "demo.db"
    proc = run("demo", "--db", str(db), "--port-base", str(free_port_base()))
    assert proc.returncode == 0, proc.stderr
    return db, proc.stdout


def test_demo_crawls_the_portals_and_prints_a_summary(demo_db):
    db, out = demo_db
    assert "6 source(s)" in out and "stories" in out and "copies" in out
    assert "top original sources: 武汉科技报" in out or "top original sources: 长江日报" in out
    assert db.exists()


def test_export_jsonl_writes_one_story_per_line_with_the_documented_fields(demo_db, tmp_path):
    db, _ = demo_db
    out = tmp_path / "stories.jsonl"
    proc = run("export", "--db", str(db), "--format", "jsonl", "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    stories = [json.loads(line) for line in out.read_text("utf-8").splitlines()]
    assert len(stories) >= 20
    for story in stories:
        assert set(story) == FIELDS
        assert story["copies"] and {"url", "portal", "title", "published", "fetched_at", "source"} == set(
            story["copies"][0]
        )
    instants = [datetime.fromisoformat(s["published"] or s["first_seen"]) for s in stories]
    assert instants == sorted(instants, reverse=True)  # newest first


def test_export_reads_the_db_from_the_environment(demo_db):
    db, _ = demo_db
    proc = run("export", "--limit", "2", env={"AGGREGATOR_DB": str(db)})
    assert proc.returncode == 0 and len(proc.stdout.splitlines()) == 2


def test_crawl_by_source_name_from_a_sources_file(portals, tmp_path):
    sources = tmp_path / "sources.toml"
    sources.write_text(
        f'[[source]]\nname = "kjb"\nkind = "portal"\nstart_urls = ["{portals["kjb"]}"]\npublisher = "武汉科技报"\n',
        encoding="utf-8",
    )
    db = tmp_path / "kjb.db"
    proc = run("crawl", "--sources", str(sources), "--source", "kjb", "--db", str(db), "--json")
    assert proc.returncode == 0, proc.stderr
    (summary,) = json.loads(proc.stdout)
    assert summary["source"] == "kjb" and summary["new_stories"] > 0 and summary["failures"] == []


def test_bad_sources_file_names_the_line(tmp_path):
    sources = tmp_path / "sources.toml"
    sources.write_text('[[source]]\nname = "x"\nkind = "blog"\nstart_urls = ["http://127.0.0.1:1/"]\n')
    proc = run("crawl", "--all", "--sources", str(sources), "--db", str(tmp_path / "x.db"))
    assert_clean_error(proc, 2, "sources.toml:3:", "unknown kind 'blog'")


def test_unknown_source_name(tmp_path):
    proc = run("crawl", "--source", "nope", "--db", str(tmp_path / "x.db"))
    assert_clean_error(proc, 2, "no source named 'nope'")


def test_unreachable_url_exits_non_zero_with_a_clear_message(tmp_path):
    proc = run("crawl", "http://127.0.0.1:9/", "--db", str(tmp_path / "x.db"))
    assert_clean_error(proc, 1, "http://127.0.0.1:9/", "refused")


def test_corrupt_database_is_refused_and_left_alone(tmp_path):
    db = tmp_path / "bad.db"
    db.write_bytes(b"not a database" * 50)
    proc = run("export", "--db", str(db))
    assert_clean_error(proc, 1, "not a usable aggregator database")
    assert db.read_bytes() == b"not a database" * 50


def test_missing_database(tmp_path):
    assert_clean_error(run("export", "--db", str(tmp_path / "none.db")), 2, "no database at")


def test_extract_prints_fields_of_saved_pages(portals, truth, tmp_path):
    import urllib.request

    seed = next(s for s in truth["stories"] if s["id"] == "daye-innovation")
    path = next(c["path"] for c in seed["copies"] if c["portal"] == "xinxi")
    page = tmp_path / "seed.html"
    page.write_bytes(urllib.request.urlopen(portals["xinxi"] + path[1:]).read())
    proc = run("extract", str(page), "--json")
    assert proc.returncode == 0, proc.stderr
    fields = json.loads(proc.stdout)
    assert fields["input"] == str(page)
    assert fields["source"] == "武汉科技报" and fields["reporters"] == ["郑莉莉", "张宇驰", "任文"]
    assert "相关阅读" not in fields["body"]
    missing = run("extract", str(tmp_path / "none.html"))
    assert_clean_error(missing, 1, "cannot read")


@pytest.mark.parametrize("command", ["demo", "crawl", "export", "extract"])
def test_every_command_has_help(command):
    proc = run(command, "--help")
    assert proc.returncode == 0 and "usage: aggregator " + command in proc.stdout
    if command != "extract":
        assert "--db PATH" in proc.stdout


def test_scrapy_crawl_works_from_the_project_root(portals, tmp_path):
    db = tmp_path / "scrapy.db"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "scrapy",
            "crawl",
            "news",
            "-a",
            f"url={portals['cjrb']}",
            "-s",
            "LOG_LEVEL=WARNING",
        ],
        cwd=ROOT,
        env={**os.environ, "AGGREGATOR_DB": str(db)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    from aggregator.store import Store

    with Store(db) as store:
        assert store.counts()["copies"] > 0


@pytest.mark.parametrize(
    "args",
    [
        ("export", "--limit", "99999999999999999999"),
        ("export", "--limit", "-1"),
        ("explain", "99999999999999999999"),
        ("crawl", "--depth", "-1", "http://127.0.0.1:9/"),
    ],
)
def test_out_of_range_numbers_are_usage_errors(demo_db, args):
    db, _ = demo_db
    proc = run(*args, "--db", str(db))
    assert proc.returncode == 2 and "Traceback" not in proc.stderr and "error:" in proc.stderr


def test_demo_with_a_port_taken_names_it_and_the_option(tmp_path):
    base = free_port_base()
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", base + 2))
        taken.listen()
        proc = run("demo", "--db", str(tmp_path / "d.db"), "--port-base", str(base))
    assert_clean_error(proc, 2, f"127.0.0.1:{base + 2}", "xinxi", "--port-base", "in use")
    assert len(proc.stderr.splitlines()) == 1 and proc.stdout == ""


def test_a_misspelt_table_is_reported_at_its_line(tmp_path):
    sources = tmp_path / "sources.toml"
    sources.write_text(
        '# my portals\n\n[[sources]]\nname = "x"\nkind = "portal"\nstart_urls = ["http://a/"]\n'
    )
    proc = run("crawl", "--all", "--sources", str(sources), "--db", str(tmp_path / "x.db"))
    assert_clean_error(proc, 2, "sources.toml:3:", "unknown top-level key 'sources'", "[[source]]")


@pytest.mark.parametrize("under", ["x.db", "sub/x.db"])
def test_a_database_path_through_a_file_names_the_file(tmp_path, under):
    blocker = tmp_path / "passwd"
    blocker.write_text("root:x:0:0\n")
    db = f"{blocker}/{under}"
    for args in (("crawl", "http://127.0.0.1:9/"), ("demo", "--port-base", str(free_port_base()))):
        proc = run(*args, "--db", db)
        assert_clean_error(proc, 1, f"cannot create the database {db}: {blocker} is not a directory")
        assert len(proc.stderr.splitlines()) == 1 and "File exists" not in proc.stderr and proc.stdout == ""
    assert blocker.read_text() == "root:x:0:0\n"


@pytest.mark.parametrize(
    "args, prog",
    [
        (("crawl", "--depth", "x"), "aggregator crawl"),
        (("crawl", "--bogus", "http://127.0.0.1:9/"), "aggregator crawl"),
        (("show",), "aggregator show"),
        (("search", "科技", "--limit"), "aggregator search"),
        (("bogus",), "aggregator"),
    ],
)
def test_usage_errors_are_one_line(args, prog):
    proc = run(*args)
    assert_clean_error(proc, 2, f"{prog}: error: ", f"'{prog} --help'")
    assert len(proc.stderr.splitlines()) == 1 and "usage:" not in proc.stderr
