"""Portals found through machine-readable indexes: feedsite (traditional, RSS) and mapsite (sitemaps)."""

from __future__ import annotations

from email.utils import format_datetime

import opencc

from aggregator.demo._site import ROBOTS, Site, add_lists, esc, iso, stamp
from aggregator.demo.stories import BY_ID, NEWSPAPER_PORTAL

_S2T = opencc.OpenCC("s2t")
BJT = "+0800"

# ---------------------------------------------------------------- feedsite

FEED_IDS = [
    "daye-innovation",
    "provincial-sci-conference",
    "chu-culture-exhibition",
    "library-winter-reading",
    "qianjiang-science-yard",
    "finless-porpoise",
    "river-light-show",
    "hydrogen-ship",
]
FEED_SECTIONS = [("科技", "keji"), ("文化", "wenhua"), ("生活", "shenghuo")]


def t(text: str) -> str:
    return _S2T.convert(text)


def _feed_page(title: str, main: str, nav: bool = True) -> str:
    links = " ".join(f'<a href="/category/{slug}/">{name}</a>' for name, slug in FEED_SECTIONS) if nav else ""
    # the front page passes nav=False: there, articles are reachable only through rss.xml
    html = f"""<!DOCTYPE html>
<html lang="zh-Hant">
<head><meta charset="utf-8"><title>{esc(title)}</title>
<link rel="alternate" type="application/rss+xml" title="RSS" href="/rss.xml"></head>
<body>
<header><a href="/">荆楚资讯网</a> <a href="/rss.xml">RSS订阅</a> {links} <a href="/about.html">关于我们</a>
<a href="/contact.html">联系我们</a></header>
<main>
{main}
</main>
<footer>荆楚资讯网 版权所有 <a href="/admin/index.html">管理后台</a></footer>
</body>
</html>
"""
    return t(html)


def _feed_section(s: dict) -> tuple[str, str]:
    return {"科技": FEED_SECTIONS[0], "文化": FEED_SECTIONS[1]}.get(s["category"], FEED_SECTIONS[2])


def _feed_article(s: dict, when) -> str:
    credit = f"记者 {' '.join(s['reporters'])}"
    if s["correspondents"]:
        credit += f"　通讯员 {' '.join(s['correspondents'])}"
    body = "\n".join(f"<p>{esc(p)}</p>" for p in s["paragraphs"])
    name, slug = _feed_section(s)
    main = f"""<div class="crumbs"><a href="/">首页</a> / <a href="/category/{slug}/">{name}</a></div>
<article><h1>{esc(s["title"])}</h1>
<p class="meta">{when.strftime("%Y-%m-%d %H:%M")}　来源：{s["newspaper"]}</p>
<p class="credit">{credit}</p>
{body}
<p class="editor">责任编辑：{" ".join(s["editors"])}</p></article>"""
    return _feed_page(f"{s['title']} - 荆楚资讯网", main)


def build_feedsite() -> Site:
    site = Site("feedsite")
    entries, sections = [], {slug: [] for _, slug in FEED_SECTIONS}
    for n, i in enumerate(FEED_IDS):
        s = BY_ID[i]
        when = stamp(s, hours=5, minutes=n * 11)
        path = f"/p/{1045 + n * 3}.html"
        site.article(
            path,
            _feed_article(s, when),
            s,
            t(s["title"]),
            first=t(s["paragraphs"][0]),
            traditional=True,
            date_shown=iso(when),
        )
        entries.append((when, path, s))
        sections[_feed_section(s)[1]].append(t(f'<li><a href="{path}">{esc(s["title"])}</a></li>'))
    entries.sort(key=lambda e: e[0], reverse=True)
    items = []
    for when, path, s in entries:
        items.append(
            f"<item><title>{esc(t(s['title']))}</title><link>{{{{base:feedsite}}}}{path}</link>"
            f'<guid isPermaLink="true">{{{{base:feedsite}}}}{path}</guid>'
            f"<pubDate>{format_datetime(when).replace('-0000', BJT)}</pubDate>"
            f"<description>{esc(t(s['paragraphs'][0])[:100])}</description></item>"
        )
    site.files["/rss.xml"] = (
        '<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel>'
        f"<title>{t('荆楚资讯网')}</title><link>{{{{base:feedsite}}}}/</link>"
        f"<description>{t('荆楚资讯网最新文章')}</description><language>zh-TW</language>\n"
        + "\n".join(items)
        + "\n</channel></rss>\n"
    )
    site.non_articles.append("/rss.xml")
    front = '<p>最新文章请订阅 <a href="/rss.xml">RSS</a>。</p>'
    site.page("/", _feed_page("荆楚资讯网", front, nav=False))
    add_lists(
        site,
        lambda name, main: _feed_page(f"{name} - 荆楚资讯网", main),
        [(name, slug, sections[slug]) for name, slug in FEED_SECTIONS],
        lambda slug, n: f"/category/{slug}/" if n == 1 else f"/category/{slug}/page{n}.html",
        2,
    )
    site.page(
        "/about.html",
        _feed_page(
            "关于我们",
            "<h2>关于我们</h2><p>荆楚资讯网为海外读者整理湖北新闻。</p><p>所有文章均注明来源。</p>",
        ),
    )
    site.page(
        "/contact.html",
        _feed_page("联系我们", "<h2>联系我们</h2><p>邮箱：editor@example.com</p><p>传真：027-55556666</p>"),
    )
    site.robots_and_admin()
    return site


# ---------------------------------------------------------------- mapsite

MAP_IDS = [
    "daye-innovation",
    "optics-valley-talent-cjrb",
    "yangluo-port",
    "perovskite-cell",
    "huangshi-mine-park",
    "river-light-show",
    "tech-sme-record",
    "metro-line12",
]
MAP_SECTIONS = [("科技", "keji"), ("财经", "caijing"), ("城市", "chengshi")]


def _map_page(title: str, main: str) -> str:
    nav = " ".join(f'<a href="/column/{slug}/">{name}</a>' for name, slug in MAP_SECTIONS)
    return f"""<!DOCTYPE html>
<html>
<head><meta charset="utf-8"><title>{esc(title)}</title></head>
<body>
<div class="bar"><a href="/">江城热点</a> {nav}
<a href="/about.html">关于</a> <a href="/contact.html">联系</a></div>
{main}
<div class="copy">江城热点 © 2023 <a href="/admin/index.html">登录</a></div>
</body>
</html>
"""


def _map_section(s: dict) -> tuple[str, str]:
    return {"科技": MAP_SECTIONS[0], "经济": MAP_SECTIONS[1]}.get(s["category"], MAP_SECTIONS[2])


def _map_article(n: int, s: dict, when) -> tuple[str, str]:
    # the portal rotates its date and source formats; only some show a year
    shown = when.strftime("发布时间：%m-%d %H:%M") if n % 2 == 0 else when.strftime("%Y-%m-%d")
    paper = s["newspaper"]
    portal = NEWSPAPER_PORTAL[paper]
    source = ["转载自" + paper, "本文来源于" + paper, f'来源：<a href="{{{{base:{portal}}}}}/">{paper}</a>'][
        n % 3
    ]
    byline = f"文/{' '.join(s['reporters'])}"
    if s["correspondents"]:
        byline += f" 通讯员 {' '.join(s['correspondents'])}"
    body = "\n".join(f"<p>{esc(p)}</p>" for p in s["paragraphs"])
    main = f"""<div class="art">
<h1>{esc(s["title"])}</h1>
<div class="tm">{shown} <span>{source}</span></div>
<p class="au">{byline}</p>
{body}
<p class="ed">责任编辑：{" ".join(s["editors"])}</p>
</div>"""
    # a yearless date is not a full date: truth records none for it
    return _map_page(f"{s['title']}|江城热点", main), iso(when) if n % 2 == 1 else None


def build_mapsite() -> Site:
    site = Site("mapsite")
    sections = {slug: [] for _, slug in MAP_SECTIONS}
    urls = []
    for n, i in enumerate(MAP_IDS):
        s = BY_ID[i]
        when = stamp(s, hours=1, minutes=53 + n)
        path = f"/html/{when.strftime('%Y/%m%d')}/m{3001 + n}.html"
        html, date_shown = _map_article(n, s, when)
        site.article(path, html, s, s["title"], first=s["paragraphs"][0], date_shown=date_shown)
        sections[_map_section(s)[1]].append(f'<li><a href="{path}">{esc(s["title"])}</a></li>')
        urls.append((path, when.strftime("%Y-%m-%d")))
    front = "\n".join(
        f'<li><a href="{p}">{esc(BY_ID[i]["title"])}</a></li>'
        for (p, _), i in zip(urls, MAP_IDS, strict=True)
    )
    site.page("/", _map_page("江城热点", f'<h2>热点</h2>\n<ul class="list">\n{front}\n</ul>'))
    add_lists(
        site,
        lambda name, main: _map_page(f"{name}|江城热点", main),
        [(name, slug, sections[slug]) for name, slug in MAP_SECTIONS],
        lambda slug, n: f"/column/{slug}/" if n == 1 else f"/column/{slug}/{n}.html",
        2,
    )
    site.page(
        "/about.html",
        _map_page("关于", "<h2>关于江城热点</h2><p>江城热点聚合武汉本地新闻。</p><p>欢迎读者投稿。</p>"),
    )
    site.page(
        "/contact.html", _map_page("联系", "<h2>联系我们</h2><p>微信：jcrd2023</p><p>电话：027-66668888</p>")
    )
    pages = list(site.non_articles)
    site.files["/sitemap.xml"] = _sitemap_index(["/sitemap-articles.xml", "/sitemap-pages.xml"])
    site.files["/sitemap-articles.xml"] = _urlset(urls)
    site.files["/sitemap-pages.xml"] = _urlset([(p, "2023-01-16") for p in pages])
    site.non_articles += ["/sitemap.xml", "/sitemap-articles.xml", "/sitemap-pages.xml"]
    site.robots_and_admin(ROBOTS + "Sitemap: {{base:mapsite}}/sitemap.xml\n")
    return site


_XML = '<?xml version="1.0" encoding="UTF-8"?>\n'
_NS = 'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'


def _sitemap_index(paths: list[str]) -> str:
    maps = "".join(
        f"<sitemap><loc>{{{{base:mapsite}}}}{p}</loc><lastmod>2023-01-16</lastmod></sitemap>\n" for p in paths
    )
    return f"{_XML}<sitemapindex {_NS}>\n{maps}</sitemapindex>\n"


def _urlset(entries: list[tuple[str, str]]) -> str:
    rows = "".join(
        f"<url><loc>{{{{base:mapsite}}}}{p}</loc><lastmod>{d}</lastmod></url>\n" for p, d in entries
    )
    return f"{_XML}<urlset {_NS}>\n{rows}</urlset>\n"
