"""Shared pieces of the portal builders: the Site record, pagination, text variants."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from html import escape

from aggregator.demo.stories import NEWSPAPER_PORTAL, STORIES

ROBOTS = "User-agent: *\nDisallow: /admin/\n"
ADMIN_PAGE = (
    '<!DOCTYPE html>\n<html><head><meta charset="{charset}"><title>后台登录</title></head>\n'
    '<body><h1>后台登录</h1><form method="post" action="/admin/login"><input name="user">'
    '<input name="pass" type="password"><button>登录</button></form></body></html>\n'
)


def esc(text: str) -> str:
    return escape(text, quote=True)


@dataclass
class Site:
    """One portal's files plus what truth.json must say about them."""

    name: str
    encoding: str = "utf-8"
    files: dict[str, str] = field(default_factory=dict)
    articles: list[str] = field(default_factory=list)
    non_articles: list[str] = field(default_factory=list)
    disallowed: list[str] = field(default_factory=list)
    copies: list[tuple[str, dict]] = field(default_factory=list)

    def page(self, path: str, html: str) -> None:
        self._put(path, html)
        self.non_articles.append(path)

    def article(self, path: str, html: str, story: dict, title_as_shown: str, first: str, **extra) -> None:
        """first: the article's first paragraph as this page prints it; the extracted body must start with its
        first sentence (datelines, bylines and source lines above it are metadata, not text)."""
        self._put(path, html)
        self.articles.append(path)
        copy = {"portal": self.name, "path": path, "title_as_shown": title_as_shown}
        copy["body_starts"] = first_sentence(first)
        copy |= {"truncated": False, "traditional": False, "original": False, "date_shown": None} | extra
        self.copies.append((story["id"], copy))

    def robots_and_admin(self, robots: str = ROBOTS) -> None:
        # /admin/ exists and is linked from every page footer, so only robots.txt keeps a crawler out
        self.files["/robots.txt"] = robots
        charset = "gb2312" if self.encoding != "utf-8" else "utf-8"
        self.files["/admin/index.html"] = ADMIN_PAGE.format(charset=charset)
        self.disallowed.append("/admin/index.html")

    def _put(self, path: str, text: str) -> None:
        if path in self.files:
            raise ValueError(f"{self.name}: duplicate path {path}")
        self.files[path] = text


def first_sentence(paragraph: str) -> str:
    m = re.search(r"[。！？!?]", paragraph)
    return paragraph[: m.end()] if m else paragraph


def file_of(path: str) -> str:
    """URL path -> file path inside the portal directory ("/" and "/x/" serve index.html)."""
    return path + "index.html" if path.endswith("/") else path


def chunks(items: list, size: int) -> list[list]:
    return [items[i : i + size] for i in range(0, len(items), size)] or [[]]


def pager(n_pages: int, current: int, url_of) -> str:
    """A list page's pagination bar; url_of(page_number) gives each page's URL (pages count from 1)."""
    parts = []
    if current > 1:
        parts.append(f'<a href="{url_of(current - 1)}">上一页</a>')
    for n in range(1, n_pages + 1):
        parts.append(f"<span>{n}</span>" if n == current else f'<a href="{url_of(n)}">{n}</a>')
    if current < n_pages:
        parts.append(f'<a href="{url_of(current + 1)}">下一页</a>')
    return '<div class="pages">' + " ".join(parts) + "</div>"


def original_path(story: dict) -> str:
    """Where the newspaper's own site keeps the original; numbers follow each paper's story order."""
    portal = NEWSPAPER_PORTAL[story["newspaper"]]
    n = [s["id"] for s in STORIES if s["newspaper"] == story["newspaper"]].index(story["id"])
    day = story["published"][:10]
    if portal == "kjb":
        return f"/content/{day[:7]}/{day[8:]}/content_{10001 + n}.html"
    return f"/news/{day.replace('-', '')}/n{5001 + n}.shtml"


def original_url(story: dict) -> str:
    """A cross-portal link to the newspaper original, resolved by the server at serve time."""
    portal = NEWSPAPER_PORTAL[story["newspaper"]]
    return "{{base:" + portal + "}}" + original_path(story)


def stamp(story: dict, hours: int = 0, minutes: int = 0) -> dt.datetime:
    """The story's newspaper time shifted by the delay a portal took to repost it."""
    t = dt.datetime.strptime(story["published"], "%Y-%m-%d %H:%M")
    return t + dt.timedelta(hours=hours, minutes=minutes)


def iso(t: dt.datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:00+08:00")


_HALF = str.maketrans({"，": ",", "：": ":", "；": ";", "（": "(", "）": ")", "！": "!", "？": "?"})
_HALF_QUOTES = str.maketrans({"“": '"', "”": '"'})


def half_width(text: str, quotes: bool = False) -> str:
    """Portals that re-key articles often lose full-width punctuation."""
    text = text.translate(_HALF)
    return text.translate(_HALF_QUOTES) if quotes else text


def add_lists(site: Site, page, sections: list[tuple[str, str, list[str]]], url_of, size: int) -> None:
    """Paginated category lists; sections are (name, slug, item HTML), url_of(slug, n) names the pages."""
    for name, slug, items in sections:
        pages = chunks(items, size)
        for n, chunk in enumerate(pages, 1):
            body = "\n".join(chunk)
            bar = pager(len(pages), n, lambda k, slug=slug: url_of(slug, k))
            site.page(
                url_of(slug, n), page(name, f'<h2>{name}</h2>\n<ul class="list">\n{body}\n</ul>\n{bar}')
            )
