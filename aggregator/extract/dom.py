"""Parsing decoded HTML into an lxml tree, and the small DOM predicates the body extractor needs."""

from __future__ import annotations

import logging
import re

import lxml.html
from cssselect import SelectorError
from lxml import etree
from parsel import Selector as _Parsel

from aggregator.extract.xpaths import (
    BOILERPLATE_CLASS,
    COMMENT_CLASS,
    CONTENT_CLASS,
    DROP_TAGS,
    NEVER_RESCUE_CLASS,
    SOFT_DROP_TAGS,
)

_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>", re.I)


def parse_html(html: str) -> lxml.html.HtmlElement | None:
    """Parse a decoded page; None when there is nothing to parse."""
    if not html or not html.strip():
        return None
    # lxml refuses str input that carries an XML encoding declaration
    html = _XML_DECL.sub("", html.lstrip("\ufeff"), count=1)
    try:
        return lxml.html.document_fromstring(html)
    except (etree.ParserError, ValueError):
        return None


# Drop kinds: HARD subtrees are never content; SOFT ones are chrome unless they turn out to hold the page's text.
HARD, SOFT = 1, 2


# Their class lists describe the page or the post (WordPress: "tag-foo category-bar", body "cookies-not-set"),
# not a widget, so class/id words never drop them.
_NEVER_BY_CLASS = frozenset({"html", "body", "article", "main"})


def drop_kind(el) -> int:
    """0 for elements to keep, HARD or SOFT for boilerplate subtrees (by tag, class/id, role or hidden flag)."""
    tag = el.tag
    if tag in DROP_TAGS:
        return HARD
    if tag in _NEVER_BY_CLASS:
        return 0
    attrib = el.attrib
    if "hidden" in attrib or attrib.get("aria-hidden") == "true":
        return SOFT
    style = attrib.get("style")
    if style and _HIDDEN_STYLE.search(style):
        # invisible copies (schema.org microdata, preloaded widgets) repeat or pad the article
        return SOFT
    role = attrib.get("role")
    if role in ("navigation", "banner", "contentinfo", "complementary", "menu", "menubar", "dialog"):
        return SOFT
    if tag in SOFT_DROP_TAGS:
        return SOFT
    names = attrib.get("class", "") + " " + attrib.get("id", "")
    if names == " ":
        return 0
    kind = _CLASS_MEMO.get(names)
    if kind is None:
        # "article-content share-enabled" style names: let the size check in the scorer decide
        kind = SOFT if BOILERPLATE_CLASS.search(names.strip().lower()) else 0
        if len(_CLASS_MEMO) > 50_000:  # class names repeat within and across pages of a site
            _CLASS_MEMO.clear()
        _CLASS_MEMO[names] = kind
    return kind


_CLASS_MEMO: dict[str, int] = {}


def rescuable(el, loose: bool = False) -> bool:
    """May a soft-dropped element be kept after all when it holds the page's text? Never comments or footers;
    ``loose`` (inside the article's own wrapper): never comments."""
    names = (el.get("class", "") + " " + el.get("id", "")).lower()
    return not (COMMENT_CLASS if loose else NEVER_RESCUE_CLASS).search(names)


def has_content_class(el) -> bool:
    names = (el.get("class", "") + " " + el.get("id", "")).lower()
    return bool(CONTENT_CLASS.search(names))


# --- per-site selectors (the sources file's [source.selectors])
#
# One engine runs them everywhere: parsel, which is also what Scrapy's link extractor runs `article_links` with and
# what the sources-file check tries each selector with. lxml's own cssselect knows no ::text or ::attr(), so a
# selector the check accepted used to fail here, silently.

log = logging.getLogger(__name__)

# what a selector may be tried on at load time: elements for predicates to be evaluated on
_PROBE = (
    "<html><head><title>t</title><meta name='description' content='d'></head><body><div class='c' id='m'>"
    "<h1>t</h1><span class='time'>2023-01-09</span><p>p <a href='/a'>a</a></p><ul><li>l</li></ul></div></body></html>"
)
_NOT_NODES_CSS = re.compile(r"::\s*(?:text|attr)\b")
_NOT_NODES_XPATH = re.compile(
    r"/\s*(?:text\(\s*\)|@[\w:*-]+)\s*$|^\s*\(*\s*(?:string|count|normalize-space|concat)\s*\("
)


class SelectorFailure(ValueError):
    """A per-site selector that cannot run."""


def is_xpath(expr: str) -> bool:
    """Selectors starting with '/' or '(' are XPath, all others CSS (parsel's dialect: ::text, ::attr(name))."""
    return expr.lstrip().startswith(("/", "("))


def run_selector(tree, expr: str) -> list:
    """What a selector selects in a tree: elements, and strings for ::text, ::attr(), text() and @attr.

    Raises SelectorFailure for a selector that cannot run."""
    root = tree.getroot() if hasattr(tree, "getroot") else tree
    sel = _Parsel(root=root, type="html")
    try:
        found = sel.xpath(expr) if is_xpath(expr) else sel.css(expr)
    except (ValueError, SelectorError, etree.LxmlError) as exc:
        raise SelectorFailure(str(exc) or type(exc).__name__) from None
    return [s.root if isinstance(s.root, etree._Element | str) else str(s.root) for s in found]


def selector_error(expr: str, elements: bool = False) -> str | None:
    """Why a selector cannot be used, or None. elements: it must select elements (a body, the links of a list),
    so a selector of text or attribute values cannot do its job either."""
    try:
        run_selector(lxml.html.document_fromstring(_PROBE), expr)
    except SelectorFailure as exc:
        return f"cannot run ({'XPath' if is_xpath(expr) else 'CSS'}): {exc}"
    if elements and (_NOT_NODES_XPATH.search(expr) if is_xpath(expr) else _NOT_NODES_CSS.search(expr)):
        return "selects text or attribute values; it must select elements"
    return None


def select_values(tree, selector: str) -> list:
    """Elements and strings a per-site selector selects; [] when it fails on this page (logged, not raised:
    one odd page must not end a crawl; load time refuses what cannot run at all)."""
    try:
        return run_selector(tree, selector)
    except SelectorFailure as exc:
        log.warning("selector %r failed: %s", selector, exc)
        return []


def select(tree, selector: str) -> list:
    """The elements a per-site selector selects."""
    found = select_values(tree, selector)
    return [el for el in found if isinstance(el, etree._Element) and isinstance(el.tag, str)]
