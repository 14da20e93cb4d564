"""Full-text search: the SQL tokeniser in the triggers, query translation, ranking, snippets, filters."""

import sqlite3

import pytest

from aggregator import search
from aggregator.filters import Filters, parse_date
from aggregator.search import SearchError
from aggregator.store import CopyRecord, Store

DAZHI = (
    "科技创新是引领高质量发展的第一动力。近年来，大冶坚持全区域、多层次推进科技创新，"
    "全市高新技术企业数量持续增长，科技成果转化率明显提高。"
)
JIANGTUN = (
    "1月4日下午，一群长江江豚出现在武汉天兴洲附近江面，时而跃出水面，时而追逐嬉戏。"
    "在江滩散步的市民用手机拍下了这一画面，视频在网上引发关注。"
)
HKUST = "香港科技大學昨日公布新的研究計劃，將在人工智能與生物醫藥領域投入二十億元，並與上海多所高校合作。"
ENGLISH = "Researchers in Wuhan released an open dataset of river dolphins. The Yangtze finless porpoise is endangered."
HOSTILE = (
    "警方提醒：近期出现仿冒网站，页面含有<script>alert(1)</script>恶意代码。\x00\x01\x08\x0b\x0c\x1f"
    "请勿点击陌生链接 & 不要输入密码。"
)
UNDATED = "上海发布新政策，支持在沪高校与企业共建联合实验室，首批二十个项目已经启动。"


def record(url, body, **kw) -> CopyRecord:
    portal = url.split("/")[2]
    defaults = dict(final_url=url, portal=portal, fetched_at="2023-01-10T08:00:00+00:00")
    defaults.update(kw)
    return CopyRecord(url=url, body=body, **defaults)


# (copy, ...) in crawl order; the ids the tests use are the order in which stories are created
COPIES = [
    record(
        "http://kjb.test/content/1.html",
        DAZHI,
        title="湖北大冶:凝聚科技创新磅礴力量",
        published="2023-01-09T08:30:00+08:00",
        source="武汉科技报",
        reporters=["郑莉莉"],
        correspondents=["陈国平"],
        editors=["王蕾"],
        is_original=True,
        source_name="kjb",
    ),
    record(
        "http://xinxi.test/a/1.html",
        DAZHI,
        title="【转载】湖北大冶:凝聚科技创新磅礴力量",
        source="武汉科技报",
        fetched_at="2023-01-10T09:00:00+00:00",
        source_name="xinxi",
    ),
    record(
        "http://cjrb.test/news/2.shtml",
        JIANGTUN,
        title="长江武汉段再现江豚群",
        published="2023-01-05T07:45:00+08:00",
        source="长江日报",
        reporters=["吴昊", "杨帆"],
        is_original=True,
        source_name="cjrb",
    ),
    record(
        "http://feedsite.test/p/3.html",
        HKUST,
        title="港科大公布新研究計劃",
        published="2023-01-07T10:00:00+08:00",
        source="明報",
        source_name="feedsite",
    ),
    record(
        "http://en.test/story/4",
        ENGLISH,
        title="Open dataset of Yangtze river dolphins released",
        published="2023-01-06T12:00:00+00:00",
        source="Wuhan Daily",
        reporters=["Li Lei"],
    ),
    record(
        "http://xinxi.test/a/5.html",
        HOSTILE,
        title="警惕<script>alert(1)</script>仿冒网站",
        published="2023-01-08T09:00:00+08:00",
        source="长江日报",
        source_name="xinxi",
    ),
    record(
        "http://mapsite.test/6.html",
        UNDATED,
        title="上海支持校企共建实验室",
        fetched_at="2023-01-11T00:00:00+00:00",
    ),
]


def build(path) -> dict[str, int]:
    """A database with the stories above; returns story ids by canonical URL path."""
    ids = {}
    with Store(path) as store:
        for c in COPIES:
            _, sid = store.add_copy(c)
            ids.setdefault(c.url, sid)
    return ids


@pytest.fixture(scope="module")
def db_path(tmp_path_factory):
    path = tmp_path_factory.mktemp("search") / "s.db"
    build(path)
    return path


@pytest.fixture
def store(db_path):
    with Store(db_path) as s:
        yield s


def titles(results):
    return [r["title"] for r in results]


def test_two_character_chinese_query_finds_every_story_containing_it(store):
    found = titles(search.search(store.db, "科技"))
    assert set(found) == {"湖北大冶:凝聚科技创新磅礴力量", "港科大公布新研究計劃"}
    # the title match ranks first
    assert found[0] == "湖北大冶:凝聚科技创新磅礴力量"


def test_longer_chinese_queries_match_as_phrases_not_as_scattered_characters(store):
    assert titles(search.search(store.db, "科技创新")) == ["湖北大冶:凝聚科技创新磅礴力量"]
    assert titles(search.search(store.db, "江豚")) == ["长江武汉段再现江豚群"]
    # 创科 never occurs, though both characters do
    assert search.search(store.db, "创科") == []


def test_simplified_query_finds_traditional_text_and_the_other_way_round(store):
    assert titles(search.search(store.db, "研究计划")) == ["港科大公布新研究計劃"]
    assert titles(search.search(store.db, "科技大学")) == ["港科大公布新研究計劃"]
    assert titles(search.search(store.db, "長江")) == ["长江武汉段再现江豚群"]


def test_single_character_query_matches_everywhere_it_occurs(store):
    assert titles(search.search(store.db, "沪")) == ["上海支持校企共建实验室"]
    assert set(titles(search.search(store.db, "豚"))) == {"长江武汉段再现江豚群"}


def test_english_words_are_case_insensitive_and_all_must_occur(store):
    assert titles(search.search(store.db, "DOLPHINS")) == ["Open dataset of Yangtze river dolphins released"]
    assert titles(search.search(store.db, "yangtze porpoise")) == [
        "Open dataset of Yangtze river dolphins released"
    ]
    assert search.search(store.db, "yangtze tiger") == []


def test_mixed_and_spaced_queries(store):
    assert set(titles(search.search(store.db, "上海 高校"))) == {
        "港科大公布新研究計劃",
        "上海支持校企共建实验室",
    }
    # full-width letters and digits are found by their ASCII form
    assert titles(search.search(store.db, "ａｌｅｒｔ")) == ["警惕<script>alert(1)</script>仿冒网站"]


@pytest.mark.parametrize(
    "query",
    [
        '"unbalanced',
        "NEAR(a b",
        "') OR 1=1 --",
        "title:科技 OR body:*",
        "-科技",
        "^科技",
        "科技*",
        "a AND",
        "(((",
        "''",
    ],
)
def test_hostile_queries_are_literal_text(store, query):
    try:
        results = search.search(store.db, query)
    except SearchError as exc:  # nothing searchable in it: a clear error, never an SQL/FTS error
        assert "nothing to search for" in str(exc)
        return
    assert isinstance(results, list)
    if query in ("-科技", "^科技", "科技*"):  # the punctuation is ignored, the words are searched
        assert results


def test_hostile_query_cannot_reach_sql(store):
    assert search.match_expression("') OR 1=1 --", search.mapping_for(store.db.conn)) == (
        '("or" OR names : "or") AND ("1=1" OR names : "1=1")'
    )
    # the MATCH expression quotes everything the user typed
    expr = search.match_expression('科技" OR "x', search.mapping_for(store.db.conn))
    assert expr == '("科技" OR names : "科技") AND ("or" OR names : "or") AND ("x" OR names : "x")'
    assert store.db.execute("SELECT count(*) FROM search_index WHERE search_index MATCH ?", [expr]).fetchone()


def test_empty_query_and_punctuation_only_are_errors(store):
    for q in ("", "   ", "*", "()", '"'):
        with pytest.raises(SearchError):
            search.search(store.db, q)


def test_snippet_comes_from_the_original_text_with_the_match_marked(store):
    (r,) = search.search(store.db, "研究计划")
    text = search.mark(r["snippet"], r["matches"])
    assert "[研究計劃]" in text  # the stored traditional characters, not the index's bigrams
    assert "昨日公布新的" in text
    (r,) = search.search(store.db, "江豚")
    assert search.mark(r["title"], r["title_matches"]) == "长江武汉段再现[江豚]群"
    assert r["copies_count"] == 1 and r["source"] == "长江日报" and r["published"].startswith("2023-01-05")


def test_results_report_copies_and_source(store):
    (r,) = search.search(store.db, "大冶")
    assert r["copies_count"] == 2 and r["source"] == "武汉科技报"
    assert r["url"] == "http://kjb.test/content/1.html"


def test_filters(store):
    s = search.search
    assert titles(s(store.db, "科技", Filters(source="明報"))) == ["港科大公布新研究計劃"]
    assert titles(s(store.db, "科技", Filters(portal="xinxi.test"))) == ["湖北大冶:凝聚科技创新磅礴力量"]
    assert titles(s(store.db, "科技", Filters(portal="kjb"))) == ["湖北大冶:凝聚科技创新磅礴力量"]
    assert titles(s(store.db, "科技", Filters(since="2023-01-08"))) == ["湖北大冶:凝聚科技创新磅礴力量"]
    assert titles(s(store.db, "科技", Filters(until="2023-01-08"))) == ["港科大公布新研究計劃"]
    # a date-only bound is the day as the story's own date shows it: 2023-01-09T08:30+08:00 is on the 9th
    assert titles(s(store.db, "科技", Filters(since="2023-01-09", until="2023-01-09"))) == [
        "湖北大冶:凝聚科技创新磅礴力量"
    ]
    # an ISO instant compares instants: 2023-01-09T08:30+08:00 is 00:30 UTC
    assert s(store.db, "科技", Filters(since="2023-01-09T01:00:00Z", until="2023-01-10")) == []
    # a story without a date is dated by when it was first seen
    assert titles(s(store.db, "上海", Filters(since="2023-01-11"))) == ["上海支持校企共建实验室"]


def test_bad_dates_are_value_errors():
    for bad in ("2023-13-01", "yesterday", "2023/01/01", ""):
        with pytest.raises(ValueError):
            parse_date(bad)
    assert parse_date("2023-01-09") == ("date", "2023-01-09")
    assert parse_date("2023-01-09T08:00:00Z")[0] == "instant"


TEXTS = [
    "科技创新是引领高质量发展的第一动力。近年来，大冶坚持全區域推進科技創新！",
    "长江江豚",
    "豚",
    "5G網絡、AI芯片和Café-bar；ＡＢＣ１２３　手机",
    "政策，支持“专精特新”企业",
]


STORY_COLUMNS = "id INTEGER PRIMARY KEY, title TEXT, body TEXT, source TEXT, reporters TEXT, correspondents TEXT, editors TEXT"


def _index(texts):
    """The index as the migrations leave it (m003, then m009's names column), filled from the rows there."""
    conn = sqlite3.connect(":memory:")
    conn.execute(f"CREATE TABLE stories ({STORY_COLUMNS})")
    conn.executemany("INSERT INTO stories (title, body) VALUES ('', ?)", [(t,) for t in texts])
    search.create_index(__import__("sqlite_utils").Database(conn))
    search.add_names(conn)
    return conn


def test_every_substring_of_chinese_text_finds_its_story():
    """The index (tokenised in SQL) and the queries (tokenised in Python) agree: any piece of the text is found."""
    conn = _index(TEXTS)
    mapping = search.charmap()
    for rowid, text in enumerate(TEXTS, 1):
        cjk_spans = [i for i, ch in enumerate(text) if search.is_cjk(ch)]
        for i in cjk_spans:
            for n in range(1, 6):
                piece = text[i : i + n]
                if not all(search.is_cjk(ch) or not ch.isalnum() for ch in piece) or not piece.strip():
                    continue  # latin letters are matched as whole words
                expr = search.match_expression(piece, mapping)
                found = [
                    r[0]
                    for r in conn.execute(
                        "SELECT rowid FROM search_index WHERE search_index MATCH ?", (expr,)
                    )
                ]
                assert rowid in found, (piece, expr)


def test_tokens_in_the_index():
    conn = _index([TEXTS[3]])
    (tokens,) = conn.execute(f"SELECT {search.sql_tokens('?1')}", (TEXTS[3],)).fetchone()
    # simplified, full-width folded; each CJK character starts one token; unicode61 splits the rest
    assert tokens.split() == [
        "5G",
        "网络",
        "络",
        "、AI",
        "芯片",
        "片和",
        "和",
        "Café-bar;ABC123",
        "手机",
        "机",
    ]
    assert conn.execute(f"SELECT {search.sql_tokens('?1')}", (None,)).fetchone() == (None,)
    mapping = search.charmap()
    for query, found in (
        ("5g网络", True),
        ("ai", True),
        ("cafe", True),
        ("abc123", True),
        ("芯片手机", False),
    ):
        expr = search.match_expression(query, mapping)
        hit = conn.execute(
            "SELECT count(*) FROM search_index WHERE search_index MATCH ?", (expr,)
        ).fetchone()[0]
        assert bool(hit) == found, query


def test_long_texts_are_tokenised_in_linear_time():
    import time

    conn = _index([])
    body = DAZHI * 400  # 26 000 characters
    start = time.perf_counter()
    conn.execute("INSERT INTO stories (title, body) VALUES (?, ?)", ("t", body))
    assert time.perf_counter() - start < 2.0
    expr = search.match_expression("转化率", search.charmap())
    assert conn.execute("SELECT rowid FROM search_index WHERE search_index MATCH ?", (expr,)).fetchall() == [
        (1,)
    ]


def test_the_index_follows_every_change_to_the_stories(tmp_path):
    with Store(tmp_path / "t.db") as store:
        _, sid = store.add_copy(record("http://a.test/1", DAZHI, title="大冶科技"))
        assert [r["id"] for r in search.search(store.db, "大冶")] == [sid]
        conn = store.db.conn
        conn.execute("UPDATE stories SET title = '新标题', body = '江豚回来了' WHERE id = ?", (sid,))
        assert search.search(store.db, "大冶") == []
        assert [r["id"] for r in search.search(store.db, "江豚")] == [sid]
        conn.execute("UPDATE stories SET last_seen = 'x' WHERE id = ?", (sid,))  # no text change
        conn.execute("PRAGMA foreign_keys = OFF")
        conn.execute("DELETE FROM stories WHERE id = ?", (sid,))
        assert search.search(store.db, "江豚") == []
        assert conn.execute("SELECT count(*) FROM search_index").fetchone()[0] == 0
        conn.execute("INSERT INTO search_index (search_index) VALUES ('integrity-check')")


def test_a_copy_moving_to_another_story_moves_its_text_in_the_index(tmp_path):
    with Store(tmp_path / "m.db") as store:
        store.add_copy(record("http://a.test/1", DAZHI, title="大冶科技"))
        _, second = store.add_copy(record("http://b.test/1", JIANGTUN, title="江豚"))
        # the same URL now carries the other story's text: it moves there, its old story disappears
        store.add_copy(
            record("http://b.test/1", DAZHI, title="大冶科技", fetched_at="2023-01-12T00:00:00+00:00")
        )
        assert search.search(store.db, "江豚") == []
        assert len(search.search(store.db, "大冶")) == 1
        store.db.conn.execute("INSERT INTO search_index (search_index) VALUES ('integrity-check')")


def test_rebuild_refills_the_index(tmp_path):
    path = tmp_path / "r.db"
    build(path)
    with Store(path) as store:
        before = [r["id"] for r in search.search(store.db, "科技")]
        search.rebuild(store.db)
        assert [r["id"] for r in search.search(store.db, "科技")] == before
        store.db.conn.execute("INSERT INTO search_index (search_index) VALUES ('integrity-check')")


def test_migration_indexes_stories_that_existed_before_it(tmp_path):
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE stories (id INTEGER PRIMARY KEY, title TEXT, body TEXT)")
    conn.execute("INSERT INTO stories (title, body) VALUES ('旧新闻', ?)", (JIANGTUN,))
    search.create_index(__import__("sqlite_utils").Database(conn))
    assert conn.execute("SELECT rowid FROM search_index WHERE search_index MATCH '\"江豚\"'").fetchall() == [
        (1,)
    ]


def test_python_tokens_equal_the_sql_tokeniser(tmp_path):
    """The triggers tokenise in Python now; the SQL form stays the reference for databases migrated before."""
    from aggregator import search
    from aggregator.store import Store

    text = "科技創新是引领高质量发展的第一动力。Hello World, ＡＢＣ 近年来，大冶。한국어 かな" * 3
    with Store(tmp_path / "t.db") as store:
        sql = store.db.execute(f"SELECT {search.sql_tokens(':t')}", {"t": text}).fetchone()[0]
        table = {ord(c): n for c, n in search._charmap_from(store.db.conn).items()}
        assert search.index_text(text, table) == sql


def test_an_older_database_migrates_and_its_names_become_searchable(tmp_path):
    """A database written before m009 (no names in the index) is upgraded by the next command that writes."""
    import sqlite_utils

    from aggregator.schema import migrations

    path = tmp_path / "old.db"
    conn = sqlite3.connect(path)
    search.register(conn)  # the index triggers of m006 call it, as every Store connection does
    old = sqlite_utils.Database(conn)
    migrations.apply(old, stop_before="m009_search_names")
    conn.execute(
        "INSERT INTO stories (id, title, body, source, reporters, correspondents, editors) "
        "VALUES (1, '大冶科技创新', ?, '武汉科技报', '[\"郑莉莉\", \"张宇驰\"]', '[\"朱勇进\"]', '[\"陳麗萍\"]')",
        (DAZHI,),
    )
    conn.commit()
    conn.close()
    with Store(path) as store:
        for query in ("郑莉莉", "張宇馳", "朱勇进", "陈丽萍", "武汉科技报", "郑莉莉 大冶"):
            assert [r["id"] for r in search.search(store.db, query)] == [1], query
        # names match whole: part of a name, or a word inside the source's name, is not a name
        for query in ("莉莉", "科技报"):
            assert search.search(store.db, query) == [], query
        store.db.conn.execute("INSERT INTO search_index (search_index) VALUES ('integrity-check')")


def test_the_index_follows_changes_to_a_storys_names(tmp_path):
    path = tmp_path / "n.db"
    build(path)
    with Store(path) as store:
        (sid,) = [r["id"] for r in search.search(store.db, "郑莉莉")]
        with store.db.conn:
            store.db.conn.execute("UPDATE stories SET reporters = '[\"何思远\"]' WHERE id = ?", (sid,))
        assert search.search(store.db, "郑莉莉") == []
        assert [r["id"] for r in search.search(store.db, "何思远")] == [sid]
        store.db.conn.execute("INSERT INTO search_index (search_index) VALUES ('integrity-check')")


def test_an_empty_story_row_stays_out_of_the_index_until_it_has_text(tmp_path):
    """A new story's row is inserted empty and filled in the same transaction: only the filled row is indexed."""
    with Store(tmp_path / "e.db") as store:
        conn = store.db.conn
        count = "SELECT count(*) FROM search_index"
        conn.execute("INSERT INTO stories (id, first_seen, last_seen) VALUES (7, 'x', 'x')")
        assert conn.execute(count).fetchone()[0] == 0
        conn.execute("UPDATE stories SET title = '江豚', body = ? WHERE id = 7", (JIANGTUN,))
        assert [r["id"] for r in search.search(store.db, "江豚")] == [7]
        conn.execute("UPDATE stories SET title = NULL, body = NULL WHERE id = 7")
        assert search.search(store.db, "江豚") == []
        assert conn.execute(count).fetchone()[0] == 0
        conn.execute("UPDATE stories SET body = ? WHERE id = 7", (DAZHI,))
        conn.execute("DELETE FROM stories WHERE id = 7")
        assert conn.execute(count).fetchone()[0] == 0
        conn.execute("INSERT INTO search_index (search_index) VALUES ('integrity-check')")


def test_empty_rows_indexed_before_m011_are_taken_out_of_the_index(tmp_path):
    import sqlite_utils

    from aggregator.schema import migrations

    path = tmp_path / "old.db"
    conn = sqlite3.connect(path)
    search.register(conn)
    migrations.apply(sqlite_utils.Database(conn), stop_before="m011_search_skips_empty_rows")
    conn.execute("INSERT INTO stories (id, title, body) VALUES (1, '大冶科技创新', ?)", (DAZHI,))
    conn.execute("INSERT INTO stories (id, first_seen, last_seen) VALUES (2, 'x', 'x')")  # indexed, empty
    conn.commit()
    assert conn.execute("SELECT count(*) FROM search_index").fetchone()[0] == 2
    conn.close()
    with Store(path) as store:
        conn = store.db.conn
        assert conn.execute("SELECT count(*) FROM search_index").fetchone()[0] == 1
        conn.execute("UPDATE stories SET body = ? WHERE id = 2", (JIANGTUN,))
        assert [r["id"] for r in search.search(store.db, "江豚")] == [2]
        assert [r["id"] for r in search.search(store.db, "大冶")] == [1]
        conn.execute("INSERT INTO search_index (search_index) VALUES ('integrity-check')")
