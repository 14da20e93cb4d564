"""The article pool: real Chinese article bodies from the shared corpus, with fresh fictional metadata.

Bodies come from ``zh-wce`` (``articleBody``) and the Chinese pages of ``magic-html`` (``articleBody``/``content``
with more than 30% Han characters); the corpus is read at run time from ``../shared/corpus`` relative to the repo
root, or ``$AGGREGATOR_CORPUS``. Every article gets an invented newspaper, reporters, correspondents, editors and a
publication time, so the truth of those fields is known exactly.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
SETS = ("zh-wce", "magic-zh", "all")

NEWSPAPERS = [
    "江城日报",
    "楚天晨报",
    "汉江都市报",
    "荆南晚报",
    "鄂东商报",
    "三峡时报",
    "襄樊科技报",
    "长河经济报",
]
CATEGORIES = [
    ("要闻", "yaowen"),
    ("社会", "shehui"),
    ("经济", "jingji"),
    ("文化", "wenhua"),
    ("科教", "kejiao"),
]
SURNAMES = "张王李赵刘陈杨黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯董程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红鹏飞宇浩凯然晨阳琳雪梅晓东海波辉颖佳倩婷欣怡宁远博文思雨航志鑫"

_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_KANA = re.compile(r"[\u3040-\u30ff]")
_END = tuple("。！？!?…”」』）)；;")
_JUNK_LINE = re.compile(r"^[\[\]（）()\d\s×·|/\\-]*$")


class CorpusMissing(Exception):
    pass


def corpus_root() -> Path:
    env = os.environ.get("AGGREGATOR_CORPUS")
    return Path(env) if env else (REPO_ROOT.parent / "shared" / "corpus").resolve()


def han(text: str) -> int:
    return len(_HAN.findall(text))


@dataclass
class Doc:
    """One corpus page: its cleaned lines, in order."""

    origin: str  # "zh-wce/<id>"
    title: str | None
    paragraphs: list[str]


@dataclass
class Story:
    sid: str
    title: str
    paragraphs: list[str]
    origin: str
    kind: str = "article"  # article | hard-negative-lead | hard-negative-quote
    source: str = ""
    reporters: list[str] = field(default_factory=list)
    correspondents: list[str] = field(default_factory=list)
    editors: list[str] = field(default_factory=list)
    published: dt.datetime = dt.datetime(2023, 1, 1)
    day_only: bool = False
    category: tuple[str, str] = CATEGORIES[0]
    related_to: str | None = None  # hard negatives: the story they share text with

    @property
    def body(self) -> str:
        return "\n".join(self.paragraphs)

    def published_iso(self) -> str:
        if self.day_only:
            return self.published.strftime("%Y-%m-%d")
        return self.published.strftime("%Y-%m-%dT%H:%M:00+08:00")


def _load(name: str) -> dict:
    path = corpus_root() / name / "ground-truth.json"
    if not path.is_file():
        raise CorpusMissing(f"corpus not found: {path} (set AGGREGATOR_CORPUS or put it at ../shared/corpus)")
    raw = json.loads(path.read_text(encoding="utf-8"))
    if isinstance(raw, list):
        raw = {r["id"]: r for r in raw}
    return raw


# the corpus pages' own bylines would contradict the invented metadata: "（记者 X）", "责任编辑：X" lines
_INLINE_BYLINE = re.compile(
    r"[（(]\s*[^（()）\s]{0,6}?(?:记者|通讯员|编辑|责任编辑|作者)[^（()）]{0,40}[）)]"
)
_BYLINE_LINE = re.compile(
    r"^[（(\[]?\s*(?:责任编辑|责编|审核|校对|主编|总?监\s*制|审\s*读|编审|值班编辑|编辑|记者|本报记者|新华社记者|通讯员|(?:信息|稿件|文章)?来源|作者|文\s*[丨|/]|图\s*[丨|/]|\[?责任编辑)"
)


def _clean_lines(text: str) -> list[str]:
    lines = []
    for line in text.replace("\r", "\n").split("\n"):
        line = _INLINE_BYLINE.sub("", line.replace("\t", " ").replace("\ue004", "")).strip(" \u3000\xa0")
        if _BYLINE_LINE.match(line) and len(line) < 40:
            continue
        line = re.sub(r"[ \u3000\xa0]{2,}", " ", line)
        if not line or _JUNK_LINE.match(line) or line in {"广告", "×", "目录"}:
            continue
        lines.append(line)
    return lines


def _is_heading(line: str) -> bool:
    return 6 <= len(line) <= 40 and not line.endswith(_END) and "，" not in line[-3:]


def _paragraphs(lines: list[str]) -> list[str]:
    """Re-join hard-wrapped lines and one-word fragments (wiki pages) into paragraphs."""
    long_lines = [ln for ln in lines if len(ln) >= 15]
    wrapped = bool(long_lines) and sum(not ln.endswith(_END) for ln in long_lines) > 0.5 * len(long_lines)
    out: list[str] = []
    buf = ""
    for line in lines:
        if buf and not buf.endswith(_END):
            sep = " " if buf[-1:].isascii() and line[:1].isascii() else ""
            buf += sep + line
        else:
            if buf:
                out.append(buf)
            buf = line
        ends = buf.endswith(_END)
        if not wrapped and not ends and len(line) >= 12 and _is_heading(buf):
            out.append(buf)  # a sub-heading stays its own paragraph
            buf = ""
        elif not wrapped and not ends and len(line) >= 60:
            out.append(buf)
            buf = ""
    if buf:
        out.append(buf)
    return [p for p in out if han(p) >= 2 or len(p) >= 20]


def _strip_head(lines: list[str], magic: bool) -> tuple[str | None, list[str]]:
    """A first line that is a headline becomes the title; magic-html byline/date lines at the top are dropped."""
    title = None
    if lines and _is_heading(lines[0]) and len(lines) > 1:
        title, lines = lines[0], lines[1:]
    if magic:
        while (
            lines and len(lines[0]) < 40 and re.search(r"记者|编辑|作者|^文\s*[丨|/]|\d{4}[-年]\d", lines[0])
        ):
            lines = lines[1:]
    return title, lines


def load_docs(which: str) -> list[Doc]:
    if which not in SETS:
        raise ValueError(f"unknown set {which!r} (expected one of {', '.join(SETS)})")
    docs: list[Doc] = []
    if which in ("zh-wce", "all"):
        for key, rec in sorted(_load("zh-wce").items()):
            title, lines = _strip_head(_clean_lines(rec.get("articleBody") or ""), magic=False)
            docs.append(Doc(f"zh-wce/{key}", title, _paragraphs(lines)))
    if which in ("magic-zh", "all"):
        for key, rec in sorted(_load("magic-html").items()):
            text = rec.get("articleBody") or rec.get("content") or ""
            norm = unicodedata.normalize("NFKC", text).strip()
            if rec.get("remark") == "列表页" or not norm or han(norm) <= 0.3 * len(norm):
                continue
            if len(_KANA.findall(norm)) > 0.05 * len(norm):  # Japanese
                continue
            title, lines = _strip_head(_clean_lines(text), magic=True)
            docs.append(Doc(f"magic-html/{key}", title, _paragraphs(lines)))
    return [d for d in docs if han("".join(d.paragraphs)) >= 300]


def _split(paragraphs: list[str], cap: int) -> tuple[list[str], list[str]]:
    """The first paragraphs up to about ``cap`` Han characters, and the rest."""
    taken, n = [], 0
    for i, p in enumerate(paragraphs):
        if taken and n + han(p) > cap * 1.3:
            return taken, paragraphs[i:]
        taken.append(p)
        n += han(p)
        if n >= cap:
            return taken, paragraphs[i + 1 :]
    return taken, []


_DATE_LIKE = re.compile(r"\d+\s*[年月日]|^\d")


def _title_from(paragraphs: list[str]) -> str:
    """A headline-like clause of the opening: the first one of 8-26 characters that is not a date or a number."""
    text = "".join(paragraphs[:2])
    for clause in re.split(r"[，。！？；：,.!?;:]", text):
        clause = clause.strip(' “”"《》（）()')
        if 8 <= len(clause) <= 26 and han(clause) >= 6 and not _DATE_LIKE.search(clause):
            return clause
    return paragraphs[0][:22].strip(' “”"')


def _name(rng: random.Random, used: set[str]) -> str:
    while True:
        n = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))
        if n not in used:
            used.add(n)
            return n


def _sentences(text: str) -> list[str]:
    return [s for s in re.findall(r"[^。！？!?]+[。！？!?]?", text) if s.strip()]


def build_stories(which: str, seed: int, part: str | None) -> list[Story]:
    """Stories of one pool: every doc (or every other one for part A/B) gives 1-2 articles; leftovers feed the
    hard negatives (a different report that opens with another story's first sentence, or quotes one of its
    paragraphs)."""
    docs = load_docs(which)
    if part:
        docs = docs[0 if part == "A" else 1 :: 2]
    rng = random.Random(seed * 7919 + (0 if part is None else ord(part)))
    stories: list[Story] = []
    leftovers: list[list[str]] = []
    for doc in docs:
        cap = rng.randint(900, 1800)
        first, rest = _split(doc.paragraphs, cap)
        title = doc.title if doc.title and not _DATE_LIKE.search(doc.title) else _title_from(first)
        stories.append(Story("", title, first, doc.origin))
        if han("".join(rest)) >= 700 and rng.random() < 0.7:
            second, rest = _split(rest, rng.randint(700, 1500))
            stories.append(Story("", _title_from(second), second, doc.origin + "#2"))
        if han("".join(rest)) >= 400:
            leftovers.append(rest)
    # hard negatives
    rng.shuffle(leftovers)
    base = [s for s in stories if len(s.paragraphs) >= 2]
    n_neg = min(len(leftovers), max(3, len(stories) // 5))
    for k in range(n_neg):
        filler, _ = _split(leftovers[k], rng.randint(350, 600))
        other = rng.choice(base)
        if k % 2 == 0:
            # a different report of the same event: same opening sentences (up to ~60 characters), then its own
            lead = ""
            for sentence in _sentences("".join(other.paragraphs[:2])):
                if lead and han(lead + sentence) > 150:
                    break
                lead += sentence
                if han(lead) >= 60:
                    break
            paras = [lead, *filler]
            kind = "hard-negative-lead"
        else:
            # another article quoting one paragraph of it
            quoted = min(other.paragraphs[1:], key=lambda p: abs(han(p) - 120))
            paras = [*filler[:1], f"有关方面在通报中表示：“{quoted.rstrip('。')}。”", *filler[1:]]
            kind = "hard-negative-quote"
        stories.append(Story("", _title_from(filler), paras, "hardneg", kind=kind, related_to=other.origin))
    # metadata
    used: set[str] = set()
    titles: set[str] = set()
    start = dt.datetime(2023, 1, 3, 7, 0)
    for i, s in enumerate(stories):
        s.sid = f"s{i + 1:03d}"
        if s.related_to:
            s.related_to = next(o.sid for o in stories if o.origin == s.related_to)
        while s.title in titles:
            s.title += "（续）"
        titles.add(s.title)
        s.source = rng.choice(NEWSPAPERS[:2] * 2 + NEWSPAPERS)
        s.reporters = [_name(rng, used) for _ in range(rng.choice((1, 1, 2, 2, 3)))]
        s.correspondents = [_name(rng, used) for _ in range(rng.choice((0, 0, 1, 2)))]
        s.editors = [_name(rng, used) for _ in range(rng.choice((0, 1, 1, 1)))]
        s.published = start + dt.timedelta(
            days=rng.randint(0, 150), hours=rng.randint(0, 13), minutes=rng.randint(0, 59)
        )
        s.day_only = rng.random() < 0.12
        if s.day_only:
            s.published = s.published.replace(hour=0, minute=0)
        s.category = rng.choice(CATEGORIES)
        if s.related_to:  # same paper, same day, same section as the story it echoes
            other = next(o for o in stories if o.sid == s.related_to)
            s.source, s.category = other.source, other.category
            s.published = other.published + dt.timedelta(minutes=rng.randint(-300, 300))
            s.day_only = other.day_only
            if s.day_only:
                s.published = other.published
    return stories
