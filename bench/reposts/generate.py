"""Build repost portals from real article bodies: ``python -m bench.reposts.generate --out DIR``.

Two newspaper portals host originals of some stories; five repost portals (one GBK declared as gb2312, one in
traditional characters) repost random subsets with random transformations. ``truth.json`` records, for every
portal, each article page's story and transformations and every non-article page; and for every story its
source, reporters, correspondents, editors, publication time and original body.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import shutil
import sys
from dataclasses import dataclass, field
from html import escape
from pathlib import Path

from bench.reposts.pool import NEWSPAPERS, CorpusMissing, Story, build_stories

# newspaper name -> the portal that hosts its originals (the other papers have no site in the set)
PAPER_PORTAL = {NEWSPAPERS[0]: "jcrb", NEWSPAPERS[1]: "ctcb"}
PORTALS = ["jcrb", "ctcb", "fensi", "jingchu", "gangao", "zixun", "kuaibao"]
REPOST_PORTALS = PORTALS[2:]
ADS = [
    "扫码关注{site}微信公众号，获取更多本地资讯。",
    "免责声明：本文转自网络，版权归原作者所有，如有侵权请联系删除。",
    "扫码关注我们，每天推送最新热点新闻，欢迎转发分享。",
]
TEASER_HEADINGS = ("相关阅读", "热门文章", "最新文章")


def esc(text: str) -> str:
    return escape(text, quote=True)


@dataclass
class Copy:
    """One planned article page: a story on a portal with the transformations to apply."""

    story: Story
    portal: str
    path: str = ""
    full: bool = False  # carries the exact date with year, the source and the whole byline
    t: dict = field(default_factory=dict)
    shown: str = ""  # the article text this page shows (simplified characters, without inserted ads)


@dataclass
class Portal:
    name: str
    site: str
    encoding: str = "utf-8"
    newspaper: str | None = None
    files: dict[str, str] = field(default_factory=dict)
    articles: dict[str, dict] = field(default_factory=dict)
    non_articles: list[str] = field(default_factory=list)
    copies: list[Copy] = field(default_factory=list)

    def page(self, path: str, html: str) -> None:
        assert path not in self.files, path
        self.files[path] = html
        self.non_articles.append(path)

    def article(self, c: Copy, html: str) -> None:
        assert c.path not in self.files, c.path
        self.files[c.path] = html
        shown = c.shown or c.story.body
        self.articles[c.path] = {"story": c.story.sid, "full": c.full, "transforms": c.t, "shown_body": shown}


# ------------------------------------------------------------------------------------------------- text forms

_HALF = str.maketrans(
    {"，": ",", "：": ":", "；": ";", "（": "(", "）": ")", "！": "!", "？": "?", "“": '"', "”": '"'}
)
_FULL = str.maketrans({",": "，", ":": "：", ";": "；", "(": "（", ")": "）", "!": "！", "?": "？"})


def half_width(text: str) -> str:
    return text.translate(_HALF)


def full_width(text: str) -> str:
    """The reverse: ASCII punctuation, digits and letters in full-width forms."""
    text = text.translate(_FULL)
    return "".join(chr(ord(ch) + 0xFEE0) if ch.isascii() and ch.isalnum() else ch for ch in text)


_S2T = None


def trad(text: str) -> str:
    global _S2T
    if _S2T is None:
        import opencc

        _S2T = opencc.OpenCC("s2t")
    return _S2T.convert(text)


def truncate(paras: list[str], rng: random.Random) -> tuple[list[str], float]:
    """The first 40-70% of the text, cut at a paragraph or sentence end."""
    frac = rng.uniform(0.4, 0.7)
    total = sum(len(p) for p in paras)
    out, n = [], 0
    for p in paras:
        if n + len(p) <= frac * total:
            out.append(p)
            n += len(p)
            continue
        keep = int(frac * total - n)
        cut = max(p.rfind(ch, 0, keep + 1) for ch in "。！？")
        if n + cut + 1 < 0.4 * total:  # no sentence end late enough: cut after a comma, else mid-sentence
            cut = max(p.rfind("，", 0, keep + 1), keep - 1)
        if cut > 0:
            out.append(p[: cut + 1])
        break
    return (out or paras[:1]), frac


def merge_paras(paras: list[str]) -> list[str]:
    return ["".join(paras[i : i + 2]) for i in range(0, len(paras), 2)]


def split_paras(paras: list[str]) -> list[str]:
    out = []
    for p in paras:
        mid = p.find("。", len(p) // 2)
        if len(p) > 120 and 0 < mid < len(p) - 10:
            out += [p[: mid + 1], p[mid + 1 :]]
        else:
            out.append(p)
    return out


def body_html(paras: list[str], layout: str) -> str:
    if layout == "br":
        return "<p>" + "<br><br>\n".join("\u3000\u3000" + esc(p) for p in paras) + "</p>"
    if layout == "indent":
        return "\n".join(f"<p>\u3000\u3000{esc(p)}</p>" for p in paras)
    if layout == "spaced":
        return "\n".join(f"<p>  {esc(p.replace('。', '。 '))} </p>\n" for p in paras)
    return "\n".join(f"<p>{esc(p)}</p>" for p in paras)


def fmt_date(t: dt.datetime, form: str, day_only: bool) -> str:
    if form == "cn":
        return t.strftime("%Y年%m月%d日") + ("" if day_only else t.strftime(" %H:%M"))
    if form == "day":
        return t.strftime("%Y-%m-%d")
    if form == "noyear":
        return t.strftime("%m-%d") + ("" if day_only else t.strftime(" %H:%M"))
    if form == "fabu":
        return "发布时间：" + t.strftime("%Y-%m-%d") + ("" if day_only else t.strftime(" %H:%M"))
    if form == "iso-sec":
        return t.strftime("%Y-%m-%d") + ("" if day_only else t.strftime(" %H:%M:%S"))
    return t.strftime("%Y-%m-%d") + ("" if day_only else t.strftime(" %H:%M"))  # "iso"


def source_line(form: str, source: str, link: str | None = None) -> str:
    """HTML of a 来源 statement in one of the forms reposting portals use."""
    s = esc(source)
    return {
        "来源：": f"来源：{s}",
        "来源:": f"来源:{s}",
        "稿件来源：": f"稿件来源：{s}",
        "文章来源：": f"文章来源：{s}",
        "转载自": f"转载自{s}",
        "本文来源于": f"本文来源于{s}",
        "來源：": f"來源：{s}",
        "link": f'来源：<a href="{link or "#"}" target="_blank">{s}</a>',
        "mangled": f"来源:<span>{s}</span>收集编辑:<span>{s}</span>",
    }[form]


# ------------------------------------------------------------------------------------------------- planning


def plan(stories: list[Story], rng: random.Random) -> dict[str, list[Copy]]:
    """Which portal shows which story, which copy carries the full metadata, and each copy's transformations."""
    by_portal: dict[str, list[Copy]] = {p: [] for p in PORTALS}
    placed: dict[str, list[Copy]] = {}
    for s in stories:
        copies: list[Copy] = []
        home = PAPER_PORTAL.get(s.source)
        if home and rng.random() < 0.75:
            copies.append(Copy(s, home, full=True))
        reposts = [p for p in REPOST_PORTALS if rng.random() < 0.6]
        if s.related_to and s.related_to in placed:  # hard negatives sit next to the story they echo
            shared = [c.portal for c in placed[s.related_to] if c.portal in REPOST_PORTALS]
            if shared and not set(shared) & set(reposts):
                reposts.append(rng.choice(shared))
        while len(copies) + len(reposts) < 2:
            reposts.append(rng.choice([p for p in REPOST_PORTALS if p not in reposts]))
        reposts = [p for p in REPOST_PORTALS if p in reposts]
        copies += [Copy(s, p) for p in reposts]
        if not copies[0].full:
            rng.choice(copies).full = True
        for c in copies:
            by_portal[c.portal].append(c)
        placed[s.sid] = copies
    for portal, copies in by_portal.items():
        copies.sort(key=lambda c: c.story.published)
        for c in copies:
            if portal in REPOST_PORTALS:
                c.t = _transforms(c, portal, rng)
    return by_portal


def _byline_keep(c: Copy, rng: random.Random) -> str:
    if c.full:
        return "all"
    return rng.choices(["all", "reporters", "none"], weights=[5, 3, 2])[0]


def _transforms(c: Copy, portal: str, rng: random.Random) -> dict:
    """Random transformations for one repost, from the palette of its portal."""
    s = c.story
    t: dict = {"byline": _byline_keep(c, rng)}
    delayed = not c.full and not s.day_only and rng.random() < 0.3
    t["delay_minutes"] = rng.randint(40, 30 * 60) if delayed else 0
    if portal == "fensi":
        t["half_width"] = rng.random() < 0.6
        t["date"] = "iso" if c.full else ("day" if rng.random() < 0.6 else None)
        t["source"] = "mangled" if c.full or rng.random() < 0.8 else None
        t["layout"] = "p"
    elif portal == "jingchu":
        t["zhuanzai"] = rng.random() < 0.5
        t["half_width"] = rng.random() < 0.4
        t["truncate"] = not c.full and rng.random() < 0.4
        t["ads"] = rng.random() < 0.35
        t["date"] = "cn"
        t["source"] = rng.choice(["稿件来源：", "文章来源："]) if c.full or rng.random() < 0.85 else None
        t["layout"] = rng.choice(["p", "indent"])
    elif portal == "gangao":
        t["traditional"] = True
        t["split"] = rng.random() < 0.4
        t["date"] = "iso" if c.full else rng.choice(["iso", "fabu", "day", None])
        t["source"] = "來源：" if c.full or rng.random() < 0.8 else None
        t["layout"] = rng.choice(["p", "spaced"])
    elif portal == "zixun":
        t["full_width"] = rng.random() < 0.4
        t["merge"] = rng.random() < 0.4
        t["ads"] = rng.random() < 0.4
        t["truncate"] = not c.full and rng.random() < 0.25
        t["date"] = "fabu" if c.full else rng.choice(["noyear", "noyear", "fabu", None])
        t["source"] = rng.choice(["转载自", "本文来源于", "来源:"]) if c.full or rng.random() < 0.8 else None
        t["layout"] = rng.choice(["p", "br"])
    elif portal == "kuaibao":
        t["date"] = "fabu" if c.full else rng.choice(["fabu", "cn", None])
        t["source"] = rng.choice(["link", "来源："]) if c.full or rng.random() < 0.75 else None
        t["layout"] = rng.choice(["indent", "p", "spaced"])
        t["retitle"] = rng.random() < 0.3
    return t


# ------------------------------------------------------------------------------------------------- rendering


class Builder:
    def __init__(self, stories: list[Story], seed: int):
        self.stories = stories
        self.rng = random.Random(seed)
        self.by_portal = self.plan(stories)
        self.portals = {
            "jcrb": Portal("jcrb", NEWSPAPERS[0], newspaper=NEWSPAPERS[0]),
            "ctcb": Portal("ctcb", NEWSPAPERS[1], newspaper=NEWSPAPERS[1]),
            "fensi": Portal("fensi", "服务粉丝"),
            "jingchu": Portal("jingchu", "荆楚资讯网", encoding="gbk"),
            "gangao": Portal("gangao", "港澳資訊網"),
            "zixun": Portal("zixun", "天天资讯"),
            "kuaibao": Portal("kuaibao", "快报网"),
        }
        self.path_of: dict[tuple[str, str], str] = {}
        for name, copies in self.by_portal.items():
            for n, c in enumerate(copies):
                c.path = self._path(name, n, c.story)
                self.path_of[(name, c.story.sid)] = c.path

    def plan(self, stories: list[Story]) -> dict[str, list[Copy]]:
        """Which portal shows which story (a hook: bench/hardneg plans its own placement)."""
        return plan(stories, self.rng)

    # ---- paths
    @staticmethod
    def _path(portal: str, n: int, s: Story) -> str:
        t = s.published
        if portal == "jcrb":
            return f"/content/{t:%Y-%m}/{t:%d}/content_{10231 + n * 3}.html"
        if portal == "ctcb":
            return f"/news/{t:%Y%m%d}/n{5012 + n * 7}.shtml"
        if portal == "fensi":
            return f"/a/{s.category[1]}/{t:%Y%m%d}/{3817 + n * 7}.html"
        if portal == "jingchu":
            return f"/news/{t:%Y-%m/%d}/content_{88231 + n * 13}.htm"
        if portal == "gangao":
            return f"/article/{200310 + n * 11}.html"
        if portal == "zixun":
            return f"/html/{t:%Y}/{t:%m%d}/{661 + n * 5}.html"
        return f"/p/{90412 + n * 17}.html"

    def original_link(self, s: Story) -> str | None:
        home = PAPER_PORTAL.get(s.source)
        if home and (home, s.sid) in self.path_of:
            return "{{base:" + home + "}}" + self.path_of[(home, s.sid)]
        return None

    def teasers(self, portal: str, heading: str, stories: list[Story], snippet: int = 0) -> str:
        items = []
        for o in stories:
            title = trad(o.title) if portal == "gangao" else o.title
            items.append(f'<li><a href="{self.path_of[(portal, o.sid)]}">{esc(title)}</a></li>')
            if snippet:
                text = o.paragraphs[0][:snippet]
                text = trad(text) if portal == "gangao" else text
                items.append(f'<li class="s">{esc(text)}…</li>')
        return f'<div class="box"><h3>{heading}</h3>\n<ul>\n' + "\n".join(items) + "\n</ul></div>"

    def hot(self, portal: str, s: Story, k: int) -> list[Story]:
        """The same "hot" / "newest" teaser list on every page of a portal (minus the page's own story)."""
        pool = [c.story for c in self.by_portal[portal]]
        return [o for o in pool[-k - 1 :] if o.sid != s.sid][-k:]

    def others(self, portal: str, s: Story, k: int, same_category: bool = False) -> list[Story]:
        pool = [c.story for c in self.by_portal[portal] if c.story.sid != s.sid]
        if same_category:
            pool = [o for o in pool if o.category == s.category] or pool
        return self.rng.sample(pool, min(k, len(pool)))

    def build(self) -> dict[str, Portal]:
        for name, portal in self.portals.items():
            render = getattr(self, f"_{name}")
            for c in self.by_portal[name]:
                portal.article(c, render(c))
            self._lists(portal)
        return self.portals

    # ---- bylines
    @staticmethod
    def byline(s: Story, keep: str) -> tuple[list[str], list[str], list[str]]:
        if keep == "none":
            return [], [], []
        if keep == "reporters":
            return s.reporters, [], []
        return s.reporters, s.correspondents, s.editors

    # ---- newspapers
    def _wrap(self, portal: Portal, title: str, main: str, head: str = "") -> str:
        p = portal.name
        cats = " ".join(f'<a href="{self._list_url(p, slug, 1)}">{name}</a>' for name, slug in self._cats(p))
        charset = "gb2312" if portal.encoding != "utf-8" else "utf-8"
        meta = (
            f'<meta http-equiv="Content-Type" content="text/html; charset={charset}" />'
            if portal.encoding != "utf-8"
            else '<meta charset="utf-8">'
        )
        site = portal.site
        return f"""<!DOCTYPE html>
<html>
<head>{meta}<title>{esc(title)}</title>{head}</head>
<body>
<div class="top"><a href="/" class="logo">{esc(site)}</a> <span>{"传播新闻 服务读者" if portal.newspaper else "我们一直在努力"}</span></div>
<div class="nav"><a href="/">首页</a> {cats} <a href="/about.html">关于我们</a> <a href="/contact.html">联系我们</a></div>
{main}
<div class="footer"><p>{esc(site)} 版权所有 未经授权禁止转载 鄂ICP备0{len(site)}012345号</p>
<p><a href="/about.html">关于我们</a> | <a href="/contact.html">联系我们</a> | <a href="/admin/index.html">管理</a></p></div>
</body>
</html>
"""

    def _jcrb(self, c: Copy) -> str:
        s, portal = c.story, self.portals["jcrb"]
        rep, cor, edi = self.byline(s, "all")
        lines = [f"<p>记者：{' '.join(rep)}</p>"]
        if cor:
            lines.append(f"<p>通讯员：{' '.join(cor)}</p>")
        if edi:
            lines.append(f"<p>编辑：{' '.join(edi)}</p>")
        related = self.others("jcrb", s, 5, same_category=True)
        main = f"""<div class="main">
<div class="crumb">您的位置：<a href="/">首页</a> &gt; <a href="{self._list_url("jcrb", s.category[1], 1)}">{s.category[0]}</a></div>
<h1>{esc(s.title)}</h1>
<div class="info">{fmt_date(s.published, "iso", s.day_only)}&nbsp;&nbsp;来源：{esc(s.source)}</div>
<div class="TRS_Editor">
{body_html(s.paragraphs, "p")}
</div>
<div class="byline">
{chr(10).join(lines)}
</div>
<div class="share">分享到：<a href="#">微信</a> <a href="#">微博</a></div>
{self.teasers("jcrb", "相关新闻", related)}
</div>"""
        return self._wrap(portal, f"{s.title}-{portal.site}", main)

    def _ctcb(self, c: Copy) -> str:
        s, portal = c.story, self.portals["ctcb"]
        rep, cor, edi = self.byline(s, "all")
        lead = f"{portal.site}记者 {' '.join(rep)}" + (f" 通讯员 {' '.join(cor)}" if cor else "")
        paras = [lead, *s.paragraphs]
        hot = self.others("ctcb", s, 4)
        main = f"""<div class="content">
<h1 class="title">{esc(s.title)}</h1>
<div class="meta"><span>发布时间：{fmt_date(s.published, "cn", s.day_only)}</span></div>
<div class="article-body">
{body_html(paras, "indent")}
{f"<p>（责任编辑：{'、'.join(edi)}）</p>" if edi else ""}
</div>
{self.teasers("ctcb", "热点推荐", hot, snippet=60)}
</div>"""
        return self._wrap(portal, f"{s.title}_{portal.site}", main)

    # ---- reposts
    def _paras(self, c: Copy) -> tuple[list[str], bool]:
        t = c.t
        paras = list(c.story.paragraphs)
        truncated = False
        if t.get("truncate"):
            paras, frac = truncate(paras, self.rng)
            t["truncate"] = round(frac, 2)
            truncated = True
        if t.get("merge"):
            paras = merge_paras(paras)
        if t.get("split"):
            paras = split_paras(paras)
        at = -1
        if t.get("ads"):
            ad = self.rng.choice(ADS).format(site=self.portals[c.portal].site)
            at = self.rng.randint(1, max(1, len(paras) - 1)) if self.rng.random() < 0.5 else len(paras)
            t["ads_at"] = "end" if at == len(paras) else f"before paragraph {at + 1} of {len(paras)}"
            paras.insert(at, ad)
            t["ads"] = ad
        if t.get("half_width"):
            paras = [half_width(p) for p in paras]
        if t.get("full_width"):
            paras = [full_width(p) for p in paras]
        c.shown = "\n".join(p for i, p in enumerate(paras) if i != at)
        return paras, truncated

    def _when(self, c: Copy) -> dt.datetime:
        return c.story.published + dt.timedelta(minutes=c.t.get("delay_minutes", 0))

    def _fensi(self, c: Copy) -> str:
        s, t, portal = c.story, c.t, self.portals["fensi"]
        paras, _ = self._paras(c)
        rep, cor, edi = self.byline(s, t["byline"])
        attribution = []
        if t["source"]:
            attribution.append(f"<p>来源:{esc(s.source)}</p>")
        if rep:
            attribution.append(f"<p>记者:{' '.join(rep)}</p>")
        if cor:
            attribution.append(f"<p>通讯员:{'  '.join(cor)}</p>")
        if edi:
            attribution.append(f"<p>编辑:{' '.join(edi)}</p>")
        day = fmt_date(self._when(c), t["date"], s.day_only) if t["date"] else ""
        src = source_line("mangled", s.source) if t["source"] else ""
        main = f"""<div class="position">当前位置:<a href="/">首页</a> > <a href="{self._list_url("fensi", s.category[1], 1)}">{s.category[0]}</a> ></div>
<div class="article">
<h1>{esc(s.title)}</h1>
<div class="info">日期:<span>{day}</span> {src}</div>
<div class="content">
{body_html(paras, t["layout"])}
{chr(10).join(attribution)}
</div>
</div>
{self.teasers("fensi", "相关阅读", self.others("fensi", s, 6, True), snippet=72)}
{self.teasers("fensi", "热门文章", self.hot("fensi", s, 3), snippet=72)}
{self.teasers("fensi", "最新文章", self.hot("fensi", s, 3), snippet=72)}"""
        return self._wrap(portal, f"{s.title}_服务粉丝", main)

    def _jingchu(self, c: Copy) -> str:
        s, t, portal = c.story, c.t, self.portals["jingchu"]
        paras, truncated = self._paras(c)
        title = ("【转载】" if t["zhuanzai"] else "") + s.title
        rep, cor, edi = self.byline(s, t["byline"])
        byline = (f"记者:{' '.join(rep)}" if rep else "") + (f" 通讯员:{' '.join(cor)}" if cor else "")
        if byline:
            paras = [byline.strip(), *paras]
        more = ""
        if truncated:
            link = self.original_link(s) or "http://www.example.com.cn/"
            more = f'<p class="more"><a href="{link}">阅读全文</a></p>'
        src = f"\u3000{source_line(t['source'], s.source)}" if t["source"] else ""
        main = f"""<div id="article">
<h1>{esc(title)}</h1>
<div class="source">{fmt_date(self._when(c), "cn", s.day_only)}{src}</div>
<div id="text">
{body_html(paras, t["layout"])}
{more}
{f"<p>（责任编辑：{'、'.join(edi)}）</p>" if edi else ""}
</div>
</div>
{self.teasers("jingchu", "相关新闻", self.others("jingchu", s, 5, True))}"""
        return self._wrap(portal, f"{title}_新闻中心_荆楚资讯网", main)

    def _gangao(self, c: Copy) -> str:
        s, t, portal = c.story, c.t, self.portals["gangao"]
        paras, _ = self._paras(c)
        rep, cor, edi = self.byline(s, t["byline"])
        lines = []
        if rep:
            lines.append(f"<p>記者：{' '.join(rep)}</p>")
        if cor:
            lines.append(f"<p>通訊員：{' '.join(cor)}</p>")
        if edi:
            lines.append(f"<p>責任編輯：{' '.join(edi)}</p>")
        date = fmt_date(self._when(c), t["date"], s.day_only) if t["date"] else ""
        src = source_line("來源：", s.source) if t["source"] else ""
        main = f"""<div class="wrap">
<h1>{esc(s.title)}</h1>
<div class="meta">{date} {src}</div>
<div class="text">
{body_html(paras, t["layout"])}
</div>
{chr(10).join(lines)}
{self.teasers("gangao", "延伸閱讀", self.others("gangao", s, 4), snippet=50)}
</div>"""
        return trad(self._wrap(portal, f"{s.title} - 港澳資訊網", main))

    def _zixun(self, c: Copy) -> str:
        s, t, portal = c.story, c.t, self.portals["zixun"]
        paras, truncated = self._paras(c)
        rep, cor, edi = self.byline(s, t["byline"])
        top = ""
        if rep and len(rep) == 1 and not cor and self.rng.random() < 0.5:
            top = f"<p>文/{rep[0]}</p>"
            t["byline_form"] = "文/"
        elif rep:
            top = f"<p>记者 {' '.join(rep)}" + (f" 通讯员 {' '.join(cor)}" if cor else "") + "</p>"
        tail = []
        if t["source"]:
            tail.append(f"<p>{source_line(t['source'], s.source)}</p>")
        if edi:
            tail.append(f"<p>责任编辑：{' '.join(edi)}</p>")
        if truncated:
            link = self.original_link(s) or "/"
            tail.insert(0, f'<p><a href="{link}">阅读全文&gt;&gt;</a></p>')
        date = fmt_date(self._when(c), t["date"], s.day_only) if t["date"] else ""
        main = f"""<div class="left">
<div class="art">
<h1>{esc(s.title)}</h1>
<div class="art-info"><span class="time">{date}</span> <span class="view">阅读：{self.rng.randint(100, 9999)}</span></div>
<div class="art-con">
{top}
{body_html(paras, t["layout"])}
{chr(10).join(tail)}
</div>
</div>
</div>
<div class="right">
{self.teasers("zixun", "热门文章", self.hot("zixun", s, 5), snippet=40)}
{self.teasers("zixun", "相关阅读", self.others("zixun", s, 4, True), snippet=40)}
</div>"""
        return self._wrap(portal, f"{s.title}-天天资讯", main)

    def _kuaibao(self, c: Copy) -> str:
        s, t, portal = c.story, c.t, self.portals["kuaibao"]
        paras, _ = self._paras(c)
        rep, cor, edi = self.byline(s, t["byline"])
        shown = s.title
        if t.get("retitle"):
            shown = f"{s.title}（图）" if self.rng.random() < 0.5 else f"快讯：{s.title}"
            t["retitle"] = shown
        home = PAPER_PORTAL.get(s.source)
        link = "{{base:" + home + "}}/" if home else "http://www.example.com.cn/"
        info = []
        if t["date"]:
            info.append(fmt_date(self._when(c), t["date"], s.day_only))
        if t["source"]:
            info.append(source_line(t["source"], s.source, link))
        if rep:
            info.append(f"记者：{'、'.join(rep)}")
        if cor:
            info.append(f"通讯员：{'、'.join(cor)}")
        ed = f'<div class="editor">编辑：{"、".join(edi)}</div>' if edi else ""
        main = f"""<div class="news">
<h1>{esc(shown)}</h1>
<div class="news-info">{"　".join(info)}</div>
<div class="news-txt">
{body_html(paras, t["layout"])}
</div>
{ed}
</div>
{self.teasers("kuaibao", "最新文章", self.hot("kuaibao", s, 6))}"""
        return self._wrap(portal, f"{shown}_快报网", main)

    # ---- lists, front, about
    @staticmethod
    def _cats(portal: str) -> list[tuple[str, str]]:
        from bench.reposts.pool import CATEGORIES

        return CATEGORIES

    @staticmethod
    def _list_url(portal: str, slug: str, n: int) -> str:
        if portal == "jcrb":
            return f"/list/{slug}.html" if n == 1 else f"/list/{slug}_{n}.html"
        if portal == "ctcb":
            return f"/node_{slug}.shtml" if n == 1 else f"/node_{slug}_{n}.shtml"
        if portal == "fensi":
            return f"/a/{slug}/" if n == 1 else f"/a/{slug}/list_{n}.html"
        if portal == "jingchu":
            return f"/news/{slug}/index.htm" if n == 1 else f"/news/{slug}/index_{n - 1}.htm"
        if portal == "gangao":
            return f"/list/{slug}/{n}.html"
        if portal == "zixun":
            return f"/{slug}/index.html" if n == 1 else f"/{slug}/index_{n}.html"
        return f"/c/{slug}/" if n == 1 else f"/c/{slug}/page/{n}/"

    def _item(self, portal: str, c: Copy, summary: int) -> str:
        s = c.story
        title = f"【转载】{s.title}" if c.t.get("zhuanzai") else s.title
        date = f" <span>{s.published:%Y-%m-%d}</span>"
        text = ""
        if summary:
            text = f'<p class="summary">{esc(s.body.replace(chr(10), "")[:summary])}…</p>'
        return f'<li><a href="{c.path}">{esc(title)}</a>{date}{text}</li>'

    def _lists(self, portal: Portal) -> None:
        name = portal.name
        copies = sorted(self.by_portal[name], key=lambda c: c.story.published, reverse=True)
        summary = 200 if name == "kuaibao" else (60 if name in ("ctcb", "zixun") else 0)
        size = {"kuaibao": 6, "fensi": 6, "jcrb": 8}.get(name, 10)
        for cat, slug in self._cats(name):
            items = [self._item(name, c, summary) for c in copies if c.story.category[1] == slug]
            chunks = [items[i : i + size] for i in range(0, len(items), size)] or [[]]
            for n, chunk in enumerate(chunks, 1):
                bar = []
                if n > 1:
                    bar.append(f'<a href="{self._list_url(name, slug, n - 1)}">上一页</a>')
                for k in range(1, len(chunks) + 1):
                    bar.append(
                        f"<span>{k}</span>"
                        if k == n
                        else f'<a href="{self._list_url(name, slug, k)}">{k}</a>'
                    )
                if n < len(chunks):
                    bar.append(f'<a href="{self._list_url(name, slug, n + 1)}">下一页</a>')
                main = (
                    f'<h2>{cat}</h2>\n<ul class="list">\n'
                    + "\n".join(chunk)
                    + f'\n</ul>\n<div class="pages">{" ".join(bar)}</div>'
                )
                html = self._wrap(portal, f"{cat}_{portal.site}", main)
                portal.page(self._list_url(name, slug, n), trad(html) if name == "gangao" else html)
        front = "\n".join(self._item(name, c, summary) for c in copies[:10])
        main = f'<h2>最新文章</h2>\n<ul class="list">\n{front}\n</ul>'
        if name == "kuaibao":
            # a digest that quotes the opening paragraphs of many articles: a list page, not an article
            digest = []
            for c in copies[:8]:
                digest.append(
                    f'<div class="item"><h3><a href="{c.path}">{esc(c.story.title)}</a></h3>\n'
                    + "\n".join(f"<p>{esc(p)}</p>" for p in c.story.paragraphs[:2])
                    + "</div>"
                )
            portal.page(
                "/zhuanti/jingxuan.html", self._wrap(portal, f"今日精选_{portal.site}", "\n".join(digest))
            )
            main += '\n<p><a href="/zhuanti/jingxuan.html">今日精选</a></p>'
        html = self._wrap(portal, portal.site, main)
        portal.page("/", trad(html) if name == "gangao" else html)
        about = f"<h2>关于我们</h2><p>{esc(portal.site)}是一家综合性新闻资讯网站，致力于为读者提供及时、准确的新闻。</p>"
        contact = "<h2>联系我们</h2><p>电话：027-88886666</p><p>邮箱：service@example.com</p><p>地址：湖北省武汉市洪山区珞喻路100号</p>"
        for path, title, body in (("/about.html", "关于我们", about), ("/contact.html", "联系我们", contact)):
            html = self._wrap(portal, f"{title}_{portal.site}", body)
            portal.page(path, trad(html) if name == "gangao" else html)
        portal.files["/robots.txt"] = "User-agent: *\nDisallow: /admin/\n"
        charset = "gb2312" if portal.encoding != "utf-8" else "utf-8"
        portal.files["/admin/index.html"] = (
            f'<!DOCTYPE html><html><head><meta charset="{charset}"><title>后台登录</title></head>'
            '<body><form method="post" action="/admin/login"><input name="user"><button>登录</button></form></body></html>'
        )


# ------------------------------------------------------------------------------------------------- output


def build(
    which: str = "all", seed: int = 1, part: str | None = None
) -> tuple[dict[str, Portal], list[Story]]:
    stories = build_stories(which, seed, part)
    return Builder(stories, seed).build(), stories


def truth(portals: dict[str, Portal], stories: list[Story], which: str, seed: int, part: str | None) -> dict:
    return {
        "set": which,
        "seed": seed,
        "part": part,
        "portal_order": PORTALS,
        "portals": {
            name: {
                "site": p.site,
                "encoding": p.encoding,
                "newspaper": p.newspaper,
                "articles": p.articles,
                "non_articles": p.non_articles,
            }
            for name, p in portals.items()
        },
        "stories": {
            s.sid: {
                "title": s.title,
                "kind": s.kind,
                "origin": s.origin,
                "related_to": s.related_to,
                "source": s.source,
                "reporters": s.reporters,
                "correspondents": s.correspondents,
                "editors": s.editors,
                "published": s.published_iso(),
                "day_only": s.day_only,
                "body": s.body,
            }
            for s in stories
        },
    }


def write_files(root: Path, portals: dict[str, Portal]) -> None:
    """Write each portal's files under ``root/<name>/`` (a fresh ``root``)."""
    if root.exists():
        shutil.rmtree(root)
    for name, p in portals.items():
        for path, text in p.files.items():
            target = root / name / (path + "index.html" if path.endswith("/") else path).lstrip("/")
            target.parent.mkdir(parents=True, exist_ok=True)
            # GBK cannot hold every character of the corpus: such pages carry numeric character references
            target.write_bytes(text.encode(p.encoding, errors="xmlcharrefreplace"))


def write(out: Path, which: str = "all", seed: int = 1, part: str | None = None) -> dict:
    """Write ``out/portals/<name>/...`` and ``out/truth.json``; returns the truth."""
    portals, stories = build(which, seed, part)
    write_files(out / "portals", portals)
    data = truth(portals, stories, which, seed, part)
    (out / "truth.json").write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return data


def add_pool_args(ap: argparse.ArgumentParser) -> None:
    ap.add_argument(
        "--set", dest="which", default="all", choices=["zh-wce", "magic-zh", "all"], help="article pool"
    )
    ap.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    ap.add_argument(
        "--part", choices=["A", "B"], help="only every other corpus page (A: 1st, 3rd, ...; B: 2nd, ...)"
    )


def summary(data: dict) -> str:
    arts = sum(len(p["articles"]) for p in data["portals"].values())
    non = sum(len(p["non_articles"]) for p in data["portals"].values())
    kinds: dict[str, int] = {}
    for s in data["stories"].values():
        kinds[s["kind"]] = kinds.get(s["kind"], 0) + 1
    per = ", ".join(f"{n} {len(p['articles'])}" for n, p in data["portals"].items())
    return f"{len(data['stories'])} stories ({kinds}), {arts} article pages ({per}), {non} non-article pages"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.reposts.generate", description=__doc__.split("\n")[0])
    ap.add_argument("--out", required=True, type=Path, help="output directory")
    add_pool_args(ap)
    args = ap.parse_args(argv)
    try:
        data = write(args.out, args.which, args.seed, args.part)
    except CorpusMissing as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    print(f"wrote {args.out}: {summary(data)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
