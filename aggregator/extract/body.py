"""Main-content detection: a text-density / link-density scorer over the lxml tree.

How it works (one bottom-up pass over the tree, one walk over the winner; the tree is never modified, the
attribution and date modules read it afterwards):

1. Chrome tags (script, style, nav, footer, iframe, ...) are skipped. Elements whose class/id/role/hidden flag
   say share, comment, related, sidebar, footer, ... (see ``xpaths``) are "soft" drops: skipped too, but when
   one holds more running text than the whole rest of the page it is kept after all (misnamed wrappers), and
   containers inside soft drops stay candidates at a discount (``INSIDE_DROP_FACTOR``).
2. Every text block (the inline text under one block element) is judged: link-heavy blocks and short
   unpunctuated snippets are *bad* text, the rest *good* text (its own link text is bad). Teaser lists are caught
   by order: inside a small item, a good block right after a headline link counts as bad.
3. Each container scores ``good - PENALTY * bad`` over its subtree and the best one is the main node: the tightest
   element that still holds nearly all running text; a body split over sibling blocks is taken in whole when the
   siblings carry more good than bad text. When the h1/h2 repeating the title is found, containers away from it
   (before it, or beyond its few nearest ancestors) are discounted, so a stream of long teasers cannot beat a
   short article. List items are never candidates.
4. The main node is walked into paragraphs (one per block element or <br> run). Dropped: link-heavy lines, the
   leading repeat of the title, chrome lines (分享到, 扫码关注, Advertisement, bare URLs, breadcrumbs, bare date
   stamps, pagers, view counters), runs of three or more snippets (player controls, infobox labels), and what
   follows a chrome section label (相关阅读, 上一篇, Related articles...) once most of the text is behind it. A
   copyright/disclaimer line (版权所有, 免责声明：…) is dropped, and ends the body only when most of the text is
   behind it and no paragraph of prose follows in the same container (portals insert disclaimers mid-article).
5. is_article: enough running text, mostly good text, and not a teaser list: a block that is one of several
   sibling items each opening with a headline link to another page (a digest), or whose kept text sits mostly in
   such items (list pages, however long their summaries are), and not a hub: a main block led by a headline link
   to another page (or by a chrome label such as 热门文章) on a page of many headline links, when those links
   outnumber the kept sentences or the kept text sits mostly in blocks that open with such a link (front pages,
   channel pages, home pages with one or two lead stories over link lists).

Nothing reads page-specific markup; no thresholds come from single pages.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from aggregator.extract.dom import HARD, SOFT, drop_kind, has_content_class, rescuable, select
from aggregator.extract.xpaths import (
    BLOCK_TAGS,
    BREADCRUMB_SEP,
    CANDIDATE_TAGS,
    COPYRIGHT_LINE,
    DATE_TOKENS,
    DISCLAIMER_LINE,
    HEADING_TAGS,
    JUNK_LINE,
    LINE_LABEL_RE,
    MEDIA_LINE,
    NOTICE_WORDS,
    PAGER_LINE,
    SECTION_LABEL_RE,
    SOFT_DROP_TAGS,
)


@dataclass
class MainContent:
    node: object | None
    paragraphs: list[str] = field(default_factory=list)
    is_article: bool = False


# Bad text weighs more than good text, so a container that adds as much chrome as prose loses to the tighter one
# without it.
PENALTY = 1.7
# Link text is dropped again when paragraphs are written out, so it costs less than chrome that would be kept.
LINK_WEIGHT = 0.15
SNIPPET_WEIGHT = 0.5
# Short unlinked table cells are mostly data (figures, names in a table); menus built from tables are links.
CELL_SNIPPET_WEIGHT = 0.1
# A summary after a headline link is a teaser; beyond this many characters it is more likely a paragraph that
# follows an ad or a link box injected into the article, so only this much of it is counted as teaser.
TEASER_CAP = 150
# Headline + summary pairs are teasers when they share a small container (a list item, a card) holding at most
# this much running text; the same pair directly inside a long article body is an injected link box.
TEASER_ITEM_MAX = 450
# A block is link-heavy when more than this share of its characters sits inside <a>.
LINK_HEAVY = 0.5
# Unpunctuated blocks shorter than this (in characters) are menu items, labels, buttons rather than prose.
SNIPPET_CHARS = 25
# Prose (characters) an entry needs before a second bare date-time line is read as the start of the next entry.
MIN_ENTRY_CHARS = 100
# This many snippets in a row inside the main block are a widget, not the article.
SNIPPET_RUN = 3

# When the title heading is found, candidates away from it (before it, or outside its ANCHOR_LEVELS nearest
# ancestors) keep only this share of their score: a stream of long teasers must not beat a short article.
ANCHOR_LEVELS = 6
UNANCHORED_FACTOR = 0.2

# Candidates inside an element whose class/id reads like chrome (a comment, a sidebar) keep this share of their
# score: a long comment must not beat the article, yet a misnamed wrapper around everything changes nothing.
INSIDE_DROP_FACTOR = 0.5

# is_article thresholds. Length is counted in CJK characters for Chinese/Japanese text (more than 30% CJK) and in
# words otherwise: a short Chinese news brief has ~150 characters, an English one ~80 words; contact, about and
# error pages stay below. The main block must also be mostly running text: list, hub and tag pages are mostly
# links and teasers (bad text, weighted as in the scorer).
MIN_ARTICLE_UNITS_CJK = 80
MIN_ARTICLE_UNITS_WORDS = 50
MAX_BAD_SHARE = 0.5

# Teaser lists (list pages, digests): at least LIST_ITEMS sibling items (same tag and class) that each open with a
# headline link to a different page; the main block is a list when it is one of them, or when at least LIST_SHARE
# of its kept text sits in them. A headline has LEAD_LINK_CJK+ Chinese characters or LEAD_LINK_WORDS+ words (user
# names in forum posts have fewer).
LIST_ITEMS = 3
LIST_SHARE = 0.5
LEAD_LINK_CJK = 6
LEAD_LINK_WORDS = 3

# Hubs (front pages, channel pages, home pages with one or two lead stories over link lists): the main block opens
# with a headline link to another page or a chrome section label (热门文章), and the page holds at least HUB_LINKS
# distinct headline links, HUB_RATIO or more per sentence of the kept text. An article opens with its own
# headline or its prose, and a short article under a big link sidebar still opens that way.
HUB_LINKS = 20
HUB_RATIO = 3.0
# Where a headline link stands: a heading, a list item, a definition term (a "photo" link in a paragraph is none).
HEADLINE_OWNERS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6", "li", "dt"})

# A copyright/disclaimer line ends the body when most of the text is behind it, unless the article goes on after
# it: a paragraph of at least PROSE_AFTER_NOTICE characters of running text in the same container.
PROSE_AFTER_NOTICE = 40

_PUNCT = re.compile(r"[，。！？；：、“”「」,.;!?]")
_WS = re.compile(r"\s+")
_DIGIT = re.compile(r"\d")
# a full date with a time of day: "2005-06-14 03:25:55", "2024年5月20日 10:30", "25.10.2025 - 15:26"
_STAMP = re.compile(
    r"(?:19|20)\d\d\D{1,3}\d{1,2}\D{1,3}\d{1,2}\D{0,6}\d{1,2}:\d{2}|\d{1,2}\D{1,3}\d{1,2}\D{1,3}(?:19|20)\d\d\D{1,6}\d{1,2}:\d{2}"
)
_PUNCT_END = re.compile(r"[。！？.!?]$")
_SENTENCE_END = re.compile(r"[，。！？；,;!?]|\.\s")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]")
_WORD = re.compile(r"[^\W\d_]{2,}|\d+")
_SENTENCE = re.compile(r"[。！？!?]|\.(?:\s|$)")


def _chars(text: str | None) -> int:
    # indentation around text nodes is the only whitespace worth not counting; inner spaces count as characters
    return len(text.strip()) if text else 0


GOOD, LINKY, SNIP = 1, 2, 3


def _judge(t: int, link: int, punct: int, cell: bool = False) -> tuple[float, float, int]:
    """(good, bad, kind) of one text block; ``cell`` for table cells, whose short texts are usually data."""
    if t == 0:
        return 0.0, 0.0, 0
    if link > LINK_HEAVY * t:
        return 0.0, LINK_WEIGHT * t, LINKY
    if punct == 0 and t < SNIPPET_CHARS:
        return 0.0, (CELL_SNIPPET_WEIGHT if cell else SNIPPET_WEIGHT) * t, SNIP
    return float(t - link), LINK_WEIGHT * link, GOOD


class _Scorer:
    """Bottom-up pass: good/bad text per element, and the boilerplate subtrees skipped on the way.

    Besides link density, it recognises teaser lists (headline link, then a summary, repeated): inside a small
    item, a good block that directly follows a link-heavy one (snippets such as dates in between are transparent)
    is counted as bad text, so "more stories" streams full of summaries do not outweigh a short article.
    """

    def __init__(self, keep: set | None = None):
        self.scores: dict = {}  # candidate element -> (good, bad)
        self.dropped: dict = {}  # element -> (kind, good) for skipped subtrees
        self.keep = keep or set()
        self.inside_drop: set = set()

    def visit(self, el, in_link: bool = False, in_item: bool = False, in_drop: bool = False):
        """(good, bad, inline chars, inline link chars, inline punct, first kind, first good, last kind)."""
        tag = el.tag
        kind = drop_kind(el) if el not in self.keep else 0
        if kind == HARD:
            self.dropped[el] = (HARD, 0.0)
            return 0.0, 0.0, 0, 0, 0, 0, 0.0, 0
        in_link = in_link or tag == "a"
        in_item = in_item or tag == "li"
        # candidates inside a soft-dropped subtree stay (class names lie: "comments-enabled article"), at a discount
        in_drop = in_drop or bool(kind)
        cell = tag == "td" or tag == "th"
        good = bad = teaser = 0.0
        first_kind, first_good, last_kind = 0, 0.0, 0
        text = el.text
        t = _chars(text)
        p = len(_PUNCT.findall(text)) if t else 0
        link = t if in_link else 0
        for child in el:
            ctag = child.tag
            if isinstance(ctag, str):
                cg, cb, ct, cl, cp, cfk, cfg, clk = self.visit(child, in_link, in_item, in_drop)
                good += cg
                bad += cb
                if ctag in BLOCK_TAGS:
                    # the block child closes our running inline text
                    g, b, k = _judge(t, link, p, cell)
                    good += g
                    bad += b
                    t = link = p = 0
                    if k and k != SNIP:
                        if k == GOOD and last_kind == LINKY:
                            teaser += min(g, TEASER_CAP)
                        if not first_kind:
                            first_kind, first_good = k, g
                        last_kind = k
                else:
                    t += ct
                    link += cl
                    p += cp
                if cfk:
                    if cfk == GOOD and last_kind == LINKY:
                        teaser += min(cfg, TEASER_CAP)
                    if not first_kind:
                        first_kind, first_good = cfk, cfg
                    last_kind = clk
            tail = child.tail
            if tail:
                n = _chars(tail)
                if n:
                    t += n
                    p += len(_PUNCT.findall(tail))
                    if in_link:
                        link += n
        if tag in BLOCK_TAGS:
            g, b, k = _judge(t, link, p, cell)
            good += g
            bad += b
            t = link = p = 0
            if k and k != SNIP:
                if k == GOOD and last_kind == LINKY:
                    teaser += min(g, TEASER_CAP)
                if not first_kind:
                    first_kind, first_good = k, g
                last_kind = k
        if teaser and good <= TEASER_ITEM_MAX:
            # only inside a small item (li, card): a link heading between two article paragraphs is an ad
            good -= teaser
            bad += teaser
        if kind:
            self.dropped[el] = (kind, good)
            return 0.0, 0.0, 0, 0, 0, 0, 0.0, 0
        if tag in CANDIDATE_TAGS and not in_item:
            # a list item is one of many teasers or links, never the article itself
            self.scores[el] = (good, bad)
            if in_drop:
                self.inside_drop.add(el)
        return good, bad, t, link, p, first_kind, first_good, last_kind


def _best(scores: dict, anchored: set | None = None, inside_drop: set | None = None):
    best, best_score = None, 0.0
    for el, (good, bad) in scores.items():
        s = good - PENALTY * bad
        if anchored and el not in anchored:
            s *= UNANCHORED_FACTOR
        if inside_drop and el in inside_drop:
            s *= INSIDE_DROP_FACTOR
        if s >= best_score:  # later = outer on ties: keep headings and captions that cost nothing
            best, best_score = el, s
    return best


def _title_heading(root, title: str | None):
    """The h1 (else h2) whose text is the page title: the article starts there."""
    if not title:
        return None
    for tag in ("h1", "h2"):
        for h in root.iter(tag):
            text = h.text_content()
            if text and len(text) < 300 and _repeats_title(text, title):
                return h
    return None


def _anchored(heading, scores: dict) -> set:
    """Candidates near the title heading: its close ancestors and what follows it inside them."""
    top = heading
    near = set()
    for _ in range(ANCHOR_LEVELS):
        parent = top.getparent()
        if parent is None or parent.tag in ("body", "html"):
            break
        top = parent
        if top in scores:
            near.add(top)
    after = False
    for el in top.iter():
        if el is heading:
            after = True
        elif after and el in scores:
            near.add(el)
    return near


def _score(root):
    scorer = _Scorer()
    body = root.find("body")
    top = body if body is not None else root
    scorer.visit(top)
    page_good = scorer.scores.get(top, (0.0, 0.0))[0]
    # a soft-dropped element that holds more running text than everything kept is the article, misnamed
    rescue = {
        el
        for el, (kind, good) in scorer.dropped.items()
        if kind == SOFT
        and good > 200
        and rescuable(el)
        and (
            good > 2 * page_good or (good > page_good and (el.tag in SOFT_DROP_TAGS or has_content_class(el)))
        )
    }
    if rescue:
        scorer = _Scorer(keep=rescue)
        scorer.visit(top)
    return scorer


# --- paragraphs ------------------------------------------------------------------------------------------------


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
            text = _WS.sub(" ", "".join(blk.parts)).strip().strip("\u3000\xa0 ")
            if text:
                out.append((text, blk.link, blk.owner))
        cur[0] = _Block(next_owner)

    def add(text, in_link):
        if text:
            cur[0].parts.append(text)
            if in_link:
                cur[0].link += _chars(text)

    def walk(el, in_link, owner):
        in_link = in_link or el.tag == "a"
        is_block = el.tag in BLOCK_TAGS
        if is_block:
            flush(el)
        add(el.text, in_link)
        for child in el:
            if isinstance(child.tag, str) and child not in dropped:
                walk(child, in_link, el if is_block else owner)
            add(child.tail, in_link)
        if is_block:
            flush(owner)

    walk(node, False, node)
    flush(node)
    return out


def _norm(text: str) -> str:
    return _WS.sub("", text).lower()


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
    for text, n, owner in kept:
        if _is_snippet(text, n):
            run.append((text, owner))
            continue
        if len(run) < SNIPPET_RUN:
            out += run
        run = []
        out.append((text, owner))
    if len(run) < SNIPPET_RUN:
        out += run
    return out


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
    for i, (text, link, owner) in enumerate(blocks):
        tag = owner.tag
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
        if n <= 80 and _is_date_line(text):
            if _STAMP.search(text):
                # Another bare "date time" line in the same markup as the first, after real prose, starts the
                # next entry: a reply in a forum thread, the next post of a blog page. The article is the first.
                sig = _signature(owner)
                if stamp is None:
                    # only an entry header counts: it comes before the entry's prose, not in its middle
                    stamp = (text, sig, seen) if seen < MIN_ENTRY_CHARS else (None, None, 0)
                elif text != stamp[0] and sig == stamp[1] and seen - stamp[2] >= MIN_ENTRY_CHARS:
                    if kept and 6 <= kept[-1][1] < 40 and not _PUNCT_END.search(kept[-1][0]):
                        kept.pop()  # that entry's title
                    break
            continue
        if n <= 80 and (_is_breadcrumb(text) or MEDIA_LINE.search(text)):
            continue
        if n <= 40 and PAGER_LINE.search(text):
            continue
        if (
            n <= 200
            and len(kept) < 3
            and (
                (len(kept) < 2 and (tag in HEADING_TAGS or n <= 120) and _repeats_title(text, title))
                or (cjk_title and _repeats_title(text, title, loose=True))
            )
        ):
            # the article starts at its headline: short lines above it are kickers, ad slogans, channel names
            kept = [k for k in kept if not _is_snippet(k[0], k[1])]
            seen += prose
            continue
        seen += prose
        kept.append((text, n, owner))
    return _drop_snippet_runs(kept)


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
        if _SENTENCE_END.search(text) and not (_is_notice(text) or NOTICE_WORDS.search(text)):
            return True
    return False


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


# --- list pages ------------------------------------------------------------------------------------------------


def _lead_link(item, dropped) -> str | None:
    """The href of the headline link ``item`` opens with, else None.

    The item's first line (its text up to the first block boundary) must hold a link with headline-sized text
    (LEAD_LINK_CJK characters, LEAD_LINK_WORDS words), and besides links at most a short unpunctuated snippet: a
    date, a channel tag ("[社会] 标题 2023-03-08"). A paragraph that opens with a linked name and goes on with
    prose ("<a>张三</a>表示，……") does not lead with a link.
    """
    href: list = [None]
    link_text: list[str] = []
    rest: list[str] = []
    state = [0]  # 0 before the first text, 1 in the first line, 2 done

    def text(value, anchor):
        if not value or not value.strip() or state[0] == 2:
            return
        state[0] = 1
        if anchor is not None:
            if href[0] is None:
                href[0] = anchor.get("href")
            if anchor.get("href") == href[0]:
                link_text.append(value)
                return
        rest.append(value)

    def boundary():
        if state[0] == 1:
            state[0] = 2

    def walk(el, anchor):
        if state[0] == 2:
            return
        if el.tag == "a" and el.get("href"):
            anchor = el
        block = el.tag in BLOCK_TAGS and el is not item
        if block:
            boundary()
        text(el.text, anchor)
        for child in el:
            if state[0] == 2:
                return
            if isinstance(child.tag, str) and child not in dropped:
                walk(child, anchor)
            text(child.tail, anchor)
        if block:
            boundary()

    walk(item, None)
    target = href[0]
    if not target or target.startswith(("#", "javascript:")):
        return None
    headline = _WS.sub(" ", "".join(link_text)).strip()
    other = _WS.sub(" ", "".join(rest)).strip()
    if _units(headline) < (
        LEAD_LINK_CJK if len(_CJK.findall(headline)) > 0.3 * len(headline) else LEAD_LINK_WORDS
    ):
        return None
    if len(other) >= SNIPPET_CHARS or _SENTENCE_END.search(other):
        return None
    return target


def _led(members: list, dropped, need: int = LIST_ITEMS) -> set:
    """The members that open with a headline link, when ``need``+ of them link to different pages."""
    if len(members) < need:
        return set()
    led: dict = {}
    for el in members:
        href = _lead_link(el, dropped)
        if href and href not in led.values():
            led[el] = href
    return set(led) if len(led) >= need else set()


def _siblings(parent, key: tuple, dropped) -> list:
    return [
        c for c in parent if isinstance(c.tag, str) and (c.tag, c.get("class")) == key and c not in dropped
    ]


def _teaser_items(top, dropped) -> dict:
    """Teaser items under ``top``: element -> the item it belongs to.

    An item is one of LIST_ITEMS+ sibling elements of one tag and class that open with headline links to different
    pages; a list item (<li>) that does is one on its own. Linked headings followed by sibling paragraphs are not
    items: that is also how product round-ups and gift guides (articles) are laid out.
    """
    items: dict = {}
    for parent in top.iter():
        if parent in dropped or not isinstance(parent.tag, str):
            continue
        children = [c for c in parent if isinstance(c.tag, str) and c not in dropped]
        groups: dict = {}
        for c in children:
            if c.tag in BLOCK_TAGS:
                groups.setdefault((c.tag, c.get("class")), []).append(c)
        for key, members in groups.items():
            led = _led(members, dropped, 1 if key[0] == "li" else LIST_ITEMS)
            for el in led:
                items[el] = el
    return items


def _is_list(kept: list[tuple[str, object]], node, dropped) -> bool:
    """Is the main block a teaser list (a list page, a digest), however long its teasers are?

    Either the block is one item of such a list (a digest page quoting whole paragraphs under each headline), or
    at least LIST_SHARE of its kept text sits in items that open with a headline link to another page (LIST_ITEMS+
    of them, or list items alone). Links inside paragraphs and a related-stories box under the article keep an
    article an article.
    """
    if node is None or not kept:
        return False
    parent = node.getparent()
    if parent is not None and node in _led(
        _siblings(parent, (node.tag, node.get("class")), dropped), dropped
    ):
        return True
    items = _teaser_items(node, dropped)
    if not items:
        return False
    total = listed = 0
    holding = set()
    for text, owner in kept:
        n = _chars(text)
        total += n
        el = owner
        while el is not None:
            if el in items:
                listed += n
                holding.add(items[el])
                break
            if el is node:
                break
            el = el.getparent()
    enough = len(holding) >= LIST_ITEMS or (holding and all(el.tag == "li" for el in holding))
    return bool(enough) and listed >= LIST_SHARE * total


def _is_article(paragraphs: list[str], good: float, bad: float) -> bool:
    text = "".join(paragraphs)
    if not text:
        return False
    cjk = len(_CJK.findall(text))
    if cjk > 0.3 * len(text):
        enough = cjk >= MIN_ARTICLE_UNITS_CJK
    else:
        enough = len(_WORD.findall(text)) >= MIN_ARTICLE_UNITS_WORDS
    return enough and bad <= MAX_BAD_SHARE * (good + bad)


def _headline_sized(text: str) -> bool:
    text = _WS.sub(" ", text).strip()
    if not text:
        return False
    cjk = len(_CJK.findall(text)) > 0.3 * len(text)
    return _units(text) >= (LEAD_LINK_CJK if cjk else LEAD_LINK_WORDS)


def _other_page(href: str | None) -> bool:
    return bool(href) and not href.strip().startswith(("#", "javascript:", "mailto:"))


def _headline_links(root, title: str | None) -> int:
    """Distinct targets of headline-sized links on the whole page, the page's own headline aside."""
    targets = set()
    for a in root.iter("a"):
        href = a.get("href")
        if _other_page(href):
            text = a.text_content()
            if _headline_sized(text) and not _repeats_title(text, title):
                targets.add(href.strip())
    return len(targets)


def _own_paths(root) -> set:
    """Paths of the page's own address as it declares it (canonical link, og:url): a headline linking there is
    the article's own."""
    found = set()
    for el in root.iter("link", "meta"):
        if el.tag == "link" and "canonical" in (el.get("rel") or "").lower():
            value = el.get("href")
        elif el.tag == "meta" and (el.get("property") or el.get("name") or "").lower() == "og:url":
            value = el.get("content")
        else:
            continue
        if value:
            found.add(_path(value))
    found.discard("")
    return found


def _path(href: str) -> str:
    parts = urlsplit(href.strip())
    return (parts.path.rstrip("/") + ("?" + parts.query if parts.query else "")).lower()


def _led_by_link(node, dropped, title: str | None, own: set | None = None) -> bool:
    """Does the main block open with a headline link to another page, or with a chrome section label?

    Short labels ("头条", "Top stories"), dates and breadcrumbs before it are stepped over; the first headline-sized
    heading, or the first line of prose, that is not a link ends the search: an article opens with its own
    headline (a link to itself repeats the title) or its text.
    """
    for text, link, owner in _collect(node, dropped):
        n = _chars(text)
        if n <= 40 and SECTION_LABEL_RE.match(text):
            return True
        if link > LINK_HEAVY * n:
            if owner.tag not in HEADLINE_OWNERS:
                continue  # a photo link, a "follow us" button: not a headline
            for a in owner.iter("a"):
                ltext = a.text_content()
                if _other_page(a.get("href")) and _headline_sized(ltext):
                    return not (_repeats_title(ltext, title) or (own and _path(a.get("href")) in own))
            continue
        if owner.tag in HEADING_TAGS:
            if _headline_sized(text):
                return False
        elif not _is_snippet(text, n):
            return False
    return False


def _led_share(kept: list[tuple[str, object]], node, dropped, title: str | None) -> float:
    """Share of the kept text inside blocks below ``node`` that open with a headline link to another page."""
    memo: dict = {}

    def led(el) -> bool:
        if el not in memo:
            href = _lead_link(el, dropped)
            anchor = next((a for a in el.iter("a") if a.get("href") == href), None) if href else None
            memo[el] = anchor is not None and not _repeats_title(anchor.text_content(), title)
        return memo[el]

    total = listed = 0
    for text, owner in kept:
        n = _chars(text)
        total += n
        el = owner
        while el is not None and el is not node:
            if el.tag in BLOCK_TAGS and led(el):
                listed += n
                break
            el = el.getparent()
    return listed / total if total else 0.0


def _is_hub(kept: list[tuple[str, object]], node, root, dropped, title: str | None) -> bool:
    """A front page or channel hub: the main block is led by a link to another page, and the page is links.

    Links outnumber the sentences of the kept text (HUB_RATIO to one), or the kept text sits mostly in blocks that
    open with a headline link (one or two lead stories with long summaries over the link lists).
    """
    if node is None or root is None:
        return False
    links = _headline_links(root, title)
    if links < HUB_LINKS or not _led_by_link(node, dropped, title, _own_paths(root)):
        return False
    sentences = sum(len(_SENTENCE.findall(t)) for t, _ in kept)
    return links >= HUB_RATIO * sentences or _led_share(kept, node, dropped, title) >= LIST_SHARE


def _is_article_block(
    kept: list[tuple[str, object]],
    node,
    dropped,
    good: float,
    bad: float,
    root=None,
    title: str | None = None,
) -> bool:
    return (
        _is_article([t for t, _ in kept], good, bad)
        and not _is_list(kept, node, dropped)
        and not _is_hub(kept, node, root, dropped, title)
    )


def find_main(tree, selector: str | None = None, title: str | None = None) -> MainContent:
    if tree is None:
        return MainContent(None)
    root = tree.getroot() if hasattr(tree, "getroot") else tree
    if selector:
        found = select(root, selector)
        if found:
            # the site's own choice of node; only chrome inside it (scripts, share bars) is still dropped
            scorer = _Scorer()
            blocks: list[tuple[str, int, object]] = []
            good = bad = 0.0
            for el in found:
                scorer.visit(el)
                blocks += _collect(el, scorer.dropped)
                g, b = scorer.scores.get(el, (1.0, 0.0))
                good, bad = good + g, bad + b
            kept = _paragraphs(blocks, title)
            is_article = _is_article_block(kept, found[0], scorer.dropped, good, bad)
            return MainContent(found[0], [t for t, _ in kept], is_article)
    scorer = _score(root)
    heading = _title_heading(root, title)
    anchored = _anchored(heading, scorer.scores) if heading is not None else None
    node = _best(scorer.scores, anchored, scorer.inside_drop)
    if node is None:
        return MainContent(None)
    good, bad = scorer.scores[node]
    kept = _paragraphs(_collect(node, scorer.dropped), title)
    is_article = _is_article_block(kept, node, scorer.dropped, good, bad, root, title)
    return MainContent(node, [t for t, _ in kept], is_article)
