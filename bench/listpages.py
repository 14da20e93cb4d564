"""Article or not: the extractor's verdict on the corpus articles and on generated list and hub pages.

    python bench/listpages.py                 # confusion matrix: corpus articles + generated list/hub pages
    python bench/listpages.py --out DIR       # also write the generated pages to DIR for a look in a browser

The corpus (``../shared/corpus``, every set) holds articles only, except one magic-html page marked as a list page
by its annotators (empty ground truth): it counts as a list page. The list and hub pages are generated here, seeded,
in the layouts real portals use, each inside full site chrome (nav, header, sidebar, footer):

- Chinese channel lists (title links + dates, with or without one-line summaries, in <ul>, <table> or <div> items,
  with a pager), front pages (a lead story with a long summary over per-channel link blocks and a hot list),
  专题 hubs (an intro paragraph over link lists), digests quoting whole paragraphs under each headline;
- English blog indexes (<article> cards with excerpts and "Read more"), section fronts (card grids), search and
  tag pages, monthly archives;
- the same layouts carrying misleading metadata (og:type article, a JSON-LD NewsArticle of the lead story,
  article:published_time), since some CMSs stamp every page that way;
- the list, front, about and contact pages of ``bench.crawl.portal`` and of the demo portals.

Text comes from ``bench.crawl.portal``'s sentence generator (Chinese) and a small template generator (English),
so no page is copied from anywhere.
"""

from __future__ import annotations

import argparse
import html
import random
import sys
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.corpus import SETS, corpus_available, load_set  # noqa: E402
from bench.crawl import portal  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
_e = html.escape

# --- text ---------------------------------------------------------------------------------------------------

_EN_SUBJ = ["The city council", "A new study", "Local farmers", "The central bank", "Researchers", "The company",
            "Residents", "The health ministry", "Teachers", "Engineers", "The coach", "Investors"]  # fmt: skip
_EN_VERB = ["announced", "warned about", "welcomed", "rejected", "published", "questioned", "approved",
            "delayed", "expanded", "reviewed"]  # fmt: skip
_EN_OBJ = ["a plan to rebuild the harbour", "rising water prices", "the new school timetable", "a tax on sugar",
           "the budget for next year", "a scheme for electric buses", "changes to the rail timetable",
           "the stadium project", "plans for more housing", "a ban on night flights"]  # fmt: skip
_EN_TAIL = ["on Tuesday", "after months of debate", "despite objections", "in a statement",
            "ahead of the election", "for the third time this year"]  # fmt: skip


def _en_sentence(r: random.Random) -> str:
    return f"{r.choice(_EN_SUBJ)} {r.choice(_EN_VERB)} {r.choice(_EN_OBJ)} {r.choice(_EN_TAIL)}."


def _en_title(r: random.Random) -> str:
    return f"{r.choice(_EN_SUBJ)} {r.choice(_EN_VERB)} {r.choice(_EN_OBJ)}".replace(
        "The ", "", 1
    ).capitalize()


class _Items:
    """Headlines, dates, summaries and URLs for one generated page."""

    def __init__(self, seed: int, zh: bool):
        self.r = random.Random(seed)
        self.zh = zh
        self.text = portal._Text(self.r)
        self.day = date(2024, 5, 20)

    def item(self, i: int, summary_chars: int = 0) -> dict:
        r = self.r
        day = self.day - timedelta(days=i // 3)
        if self.zh:
            title = self.text.fill(r.choice(portal.TITLES))
            para = "".join(self.text.fill(r.choice(portal.SENTENCES)) for _ in range(6))
        else:
            title = _en_title(r)
            para = " ".join(_en_sentence(r) for _ in range(6))
        slug = r.randrange(10**6, 10**7)
        url = f"/{day:%Y/%m%d}/{slug}.html" if self.zh else f"/news/{day:%Y/%m/%d}/{slug}-story"
        return {
            "title": title,
            "day": day,
            "url": url,
            "summary": para[:summary_chars] if summary_chars else "",
        }


# --- chrome -------------------------------------------------------------------------------------------------


def _page(title: str, body: str, zh: bool, meta: str = "") -> str:
    if zh:
        nav = " ".join(f'<a href="/{c}/">{n}</a>' for c, n in portal.CATEGORIES)
        top = '<div class="top-bar">欢迎访问城市新闻网 <a href="/login">登录</a> <a href="/reg">注册</a></div>\n'
        top += f'<div id="nav"><a href="/">首页</a> {nav}</div>\n'
        side = "".join(
            f'<li><a href="/hot/{i}.html">热点{i}：城市更新项目稳步推进</a></li>' for i in range(8)
        )
        side = f'<div class="right"><h3>热点排行</h3><ul>{side}</ul></div>\n'
        foot = '<div class="footer">关于我们 | 联系我们 | 版权所有 © 2024 城市新闻网 鄂ICP备12345678号</div>'
    else:
        nav = " ".join(
            f'<a href="/{c}">{c.title()}</a>' for c in ("world", "business", "sport", "culture", "science")
        )
        top = f'<header class="site-header"><a href="/">The Daily Harbour</a><nav>{nav}</nav></header>\n'
        side = "".join(
            f'<li><a href="/popular/{i}">Popular story number {i} about the harbour</a></li>'
            for i in range(6)
        )
        side = f'<aside class="rail"><h3>Most read</h3><ol>{side}</ol></aside>\n'
        foot = '<footer><p>© 2024 The Daily Harbour. All rights reserved.</p><a href="/privacy">Privacy</a></footer>'
    return (
        f'<!DOCTYPE html><html lang="{"zh-CN" if zh else "en"}"><head><meta charset="utf-8"><title>{_e(title)}</title>'
        f"{meta}</head><body>\n{top}<div class='wrap'><div class='main'>\n{body}\n</div>\n{side}</div>\n{foot}\n"
        "</body></html>"
    )


def _pager(zh: bool, n: int = 10) -> str:
    if zh:
        return (
            '<div class="page">'
            + " ".join(f'<a href="list_{i}.html">{i}</a>' for i in range(1, n))
            + " 下一页</div>"
        )
    return (
        '<div class="pagination">'
        + " ".join(f'<a href="?page={i}">{i}</a>' for i in range(1, n))
        + " Next</div>"
    )


# --- layouts: each returns (title, body html) -----------------------------------------------------------------


def zh_ul_list(it: _Items, summary: int) -> tuple[str, str]:
    rows = []
    for i in range(it.r.randint(15, 40)):
        a = it.item(i, summary)
        s = f'<p class="s">{_e(a["summary"])}…</p>' if summary else ""
        rows.append(f'<li><a href="{a["url"]}">{_e(a["title"])}</a><span>{a["day"]:%Y-%m-%d}</span>{s}</li>')
    name = it.r.choice(portal.CATEGORIES)[1]
    body = f'<div class="position">当前位置：<a href="/">首页</a> &gt; {name}</div><div class="list"><h2>{name}</h2><ul>'
    return f"{name}_城市新闻网", body + "\n".join(rows) + "</ul>" + _pager(True) + "</div>"


def zh_table_list(it: _Items, summary: int) -> tuple[str, str]:
    rows = []
    for i in range(it.r.randint(20, 35)):
        a = it.item(i)
        rows.append(
            f'<tr><td class="t"><a href="{a["url"]}">{_e(a["title"])}</a></td><td>({a["day"]:%m-%d})</td></tr>'
        )
    name = it.r.choice(portal.CATEGORIES)[1]
    return f"{name}-新闻中心", f'<table width="100%"><tr><td><b>{name}</b></td></tr>' + "".join(
        rows
    ) + "</table>" + _pager(True)


def zh_div_items(it: _Items, summary: int) -> tuple[str, str]:
    rows = []
    for i in range(it.r.randint(10, 20)):
        a = it.item(i, summary or 90)
        rows.append(
            f'<div class="news-item"><h3><a href="{a["url"]}">{_e(a["title"])}</a></h3>'
            f'<p>{_e(a["summary"])}……</p><div class="info">{a["day"]:%Y-%m-%d} 来源：城市新闻网</div></div>'
        )
    name = it.r.choice(portal.CATEGORIES)[1]
    return f"{name}频道", f"<h1>{name}</h1>" + "\n".join(rows) + _pager(True)


def zh_front(it: _Items, summary: int) -> tuple[str, str]:
    lead = it.item(0, 160)
    body = (
        f'<div class="focus"><h2><a href="{lead["url"]}">{_e(lead["title"])}</a></h2>'
        f'<p>{_e(lead["summary"])}…… <a href="{lead["url"]}">[详细]</a></p></div>'
    )
    for c, n in portal.CATEGORIES:
        lis = "".join(
            f'<li><a href="{a["url"]}">{_e(a["title"])}</a></li>' for a in (it.item(i) for i in range(8))
        )
        body += f'<div class="block"><h3><a href="/{c}/">{n}</a></h3><ul>{lis}</ul></div>'
    return "城市新闻网_首页", body


def zh_topic_hub(it: _Items, summary: int) -> tuple[str, str]:
    intro = "".join(it.text.fill(it.r.choice(portal.SENTENCES)) for _ in range(2))
    body = f'<div class="topic"><h1>专题：城市更新</h1><p class="intro">{_e(intro)}</p>'
    for part in ("最新进展", "政策解读", "图片报道"):
        lis = "".join(
            f'<li><a href="{a["url"]}">{_e(a["title"])}</a> {a["day"]:%m-%d}</li>'
            for a in (it.item(i) for i in range(7))
        )
        body += f"<h2>{part}</h2><ul>{lis}</ul>"
    return "专题：城市更新_城市新闻网", body + "</div>"


def zh_digest(it: _Items, summary: int) -> tuple[str, str]:
    rows = []
    for i in range(it.r.randint(5, 8)):
        a = it.item(i, 300)
        rows.append(
            f'<div class="digest"><h2><a href="{a["url"]}">{_e(a["title"])}</a></h2><p>{_e(a["summary"])}</p></div>'
        )
    return "今日要闻汇总_城市新闻网", "<h1>今日要闻汇总</h1>" + "\n".join(rows)


def en_blog_index(it: _Items, summary: int) -> tuple[str, str]:
    rows = []
    for i in range(it.r.randint(8, 12)):
        a = it.item(i, summary or 260)
        rows.append(
            f'<article class="post"><h2 class="entry-title"><a href="{a["url"]}">{_e(a["title"])}</a></h2>'
            f'<div class="entry-meta">Posted on {a["day"]:%B %d, %Y} by Staff</div>'
            f'<div class="entry-summary"><p>{_e(a["summary"])} [&hellip;]</p><a href="{a["url"]}">Read more</a></div></article>'
        )
    return "Blog – The Daily Harbour", "\n".join(rows) + _pager(False)


def en_cards(it: _Items, summary: int) -> tuple[str, str]:
    rows = []
    for i in range(it.r.randint(12, 24)):
        a = it.item(i, summary or 120)
        rows.append(
            f'<div class="card"><a href="{a["url"]}"><img src="/i/{i}.jpg" alt=""><h3>{_e(a["title"])}</h3></a>'
            f"<p>{_e(a['summary'])}</p><time>{a['day']:%d %b %Y}</time></div>"
        )
    section = it.r.choice(["Business", "World", "Science", "Culture"])
    return f"{section} | The Daily Harbour", f"<h1>{section}</h1><div class='grid'>" + "".join(
        rows
    ) + "</div>"


def en_search(it: _Items, summary: int) -> tuple[str, str]:
    rows = []
    for i in range(it.r.randint(10, 20)):
        a = it.item(i, 160)
        rows.append(
            f'<div class="result"><h3><a href="{a["url"]}">{_e(a["title"])}</a></h3>'
            f"<p>{a['day']:%b %d, %Y} — {_e(a['summary'])}…</p></div>"
        )
    return (
        "Search results for harbour – The Daily Harbour",
        '<h1>Search results for "harbour"</h1>' + "".join(rows) + _pager(False),
    )


def en_archive(it: _Items, summary: int) -> tuple[str, str]:
    body = "<h1>Archive</h1>"
    for month in ("May 2024", "April 2024", "March 2024"):
        lis = "".join(
            f'<li><a href="{a["url"]}">{_e(a["title"])}</a></li>' for a in (it.item(i) for i in range(12))
        )
        body += f"<h2>{month}</h2><ul>{lis}</ul>"
    return "Archive – The Daily Harbour", body


LAYOUTS = {
    "zh-ul-list": (zh_ul_list, True, (0, 0, 60)),
    "zh-table-list": (zh_table_list, True, (0,)),
    "zh-div-items": (zh_div_items, True, (90, 150)),
    "zh-front": (zh_front, True, (0, 0)),
    "zh-topic-hub": (zh_topic_hub, True, (0, 0)),
    "zh-digest": (zh_digest, True, (0, 0)),
    "en-blog-index": (en_blog_index, False, (260, 400)),
    "en-cards": (en_cards, False, (120, 200)),
    "en-search": (en_search, False, (0, 0)),
    "en-archive": (en_archive, False, (0,)),
}


def _lying_meta(title: str, lead_title: str) -> str:
    """Metadata some CMSs put on every page, list pages included."""
    return (
        '<meta property="og:type" content="article"><meta property="article:published_time" '
        'content="2024-05-20T08:00:00+08:00"><script type="application/ld+json">'
        f'{{"@context":"https://schema.org","@type":"NewsArticle","headline":"{_e(lead_title)}"}}</script>'
    )


def generated_pages(seed: int = 16) -> list[tuple[str, str]]:
    """(name, html) of the generated list and hub pages: every layout and variant, plain and with lying metadata."""
    out = []
    n = 0
    for name, (layout, zh, variants) in LAYOUTS.items():
        for v, summary in enumerate(variants):
            for lying in (False, True):
                n += 1
                it = _Items(seed * 1000 + n, zh)
                title, body = layout(it, summary)
                meta = (
                    _lying_meta(title, title)
                    if lying
                    else '<meta property="og:type" content="website">' * (n % 2)
                )
                out.append((f"{name}-{v}{'-meta' if lying else ''}", _page(title, body, zh, meta)))
    return out


def project_pages() -> list[tuple[str, str]]:
    """Non-article pages of the crawl-bench portal and of the demo portals (list, front, about, contact)."""
    from aggregator.extract import decode_html

    p = portal.build(pages=120, seed=3)
    articles = {a.url for a in p.articles}
    out = [
        (f"crawl-portal{path}", body.decode("utf-8"))
        for path, (body, _) in sorted(p.pages.items())
        if path.endswith((".html", "/")) and path not in articles and not path.startswith("/admin/")
    ]
    demo = REPO / "aggregator" / "demo" / "portals"
    for f in sorted(demo.rglob("*.html")):
        rel = f.relative_to(demo).as_posix()
        if (
            rel.endswith(("index.html", "about.html", "contact.html"))
            or rel.startswith(("list/", "category/"))
            or ("/list/" in rel or "/category/" in rel)
        ) and "/admin/" not in rel:
            out.append((f"demo/{rel}", decode_html(f.read_bytes())))
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", help="write the generated pages here")
    ap.add_argument("--no-corpus", action="store_true", help="list pages only")
    args = ap.parse_args(argv)
    from aggregator.extract import extract

    lists = generated_pages() + project_pages()
    if args.out:
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        for name, page in lists:
            (out / (name.replace("/", "_") + ".html")).write_text(page, encoding="utf-8")
    wrong_lists = [name for name, page in lists if extract(page).is_article]
    articles = missed = 0
    extra_lists = 0
    missed_ids: list[str] = []
    if not args.no_corpus and corpus_available():
        for set_name in SETS:
            if not corpus_available(set_name):
                continue
            for page in load_set(set_name):
                verdict = extract(page.html, page.url).is_article
                if not page.truth.strip():  # annotated as a list page (magic-html's 列表页)
                    extra_lists += 1
                    if verdict:
                        wrong_lists.append(f"{set_name}/{page.id}")
                    continue
                articles += 1
                if not verdict:
                    missed += 1
                    missed_ids.append(f"{set_name}/{page.id}")
    n_lists = len(lists) + extra_lists
    print(
        f"list/hub pages: {n_lists} ({len(generated_pages())} generated, {len(lists) - len(generated_pages())} "
        f"crawl-bench and demo portal pages, {extra_lists} from the corpus)"
    )
    print(f"corpus articles: {articles}\n")
    print(f"{'':<22}{'judged article':>16}{'judged not':>12}")
    print(f"{'article (corpus)':<22}{articles - missed:>16}{missed:>12}")
    print(f"{'list/hub page':<22}{len(wrong_lists):>16}{n_lists - len(wrong_lists):>12}")
    if articles:
        print(f"\narticles judged not an article: {missed} ({missed / articles:.1%})")
    for name in missed_ids:
        print(f"  missed article: {name}")
    for name in wrong_lists:
        print(f"  list page judged an article: {name}")
    return 1 if wrong_lists else 0


if __name__ == "__main__":
    sys.exit(main())
