"""The demo portals as sources: what ``aggregator demo`` crawls, and what ``data/sources.toml`` ships."""

from __future__ import annotations

from aggregator.config import Source

# portal, kind, start path, publisher (set for the newspapers: their pages are the originals), schedule
DEMO_SOURCES = [
    ("kjb", "portal", "", "武汉科技报", 'every = "30m"'),
    ("cjrb", "portal", "", "长江日报", 'every = "30m"'),
    ("xinxi", "portal", "", None, 'every = "1h"'),
    ("gbk", "portal", "", None, 'every = "1h"'),
    ("feedsite", "feed", "rss.xml", None, 'cron = "*/20 * * * *"'),
    ("mapsite", "sitemap", "sitemap.xml", None, 'cron = "0 * * * *"'),
]


def demo_sources(urls: dict[str, str]) -> list[Source]:
    """Sources for portals served at ``urls`` (name -> base URL with a trailing slash)."""
    return [
        Source(name=name, kind=kind, start_urls=(urls[name] + path,), publisher=publisher)
        for name, kind, path, publisher, _ in DEMO_SOURCES
    ]


def sources_toml(urls: dict[str, str]) -> str:
    """The bundled ``data/sources.toml``, for the demo portals at their default ports."""
    out = [
        "# Sources for `aggregator crawl --source NAME` / `--all`: the demo portals at their default ports",
        "# (start them with `aggregator demo --serve --no-crawl`). The format is described in README.md.",
    ]
    for name, kind, path, publisher, schedule in DEMO_SOURCES:
        out += [
            "",
            "[[source]]",
            f'name = "{name}"',
            f'kind = "{kind}"',
            f'start_urls = ["{urls[name]}{path}"]',
        ]
        if publisher:
            out.append(f'publisher = "{publisher}"')
        out.append(schedule)
    return "\n".join(out) + "\n"
