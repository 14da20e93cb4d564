"""Hostile text from a crawled portal never reaches a terminal or an export raw (issue 17 items 5 and 12, issue 12
item 8): a loopback portal serves a page whose title and body carry terminal escapes, C1 controls and bidi
overrides, and a page of binary bytes labelled text/html; it is crawled with ``aggregator crawl``, then read back
with the commands a user runs."""

import csv
import http.server
import io
import json
import random
import re
import sqlite3
import subprocess
import sys
import threading

import pytest
from test_cli import ROOT, run

from aggregator.cli import main
from aggregator.store import CopyRecord, Store

# what must never reach a terminal: C0 controls but \t and \n, DEL, C1 controls, bidi controls
UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
BIDI = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")

TITLE = "\x1b]0;pwned\x07长江江豚\x01再现武汉\x1b[2J天兴洲\u202e面江\u202c"
PARAS = [
    "\x1b[31m1月4日下午，一群长江江豚出现在武汉天兴洲附近江面，时而跃出水面，时而追逐嬉戏。\x1b[0m",
    "在江滩散步的市民用手机拍下了这一画面，视频在网上引发关注。\u202e专家表示，这说明长江生态持续向好。\u2066",
    "据介绍，近年来长江十年禁渔成效初显，江豚出现的频次明显增加，\x9b2J市民观赏时请勿靠近&#x202E;打扰&#155;。",
    "渔政部门提醒，发现受伤或搁浅的江豚，请第一时间拨打热线电话，由专业人员\x85救助。\x7f",
]
ARTICLE = f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>{TITLE}_新闻中心_江城测试网</title></head>
<body><div class="nav"><a href="/">首页</a> <a href="/news/list.html">新闻</a></div>
<h1>{TITLE}</h1>
<div class="info">2024-01-05 08:30 来源：\u202e长江日报\x1b[0m 记者 \u2066张三\x9b\u2069 编辑：李四\x01</div>
<div class="content">{"".join(f"<p>{p}</p>" for p in PARAS)}</div>
<div class="footer">版权所有 江城测试网</div>
</body></html>
""".encode()
LIST = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>新闻_江城测试网</title></head><body>
<ul><li><a href="/news/2024/0105/1.html">长江江豚再现武汉</a></li>
<li><a href="/files/2024/0105/report.html">调查报告全文</a></li></ul></body></html>
""".encode()
BINARY = random.Random(17).randbytes(51_000)  # 51 KB of noise served as text/html
PAGES = {
    "/": LIST,
    "/news/list.html": LIST,
    "/news/2024/0105/1.html": ARTICLE,
    "/files/2024/0105/report.html": BINARY,
}


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = PAGES.get(self.path)
        if body is None:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def portal():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def crawled(portal, tmp_path_factory):
    db = tmp_path_factory.mktemp("hostile") / "h.db"
    proc = run("crawl", portal, "--db", str(db))
    assert proc.returncode == 0, proc.stderr
    return str(db)


@pytest.fixture(scope="module")
def old_db(tmp_path_factory):
    """A database written by a version that stored hostile text as the page gave it."""
    db = tmp_path_factory.mktemp("old") / "old.db"
    with Store(db) as store:
        store.add_copy(
            CopyRecord(
                url="http://evil.test/1.html",
                final_url="http://evil.test/1.html",
                portal="evil.test",
                fetched_at="2024-01-05T00:00:00+00:00",
                title=TITLE,
                body="\n".join(PARAS) + "\n" + "长江江豚" * 67_610,  # 270,440+ characters, as in the report
                published="2024-01-05T08:30:00+08:00",
                source="\u202e长江日报\x1b[0m",
                reporters=["\x1b[31m张三\x9b"],
                editors=["李四\x01"],
            )
        )
    return str(db)


def cli(capsys, *args) -> str:
    capsys.readouterr()
    assert main(list(args)) == 0
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return out


def story_id(db) -> int:
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT id FROM stories WHERE body LIKE '%江豚%'").fetchone()[0]


def test_a_crawl_stores_no_control_or_bidi_character(crawled):
    with sqlite3.connect(crawled) as conn:
        rows = conn.execute(
            "SELECT title, body, source, reporters, editors, site_name FROM copies"
        ).fetchall()
        (story,) = conn.execute("SELECT title, body, source, reporters FROM stories").fetchall()
    assert len(rows) == 1  # the binary page is not an article
    for value in rows[0] + story:
        assert not UNSAFE.search(value or ""), repr(value)
    title, body, source, reporters = story
    assert title == "]0;pwned长江江豚再现武汉[2J天兴洲面江"  # the escapes' printable remains are only text
    assert source == "长江日报" and json.loads(reporters) == ["张三"]
    # paragraphs are still lines
    assert body.split("\n")[0].startswith("[31m1月4日下午") and len(body.split("\n")) == 4


def test_binary_bytes_served_as_html_are_not_an_article(crawled, portal, tmp_path):
    with sqlite3.connect(crawled) as conn:
        assert conn.execute("SELECT count(*) FROM copies WHERE url LIKE '%report%'").fetchone()[0] == 0
    saved = tmp_path / "report.html"
    saved.write_bytes(BINARY)
    for source in (str(saved), portal + "files/2024/0105/report.html"):
        proc = run("extract", source, "--json")
        assert proc.returncode == 0, proc.stderr
        fields = json.loads(proc.stdout)
        assert fields["is_article"] is False
        assert "control or replacement characters" in fields["reason"]
        assert not UNSAFE.search(proc.stdout)


COMMANDS = [
    ("show", "{id}"),
    ("show", "{id}", "--json"),
    ("search", "江豚"),
    ("search", "江豚", "--json"),
    ("explain", "{id}"),
    ("explain", "{id}", "--json"),
    ("stats",),
    ("stats", "--json"),
]


@pytest.mark.parametrize("args", COMMANDS, ids=" ".join)
def test_commands_print_a_crawled_hostile_page_safely(crawled, capsys, args):
    out = cli(capsys, *[a.format(id=story_id(crawled)) for a in args], "--db", crawled)
    assert "长江日报" in out or "江豚" in out  # stats lists sources, explain titles
    assert not UNSAFE.search(out), UNSAFE.findall(out)


@pytest.mark.parametrize("args", COMMANDS, ids=" ".join)
def test_commands_print_an_old_database_safely(old_db, capsys, args):
    out = cli(capsys, *[a.format(id=story_id(old_db)) for a in args], "--db", old_db)
    assert not UNSAFE.search(out), UNSAFE.findall(out)
    if "--json" in args:
        json.loads(out)  # escaped, still JSON
        if args[0] == "show":
            # JSON keeps the data: the escapes decode to the stored text
            assert json.loads(out)["source"] == "\u202e长江日报\x1b[0m"
    elif args[0] in ("show", "search", "explain"):
        assert "\\x1b]0;pwned\\x07" in out  # what was there is shown, escaped


def test_show_writes_no_raw_escape_bytes_to_a_pipe(old_db):
    proc = subprocess.run(
        [sys.executable, "-m", "aggregator.cli", "show", str(story_id(old_db)), "--db", old_db],
        cwd=ROOT,
        capture_output=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    text = proc.stdout.decode("utf-8")
    assert not UNSAFE.search(text) and "长江江豚" in text
    assert b"\x1b" not in proc.stdout and b"\xe2\x80\xae" not in proc.stdout  # ESC, U+202E


def test_extract_of_a_saved_hostile_page_is_clean(tmp_path):
    page = tmp_path / "hostile.html"
    page.write_bytes(ARTICLE)
    for args in ((), ("--json",)):
        proc = run("extract", str(page), *args)
        assert proc.returncode == 0, proc.stderr
        assert "长江江豚" in proc.stdout and not UNSAFE.search(proc.stdout), UNSAFE.findall(proc.stdout)
    fields = json.loads(proc.stdout)
    assert fields["is_article"] is True and fields["reason"] is None
    assert fields["source"] == "长江日报" and fields["editors"] == ["李四"]


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "rss", "atom", "jsonfeed"])
def test_exports_carry_no_bidi_or_control_character(old_db, capsys, fmt):
    out = cli(capsys, "export", "--db", old_db, "--format", fmt)
    assert "长江江豚" in out
    assert not BIDI.search(out)
    if fmt == "jsonl":  # JSON escapes C0 controls as \\u00XX: look at the decoded strings
        assert not any(UNSAFE.search(s) for s in strings(json.loads(out)))
    else:
        assert not UNSAFE.search(out.replace("\r\n", "\n")), UNSAFE.findall(out)


def strings(obj):
    if isinstance(obj, str):
        yield obj
    elif isinstance(obj, dict | list):
        for v in obj.values() if isinstance(obj, dict) else obj:
            yield from strings(v)


def test_oversized_csv_cells_are_cut_with_a_warning(old_db, capsys, tmp_path):
    out = tmp_path / "s.csv"
    capsys.readouterr()
    assert main(["export", "--db", old_db, "--format", "csv", "-o", str(out)]) == 0
    err = capsys.readouterr().err
    (row,) = list(csv.DictReader(io.StringIO(out.read_text("utf-8-sig"), newline="")))
    assert len(row["body"]) <= 32_767 and row["body"].startswith("[31m1月4日下午")
    sid = story_id(old_db)
    assert f"story {sid}" in err and "body" in err and "JSONL" in err and "32,767" in err
    full = json.loads(cli(capsys, "export", "--db", old_db))
    assert len(full["body"]) > 270_000  # the JSONL export has the full text
