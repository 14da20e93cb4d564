"""The attribution of an article (aggregator/extract/attribution.py): its original source (来源), its reporters,
correspondents and editors, and the lines above and below the text that carry them."""

import pytest
from extract_pages import FETCHED, LONG, SEED_ATTRIBUTION, SEED_BODY, SEED_HTML, article, tree_of

from aggregator.extract import extract
from aggregator.extract.attribution import parse_attribution
from aggregator.extract.dates import extract_published


def test_seed_fields_and_body_cleanup():
    tree = tree_of(SEED_HTML)
    main = tree.xpath('//*[@id="content"]')[0]
    attr = parse_attribution(tree, SEED_BODY + SEED_ATTRIBUTION, main_node=main)
    assert attr.source == "武汉科技报"
    assert attr.reporters == ["郑莉莉", "张宇驰", "任文"]
    assert attr.correspondents == ["朱勇进", "冯星星"]
    assert attr.editors == ["陈丽萍"]
    assert attr.paragraphs == SEED_BODY
    # the body mentions only "1月7日" and the teasers' dates belong to other articles
    assert extract_published(tree, main_node=main, fetched_at=FETCHED) is None


def test_seed_mangled_info_line_alone():
    attr = parse_attribution(None, ["日期: 来源:武汉科技报收集编辑:武汉科技报", "正文。"])
    assert attr.source == "武汉科技报"
    assert attr.editors == []  # "武汉科技报" is not a person
    assert attr.paragraphs == ["正文。"]


# --- source


@pytest.mark.parametrize(
    ("line", "source"),
    [
        ("来源：新华社", "新华社"),
        ("来源:人民网", "人民网"),
        ("稿件来源：长江日报", "长江日报"),
        ("文章来源：澎湃新闻 作者：李楠", "澎湃新闻"),
        ("转载自人民日报", "人民日报"),
        ("本文来源于：中国青年报", "中国青年报"),
        ("來源：中央社", "中央社"),
        ("来源:武汉科技报收集编辑:武汉科技报", "武汉科技报"),
        ("来源：文汇报 点击：123", "文汇报"),
        ("来源：新华网 2023-01-09", "新华网"),
    ],
)
def test_source_lines(line, source):
    attr = parse_attribution(None, ["正文第一段。", line])
    assert attr.source == source
    assert attr.paragraphs == ["正文第一段。"]


def test_linked_source_in_info_line():
    html = article(info='来源：<a href="http://www.xinhuanet.com">新华社</a> 时间：2023-01-09')
    tree = tree_of(html)
    main = tree.xpath('//*[@id="content"]')[0]
    assert parse_attribution(tree, ["正文第一段，内容充实。"], main_node=main).source == "新华社"


def test_source_url_is_not_a_name():
    assert parse_attribution(None, ["正文。", "来源：http://www.example.com/a.html"]).source is None


def test_ordinary_sentence_is_not_a_source():
    attr = parse_attribution(None, ["来自全国各地的专家齐聚一堂，共商发展大计。"])
    assert attr.source is None
    assert len(attr.paragraphs) == 1


@pytest.mark.parametrize(
    ("info", "source"),
    [
        ("http://news.sina.com.cn 2005年03月31日03:18 北京娱乐信报", "北京娱乐信报"),
        ("2022-02-13 09:57 光明网", "光明网"),
        ("2022-02-13 09:57 分享到", None),
    ],
)
def test_unlabelled_outlet_after_the_time(info, source):
    tree = tree_of(article(info=info))
    attr = parse_attribution(tree, ["正文第一段，内容充实。"], main_node=tree.xpath('//*[@id="content"]')[0])
    assert attr.source == source


@pytest.mark.parametrize("line", ["来源：网络", "来源：网络图片", "来源：本站原创", "来源：佚名"])
def test_unknown_origin_is_no_source(line):
    attr = parse_attribution(None, ["正文。", line])
    assert attr.source is None
    assert attr.paragraphs == ["正文。"]


# --- bylines


@pytest.mark.parametrize(
    ("paras", "rep", "cor", "edi", "left"),
    [
        (["记者：郑莉莉 张宇驰 任文", "正文。"], ["郑莉莉", "张宇驰", "任文"], [], [], ["正文。"]),
        (["记者 王芳", "正文。"], ["王芳"], [], [], ["正文。"]),
        (["本报记者 刘国栋 周炜", "正文。"], ["刘国栋", "周炜"], [], [], ["正文。"]),
        (["实习记者 李明", "正文。"], ["李明"], [], [], ["正文。"]),
        (["记者：王芳、李强和张伟", "正文。"], ["王芳", "李强", "张伟"], [], [], ["正文。"]),
        (["记者：王芳，李强", "正文。"], ["王芳", "李强"], [], [], ["正文。"]),
        (["通讯员：朱勇进　冯星星", "正文。"], [], ["朱勇进", "冯星星"], [], ["正文。"]),
        (["正文。", "编辑：陈丽萍"], [], [], ["陈丽萍"], ["正文。"]),
        (["正文。", "责任编辑：陈丽萍"], [], [], ["陈丽萍"], ["正文。"]),
        (["正文。（责任编辑：陈丽萍）"], [], [], ["陈丽萍"], ["正文。"]),
        (["正文。", "(编辑 陈丽萍)"], [], [], ["陈丽萍"], ["正文。"]),
        (["文/王小明", "正文。"], ["王小明"], [], [], ["正文。"]),
        (["作者：赵培", "正文。"], ["赵培"], [], [], ["正文。"]),
        (["記者：王大明", "正文。", "編輯：陳小華"], ["王大明"], [], ["陳小華"], ["正文。"]),
        (
            ["本报讯（记者 王芳 通讯员 李强）今年以来，我市经济稳步增长。"],
            ["王芳"],
            ["李强"],
            [],
            ["今年以来，我市经济稳步增长。"],
        ),
        (
            ["长江日报记者王芳 通讯员李强 1月12日，武汉市召开会议。"],
            ["王芳"],
            ["李强"],
            [],
            ["1月12日，武汉市召开会议。"],
        ),
    ],
)
def test_byline_forms(paras, rep, cor, edi, left):
    attr = parse_attribution(None, paras)
    assert (attr.reporters, attr.correspondents, attr.editors) == (rep, cor, edi)
    assert attr.paragraphs == left


def test_sentence_mentioning_reporter_stays():
    paras = ["1月8日，记者从市金融部门获悉，全年新增上市企业3家。", "记者了解到，这是第一次。"]
    attr = parse_attribution(None, paras)
    assert attr.paragraphs == paras
    assert attr.reporters == []


@pytest.mark.parametrize(
    ("paras", "rep", "left"),
    [
        (
            ["正文第一段。", "最后一段，推动云南工业高质量发展。（记者 胡晓蓉）"],
            ["胡晓蓉"],
            ["正文第一段。", "最后一段，推动云南工业高质量发展。"],
        ),
        (
            ["正文第一段。", "过一个平安的新春佳节。（常书香 马丹阳 ）"],
            ["常书香", "马丹阳"],
            ["正文第一段。", "过一个平安的新春佳节。"],
        ),
        (
            ["正文第一段。", "所有的改革都是利益再分配。（姚峰 上海报道）"],
            ["姚峰"],
            ["正文第一段。", "所有的改革都是利益再分配。"],
        ),
        (["正文。（完）"], [], ["正文。（完）"]),
        (["新京报记者 彭冲 山东冠县报道", "正文。"], ["彭冲"], ["正文。"]),
        (["□ 本报记者 葛灵丹", "正文。"], ["葛灵丹"], ["正文。"]),
        (["作者: 赵 培", "正文。"], ["赵培"], ["正文。"]),
        (["执笔人：闵乐夫 赵兰波 刘韬", "正文。"], ["闵乐夫", "赵兰波", "刘韬"], ["正文。"]),
        (["【新春走基层】光明日报记者 王建宏 张文攀 土豆，听名字就“土”得掉渣。"], ["王建宏", "张文攀"], None),
        (["犬儒病", "胡平", "人心不会熄灭。"], ["胡平"], ["犬儒病", "人心不会熄灭。"]),
        (["ggjjzhzz 发表于 2005-9-15 11:46:00", "正文。"], ["ggjjzhzz"], ["正文。"]),
        (["作者单位：北京大学", "正文。"], [], ["作者单位：北京大学", "正文。"]),
        (["——作者手记"], [], ["——作者手记"]),
    ],
)
def test_more_byline_forms(paras, rep, left):
    attr = parse_attribution(None, paras)
    assert attr.reporters == rep
    if left is not None:
        assert attr.paragraphs == left


def test_editor_list_stops_at_page_text():
    attr = parse_attribution(None, ["正文。", "责任编辑：小何 返回搜狐，查看更多"])
    assert attr.editors == ["小何"]


def test_bare_reporter_line_without_names_is_dropped():
    assert parse_attribution(None, ["新华社记者", "正文。"]).paragraphs == ["正文。"]


def test_traditional_byline_without_colon():
    attr = parse_attribution(None, ["正文。", "記者 鄭莉莉 張宇馳 任文　通訊員 朱勇進 馮星星"])
    assert attr.reporters == ["鄭莉莉", "張宇馳", "任文"]
    assert attr.correspondents == ["朱勇進", "馮星星"]


# --- the page's info line


def test_info_line_fields_anywhere_in_line():
    html = article(info="2005年08月16日 来源：新华网 新华网黑龙江频道 记者 伊琳 李清芬")
    tree = tree_of(html)
    main = tree.xpath('//*[@id="content"]')[0]
    attr = parse_attribution(tree, ["正文第一段，内容充实。"], main_node=main)
    assert (attr.source, attr.reporters) == ("新华网", ["伊琳", "李清芬"])


def test_label_and_value_in_separate_elements():
    html = article(info="<span>作者：</span><span>安东尼</span>")
    tree = tree_of(html)
    main = tree.xpath('//*[@id="content"]')[0]
    assert parse_attribution(tree, ["正文第一段，内容充实。"], main_node=main).reporters == ["安东尼"]


# --- authors in the page's metadata


def test_structured_authors():
    head = (
        '<script type="application/ld+json">{"@type":"NewsArticle","author":['
        '{"@type":"Person","name":"Elena Oberholzer (obe)"},{"@type":"Person","givenName":"Anna Giulia",'
        '"familyName":"Fink"}]}</script>'
    )
    tree = tree_of(article(head=head))
    attr = parse_attribution(tree, ["正文。"], main_node=tree.xpath('//*[@id="content"]')[0])
    assert attr.reporters == ["Elena Oberholzer", "Anna Giulia Fink"]


@pytest.mark.parametrize(
    ("meta", "reporters", "source"),
    [
        ("Jane Doe and John Roe", ["Jane Doe", "John Roe"], None),
        ("Comsenz UI Team", [], None),
        ("网易", [], None),
        ("王芳", ["王芳"], None),
    ],
)
def test_meta_author(meta, reporters, source):
    tree = tree_of(article(head=f'<meta name="author" content="{meta}">'))
    attr = parse_attribution(tree, ["正文。"], main_node=tree.xpath('//*[@id="content"]')[0])
    assert (attr.reporters, attr.source) == (reporters, source)


def test_agency_credited_as_author_becomes_source():
    head = '<script type="application/ld+json">{"@type":"NewsArticle","author":{"name":"新华社"}}</script>'
    tree = tree_of(article(head=head))
    attr = parse_attribution(tree, ["正文。"], main_node=tree.xpath('//*[@id="content"]')[0])
    assert (attr.reporters, attr.source) == ([], "新华社")


# --- datelines and info lines above the text


def test_date_only_line_at_top_is_removed():
    attr = parse_attribution(None, ["2023-01-09 08:30", "正文。"])
    assert attr.paragraphs == ["正文。"]


@pytest.mark.parametrize(
    ("line", "source"),
    [
        ("2023年01月16日 07:35 长江日报", "长江日报"),
        ("2023-01-16 07:35 | 长江日报", "长江日报"),
        ("长江日报 2023-01-16 07:35", "长江日报"),
        ("2023年1月16日", None),
    ],
)
def test_dateline_at_top_is_metadata_not_text(line, source):
    attr = parse_attribution(None, [line, "记者 吴昊 杨帆", "记者从武汉市城管执法委获悉，灯光秀今晚亮相。"])
    assert attr.paragraphs == ["记者从武汉市城管执法委获悉，灯光秀今晚亮相。"]
    assert attr.source == source


@pytest.mark.parametrize(
    "first",
    ["1月7日，2023年全省科技工作会议在武汉召开。", "2023年1月16日 武汉迎来降雪", "2023年1月16日，长江日报"],
)
def test_a_sentence_that_opens_with_a_date_stays(first):
    assert parse_attribution(None, [first, "正文。"]).paragraphs == [first, "正文。"]


@pytest.mark.parametrize(
    "line",
    [
        "2023-01-09 08:30 来源：武汉科技报",
        "发布时间：01-09 10:23 转载自武汉科技报",
        "2023-01-09 13:30 來源：武漢科技報",
    ],
)
def test_dated_info_line_is_attribution(line):
    attr = parse_attribution(None, [line, "正文。"])
    assert attr.source in ("武汉科技报", "武漢科技報")
    assert attr.paragraphs == ["正文。"]


# --- a 来源 line right before the byline block


def _closing_block_page(lines: list[str]) -> str:
    paras = "".join(f"<p>{LONG}{i}</p>" for i in range(4))
    tail = "".join(f"<p>{line}</p>" for line in lines)
    return (
        "<html><head><title>标题测试新闻_某某网</title></head><body><h1>标题测试新闻</h1>"
        f"<div class='content'>{paras}{tail}</div><div class='box'><h3>相关阅读</h3><ul><li>"
        "<a href='/x'>别的文章</a></li><li>记者：李四 来源：绵阳日报</li></ul></div></body></html>"
    )


@pytest.mark.parametrize(
    ("lines", "source", "rep", "cor", "edi"),
    [
        (["来源:鄂东商报", "记者:张三 李四", "编辑:任洋华"], "鄂东商报", ["张三", "李四"], [], ["任洋华"]),
        (["记者:张三 李四", "编辑:任洋华"], None, ["张三", "李四"], [], ["任洋华"]),
        (
            ["来源:鄂东商报", "记者:周萍萍 刘艳红 田鑫阳", "通讯员:曾颖洋  孟凯丽", "编辑:石兰杰"],
            "鄂东商报",
            ["周萍萍", "刘艳红", "田鑫阳"],
            ["曾颖洋", "孟凯丽"],
            ["石兰杰"],
        ),
        (
            ["来源:鄂东商报", "记者:任华", "通讯员:沈玉兰 汪雨辉"],
            "鄂东商报",
            ["任华"],
            ["沈玉兰", "汪雨辉"],
            [],
        ),
    ],
)
def test_source_line_before_the_byline_block(lines, source, rep, cor, edi):
    art = extract(_closing_block_page(lines), "http://example.com/a.html", fetched_at=FETCHED)
    assert (art.source, art.reporters, art.correspondents, art.editors) == (source, rep, cor, edi)
    assert art.body.count("\n") == 3
    assert not any(word in art.body for word in ("来源", "记者", "通讯员", "编辑"))
