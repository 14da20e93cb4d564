"""``aggregator browse``: Datasette on 127.0.0.1, read-only, with described tables and canned queries."""

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from test_search import build

from aggregator import browse
from aggregator.store import Store

ROOT = Path(__file__).parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get_json(url: str):
    with urllib.request.urlopen(url, timeout=10) as r:
        return json.loads(r.read().decode("utf-8"))


def test_metadata_describes_the_tables_and_holds_the_canned_queries(tmp_path):
    path = tmp_path / "news.db"
    build(path)
    meta = browse.metadata(path)
    db_meta = meta["databases"]["news"]
    with Store(path) as store:
        for table, columns in ((t, browse.TABLES[t]["columns"]) for t in ("stories", "copies")):
            actual = set(store.db[table].columns_dict)
            assert set(columns) <= actual, f"{table}: described columns that do not exist"
        assert set(store.db["stories"].columns_dict) <= set(browse.TABLES["stories"]["columns"])
        for name, query in db_meta["queries"].items():
            if (
                ":q" in query["sql"]
            ):  # the search runs on the plugin's search_match(), tested in test_newsroom
                continue
            rows = store.db.execute(query["sql"]).fetchall()  # every canned query runs
            assert rows, name
    assert {"most_reposted", "stories_by_source", "latest"} <= set(db_meta["queries"])
    assert db_meta["tables"]["search_index"] == {"hidden": True}
    for internal in ("lsh", "signatures", "page_state", "story_ids", "story_state"):
        assert db_meta["tables"][internal] == {"hidden": True}, internal
    assert meta["plugins"]["aggregator-newsroom"] == {"database": "news"}
    args = browse.datasette_args(path, 8123, "m.json")
    assert args[:5] == ["serve", "--host", "127.0.0.1", "--port", "8123"] and "-i" not in args
    assert browse.datasette_args(path, 8123, "m.json", immutable=True)[-2:] == ["-i", str(path)]


def test_a_clear_error_when_datasette_is_not_installed(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "datasette.cli", None)  # import fails
    with pytest.raises(browse.BrowseError, match=r"pip install -e '\.\[browse\]'"):
        browse.serve(tmp_path / "x.db", free_port())


def test_browse_serves_the_database_read_only_over_http(tmp_path):
    pytest.importorskip("datasette")
    path = tmp_path / "news.db"
    build(path)
    port = free_port()
    env = {**os.environ}
    env.pop("AGGREGATOR_DB", None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "aggregator.cli", "browse", "--db", str(path), "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 40
        while True:
            try:
                stories = get_json(f"{base}/news/stories.json?_shape=array")
                break
            except (urllib.error.URLError, ConnectionError):
                assert proc.poll() is None, proc.stdout.read()
                assert time.monotonic() < deadline, "datasette did not start"
                time.sleep(0.3)
        assert len(stories) == 6 and {"id", "title", "source", "copies_count"} <= set(stories[0])
        top = get_json(f"{base}/news/most_reposted.json?_shape=array")
        assert top[0]["title"] == "湖北大冶:凝聚科技创新磅礴力量" and top[0]["copies_count"] == 2
        assert get_json(f"{base}/news/latest.json?_shape=array")[0]["title"] == "上海支持校企共建实验室"
        sources = get_json(f"{base}/news/stories_by_source.json?_shape=array")
        assert {"source": "长江日报", "stories": 2, "copies": 2} in sources
        meta = get_json(f"{base}/-/metadata.json")
        assert "copies_count" in meta["databases"]["news"]["tables"]["stories"]["columns"]
        # read-only: writing SQL is refused
        req = urllib.request.Request(
            f"{base}/news.json?sql=" + urllib.parse.quote("DELETE FROM stories") + "&_shape=array"
        )
        with pytest.raises(urllib.error.HTTPError):
            urllib.request.urlopen(req, timeout=10)
        with Store(path) as store:
            assert store.db.execute("SELECT count(*) FROM stories").fetchone()[0] == 6
    finally:
        proc.terminate()
        output = proc.communicate(timeout=20)[0]
    assert "Traceback" not in output
    assert f"http://127.0.0.1:{port}/" in output


def test_browse_refuses_a_port_in_use(tmp_path, capsys):
    from aggregator.cli import main

    path = tmp_path / "news.db"
    Store(path).close()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        assert main(["browse", "--db", str(path), "--port", str(port)]) == 2
    assert "in use" in capsys.readouterr().err
