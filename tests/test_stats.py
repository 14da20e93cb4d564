"""The read-only views behind ``aggregator stats`` and ``aggregator show`` (aggregator/stats.py), over a database
the store wrote: three stories, one of them reposted twice, on three portals."""

import pytest

from aggregator.stats import stats, story_detail
from aggregator.store import CopyRecord, Store

DAYE = "科技创新是引领高质量发展的第一动力。近年来，大冶坚持全区域、多层次推进科技创新，探索出了一条资源城市转型发展的创新之路。"
METRO = "1月9日上午，随着盾构机破土而出，武汉地铁12号线江南段最后一段区间隧道顺利贯通，工程建设进入轨道铺设和设备安装阶段。"
PORT = (
    "记者1月8日从武汉新港管委会获悉，2022年武汉阳逻港集装箱吞吐量突破240万标箱，同比增长约12%，创历史新高。"
)


def copy(url: str, body: str, fetched_at: str, **kw) -> CopyRecord:
    return CopyRecord(
        url=url, final_url=url, portal=url.split("/")[2], body=body, fetched_at=fetched_at, **kw
    )


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    path = tmp_path_factory.mktemp("stats") / "s.db"
    with Store(path) as store:
        # reposts first: the original, fetched last, still becomes the canonical copy
        store.add_copy(
            copy("http://xinxi.test/a/1.html", DAYE, "2023-01-10T08:00:00+08:00", source="武汉科技报")
        )
        store.add_copy(
            copy(
                "http://gbk.test/n/2.htm",
                DAYE.replace("，", ","),
                "2023-01-10T09:00:00+08:00",
                source="武汉科技报",
                reporters=["郑莉莉"],
            )
        )
        store.add_copy(
            copy(
                "http://kjb.test/c/3.html",
                DAYE,
                "2023-01-11T08:00:00+08:00",
                title="湖北大冶:凝聚科技创新磅礴力量",
                source="武汉科技报",
                published="2023-01-09T08:30:00+08:00",
                reporters=["郑莉莉", "张宇驰"],
                editors=["陈丽萍"],
                is_original=True,
            )
        )
        store.add_copy(
            copy(
                "http://gbk.test/n/4.htm",
                METRO,
                "2023-01-10T10:00:00+08:00",
                source="长江日报",
                published="2023-01-10T07:40:00+08:00",
            )
        )
        store.add_copy(copy("http://xinxi.test/a/5.html", PORT, "2023-01-12T08:00:00+08:00"))
        yield store.db, {s["title"] or s["body"][:4]: s["id"] for s in store.iter_stories()}


def test_counts_by_source_portal_and_day(db):
    database, _ = db
    got = stats(database)
    assert (got["stories"], got["copies"], got["portals"]) == (3, 5, 3)
    assert got["by_source"] == [
        {"source": "武汉科技报", "stories": 1, "copies": 3},
        {"source": "长江日报", "stories": 1, "copies": 1},
        {"source": None, "stories": 1, "copies": 1},  # no source claimed: listed last
    ]
    assert got["by_portal"] == [
        {"portal": "gbk.test", "copies": 2, "stories": 2, "originals": 0, "reposts": 2},
        {"portal": "xinxi.test", "copies": 2, "stories": 2, "originals": 0, "reposts": 2},
        {"portal": "kjb.test", "copies": 1, "stories": 1, "originals": 1, "reposts": 0},
    ]
    # a story's day is its own date; one without a date counts on the day it was first seen
    assert got["by_day"] == [
        {"day": "2023-01-12", "stories": 1},
        {"day": "2023-01-10", "stories": 1},
        {"day": "2023-01-09", "stories": 1},
    ]


def test_most_reposted_stories_and_the_portals_that_repost(db):
    database, ids = db
    got = stats(database)
    (daye,) = got["most_reposted"]  # a story seen once is not a repost
    assert daye == {
        "id": ids["湖北大冶:凝聚科技创新磅礴力量"],
        "title": "湖北大冶:凝聚科技创新磅礴力量",
        "source": "武汉科技报",
        "copies": 3,
        "portals": 3,
    }
    assert got["top_reposting_portals"] == [
        {"portal": "gbk.test", "reposts": 2, "stories": 2},
        {"portal": "xinxi.test", "reposts": 2, "stories": 2},
    ]


def test_top_and_days_bound_the_lists(db):
    database, _ = db
    got = stats(database, top=1, days=2)
    assert [d["day"] for d in got["by_day"]] == ["2023-01-12", "2023-01-10"]
    assert [p["portal"] for p in got["top_reposting_portals"]] == ["gbk.test"]


def test_a_story_shows_its_canonical_copy_first_then_originals_then_by_fetch_time(db):
    database, ids = db
    story = story_detail(database, ids["湖北大冶:凝聚科技创新磅礴力量"])
    assert story["url"] == "http://kjb.test/c/3.html" and story["source"] == "武汉科技报"
    assert story["reporters"] == ["郑莉莉", "张宇驰"] and story["editors"] == [
        "陈丽萍"
    ]  # lists, not JSON text
    assert [c["url"] for c in story["copies"]] == [
        "http://kjb.test/c/3.html",
        "http://xinxi.test/a/1.html",
        "http://gbk.test/n/2.htm",
    ]
    first, *others = story["copies"]
    assert first["is_canonical"] is True and first["is_original"] is True
    assert [(c["is_canonical"], c["is_original"]) for c in others] == [(False, False), (False, False)]
    assert others[1]["reporters"] == ["郑莉莉"] and others[0]["reporters"] == []
    assert first["body_len"] == len(DAYE)


def test_a_story_that_does_not_exist_is_none(db):
    database, _ = db
    assert story_detail(database, 999) is None


def test_an_empty_database_has_zero_counts_and_empty_lists(tmp_path):
    with Store(tmp_path / "e.db") as store:
        got = stats(store.db)
    assert (got["stories"], got["copies"], got["portals"]) == (0, 0, 0)
    assert all(got[key] == [] for key in got if isinstance(got[key], list))
