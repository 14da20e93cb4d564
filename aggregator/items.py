"""The item that spiders yield: one fetched page, before any extraction."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class PageItem:
    url: str  # the URL as requested
    final_url: str  # after redirects
    portal: str  # host[:port] of the site that served the page
    html: str = field(repr=False)  # decoded text; kept out of log lines
    headers: dict[str, str] = field(default_factory=dict)
    status: int = 200
    fetched_at: str = ""  # ISO 8601, UTC
    source_name: str | None = None  # the sources.toml entry that led here, if any
    publisher: str | None = None  # that entry's own publisher name: its pages are originals
    selectors: dict[str, str] = field(default_factory=dict)
    # filled by the pipelines
    article: dict | None = None
    canonical_url: str | None = None
    fingerprint: object | None = field(default=None, repr=False)  # aggregator.dedup.Fingerprint
