"""Start-up and speed-related behaviour of extraction: what loading the config costs, and that the cheaper forms of
the extractor's tables and parser give the same answers as the originals."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HEAVY = (
    "aggregator.extract.attribution",
    "aggregator.extract.names",
    "aggregator.extract.dates",
    "parsel",
    "opencc",
)


def _modules_after(code: str) -> set[str]:
    """The modules a fresh interpreter has loaded after running code (PYTHONPATH: this checkout)."""
    script = f"{code}\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))"
    out = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        check=True,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
    )
    return set(json.loads(out.stdout.splitlines()[-1]))


def test_loading_the_config_does_not_load_the_extractor():
    loaded = _modules_after("import aggregator.config")
    assert not loaded & set(HEAVY)
    assert "lxml.html" not in loaded


def test_selectors_are_still_checked_when_the_config_loads(tmp_path):
    from aggregator.config import is_xpath, selector_error
    from aggregator.extract import Selectors

    assert is_xpath("//div[@id='m']") and not is_xpath("div.c")
    assert selector_error("div.c") is None
    assert selector_error("div[") is not None
    assert (
        selector_error("//p/text()", elements=True)
        == "selects text or attribute values; it must select elements"
    )
    assert Selectors(body="div.c").body == "div.c"


def test_written_out_surname_forms_are_what_opencc_gives():
    import pytest

    opencc = pytest.importorskip("opencc")
    from aggregator.extract import names
    from aggregator.extract import vocabulary_names as v

    singles = set(v.SINGLE_SURNAMES) | set(v.TRADITIONAL_SURNAMES)
    compounds = set(v.COMPOUND_SURNAMES)
    for config in ("s2t", "s2hk", "s2tw"):
        cc = opencc.OpenCC(config)
        singles |= set(cc.convert(" ".join(v.SINGLE_SURNAMES)).split())
        singles |= {w[0] for w in cc.convert(" ".join(c + "伟" for c in v.SINGLE_SURNAMES)).split()}
        compounds |= set(cc.convert(" ".join(v.COMPOUND_SURNAMES)).split())
    assert {c for c in singles if len(c) == 1} - set(v.WORDLIKE_SURNAMES) == names.SURNAMES
    assert tuple(sorted(compounds)) == names._COMPOUND


def test_label_words_match_as_with_one_lookahead_per_word():
    """The label alternation is compiled with one lookahead per group of words; it must find what the form with a
    lookahead after every word finds."""
    import re

    from aggregator.extract import attribution as a

    per_word = "|".join(
        w + a._SHORT if len(w) == 1 else w + a._NOT_LONGER for w in sorted(a._ROLE_OF, key=len, reverse=True)
    )
    lines = [
        "来源：新华社 记者：王芳 李强 编辑：陈丽萍",
        "本报记者 张三 通讯员 李四 ",
        "文/张三 图：李四",
        "文 章 图片 作者单位：武汉大学",
        "编辑部：027-1234 责任编辑：王五",
        "日期: 来源:武汉科技报收集编辑:武汉科技报",
        "（记者 胡晓蓉）",
        "记者从市金融部门获悉，今年以来……",
        "稿件来源：长江日报 发布时间：2023-01-09 浏览次数：12",
    ]
    for new in (a._LABEL, a._LINE_START, a._SOURCE_CUT, a._EMPTY_LABEL, a._SPACED):
        old = re.compile(new.pattern.replace(a._LABEL_ALT, per_word))
        for line in lines:
            for i in range(len(line)):
                m, n = old.match(line, i), new.match(line, i)
                assert (m and (m.span(), m.groups())) == (n and (n.span(), n.groups())), (
                    new.pattern[:30],
                    line,
                    i,
                )
            assert [m.span() for m in old.finditer(line)] == [m.span() for m in new.finditer(line)]


PAGE = """<html><body><div id="top">首页 &gt; 科技 <span>当前位置</span></div>
<table><tr><td id="main"><h1>标题</h1>日期：2023-01-09 来源：武汉科技报<br>
<p>第一段<b>加粗</b>文字。<a href="/x">链接</a>尾巴</p><!-- note -->注释之后<font id="f">字体<i>斜</i></font>
<div><p>记者：王芳</p>编辑：李强</div></td></tr></table>
<noscript><div id="hidden"><p>不显示的文字</p></div></noscript>
<div id="after">相关阅读</div></body></html>"""


def test_lines_of_a_node_read_off_the_page_are_the_nodes_own():
    from aggregator.extract.dom import parse_html
    from aggregator.extract.metadata import _page_lines, node_lines

    tree = parse_html(PAGE)
    for el in tree.iter():
        if isinstance(el.tag, str) and el.tag not in ("html", "head"):
            assert node_lines(tree, el) == _page_lines(el)[0], el.get("id") or el.tag
    main = tree.get_element_by_id("main")
    assert [t for t, _ in node_lines(tree, main)][:3] == [
        "标题",
        "日期：2023-01-09 来源：武汉科技报",
        "第一段 加粗 文字。 链接 尾巴",
    ]
    assert [t for t, _ in node_lines(tree, tree.get_element_by_id("hidden"))] == ["不显示的文字"]
