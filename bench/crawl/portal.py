"""A large, deterministic Chinese news portal for the crawl benchmark, and a fast loopback server for it.

The portal copies the shape of the reposting portals the aggregator is built for ("服务粉丝" header,
breadcrumbs, a 日期/来源 line, 记者/通讯员/编辑 bylines, 相关阅读/热门文章/最新文章 teaser lists), at scale:

- ``/``: front page (headlines, one block per category, hot list), ``/about.html``, ``/contact.html``,
  ``/robots.txt`` (disallows ``/admin/``; ``/admin/index.html`` exists and is linked from every footer);
- ``/a/{cat}/`` and ``/a/{cat}/list_{n}.html``: 8 categories, 50 articles per list page, every page number
  in the pagination bar (so no article is deeper than front → list → article);
- ``/a/{cat}/{yyyymmdd}/{id}.html``: the articles; ``REPOST_SHARE`` of them repost another article of the
  portal (same text with half-width punctuation, truncated, or with an inserted ad paragraph), so the dedupe
  stage has matches to find: a perfect run stores ``originals`` stories and ``articles`` copies.

Article text is synthetic: sentences from templates filled with words from fixed vocabularies (places,
organisations, policy nouns, verbs, numbers), so two unrelated articles share almost no character 5-grams
while each reads like a local policy story. Everything follows from the seed.

Pages are rendered once at start-up into a dict of complete HTTP responses; the server is a stdlib asyncio
server with HTTP/1.1 keep-alive, so a request costs a dict lookup and a socket write. ``--workers N`` forks N
processes accepting on the same listening socket (one host:port) if one process is not enough.

    python -m bench.crawl.portal --pages 5000 --port 8200      # prints "READY http://127.0.0.1:8200/ ..."
"""

from __future__ import annotations

import argparse
import asyncio
import email.utils
import hashlib
import html
import json
import math
import os
import random
import re
import signal
import socket
import sys
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

SITE = "服务粉丝"
REPOST_SHARE = 0.2
PER_LIST_PAGE = 50

CATEGORIES = [
    ("keji", "科技"),
    ("caijing", "财经"),
    ("shehui", "社会"),
    ("jiaoyu", "教育"),
    ("jiankang", "健康"),
    ("wenhua", "文化"),
    ("tiyu", "体育"),
    ("qiche", "汽车"),
]


def _words(text: str) -> list[str]:
    return text.split()


PAPERS = ["武汉科技报", "长江日报", "湖北日报", "楚天都市报", "武汉晚报", "襄阳日报", "科技日报", "经济日报"]
PLACES = _words(
    "武汉 襄阳 宜昌 黄石 十堰 荆州 孝感 荆门 鄂州 黄冈 咸宁 随州 恩施 仙桃 潜江 天门 大冶 东湖高新区 武昌区 "
    "汉阳区 江夏区 青山区 洪山区 蔡甸区 黄陂区 新洲区 汉南区 光谷 长沙 南昌 合肥 郑州 成都 重庆 杭州 南京 苏州 "
    "西安 广州 深圳"
)
ORGS = _words(
    "市科技局 省科技厅 市教育局 市卫健委 市发改委 市商务局 区人民政府 市场监管局 市文旅局 市交通运输局 生态环境局 "
    "农业农村局 市人社局 市住建局 市统计局 市税务局 武汉大学 华中科技大学 武汉理工大学 湖北大学 中南财经政法大学 "
    "华中农业大学 湖北工业大学 省疾控中心 市中心医院 协和医院 同济医院 市体育局 供电公司 市经信局"
)
NOUNS = _words(
    "科技创新 产业链 高新技术企业 研发投入 人才队伍 创新平台 成果转化 数字经济 智能制造 新能源汽车 光电子信息 "
    "生物医药 集成电路 人工智能 大数据 营商环境 民营经济 中小企业 乡村振兴 基础设施 公共服务 城市更新 老旧小区 "
    "生态保护 长江大保护 碳排放 绿色发展 文化旅游 消费市场 外贸出口 招商引资 项目建设 重点项目 社区治理 志愿服务 "
    "医疗保障 教育资源 义务教育 职业教育 高校毕业生 就业岗位 社会保障 养老服务 托育服务 食品安全 安全生产 "
    "交通网络 轨道交通 物流体系 农产品 粮食生产 水利工程 防汛抗旱 电网 充电桩 算力中心 实验室 专利 知识产权 "
    "金融服务 信贷资金 财政资金 专项债券 税费优惠 市场主体 产业园区 孵化器 众创空间 科研团队 院士专家 青年人才 "
    "技术攻关 关键核心技术 标准体系 质量品牌 体育赛事 全民健身 文化活动 非遗项目 博物馆 图书馆 旅游景区 夜间经济 "
    "乡村旅游 特色小镇 生态农业 智慧农业 冷链物流 跨境电商 直播带货 数字政务 一网通办 政务服务 网格化管理 "
    "健康教育 家庭医生 慢病管理 中医药 应急管理 消防安全 交通安全 春运 客流 航班 高铁 港口 水运 航运中心 光伏 "
    "储能 氢能 风电 节能降耗 污水处理 垃圾分类 空气质量 湿地公园 绿道 江滩 城市绿化 住房保障 租赁住房 人才公寓 "
    "消费券 汽车消费 年货市场 农民工工资 劳动者权益 课后服务 学生体质 青少年 老年人 残疾人 退役军人 妇女儿童 "
    "困难群众 种业 小龙虾 茶产业 新材料 北斗导航 工业互联网 无人驾驶 芯片 显示面板 动力电池 医疗器械 疫苗 "
    "科普活动 读书活动 马拉松 龙舟赛 足球联赛 校园足球 研学旅行 夏令营 美丽乡村 人居环境 厕所革命 河湖长制"
)
VERBS = _words(
    "推进 加快 实施 深化 推动 支持 培育 打造 完善 优化 提升 加强 落实 建设 发布 启动 召开 举办 组织 开展 服务 "
    "引导 保障 聚焦 围绕 突破 攻克 签约 投用 竣工 开工 落地 扩大 稳定 促进 带动 壮大 引进 联合 破解 探索 试点 "
    "推广 部署 统筹 整合 改善 提高 巩固 拓展"
)
MODS = _words(
    "全面 持续 积极 深入 加快 进一步 大力 稳步 扎实 有序 不断 切实 着力 重点 率先 高质量 系统 精准 全力 协同"
)
SCENES = _words("繁忙 热闹 欣欣向荣 生机勃勃 井然有序 热火朝天 喜气洋洋")
UNITS = _words("家 个 项 万元 亿元 万人次 人 所 公里 万平方米 台 吨 场")
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程魏苏吕丁任"
GIVEN = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红文辉建国志鹏宇浩然子涵欣怡俊晨雨欢佳琪思远德林春雪"
)

SENTENCES = [
    "{T}，{P}{O}{M}{V}{N}，{V}{N}{N}，{V}{N}。",
    "{Y}年，全市{N}达到{Q}，同比增长{R}。",
    "{O}负责人{X}表示，下一步将{M}{V}{N}和{N}，{V}{N}{N}。",
    "一是{V}{N}。{M}{V}{N}，{V}{N}{N}，{V}{N}。",
    "二是{V}{N}。{V}{N}与{N}，{M}{V}{N}。",
    "据了解，{P}已{V}{N}{Q}，{V}{N}{Q}，带动{N}{Q}。",
    "“{M}{V}{N}，关键在于{V}{N}。”{X}说，{P}将{V}{N}，让{N}{V}{N}。",
    "{T}，记者从{O}获悉，{P}{N}{V}{N}的{N}已经{V}，{N}{Q}。",
    "围绕{N}，{P}{M}{V}{N}，{V}{N}{N}{Q}，{N}{V}取得新进展。",
    "截至{Y}年底，{P}共有{N}{Q}，其中{N}{Q}，占比{R}。",
    "{X}介绍，{N}{V}以来，{O}{M}{V}{N}，累计{V}{N}{Q}。",
    "在{P}{N}现场，{N}{V}，{N}{V}，一派{W}的景象。",
    "与此同时，{P}还{V}{N}，{M}{V}{N}和{N}，{V}{N}。",
    "{T}，{P}{V}“{N}+{N}”模式，{V}{N}{Q}，{N}提高{R}。",
]
TITLES = [
    "{P}{V}{N} {V}{N}{N}",
    "{P}：{M}{V}{N} 打造{N}新高地",
    "{O}{V}{N}{N}",
    "{P}{N}{Q} 同比增长{R}",
    "{N}{V}见成效 {P}{N}提高{R}",
    "{P}{M}{V}{N}",
]
_SLOT = re.compile(r"\{([A-Z])\}")
_HALF = str.maketrans("，。：；！？（）“”、", ',.:;!?()"",')
ADS = [
    "（广告）扫码关注{site}公众号，每天推送本地要闻和便民信息。",
    "【推广】{site}招聘兼职编辑，欢迎投稿，稿费从优。",
    "点击进入{site}专题页面，查看更多精彩内容。",
]


@dataclass
class Article:
    id: int
    cat: str
    day: date
    title: str
    paragraphs: list[str]
    source: str
    reporters: list[str]
    correspondents: list[str]
    editors: list[str]
    repost_of: int | None = None  # the id of the article this one reposts
    repost_kind: str | None = None
    mangled_source: bool = False  # xinxi style "来源:X收集编辑:Y"
    related: list[int] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"/a/{self.cat}/{self.day:%Y%m%d}/{self.id}.html"

    @property
    def summary(self) -> str:
        text = "".join(self.paragraphs)
        return text[:60] + "…"


class _Text:
    def __init__(self, rng: random.Random):
        self.rng = rng

    def name(self) -> str:
        r = self.rng
        return r.choice(SURNAMES) + "".join(r.choice(GIVEN) for _ in range(r.choice((1, 2, 2))))

    def _slot(self, m: re.Match) -> str:
        r, k = self.rng, m.group(1)
        if k == "T":
            return r.choice(
                ["近日", "近年来", "今年以来", "日前", f"{r.randint(1, 12)}月{r.randint(1, 28)}日", "目前"]
                + [
                    f"{r.randint(1, 12)}月{r.randint(1, 28)}日上午",
                    f"{r.randint(1, 12)}月{r.randint(1, 28)}日下午",
                ]
            )
        if k == "P":
            return r.choice(PLACES)
        if k == "O":
            return r.choice(ORGS)
        if k == "N":
            return r.choice(NOUNS)
        if k == "V":
            return r.choice(VERBS)
        if k == "M":
            return r.choice(MODS)
        if k == "W":
            return r.choice(SCENES)
        if k == "Y":
            return str(r.randint(2018, 2023))
        if k == "X":
            return self.name()
        if k == "R":
            return f"{r.uniform(0.5, 80):.1f}%"
        if k == "Q":
            n = r.choice((r.randint(2, 99), r.randint(100, 9999), round(r.uniform(1, 500), 1)))
            return f"{n}{r.choice(UNITS)}"
        raise KeyError(k)

    def fill(self, template: str) -> str:
        return _SLOT.sub(self._slot, template)

    def paragraphs(self) -> list[str]:
        r = self.rng
        target = r.randint(800, 2500)
        count = r.randint(5, 10)
        per = max(1, round(target / count / 45))
        return [
            "".join(self.fill(r.choice(SENTENCES)) for _ in range(r.randint(per, per + 1)))
            for _ in range(count)
        ]


def new_original(rng: random.Random, text: _Text, start: date) -> Article:
    """An original article (id 0 until numbered), dated within 180 days from ``start``."""
    return Article(
        id=0,
        cat=rng.choice(CATEGORIES)[0],
        day=start + timedelta(days=rng.randint(0, 180)),
        title=text.fill(rng.choice(TITLES)),
        paragraphs=text.paragraphs(),
        source=rng.choice(PAPERS),
        reporters=[text.name() for _ in range(rng.randint(1, 3))],
        correspondents=[text.name() for _ in range(rng.randint(0, 2))],
        editors=[text.name()],
    )


def new_repost(rng: random.Random, text: _Text, orig: Article) -> Article:
    """A repost of ``orig``: half-width punctuation, truncated, an inserted ad, or half-width and truncated;
    ``repost_of`` is ``id(orig)`` until numbered."""
    kind = rng.choice(["halfwidth", "truncated", "ad", "halfwidth+truncated"])
    paras = list(orig.paragraphs)
    if "truncated" in kind:
        keep = max(3, round(len(paras) * rng.uniform(0.6, 0.85)))
        paras = paras[:keep]
        paras[-1] = paras[-1][: max(20, int(len(paras[-1]) * 0.6))] + "……"
    if kind == "ad":
        paras.insert(rng.randint(1, len(paras) - 1), rng.choice(ADS).format(site=SITE))
    if "halfwidth" in kind:
        paras = [p.translate(_HALF) for p in paras]
    return Article(
        id=0,
        cat=orig.cat if rng.random() < 0.7 else rng.choice(CATEGORIES)[0],
        day=orig.day + timedelta(days=rng.randint(0, 3)),
        title=("【转载】" + orig.title) if rng.random() < 0.3 else orig.title,
        paragraphs=paras,
        source=orig.source,
        reporters=list(orig.reporters) if rng.random() < 0.7 else [],
        correspondents=list(orig.correspondents) if rng.random() < 0.5 else [],
        editors=[text.name()],
        repost_of=id(orig),  # resolved to the article id by number()
        repost_kind=kind,
        mangled_source=rng.random() < 0.5,
    )


def generate(pages: int = 5000, seed: int = 7) -> list[Article]:
    """``pages`` article pages, ``round(pages * REPOST_SHARE)`` of them reposts, ids in date order."""
    rng = random.Random(seed)
    text = _Text(rng)
    reposts = round(pages * REPOST_SHARE)
    start = date(2023, 1, 1)
    drafts: list[Article] = [new_original(rng, text, start) for _ in range(pages - reposts)]
    originals = list(drafts)
    for _ in range(reposts):
        drafts.append(new_repost(rng, text, rng.choice(originals)))
    return number(drafts, rng)


def number(drafts: list[Article], rng: random.Random) -> list[Article]:
    """Ids in date order (from 100001), ``repost_of`` resolved to ids where the original is among the
    drafts (else None), and 4 related articles of the same category each."""
    order = sorted(range(len(drafts)), key=lambda i: (drafts[i].day, rng.random()))
    by_obj = {}
    articles = []
    for n, i in enumerate(order):
        a = drafts[i]
        a.id = 100001 + n
        by_obj[id(a)] = a.id
        articles.append(a)
    for a in articles:
        if a.repost_of is not None:
            a.repost_of = by_obj.get(a.repost_of)
    by_cat: dict[str, list[Article]] = {}
    for a in articles:
        by_cat.setdefault(a.cat, []).append(a)
    for a in articles:
        a.related = [x.id for x in rng.sample(by_cat[a.cat], min(4, len(by_cat[a.cat]))) if x.id != a.id][:4]
    return articles


# ---------------------------------------------------------------------------------------------- rendering

_e = html.escape
_CAT_NAMES = dict(CATEGORIES)


def _head(title: str) -> str:
    nav = " ".join(f'<a href="/a/{c}/">{n}</a>' for c, n in CATEGORIES)
    return (
        '<!DOCTYPE html>\n<html>\n<head><meta charset="utf-8">'
        f"<title>{_e(title)}</title>\n"
        '<meta name="keywords" content="服务粉丝,资讯,新闻,湖北"><meta name="description" content="服务粉丝资讯网">\n'
        '<link rel="stylesheet" href="/static/css/style.css"></head>\n<body>\n'
        f'<div class="top"><span>{SITE}</span> <a href="/about.html">关于我们</a> '
        '<a href="/contact.html">联系方式</a></div>\n'
        '<div class="header"><p>我们一直在努力</p><form action="/search.php"><input name="q"></form></div>\n'
        f'<div class="nav"><a href="/">首页</a> {nav} <a href="/about.html">关于我们</a></div>\n'
    )


_FOOT = (
    '<div class="links">友情链接：<a href="http://www.people.com.cn/">人民网</a> '
    '<a href="http://www.xinhuanet.com/">新华网</a> <a href="http://www.cjrbapp.cjn.cn/">长江日报</a></div>\n'
    '<div class="foot"><p>本站部分内容来自互联网，如有侵权请联系删除 <a href="/admin/index.html">管理</a></p>'
    f"<p>Copyright © 2023 {SITE} 版权所有 鄂ICP备12345678号-1</p>"
    '<script src="/static/js/stat.js"></script></div>\n</body>\n</html>\n'
)


def _teasers(title: str, items: list[Article]) -> str:
    lis = "".join(
        f'<li><a href="{a.url}">{_e(a.title)}</a></li>\n<li class="s">{_e(a.summary)}</li>\n' for a in items
    )
    return f'<div class="box"><h3>{title}</h3>\n<ul>\n{lis}</ul></div>\n'


def render_article(a: Article, by_id: dict[int, Article], hot: list[Article]) -> str:
    idx = a.id - 100001
    latest = [by_id[i] for i in range(a.id - 1, max(100000, a.id - 5), -1)] or hot[:4]
    cat = _CAT_NAMES[a.cat]
    source = f"{a.source}收集编辑:{SITE}" if a.mangled_source else a.source
    paras = [f"<p>{_e(p)}</p>" for p in a.paragraphs]
    if a.reporters:
        paras.append(f"<p>记者：{' '.join(a.reporters)}</p>")
    if a.correspondents:
        paras.append(f"<p>通讯员：{' '.join(a.correspondents)}</p>")
    paras.append(f"<p>编辑：{' '.join(a.editors)}</p>")
    prev_next = ""
    if idx > 0:
        p = by_id[a.id - 1]
        prev_next += f'<p>上一篇：<a href="{p.url}">{_e(p.title)}</a></p>'
    if a.id + 1 in by_id:
        n = by_id[a.id + 1]
        prev_next += f'<p>下一篇：<a href="{n.url}">{_e(n.title)}</a></p>'
    return (
        _head(f"{a.title}_{SITE}")
        + f'<div class="position">当前位置:<a href="/">首页</a> > <a href="/a/{a.cat}/">{cat}</a> ></div>\n'
        + '<div class="article">\n'
        + f"<h1>{_e(a.title)}</h1>\n"
        + f'<div class="info">日期: <span>{a.day:%Y-%m-%d}</span> 来源:<span>{_e(source)}</span> '
        + f"点击数：<span>{(a.id * 37) % 9000 + 100}</span></div>\n"
        + '<div class="content">\n'
        + "\n".join(paras)
        + "\n</div>\n"
        + '<div class="share">分享到：<a href="javascript:void(0)">微信</a> <a href="javascript:void(0)">微博</a></div>\n'
        + f'<div class="prevnext">{prev_next}</div>\n</div>\n'
        + _teasers("相关阅读", [by_id[i] for i in a.related])
        + _teasers("热门文章", hot[(a.id % 7) : (a.id % 7) + 4])
        + _teasers("最新文章", latest)
        + _FOOT
    )


def render_list(cat: str, page: int, pages: int, items: list[Article]) -> str:
    name = _CAT_NAMES[cat]

    def href(n: int) -> str:
        return f"/a/{cat}/" if n == 1 else f"/a/{cat}/list_{n}.html"

    lis = "".join(
        f'<li><a href="{a.url}">{_e(a.title)}</a><span class="date">{a.day:%Y-%m-%d}</span>'
        f'<p class="s">{_e(a.summary)}</p></li>\n'
        for a in items
    )
    bar = [f'<a href="{href(1)}">首页</a>']
    if page > 1:
        bar.append(f'<a href="{href(page - 1)}">上一页</a>')
    bar += [f'<a href="{href(n)}">{n}</a>' if n != page else f"<b>{n}</b>" for n in range(1, pages + 1)]
    if page < pages:
        bar.append(f'<a href="{href(page + 1)}">下一页</a>')
    bar.append(f'<a href="{href(pages)}">尾页</a>')
    return (
        _head(f"{name}_{SITE}" if page == 1 else f"{name}_第{page}页_{SITE}")
        + f'<div class="position">当前位置:<a href="/">首页</a> > <a href="{href(1)}">{name}</a> ></div>\n'
        + f'<div class="list"><h2>{name}</h2>\n<ul>\n{lis}</ul>\n'
        + f'<div class="pages">{" ".join(bar)}</div></div>\n'
        + _FOOT
    )


def render_front(by_cat: dict[str, list[Article]], newest: list[Article], hot: list[Article]) -> str:
    blocks = []
    for cat, name in CATEGORIES:
        items = by_cat.get(cat, [])[:8]
        lis = "".join(f'<li><a href="{a.url}">{_e(a.title)}</a></li>\n' for a in items)
        blocks.append(
            f'<div class="block"><h3><a href="/a/{cat}/">{name}</a></h3><a class="more" href="/a/{cat}/">更多</a>'
            f"\n<ul>\n{lis}</ul></div>\n"
        )
    head = "".join(
        f'<li><a href="{a.url}">{_e(a.title)}</a><p class="s">{_e(a.summary)}</p></li>\n' for a in newest[:10]
    )
    return (
        _head(f"{SITE}_首页")
        + f'<div class="headline"><h2>头条</h2>\n<ul>\n{head}</ul></div>\n'
        + "".join(blocks)
        + _teasers("热门文章", hot[:10])
        + _FOOT
    )


def render_static(title: str, text: str) -> str:
    return (
        _head(f"{title}_{SITE}")
        + f'<div class="position">当前位置:<a href="/">首页</a> > {title}</div>\n'
        + f'<div class="page"><h2>{title}</h2><p>{text}</p></div>\n'
        + _FOOT
    )


@dataclass
class Portal:
    articles: list[Article]
    pages: dict[str, tuple[bytes, date]]  # path -> (body, last modified)
    list_pages: int

    def truth(self) -> dict:
        originals = [a for a in self.articles if a.repost_of is None]
        stories = {a.id: [a.url] for a in originals}
        for a in self.articles:
            if a.repost_of is not None:
                stories[a.repost_of].append(a.url)
        return {
            "articles": len(self.articles),
            "originals": len(originals),
            "reposts": len(self.articles) - len(originals),
            "list_pages": self.list_pages,
            "html_pages": sum(1 for p in self.pages if p.endswith((".html", "/"))),
            "served_paths": len(self.pages),
            "article_bytes_mean": round(
                sum(len(self.pages[a.url][0]) for a in self.articles) / max(1, len(self.articles))
            ),
            "body_chars_mean": round(
                sum(len("".join(a.paragraphs)) for a in self.articles) / max(1, len(self.articles))
            ),
            "repost_kinds": {
                k: sum(1 for a in self.articles if a.repost_kind == k)
                for k in sorted({a.repost_kind for a in self.articles if a.repost_kind})
            },
            "stories": list(stories.values()),
        }


def build(pages: int = 5000, seed: int = 7) -> Portal:
    return render(generate(pages, seed), seed)


def render(articles: list[Article], seed: int = 7) -> Portal:
    """Every page of a portal holding ``articles`` (numbered by ``number()``): path -> (body, day)."""
    by_id = {a.id: a for a in articles}
    rng = random.Random(seed + 1)
    hot = rng.sample(articles, min(20, len(articles)))
    newest = sorted(articles, key=lambda a: a.id, reverse=True)
    by_cat: dict[str, list[Article]] = {}
    for a in newest:
        by_cat.setdefault(a.cat, []).append(a)
    out: dict[str, tuple[bytes, date]] = {}
    for a in articles:
        out[a.url] = (render_article(a, by_id, hot).encode("utf-8"), a.day)
    last = newest[0].day if newest else date(2023, 1, 1)
    list_pages = 0
    for cat, items in by_cat.items():
        n = max(1, math.ceil(len(items) / PER_LIST_PAGE))
        for page in range(1, n + 1):
            chunk = items[(page - 1) * PER_LIST_PAGE : page * PER_LIST_PAGE]
            path = f"/a/{cat}/" if page == 1 else f"/a/{cat}/list_{page}.html"
            out[path] = (render_list(cat, page, n, chunk).encode("utf-8"), chunk[0].day)
            list_pages += 1
    out["/"] = (render_front(by_cat, newest, hot).encode("utf-8"), last)
    out["/about.html"] = (
        render_static("关于我们", f"{SITE}是一家综合性资讯网站，汇集湖北及全国各地新闻。").encode("utf-8"),
        date(2022, 6, 1),
    )
    out["/contact.html"] = (
        render_static(
            "联系方式", "地址：武汉市洪山区珞喻路1号 电话：027-12345678 邮箱：news@example.com"
        ).encode("utf-8"),
        date(2022, 6, 1),
    )
    out["/admin/index.html"] = (render_static("管理后台", "请登录。").encode("utf-8"), date(2022, 6, 1))
    out["/robots.txt"] = (b"User-agent: *\nDisallow: /admin/\n", date(2022, 6, 1))
    return Portal(articles=articles, pages=out, list_pages=list_pages)


# ------------------------------------------------------------------------------------------------- server


def _responses(portal: Portal) -> dict[bytes, tuple[bytes, bytes, bytes]]:
    """path -> (full 200 response, ETag, 304 response)."""
    out = {}
    for path, (body, day) in portal.pages.items():
        ctype = "text/plain; charset=utf-8" if path.endswith(".txt") else "text/html; charset=utf-8"
        etag = '"' + hashlib.sha1(body).hexdigest()[:20] + '"'
        modified = email.utils.format_datetime(datetime.combine(day, time(0, 0), tzinfo=UTC), usegmt=True)
        head = (
            "HTTP/1.1 200 OK\r\nServer: BenchPortal\r\n"
            f"Content-Type: {ctype}\r\nContent-Length: {len(body)}\r\n"
            f"ETag: {etag}\r\nLast-Modified: {modified}\r\n\r\n"
        ).encode("ascii")
        not_modified = f"HTTP/1.1 304 Not Modified\r\nServer: BenchPortal\r\nETag: {etag}\r\n\r\n".encode(
            "ascii"
        )
        out[path.encode("ascii")] = (head + body, etag.encode("ascii"), not_modified)
    return out


_NOT_FOUND = b"HTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\nContent-Length: 9\r\n\r\nnot found"
_INM = re.compile(rb"(?im)^if-none-match:\s*(.+?)\s*$")


async def _serve_connection(responses, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            line = head[: head.find(b"\r\n")]
            parts = line.split(b" ")
            if len(parts) != 3:
                break
            method, target, version = parts
            path = target.split(b"?", 1)[0].split(b"#", 1)[0]
            if path.startswith(b"http://"):  # absolute-form
                path = b"/" + path.split(b"/", 3)[3] if path.count(b"/") >= 3 else b"/"
            found = responses.get(path)
            if found is None:
                writer.write(_NOT_FOUND)
            else:
                full, etag, not_modified = found
                inm = _INM.search(head) if b"f-none-match" in head.lower() else None
                if inm and etag in inm.group(1):
                    writer.write(not_modified)
                elif method == b"HEAD":
                    writer.write(full[: full.find(b"\r\n\r\n") + 4])
                else:
                    writer.write(full)
            if writer.transport.get_write_buffer_size() > 1 << 20:
                await writer.drain()
            lower = head.lower()
            if version == b"HTTP/1.0" and b"keep-alive" not in lower or b"connection: close" in lower:
                await writer.drain()
                break
    except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
        pass
    finally:
        writer.close()


async def _serve(sock: socket.socket, responses) -> None:
    server = await asyncio.start_server(lambda r, w: _serve_connection(responses, r, w), sock=sock)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    async with server:
        await stop.wait()


def serve(portal: Portal, host: str = "127.0.0.1", port: int = 0, workers: int = 1, ready=None) -> None:
    """Serve until SIGTERM/SIGINT; ``ready(url)`` is called once the socket listens."""
    responses = _responses(portal)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(1024)
    sock.setblocking(False)
    url = f"http://{host}:{sock.getsockname()[1]}/"
    children = []
    for _ in range(max(0, workers - 1)):
        pid = os.fork()
        if pid == 0:
            try:
                asyncio.run(_serve(sock, responses))
            finally:
                os._exit(0)
        children.append(pid)
    if ready:
        ready(url)
    try:
        asyncio.run(_serve(sock, responses))
    finally:
        for pid in children:
            try:
                os.kill(pid, signal.SIGTERM)
                os.waitpid(pid, 0)
            except OSError:
                pass


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.crawl.portal", description=__doc__.split("\n\n")[0])
    p.add_argument("--pages", type=int, default=5000, help="article pages (default 5000)")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=0, help="0: a free port (default)")
    p.add_argument("--workers", type=int, default=1, help="server processes sharing the socket (default 1)")
    p.add_argument(
        "--truth", metavar="PATH", help="write what the portal holds (stories and their copies) as JSON"
    )
    args = p.parse_args(argv)
    portal = build(args.pages, args.seed)
    if args.truth:
        with open(args.truth, "w", encoding="utf-8") as f:
            json.dump(portal.truth(), f, ensure_ascii=False, indent=1)

    def ready(url: str) -> None:
        print(f"READY {url} paths={len(portal.pages)} articles={len(portal.articles)}", flush=True)

    serve(portal, args.host, args.port, args.workers, ready)
    return 0


if __name__ == "__main__":
    sys.exit(main())
