"""The links of an HTML page, as Scrapy's ``LinkExtractor(tags=("a", "area", "link"), attrs=("href",),
deny_extensions=())`` finds them, at a fraction of its cost.

Link extraction is a tenth of the crawl's own CPU time, and most of it is spent parsing and re-assembling each
URL three times (``urljoin`` with the page's base, ``w3lib.url.safe_url_string``, ``urljoin`` with the page's
URL) although nearly every link on a page is a plain ASCII URL, absolute or rooted at ``/``, that none of these
steps changes: those are taken as they are (a rooted one appended to the page's origin); any other goes
through the three steps as in Scrapy. ``tests/test_links.py`` checks that both give the
same links, in the same order, with the same texts, on every page it has.
"""

from __future__ import annotations

import re
from typing import NamedTuple
from urllib.parse import urljoin

from lxml import etree
from scrapy.http import TextResponse
from scrapy.utils.response import get_base_url
from w3lib.html import strip_html5_whitespace
from w3lib.url import safe_url_string

_TAGS = ("a", "area", "link")
_VALID_SCHEMES = frozenset(("http", "https", "file", "ftp"))
# an absolute http(s) URL with a lower-case ASCII host (IDNA and case folding leave it as it is) and only
# characters that safe_url_string and urljoin keep as they are (RFC 3986 unreserved characters, "%" escapes and
# the reserved characters but ";" (urljoin drops an empty parameter), "'" (quoted in a query) and "[ ]"); a
# query and a fragment are not empty (both drop an empty one). Fuzzed against Scrapy's steps: same URL.
_CHARS = r"[\w\-.~:/@!$&()*+,=%]"
_TAIL = rf"(?:\?{_CHARS}+)?(?:#{_CHARS}+)?"
_SAFE = re.compile(
    r"https?://[a-z0-9.-]+(?::(?:[1-9][0-9]{0,3}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5]))?"
    rf"/{_CHARS}*{_TAIL}",
    re.ASCII,
)
# a root-relative href that urljoin only appends to the page's origin: no dot segments, no empty segments
_ROOTED = re.compile(rf"/(?!/){_CHARS}*{_TAIL}", re.ASCII)
_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")
_text = etree.XPath("string()")


class Link(NamedTuple):
    url: str
    text: str


def _origin(base: str) -> str | None:
    """``scheme://host[:port]`` of a base URL that the fast paths can join to, else None."""
    if not _SAFE.fullmatch(base) or _PERCENT.search(base):
        return None
    return base[: base.index("/", base.index("//") + 2)]


def _absolute(href: str, base: str, origin: str | None, page: str, encoding: str) -> str | None:
    """The absolute, safe URL of ``href`` as Scrapy makes it (urljoin, safe_url_string, urljoin again), or
    None for a URL it skips; the common cases without a parse."""
    if not _PERCENT.search(href):
        if origin and _ROOTED.fullmatch(href) and "//" not in href and "/." not in href:
            return origin + href
        if _SAFE.fullmatch(href):
            return href
    try:
        url = safe_url_string(urljoin(base, href), encoding=encoding)
    except ValueError:
        return None
    return urljoin(page, url)


def extract_links(response: TextResponse) -> list[Link]:
    """Each distinct URL that an ``<a>``, ``<area>`` or ``<link>`` element's ``href`` names, absolute, with the
    text of its first element, in document order."""
    base, page, encoding = get_base_url(response), response.url, response.encoding
    seen: set[str] = set()
    links = []
    origin = _origin(base)
    for el in response.selector.root.iter(_TAGS):
        href = el.get("href")
        if href is None:
            continue
        url = _absolute(strip_html5_whitespace(href), base, origin, page, encoding)
        if url is None:
            continue
        if url in seen or url.split("://", 1)[0] not in _VALID_SCHEMES:
            continue
        seen.add(url)
        links.append(Link(url, _text(el) or ""))
    return links
