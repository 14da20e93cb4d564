"""Link discovery without per-site configuration: which links to follow, and what a response holds.

Plain functions over URLs and text, so the rules can be tested without running a crawl.
"""

from __future__ import annotations

import functools
import re
from urllib.parse import urlsplit

from w3lib.url import canonicalize_url

# never worth a request when looking for articles
_ASSET = re.compile(
    r"\.(?:jpe?g|png|gif|webp|svg|ico|bmp|css|js|mjs|json|woff2?|ttf|eot|pdf|docx?|xlsx?|pptx?|zip|rar|7z|gz|"
    r"tar|mp[34]|avi|mov|flv|wmv|wav|apk|exe|dmg|iso)$",
    re.I,
)
# links that lead to actions or accounts, not content
_NOISE = re.compile(
    r"(?:login|logout|register|signup|signin|passport|javascript:|mailto:|tel:|print=|share\.)", re.I
)


def worth_following(url: str) -> bool:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        return False
    # a gzipped sitemap (robots.txt and sitemap indexes name them) is a list of articles, not an asset
    asset = _ASSET.search(parts.path) and not parts.path.lower().endswith(".xml.gz")
    return not asset and not _NOISE.search(url)


@functools.lru_cache(maxsize=65536)
def canonical(url: str) -> str:
    """The identity of a page: w3lib's canonical form without the fragment (cached: a crawl asks for the same
    URL's form many times, once per link to it and once per pipeline stage)."""
    return canonicalize_url(url, keep_fragments=False)


def sniff_xml(body: bytes) -> str | None:
    """'feed' for RSS/Atom, 'sitemap' for sitemaps and sitemap indexes, else None."""
    head = body[:2048].lstrip().lower()
    if not head.startswith((b"<?xml", b"<rss", b"<feed", b"<urlset", b"<sitemapindex", b"<rdf")):
        return None
    if b"<urlset" in head or b"<sitemapindex" in head:
        return "sitemap"
    if b"<rss" in head or b"<feed" in head or b"<rdf" in head:
        return "feed"
    return None


def robots_sitemaps(text: str) -> list[str]:
    return [m.group(1).strip() for m in re.finditer(r"(?im)^\s*sitemap\s*:\s*(\S+)", text)]
