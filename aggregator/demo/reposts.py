"""Repost portals xinxi (modelled on the seed page) and gbk (GBK bytes, re-keyed and trimmed copies)."""

from __future__ import annotations

from aggregator.demo._site import Site, add_lists, esc, half_width, original_url, stamp
from aggregator.demo.stories import BY_ID, NEWSPAPER_PORTAL

# ---------------------------------------------------------------- xinxi

XINXI_IDS = [
    "daye-innovation",
    "provincial-sci-conference",
    "perovskite-cell",
    "hydrogen-ship",
    "xiangyang-smart-farm",
    "tech-sme-record",
    "optics-valley-talent-kjb",
    "co-poisoning-science",
    "huangshi-mine-park",
    "provincial-sci-conference-cjrb",
    "optics-valley-talent-cjrb",
    "spring-festival-travel",
    "yangluo-port",
    "finless-porpoise",
]
XINXI_SECTIONS = {"科技": ("科技", "keji"), "经济": ("财经", "caijing")}
XINXI_OTHER = ("社会", "shehui")
HOT_IDS = ["spring-festival-travel", "finless-porpoise", "xiangyang-smart-farm"]


def _xinxi_page(title: str, main: str) -> str:
    return f"""<!DOCTYPE html>
<html>
<head><meta charset="utf-8"><title>{esc(title)}</title></head>
<body>
<div class="top"><span>服务粉丝</span></div>
<div class="header"><p>我们一直在努力</p></div>
<div class="nav"><a href="/">首页</a> <a href="/a/keji/">科技</a> <a href="/a/caijing/">财经</a>
<a href="/a/shehui/">社会</a> <a href="/about.html">关于我们</a> <a href="/contact.html">联系方式</a></div>
{main}
<div class="foot">本站部分内容来自互联网，如有侵权请联系删除 <a href="/admin/index.html">管理</a></div>
</body>
</html>
"""


def _section(story: dict) -> tuple[str, str]:
    return XINXI_SECTIONS.get(story["category"], XINXI_OTHER)


def _xinxi_path(story: dict) -> str:
    n = XINXI_IDS.index(story["id"])
    return f"/a/{_section(story)[1]}/{story['published'][:10].replace('-', '')}/{3817 + n * 7}.html"


def _teasers(heading: str, stories: list[dict]) -> str:
    items = []
    for s in stories:
        snippet = half_width(s["paragraphs"][0])[:72]
        items.append(
            f'<li><a href="{_xinxi_path(s)}">{esc(s["title"])}</a></li>\n<li class="s">{esc(snippet)}</li>'
        )
    return f'<div class="box"><h3>{heading}</h3>\n<ul>\n' + "\n".join(items) + "\n</ul></div>"


def _xinxi_article(s: dict, shown_date: str) -> str:
    name, slug = _section(s)
    paper = s["newspaper"]
    body = "\n".join(f"<p>{esc(half_width(p))}</p>" for p in s["paragraphs"])
    attribution = [f"<p>来源:{paper}</p>", f"<p>记者:{' '.join(s['reporters'])}</p>"]
    if s["correspondents"]:
        attribution.append(f"<p>通讯员:{'  '.join(s['correspondents'])}</p>")
    attribution.append(f"<p>编辑:{' '.join(s['editors'])}</p>")
    others = [BY_ID[i] for i in XINXI_IDS if i != s["id"]]
    related = [o for o in others if _section(o) == (name, slug)][:6]
    hot = [BY_ID[i] for i in HOT_IDS if i != s["id"]][:3]
    newest = sorted(others, key=lambda o: o["published"], reverse=True)[:3]
    main = f"""<div class="position">当前位置:<a href="/">首页</a> > <a href="/a/{slug}/">{name}</a> ></div>
<div class="article">
<h1>{esc(s["title"])}</h1>
<div class="info">日期:<span>{shown_date}</span> 来源:<span>{paper}</span>收集编辑:<span>{paper}</span></div>
<div class="content">
{body}
{chr(10).join(attribution)}
</div>
</div>
{_teasers("相关阅读", related)}
{_teasers("热门文章", hot)}
{_teasers("最新文章", newest)}"""
    return _xinxi_page(f"{s['title']}_服务粉丝", main)


def build_xinxi() -> Site:
    site = Site("xinxi")
    stories = [BY_ID[i] for i in XINXI_IDS]
    for n, s in enumerate(stories):
        # like the seed page, a third of the copies show an empty date
        day = "" if n % 3 == 0 else s["published"][:10]
        first = half_width(s["paragraphs"][0])
        site.article(
            _xinxi_path(s), _xinxi_article(s, day), s, s["title"], first=first, date_shown=day or None
        )
    latest = sorted(stories, key=lambda s: s["published"], reverse=True)

    def item(s: dict) -> str:
        return f'<li><a href="{_xinxi_path(s)}">{esc(s["title"])}</a> <span>{s["published"][:10]}</span></li>'

    front = "\n".join(item(s) for s in latest[:6])
    site.page("/", _xinxi_page("服务粉丝", f'<h2>最新文章</h2>\n<ul class="list">\n{front}\n</ul>'))
    sections = []
    for name, slug in [*XINXI_SECTIONS.values(), XINXI_OTHER]:
        sections.append((name, slug, [item(s) for s in latest if _section(s)[1] == slug]))
    add_lists(
        site,
        lambda name, main: _xinxi_page(f"{name}_服务粉丝", main),
        sections,
        lambda slug, n: f"/a/{slug}/" if n == 1 else f"/a/{slug}/list_{n}.html",
        3,
    )
    site.page(
        "/about.html",
        _xinxi_page(
            "关于我们",
            "<h2>关于我们</h2><p>服务粉丝，我们一直在努力。</p><p>本站整理各地新闻资讯，方便读者阅读。</p>",
        ),
    )
    site.page(
        "/contact.html",
        _xinxi_page(
            "联系方式",
            "<h2>联系方式</h2><p>邮箱：service@example.com</p><p>工作时间：周一至周五 9:00-17:00</p>",
        ),
    )
    site.robots_and_admin()
    return site


# ---------------------------------------------------------------- gbk

GBK_IDS = [
    "daye-innovation",
    "provincial-sci-conference-cjrb",
    "metro-line12",
    "hanzheng-new-year-fair",
    "yichang-phosphorus",
    "enshi-dual-teacher",
    "optics-valley-talent-kjb",
    "jianghan-night-economy",
    "shiyan-auto-parts",
    "spring-festival-travel",
]
GBK_SECTIONS = [("国内新闻", "gnxw"), ("本地新闻", "bdxw")]
ADS = [
    "扫码关注荆楚在线微信公众号，获取更多本地资讯。",
    "免责声明：本文转自网络，版权归原作者所有，如有侵权请联系删除。",
]


def _gbk_page(title: str, main: str) -> str:
    nav = " ".join(f'<a href="/news/{slug}/index.htm">{name}</a>' for name, slug in GBK_SECTIONS)
    return f"""<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">
<html>
<head>
<meta http-equiv="Content-Type" content="text/html; charset=gb2312" />
<title>{esc(title)}</title>
</head>
<body>
<div id="top"><a href="/">荆楚在线</a> | 新闻中心 | {nav} |
<a href="/about.htm">关于我们</a> | <a href="/contact.htm">联系我们</a></div>
{main}
<div id="footer">荆楚在线 版权所有 鄂ICP备09012345号 <a href="/admin/index.html">后台</a></div>
</body>
</html>
"""


def _gbk_path(n: int, story: dict) -> str:
    day = stamp(story, hours=26).strftime("%Y-%m/%d")
    return f"/news/{day}/content_{88231 + n * 13}.htm"


def _gbk_article(n: int, s: dict) -> tuple[str, str, bool, str, str]:
    shown_title = ("【转载】" if n % 2 == 0 else "") + s["title"]
    truncated = n % 3 == 1
    paras = [half_width(p, quotes=True) if n % 2 == 1 else p for p in s["paragraphs"]]
    if truncated:
        paras = paras[: (len(paras) + 1) // 2]
    elif n % 3 == 2:
        paras.insert(2, ADS[n % 2])
    when = stamp(s, hours=26, minutes=n * 7 % 50)
    label = "稿件来源" if NEWSPAPER_PORTAL[s["newspaper"]] == "cjrb" else "文章来源"
    byline = f"记者:{' '.join(s['reporters'])}"
    if s["correspondents"]:
        byline += f" 通讯员:{' '.join(s['correspondents'])}"
    body = "\n".join(f"<p>{esc(p)}</p>" for p in [byline, *paras])
    more = f'<p class="more"><a href="{original_url(s)}">阅读全文</a></p>' if truncated else ""
    main = f"""<div id="article">
<h1>{esc(shown_title)}</h1>
<div class="source">{when.strftime("%Y年%m月%d日 %H:%M")}　{label}：{s["newspaper"]}</div>
<div id="text">
{body}
{more}
<p>（责任编辑：{"、".join(s["editors"])}）</p>
</div>
</div>"""
    return (
        _gbk_page(f"{shown_title}_新闻中心_荆楚在线", main),
        shown_title,
        truncated,
        when.strftime("%Y-%m-%dT%H:%M:00+08:00"),
        paras[0],
    )


def _gbk_section(s: dict) -> str:
    return "gnxw" if NEWSPAPER_PORTAL[s["newspaper"]] == "kjb" else "bdxw"


def build_gbk() -> Site:
    site = Site("gbk", encoding="gbk")
    items: dict[str, list[str]] = {slug: [] for _, slug in GBK_SECTIONS}
    for n, i in enumerate(GBK_IDS):
        s = BY_ID[i]
        html, shown, truncated, when, first = _gbk_article(n, s)
        path = _gbk_path(n, s)
        site.article(path, html, s, shown, first=first, truncated=truncated, date_shown=when)
        items[_gbk_section(s)].append(f'<li><a href="{path}">{esc(shown)}</a></li>')
    front = "\n".join(items["gnxw"][:3] + items["bdxw"][:3])
    site.page("/", _gbk_page("荆楚在线_新闻中心", f'<h2>头条</h2>\n<ul class="list">\n{front}\n</ul>'))
    add_lists(
        site,
        lambda name, main: _gbk_page(f"{name}_新闻中心_荆楚在线", main),
        [(name, slug, items[slug]) for name, slug in GBK_SECTIONS],
        lambda slug, n: f"/news/{slug}/index.htm" if n == 1 else f"/news/{slug}/index_{n - 1}.htm",
        3,
    )
    site.page(
        "/about.htm",
        _gbk_page(
            "关于我们_荆楚在线",
            "<h2>关于我们</h2><p>荆楚在线是湖北地区综合性资讯网站。</p>"
            "<p>本站转载内容仅供参考，不代表本站观点。</p>",
        ),
    )
    site.page(
        "/contact.htm",
        _gbk_page(
            "联系我们_荆楚在线",
            "<h2>联系我们</h2><p>电话：027-88886666</p><p>地址：湖北省武汉市洪山区珞喻路100号</p>",
        ),
    )
    site.robots_and_admin()
    return site
