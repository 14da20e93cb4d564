"""Article extraction: plain functions over decoded HTML, usable without Scrapy.

``extract()`` is the one entry point; the crawl pipeline and ``aggregator extract`` both call it, so what a user
sees when debugging a page is exactly what a crawl stores.

Page text is untrusted: every text field comes out without control or bidi characters (``aggregator.safetext``),
the body keeping its lines, so nothing downstream (store, search, exports, the terminal) receives them.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from datetime import datetime

from aggregator.extract.encoding import decode_html
from aggregator.extract.selectors import Selectors
from aggregator.safetext import _JUNK, _UNSAFE_TEXT, clean_line, clean_text, junk_share, strip_unsafe

__all__ = ["Article", "Selectors", "decode_html", "extract"]


@dataclass
class Article:
    title: str | None
    body: str  # paragraphs joined by "\n", attribution lines removed
    published: str | None  # ISO 8601, +08:00 when the page gives no zone
    source: str | None  # the original publisher as printed (来源), never the portal itself
    reporters: list[str] = field(default_factory=list)
    correspondents: list[str] = field(default_factory=list)
    editors: list[str] = field(default_factory=list)
    site_name: str | None = None  # the name of the site that hosts this copy
    is_article: bool = False  # False for list pages, hubs, about/contact pages, empty pages
    reason: str | None = None  # why the page is not an article

    def to_dict(self) -> dict:
        return asdict(self)


def extract(
    html: str,
    url: str | None = None,
    *,
    fetched_at: datetime | None = None,
    selectors: Selectors | None = None,
) -> Article:
    """Extract one article from a decoded page; when it finds none, ``Article.reason`` says why.

    ``html``: the page as text (``decode_html`` turns fetched bytes into it). ``url``: where it was fetched, read for
    the site name and for the year of dates printed without one (/2023/0109/ in the path). ``fetched_at``: when it
    was fetched (default now): no publication time after it, and the last resort for a year-less date.
    ``selectors``: the source's own CSS/XPath selectors for title, body and date, tried before the generic rules.

    Returns the fields of the page; ``is_article`` is False for list pages, hubs, empty and undecodable pages.
    """
    # imported here, not above: aggregator.config (so every CLI command) imports this package for Selectors alone
    from aggregator.extract.attribution import parse_attribution
    from aggregator.extract.body import find_main
    from aggregator.extract.dates import extract_published
    from aggregator.extract.dom import parse_html
    from aggregator.extract.metadata import extract_site_name, extract_title

    selectors = selectors or Selectors()
    # most pages hold neither junk nor unsafe characters: one scan says so, instead of one scan for each
    suspect = _SUSPECT.search(html) is not None
    # random bytes decode to about 30% junk whatever the codec; a real page, even a damaged one, to almost none
    if suspect and (junk := junk_share(html)) > JUNK_LIMIT:
        return Article(
            title=None,
            body="",
            published=None,
            source=None,
            reason=f"binary or undecodable content: {junk:.0%} of its text is control or replacement characters",
        )
    # removed before parsing so that the title, body and attribution parsers see the text a reader sees; the
    # fields are cleaned again below for the characters that arrive as entities (&#x202E;, &#155;)
    tree = parse_html(strip_unsafe(html) if suspect else html)
    if tree is None:
        return Article(title=None, body="", published=None, source=None, reason="empty page")
    site_name = extract_site_name(tree, url)
    title = extract_title(tree, site_name=site_name, selector=selectors.title)
    main = find_main(tree, selector=selectors.body, title=title)
    attribution = parse_attribution(tree, main.paragraphs, main_node=main.node)
    published = extract_published(
        tree, main_node=main.node, fetched_at=fetched_at, selector=selectors.date, url=url
    )
    return _article(title, main.is_article, attribution, published, site_name)


JUNK_LIMIT = 0.1
# every character junk_share counts or strip_unsafe removes (both patterns are one character class)
_SUSPECT = re.compile(f"[{_UNSAFE_TEXT.pattern[1:-1]}{_JUNK.pattern[1:-1]}]")


def _article(title, is_article: bool, attribution, published: str | None, site_name: str | None) -> Article:
    """The Article of what the parsers found, every text field cleaned of control and bidi characters."""
    body = clean_text("\n".join(attribution.paragraphs))
    is_article = is_article and bool(body)
    return Article(
        title=clean_line(title) or None,
        body=body,
        published=published,
        source=clean_line(attribution.source) or None,
        reporters=_names(attribution.reporters),
        correspondents=_names(attribution.correspondents),
        editors=_names(attribution.editors),
        site_name=clean_line(site_name) or None,
        is_article=is_article,
        reason=None if is_article else "no article text: too little running text, or a list of links",
    )


def _names(names: list[str]) -> list[str]:
    return [n for n in map(clean_line, names) if n]
