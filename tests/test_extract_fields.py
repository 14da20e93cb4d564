from datetime import datetime

import lxml.html
import pytest

from aggregator.extract import extract
from aggregator.extract.attribution import parse_attribution
from aggregator.extract.dates import CHINA_TZ, extract_published, parse_date
from aggregator.extract.metadata import extract_site_name, extract_title
from aggregator.extract.names import is_likely_name, split_names

FETCHED = datetime(2023, 1, 10, 12, 0, tzinfo=CHINA_TZ)

SEED_BODY = [
    "科技创新是引领高质量发展的第一动力。近年来，大冶坚持全区域、多层次推进科技创新，探索出了一条资源城市转型发展的创新之路。",
    "1月7日下午，湖北省科技厅召开2023年全省科技工作会议，大冶市科技局党组书记、局长吴文胜发言表示，大冶顺利通过验收。",
    "聚力创新体系建设，构建全区域创新布局。立足武汉都市圈核心区优势，抢抓光谷科创大走廊建设机遇，不断优化县域创新布局。",
    "吴文胜说：“2023年，大冶将突出“双区”科创引领，着力打造全国县域创新高地，为湖北建设构建全国新发展格局先行区贡献力量。”",
]
SEED_ATTRIBUTION = ["来源:武汉科技报", "记者:郑莉莉 张宇驰 任文", "通讯员:朱勇进  冯星星", "编辑:陈丽萍"]
SEED_HTML = f"""<html><head><meta charset="utf-8">
<title>湖北大冶:凝聚科技创新磅礴力量 打造全国县域创新高地_科技_服务粉丝网</title></head><body>
<div class="top">服务粉丝</div><div class="slogan">我们一直在努力</div>
<div class="crumb">当前位置:<a href="/">首页</a> &gt; <a href="/kj/">科技</a> &gt;</div>
<div class="article">
<h1>湖北大冶:凝聚科技创新磅礴力量 打造全国县域创新高地</h1>
<div class="info">日期: 来源:<a href="#">武汉科技报</a>收集编辑:武汉科技报</div>
<div id="content">{"".join(f"<p>{p}</p>" for p in SEED_BODY + SEED_ATTRIBUTION)}</div>
</div>
<div class="related"><h3>相关阅读</h3><ul>
<li><a href="/a1">晋江出台16条措施奖补软件信息服务业</a><span>2023-01-09 10:23</span>
<p>泉州晚报社·泉州通客户端1月9日讯 (泉州晚报记者 王宇静 通讯员 陈振华 文/图)为进一步推进晋江数智转型</p></li>
<li><a href="/a2">新乡市企业上市工作迈出新步伐</a><span>01-08 09:00</span>
<p>1月8日，记者从市金融部门获悉，2022年，我市全年新增上市企业3家。</p></li>
</ul></div>
<div class="hot"><h3>热门文章</h3><ul><li><a href="/b1">春运启幕 绵阳多举措温暖出行路</a> 发布时间：2023年01月07日 09:30</li>
<li>记者：李四 来源：绵阳日报</li></ul></div>
</body></html>"""


def tree_of(html: str):
    return lxml.html.document_fromstring(html)


def published(html: str, main_xpath: str | None = '//*[@id="content"]', fetched=FETCHED) -> str | None:
    tree = tree_of(html)
    main = tree.xpath(main_xpath)[0] if main_xpath else None
    return extract_published(tree, main_node=main, fetched_at=fetched)


def article(info: str = "", body: str = "<p>正文第一段，内容充实。</p>", head: str = "") -> str:
    return (
        f"<html><head><title>标题测试新闻_新闻中心_某某网</title>{head}</head><body>"
        f"<h1>标题测试新闻</h1><div class='info'>{info}</div><div id='content'>{body}</div>"
        "<ul class='list'><li>别的文章 2020-05-05 10:00</li></ul></body></html>"
    )


# --- seed page


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


def test_seed_through_extract():
    art = extract(SEED_HTML, "http://example.com/kj/1.html", fetched_at=FETCHED)
    assert art.title == "湖北大冶:凝聚科技创新磅礴力量 打造全国县域创新高地"
    assert art.source == "武汉科技报"
    assert art.reporters == ["郑莉莉", "张宇驰", "任文"]
    assert art.correspondents == ["朱勇进", "冯星星"]
    assert art.editors == ["陈丽萍"]
    assert art.published is None
    assert "王宇静" not in art.reporters + art.correspondents
    assert "记者:郑莉莉" not in art.body


def test_seed_mangled_info_line_alone():
    attr = parse_attribution(None, ["日期: 来源:武汉科技报收集编辑:武汉科技报", "正文。"])
    assert attr.source == "武汉科技报"
    assert attr.editors == []  # "武汉科技报" is not a person
    assert attr.paragraphs == ["正文。"]


# --- dates


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("发布时间：2023年01月09日 10:23", "2023-01-09T10:23:00+08:00"),
        ("2023年1月9日", "2023-01-09T00:00:00+08:00"),
        ("2016年06月30日09时30分", "2016-06-30T09:30:00+08:00"),
        ("日期:2023-01-09 10:23:45", "2023-01-09T10:23:45+08:00"),
        ("时间：2023/01/09", "2023-01-09T00:00:00+08:00"),
        ("2023.01.09", "2023-01-09T00:00:00+08:00"),
        ("发表于 01-09 10:23", "2023-01-09T10:23:00+08:00"),
        ("2023-01-09T10:23:45Z", "2023-01-09T10:23:45+00:00"),
        ("2023-01-09T10:23:45-05:00", "2023-01-09T10:23:45-05:00"),
    ],
)
def test_date_formats(text, expected):
    assert published(article(info=text)) == expected


def test_year_inferred_never_future():
    # 12-30 seen on 2023-01-10 is last year's
    assert published(article(info="12-30 08:00")) == "2022-12-30T08:00:00+08:00"
    assert parse_date("01-09 10:23", FETCHED).year == 2023


def test_future_date_rejected():
    assert published(article(info="发布时间：2030-01-01 10:00")) is None


@pytest.mark.parametrize(
    "head",
    [
        '<meta property="article:published_time" content="2023-01-09T10:23:00+08:00">',
        '<meta name="publishdate" content="2023-01-09 10:23">',
        '<meta name="PubDate" content="2023-01-09 10:23">',
        '<meta property="og:release_date" content="2023-01-09 10:23">',
        '<meta name="dc.date" content="2023-01-09 10:23">',
        '<script type="application/ld+json">{"@type":"NewsArticle","datePublished":"2023-01-09T10:23:00+08:00"}'
        "</script>",
    ],
)
def test_structured_dates(head):
    assert published(article(head=head)) == "2023-01-09T10:23:00+08:00"


def test_time_element():
    html = article(body="<p><time datetime='2023-01-09T10:23:00+08:00'>昨天</time> 正文。</p>")
    assert published(html) == "2023-01-09T10:23:00+08:00"


def test_date_in_first_body_line():
    assert (
        published(article(body="<p>2023年01月09日 10:23 来源：新华社</p><p>正文。</p>"))
        == "2023-01-09T10:23:00+08:00"
    )


def test_no_date_and_teaser_dates_ignored():
    html = article(body="<p>1月7日下午，会议召开。</p>")
    assert published(html) is None
    assert published(html, main_xpath=None) is None


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


# --- English pages, titles, site names


def test_english_page():
    html = (
        "<html><head><title>Storm hits coast | The Daily Example</title>"
        '<meta property="og:site_name" content="The Daily Example"></head><body>'
        "<h1>Storm hits coast</h1><div id='content'><p>By Jane Doe</p>"
        "<p>A storm hit the coast on Monday, officials said, and thousands lost power.</p></div></body></html>"
    )
    tree = tree_of(html)
    main = tree.xpath('//*[@id="content"]')[0]
    attr = parse_attribution(tree, ["By Jane Doe", "A storm hit the coast on Monday."], main_node=main)
    assert attr.source is None
    assert attr.reporters == ["Jane Doe"]
    assert attr.paragraphs == ["A storm hit the coast on Monday."]
    assert extract_site_name(tree) == "The Daily Example"
    assert extract_title(tree, site_name="The Daily Example") == "Storm hits coast"


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("标题测试新闻_新闻中心_某某网", "标题测试新闻"),
        ("标题测试新闻-资讯-某某网", "标题测试新闻"),
        ("标题测试新闻｜某某网", "标题测试新闻"),
        ("标题测试新闻 - 某某网", "标题测试新闻"),
        ("标题测试新闻_某某网", "标题测试新闻"),
        ("【转载】标题测试新闻_某某网", "标题测试新闻"),
        ("[转载]标题测试新闻", "标题测试新闻"),
        ("转载：标题测试新闻", "标题测试新闻"),
    ],
)
def test_title_suffixes_and_repost_markers(title, expected):
    tree = tree_of(f"<html><head><title>{title}</title></head><body><p>x</p></body></html>")
    assert extract_title(tree) == expected


def test_title_prefers_h1_matching_title_prefix_and_site_from_suffix():
    tree = tree_of(
        "<html><head><title>大冶打造县域创新高地_新闻中心_某某网</title></head>"
        "<body><h1>某某网</h1><h2>大冶打造县域创新高地</h2></body></html>"
    )
    assert extract_title(tree) == "大冶打造县域创新高地"
    assert extract_site_name(tree) == "某某网"


def test_selector_overrides():
    html = article(info="<span class='d'>2023-01-09 10:23</span>")
    tree = tree_of(html)
    assert extract_title(tree, selector="h1") == "标题测试新闻"
    assert extract_title(tree, selector="//h1") == "标题测试新闻"
    assert extract_published(tree, fetched_at=FETCHED, selector="span.d") == "2023-01-09T10:23:00+08:00"


# --- further forms seen on real portals


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("发布日期： 7/5/2005 9:23:57 PM", "2005-07-05T21:23:57+08:00"),  # ASP-era US order
        ("发布日期： 25/12/2022", "2022-12-25T00:00:00+08:00"),  # day first when it cannot be a month
        ("28.04.2022, 19:20 Uhr", "2022-04-28T19:20:00+08:00"),
    ],
)
def test_more_date_formats(text, expected):
    assert published(article(info=text)) == expected


def test_day_only_metadata_gains_printed_time():
    html = article(
        head='<meta name="PubDate" content="2023-01-09">', info="2023年01月09日07:48 | 来源：新华日报"
    )
    assert published(html) == "2023-01-09T07:48:00+08:00"


def test_zoned_metadata_beats_unzoned():
    head = (
        '<meta property="article:published_time" content="2023-01-09T04:03:19">'
        '<script type="application/ld+json">{"@type":"NewsArticle","datePublished":"2023-01-09T04:03:19Z"}</script>'
    )
    assert published(article(head=head)) == "2023-01-09T04:03:19+00:00"


def test_labelled_date_found_without_main_node():
    html = (
        "<html><body><div>首页</div><div>发布时间：2023-01-08 09:00</div><div><p>正文很长的一段。</p></div>"
        "<ul><li>发布时间：2023-01-05 10:00</li></ul></body></html>"
    )
    tree = tree_of(html)
    assert extract_published(tree, fetched_at=FETCHED) == "2023-01-08T09:00:00+08:00"


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


def test_dates_after_the_main_node_are_never_used():
    html = (
        "<html><head><title>标题测试新闻</title></head><body><div id='content'><p>1月7日下午，会议召开。</p></div>"
        "<div class='box'><p>发布时间：2023-01-05 10:00</p><a href='/x'>别的文章 发布时间：2023-01-04</a></div>"
        "</body></html>"
    )
    assert published(html) is None


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


def test_traditional_byline_without_colon():
    attr = parse_attribution(None, ["正文。", "記者 鄭莉莉 張宇馳 任文　通訊員 朱勇進 馮星星"])
    assert attr.reporters == ["鄭莉莉", "張宇馳", "任文"]
    assert attr.correspondents == ["朱勇進", "馮星星"]


def test_teaser_microdata_is_not_the_page_date():
    body = (
        "<p>1月7日下午，会议召开。</p></div><ul><li><a href='/y'>别的文章</a>"
        "<time itemprop='datePublished' datetime='2023-01-05T10:00:00+08:00'>1月5日</time></li></ul><div>"
    )
    assert published(article(body=body)) is None


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


# --- dates in the article text (repost bench, issue #4)

LONG = "这是一个很长的段落，讲述了一个很长的故事，内容充实而且丰富，读者可以从中了解事情的来龙去脉。" * 2


@pytest.mark.parametrize(
    "first",
    [
        "本条例自2019年1月1日起施行，原有规定同时废止。",
        "他出生于1995年9月1日，从小在江边长大，后来成为一名工程师。",
        "1月7日下午，湖北省科技厅召开2023年全省科技工作会议。",
        "索 引 号：11220000013544357T/2022-00426 成文日期：2022年01月27日 发布日期：2022年01月28日",
        "成文日期：2022年01月27日",
        "会议时间：2023年01月05日",
    ],
)
def test_dates_inside_the_text_are_not_the_page_date(first):
    html = article(body=f"<p>{first}</p><p>{LONG}</p>")
    assert published(html) is None
    if (
        "索" not in first
    ):  # with no main node, a document's metadata block under the headline is the page's own
        assert published(html, main_xpath=None) is None
    assert extract(html, "http://example.com/a.html", fetched_at=FETCHED).published is None


@pytest.mark.parametrize(
    ("first", "expected"),
    [
        ("发布时间：2023-01-08 09:00", "2023-01-08T09:00:00+08:00"),
        ("日期：2023年01月08日", "2023-01-08T00:00:00+08:00"),
        ("发表于 2023-01-08 09:00", "2023-01-08T09:00:00+08:00"),
        ("2023-01-08 09:00", "2023-01-08T09:00:00+08:00"),
        ("2023年01月08日 09:00 星期日", "2023-01-08T09:00:00+08:00"),
        ("2023-01-08 09:00 来源：武汉科技报", "2023-01-08T09:00:00+08:00"),
        ("来源：新华网 2023-01-08 作者：李楠", "2023-01-08T00:00:00+08:00"),
        ("2003-7-24 钱江晚报", "2003-07-24T00:00:00+08:00"),
    ],
)
def test_dates_that_the_body_lines_print_for_the_page(first, expected):
    assert published(article(body=f"<p>{first}</p><p>{LONG}</p>")) == expected


def test_info_line_beats_a_labelled_date_in_the_body():
    body = f"<p>成文日期：2022年01月27日</p><p>发布日期：2022年01月28日</p><p>{LONG}</p>"
    for info in ("2023-01-08 19:07 来源：江城日报", "2023-01-08 19:07 來源：江城日報", "2023-01-08 19:07"):
        assert published(article(info=info, body=body)) == "2023-01-08T19:07:00+08:00"


def test_headline_inside_the_main_node_info_ends_at_the_prose():
    html = (
        "<html><head><title>标题测试新闻_某某网</title></head><body><div id='content'><h1>标题测试新闻</h1>"
        f"<p>来源：武汉科技报</p><p>{LONG}</p><p>2019年1月1日，新规开始施行</p><p>{LONG}</p></div></body></html>"
    )
    assert published(html) is None
    html = html.replace("<p>来源：武汉科技报</p>", "<p>2023-01-08 09:00 来源：武汉科技报</p>")
    assert published(html) == "2023-01-08T09:00:00+08:00"


def test_year_less_date_takes_the_latest_year_not_after_the_fetch():
    fetched = datetime(2026, 11, 25, 12, 0, tzinfo=CHINA_TZ)
    assert published(article(info="01-05 07:23"), fetched=fetched) == "2026-01-05T07:23:00+08:00"
    assert published(article(info="12-30 07:23"), fetched=fetched) == "2025-12-30T07:23:00+08:00"
    assert published(article(body=f"<p>01-05 07:23 来源：X日报</p><p>{LONG}</p>"), fetched=FETCHED) == (
        "2023-01-05T07:23:00+08:00"
    )


# --- the year of a date printed without one: the URL, then the copyright year, then the fetch time

LATER = datetime(2026, 11, 25, 12, 0, tzinfo=CHINA_TZ)


def _yearless(footer: str = "") -> str:
    body = "<p>1月8日，记者从武汉新港管委会获悉，阳逻港集装箱吞吐量创历史新高，同比增长约12%。</p>" * 3
    return article(info="发布时间：01-09 10:23", body=body).replace(
        "</body>", f"<div class='copy'>{footer}</div></body>"
    )


@pytest.mark.parametrize(
    ("url", "footer", "expected"),
    [
        ("http://x.cn/html/2023/0109/m3001.html", "", "2023-01-09T10:23:00+08:00"),  # the URL's date folder
        (
            "http://x.cn/news/20230109/n5008.shtml",
            "江城热点 © 2025",
            "2023-01-09T10:23:00+08:00",
        ),  # URL first
        ("http://x.cn/content/2023-01/09/content_1.html", "", "2023-01-09T10:23:00+08:00"),
        (
            "http://x.cn/2022/1231/a.html",
            "",
            "2023-01-09T10:23:00+08:00",
        ),  # the nearest year to the URL's day
        ("http://x.cn/html/2023/a.html", "", "2023-01-09T10:23:00+08:00"),  # a year folder bounds it
        (
            "http://x.cn/p/1045.html",
            "江城热点 © 2023 <a href='/admin/'>登录</a>",
            "2023-01-09T10:23:00+08:00",
        ),
        (
            "http://x.cn/p/1045.html",
            "Copyright &copy; 2005-2023 长江日报报业集团",
            "2023-01-09T10:23:00+08:00",
        ),
        ("http://x.cn/p/1045.html", "版权所有 2021", "2021-01-09T10:23:00+08:00"),
        ("http://x.cn/p/1045.html", "", "2026-01-09T10:23:00+08:00"),  # no evidence: the fetch year
        (
            "http://x.cn/p/1045.html",
            "© 2030",
            "2026-01-09T10:23:00+08:00",
        ),  # a year after the fetch is no bound
        (None, "© 2023", "2023-01-09T10:23:00+08:00"),
    ],
)
def test_year_less_date_takes_its_year_from_url_and_copyright_before_the_clock(url, footer, expected):
    assert extract(_yearless(footer), url, fetched_at=LATER).published == expected


def test_year_from_the_url_never_makes_a_future_date():
    fetched = datetime(2023, 1, 5, 12, 0, tzinfo=CHINA_TZ)
    got = extract(_yearless(), "http://x.cn/html/2023/0104/a.html", fetched_at=fetched).published
    assert got == "2022-01-09T10:23:00+08:00"


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
