import dataclasses
import json
import multiprocessing
import sqlite3
import threading
import time

import pytest

from aggregator import checkpoint
from aggregator.dedup import SIGNATURE_VERSION
from aggregator.store import NEW_COPY, NEW_STORY, UNCHANGED, UPDATED, CopyRecord, Store, StoreError

BODY = "科技创新是引领高质量发展的第一动力。近年来，大冶坚持全区域、多层次推进科技创新。"


def copy(url="http://portal.test/a/1.html", body=BODY, **kw) -> CopyRecord:
    defaults = dict(
        final_url=url,
        portal=url.split("/")[2],
        fetched_at="2023-01-10T08:00:00+00:00",
        title="湖北大冶:凝聚科技创新磅礴力量",
        source="武汉科技报",
        reporters=["郑莉莉"],
    )
    defaults.update(kw)
    return CopyRecord(url=url, body=body, **defaults)


@pytest.fixture
def store(tmp_path):
    with Store(tmp_path / "a.db") as s:
        yield s


def test_recrawling_the_same_page_changes_nothing(store):
    assert store.add_copy(copy())[0] == NEW_STORY
    before = list(store.iter_stories())
    assert store.add_copy(copy(fetched_at="2023-01-11T08:00:00+00:00"))[0] == UNCHANGED
    after = list(store.iter_stories())
    assert store.counts() == {"stories": 1, "copies": 1, "portals": 1}
    assert [{**s, "last_seen": None} for s in before] == [{**s, "last_seen": None} for s in after]
    assert after[0]["last_seen"] == "2023-01-11T08:00:00+00:00"


def test_same_body_on_another_portal_is_a_copy_and_the_original_is_canonical(store):
    store.add_copy(copy())
    outcome, story_id = store.add_copy(
        copy("http://kjb.test/content/1.html", body=BODY.replace("，", ","), is_original=True, reporters=[])
    )
    assert outcome == NEW_COPY
    (story,) = store.iter_stories()
    assert story["id"] == story_id
    assert story["url"] == "http://kjb.test/content/1.html"
    assert {c["portal"] for c in story["copies"]} == {"portal.test", "kjb.test"}
    assert story["reporters"] == ["郑莉莉"]  # the fuller byline wins even when the canonical copy lacks it


def test_a_changed_page_moves_its_copy_and_keeps_stories_consistent(store):
    store.add_copy(copy())
    store.add_copy(copy("http://other.test/x.html"))
    outcome, new_story = store.add_copy(
        copy("http://other.test/x.html", body="完全不同的另一篇文章正文。" * 5)
    )
    assert outcome == UPDATED
    stories = list(store.iter_stories())
    assert len(stories) == 2
    assert sorted(len(s["copies"]) for s in stories) == [1, 1]
    assert any(s["id"] == new_story and "完全不同" in s["body"] for s in stories)


def test_earliest_credible_date_wins_and_future_dates_are_ignored(store):
    store.add_copy(copy(published="2023-01-09T08:30:00+08:00"))
    store.add_copy(copy("http://b.test/1.html", published="2023-01-08T10:00:00+08:00"))
    store.add_copy(copy("http://c.test/1.html", published="2031-01-01T00:00:00+08:00"))
    (story,) = store.iter_stories()
    assert story["published"] == "2023-01-08T10:00:00+08:00"


def test_majority_source_claim_wins(store):
    store.add_copy(copy(source="武汉科技报"))
    store.add_copy(copy("http://b.test/1.html", source="武汉科技报"))
    store.add_copy(copy("http://c.test/1.html", source="网络"))
    (story,) = store.iter_stories()
    assert story["source"] == "武汉科技报"


def test_a_failed_write_leaves_the_database_as_it_was(store, monkeypatch):
    store.add_copy(copy())

    def boom(*a, **kw):
        raise RuntimeError("crash in the middle of a write")

    monkeypatch.setattr("aggregator.storygroups.settle_story", boom)
    with pytest.raises(RuntimeError):
        store.add_copy(copy("http://b.test/2.html", body="另一篇文章。" * 10))
    monkeypatch.undo()
    assert store.counts() == {"stories": 1, "copies": 1, "portals": 1}
    assert store.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_not_a_database_is_a_clear_error(tmp_path):
    path = tmp_path / "junk.db"
    path.write_text("this is not sqlite" * 100)
    with pytest.raises(StoreError, match="not a usable aggregator database"):
        Store(path)


def test_database_from_a_newer_aggregator_is_refused(tmp_path):
    path = tmp_path / "new.db"
    Store(path).close()
    conn = sqlite3.connect(path)
    conn.execute(
        "INSERT INTO _sqlite_migrations (migration_set, name, applied_at) VALUES ('aggregator', 'm999_future', 'x')"
    )
    conn.commit()
    conn.close()
    with pytest.raises(StoreError, match="upgrade"):
        Store(path)


def _writer(path, n, offset):
    with Store(path) as s:
        for i in range(n):
            # both processes store the same bodies under different URLs: each body must be one story
            s.add_copy(copy(f"http://p{offset}.test/{i}.html", body=f"第{i}篇文章的正文内容。" * 10))


def test_two_writer_processes_share_one_store(tmp_path):
    path = tmp_path / "shared.db"
    Store(path).close()
    procs = [multiprocessing.get_context("spawn").Process(target=_writer, args=(path, 30, k)) for k in (1, 2)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    with Store(path) as s:
        assert s.counts() == {"stories": 30, "copies": 60, "portals": 2}
        assert all(len(st["copies"]) == 2 for st in s.iter_stories())


def test_copy_record_fields_round_trip(store):
    c = copy(correspondents=["朱勇进", "冯星星"], editors=["陈丽萍"], published="2023-01-09T00:00:00+08:00")
    store.add_copy(c)
    (story,) = store.iter_stories()
    assert story["correspondents"] == ["朱勇进", "冯星星"] and story["editors"] == ["陈丽萍"]
    assert story["copies"] == [
        {
            "url": c.url,
            "portal": "portal.test",
            "title": c.title,
            "published": c.published,
            "fetched_at": c.fetched_at,
            "source": "武汉科技报",
        }
    ]
    assert dataclasses.asdict(c)["body"] == story["body"]


ARTICLE = (
    "聚力创新体系建设，构建全区域创新布局。立足武汉都市圈核心区优势，抢抓光谷科创大走廊建设机遇，不断优化县域创新布局。"
    "一是加强联动创新。充分发挥“一把手”抓创新的机制作用，联动部门单位，共同推进科技创新。"
    "以大冶湖国家高新区为科创主阵地，集聚科技企业，推动产业技术创新。二是链接武汉资源。"
    "依托武汉科创策源地功能，支持企业在武汉建立“飞地”研发机构。推动普罗格智芯科技等6家企业入驻黄石（武汉）离岸科创园，"
    "实现“研发在武汉，生产在大冶”。三是狠抓镇域创新。量身定制科技创新行动乡镇工作考核办法，推动灵乡等8个乡镇开展市级创新型乡镇建设，"
    "形成“一镇一特色、一镇一品牌”的全域创新格局。聚力培育创新主体，夯实主力军创新支撑。壮大和引育各类科技创新主体，"
    "不断夯实科技创新主力军支撑力。一是壮大高新技术企业。实施高新技术企业倍增工程，高效培育高新技术企业。"
    "2022年全市高企数量达到243家，同比增长23.4%。"
)
OTHER_REPORT = (
    "1月7日下午，湖北省科技厅召开2023年全省科技工作会议。会议总结了过去一年全省科技工作，部署了新一年重点任务。"
    "会上，多个市县科技部门负责人作交流发言，介绍了本地推进科技创新的做法和成效。省科技厅负责人表示，"
    "今年将继续加大研发投入，加快建设科技强省，推动更多科技成果在湖北转化落地，为高质量发展提供有力支撑。"
    "与会代表还围绕创新平台建设、科技人才引育、科技金融服务等议题进行了讨论。"
)


def test_reposts_that_change_the_text_still_join_the_story(store):
    import opencc

    _, story = store.add_copy(copy("http://kjb.test/1.html", body=ARTICLE))
    variants = {
        "truncated": ARTICLE[: int(len(ARTICLE) * 0.45)] + "……阅读全文",
        "ads": ARTICLE[:200]
        + "扫码关注我们的公众号，获取更多本地资讯。"
        + ARTICLE[200:]
        + "免责声明：本文转自网络，如有侵权请联系删除。",
        "traditional": opencc.OpenCC("s2t").convert(ARTICLE),
        "re-punctuated": ARTICLE.replace("，", ", ").replace("。", ". ").replace("“", '"').replace("”", '"'),
    }
    for n, (name, body) in enumerate(variants.items()):
        outcome, joined = store.add_copy(copy(f"http://p{n}.test/{name}.html", body=body))
        assert (outcome, joined) == (NEW_COPY, story), name
    (s,) = store.iter_stories()
    assert len(s["copies"]) == 5 and s["body"] == ARTICLE  # the typical copy, not the padded or cut one


def test_a_different_report_of_the_same_event_stays_apart(store):
    store.add_copy(copy("http://kjb.test/1.html", body=ARTICLE))
    outcome, _ = store.add_copy(copy("http://cjrb.test/1.html", body=OTHER_REPORT))
    assert outcome == NEW_STORY
    assert store.counts()["stories"] == 2


def test_a_copy_that_bridges_two_stories_joins_them(store):
    head, tail = ARTICLE[: len(ARTICLE) // 2], ARTICLE[len(ARTICLE) // 2 :]
    store.add_copy(copy("http://a.test/head.html", body=head))
    store.add_copy(copy("http://b.test/tail.html", body=tail))
    assert store.counts()["stories"] == 2
    outcome, story = store.add_copy(copy("http://kjb.test/full.html", body=ARTICLE))
    assert outcome == NEW_COPY
    assert store.counts() == {"stories": 1, "copies": 3, "portals": 3}
    match = json.loads(
        store.db.execute("SELECT match FROM copies WHERE url = 'http://kjb.test/full.html'").fetchone()[0]
    )
    assert len(match["joined_stories"]) == 2 and "containment 1.00" in match["how"]


def test_rebuild_regroups_like_a_fresh_crawl_and_keeps_story_ids(store):
    store.add_copy(copy("http://kjb.test/1.html", body=ARTICLE))
    store.add_copy(copy("http://p.test/1.html", body=ARTICLE[:300]))
    store.add_copy(copy("http://cjrb.test/1.html", body=OTHER_REPORT))
    before = {s["id"]: sorted(c["url"] for c in s["copies"]) for s in store.iter_stories()}
    store.db.execute("UPDATE signatures SET version = 0")
    store.db.execute("DELETE FROM lsh")  # a stale index: rebuild must not rely on it
    assert store.rebuild() == {"copies": 3, "stories_before": 2, "stories_after": 2}
    after = {s["id"]: sorted(c["url"] for c in s["copies"]) for s in store.iter_stories()}
    assert after == before
    assert {r[0] for r in store.db.execute("SELECT DISTINCT version FROM signatures")} == {SIGNATURE_VERSION}


def test_a_deleted_storys_id_is_never_given_to_another_story(store):
    store.add_copy(copy("http://a.test/1.html", body=ARTICLE))
    _, second = store.add_copy(copy("http://b.test/1.html", body=OTHER_REPORT))
    # the page of the newest story changes to the text of the first one: its story disappears
    store.add_copy(copy("http://b.test/1.html", body=ARTICLE))
    assert store.counts()["stories"] == 1
    _, third = store.add_copy(
        copy("http://c.test/1.html", body="又一篇完全不同的报道，讲的是另一件事情。" * 8)
    )
    assert third > second


def test_canonical_copy_is_complete_and_simplified_even_when_outvoted(store):
    import opencc

    trad = opencc.OpenCC("s2t").convert(ARTICLE)
    store.add_copy(copy("http://hk.test/1.html", body=trad, source="楚天晨報", reporters=["白強"]))
    for name, share in (("a", 0.59), ("b", 0.54)):
        cut = ARTICLE[: int(len(ARTICLE) * share)]
        store.add_copy(copy(f"http://{name}.test/1.html", body=cut, source="楚天晨报", reporters=[]))
    store.add_copy(copy("http://c.test/1.html", body=ARTICLE, source="楚天晨报", reporters=[]))
    (story,) = store.iter_stories()
    assert story["url"] == "http://c.test/1.html" and story["body"] == ARTICLE
    # the only byline is on the traditional copy: its names are printed in the story's script
    assert story["source"] == "楚天晨报" and story["reporters"] == ["白强"]


def test_a_changed_page_that_is_its_storys_only_copy_keeps_the_story_id(store):
    _, story = store.add_copy(copy("http://a.test/1.html", body=ARTICLE))
    outcome, again = store.add_copy(copy("http://a.test/1.html", body=OTHER_REPORT))
    assert (outcome, again) == (UPDATED, story)
    (s,) = store.iter_stories()
    assert s["id"] == story and s["body"] == OTHER_REPORT


def test_a_corrected_title_or_byline_is_an_update_even_when_the_text_normalises_the_same(store):
    _, story = store.add_copy(copy("http://a.test/1.html", body=ARTICLE, title="旧标题", reporters=[]))
    outcome, again = store.add_copy(
        copy(
            "http://a.test/1.html",
            body=ARTICLE.replace("，", ","),
            title="更正后的标题",
            reporters=["郑莉莉"],
        )
    )
    assert (outcome, again) == (UPDATED, story)
    (s,) = store.iter_stories()
    assert s["title"] == "更正后的标题" and s["reporters"] == ["郑莉莉"] and "," in s["body"]


def _wire_copies() -> list[CopyRecord]:
    """Thirty reposts of one article: footers, truncations, traditional characters, ads, claims, dates, bylines."""
    import opencc

    trad = opencc.OpenCC("s2t").convert(ARTICLE)
    out = []
    for i in range(30):
        body = {
            0: ARTICLE[: int(len(ARTICLE) * 0.6)] + "……阅读全文",
            1: trad,
            2: ARTICLE[:200] + "扫码关注我们的公众号，获取更多本地资讯。" + ARTICLE[200:],
        }.get(i % 5, ARTICLE + f"\n（本文由第{i}号网站转载，编辑：王{i}）")
        out.append(
            copy(
                f"http://p{(i * 7) % 30}.test/{i}.html",
                body=body,
                source=["武汉科技报", "武汉科技報", "网络"][i % 3],
                reporters=[["郑莉莉"], [], ["郑莉莉", "朱勇进"]][i % 3],
                published=[None, "2023-01-09T00:00:00+08:00", "2023-01-09T10:30:00+08:00"][i % 3],
                site_name="武汉科技报" if i == 17 else f"第{i}资讯网",
                fetched_at=f"2023-01-10T08:{i:02d}:00+00:00",
            )
        )
    return out


def test_the_same_copies_stored_in_another_order_give_the_same_story(tmp_path):
    fields = ("title", "body", "url", "source", "published", "reporters", "correspondents", "editors")
    results = []
    for name, order in (("forward", 1), ("backward", -1)):
        with Store(tmp_path / f"{name}.db") as s:
            for c in _wire_copies()[::order]:
                s.add_copy(c)
            (story,) = s.iter_stories()
            results.append({**{f: story[f] for f in fields}, "copies": len(story["copies"])})
    assert results[0] == results[1]
    assert results[0]["copies"] == 30 and results[0]["url"] == "http://p29.test/17.html"  # the original


def test_a_database_from_before_the_story_aggregates_is_migrated(tmp_path):
    path = tmp_path / "old.db"
    with Store(path) as s:
        for c in _wire_copies()[:12]:
            s.add_copy(c)
        s.add_copy(copy("http://cjrb.test/1.html", body=OTHER_REPORT))
        before = list(s.iter_stories())
    conn = sqlite3.connect(path)
    # the schema as version 6 left it: no aggregates, every copy in the LSH index
    conn.executescript(
        "DROP TABLE story_slots; DROP TABLE story_state; ALTER TABLE copies DROP COLUMN traditional;"
        "DELETE FROM _sqlite_migrations WHERE name = 'm007_story_aggregates';"
    )
    conn.commit()
    conn.close()
    with Store(path) as s:
        assert list(s.iter_stories()) == before
        assert s.db.execute("SELECT count(DISTINCT story_id) FROM story_state").fetchone()[0] == 2
        article = next(st["id"] for st in before if st["body"] != OTHER_REPORT)
        assert s.add_copy(copy("http://late.test/1.html", body=ARTICLE + "\n（晚到的转载）")) == (
            NEW_COPY,
            article,
        )


def _checkpoint_threads():
    return [t for t in threading.enumerate() if t.name == "aggregator-wal-checkpoint"]


def test_background_checkpoint_moves_the_log_into_the_database_off_the_writing_thread(tmp_path, monkeypatch):
    monkeypatch.setattr(checkpoint, "INTERVAL", 0.05)
    path = tmp_path / "a.db"
    a = Store(path, background_checkpoint=True)
    b = Store(path, background_checkpoint=True)  # a second writer of the same file shares the thread
    assert len(_checkpoint_threads()) == 1
    assert a.db.conn.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == 0
    size = path.stat().st_size
    for i in range(40):
        a.add_copy(copy(f"http://p.test/{i}.html", body=f"第{i}篇文章的正文内容，写进日志。" * 20))
    # the commits only appended to the log; the thread copies it into the database file
    deadline = time.monotonic() + 10
    while path.stat().st_size <= size and time.monotonic() < deadline:
        time.sleep(0.05)
    assert path.stat().st_size > size
    a.close()
    assert len(_checkpoint_threads()) == 1  # b still writes
    b.close()
    assert _checkpoint_threads() == []
    with Store(path, readonly=True) as s:
        assert s.counts()["copies"] == 40
