"""Publication dates.

Order of trust: a site selector; structured metadata (meta tags, JSON-LD, <time>); then dates printed in the info
line between the headline and the body, then in the first lines of the body. Teaser lists, sidebars and anything after
the main node are never read: their dates belong to other articles. In the body a date counts only when it is
labelled as the publication time ("发布时间：", "日期：", "发表于") or stands on a line of its own, alone or with info
fields ("2023-01-09 08:30 来源：X"): dates in sentences ("1月7日下午", "2019年1月1日起施行") and other fields' dates
("成文日期：", "会议时间：") are what the story is about, so a page that shows no date of its own has none.

A date printed without a year ("01-09 10:23") takes its year from the evidence on the page before the clock: a date
in the URL's path (/html/2023/0109/) puts it in the year nearest that day, a copyright year (© 2023) is the latest
year it can be in, and only then the fetch time; a page crawled years later must not move to the year of the crawl.

Output is ISO 8601 with seconds. A page without a zone is read as China time (+08:00); a zone the page states is
kept. When only the day is known the time is 00:00:00, so every result has the same shape and sorts correctly.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from urllib.parse import urlsplit

from aggregator.extract.metadata import (
    extract_title,
    in_teaser,
    json_ld,
    node_text,
    page_lines,
    page_regions,
    select_nodes,
)
from aggregator.extract.vocabulary import (
    BARE_DATE_LABELS,
    DATE_LABELS,
    DOCUMENT_FIELDS,
    HAN,
    INFO_LINE_FIELDS,
    OUTLET_SUFFIXES,
    OUTLET_SUFFIXES_TRADITIONAL,
    PUBLISHED_META_NAMES,
    alternation,
)

__all__ = ["CHINA_TZ", "extract_published", "find_dates", "parse_date"]

CHINA_TZ = timezone(timedelta(hours=8))
_MIN_YEAR = 1970

_TIME = r"(?:[T\s]*(\d{1,2})\s*[:：时]\s*(\d{1,2})(?:\s*[:：分]\s*(\d{1,2})(?:\.\d+)?)?\s*秒?)?"
_ZONE = r"\s*(Z|[+-]\d{2}:?\d{2}|UTC|GMT)?"
_YMD_CJK = re.compile(r"(?<!\d)(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]" + _TIME)
_YMD_NUM = re.compile(r"(?<![\d.])(\d{4})\s*([-/.])\s*(\d{1,2})\s*\2\s*(\d{1,2})(?![\d])" + _TIME + _ZONE)
# a date without a year only counts with a time or a label: "1月7日" alone is usually an event in the story
_MD_TIME = re.compile(
    r"(?<![\d\-/.年])(\d{1,2})\s*(?:[-/]|月)\s*(\d{1,2})\s*日?\s+(\d{1,2})\s*[:：时]\s*(\d{2})"
)
# US order on old ASP-built portals ("7/5/2005 9:23:57 PM"); day first only when the first number cannot be a month
_MDY = re.compile(
    r"(?<![\d/])(\d{1,2})/(\d{1,2})/(\d{4})(?![\d/])(?:\s+(\d{1,2}):(\d{2})(?::(\d{2}))?(?:\s*([AaPp][Mm]))?)?"
)
# European day-first dotted dates ("28.04.2023, 19:20 Uhr")
_DMY_DOT = re.compile(
    r"(?<![\d.])(\d{1,2})\.(\d{1,2})\.(\d{4})(?![\d.])(?:,?\s*(?:um\s*)?(\d{1,2}):(\d{2}))?"
)
_MD_CJK = re.compile(r"(?<![\d年])(\d{1,2})\s*月\s*(\d{1,2})\s*日")
# A label naming the page's own publication time. Bare 时间/日期 only count as the start of a field: "成文日期：",
# "印发日期：", "会议时间：" date a document or an event that the story is about.
_LABEL = re.compile(
    f"(?:{alternation(DATE_LABELS)}|(?<![{HAN}])(?:{alternation(BARE_DATE_LABELS)}))" r"\s*[:：]?\s*$",
    re.I,
)
# the label of another field's date: "成文日期：", "会议时间：", "截止日期："
_OTHER_LABEL = re.compile(f"[{HAN}](?:{alternation(BARE_DATE_LABELS)})" r"\s*[:：]?\s*$")
# What may stand next to a date on a line of its own in the body: an info line ("2023-01-09 08:30 来源：X",
# "来源：新华网 2023-01-09 作者：X"); a line with anything else around its date is text.
_INFO_REST = re.compile(f"^(?:{alternation(INFO_LINE_FIELDS)})")
# or an outlet printed after the date without a label ("2003-7-24 钱江晚报", "2022-02-13 09:57 光明网")
_OUTLET = re.compile(f"[{HAN}]{{2,12}}(?:{alternation(OUTLET_SUFFIXES, OUTLET_SUFFIXES_TRADITIONAL)})")
_STAMP_DECOR = re.compile(
    r"[\s|｜丨/\\\-—–:：()（）\[\]【】·•,，]+|星期[一二三四五六日天]|周[一二三四五六日天]"
)
_PROSE = re.compile(r"[。！？；!?;]")
# the metadata block of an official document quoted in a story: its dates (成文日期, 发布日期) are the document's
_DOC_FIELDS = re.compile(alternation(DOCUMENT_FIELDS) + r"|索\s*引\s*号")


def _build(y, mo, d, h=None, mi=None, s=None, zone=None) -> datetime | None:
    try:
        y, mo, d = int(y), int(mo), int(d)
        h, mi, s = int(h or 0), int(mi or 0), int(s or 0)
        if not _MIN_YEAR <= y <= 2100 or h > 23 or mi > 59 or s > 59:
            return None
        return datetime(y, mo, d, h, mi, s, tzinfo=_zone(zone))
    except (TypeError, ValueError):
        return None


def _zone(text: str | None) -> timezone:
    if not text or text in ("UTC", "GMT", "Z"):
        return UTC if text else CHINA_TZ
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    return timezone(sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:4] or 0)))


# a CMS's date folder in the URL: /html/2023/0109/, /2023-01/09/, /20230109/, /2023/01/09/
_URL_DATE = re.compile(r"(?<!\d)((?:19|20)\d{2})[-/_]?(0[1-9]|1[0-2])[-/_]?(0[1-9]|[12]\d|3[01])(?!\d)")
_URL_YEAR = re.compile(r"/((?:19|20)\d{2})/")
# "Copyright © 2023", "© 2005-2023", "版权所有 2023": the page was made in or before the (last) year
_COPYRIGHT = re.compile(
    r"(?:©|\(c\)|copyright|版权所有|版權所有)[^\d\n]{0,40}?((?:19|20)\d{2})(?:\s*[-–—~～至]\s*((?:19|20)\d{2}))?",
    re.I,
)


@dataclass(frozen=True)
class Years:
    """Where a date printed without a year gets its year: near the URL's date, else in the latest year not after
    the page's copyright year, else not after the fetch time (ref); never in the future of ref."""

    ref: datetime
    near: datetime | None = None  # the date in the URL's path
    bound: datetime | None = None  # the end of the copyright year, or of the URL's year
    # the page whose copyright year is the bound, read on first need: scanning every text node costs ~2 ms a page
    # and most pages print no date without a year
    page: object = field(default=None, compare=False, repr=False)

    def infer(self, mo: int, d: int, h: int = 0, mi: int = 0) -> datetime | None:
        if self.page is not None:
            object.__setattr__(self, "bound", _copyright_bound(self.page, self.ref))
            object.__setattr__(self, "page", None)
        latest = self.ref + timedelta(minutes=5)
        if self.near is not None:
            near = self.near
            options = [
                dt for y in (near.year - 1, near.year, near.year + 1) if (dt := _build(y, mo, d, h, mi))
            ]
            options = [dt for dt in options if dt <= latest]
            return min(options, key=lambda dt: abs(dt - near), default=None)
        if self.bound is not None:
            latest = min(latest, self.bound)
        for year in range(latest.year, latest.year - 5, -1):
            dt = _build(year, mo, d, h, mi)
            if dt is not None and dt <= latest:
                return dt
        return None


def page_years(tree, url: str | None, ref: datetime) -> Years:
    """The evidence of the year a page is from, for the dates it prints without one."""
    if url:
        parts = urlsplit(url)
        where = parts.path + "?" + parts.query
        if (m := _URL_DATE.search(where)) and (near := _build(*m.groups())) and near <= ref:
            return Years(ref, near=near)
        if (m := _URL_YEAR.search(where)) and (end := _build(m.group(1), 12, 31, 23, 59, 59)):
            return Years(ref, bound=end)
    return Years(ref, page=tree)


def _copyright_bound(tree, ref: datetime) -> datetime | None:
    """The end of the page's (last) copyright year, if it prints one not after ref."""
    years = []
    for text in tree.xpath(
        "//text()[contains(., '©') or contains(., 'opyright') or contains(., 'OPYRIGHT')"
        " or contains(., '(c)') or contains(., '(C)') or contains(., '版权所有') or contains(., '版權所有')]"
    ):
        for m in _COPYRIGHT.finditer(str(text)):
            years.append(int(m.group(2) or m.group(1)))
    years = [y for y in years if _MIN_YEAR <= y <= ref.year]
    return _build(max(years), 12, 31, 23, 59, 59) if years else None


def find_dates(
    text: str, ref: datetime | None = None, allow_partial: bool = False, years: Years | None = None
) -> list[tuple[int, datetime, bool]]:
    """(position, datetime, labelled) for each date in text, in order of position."""
    return [(start, dt, label == 1) for start, _end, dt, label in _find(text, ref, allow_partial, years)]


def _find(
    text: str, ref: datetime | None, allow_partial: bool, years: Years | None = None
) -> list[tuple[int, int, datetime, int]]:
    """(start, end, datetime, label) per date; label 1: the publication time, -1: another field's date, 0: none.
    Dates without a year are read only with ref (the fetch time), which bounds them; years says which year."""
    found: list[tuple[int, int, datetime, int]] = []

    def add(m, dt):
        if dt is None or any(a <= m.start() < b for a, b, _dt, _l in found):
            return
        before = text[max(0, m.start() - 12) : m.start()]
        label = 1 if _LABEL.search(before) else -1 if _OTHER_LABEL.search(before) else 0
        found.append((m.start(), m.end(), dt, label))

    for m in _YMD_CJK.finditer(text):
        add(m, _build(*m.groups()))
    for m in _YMD_NUM.finditer(text):
        y, _sep, mo, d, h, mi, s, z = m.groups()
        add(m, _build(y, mo, d, h, mi, s, z))
    for m in _DMY_DOT.finditer(text):
        d, mo, y, h, mi = m.groups()
        add(m, _build(y, mo, d, h, mi))
    for m in _MDY.finditer(text):
        a, b, y, h, mi, sec, ampm = m.groups()
        mo, d = (b, a) if int(a) > 12 else (a, b)
        if h and ampm:
            h = str(int(h) % 12 + (12 if ampm.lower() == "pm" else 0))
        add(m, _build(y, mo, d, h, mi, sec))
    if ref is not None:
        years = years or Years(ref)
        for m in _MD_TIME.finditer(text):
            mo, d, h, mi = (int(g) for g in m.groups())
            add(m, years.infer(mo, d, h, mi))
        if allow_partial:
            for m in _MD_CJK.finditer(text):
                if _LABEL.search(text[max(0, m.start() - 12) : m.start()]):  # "1月7日" alone is an event
                    add(m, years.infer(int(m.group(1)), int(m.group(2))))
    found.sort(key=lambda t: t[0])
    return found


def _line_dates(
    line: str, ref: datetime, chrome: bool, years: Years | None = None
) -> list[tuple[datetime, bool]]:
    """(datetime, labelled) for the dates of one line that can be the page's own publication time.

    A date labelled as the publication time always counts. Otherwise the line must be a date stamp: nothing but
    the date(s), or the date with info-line fields ("2023-01-09 08:30 来源：X"). chrome: the line sits between the
    headline and the body, where any line without sentence punctuation is page furniture. A date inside a sentence
    ("1月7日下午", "2019年1月1日起施行", "成文日期：…") is something the story is about, and so are the dates of a
    quoted document's metadata block.
    """
    hits = [h for h in _find(line, ref, True, years) if _ok(h[2], ref) and h[3] >= 0]
    if not hits or (not chrome and _DOC_FIELDS.search(line)):
        return []
    rest, at = [], 0
    for start, end, _dt, _labelled in hits:
        rest.append(line[at:start])
        at = max(at, end)
    rest.append(line[at:])
    rest_text = _STAMP_DECOR.sub(" ", " ".join(rest)).strip()
    stamp = (
        not rest_text
        or (chrome and len(line) <= 100 and not _PROSE.search(line))
        or (len(line) <= 100 and not _PROSE.search(rest_text) and bool(_INFO_REST.match(rest_text)))
        or bool(_OUTLET.fullmatch(rest_text))
    )
    return [(dt, label == 1) for _s, _e, dt, label in hits if label == 1 or stamp]


def parse_date(value: str | None, ref: datetime | None = None, years: Years | None = None) -> datetime | None:
    """The first date in a short string (meta content, datetime attribute, info line)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit() and len(value) in (10, 13):  # epoch seconds / milliseconds
        try:
            return datetime.fromtimestamp(int(value[:10]), tz=UTC)
        except (OverflowError, ValueError, OSError):
            return None
    hits = find_dates(value[:200], ref, allow_partial=True, years=years)
    return hits[0][1] if hits else None


def _iso(dt: datetime) -> str:
    return dt.replace(microsecond=0).isoformat()


def _ok(dt: datetime | None, ref: datetime) -> bool:
    # a day of slack: a page in a zone ahead of the crawler's clock may print "tomorrow"
    return dt is not None and dt <= ref + timedelta(days=1)


_HAS_TIME = re.compile(r"\d{1,2}\s*[:：时]\s*\d{2}")
_HAS_ZONE = re.compile(r"\d(?:Z|\s*[+-]\d{2}:?\d{2})\s*$|\b(?:UTC|GMT)\b")
_LD_DATE = re.compile(r'"datePublished"\s*:\s*"([^"]{6,40})"')


def _structured_values(tree) -> list[str]:
    values: list[str] = []
    for item in json_ld(tree):
        v = item.get("datePublished") or item.get("dateCreated")
        if isinstance(v, str):
            values.append(v)
    if not values:  # JSON-LD that json.loads rejects (comments, stray commas) still names the date plainly
        for script in tree.xpath('//script[contains(@type,"ld+json")]'):
            values.extend(_LD_DATE.findall(script.text or ""))
    values.extend(_meta_dates(tree))
    for node in tree.xpath('//*[@itemprop="datePublished"]|//time[@pubdate]'):
        v = node.get("content") or node.get("datetime") or node_text(node)
        if v and (node.tag == "meta" or not in_teaser(node)):  # microdata of listed teasers
            values.append(v)
    return values


def _from_structured(tree, ref: datetime, years: Years) -> datetime | None:
    """The most precise structured date: one with a zone beats one with only a time beats a bare day."""
    best, best_rank = None, -1
    for value in _structured_values(tree):
        dt = parse_date(value, ref, years) or _parse_loose(value)
        if not _ok(dt, ref):
            continue
        rank = bool(_HAS_TIME.search(value)) + bool(_HAS_ZONE.search(value.strip()))
        if rank > best_rank:
            best, best_rank = dt, rank
        if rank == 2:
            break
    return best


def _parse_loose(value: str) -> datetime | None:
    """Textual dates in metadata ("Fri Apr 28 19:20:36 CEST 2023"); dateparser is slow, so only for short values."""
    if len(value) > 60 or not re.search(r"[A-Za-z]{3}", value) or not re.search(r"\d{4}", value):
        return None
    try:
        import dateparser

        dt = dateparser.parse(value, settings={"RETURN_AS_TIMEZONE_AWARE": True, "TIMEZONE": "Asia/Shanghai"})
    except Exception:  # noqa: BLE001 - an unparseable value is just not a date
        return None
    return dt if dt is not None and dt.year >= _MIN_YEAR else None


def _meta_dates(tree) -> list[str]:
    found: dict[str, str] = {}
    for meta in tree.iter("meta"):
        key = (meta.get("property") or meta.get("name") or meta.get("itemprop") or "").strip().lower()
        if key in PUBLISHED_META_NAMES and key not in found and (meta.get("content") or "").strip():
            found[key] = meta.get("content")
    return [found[n] for n in PUBLISHED_META_NAMES if n in found]


def extract_published(
    tree, main_node=None, fetched_at=None, selector: str | None = None, url: str | None = None
) -> str | None:
    """ISO 8601 publication time, or None; fetched_at (default now) bounds it; the URL, the copyright year and
    fetched_at, in that order, complete year-less dates."""
    ref = fetched_at or datetime.now(CHINA_TZ)
    if ref.tzinfo is None:
        ref = ref.replace(tzinfo=CHINA_TZ)
    years = page_years(tree, url, ref)
    if selector:
        for node in select_nodes(tree, selector):
            text = (
                node
                if isinstance(node, str)
                else (node.get("datetime") or node.get("content") or node_text(node))
            )
            if _ok(dt := parse_date(text, ref, years), ref):
                return _iso(dt)
    structured = _from_structured(tree, ref, years)
    if structured is not None and (structured.hour, structured.minute, structured.second) != (0, 0, 0):
        return _iso(structured)
    printed = _printed(page_regions(tree, main_node, extract_title(tree)), ref, years)
    if structured is not None:
        # metadata that gives only the day: the info line often prints the same day with the time
        if printed is not None and printed.date() == structured.date():
            return _iso(printed)
        return _iso(structured)
    if printed is not None:
        return _iso(printed)
    for node in _before_main_end(tree, main_node):
        if node.tag != "time" or not node.get("datetime") or in_teaser(node):
            continue
        if _ok(dt := parse_date(node.get("datetime"), ref, years), ref):
            return _iso(dt)
    return _first_labelled(tree, main_node, ref, years)


def _printed(regions, ref: datetime, years: Years) -> datetime | None:
    """The date printed for the page: the info line near the headline wins over anything in the body, and in
    each a date labelled as the publication time over an unlabelled stamp."""
    for lines, chrome in ((regions.info, True), (regions.head, False)):
        hits = [h for line in lines for h in _line_dates(line, ref, chrome, years)]
        if hits:
            return ([dt for dt, labelled in hits if labelled] or [hits[0][0]])[0]
    return None


def _first_labelled(tree, main_node, ref: datetime, years: Years) -> str | None:
    """Last resort when the headline/body split failed: the first "发布时间：…" outside any teaser container.

    The story's own info line precedes related-article lists in document order, so the scan stops at the end of
    the main node, skips teaser containers and link text (teaser titles are links).
    """
    in_main = set(main_node.iter()) if main_node is not None else set()
    seen_main = False
    for line, el in page_lines(tree):
        if el in in_main:
            seen_main = True
        elif seen_main:
            break
        if "：" not in line and ":" not in line or in_teaser(el) or _in_link(el):
            continue
        if el in in_main:  # inside the story, only what the body rule accepts as the page's own date
            hits = [dt for dt, labelled in _line_dates(line, ref, False, years) if labelled]
        else:
            hits = [
                dt for _pos, dt, labelled in find_dates(line, ref, years=years) if labelled and _ok(dt, ref)
            ]
        if hits:
            return _iso(hits[0])
    return None


def _before_main_end(tree, main_node):
    """Elements in document order up to the end of the main node (everything after it is other content)."""
    if main_node is None:
        yield from tree.iter()
        return
    inside = False
    for el in tree.iter():
        if el is main_node:
            inside = True
        elif inside and main_node not in el.iterancestors():
            return
        yield el


def _in_link(el) -> bool:
    while el is not None:
        if el.tag == "a":
            return True
        el = el.getparent()
    return False
