"""The DOM layer of extraction (aggregator/extract/dom.py): parsing decoded pages, the boilerplate predicates the
body extractor asks of each element, and the one engine that runs the sources file's selectors."""

import logging

import lxml.html
import pytest

from aggregator.extract.dom import (
    HARD,
    SOFT,
    SelectorFailure,
    drop_kind,
    has_content_class,
    is_xpath,
    parse_html,
    rescuable,
    run_selector,
    select,
    select_values,
    selector_error,
)

PAGE = (
    "<html><head><title>标题_某某网</title></head><body><div class='main-content' id='m'>"
    "<h1 title='完整标题'>标题</h1><span class='time' data-time='2023-01-09 10:23'>2023年1月9日</span>"
    "<p>第一段。</p><p>第二段。</p></div><div class='comment-list'><p>网友评论</p></div></body></html>"
)


def element(html: str):
    """The first element of a fragment, as it sits in a parsed page."""
    return lxml.html.fragment_fromstring(html)


# --- parsing


def test_a_page_with_an_xml_declaration_or_a_bom_parses():
    # lxml refuses str input that declares an encoding; pages saved as XHTML do
    tree = parse_html('\ufeff<?xml version="1.0" encoding="gb2312"?><html><body><p>正文。</p></body></html>')
    assert tree is not None and tree.xpath("//p/text()") == ["正文。"]


@pytest.mark.parametrize("html", ["", "   \n", None])
def test_nothing_to_parse_is_none(html):
    assert parse_html(html) is None


def test_a_fragment_is_parsed_into_a_whole_document():
    tree = parse_html("<p>只有一段。</p>")
    assert tree.tag == "html" and tree.xpath("//body/p/text()") == ["只有一段。"]


# --- what the body extractor drops


@pytest.mark.parametrize(
    "html", ["<script>x()</script>", "<nav><a href='/'>首页</a></nav>", "<footer>版权</footer>"]
)
def test_scripts_navigation_and_footers_are_never_content(html):
    assert drop_kind(element(html)) == HARD


@pytest.mark.parametrize(
    "html",
    [
        "<div hidden><p>x</p></div>",
        "<div aria-hidden='true'><p>x</p></div>",
        "<div style='display: none'><p>x</p></div>",
        "<div style='visibility:hidden'><p>x</p></div>",
        "<div role='navigation'><a href='/'>首页</a></div>",
        "<aside><p>x</p></aside>",
        "<header><p>x</p></header>",
        "<div class='share-bar'><a href='#'>微信</a></div>",
        "<div id='related'><p>相关阅读</p></div>",
    ],
)
def test_hidden_chrome_and_boilerplate_classes_are_dropped_unless_they_hold_the_text(html):
    assert drop_kind(element(html)) == SOFT


@pytest.mark.parametrize(
    "html",
    [
        "<div class='TRS_Editor'><p>正文。</p></div>",
        "<div><p>正文。</p></div>",
        # WordPress: the post's own classes name its tags and categories, never a widget
        "<article class='post tag-share category-footer'><p>正文。</p></article>",
        "<main class='sidebar-layout'><p>正文。</p></main>",
    ],
)
def test_content_and_the_page_structure_are_kept(html):
    assert drop_kind(element(html)) == 0


def test_comments_are_never_rescued_footers_only_outside_the_article():
    comments, footer = (
        element("<div class='comment-list'></div>"),
        element("<div class='footer-links'></div>"),
    )
    assert not rescuable(comments) and not rescuable(comments, loose=True)
    assert not rescuable(footer) and rescuable(footer, loose=True)
    assert rescuable(element("<div class='share-bar'></div>"))


def test_content_class_names():
    assert has_content_class(element("<div class='article-body'></div>"))
    assert has_content_class(element("<div id='zhengwen'></div>"))
    assert not has_content_class(element("<div class='sidebar'></div>"))


# --- the sources file's selectors: one engine, parsel


@pytest.mark.parametrize(
    ("expr", "xpath"),
    [("h1", False), ("div.TRS_Editor", False), ("//h1", True), ("  //h1", True), ("(//p)[1]", True)],
)
def test_xpath_starts_with_a_slash_or_a_parenthesis(expr, xpath):
    assert is_xpath(expr) is xpath


@pytest.mark.parametrize(
    ("expr", "found"),
    [
        ("h1::text", ["标题"]),
        ("h1::attr(title)", ["完整标题"]),
        ("span.time::attr(data-time)", ["2023-01-09 10:23"]),
        ("//h1/text()", ["标题"]),
        ("//span/@data-time", ["2023-01-09 10:23"]),
        ("//div[has-class('main-content')]/p/text()", ["第一段。", "第二段。"]),
    ],
)
def test_text_and_attribute_selectors_give_strings(expr, found):
    assert run_selector(parse_html(PAGE), expr) == found


def test_element_selectors_give_elements_in_page_order():
    tree = parse_html(PAGE)
    for expr in ("div#m p", "//div[@id='m']/p"):
        assert [p.text for p in run_selector(tree, expr)] == ["第一段。", "第二段。"]
        assert [p.text for p in select(tree, expr)] == ["第一段。", "第二段。"]
    assert select(tree, "h1::text") == []  # select() is for elements: the body, the links of a list


@pytest.mark.parametrize("expr", ["p::before", "//p[", "div >> p", "(//p"])
def test_a_selector_that_cannot_run_raises_for_the_check_and_logs_during_a_crawl(expr, caplog):
    tree = parse_html(PAGE)
    with pytest.raises(SelectorFailure):
        run_selector(tree, expr)
    with caplog.at_level(logging.WARNING, logger="aggregator.extract.dom"):
        assert select_values(tree, expr) == [] and select(tree, expr) == []  # one odd page never ends a crawl
    assert f"selector {expr!r} failed" in caplog.text


@pytest.mark.parametrize(
    ("expr", "elements", "error"),
    [
        ("h1", True, None),
        ("//div[@id='m']", True, None),
        ("h1::text", False, None),
        ("//h1/@title", False, None),
        ("h1::text", True, "selects text or attribute values; it must select elements"),
        ("//h1/@title", True, "selects text or attribute values; it must select elements"),
        ("(string(//h1))", True, "selects text or attribute values; it must select elements"),
        ("string(//h1)", True, "cannot run (CSS): "),  # no leading / or ( : read as CSS
        ("p::before", False, "cannot run (CSS): "),
        ("//p[", False, "cannot run (XPath): "),
    ],
)
def test_selector_error_says_why_a_selector_cannot_be_used(expr, elements, error):
    got = selector_error(expr, elements=elements)
    if error is not None and error.endswith(": "):  # then the engine's own message
        assert got.startswith(error) and len(got) > len(error)
    else:
        assert got == error
