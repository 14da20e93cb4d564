"""Per-site selectors (the sources file's [source.selectors]): the Selectors record and the one engine that runs them.

One engine runs them everywhere: parsel, which is also what Scrapy's link extractor runs `article_links` with and
what the sources-file check tries each selector with. lxml's own cssselect knows no ::text or ::attr(), so a
selector the check accepted used to fail here, silently.

This module is what ``aggregator.config`` needs of extraction, so it imports nothing heavy until a selector is
actually run: every CLI command loads the config, and most of them never extract a page.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

__all__ = [
    "SelectorFailure",
    "Selectors",
    "is_xpath",
    "run_selector",
    "select",
    "select_values",
    "selector_error",
]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Selectors:
    """Per-site overrides from the sources file (CSS, or XPath when the expression starts with '/' or '(')."""

    title: str | None = None
    body: str | None = None
    date: str | None = None
    article_links: str | None = None


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
    from cssselect import SelectorError
    from lxml import etree
    from parsel import Selector

    root = tree.getroot() if hasattr(tree, "getroot") else tree
    sel = Selector(root=root, type="html")
    try:
        found = sel.xpath(expr) if is_xpath(expr) else sel.css(expr)
    except (ValueError, SelectorError, etree.LxmlError) as exc:
        raise SelectorFailure(str(exc) or type(exc).__name__) from None
    return [s.root if isinstance(s.root, etree._Element | str) else str(s.root) for s in found]


def selector_error(expr: str, elements: bool = False) -> str | None:
    """Why a selector cannot be used, or None. elements: it must select elements (a body, the links of a list),
    so a selector of text or attribute values cannot do its job either."""
    import lxml.html

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
    from lxml import etree

    found = select_values(tree, selector)
    return [el for el in found if isinstance(el, etree._Element) and isinstance(el.tag, str)]
