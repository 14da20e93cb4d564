"""The newspaper sites holding the originals, each in its own template: kjb (武汉科技报), cjrb (长江日报)."""

from __future__ import annotations

from aggregator.demo._site import Site, chunks, esc, original_path, pager
from aggregator.demo.stories import CJRB, KJB, STORIES, published_iso

KJB_CATEGORIES = {"科技": "keji", "经济": "jingji", "社会": "shehui"}
CJRB_CATEGORIES = {"要闻": "yaowen", "经济": "jingji", "文化": "wenhua"}
PAGE_SIZE = 4


def _latest(paper: str) -> list[dict]:
    return sorted((s for s in STORIES if s["newspaper"] == paper), key=lambda s: s["published"], reverse=True)


# ---------------------------------------------------------------- 武汉科技报


def _kjb_page(title: str, main: str) -> str:
    nav = " ".join(f'<a href="/list/{slug}.html">{name}</a>' for name, slug in KJB_CATEGORIES.items())
    return f"""<!DOCTYPE html>
<html lang="zh-CN">
<head><meta charset="utf-8"><title>{esc(title)}</title></head>
<body>
<div class="masthead"><a href="/" class="logo">武汉科技报</a>
<span class="slogan">传播科技知识 服务创新发展</span></div>
<div class="nav"><a href="/">首页</a> {nav}
<a href="/about.html">关于本报</a> <a href="/contact.html">联系我们</a></div>
<div class="main">
{main}
</div>
<div class="footer"><p>版权所有：武汉科技报社 未经书面授权禁止转载</p>
<p>鄂ICP备05003316号-1 鄂公网安备42010602000123号</p><p><a href="/admin/index.html">网站管理</a></p></div>
</body>
</html>
"""


def _kjb_item(s: dict) -> str:
    date = f'<span class="date">{s["published"][:10]}</span>'
    return f'<li><a href="{original_path(s)}">{esc(s["title"])}</a>{date}</li>'


def _kjb_article(s: dict) -> str:
    body = "\n".join(f"<p>{esc(p)}</p>" for p in s["paragraphs"])
    byline = [f"<p>记者：{' '.join(s['reporters'])}</p>"]
    if s["correspondents"]:
        byline.append(f"<p>通讯员：{' '.join(s['correspondents'])}</p>")
    byline.append(f"<p>编辑：{' '.join(s['editors'])}</p>")
    slug = KJB_CATEGORIES[s["category"]]
    main = f"""<div class="crumb">您的位置：<a href="/">首页</a> &gt;
<a href="/list/{slug}.html">{s["category"]}</a></div>
<h1>{esc(s["title"])}</h1>
<div class="info">{s["published"]}&nbsp;&nbsp;来源：武汉科技报</div>
<div class="TRS_Editor">
{body}
</div>
<div class="byline">
{chr(10).join(byline)}
</div>
<div class="share">分享到：<a href="#">微信</a> <a href="#">微博</a></div>"""
    return _kjb_page(f"{s['title']}-武汉科技报", main)


def _originals(name: str, stories, render) -> tuple[Site, list]:
    """A newspaper's site holding its latest stories as original articles, newest first."""
    site = Site(name)
    latest = _latest(stories)
    for s in latest:
        site.article(
            original_path(s),
            render(s),
            s,
            s["title"],
            first=s["paragraphs"][0],
            original=True,
            date_shown=published_iso(s),
        )
    return site, latest


def build_kjb() -> Site:
    site, latest = _originals("kjb", KJB, _kjb_article)
    items = "\n".join(_kjb_item(s) for s in latest[:8])
    site.page("/", _kjb_page("武汉科技报", f'<h2>最新报道</h2>\n<ul class="news">\n{items}\n</ul>'))
    for name, slug in KJB_CATEGORIES.items():
        pages = chunks([s for s in latest if s["category"] == name], PAGE_SIZE)

        def url(n: int, slug: str = slug) -> str:
            return f"/list/{slug}.html" if n == 1 else f"/list/{slug}_{n}.html"

        for n, page in enumerate(pages, 1):
            items = "\n".join(_kjb_item(s) for s in page)
            main = f'<h2>{name}</h2>\n<ul class="news">\n{items}\n</ul>\n{pager(len(pages), n, url)}'
            site.page(url(n), _kjb_page(f"{name}-武汉科技报", main))
    site.page(
        "/about.html",
        _kjb_page(
            "关于本报-武汉科技报",
            "<h2>关于本报</h2><p>武汉科技报创刊于1985年，是湖北省内面向大众的科技类报纸，每周出版两期。</p>"
            "<p>本报立足武汉、服务全省，重点报道科技创新、产业发展和科学普及。</p>",
        ),
    )
    site.page(
        "/contact.html",
        _kjb_page(
            "联系我们-武汉科技报",
            "<h2>联系我们</h2><p>地址：武汉市武昌区中北路科技大厦12楼</p>"
            "<p>新闻热线：027-87654321 投稿邮箱：tougao@example.com</p>",
        ),
    )
    site.robots_and_admin()
    return site


# ---------------------------------------------------------------- 长江日报


def _cjrb_page(title: str, main: str) -> str:
    nav = " | ".join(f'<a href="/channel/{slug}.shtml">{name}</a>' for name, slug in CJRB_CATEGORIES.items())
    return f"""<!DOCTYPE html>
<html lang="zh-CN">
<head><meta http-equiv="Content-Type" content="text/html; charset=utf-8"><title>{esc(title)}</title></head>
<body>
<header><div class="logo"><a href="/">长江日报</a></div><div class="date-bar">长江网 · 武汉城市门户</div>
<nav><a href="/">首页</a> | {nav} |
<a href="/about.html">关于我们</a> | <a href="/contact.html">联系我们</a></nav></header>
<section class="content">
{main}
</section>
<footer><p>长江日报报业集团 版权所有 Copyright © 2023</p><p>鄂ICP备13003457号 互联网新闻信息服务许可证</p>
<p><a href="/admin/index.html">管理入口</a></p></footer>
</body>
</html>
"""


def _cjrb_date(s: dict) -> str:
    y, m, rest = s["published"].split("-")
    d, hm = rest.split()
    return f"{y}年{m}月{d}日 {hm}"


def _cjrb_item(s: dict) -> str:
    return f'<li><a href="{original_path(s)}">{esc(s["title"])}</a> <em>{_cjrb_date(s)}</em></li>'


def _cjrb_article(s: dict) -> str:
    line = f"长江日报记者 {' '.join(s['reporters'])}"
    if s["correspondents"]:
        line += f" 通讯员 {' '.join(s['correspondents'])}"
    body = "\n".join(f"<p>{esc(p)}</p>" for p in [line, *s["paragraphs"]])
    main = f"""<article>
<h1 class="title">{esc(s["title"])}</h1>
<div class="meta"><span class="time">{_cjrb_date(s)}</span> <span class="src">长江日报</span></div>
<div class="article-body">
{body}
<p class="editor">（责任编辑：{"、".join(s["editors"])}）</p>
</div>
</article>"""
    return _cjrb_page(f"{s['title']}_长江日报", main)


def build_cjrb() -> Site:
    site, latest = _originals("cjrb", CJRB, _cjrb_article)
    items = "\n".join(_cjrb_item(s) for s in latest[:6])
    site.page("/", _cjrb_page("长江日报-长江网", f'<h2>今日要闻</h2>\n<ul class="list">\n{items}\n</ul>'))
    for name, slug in CJRB_CATEGORIES.items():
        pages = chunks([s for s in latest if s["category"] == name], 3)

        def url(n: int, slug: str = slug) -> str:
            return f"/channel/{slug}.shtml" if n == 1 else f"/channel/{slug}_{n}.shtml"

        for n, page in enumerate(pages, 1):
            items = "\n".join(_cjrb_item(s) for s in page)
            main = f'<h2>{name}</h2>\n<ul class="list">\n{items}\n</ul>\n{pager(len(pages), n, url)}'
            site.page(url(n), _cjrb_page(f"{name}_长江日报", main))
    site.page(
        "/about.html",
        _cjrb_page(
            "关于我们_长江日报",
            "<h2>关于我们</h2><p>长江日报是中共武汉市委机关报，1949年6月23日创刊。</p>"
            "<p>长江网是长江日报报业集团主办的武汉城市门户网站。</p>",
        ),
    )
    site.page(
        "/contact.html",
        _cjrb_page(
            "联系我们_长江日报",
            "<h2>联系我们</h2><p>地址：武汉市江汉区解放大道1234号</p><p>读者热线：027-12345678</p>",
        ),
    )
    site.robots_and_admin()
    return site
