"""Title and site name, plus the page helpers the date and attribution parsers share.

Portals decorate <title> with their own name and section path ("标题_新闻中心_XX网", "Headline | Site"), and reposts
carry markers like 【转载】; the story title is what is left once those are gone. Preference: a heading (h1, then h2)
that <title>/og:title starts with, since it carries no decoration at all; else og:title, else <title>, each with the
portal segments stripped; else the first h1.

page_regions() splits the page text into the info line(s) between headline and main node, the first lines of the
main node, and the block right after it, skipping teaser containers (lists, nav, related/recommended blocks).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from aggregator.extract.dom import select_values
from aggregator.extract.vocabulary import (
    CLAUSE_PUNCTUATION,
    SITE_NAME_META_NAMES,
    SITE_NAME_SUFFIXES,
    TAIL_STOP_LABELS,
    TEASER_PREFIXES,
    TEASER_TAGS,
    TEASER_WORDS,
    TITLE_META_NAMES,
    alternation,
)

__all__ = [
    "clean_title",
    "extract_site_name",
    "extract_title",
    "Regions",
    "in_teaser",
    "node_lines",
    "page_lines",
    "page_regions",
    "node_text",
    "json_ld",
    "meta_content",
    "select_nodes",
    "split_title",
]

_REPOST = re.compile(
    r"^\s*(?:【\s*转载\s*】|\[\s*转载\s*\]|［\s*转载\s*］|转载\s*[:：])\s*|\s*(?:【\s*转载\s*】|\[\s*转载\s*\])\s*$"
)
_WS = re.compile(r"\s+")
# spaced separators are safe anywhere; unspaced "-" only counts when it touches CJK text, since Latin titles use
# it inside words ("COVID-19", "Kalifat-Rufen")
_SEP = re.compile(
    r"\s*[_｜|]+\s*"
    r"|\s+[-–—·»:：]\s+"
    r"|\s*--+\s*"
    r"|\s*»\s*"
    r"|(?<=[\u3000-\u9fff\uff00-\uffef])-(?=\S)"
    r"|(?<=\S)-(?=[\u3000-\u9fff\uff00-\uffef])"
)
_SITE_HINT = re.compile(f"(?:{alternation(SITE_NAME_SUFFIXES)})$", re.I)


def select_nodes(tree, selector: str) -> list:
    """Elements and strings (::text, ::attr(), text(), @attr) a per-site selector selects; see dom.run_selector."""
    return select_values(tree, selector)


def node_text(node) -> str:
    if isinstance(node, str):
        return _WS.sub(" ", node).strip()
    try:
        return _WS.sub(" ", node.text_content()).strip()
    except (AttributeError, ValueError):
        return ""


def meta_content(tree, *names: str) -> str | None:
    """First non-empty <meta> content whose name/property/itemprop matches one of names (case-insensitive)."""
    wanted = {n.lower() for n in names}
    found: dict[str, str] = {}
    for meta in tree.iter("meta"):
        key = meta.get("property") or meta.get("name") or meta.get("itemprop") or ""
        key = key.strip().lower()
        content = (meta.get("content") or "").strip()
        if key in wanted and content and key not in found:
            found[key] = content
    for n in names:
        if n.lower() in found:
            return found[n.lower()]
    return None


def json_ld(tree) -> list[dict]:
    """All JSON-LD objects on the page, flattened through @graph and top-level lists (cached for the last tree:
    the title, date, attribution and page-kind readers all ask; callers only read them)."""
    cached_tree, found = _json_ld_cache  # read (and written) in one step: threads may share the cache
    if cached_tree is not tree:
        found = _json_ld(tree)
        _json_ld_cache[:] = [tree, found]
    return found


_json_ld_cache: list = [None, []]


def _json_ld(tree) -> list[dict]:
    out: list[dict] = []
    for script in tree.xpath('//script[contains(translate(@type,"JSON","json"),"ld+json")]'):
        try:
            data = json.loads(script.text or "", strict=False)
        except ValueError:
            continue
        stack = [data]
        while stack:
            item = stack.pop(0)
            if isinstance(item, list):
                stack.extend(item)
            elif isinstance(item, dict):
                out.append(item)
                if isinstance(item.get("@graph"), list):
                    stack.extend(item["@graph"])
    return out


def clean_title(text: str | None) -> str:
    if not text:
        return ""
    text = _WS.sub(" ", text).strip()
    prev = None
    while prev != text:
        prev, text = text, _REPOST.sub("", text).strip()
    return text


def split_title(text: str) -> list[str]:
    return [s.strip() for s in _SEP.split(text) if s and s.strip()]


def _strip_site(text: str, site_name: str | None) -> str:
    parts = split_title(text)
    if len(parts) <= 1:
        return text
    if site_name:
        site = site_name.strip().lower()
        kept = [p for p in parts if p.lower() != site and p.lower() not in site]
        if kept:
            parts = kept
    # the headline is the longest segment; segments after it are section/portal names, while a short segment
    # before it is usually a column name the portal put first ("多维博客 » 标题")
    longest = max(range(len(parts)), key=lambda i: len(parts[i]))
    return parts[longest]


def _norm(text: str) -> str:
    return re.sub(r"[\s\W_]+", "", text).lower()


def extract_title(tree, site_name: str | None = None, selector: str | None = None) -> str | None:
    """The story title (cached for the last tree and arguments: the date and attribution readers ask again)."""
    # read (and written) in one step: threads may share the cache
    cached_tree, cached_args, title = _title_cache
    if cached_tree is not tree or cached_args != (site_name, selector):
        title = _extract_title(tree, site_name, selector)
        _title_cache[:] = [tree, (site_name, selector), title]
    return title


_title_cache: list = [None, None, None]


def _extract_title(tree, site_name: str | None, selector: str | None) -> str | None:
    if selector:
        for node in select_nodes(tree, selector):
            if text := clean_title(node_text(node)):
                return text
    title_tag = clean_title(tree.findtext(".//title"))
    og = clean_title(meta_content(tree, *TITLE_META_NAMES))
    refs = [_norm(t) for t in (title_tag, og) if t]
    # a heading confirmed by <title>/og:title is the cleanest form: no portal decoration at all; h1 first, since
    # old portals put the headline in h2 under a logo h1
    for tag in ("h1", "h2"):
        for node in list(tree.iter(tag))[:6]:
            head = clean_title(node_text(node))
            nh = _norm(head)
            if len(nh) >= 4 and any(r.startswith(nh) and len(nh) >= 0.4 * len(r) for r in refs):
                return head
    for cand in (og, title_tag):
        if cand:
            return _strip_site(cand, site_name) or cand
    for node in tree.iter("h1"):
        if head := clean_title(node_text(node)):
            return head
    return None


def extract_site_name(tree, url: str | None = None) -> str | None:
    name = meta_content(tree, *SITE_NAME_META_NAMES)
    if name:
        return _WS.sub(" ", name).strip()
    title = clean_title(tree.findtext(".//title"))
    parts = split_title(title)
    if len(parts) > 1:
        last = parts[-1]
        if len(last) <= 30 and last != max(parts, key=len) and (_SITE_HINT.search(last) or len(parts) > 2):
            return last
    for item in json_ld(tree):
        pub = item.get("publisher")
        if isinstance(pub, dict) and isinstance(pub.get("name"), str) and pub["name"].strip():
            return pub["name"].strip()
    return None


# --- page regions shared by the date and attribution parsers

_PAGE_TAGS = {"body", "html", "main", "article"}
_WORD_SPLIT = re.compile(r"[\s_\-]+")
_SKIP_TAGS = {"script", "style", "noscript", "select", "option", "textarea", "head", "title", "button"}
_BLOCK_TAGS = {
    "p", "div", "td", "th", "tr", "table", "li", "ul", "ol", "dd", "dt", "dl", "h1", "h2", "h3", "h4", "h5", "h6",
    "article", "section", "main", "header", "footer", "aside", "nav", "body", "blockquote", "center", "pre", "form",
    "figure", "figcaption",
}  # fmt: skip
_TAIL_STOP = re.compile(f"^(?:{alternation(TAIL_STOP_LABELS)})")
_INFO_LINES = 15
_PROSE = re.compile(f"[{CLAUSE_PUNCTUATION}]")


def _is_prose(text: str) -> bool:
    """A line of running text: long, with sentence punctuation (info lines are short fields)."""
    return len(text) >= 40 and len(_PROSE.findall(text)) >= 2


_HEAD_CHARS = 200


@dataclass
class Regions:
    """Lines of page text around the story: info (between headline and body), head/tail of the main node."""

    info: list[str] = field(default_factory=list)
    head: list[str] = field(default_factory=list)
    tail: list[str] = field(default_factory=list)


def in_teaser(el, stop=None) -> bool:
    """Inside a list, nav, sidebar or related/recommended block, whose text belongs to other articles."""
    while el is not None and el is not stop:
        if not isinstance(el.tag, str):
            return False
        if el.tag in TEASER_TAGS:
            return True
        # page-level classes ("segment--recommended" on <body>) describe the page, not a block
        if el.tag not in _PAGE_TAGS and _teaser_class(el):
            return True
        el = el.getparent()
    return False


def _teaser_class(el) -> bool:
    key = (el.get("class") or "") + " " + (el.get("id") or "")
    found = _TEASER_MEMO.get(key)
    if found is None:
        # class names repeat within and across pages of a site
        attrs = key.lower()
        found = bool(attrs.strip()) and any(
            w in TEASER_WORDS or w.startswith(TEASER_PREFIXES) for w in _WORD_SPLIT.split(attrs)
        )
        if len(_TEASER_MEMO) > 50_000:
            _TEASER_MEMO.clear()
        _TEASER_MEMO[key] = found
    return found


_TEASER_MEMO: dict[str, bool] = {}


def page_lines(tree) -> list[tuple[str, object]]:
    """(text, owner element) per visual line in document order: inline runs joined, split at blocks and <br>.

    Cached for the last tree: the date and attribution parsers both read the whole page's lines."""
    return _walked(tree)[0]


def node_lines(tree, node) -> list[tuple[str, object]]:
    """page_lines(node), read off the page's lines when it can be: a block element's lines are the lines of the
    page whose owner is inside it (no line runs across a block's edges, and inside it the walk is the same), unless
    the page walk skipped it (it sits in a skipped element) or stopped early (pathological nesting)."""
    lines, root, complete = _walked(tree)
    if complete and node.tag in _BLOCK_TAGS and _walked_into(node, root):
        inside = set(node.iter())
        return [(text, el) for text, el in lines if el in inside]
    return _page_lines(node)[0]


def _walked_into(node, root) -> bool:
    """Does the page walk from root reach node?"""
    if node is root:
        return True
    for el in node.iterancestors():
        if el is root:
            return True
        if el.tag in _SKIP_TAGS:
            return False
    return False


def _walked(tree) -> tuple[list[tuple[str, object]], object, bool]:
    """(lines, the element walked, whether the walk was complete), cached for the last tree: the date and
    attribution parsers both read the whole page's lines."""
    cached_tree, walked = _lines_cache  # read (and written) in one step: threads may share the cache
    if cached_tree is not tree:
        walked = _page_lines(tree)
        _lines_cache[:] = [tree, walked]
    return walked


_lines_cache: list = [None, None]


def _page_lines(tree) -> tuple[list[tuple[str, object]], object, bool]:
    body = tree.find(".//body")
    root = body if body is not None else tree
    # [parts, block, owner]: a text joins the last line when it sits in the same block with no break between
    lines: list[list] = []

    def walk(el, block) -> None:
        own_block = el if el.tag in _BLOCK_TAGS else block
        text = el.text
        if text and (text := text.strip()):
            if lines and lines[-1][1] is own_block and el is not own_block:
                lines[-1][0].append(text)
            else:
                lines.append([[text], own_block, el])
        for child in el:
            tag = child.tag
            if isinstance(tag, str):
                if tag not in _SKIP_TAGS:
                    walk(child, own_block)
                breaks = tag == "br" or tag in _BLOCK_TAGS
            else:
                breaks = False
            tail = child.tail
            if tail and (tail := tail.strip()):
                if not breaks and lines and lines[-1][1] is own_block:
                    lines[-1][0].append(tail)
                else:
                    lines.append([[tail], own_block, el])

    complete = True
    if isinstance(root.tag, str):
        try:
            walk(root, root)
        except RecursionError:  # pathological nesting: keep the lines read so far
            complete = False
    # " ".join(s.split()) is re.sub(r"\s+", " ", s).strip(): both split on str.isspace()
    return [(" ".join(" ".join(parts).split()), owner) for parts, _b, owner in lines], root, complete


_region_cache: list = [None, None, None, None]


def page_regions(tree, main_node, title: str | None) -> Regions:
    """Cached for the last page: the date and attribution parsers both ask for the same regions."""
    cached_tree, cached_main, cached_title, regions = _region_cache
    if cached_tree is tree and cached_main is main_node and cached_title == title:
        return regions
    regions = _page_regions(tree, main_node, title)
    _region_cache[:] = [tree, main_node, title, regions]
    return regions


def _page_regions(tree, main_node, title: str | None) -> Regions:
    lines = page_lines(tree)
    if not lines:
        return Regions()
    title_at = None
    if title:
        key = re.sub(r"\s+", "", title)[:12]
        for i, (text, _el) in enumerate(lines):
            compact = re.sub(r"\s+", "", text)
            if key and key in compact and len(compact) <= len(title) + 40:
                title_at = i
                break
    in_main = set(main_node.iter()) if main_node is not None else set()
    main_at = [i for i, (_t, el) in enumerate(lines) if el in in_main]
    first_main = main_at[0] if main_at else None
    if title_at is not None:
        start = title_at + 1
        end = first_main if first_main is not None and first_main > title_at else start + _INFO_LINES
    elif first_main is not None:
        start, end = max(0, first_main - 8), first_main
    else:
        start = end = 0
    end = min(end, start + _INFO_LINES)
    if title_at is not None and (first_main is None or first_main <= title_at):
        # the headline is inside the main node (or there is none): the info lines end where the prose starts
        end = next((i for i in range(start, min(end, len(lines))) if _is_prose(lines[i][0])), end)
    info = [t for t, el in lines[start:end] if not in_teaser(el)]
    head: list[str] = []
    for i in main_at[:8]:
        # the first lines of the body, by size: short kicker/byline/date lines all fit, long paragraphs end it
        if i >= start and not in_teaser(lines[i][1], main_node) and sum(map(len, head)) < _HEAD_CHARS:
            head.append(lines[i][0])
    tail: list[str] = []
    if main_at:
        for t, el in lines[main_at[-1] + 1 : main_at[-1] + 12]:
            if in_teaser(el) or _TAIL_STOP.match(t):
                break
            tail.append(t)
    return Regions(info, head, tail)
