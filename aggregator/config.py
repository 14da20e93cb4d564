"""The sources file (``data/sources.toml``): named sources, their kind, start URLs, schedule and overrides.

Errors name the file and line, because users edit this file by hand and a crawl that silently skips a
misspelt source is worse than one that refuses to start.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

# the one way a selector is run, here to check it and in extraction to use it (the spider imports is_xpath here);
# a light module: the config is loaded by every command, most of which never extract a page
from aggregator.extract.selectors import Selectors, is_xpath, selector_error  # noqa: F401

KINDS = ("portal", "feed", "sitemap")
_KEYS = {
    "name",
    "kind",
    "start_urls",
    "every",
    "cron",
    "selectors",
    "publisher",
    "depth",
    "max_pages",
    "max_time",
    "max_entries",
    "max_sitemaps",
    "obey_robots",
    "revisit",
}
_SELECTOR_KEYS = {"article_links", "title", "body", "date"}
# the body and the links are elements; a title or date may also be text (h1::text, span::attr(title))
_ELEMENT_SELECTORS = {"article_links", "body"}
_INTERVAL = re.compile(r"^\s*(\d+)\s*([smhd])\s*$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


class ConfigError(Exception):
    """A sources file that cannot be used; the message names the file and line."""


@dataclass(frozen=True)
class Source:
    name: str
    kind: str
    start_urls: tuple[str, ...]
    every: str | None = None
    cron: str | None = None
    publisher: str | None = None  # the site's own name when it is an original publisher (a newspaper)
    depth: int | None = None
    max_pages: int | None = None  # per run; None: the AGGREGATOR_MAX_* setting (aggregator/scope.py)
    max_time: int | None = None  # seconds
    max_entries: int | None = None  # URLs taken from one sitemap or feed
    max_sitemaps: int | None = None  # sitemaps taken from one sitemap index
    obey_robots: bool = True
    selectors: Selectors = field(default_factory=Selectors)
    revisit: str | None = None  # refetch stored articles older than this (e.g. "1d"); None: never

    @property
    def revisit_seconds(self) -> int | None:
        return parse_interval(self.revisit) if self.revisit else None

    @property
    def interval_seconds(self) -> int | None:
        return parse_interval(self.every) if self.every else None


def parse_interval(text: str) -> int:
    m = _INTERVAL.match(text)
    if not m:
        raise ValueError(f"bad interval {text!r}: use a number and a unit, e.g. '30m', '2h', '1d'")
    return int(m.group(1)) * _UNIT_SECONDS[m.group(2)]


def load_sources(path: str | Path) -> list[Source]:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such sources file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read: {exc}") from None
    return parse_sources(text, str(path))


def parse_sources(text: str, filename: str = "<sources>") -> list[Source]:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        # tomllib says "(at line N, column M)"; lift the line number to the front like a compiler does
        m = re.search(r"\(at line (\d+), column \d+\)", str(exc))
        line = m.group(1) if m else len(text.splitlines()) if "end of document" in str(exc) else None
        where = f"{filename}:{line}" if line else filename
        raise ConfigError(f"{where}: invalid TOML: {exc}") from None
    lines = text.splitlines()
    blocks = [i + 1 for i, line in enumerate(lines) if re.match(r"^\s*\[\[\s*source\s*\]\]", line)]
    unknown_top = set(data) - {"source"}
    if unknown_top:
        key = sorted(unknown_top)[0]
        hint = " (write [[source]])" if key.lower() == "sources" else ""
        raise ConfigError(f"{filename}:{_top_line(lines, key)}: unknown top-level key {key!r}{hint}")
    raw = data.get("source", [])
    if not isinstance(raw, list):
        raise ConfigError(f"{filename}: 'source' must be an array of tables: write [[source]]")
    sources, seen = [], {}
    for n, entry in enumerate(raw):
        start = blocks[n] if n < len(blocks) else 1
        end = blocks[n + 1] - 1 if n + 1 < len(blocks) else len(lines)

        def fail(msg: str, key: str | None = None, _s=start, _e=end) -> None:
            line = _line_of(lines, key, _s, _e) if key else _s
            raise ConfigError(f"{filename}:{line}: {msg}")

        src = _parse_entry(entry, fail)
        if src.name in seen:
            fail(f"duplicate source name {src.name!r} (first defined on line {seen[src.name]})", "name")
        seen[src.name] = start
        sources.append(src)
    return sources


def _parse_entry(entry: dict, fail) -> Source:
    """One [[source]] table as a Source; ``fail(message, key)`` raises, naming the key's line. The checks run
    in the order of the table's usual layout, so the first problem reported is the first one a reader meets."""
    name, kind, urls = _check_identity(entry, fail)
    every, cron, revisit = _check_schedule(entry, name, fail)
    max_time, obey, publisher = _check_crawl_options(entry, name, fail)
    sel = _check_selectors(entry, name, fail)
    return Source(
        name=name,
        kind=kind,
        start_urls=tuple(urls),
        every=str(every) if every is not None else None,
        cron=cron,
        publisher=publisher,
        depth=entry.get("depth"),
        max_pages=entry.get("max_pages"),
        max_time=max_time,
        max_entries=entry.get("max_entries"),
        max_sitemaps=entry.get("max_sitemaps"),
        obey_robots=obey,
        selectors=Selectors(**sel),
        revisit=str(revisit) if revisit is not None else None,
    )


def _check_identity(entry: dict, fail) -> tuple[str, str, list[str]]:
    for key in entry:
        if key not in _KEYS:
            fail(f"unknown key {key!r} (known: {', '.join(sorted(_KEYS))})", key)
    name = entry.get("name")
    if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z0-9_.\-]+", name or ""):
        fail(
            "every source needs a name of letters, digits, '_', '-' or '.'",
            "name" if "name" in entry else None,
        )
    kind = entry.get("kind", "portal")
    if kind not in KINDS:
        fail(f"source {name!r}: unknown kind {kind!r} (expected one of: {', '.join(KINDS)})", "kind")
    urls = entry.get("start_urls")
    if isinstance(urls, str):
        urls = [urls]
    if not urls or not isinstance(urls, list) or not all(isinstance(u, str) for u in urls):
        fail(f"source {name!r}: start_urls must be a non-empty list of URLs", "start_urls")
    for url in urls:
        if not is_http_url(url):
            fail(f"source {name!r}: {url!r} is not an http(s) URL", "start_urls")
    return name, kind, urls


def _check_schedule(entry: dict, name: str, fail) -> tuple:
    every, cron = entry.get("every"), entry.get("cron")
    if every is not None and cron is not None:
        fail(f"source {name!r}: give either 'every' or 'cron', not both", "cron")
    if every is not None:
        try:
            parse_interval(str(every))
        except ValueError as exc:
            fail(f"source {name!r}: {exc}", "every")
    if cron is not None:
        from croniter import croniter

        if not isinstance(cron, str) or not croniter.is_valid(cron):
            fail(f"source {name!r}: bad cron expression {cron!r}", "cron")
    revisit = entry.get("revisit")
    if revisit is not None:
        try:
            parse_interval(str(revisit))
        except ValueError as exc:
            fail(f"source {name!r}: revisit: {exc}", "revisit")
    return every, cron, revisit


def _check_crawl_options(entry: dict, name: str, fail) -> tuple:
    for key in ("depth", "max_pages", "max_entries", "max_sitemaps"):
        value = entry.get(key)
        if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value < 0):
            fail(f"source {name!r}: {key} must be a whole number >= 0", key)
    max_time = entry.get("max_time")
    if max_time is not None:
        try:
            max_time = parse_interval(str(max_time))
        except ValueError as exc:
            fail(f"source {name!r}: max_time: {exc}", "max_time")
    obey = entry.get("obey_robots", True)
    if not isinstance(obey, bool):
        fail(f"source {name!r}: obey_robots must be true or false", "obey_robots")
    publisher = entry.get("publisher")
    if publisher is not None and not isinstance(publisher, str):
        fail(f"source {name!r}: publisher must be a string", "publisher")
    return max_time, obey, publisher


def _check_selectors(entry: dict, name: str, fail) -> dict:
    sel = entry.get("selectors", {})
    if not isinstance(sel, dict):
        fail(f"source {name!r}: selectors must be a table: write [source.selectors]", "selectors")
    for key, value in sel.items():
        if key not in _SELECTOR_KEYS:
            fail(
                f"source {name!r}: unknown selector {key!r} (known: {', '.join(sorted(_SELECTOR_KEYS))})", key
            )
        if not isinstance(value, str) or not value.strip():
            fail(f"source {name!r}: selector {key!r} must be a non-empty string", key)
        error = selector_error(value, elements=key in _ELEMENT_SELECTORS)
        if error:
            fail(f"source {name!r}: selector {key!r} {error}", key)
    return sel


def _top_line(lines: list[str], key: str) -> int:
    """The line of a top-level key: a table header ([key], [[key]], [key.sub]) or an assignment (key = ...)."""
    header = re.compile(rf"^\s*\[\[?\s*[\"']?{re.escape(key)}[\"']?\s*[\].]")
    for i, line in enumerate(lines):
        if header.match(line):
            return i + 1
    return _line_of(lines, key, 1, len(lines))


def _line_of(lines: list[str], key: str | None, start: int, end: int) -> int:
    if key:
        pattern = re.compile(rf"^\s*{re.escape(key)}\s*=")
        for i in range(start - 1, min(end, len(lines))):
            if pattern.match(lines[i]):
                return i + 1
    return start


def is_http_url(url: str) -> bool:
    try:
        parts = urlsplit(url)
        return parts.scheme in ("http", "https") and bool(parts.hostname) and parts.port != 0
    except ValueError:  # a port that is not a number
        return False


def source_for_urls(urls: list[str]) -> Source:
    """An ad-hoc source for ``aggregator crawl URL...``: no configuration at all, http(s) URLs only (also for
    ``scrapy crawl news -a url=...`` and Scrapyd's ``schedule.json``, which skip the CLI's own check)."""
    bad = [u for u in urls if not is_http_url(u)]
    if bad:
        raise ConfigError(f"{bad[0]!r} is not an http(s) URL: only http:// and https:// pages are crawled")
    return Source(name="adhoc", kind="portal", start_urls=tuple(urls))
