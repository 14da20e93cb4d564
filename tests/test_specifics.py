"""Conflicting specifics: templated daily texts are told apart, reposts are not."""

import pytest

from aggregator.dedup import prepare_text, to_simplified
from aggregator.specifics import conflicts, decisive, describe, slots

MARKET = (
    "本报讯 {d}，沪深两市三大股指集体收涨。截至收盘，上证指数报{sh}点，涨{p}%；深证成指报{sz}点。"
    "两市全天成交额合计{v}亿元。上证综合指数以上海证券交易所挂牌上市的全部股票为样本，基日为1990年12月19日，"
    "基点为100点。风险提示：本文所载数据和观点仅供参考，不构成任何投资建议，投资者据此操作风险自担。"
)
BRIDGE = (
    "本报讯 {d}，记者从江城五桥建设指挥部获悉，{news}"
    "江城五桥是我市重点交通工程，全长约7.8公里，主跨938米，设计速度每小时80公里，项目总投资约126亿元，"
    "于2021年9月开工建设，计划2024年底建成通车，建成后车程将由40分钟缩短至10分钟左右。"
)
DAY1 = MARKET.format(d="3月1日", sh="3245.18", p="0.47", sz="11596.60", v="9214")
LONG = DAY1 + "".join(
    f"{name}指数报{100 + i}点，{name}类涨幅居前。" for i, name in enumerate("金银铜铁锡煤油气电水茶米")
)


def verdict(a: str, b: str) -> bool:
    agree, found = conflicts(slots(prepare_text(a)), slots(prepare_text(b)))
    return decisive(agree, found)


@pytest.mark.parametrize(
    "other",
    [
        pytest.param(
            MARKET.format(d="3月2日", sh="3228.31", p="0.52", sz="11804.18", v="9876"), id="next day"
        ),
        pytest.param(
            MARKET.format(d="3月1日", sh="3251.02", p="0.66", sz="11620.15", v="9311"), id="same date"
        ),
    ],
)
def test_templated_reports_of_different_days_conflict(other):
    assert verdict(DAY1, other)


def test_a_follow_up_that_repeats_its_background_conflicts_on_its_date():
    day1 = BRIDGE.format(d="3月1日", news="汉阳侧引桥墩柱浇筑完成。")
    day2 = BRIDGE.format(d="3月2日", news="南岸主塔施工顺利推进。")
    assert verdict(day1, day2)
    _, found = conflicts(slots(prepare_text(day1)), slots(prepare_text(day2)))
    assert describe(found, limit=1) == "1日 vs 2日"


@pytest.mark.parametrize(
    "repost",
    [
        pytest.param(DAY1[: len(DAY1) * 2 // 3] + "……", id="truncated"),
        pytest.param(DAY1[:-12], id="truncated mid-number"),
        pytest.param(DAY1.replace("，", ",").replace("；", ";").replace("。", "."), id="half-width"),
        pytest.param(DAY1.replace("本报讯", "【楚天晨报】"), id="other dateline"),
        pytest.param(
            DAY1.replace("风险提示", "扫码关注我们，每天推送最新热点新闻。风险提示"), id="ad inserted"
        ),
        pytest.param("2023年03月02日 08:15 楚天晨报\n" + DAY1, id="dateline with a date"),
    ],
)
def test_reposts_keep_their_specifics(repost):
    assert not verdict(DAY1, repost)


def test_traditional_characters_keep_their_specifics():
    import opencc

    traditional = opencc.OpenCC("s2t").convert(DAY1)
    assert to_simplified(traditional) != traditional or traditional != DAY1
    assert not verdict(DAY1, traditional)


def test_one_corrected_figure_in_a_long_report_is_the_same_story():
    corrected = LONG.replace("煤指数报105点", "煤指数报150点")
    assert not verdict(LONG, corrected)
    assert verdict(LONG, corrected.replace("电指数报108点", "电指数报180点"))


def test_datelines_and_footers_are_not_specifics():
    from aggregator.dedup import compare, fingerprint

    body = DAY1.replace("。两市", "。\n两市").replace("。上证综合", "。\n上证综合")
    a = fingerprint("2023年03月01日 07:35 江城日报\n" + body + "\n（本文由第3号网站转载，浏览次数：1024）")
    b = fingerprint("2023年03月02日 09:10 楚天晨报\n" + body + "\n（本文由第5号网站转载，浏览次数：77）")
    assert compare(a, b).same_story
    assert not compare(
        a, fingerprint(MARKET.format(d="3月2日", sh="3228.31", p="0.52", sz="11804.18", v="9876"))
    ).same_story


def test_numbers_end_at_punctuation_so_an_inserted_paragraph_changes_none_of_them():
    from aggregator.dedup import compare, fingerprint

    text = (
        "截至2021年底，全市共有研发投入1060亿元，其中绿色发展99.8个，占比20.8%。\n"
        "3月5日上午，记者从市住建局获悉，孝感高铁项目已经完成主体施工，累计完成投资2564万元，同比增长14.3%。\n"
        "据了解，潜江已建成租赁住房2947套，带动外贸出口38.1亿元，全年目标有望提前完成。"
    )
    with_ad = text.replace("\n3月5日", "\n扫码关注我们，每天推送最新热点新闻，欢迎转发分享。\n3月5日")
    assert compare(fingerprint(text), fingerprint(with_ad)).same_story
