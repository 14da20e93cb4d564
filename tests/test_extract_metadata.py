"""Titles and site names (aggregator/extract/metadata.py), and per-site title and date selectors."""

import pytest
from extract_pages import FETCHED, article, tree_of

from aggregator.extract.attribution import parse_attribution
from aggregator.extract.dates import extract_published
from aggregator.extract.metadata import extract_site_name, extract_title


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
