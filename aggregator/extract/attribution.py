"""Source (来源) and byline (记者 / 通讯员 / 编辑) parsing.

Attribution shows up in three places: whole lines in the body ("来源：新华社", "记者：王芳 李强", "（责任编辑：X）"),
a byline opening the first paragraph ("本报讯（记者 王芳）今年以来……"), and the info line between headline and body
or a block after the body. Lines that are only attribution are dropped from the paragraphs; an opening byline is cut
off and the rest of its paragraph kept. Ordinary sentences that mention 记者 ("记者从市金融部门获悉") are left alone:
a label only counts at the start of a line, and a label without a colon only when names delimited by spaces or
punctuation follow it. Which tokens of a byline are people is decided in names.py.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from aggregator.extract.metadata import (
    extract_title,
    in_teaser,
    json_ld,
    meta_content,
    node_lines,
    page_lines,
    page_regions,
)
from aggregator.extract.names import (
    BYLINE_NOISE,
    CJK_CHAR,
    ORGISH,
    bare_names,
    is_likely_name,
    latin_names,
    person_name,
    split_names,
)
from aggregator.extract.vocabulary import (
    AUTHOR_META_NAMES,
    CLAUSE_PUNCTUATION,
    CORRESPONDENT_LABELS,
    EDITOR_LABELS,
    EDITOR_ROLE_LABELS,
    HAN,
    OTHER_LABELS,
    OUTLET_PERSON_LABELS,
    OUTLET_SUFFIXES,
    REPORTER_LABELS,
    SITE_AUTHOR_WORDS,
    SOURCE_LABELS,
    UNKNOWN_SOURCES,
    alternation,
)

__all__ = ["Attribution", "parse_attribution", "parse_line", "split_names", "strip_byline"]


@dataclass
class Attribution:
    paragraphs: list[str]
    source: str | None = None
    reporters: list[str] = field(default_factory=list)
    correspondents: list[str] = field(default_factory=list)
    editors: list[str] = field(default_factory=list)


_ROLE_WORDS = {
    "source": SOURCE_LABELS,
    "editors": EDITOR_ROLE_LABELS,
    "correspondents": CORRESPONDENT_LABELS,
    "reporters": REPORTER_LABELS,
    "other": OTHER_LABELS,  # labels that end a value but whose own value is not kept
}
_ROLE_OF = {w: role for role, words in _ROLE_WORDS.items() for w in words}
# one-character labels are everyday words; they only count as "文/X", "图：X"
_SHORT = r"(?=\s*[/／|｜:：])"
# "作者单位：", "编辑部：" are other fields that merely start with a label word
_NOT_LONGER = rf"(?![{HAN}]{{1,3}}\s*[:：])"
# One lookahead per group, not per word: "(?:a|b)(?!x)" backtracks through the words in the same order as
# "a(?!x)|b(?!x)", so it matches the same, and compiles ~60 times faster (each copy of the [HAN] class costs
# about a millisecond to compile, and the alternation is compiled into five patterns).
_LABEL_ALT = (
    f"(?:{alternation(w for w in _ROLE_OF if len(w) > 1)}){_NOT_LONGER}"
    f"|(?:{alternation(w for w in _ROLE_OF if len(w) == 1)}){_SHORT}"
)
_LABEL = re.compile(rf"(?:{_LABEL_ALT})")
_DECOR = r"[\s【\[（(□■●◆▲★◎>》·•\-—]*"
# "长江日报记者", "本报通讯员": an outlet name may precede a person label
_LINE_START = re.compile(
    rf"^{_DECOR}(?:[{HAN}]{{0,8}}?(?={alternation(OUTLET_PERSON_LABELS)}))?({_LABEL_ALT})(\s*[:：/／|｜]\s*|\s+)?"
)
_LEADING_DATE = re.compile(
    r"^(?:\d{4}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}\s*日?|\d{1,2}\s*[-/月]\s*\d{1,2}\s*日?)"
    r"(?:\s*\d{1,2}\s*[:：时]\s*\d{2}(?:\s*[:：分]\s*\d{2})?\s*秒?)?[\s|｜丨/]*"
)
_WRAP = re.compile(r"^[（(【\[]\s*(.*?)\s*[）)】\]]$")
_SENTENCE = re.compile(f"[{CLAUSE_PUNCTUATION}]")
_SOURCE_CUT = re.compile(
    rf"\s|[，。,;；|｜()（）【】\[\]<>《》“”\"'!！?？]|{_LABEL_ALT}|\d{{4}}[-年/.]|https?:|www\.",
)
_URLISH = re.compile(r"https?:|www\.|\.(com|cn|net|org)\b", re.I)
_OPENING = re.compile(
    r"^(?P<lead>[^（(，。\n]{0,24}?(?:讯|电|消息))?\s*[（(](?P<inner>[^）)]{2,80})[）)]\s*",
)
_CLOSING = re.compile(
    rf"\s*[（(\[【]\s*(?P<inner>(?:{alternation(EDITOR_LABELS)})[^）)\]】]{{1,40}})[）)\]】]\s*$"
)
_BARE_CLOSING = re.compile(
    rf"\s*[（(]\s*(?:(?:本报|本台)?记者\s*)?(?P<names>[{HAN}·]{{2,4}}(?:[\s\u3000、]+[{HAN}·]{{2,4}}){{0,4}})"
    rf"(?:\s*[{HAN}]{{0,8}}?报道)?\s*[）)]\s*$"
)
_POSTED_BY = re.compile(
    rf"^(?:.*\s)?([\w{HAN}&·.-]{{2,20}})\s+(?:发表于|發表於|posted\s+(?:at|on))\s*\d", re.I
)
_BRACKETED = re.compile(rf"(?<![:：])\s[\[【]\s*([{HAN}]{{2,4}}(?:\s+[{HAN}]{{2,4}}){{0,3}})\s*[\]】]")
_OUTLET = re.compile(f"[{HAN}]{{2,12}}(?:{alternation(OUTLET_SUFFIXES)})")
_EMPTY_LABEL = re.compile(rf"(?:{_LABEL_ALT})\s*[:：]\s*$")
# template credits and site names that CMSs put in <meta name=author>
_SITE_AUTHOR = re.compile(rf"\b(?:{alternation(SITE_AUTHOR_WORDS)})\b|[网站报社台]$", re.I)
_BY = re.compile(r"^\s*(?:By|BY|by)\s+(.{3,80}?)\s*$")


def _clean_source(value: str) -> str | None:
    value = value.strip(" :：[]【】")
    if not value or _URLISH.search(value[:12]):
        return None
    m = _SOURCE_CUT.search(value)
    value = value[: m.start()] if m else value
    value = value.strip(" :：-—_·")
    return value if 2 <= len(value) <= 30 and not value.isdigit() else None


def _unknown_source(value: str) -> bool:
    value = value.strip(" :：[]【】")
    return value in UNKNOWN_SOURCES or value.startswith(("网络", "互联网"))


def _fields(text: str) -> list[tuple[str, str]]:
    """(role, value) for each label in an attribution text; a value runs to the next label."""
    hits = list(_LABEL.finditer(text))
    out = []
    for i, m in enumerate(hits):
        end = hits[i + 1].start() if i + 1 < len(hits) else len(text)
        out.append((_ROLE_OF[m.group(0)], text[m.end() : end]))
    return out


class _Acc:
    """Accumulates what the lines of a page say: the first source, and names per role without repeats."""

    def __init__(self) -> None:
        self.source: str | None = None
        self.roles: dict[str, list[str]] = {"reporters": [], "correspondents": [], "editors": []}

    def add(self, role: str, value: str, strict: bool = False) -> bool:
        if role == "source":
            if _unknown_source(value):  # still an attribution line, just not a name worth keeping
                return True
            src = _clean_source(value)
            if src and self.source is None:
                self.source = src
            return bool(src)
        if role not in self.roles:
            return False
        names = split_names(value, strict)
        for n in names:
            if n not in self.roles[role]:
                self.roles[role].append(n)
        return bool(names)


def parse_line(line: str, acc: _Acc | None = None) -> bool:
    """True when the whole line is attribution (its fields then go to acc)."""
    text = line.strip()
    m = _WRAP.match(text)
    if m:
        text = m.group(1)
    # info lines often lead with the date: "2023-01-09 08:30 来源：武汉科技报"
    dated = _LEADING_DATE.match(text)
    if dated and dated.end() < len(text):
        text = text[dated.end() :]
    start = _LINE_START.match(text)
    if not start or len(text) > 100:
        return False
    sep = start.group(2) or ""
    role = _ROLE_OF[start.group(1)]
    if role == "other" and not sep.strip():
        return False
    if (
        role == "source"
        and not sep.strip()
        and (start.group(1) in ("来自", "出处") or len(text) - start.end() > 15)
    ):
        return False
    # without a colon a label must be followed by a short, punctuation-free run of names ("记者 王芳 李强")
    if not sep.strip() and (_SENTENCE.search(text) or len(text) > 40):
        return False
    fields = _fields(text[start.start(1) :])
    strict = not sep.strip()
    probe = _Acc()
    useful = sum(probe.add(r, v, strict) for r, v in fields)
    known = [(r, v) for r, v in fields if r != "other"]
    if not useful:
        # a line of empty labels ("日期: 来源:", a bare "新华社记者") is chrome, not a sentence
        empty = all(not v.strip() for _r, v in fields)
        return empty and (bool(sep.strip()) or len(text) <= 12)
    # a non-colon byline must be all names: "记者了解到" leaves a non-name value behind
    if strict and any(r != "source" and v.strip() and not split_names(v, True) for r, v in known):
        return False
    if acc is not None:
        for r, v in fields:
            acc.add(r, v, strict)
    return True


def strip_byline(paragraph: str, acc: _Acc) -> str:
    """Cut an opening byline ("本报讯（记者 X 通讯员 Y）", "长江日报记者X 通讯员Y ") or a closing (责任编辑：X)."""
    text = paragraph
    m = _OPENING.match(text)
    if m and _LINE_START.match(m.group("inner")) and _names_only(m.group("inner")):
        for r, v in _fields(m.group("inner")):
            acc.add(r, v)
        text = text[m.end() :]
    else:
        text = _strip_spaced_byline(text, acc)
    m = _CLOSING.search(text)
    if m:
        for r, v in _fields(m.group("inner")):
            acc.add(r, v)
        text = text[: m.start()]
    return text.strip()


def _names_only(inner: str) -> bool:
    fields = _fields(inner)
    return bool(fields) and all(
        r in ("other", "source") or not v.strip() or split_names(v) for r, v in fields
    )


_SPACED = re.compile(
    rf"^(?:[【\[][^】\]]{{1,12}}[】\]]\s*)?(?P<org>[{HAN}]{{0,10}}?)(?P<body>(?:(?:{_LABEL_ALT})[:：]?\s*"
    rf"(?:[{HAN}·]{{2,6}}(?:[\s\u3000、]+|$))+)+)"
)


def _strip_spaced_byline(text: str, acc: _Acc) -> str:
    m = _SPACED.match(text)
    if not m or not m.group("body").strip():
        return text
    body = m.group("body")
    fields = _fields(body)
    if not fields or any(r == "source" for r, _v in fields):
        return text
    # each chunk between labels must split cleanly into names, or this is a sentence like "记者 了解到 …"
    for r, v in fields:
        if r != "other" and (not v.strip() or len(split_names(v)) != len(v.split())):
            return text
    if m.group("org") and fields[0][0] != "reporters":
        return text
    for r, v in fields:
        acc.add(r, v)
    return text[m.end() :]


def _structured_authors(tree) -> list[str]:
    """Authors from JSON-LD or <meta name=author>, the usual place on pages without a printed byline."""
    names: list[str] = []
    for item in json_ld(tree):
        types = item.get("@type", "")
        types = " ".join(types) if isinstance(types, list) else str(types)
        if not re.search(r"Article|Posting|Report|Blog", types):
            continue
        authors = item.get("author")
        for a in authors if isinstance(authors, list) else [authors]:
            name = person_name(a)
            if not name or _URLISH.search(name):
                continue
            found = latin_names(name)
            # an author object usually names one person, but some CMSs pack "A, B and C" into it; a part that
            # is not a short name (a job title, an affiliation) means the commas were not separating people
            if isinstance(a, dict) and not (found and all(len(f.split()) <= 4 for f in found)):
                found = [BYLINE_NOISE.sub("", re.split(r"\s*[,;|]\s*", name)[0]).strip()]
            found = found or split_names(name)
            names.extend(n for n in found if n and n not in names)
        if names:
            return names
    meta = meta_content(tree, *AUTHOR_META_NAMES)
    if meta and not _URLISH.search(meta) and not _SITE_AUTHOR.search(meta):
        meta = re.sub(r"^\s*(?:By|BY|by)\s+", "", meta)
        # Chinese CMSs fill this with the site or channel name, so a Chinese value must look like a person
        names = latin_names(meta) or split_names(meta, strict=True)
    return names


def _prefix_names(value: str, vouched: bool) -> list[str]:
    """Leading names of a value that may run on into other text; without a colon each needs a common surname."""
    value = re.split(r"[。！？；!?;]" if vouched else r"[。！？；!?;，,]", value, maxsplit=1)[0]
    names: list[str] = []
    for token in re.split(r"[\s\u3000、,，]+", value.strip(" :：")):
        if not token:
            continue
        ok = split_names(token, vouched=True) if vouched else ([token] if is_likely_name(token) else [])
        if not ok:
            break
        names.extend(n for n in ok if n not in names)
    return names


def scan_region_line(line: str, acc: _Acc, info: bool = True) -> None:
    """Lenient parse of chrome lines (info line, block after the body): labels may sit anywhere in the line.

    Unlabelled forms ("X 发表于 <date>", "[ 黄宇 ]", an outlet after the time) are read only in the info line:
    after the body they are usually comments.
    """
    if parse_line(line, acc):
        return
    for m in re.finditer(rf"(?:^|(?<=[\s|｜/>\]】）)]))(?:{_LABEL_ALT})", line):
        fields = _fields(line[m.start() :])
        for role, value in fields[:1]:
            colon = bool(re.match(r"\s*[:：]", value))
            if role == "source" and colon:
                acc.add(role, value)
            elif role in acc.roles:
                for name in _prefix_names(value, colon):
                    if name not in acc.roles[role]:
                        acc.roles[role].append(name)
    if not info:
        return
    # portals print the outlet unlabelled after the time: "2005年03月31日03:18 北京娱乐信报", "… 09:57 光明网"
    dated = _LEADING_DATE.match(re.sub(r"^(?:https?://)?[\w.-]+\.(?:com|cn|net)\S*\s+", "", line))
    if dated and acc.source is None:
        rest = line[line.index(dated.group(0)) + len(dated.group(0)) :].strip()
        if _OUTLET.fullmatch(rest):
            acc.source = rest
    # portal info lines of the sina/sohu era: "2004年7月16日08:19 [ 黄宇 ] 来源：[ 国际金融报 ]"
    for m in _BRACKETED.finditer(line):
        for name in bare_names(m.group(1)):
            if name not in acc.roles["reporters"]:
                acc.roles["reporters"].append(name)
    if (m := _POSTED_BY.match(line)) and not _LABEL.fullmatch(m.group(1)):
        name = m.group(1)
        if name not in acc.roles["reporters"]:
            acc.roles["reporters"].append(name)


_TRAILING_DATE = re.compile(
    r"[\s|｜丨/]*\d{4}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}\s*日?(?:\s*\d{1,2}\s*[:：]\s*\d{2}(?:\s*[:：]\s*\d{2})?)?$"
)


def _dateline(para: str, acc: _Acc) -> bool:
    """True for a dateline at the top of the text: a date alone, or a date and an outlet ("2023年01月16日 07:35
    长江日报", "长江日报 2023-01-16"). It is the info line, caught in the text when the main node reaches above
    the body: its date is the page's (dates.py reads it there), its outlet the source, and neither is text."""
    if m := _LEADING_DATE.match(para):
        rest = para[m.end() :]
    elif m := _TRAILING_DATE.search(para):
        rest = para[: m.start()]
    else:
        return False
    rest = rest.strip(" \u3000|｜丨/·")
    if not rest:
        return True
    if not _OUTLET.fullmatch(rest):
        return False
    acc.add("source", rest)
    return True


def _join_empty_labels(lines: list[str]) -> list[str]:
    """ "作者：" and its value often sit in separate elements; glue them back together."""
    out: list[str] = []
    for line in lines:
        if out and _EMPTY_LABEL.search(out[-1]) and len(line) <= 40:
            out[-1] = out[-1] + line
        else:
            out.append(line)
    return out


def _closing_names(para: str, acc: _Acc) -> str:
    """A story ending "……（常书香 马丹阳）" or "……（记者 胡晓蓉）": the names are its reporters."""
    m = _BARE_CLOSING.search(para)
    if not m:
        return para
    labelled = "记者" in m.group(0) or "报道" in m.group(0)
    names = split_names(m.group("names")) if labelled else bare_names(m.group("names"))
    if not names:
        return para
    for n in names:
        if n not in acc.roles["reporters"]:
            acc.roles["reporters"].append(n)
    return para[: m.start()].rstrip()


def _dropped_lines(main_node, paragraphs: list[str], tree=None) -> list[str]:
    """Short lines of the main node that the body left out: a closing block of attribution lines ("来源:X" /
    "记者:A B" / "编辑:C") can look like a run of teaser snippets to the body extractor. Lines still in the body
    are not read again, so what is read as attribution is always what was removed from the text."""
    # "".join(t.split()) drops what re.sub(r"\s+", "", t) drops (both go by str.isspace), at a third of the cost
    body = "\n".join("".join(p.split()) for p in paragraphs)
    out = []
    for text, el in page_lines(main_node) if tree is None else node_lines(tree, main_node):
        compact = "".join(text.split())
        if compact and len(text) <= 100 and compact not in body and not in_teaser(el, main_node):
            out.append(text)
    return out


def parse_attribution(tree, paragraphs: list[str], main_node=None) -> Attribution:
    """Source and bylines of a story, and its paragraphs without the attribution lines.

    Order of evidence: the body paragraphs (whole attribution lines anywhere, opening bylines in the first three,
    closing notes in the last three), then the page text around the main node (info line, block after the body),
    then a "By X" line, then JSON-LD / <meta name=author>. The first source found wins.
    """
    acc = _Acc()
    kept: list[str] = []
    last = len(paragraphs) - 1
    for i, para in enumerate(paragraphs):
        if parse_line(para, acc):
            continue
        if i < 3:
            if _dateline(para, acc):
                continue
            if (m := _BY.match(para)) and (names := latin_names(m.group(1))):
                acc.roles["reporters"].extend(n for n in names if n not in acc.roles["reporters"])
                continue
            if names := bare_names(para):  # a name alone under the headline is the author's
                acc.roles["reporters"].extend(n for n in names if n not in acc.roles["reporters"])
                continue
            if len(para) <= 60 and _POSTED_BY.match(para):
                scan_region_line(para, acc)
                continue
        # opening bylines sit in the first paragraphs, closing editor notes in the last ones
        if i < 3 or i > last - 3:
            para = strip_byline(para, acc)
        if i > last - 3:
            para = _closing_names(para, acc)
        if para:
            kept.append(para)
    if main_node is not None and main_node.tag not in ("body", "html"):
        for line in _dropped_lines(main_node, paragraphs, tree):
            parse_line(line, acc)
    if tree is not None:
        regions = page_regions(tree, main_node, extract_title(tree))
        info = _join_empty_labels(regions.info)
        for line in info:
            scan_region_line(line, acc)
        for line in _join_empty_labels(regions.tail):
            scan_region_line(line, acc, info=False)
        if not acc.roles["reporters"]:
            for line in info[:2]:  # a name alone under the headline is the author's
                acc.roles["reporters"].extend(n for n in bare_names(line) if n not in acc.roles["reporters"])
        if not any(acc.roles.values()):
            for line in (regions.info + regions.head)[:8]:
                m = _BY.match(line)
                if m and (names := latin_names(m.group(1))):
                    acc.roles["reporters"] = names
                    break
        if not any(acc.roles.values()):
            for name in _structured_authors(tree):
                # Chinese CMSs credit the agency as author ("新华社"): that is the source, not a reporter
                if CJK_CHAR.search(name) and ORGISH.search(name):
                    acc.source = acc.source or name
                else:
                    acc.roles["reporters"].append(name)
    return Attribution(kept, acc.source, **acc.roles)
