"""search, show, stats and export on a crawl of the demo portals: each entry point run as a user runs it (in a
subprocess: exit status, no traceback), the details through ``main()`` in this process (a subprocess costs a
second or two of imports)."""

import csv
import io
import json

import feedparser
import jsonfeed
import pytest
from test_cli import assert_clean_error, run
from test_search import build

from aggregator.cli import main
from aggregator.demo.sources import sources_toml


@pytest.fixture(scope="module")
def demo_db(portals, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("query")
    sources = tmp / "sources.toml"
    sources.write_text(sources_toml(portals), "utf-8")
    db = tmp / "demo.db"
    proc = run("crawl", "--all", "--sources", str(sources), "--db", str(db))
    assert proc.returncode == 0, proc.stderr
    return str(db)


@pytest.fixture(scope="module")
def unit_db(tmp_path_factory):
    path = tmp_path_factory.mktemp("query-unit") / "u.db"
    build(path)
    return str(path)


def ok(*args):
    proc = run(*args)
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout
    return proc


class Result:
    def __init__(self, returncode, stdout, stderr):
        self.returncode, self.stdout, self.stderr = returncode, stdout, stderr


@pytest.fixture
def cli(capsys):
    """``aggregator ARGS`` in this process: (status, stdout, stderr)."""

    def call(*args, status=0):
        capsys.readouterr()
        try:
            code = main(list(args))
        except SystemExit as exc:  # argparse
            code = exc.code
        out, err = capsys.readouterr()
        assert code == status, err
        assert "Traceback" not in out + err
        return Result(code, out, err)

    return call


def test_search_two_chinese_characters_on_the_demo_crawl(demo_db, cli):
    out = cli("search", "科技", "--db", demo_db).stdout
    assert "[科技]" in out  # not a tty: matches in brackets
    results = json.loads(cli("search", "科技", "--db", demo_db, "--json", "--limit", "50").stdout)
    assert len(results) >= 5
    for r in results:
        assert {"id", "title", "published", "source", "copies_count", "url", "snippet", "matches"} <= set(r)
        assert "科技" in r["title"] + r["snippet"]
    assert any(r["copies_count"] > 1 for r in results)
    scores = [r["score"] for r in results]
    assert scores == sorted(scores, reverse=True)
    assert len(json.loads(cli("search", "科技", "--db", demo_db, "--json", "--limit", "2").stdout)) == 2
    assert json.loads(cli("search", "Yangtze", "--db", demo_db, "--json").stdout) == []


def test_search_traditional_copies_and_filters(demo_db, cli):
    # feedsite reposts in traditional characters; a simplified query finds its copies' stories
    feedsite = json.loads(cli("search", "科技", "--db", demo_db, "--json", "--portal", "feedsite").stdout)
    assert feedsite
    by_source = json.loads(cli("search", "科技", "--db", demo_db, "--json", "--source", "武汉科技报").stdout)
    assert by_source and {r["source"] for r in by_source} == {"武汉科技报"}
    dated = json.loads(
        cli(
            "search", "科技", "--db", demo_db, "--json", "--since", "2023-01-10", "--until", "2023-01-12"
        ).stdout
    )
    assert dated and all("2023-01-10" <= r["published"][:10] <= "2023-01-12" for r in dated)


def test_hostile_query_in_a_subprocess(demo_db):
    proc = ok("search", "\"unbalanced NEAR(a b ') OR 1=1 -- * ^x title:y", "--db", demo_db)
    assert "no stories match" in proc.stderr


@pytest.mark.parametrize("query", ["NEAR(a b", "科技*", "title:科技", "x -y ^z", "'; DROP TABLE stories; --"])
def test_hostile_queries_are_literal_text(demo_db, cli, query):
    cli("search", query, "--db", demo_db)
    assert json.loads(cli("stats", "--db", demo_db, "--json").stdout)["stories"] == 24


def test_bad_input_in_a_subprocess(demo_db):
    assert_clean_error(
        run("search", "科技", "--since", "2023-02-30", "--db", demo_db), 2, "--since", "not a date"
    )


@pytest.mark.parametrize(
    "args, words",
    [
        (("search", ""), ["empty query"]),
        (("search", "*"), ["nothing to search for"]),
        (("search", "科技", "--since", "2023-02-30"), ["--since", "not a date"]),
        (("search", "科技", "--until", "tomorrow"), ["--until", "not a date"]),
        (("export", "--format", "rss", "--since", "soon"), ["--since"]),
        (("export", "--format", "csv", "--query", "()"), ["--query", "nothing to search for"]),
        (("export", "--limit", "-1"), ["--limit"]),
        (("stats", "--top", "0"), ["--top"]),
        (("browse", "--port", "70000"), ["--port"]),
    ],
)
def test_bad_input_is_a_usage_error(demo_db, cli, args, words):
    err = cli(*args, "--db", demo_db, status=2).stderr
    assert all(w in err for w in words), err


def test_commands_refuse_a_missing_database(tmp_path, cli):
    for args in (("search", "科技"), ("show", "1"), ("stats",), ("export", "--format", "atom"), ("browse",)):
        assert "no database" in cli(*args, "--db", str(tmp_path / "none.db"), status=2).stderr
    assert not (tmp_path / "none.db").exists()


def test_show_prints_a_story_with_all_of_its_copies(demo_db, cli):
    most = json.loads(cli("stats", "--db", demo_db, "--json").stdout)["most_reposted"][0]
    story = json.loads(cli("show", str(most["id"]), "--db", demo_db, "--json").stdout)
    assert story["id"] == most["id"] and len(story["copies"]) == most["copies"] >= 3
    for c in story["copies"]:
        assert {"portal", "url", "title", "published", "fetched_at", "source", "is_original"} <= set(c)
    assert story["copies"][0]["is_canonical"] and story["copies"][0]["url"] == story["url"]
    assert sum(c["is_original"] for c in story["copies"]) >= 1
    assert isinstance(story["reporters"], list) and story["body"]
    text = cli("show", str(most["id"]), "--db", demo_db).stdout
    assert story["title"] in text and all(c["url"] in text for c in story["copies"]) and "original" in text


def test_show_unknown_id_is_a_clean_error(demo_db, cli):
    assert_clean_error(run("show", "999999", "--db", demo_db), 1, "no story with id 999999")
    cli("show", "abc", "--db", demo_db, status=2)


def test_stats_counts_sources_portals_days_and_reposts(demo_db, cli):
    data = json.loads(cli("stats", "--db", demo_db, "--json").stdout)
    assert data["stories"] == 24 and data["portals"] == 6
    assert {r["source"] for r in data["by_source"]} >= {"武汉科技报", "长江日报"}
    assert sum(r["stories"] for r in data["by_source"]) == 24
    assert sum(r["copies"] for r in data["by_portal"]) == data["copies"]
    assert sum(r["stories"] for r in data["by_day"]) <= 24 and data["by_day"][0]["day"].startswith("2023-")
    assert data["most_reposted"][0]["copies"] >= data["most_reposted"][-1]["copies"] > 1
    reposters = [r["portal"] for r in data["top_reposting_portals"]]
    kjb = next(r["portal"] for r in data["by_portal"] if r["originals"] == r["copies"])
    assert kjb not in reposters  # a newspaper's own site holds originals only
    text = ok("stats", "--db", demo_db).stdout
    assert "most reposted stories" in text and "武汉科技报" in text


def test_export_feeds_from_the_demo_crawl(demo_db, cli, tmp_path):
    out = tmp_path / "feed.rss"
    proc = cli("export", "--db", demo_db, "--format", "rss", "-o", str(out), "--title", "新闻", "--link",
               "http://127.0.0.1/")  # fmt: skip
    assert "wrote 24 stories" in proc.stderr
    parsed = feedparser.parse(out.read_text("utf-8"))
    assert not parsed.bozo and parsed.feed.title == "新闻" and len(parsed.entries) == 24
    guids = {"rss": [e.id for e in parsed.entries]}
    for fmt in ("atom", "jsonfeed"):
        text = cli("export", "--db", demo_db, "--format", fmt).stdout
        if fmt == "jsonfeed":
            guids[fmt] = [i.id for i in jsonfeed.Feed.parse_string(text).items]
        else:
            parsed = feedparser.parse(text)
            assert not parsed.bozo
            guids[fmt] = [e.id for e in parsed.entries]
    again = feedparser.parse(cli("export", "--db", demo_db, "--format", "rss").stdout)
    assert [e.id for e in again.entries] == guids["rss"] == guids["atom"] == guids["jsonfeed"]
    assert len(set(guids["rss"])) == 24
    assert (
        len(
            feedparser.parse(
                cli("export", "--db", demo_db, "--format", "atom", "--limit", "5").stdout
            ).entries
        )
        == 5
    )


def test_export_csv_with_a_bom(demo_db, cli, tmp_path):
    out = tmp_path / "s.csv"
    cli("export", "--db", demo_db, "--format", "csv", "-o", str(out))
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    assert len(rows) == 24 and all(int(r["copies_count"]) >= 1 and r["url"] for r in rows)
    stdout_csv = ok("export", "--db", demo_db, "--format", "csv", "--limit", "2")
    assert stdout_csv.stdout.startswith("\ufeffid,") and len(stdout_csv.stdout.splitlines()) >= 3


def test_export_filters(demo_db, cli):
    def stories(*args):
        out = cli("export", "--db", demo_db, "--format", "jsonl", *args).stdout
        return [json.loads(line) for line in out.splitlines()]

    everything = stories()
    assert len(everything) == 24
    assert {s["source"] for s in stories("--source", "长江日报")} == {"长江日报"}
    feedsite = stories("--portal", "feedsite")
    assert feedsite and len(feedsite) < 24
    assert all("科技" in s["title"] + s["body"] for s in stories("--query", "科技"))
    assert all(s["published"][:10] >= "2023-01-12" for s in stories("--since", "2023-01-12"))
    assert len(stories("--limit", "3")) == 3
    # the filtered path writes the same records as the plain one
    assert stories("--since", "2000-01-01") == everything


def test_export_of_hostile_text_gives_valid_feeds(unit_db, cli):
    for fmt in ("rss", "atom"):
        text = cli("export", "--db", unit_db, "--format", fmt).stdout
        parsed = feedparser.parse(text)
        assert not parsed.bozo, parsed.get("bozo_exception")
        assert "&lt;script&gt;" in text and "\x00" not in text


def test_commands_on_an_empty_database(tmp_path, cli):
    from aggregator.store import Store

    db = tmp_path / "empty.db"
    Store(db).close()
    for fmt in ("rss", "atom", "jsonfeed", "csv", "jsonl"):
        out = cli("export", "--db", str(db), "--format", fmt).stdout
        if fmt in ("rss", "atom"):
            parsed = feedparser.parse(out)
            assert not parsed.bozo and parsed.entries == []
        elif fmt == "jsonfeed":
            assert jsonfeed.Feed.parse_string(out).items == []
    assert cli("stats", "--db", str(db)).stdout.startswith("0 stories")
    assert "no stories match" in cli("search", "科技", "--db", str(db)).stderr


def test_search_limit_0_means_all_as_export_limit_0_does(demo_db, cli):
    def found(*limit):
        return [r["id"] for r in json.loads(cli("search", "的", "--json", "--db", demo_db, *limit).stdout)]

    everything = found("--limit", "0")
    assert len(found()) == 20 < len(everything) == 24  # the default stays 20
    assert everything == found("--limit", "1000")
    exported = ok("export", "--limit", "0", "--query", "的", "--db", demo_db).stdout.splitlines()
    assert len(exported) == len(everything)


def test_reporters_and_sources_are_searchable(demo_db, truth, cli):
    def found(query):
        return {
            r["id"]
            for r in json.loads(cli("search", query, "--json", "--limit", "0", "--db", demo_db).stdout)
        }

    def story(sid):
        return json.loads(cli("show", str(sid), "--json", "--db", demo_db).stdout)

    # 郑莉莉 writes for 武汉科技报: her name is in bylines, never in a title or a body
    by_her = found("郑莉莉")
    expected = sum("郑莉莉" in s["reporters"] for s in truth["stories"])
    assert len(by_her) == expected >= 3
    for sid in by_her:
        s = story(sid)
        assert "郑莉莉" in s["reporters"] and "郑莉莉" not in s["title"] + s["body"]
    assert by_her <= found("郑莉莉 武汉科技报")  # a name and the source, in one query
    # the original source, in either script; a correspondent and an editor too
    for source, query in (("武汉科技报", "武汉科技报"), ("长江日报", "長江日報")):
        assert len(found(query)) == sum(s["source"] == source for s in truth["stories"])
    assert found("朱勇进") and found("陈丽萍")
    text = ok("search", "郑莉莉", "--db", demo_db).stdout
    assert text.count("\n#") + text.startswith("#") == expected


def test_stats_and_show_name_portals_as_the_sources_file_does(demo_db, truth, cli):
    text = cli("stats", "--db", demo_db).stdout
    portals = text.split("copies by portal:\n")[1].split("\n\n")[0].splitlines()
    reposters = text.split("portals that repost the most:\n")[1].splitlines()
    assert sorted(line.split()[1] for line in portals) == sorted(truth["portals"])
    assert {line.split()[1] for line in reposters} <= set(truth["portals"]) and "127.0.0.1" not in text
    data = json.loads(cli("stats", "--json", "--db", demo_db).stdout)
    assert {r["name"] for r in data["by_portal"]} == set(truth["portals"])
    assert all(r["portal"].startswith("127.0.0.1:") for r in data["by_portal"])  # the JSON keeps both
    most = data["most_reposted"][0]
    copies = [
        line
        for line in cli("show", str(most["id"]), "--db", demo_db).stdout.splitlines()
        if line.startswith("  - ")
    ]
    assert len(copies) == most["copies"]
    assert all(line.split()[1] in truth["portals"] and " http://127.0.0.1:" in line for line in copies)
