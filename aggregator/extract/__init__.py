"""Article extraction: plain functions over decoded HTML, usable without Scrapy.

``extract()`` is the one entry point; the crawl pipeline and ``aggregator extract`` both call it, so what a user
sees when debugging a page is exactly what a crawl stores.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime

from aggregator.extract.attribution import parse_attribution
from aggregator.extract.body import find_main
from aggregator.extract.dates import extract_published
from aggregator.extract.dom import parse_html
from aggregator.extract.encoding import decode_html
from aggregator.extract.metadata import extract_site_name, extract_title

__all__ = ["Article", "Selectors", "decode_html", "extract"]


@dataclass(frozen=True)
class Selectors:
    """Per-site overrides from the sources file (CSS, or XPath when the expression starts with '/' or '(')."""

    title: str | None = None
    body: str | None = None
    date: str | None = None
    article_links: str | None = None


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

    def to_dict(self) -> dict:
        return asdict(self)


def extract(
    html: str,
    url: str | None = None,
    *,
    fetched_at: datetime | None = None,
    selectors: Selectors | None = None,
) -> Article:
    selectors = selectors or Selectors()
    tree = parse_html(html)
    if tree is None:
        return Article(title=None, body="", published=None, source=None)
    site_name = extract_site_name(tree, url)
    title = extract_title(tree, site_name=site_name, selector=selectors.title)
    main = find_main(tree, selector=selectors.body, title=title)
    attribution = parse_attribution(tree, main.paragraphs, main_node=main.node)
    published = extract_published(tree, main_node=main.node, fetched_at=fetched_at, selector=selectors.date)
    body = "\n".join(attribution.paragraphs)
    return Article(
        title=title,
        body=body,
        published=published,
        source=attribution.source,
        reporters=attribution.reporters,
        correspondents=attribution.correspondents,
        editors=attribution.editors,
        site_name=site_name,
        is_article=main.is_article and bool(body),
    )
