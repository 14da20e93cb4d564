"""Article or not: list pages, digests, hubs and pages with too little running text are not articles.

``judge`` reads the main block that ``body.find_main`` chose, its kept lines and the page around it.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from aggregator.extract.lines import (
    _CJK,
    _SENTENCE,
    _SENTENCE_END,
    _WORD,
    _WS,
    LINK_HEAVY,
    SECTION_LABEL_RE,
    SNIPPET_CHARS,
    _chars,
    _collect,
    _is_snippet,
    _repeats_title,
    _units,
)
from aggregator.extract.metadata import json_ld
from aggregator.extract.vocabulary import ARTICLE_TYPES, BLOCK_TAGS, HEADING_TAGS

# is_article thresholds. Length is counted in CJK characters for Chinese/Japanese text (more than 30% CJK) and in
# words otherwise: a short Chinese news brief has ~150 characters, an English one ~80 words; contact, about and
# error pages stay below. The main block must also be mostly running text: list, hub and tag pages are mostly
# links and teasers (bad text, weighted as in the scorer).
MIN_ARTICLE_UNITS_CJK = 80
MIN_ARTICLE_UNITS_WORDS = 50
MAX_BAD_SHARE = 0.5
# A page whose own metadata says it is an article (declares_article) is kept with a sentence or two: news briefs
# of 60-140 characters are common on Chinese portals, and dropping an article loses it for good, while keeping a
# thin page costs little. The list and hub checks still apply to it.
MIN_DECLARED_UNITS_CJK = 20
MIN_DECLARED_UNITS_WORDS = 15

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


def _lead_link(item, dropped) -> str | None:
    """The href of the headline link ``item`` opens with, else None (see _first_line_link)."""
    if not any(a.get("href") for a in item.iter("a")):
        return None  # the usual paragraph: no link to lead with, no need to walk it
    return _first_line_link(item, dropped)


def _first_line_link(item, dropped) -> str | None:
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


def _items_under(parent, dropped) -> set:
    """The teaser items among the children of ``parent`` (not a skipped element).

    An item is one of LIST_ITEMS+ sibling elements of one tag and class that open with headline links to different
    pages; a list item (<li>) that does is one on its own. Linked headings followed by sibling paragraphs are not
    items: that is also how product round-ups and gift guides (articles) are laid out.
    """
    groups: dict = {}
    for c in parent:
        if isinstance(c.tag, str) and c not in dropped and c.tag in BLOCK_TAGS:
            groups.setdefault((c.tag, c.get("class")), []).append(c)
    items: set = set()
    for key, members in groups.items():
        items |= _led(members, dropped, 1 if key[0] == "li" else LIST_ITEMS)
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
    # only the elements between the kept lines and the node can hold them: their parents' items are computed, not
    # those of every element under the node
    items_of: dict = {}
    total = listed = 0
    holding = set()
    for text, owner in kept:
        n = _chars(text)
        total += n
        el = owner
        while el is not None and el is not node:
            parent = el.getparent()
            if parent not in items_of:
                items_of[parent] = (
                    set() if parent is None or parent in dropped else _items_under(parent, dropped)
                )
            if el in items_of[parent]:
                listed += n
                holding.add(el)
                break
            el = parent
    enough = len(holding) >= LIST_ITEMS or (holding and all(el.tag == "li" for el in holding))
    return bool(enough) and listed >= LIST_SHARE * total


def _is_article(paragraphs: list[str], good: float, bad: float, root=None) -> bool:
    """Enough running text, mostly good text; a page that declares itself an article needs only a sentence."""
    text = "".join(paragraphs)
    if not text:
        return False
    cjk = len(_CJK.findall(text))
    units, full, declared = (
        (cjk, MIN_ARTICLE_UNITS_CJK, MIN_DECLARED_UNITS_CJK)
        if cjk > 0.3 * len(text)
        else (len(_WORD.findall(text)), MIN_ARTICLE_UNITS_WORDS, MIN_DECLARED_UNITS_WORDS)
    )
    if units >= full and bad <= MAX_BAD_SHARE * (good + bad):
        return True
    # the metadata is read only for the few pages it can decide
    return units >= declared and declares_article(root)


def declares_article(root) -> bool:
    """Does the page say it is one article: og:type article/news, a JSON-LD Article type (NewsArticle,
    BlogPosting, ...), an article:published_time meta, or an itemprop=articleBody element?

    Front and channel pages of the same sites say "website" or nothing; per-page metadata is written by the CMS
    for article pages, so it holds across sites. It lowers the bar for length only: a list or hub layout still
    wins over it.
    """
    if root is None:
        return False
    for meta in root.iter("meta"):
        key = (meta.get("property") or meta.get("name") or "").lower()
        value = (meta.get("content") or "").strip().lower()
        if key == "og:type" and (value.startswith("article") or value == "news"):
            return True
        if key in ("article:published_time", "og:article:published_time") and value:
            return True
    if root.xpath('//*[@itemprop="articleBody"]'):
        return True
    for item in json_ld(root):
        kinds = item.get("@type")
        for kind in kinds if isinstance(kinds, list) else [kinds]:
            if isinstance(kind, str) and kind in ARTICLE_TYPES:
                return True
    return False


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


def _led_by_link(
    node, dropped, title: str | None, own: set | None = None, blocks: list | None = None
) -> bool:
    """Does the main block open with a headline link to another page, or with a chrome section label?

    Short labels ("头条", "Top stories"), dates and breadcrumbs before it are stepped over; the first headline-sized
    heading, or the first line of prose, that is not a link ends the search: an article opens with its own
    headline (a link to itself repeats the title) or its text.
    """
    for text, link, owner in _collect(node, dropped) if blocks is None else blocks:
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


def _is_hub(
    kept: list[tuple[str, object]], node, root, dropped, title: str | None, blocks: list | None = None
) -> bool:
    """A front page or channel hub: the main block is led by a link to another page, and the page is links.

    Links outnumber the sentences of the kept text (HUB_RATIO to one), or the kept text sits mostly in blocks that
    open with a headline link (one or two lead stories with long summaries over the link lists).
    """
    if node is None or root is None:
        return False
    # the cheaper test first: most articles open with their own headline or prose
    if not _led_by_link(node, dropped, title, _own_paths(root), blocks):
        return False
    links = _headline_links(root, title)
    if links < HUB_LINKS:
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
    blocks: list | None = None,
) -> bool:
    """blocks: what lines._collect(node, dropped) gives, when the caller has it already."""
    return (
        _is_article([t for t, _ in kept], good, bad, root)
        and not _is_list(kept, node, dropped)
        and not _is_hub(kept, node, root, dropped, title, blocks)
    )
