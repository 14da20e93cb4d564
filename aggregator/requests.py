"""Requests for a source: the meta keys every aggregator component reads, and the one way to make them.

One crawler serves many sources, so what a request is for travels in its ``meta``; the spider, the scope,
depth and incremental middlewares, the per-source counters and the runs recorder read it from there:

================  =====================================================================================
``meta`` key      value
================  =====================================================================================
``source``        the ``aggregator.config.Source`` the request belongs to (its scope, depth, budgets,
                  selectors, and whose counters and runs row it counts towards)
``role``          why it is fetched, one of the ``ROLES`` below
``link_text``     the text of the link it was found through (at most 40 characters), when it was a link
                  on a page: it tells a "下一页" pagination link from an article
================  =====================================================================================

=============  ==========================================================================================
role           the request fetches
=============  ==========================================================================================
``start``      one of the source's start URLs (never filtered as a duplicate, a failure fails the run)
``robots``     a site's robots.txt, for the sitemaps it names (not subject to robots.txt itself)
``listing``    a sitemap named by robots.txt or by a sitemap index
``article``    an article candidate: listed by a feed or sitemap, or matched by ``article_links``
``page``       any other link on a page of a portal (front, list, about pages...)
=============  ==========================================================================================

Scrapy's own keys (``dont_obey_robotstxt``, ``handle_httpstatus_list``, ``redirect_urls``, ``depth``) keep
their documented meaning.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from scrapy import Request

if TYPE_CHECKING:
    from aggregator.config import Source

SOURCE, ROLE, LINK_TEXT = "source", "role", "link_text"
START, ROBOTS, LISTING, ARTICLE, PAGE = "start", "robots", "listing", "article", "page"
ROLES = (START, ROBOTS, LISTING, ARTICLE, PAGE)


def source_request(
    url: str,
    source: Source,
    role: str,
    *,
    link_text: str | None = None,
    like: Request | None = None,
    **kwargs,
) -> Request:
    """A request for ``url`` on behalf of ``source``. ``like``: the request it was found through, whose
    callback and errback it gets, so a middleware following a link needs nothing from the spider but the
    request it already holds. Other keyword arguments go to ``scrapy.Request``."""
    meta = {**kwargs.pop("meta", {}), SOURCE: source, ROLE: role}
    if link_text is not None:
        meta[LINK_TEXT] = link_text.strip()[:40]
    # robots.txt is fetched to read its sitemaps, which it cannot forbid; a source may also opt out entirely
    if role == ROBOTS or not source.obey_robots:
        meta["dont_obey_robotstxt"] = True
    if like is not None:
        kwargs.setdefault("callback", like.callback)
        kwargs.setdefault("errback", like.errback)
    return Request(url, meta=meta, **kwargs)
