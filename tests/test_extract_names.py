"""Person names in bylines (aggregator/extract/names.py): what a label vouches for, and the surname list."""

import pytest

from aggregator.extract.attribution import parse_attribution
from aggregator.extract.names import is_likely_name, split_names

# --- names after a colon label need no listed surname


@pytest.mark.parametrize(
    ("line", "role", "names"),
    [
        ("记者:金娟强 傅航洋 魏欣", "reporters", ["金娟强", "傅航洋", "魏欣"]),
        ("記者：張鑫 鍾桂 趙凱", "reporters", ["張鑫", "鍾桂", "趙凱"]),
        ("記者：喬敏 蘇秀 鍾遠勇", "reporters", ["喬敏", "蘇秀", "鍾遠勇"]),
        ("记者：卞玉 邝婷、冼静，覃力", "reporters", ["卞玉", "邝婷", "冼静", "覃力"]),
        ("记者：来多多 有容 本报 报道", "reporters", ["来多多", "有容"]),
        ("通讯员：亓一凡 摄影", "correspondents", ["亓一凡"]),
        ("責任編輯：範冰 於敏 餘蘭娜", "editors", ["範冰", "於敏", "餘蘭娜"]),
        ("编辑：欧阳娜娜 综合 整理", "editors", ["欧阳娜娜"]),
        ("责任编辑：小何 返回搜狐，查看更多", "editors", ["小何"]),
    ],
)
def test_colon_label_vouches_for_every_name(line, role, names):
    attr = parse_attribution(None, ["正文。", line])
    assert getattr(attr, role) == names
    assert attr.paragraphs == ["正文。"]


@pytest.mark.parametrize(
    ("token", "likely"),
    [
        ("傅航洋", True),
        ("鍾桂", True),
        ("鐘桂", True),
        ("範冰", True),
        ("于敏", True),
        ("於敏", True),
        ("余兰娜", True),
        ("餘蘭娜", True),
        ("欧阳修", True),
        ("司马光", True),
        ("歐陽修", True),
        ("诸葛亮", True),
        ("水平", False),
        ("有关", False),
        ("返回", False),
    ],
)
def test_surname_list(token, likely):
    assert is_likely_name(token) is likely


def test_unlabelled_names_still_need_a_surname():
    # no label: a name line under the headline, a closing "（A B）"
    assert parse_attribution(None, ["傅航洋 魏欣", "正文。"]).reporters == ["傅航洋", "魏欣"]
    assert parse_attribution(None, ["有关 部门", "正文。"]).reporters == []
    # a label without a colon vouches for the first name only: "记者 王芳 今天 来到" is a sentence
    assert split_names(" 王芳 李强") == ["王芳", "李强"]
    assert split_names(" 王芳 来到 现场") == ["王芳"]
