"""Templated daily texts are different stories; their reposts are not (issue: hard negatives).

Through the store a crawl writes with, and through `aggregator explain` / `aggregator rebuild` as a user runs them.
"""

import dataclasses
import json
import subprocess
import sys
from pathlib import Path

import opencc

from aggregator.dedup import fingerprint
from aggregator.store import CopyRecord, Store

ROOT = Path(__file__).parent.parent
MARKET = (
    "本报讯 3月{d}日，沪深两市三大股指{how}。截至收盘，上证指数报{sh}点，涨{p}%；深证成指报{sz}点，涨{q}%；"
    "创业板指报{cy}点。两市全天成交额合计{v}亿元，较上一交易日增加{dv}亿元；北向资金全天净买入{n}亿元。\n"
    "上证综合指数以上海证券交易所挂牌上市的全部股票为样本，以发行量为权数，以加权平均法计算，基日为1990年12月19日，"
    "基点为100点。深证成份指数从深圳证券交易所挂牌上市的股票中选取规模大、流动性好的500只股票作为样本，"
    "综合反映深圳市场的运行特征。创业板指数选取创业板中市值大、流动性好的100只股票作为样本。\n"
    "风险提示：本文所载数据和观点仅供参考，不构成任何投资建议，投资者据此操作，风险自担。股市有风险，投资需谨慎。"
)
OTHER = "江城五桥主塔封顶仪式今日在汉阳举行，建设者们在寒风中坚守一线，确保工程按期完工。" * 6


def market(day: int) -> str:
    r = day * 37
    return MARKET.format(
        d=day,
        how="集体收涨" if day % 2 else "涨跌不一",
        sh=f"32{r % 90 + 10}.{r % 97:02d}",
        p=f"0.{r % 89 + 10}",
        sz=f"11{r % 900 + 100}.{r % 83:02d}",
        q=f"1.{r % 79 + 10}",
        cy=f"23{r % 90 + 10}.{r % 71:02d}",
        v=9000 + r % 900,
        dv=100 + r % 800,
        n=f"{r % 90 + 10}.{r % 61:02d}",
    )


def record(url: str, body: str, day: int = 1, **kw) -> CopyRecord:
    return CopyRecord(
        url=url,
        final_url=url,
        portal=url.split("/")[2],
        body=body,
        fetched_at=f"2023-03-{day:02d}T10:00:00+00:00",
        title=f"3月{day}日沪深股市收盘",
        source="江城日报",
        **kw,
    )


def reposts(day: int) -> list[CopyRecord]:
    body = market(day)
    return [
        record(f"http://jcrb.test/{day}.html", body, day, is_original=True),
        record(
            f"http://fensi.test/{day}.html", body.replace("，", ",").replace("；", ";"), day
        ),  # half-width
        record(f"http://zixun.test/{day}.html", body[: len(body) * 2 // 3] + "……", day),  # truncated
        record(f"http://gangao.test/{day}.html", opencc.OpenCC("s2t").convert(body), day),  # traditional
        record(  # an ad, another dateline, reposted two days later
            f"http://kuaibao.test/{day}.html",
            body.replace("本报讯", "【江城日报】").replace(
                "风险提示", "扫码关注我们，获取更多本地资讯。\n风险提示"
            ),
            day + 2,
        ),
    ]


def story_sets(store: Store) -> list[set[str]]:
    rows = store.db.execute("SELECT story_id, url FROM copies").fetchall()
    out: dict[int, set[str]] = {}
    for story, url in rows:
        out.setdefault(story, set()).add(url.split("/")[-1])
    return sorted(out.values(), key=sorted)


def test_each_day_of_a_templated_report_is_its_own_story_with_all_its_reposts(tmp_path):
    with Store(tmp_path / "a.db") as store:
        for day in range(1, 8):
            for c in reposts(day):
                store.add_copy(c)
        assert story_sets(store) == [{f"{day}.html"} for day in range(1, 8)]
        counts = [s["copies"] for s in store.iter_stories()]
    assert all(len(c) == 5 for c in counts)


def test_a_chain_of_similar_days_does_not_pull_stories_together(tmp_path):
    """Day 2 arrives last: it is similar to both day 1 and day 3, and must join neither."""
    with Store(tmp_path / "a.db") as store:
        for day in (1, 3, 2):
            store.add_copy(record(f"http://jcrb.test/{day}.html", market(day), day))
        assert len(story_sets(store)) == 3
        (match,) = store.db.execute("SELECT match FROM copies WHERE url LIKE '%/2.html'").fetchone()
    match = json.loads(match)
    assert match["how"].startswith("first copy of its story: the similar copies hold different specifics")
    assert len(match["kept_apart"]) == 2
    assert "specifics differ: 2日 vs" in match["kept_apart"][0]["how"]


def cli(*args):
    return subprocess.run(
        [sys.executable, "-m", "aggregator.cli", *args], cwd=ROOT, capture_output=True, text=True, timeout=120
    )


def test_explain_says_why_a_similar_copy_was_kept_apart(tmp_path):
    db = tmp_path / "a.db"
    with Store(db) as store:
        store.add_copy(record("http://jcrb.test/1.html", market(1), 1))
        _, story = store.add_copy(record("http://jcrb.test/2.html", market(2), 2))
    proc = cli("explain", str(story), "--db", str(db))
    assert proc.returncode == 0, proc.stderr
    assert "kept apart from copy 1 (story 1): jaccard" in proc.stdout
    assert "specifics differ: 2日 vs 1日" in proc.stdout
    data = json.loads(cli("explain", str(story), "--db", str(db), "--json").stdout)
    (kept,) = data["copies"][0]["match"]["kept_apart"]
    assert kept["story"] == 1 and kept["copy"] == 1


def test_rebuild_splits_the_days_an_older_version_merged_and_keeps_the_other_ids(tmp_path):
    db = tmp_path / "old.db"
    with Store(db) as store:
        _, other = store.add_copy(record("http://jcrb.test/other.html", OTHER))
        for day in (1, 2, 3):
            for c in reposts(day)[:2]:
                # as an older version stored them: signatures without the numbers' slots
                fp = dataclasses.replace(fingerprint(c.body), slots=None)
                store.add_copy(dataclasses.replace(c, fingerprint=fp))
        assert len(story_sets(store)) == 2  # the three days in one story: what the issue saw
        merged = store.db.execute("SELECT story_id FROM copies WHERE url LIKE '%/1.html'").fetchone()[0]
    proc = cli("rebuild", "--db", str(db))
    assert proc.returncode == 0, proc.stderr
    with Store(db, readonly=True) as store:
        assert story_sets(store) == [{"1.html"}, {"2.html"}, {"3.html"}, {"other.html"}]
        ids = dict(store.db.execute("SELECT url, story_id FROM copies").fetchall())
        titles = {s["id"]: s["title"] for s in store.iter_stories()}
    assert ids["http://jcrb.test/other.html"] == other  # an unchanged story keeps its id (its feed item id)
    assert ids["http://jcrb.test/1.html"] == merged  # the first day keeps the merged story's id
    assert titles[ids["http://jcrb.test/2.html"]] == "3月2日沪深股市收盘"


def test_copies_of_one_day_in_reverse_order_make_one_story(tmp_path):
    with Store(tmp_path / "a.db") as store:
        for c in reversed(reposts(5)):
            store.add_copy(c)
        assert story_sets(store) == [{"5.html"}]
