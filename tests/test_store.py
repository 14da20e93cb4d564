import dataclasses
import multiprocessing
import sqlite3

import pytest

from aggregator.dedup import body_hash
from aggregator.store import NEW_COPY, NEW_STORY, UNCHANGED, UPDATED, CopyRecord, Store, StoreError

BODY = "科技创新是引领高质量发展的第一动力。近年来，大冶坚持全区域、多层次推进科技创新。"


def copy(url="http://portal.test/a/1.html", body=BODY, **kw) -> CopyRecord:
    defaults = dict(
        final_url=url,
        portal=url.split("/")[2],
        body_hash=body_hash(body),
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

    monkeypatch.setattr(store, "_refresh_story", boom)
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
