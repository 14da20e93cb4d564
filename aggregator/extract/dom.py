"""Parsing decoded HTML into an lxml tree, and the small DOM predicates the body extractor needs."""

from __future__ import annotations

import re

import lxml.html
from lxml import etree

from aggregator.extract.xpaths import BOILERPLATE_CLASS, CONTENT_CLASS, DROP_TAGS, SOFT_DROP_TAGS

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


def drop_kind(el) -> int:
    """0 for elements to keep, HARD or SOFT for boilerplate subtrees (by tag, class/id, role or hidden flag)."""
    tag = el.tag
    if tag in DROP_TAGS:
        return HARD
    attrib = el.attrib
    if "hidden" in attrib or attrib.get("aria-hidden") == "true":
        return SOFT
    role = attrib.get("role")
    if role in ("navigation", "banner", "contentinfo", "complementary", "menu", "menubar", "dialog"):
        return SOFT
    if tag in SOFT_DROP_TAGS:
        return SOFT
    names = (attrib.get("class", "") + " " + attrib.get("id", "")).strip().lower()
    if names and BOILERPLATE_CLASS.search(names):
        # "article-content share-enabled" style names: let the size check in the scorer decide
        return SOFT
    return 0


def has_content_class(el) -> bool:
    names = (el.get("class", "") + " " + el.get("id", "")).lower()
    return bool(CONTENT_CLASS.search(names))


def select(tree, selector: str) -> list:
    """Elements matching a per-site override: XPath when it starts with '/' or '(', CSS otherwise."""
    try:
        if selector.lstrip().startswith(("/", "(")):
            found = tree.xpath(selector)
        else:
            found = tree.cssselect(selector)
    except (etree.XPathError, ValueError, SyntaxError, ImportError, Exception):  # noqa: BLE001
        return []
    return [el for el in found if isinstance(el, etree._Element) and isinstance(el.tag, str)]
