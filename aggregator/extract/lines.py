"""Writing the main block out as paragraphs: one line per block element, page chrome inside the body left out.

The main block (``body.find_main``) is walked into lines; link-heavy lines, the leading repeat of the title, chrome
lines (分享到, bare URLs, breadcrumbs, date stamps, pagers, counters), runs of snippets, and what follows a chrome
section label or a closing copyright line are dropped. The text helpers here are shared by the scorer and the
article/list judgement (``pagekind``).
"""

from __future__ import annotations

import re

from aggregator.extract.vocabulary import (
    BLOCK_TAGS,
    CJK,
    CLAUSE_PUNCTUATION,
    DATE_STAMP_LABELS,
    DATE_STAMP_WORDS,
    HEADING_TAGS,
    JUNK_WORDS,
    LINE_LABELS,
    NOTICE_WORDS,
    PROVINCES,
    PUNCTUATION,
    SECTION_LABELS,
    alternation,
)

# A block is link-heavy when more than this share of its characters sits inside <a>.
LINK_HEAVY = 0.5
# Unpunctuated blocks shorter than this (in characters) are menu items, labels, buttons rather than prose.
SNIPPET_CHARS = 25
# Prose (characters) an entry needs before a second bare date-time line is read as the start of the next entry.
MIN_ENTRY_CHARS = 100
# A thread under the article: at least this many entry headers ("name 2024-05-20 10:30") in one markup.
THREAD_ENTRIES = 3
# An attribution line (记者/编辑/通讯员/作者/来源: ...) printed at the very end, below a thread.
BYLINE_LINE = re.compile(r"(?:记者|通讯员|编辑|作者|来源)\s*[:：]")
# A table row with a date-time stamp and at most this many characters is an entry header (title cell, stamp cell).
ROW_HEADER_CHARS = 60
# This many snippets in a row inside the main block are a widget, not the article.
SNIPPET_RUN = 3

# Sites link every place and topic name in their text; "宮崎県：<a>延岡市</a>、<a>西都市</a>、<a>日南市</a>" is a
# sentence listing names, not a menu (menus are separated by spaces, bars and dots, tag boxes carry labels). A link
# followed by the ideographic enumeration comma counts as text, for the scorer and for the lines; the last item of
# the listing stays a link.
ENUMERATION_MARK = "、"

# A copyright/disclaimer line ends the body when most of the text is behind it, unless the article goes on after
# it: a paragraph of at least PROSE_AFTER_NOTICE characters of running text in the same container.
PROSE_AFTER_NOTICE = 40

_PUNCT = re.compile(f"[{re.escape(PUNCTUATION)}]")
_WS = re.compile(r"\s+")
_DIGIT = re.compile(r"\d")
# a full date with a time of day: "2005-06-14 03:25:55", "2024年5月20日 10:30", "25.10.2025 - 15:26"
_STAMP = re.compile(
    r"(?:19|20)\d\d\D{1,3}\d{1,2}\D{1,3}\d{1,2}\D{0,6}\d{1,2}:\d{2}|\d{1,2}\D{1,3}\d{1,2}\D{1,3}(?:19|20)\d\d\D{1,6}\d{1,2}:\d{2}"
)
_PUNCT_END = re.compile(r"[。！？.!?]$")
_SENTENCE_END = re.compile(f"[{CLAUSE_PUNCTUATION}]|\\.\\s")
_CJK = re.compile(f"[{CJK}]")
_WORD = re.compile(r"[^\W\d_]{2,}|\d+")
_SENTENCE = re.compile(r"[。！？!?]|\.(?:\s|$)")

# --- chrome lines (the words are in vocabulary.py)

# A label is the whole line ("相关阅读", "【推荐阅读】", "Related articles"), or opens it with a colon
# ("上一篇：标题", "Related: ..."); "参见张某某《传记》" is prose that happens to start with a label word.
SECTION_LABEL_RE = re.compile(
    r"^[\s>»【\[〖『「<]*(?:" + alternation(lbl.strip(" :") for lbl in SECTION_LABELS) + r")"
    r"(?:[\s】\]〗』」>»|/]*(?:[(（]\d+[)）])?\s*$|[\s】\]〗』」]*[:：>»|])",
    re.I,
)
LINE_LABEL_RE = re.compile(r"^[\s【\[]*(?:" + alternation(LINE_LABELS) + r")", re.I)

# Platform disclaimers under user-generated articles (网易号, 搜狐号, 快传号...): they end the article.
DISCLAIMER_LINE = re.compile(
    r"^(?:特别声明|平台声明|免责声明|版权声明|声明：|notice: the content above|[（(]?更多.{0,40}关注)|仅提供信息存储"
    r"|不代表本(?:站|网|平台)|未经.{0,8}(?:授权|许可).{0,12}转载|请勿转载|禁止转载|不得转载|转载请注明",
    re.I,
)

# Lines that close a page: copyright and licence lines. ICP and 责任编辑 lines are left to the attribution module.
COPYRIGHT_LINE = re.compile(
    r"^(?:版权所有|copyright\b|©|\(c\)\s*\d{4}|all rights reserved|未经授权|未经许可|本文版权|本网站所有|凡本网注明)",
    re.I,
)
# Running text that is still a notice or a footer, not article prose: after a copyright/disclaimer line, text like
# this does not count as "the article goes on".
NOTICE_WORDS_RE = re.compile(alternation(NOTICE_WORDS), re.I)

# Whole lines that are page furniture rather than text: ad markers, bare URLs, markup left as text by <noscript>.
JUNK_LINE = re.compile(
    r"^(?:[\[【(]?(?:" + alternation(JUNK_WORDS) + r")[\]】)]?"
    r"|返回.{1,8}[，,]\s*查看更多"
    # poster location of self-media platforms, and attribution labels left without a value
    r"|(?:发布于|ip属地|来自)[:：]?\s*(?:" + alternation(PROVINCES) + r")(?:省|市|自治区|特别行政区)?"
    r"|(?:责任编辑|编辑|作者|来源|记者)\s*[:：]?"
    r"|(?:https?://\S+\s*)+|<(?:img|iframe|a|div|script)\b.*)$",
    re.I,
)

# What a bare date/time stamp is made of, in the languages of the corpus: a line with nothing else is dropped.
DATE_TOKENS = re.compile(
    r"\d+|[年月日时分秒号点:：/.\-,|·•@()（）+]"
    rf"|\b(?:{alternation(DATE_STAMP_WORDS)})\b"
    rf"|星期[一二三四五六日天]?|周[一二三四五六日天]|{alternation(DATE_STAMP_LABELS)}",
    re.I,
)

# Pagination strips: "第1页/共3页 << 上一页 | 下一页 >>", "Page 2 of 5", "Next page".
PAGER_LINE = re.compile(r"第\s*\d+\s*页|[上下]一页|^(?:page \d+ of \d+|next page|previous page)$", re.I)

# Media boxes and counters: "时长：01:45", "Duration 1:30", "阅读量1.3w 收藏 98", "浏览次数：1234".
MEDIA_LINE = re.compile(
    r"时长[:：]\s*\d{1,2}:\d{2}|^duration\s*\d{1,2}:\d{2}$|^\d{1,2}:\d{2}(?::\d{2})?$"
    r"|^(?:阅读量?|浏览量?|浏览次数|点击量?|点击数|评论数?|点赞|收藏)[:：]?\s*[\d.]+[万wk]?(?:\s*(?:收藏|点赞|评论|分享|阅读)\s*[\d.]+[万wk]?)*$",
    re.I,
)

# Breadcrumbs and nav strips written out as text: "首页 > 要闻 > 正文", "新闻 - 体育 - 娱乐 - 房产".
BREADCRUMB_SEP = re.compile(r"\s*(?:>|»|›|→|＞|\||｜)\s*|\s+[-/]\s+")


def _chars(text: str | None) -> int:
    # indentation around text nodes is the only whitespace worth not counting; inner spaces count as characters
    return len(text.strip()) if text else 0


class _Block:
    __slots__ = ("parts", "link", "owner")

    def __init__(self, owner):
        self.parts: list[str] = []
        self.link = 0
        self.owner = owner  # the block element the text belongs to


def _collect(node, dropped) -> list[tuple[str, int, object]]:
    """(text, link chars, owning block element) for every paragraph under ``node``, in document order."""
    out: list[tuple[str, int, object]] = []
    cur = [_Block(node)]

    def flush(next_owner):
        blk = cur[0]
        if blk.parts:
            # " ".join(s.split()) is _WS.sub(" ", s).strip(), faster; \u3000 and \xa0 are whitespace to both
            text = " ".join("".join(blk.parts).split())
            if text:
                out.append((text, blk.link, blk.owner))
        cur[0] = _Block(next_owner)

    def add(text, in_link):
        if text:
            cur[0].parts.append(text)
            if in_link:
                cur[0].link += _chars(text)

    def walk(el, in_link, owner):
        tag = el.tag
        in_link = in_link or tag == "a"
        if (tag == "td" or tag == "th") and owner.tag == "tr":
            # the cells of a row are one line, as a reader sees them: a data table's figures and labels are short
            # and would each read as a snippet, and a linked name in one cell as a link-heavy line
            if cur[0].parts:
                cur[0].parts.append(" ")
            is_block = False
        else:
            is_block = tag in BLOCK_TAGS
        if is_block:
            flush(el)
        add(el.text, in_link)
        for child in el:
            if isinstance(child.tag, str) and child not in dropped:
                after = child.tail if child.tag == "a" else None
                if after and after.lstrip()[:1] == ENUMERATION_MARK:
                    blk, link = cur[0], cur[0].link
                    walk(child, in_link, el if is_block else owner)
                    if blk is cur[0]:
                        blk.link = link  # an item of a listing sentence counts as text (see ENUMERATION_MARK)
                else:
                    walk(child, in_link, el if is_block else owner)
            add(child.tail, in_link)
        if is_block:
            flush(owner)

    walk(node, False, node)
    flush(node)
    return out


def _norm(text: str) -> str:
    return "".join(text.split()).lower()


def _repeats_title(text: str, title: str | None, loose: bool = False) -> bool:
    """The line is the headline again: equal, contained in <title> ("Headline_Site"), or containing it.

    ``loose`` also accepts a line that carries most of the headline's character pairs with a little more around
    it (a video box caption "Headline 时长：01:45", a second headline with the channel name).
    """
    if not title:
        return False
    a, b = _norm(text), _norm(title)
    if not a or not b:
        return False
    if a == b or (len(a) >= 6 and a in b and len(a) >= 0.4 * len(b)):
        return True
    if len(b) >= 6 and b in a and len(a) < 1.3 * len(b):
        return True
    if loose and len(b) >= 8 and len(a) <= 2 * len(b):
        pairs = {b[i : i + 2] for i in range(len(b) - 1)}
        shared = sum(1 for i in range(len(a) - 1) if a[i : i + 2] in pairs)
        return shared >= 0.7 * len(pairs)
    return False


def _units(text: str) -> int:
    cjk = len(_CJK.findall(text))
    if cjk > 0.3 * len(text):
        return cjk
    return len(_WORD.findall(text))


def _is_snippet(text: str, n: int) -> bool:
    return n < SNIPPET_CHARS and not _PUNCT.search(text)


def _drop_snippet_runs(kept: list[tuple[str, int, object]]) -> list[tuple[str, object]]:
    """Remove runs of SNIPPET_RUN+ consecutive short unpunctuated lines: player controls, infobox labels, menus.

    A lone short line (a subheading, "1.豆子提前浸泡") sits between prose and survives.
    """
    out: list[tuple[str, object]] = []
    run: list[tuple[str, object]] = []
    for i, (text, n, owner) in enumerate(kept):
        if _is_snippet(text, n) and not _opens_section(kept, i):
            run.append((text, owner))
            continue
        if len(run) < SNIPPET_RUN:
            out += run
        run = []
        out.append((text, owner))
    if len(run) < SNIPPET_RUN:
        out += run
    return out


def _opens_section(kept: list[tuple[str, int, object]], i: int) -> bool:
    """Is line ``i`` a section heading over content: a paragraph or a table, past any subheadings under it?

    Headings of widgets (share, related, newsletter) sit over links or more snippets, which are gone or short.
    """
    if kept[i][2].tag not in HEADING_TAGS:
        return False
    for text, n, owner in kept[i + 1 :]:
        if owner.tag not in HEADING_TAGS:
            return owner.tag == "tr" or not _is_snippet(text, n)
    return False


def _signature(el) -> tuple:
    parent = el.getparent()
    return el.tag, el.get("class"), None if parent is None else (parent.tag, parent.get("class"))


def _paragraphs(blocks: list[tuple[str, int, object]], title: str | None) -> list[tuple[str, object]]:
    """The kept lines of the main block, each with the block element it came from."""
    kept: list[tuple[str, int, object]] = []
    # character pairs say little about a Latin-script headline, and leads there often restate it
    cjk_title = bool(title) and len(_CJK.findall(title)) > 0.3 * len(title)
    total = sum(_chars(t) - link for t, link, _ in blocks if link <= LINK_HEAVY * max(1, _chars(t)))
    seen = 0
    stamp = None  # (text, markup signature, prose seen) of the first bare date-time line
    entries = _entry_headers(blocks)
    for i, (text, link, owner) in enumerate(blocks):
        n = _chars(text)
        prose = n - link
        if link > LINK_HEAVY * n:
            continue
        if n <= 40 and SECTION_LABEL_RE.match(text) and not _is_notice(text):
            # chrome heading inside the body: stop when the article is mostly behind us, else step over it
            if seen >= 0.5 * total:
                break
            continue
        if n <= 60 and LINE_LABEL_RE.match(text) or JUNK_LINE.match(text):
            continue
        if n <= 300 and _is_notice(text):
            # a copyright/disclaimer line closes the page once most of the text is behind us, unless more article
            # prose follows it (portals insert "免责声明：本文转自网络…" in the middle of reposts): then it is skipped
            if seen >= 0.5 * total and not (kept and _prose_follows(blocks, i + 1, kept[-1][2].getparent())):
                break
            continue
        if i in entries and seen >= 0.5 * total and entries[i] >= THREAD_ENTRIES:
            # a thread under the article (comments, replies): the same "name date time" header repeated with a
            # short text each, after most of the text. A byline printed below the thread still belongs to it.
            _drop_entry_title(kept, owner)
            kept += _closing_byline(blocks, entries)
            break
        row_header = owner.tag == "tr" and _is_row_header(text, n)
        if (n <= 80 and _is_date_line(text)) or row_header:
            if _STAMP.search(text):
                stamp, next_entry = _entry_stamp(text, owner, seen, stamp)
                if next_entry:
                    if not row_header:  # a row header carries its entry's title in its own cells
                        _drop_entry_title(kept)
                    break
            continue
        if n <= 80 and (_is_breadcrumb(text) or MEDIA_LINE.search(text)):
            continue
        if n <= 40 and PAGER_LINE.search(text):
            continue
        if n <= 200 and len(kept) < 3 and _is_headline(text, n, owner.tag, title, len(kept), cjk_title):
            # the article starts at its headline: short lines above it are kickers, ad slogans, channel names
            kept = [k for k in kept if not _is_snippet(k[0], k[1])]
            seen += prose
            continue
        seen += prose
        kept.append((text, n, owner))
    return _drop_snippet_runs(kept)


def _is_headline(text: str, n: int, tag: str, title: str | None, kept: int, cjk_title: bool) -> bool:
    """The line repeats the headline near the top (``kept`` lines kept so far): the article starts there."""
    return (kept < 2 and (tag in HEADING_TAGS or n <= 120) and _repeats_title(text, title)) or (
        cjk_title and _repeats_title(text, title, loose=True)
    )


def _entry_stamp(text: str, owner, seen: int, stamp: tuple | None) -> tuple[tuple | None, bool]:
    """(first stamp, whether this bare date-time line starts the next entry) for a line holding a full stamp.

    Another bare "date time" line in the same markup as the first, after real prose, starts the next entry: a
    reply in a forum thread, the next post of a blog page. The article is the first. ``stamp`` is (text, markup
    signature, prose seen) of the first such line, or None before it.
    """
    sig = _signature(owner)
    if stamp is None:
        # only an entry header counts: it comes before the entry's prose, not in its middle
        return ((text, sig, seen) if seen < MIN_ENTRY_CHARS else (None, None, 0)), False
    return stamp, text != stamp[0] and sig == stamp[1] and seen - stamp[2] >= MIN_ENTRY_CHARS


def _drop_entry_title(kept: list[tuple[str, int, object]], owner=None) -> None:
    """Pop the last kept line when it reads as the title of the next entry (short, unpunctuated at its end).

    With ``owner``, only when it belongs to that block element (the thread header's own markup).
    """
    last = kept[-1] if kept else None
    if last and 6 <= last[1] < 40 and not _PUNCT_END.search(last[0]) and (owner is None or last[2] is owner):
        kept.pop()


def _entry_headers(blocks: list[tuple[str, int, object]]) -> dict[int, int]:
    """Lines that head an entry of a thread: a date-time stamp with at most a short name beside it.

    Maps the index of each such line to how many headers of the same markup signature start there or later.
    """
    found: list[tuple[int, tuple]] = []
    for i, (text, _link, owner) in enumerate(blocks):
        n = _chars(text)
        if n > 60:
            continue
        m = _STAMP.search(text)
        if m and _is_snippet((text[: m.start()] + text[m.end() :]).strip(), n):
            found.append((i, _signature(owner)))
    out: dict[int, int] = {}
    counts: dict[tuple, int] = {}
    for i, sig in reversed(found):
        counts[sig] = counts.get(sig, 0) + 1
        out[i] = counts[sig]
    return out


def _closing_byline(blocks: list[tuple[str, int, object]], entries: dict) -> list:
    """The attribution line printed after a thread (its last blocks, below the last entry), if any."""
    last = max(entries)
    for text, _link, owner in blocks[last + 2 :][-2:]:
        if _chars(text) <= 60 and BYLINE_LINE.search(text):
            return [(text, _chars(text), owner)]
    return []


def _is_notice(text: str) -> bool:
    return bool(COPYRIGHT_LINE.match(text) or DISCLAIMER_LINE.search(text))


def _prose_follows(blocks: list[tuple[str, int, object]], start: int, container) -> bool:
    """Does the article go on after a notice line: a paragraph of prose in the container of the last kept line?

    Page footers after a copyright line hold short lines (ICP numbers, addresses, links) and more notices, and what
    follows a closing line sits in other boxes (an author bio, teasers, a partner note). An inserted disclaimer is
    followed by the rest of the article in the same container: punctuated running text (PROSE_AFTER_NOTICE
    characters in one paragraph) that does not talk about rights and reposting.
    """
    for text, link, owner in blocks[start:]:
        n = _chars(text)
        if link > LINK_HEAVY * n:
            continue
        if n <= 40 and SECTION_LABEL_RE.match(text):
            return False
        if owner.getparent() is not container or n - link < PROSE_AFTER_NOTICE:
            continue
        if _SENTENCE_END.search(text) and not (_is_notice(text) or NOTICE_WORDS_RE.search(text)):
            return True
    return False


def _is_row_header(text: str, n: int) -> bool:
    """A table row that heads an entry: a date-time stamp beside a title cell, as blog and forum tables print them."""
    if n > ROW_HEADER_CHARS:
        return False
    m = _STAMP.search(text)
    return bool(m) and not _SENTENCE_END.search(text[: m.start()] + text[m.end() :])


def _is_breadcrumb(text: str) -> bool:
    """Three or more short unpunctuated parts joined by arrows or spaced dashes."""
    if _SENTENCE_END.search(text):
        return False
    parts = [p for p in BREADCRUMB_SEP.split(text) if p.strip()]
    return len(parts) >= 3 and all(len(p) <= 12 for p in parts)


def _is_date_line(text: str) -> bool:
    """A line that is only a date/time stamp ("Updated 1:39 am EST, Nov 20, 2019", "2024-05-20 06:48").

    Lines that also name a source or author are left for the attribution module.
    """
    return bool(_DIGIT.search(text)) and len(_WS.sub("", DATE_TOKENS.sub("", text))) <= 2
