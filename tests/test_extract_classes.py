"""The three classes of extraction error of issue 16, on small handmade pages (no corpus copies):

1. real articles judged not to be articles (short briefs that declare themselves articles), while list and hub
   pages, even ones stamped with article metadata, stay non-articles;
2. long articles whose sections sit in wrappers with misleading class names (a layout grid named "sidebar-…",
   paragraphs marked "paywall") cut to the first section;
3. comment threads under the article, in the same container and without any telling class name, kept as body.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from aggregator.extract import extract

ROOT = Path(__file__).resolve().parent.parent

BRIEF = "5月20日，中国人民银行授权全国银行间同业拆借中心公布，本月贷款市场报价利率为：1年期3.45%，5年期以上3.95%。"

NAV = '<div class="nav">' + "".join(f'<a href="/c{i}">栏目{i}</a> ' for i in range(12)) + "</div>"
SIDE = '<div class="side"><h3>热点</h3><ul>' + "".join(
    f'<li><a href="/hot/{i}.html">热点新闻标题第{i}条城市更新稳步推进</a></li>' for i in range(10)
) + "</ul></div>"  # fmt: skip


def _brief_page(meta: str) -> str:
    return (
        f"<html><head><title>LPR按兵不动_财经网</title>{meta}</head><body>{NAV}"
        f'<div class="article"><h1>LPR按兵不动</h1><div class="info">2024-05-20 09:15 来源：财经网</div>'
        f'<div class="content"><p>{BRIEF}</p></div></div>{SIDE}</body></html>'
    )


def test_short_brief_that_declares_an_article_is_kept():
    art = extract(_brief_page('<meta property="og:type" content="article">'))
    assert art.is_article and "3.45%" in art.body


def test_short_brief_with_json_ld_newsarticle_is_kept():
    ld = '<script type="application/ld+json">{"@type": "NewsArticle", "headline": "LPR按兵不动"}</script>'
    assert extract(_brief_page(ld)).is_article


def test_short_page_without_article_metadata_is_still_not_an_article():
    # an about/contact-sized page with no metadata keeps the old bar: a sentence is not enough
    assert not extract(_brief_page("")).is_article


def test_list_page_with_article_metadata_is_not_an_article():
    items = "".join(
        f'<li><a href="/2024/0520/{i}.html">城市更新项目稳步推进第{i}批工程全面开工建设</a><span>2024-05-20</span></li>'
        for i in range(20)
    )
    meta = '<meta property="og:type" content="article"><meta property="article:published_time" content="2024-05-20">'
    html = f"<html><head><title>国内新闻_新闻网</title>{meta}</head><body>{NAV}<div class='list'><h2>国内新闻</h2><ul>{items}</ul></div></body></html>"
    assert not extract(html).is_article


SECTIONS = [
    ("Where the money goes", "The council spent most of the new budget on repairs to the harbour wall, which was "
     "damaged twice by winter storms. Engineers said the work would take two more years to finish."),
    ("What residents think", "Residents who spoke at the hearing were split. Some welcomed the repairs, while "
     "others asked why the bus network had been cut again in the same budget."),
    ("What happens next", "The plan goes to a final vote next month. If it passes, the first contracts will be "
     "signed before the end of the summer, the council said in a statement."),
    ("The history of the wall", "The wall was built in 1881 and has been repaired four times since. Historians "
     "say it is one of the oldest working sea defences on this part of the coast."),
]  # fmt: skip


def test_every_section_in_a_misnamed_layout_grid_is_kept():
    # a layout grid named "sidebar-grid": the article's own wrapper, each section in a sibling of one class
    sections = "".join(
        f'<div class="sidebar-grid__container"><section class="sidebar-grid__content">'
        f"<h2>{h}</h2><p>{p}</p><p>{p}</p></section>"
        f'<aside class="sidebar-grid__sidebar">Advertisement</aside></div>'
        for h, p in SECTIONS
    )
    html = (
        "<html><head><title>Harbour budget approved</title></head><body><nav>Home World Business</nav>"
        '<main><article><div class="sidebar-grid"><header><h1>Harbour budget approved</h1></header>'
        f"{sections}</div></article></main><footer>© 2024 The Daily Harbour</footer></body></html>"
    )
    art = extract(html)
    assert art.is_article
    for heading, para in SECTIONS:
        assert heading in art.body and para in art.body


def test_paragraphs_marked_paywall_are_kept():
    first = "<p>" + SECTIONS[0][1] + "</p>"
    rest = "".join(f'<h2 class="paywall">{h}</h2><p class="paywall">{p}</p>' for h, p in SECTIONS[1:])
    html = (
        "<html><head><title>Harbour budget approved</title></head><body>"
        f'<article><h1>Harbour budget approved</h1><div class="body">{first}{rest}</div></article></body></html>'
    )
    art = extract(html)
    assert all(p in art.body for _, p in SECTIONS)


ZH_PARAS = [
    "国家统计局今天发布数据显示，今年前四个月全国规模以上工业增加值同比增长百分之六点二，增速比一季度加快。",
    "分行业看，四十一个大类行业中有三十五个行业增加值保持同比增长，高技术制造业增加值增长百分之十一点三。",
    "专家表示，随着一系列稳增长政策落地见效，工业生产有望继续保持平稳较快增长，市场预期总体向好。",
]
COMMENTS = [
    "说得好，希望继续保持！",
    "数据很鼓舞人心，支持。",
    "我们这边的工厂订单也多了不少。",
    "期待下个月的数据。",
]


def test_comment_thread_in_the_article_container_is_not_body():
    # no class names at all: each comment is a user name, a date-time stamp and a short text, repeated
    comments = "".join(
        f"<div><div><span>网友{i}</span> <span>2024-05-2{i} 1{i}:3{i}</span></div><p>{c}</p></div>"
        for i, c in enumerate(COMMENTS)
    )
    body = "".join(f"<p>{p}</p>" for p in ZH_PARAS)
    html = (
        f"<html><head><title>工业生产保持较快增长_新闻网</title></head><body>{NAV}<div><h1>工业生产保持较快增长</h1>"
        f"<div>{body}<p>记者：张三</p>{comments}</div></div></body></html>"
    )
    art = extract(html)
    assert all(p in art.body for p in ZH_PARAS)
    assert not any(c in art.body for c in COMMENTS)
    assert not any(f"网友{i}" in art.body for i in range(4))
    assert art.reporters == ["张三"]


def test_byline_after_the_comment_thread_is_read():
    comments = "".join(
        f"<div><div><span>网友{i}</span> <span>2024-05-2{i} 1{i}:3{i}</span></div><p>{c}</p></div>"
        for i, c in enumerate(COMMENTS)
    )
    body = "".join(f"<p>{p}</p>" for p in ZH_PARAS)
    html = (
        f"<html><head><title>工业生产保持较快增长_新闻网</title></head><body><div><h1>工业生产保持较快增长</h1>"
        f"<div>{body}{comments}<p>（记者：张三 编辑：李四）</p></div></div></body></html>"
    )
    art = extract(html)
    assert not any(c in art.body for c in COMMENTS)
    assert art.reporters == ["张三"]


def test_list_pages_bench_has_no_list_page_judged_an_article():
    sys.path.insert(0, str(ROOT))
    from bench.listpages import generated_pages, project_pages

    pages = generated_pages() + project_pages()
    assert len(pages) >= 30
    assert [name for name, page in pages if extract(page).is_article] == []


def test_corpus_articles_are_articles():
    sys.path.insert(0, str(ROOT))
    from bench.corpus import corpus_available, load_set

    if not corpus_available("zh-wce") or not corpus_available("magic-html"):
        pytest.skip("shared corpus not available (../shared/corpus or $AGGREGATOR_CORPUS)")
    pages = [p for name in ("zh-wce", "magic-html") for p in load_set(name) if p.truth.strip()]
    missed = [p.id for p in pages if not extract(p.html, p.url).is_article]
    assert len(missed) <= 0.02 * len(pages), missed
