"""Parsing decoded HTML into an lxml tree, and the small DOM predicates the body extractor needs."""

from __future__ import annotations

import re
import threading

import lxml.html
from lxml import etree

# the per-site selectors' engine lives in selectors.py (light enough for aggregator.config); its names stay
# importable from here
from aggregator.extract.selectors import (  # noqa: F401
    SelectorFailure,
    is_xpath,
    run_selector,
    select,
    select_values,
    selector_error,
)
from aggregator.extract.vocabulary import (
    BOILERPLATE_TOKENS,
    BOILERPLATE_WORDS,
    COMMENT_WORDS,
    CONTENT_WORDS,
    DROP_TAGS,
    NEVER_RESCUE_WORDS,
    SOFT_DROP_TAGS,
    alternation,
)

# read against "class id" lowercased: the words anywhere, the short tokens only between separators
BOILERPLATE_CLASS = re.compile(
    f"(?:{alternation(BOILERPLATE_WORDS)})|(?:^|[\\s_-])(?:{alternation(BOILERPLATE_TOKENS)})(?:$|[\\s_\\d-])"
)
CONTENT_CLASS = re.compile(alternation(CONTENT_WORDS))
COMMENT_CLASS = re.compile(alternation(COMMENT_WORDS))
NEVER_RESCUE_CLASS = re.compile(alternation(NEVER_RESCUE_WORDS))

_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>", re.I)


def parse_html(html: str) -> lxml.html.HtmlElement | None:
    """Parse a decoded page; None when there is nothing to parse."""
    if not html or not html.strip():
        return None
    # lxml refuses str input that carries an XML encoding declaration
    html = _XML_DECL.sub("", html.lstrip("\ufeff"), count=1)
    try:
        return lxml.html.document_fromstring(html, parser=_parser())
    except (etree.ParserError, ValueError):
        return None


_local = threading.local()  # an lxml parser is not to be shared between threads


def _parser() -> lxml.html.HTMLParser:
    """lxml.html's parser, but every element is a plain HtmlElement chosen in C. lxml.html's own lookup is a Python
    method called each time an element is touched from Python (a third of a million calls per hundred pages), to
    give forms and inputs classes with form helpers that extraction never uses."""
    parser = getattr(_local, "parser", None)
    if parser is None:
        parser = lxml.html.HTMLParser()
        parser.set_element_class_lookup(
            etree.ElementDefaultClassLookup(
                element=lxml.html.HtmlElement,
                comment=lxml.html.HtmlComment,
                pi=lxml.html.HtmlProcessingInstruction,
                entity=lxml.html.HtmlEntity,
            )
        )
        _local.parser = parser
    return parser


# Drop kinds: HARD subtrees are never content; SOFT ones are chrome unless they turn out to hold the page's text.
HARD, SOFT = 1, 2


# Their class lists describe the page or the post (WordPress: "tag-foo category-bar", body "cookies-not-set"),
# not a widget, so class/id words never drop them. A table row's classes describe its data ("oddrow player-580",
# "team", "rank-3"); chrome built from tables is named on the table or its cells.
_NEVER_BY_CLASS = frozenset({"html", "body", "article", "main", "tr"})


def drop_kind(el) -> int:
    """0 for elements to keep, HARD or SOFT for boilerplate subtrees (by tag, class/id, role or hidden flag)."""
    tag = el.tag
    if tag in DROP_TAGS:
        return HARD
    if tag in _NEVER_BY_CLASS:
        return 0
    attrib = el.attrib
    if not attrib:  # most elements: none of the checks below can hit
        return SOFT if tag in SOFT_DROP_TAGS else 0
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
        lowered = names.strip().lower()
        kind = SOFT if BOILERPLATE_CLASS.search(lowered) or _hidden_class(lowered) else 0
        if len(_CLASS_MEMO) > 50_000:  # class names repeat within and across pages of a site
            _CLASS_MEMO.clear()
        _CLASS_MEMO[names] = kind
    return kind


_CLASS_MEMO: dict[str, int] = {}


def _hidden_class(names: str) -> bool:
    """The CSS frameworks' display:none utility: "hidden" as a class of its own (A/B-test variants of a box wait
    under it). As part of a name ("overflow-hidden", "hidden-xs") it hides nothing, or only on small screens, and
    beside a responsive variant ("hidden md:block") it hides only on phones."""
    if "hidden" not in names:  # most names: one substring test instead of a split
        return False
    tokens = names.split()
    return "hidden" in tokens and not any(":" in t for t in tokens)


def rescuable(el, loose: bool = False) -> bool:
    """May a soft-dropped element be kept after all when it holds the page's text? Never comments or footers;
    ``loose`` (inside the article's own wrapper): never comments."""
    key = (el.get("class", ""), el.get("id", ""), loose)
    found = _RESCUE_MEMO.get(key)
    if found is None:  # asked again for every soft drop in every rescue round
        names = (key[0] + " " + key[1]).lower()
        found = not (COMMENT_CLASS if loose else NEVER_RESCUE_CLASS).search(names)
        if len(_RESCUE_MEMO) > 50_000:
            _RESCUE_MEMO.clear()
        _RESCUE_MEMO[key] = found
    return found


_RESCUE_MEMO: dict[tuple, bool] = {}


def has_content_class(el) -> bool:
    names = (el.get("class", "") + " " + el.get("id", "")).lower()
    return bool(CONTENT_CLASS.search(names))
