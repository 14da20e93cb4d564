"""The page's own publication date (aggregator/extract/dates.py): formats, metadata, info lines, dates printed in
the text that are not the page's, and the year of a date printed without one."""

from datetime import datetime

import pytest
from extract_pages import FETCHED, LONG, article, published, tree_of

from aggregator.extract import extract
from aggregator.extract.dates import CHINA_TZ, extract_published, parse_date


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


def test_dates_after_the_main_node_are_never_used():
    html = (
        "<html><head><title>标题测试新闻</title></head><body><div id='content'><p>1月7日下午，会议召开。</p></div>"
        "<div class='box'><p>发布时间：2023-01-05 10:00</p><a href='/x'>别的文章 发布时间：2023-01-04</a></div>"
        "</body></html>"
    )
    assert published(html) is None


def test_teaser_microdata_is_not_the_page_date():
    body = (
        "<p>1月7日下午，会议召开。</p></div><ul><li><a href='/y'>别的文章</a>"
        "<time itemprop='datePublished' datetime='2023-01-05T10:00:00+08:00'>1月5日</time></li></ul><div>"
    )
    assert published(article(body=body)) is None


# --- dates in the article text (repost bench, issue #4)


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
