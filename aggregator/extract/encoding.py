"""Decoding raw page bytes to text.

Chinese portals routinely lie about their charset (a utf-8 meta on GBK bytes, or no declaration at all), so a
declaration is only a hint: every candidate is verified by strict decoding before it is trusted.
"""

from __future__ import annotations

import codecs
import re

__all__ = ["decode_html", "normalize_charset", "declared_charset"]

_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF32_LE, "utf-32-le"),  # before utf-16-le: its BOM starts with the utf-16 one
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

_HEADER_CHARSET = re.compile(r"charset\s*=\s*[\"']?\s*([\w.:-]+)", re.I)
_META_CHARSET = re.compile(rb"<meta[^>]+?charset\s*=\s*[\"']?\s*([\w.:-]+)", re.I)
_XML_ENCODING = re.compile(rb"<\?xml[^>]+encoding\s*=\s*[\"']([\w.:-]+)", re.I)

# GB2312 and GBK are strict subsets of GB18030; pages labelled with them often use characters only the larger
# sets have (镕, 喆, 堃), which a strict gb2312 decoder rejects.
_GB_FAMILY = {
    "gb2312",
    "gbk",
    "gb_2312-80",
    "gb_2312",
    "x-gbk",
    "gb18030",
    "cp936",
    "ms936",
    "euc-cn",
    "hz-gb-2312",
}
_ALIASES = {
    "utf8": "utf-8",
    "unicode": "utf-8",
    "x-sjis": "shift_jis",
    "big5-hkscs": "big5hkscs",
    "iso-8859-1": "cp1252",  # browsers treat latin-1 as windows-1252
    "latin1": "cp1252",
    "ascii": "cp1252",
    "us-ascii": "cp1252",
}
_SNIFF_BYTES = 4096


def normalize_charset(name: str | None) -> str | None:
    """Map a declared charset to the Python codec to use, or None when unknown."""
    if not name:
        return None
    name = name.strip().strip("\"'").lower()
    if name in _GB_FAMILY or name.startswith("gb2312"):
        return "gb18030"
    name = _ALIASES.get(name, name)
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def declared_charset(data: bytes, content_type: str | None = None) -> str | None:
    """The charset the HTTP header, else the page head, claims (normalised), without verifying it."""
    if content_type:
        m = _HEADER_CHARSET.search(content_type)
        if m and (cs := normalize_charset(m.group(1))):
            return cs
    head = data[:_SNIFF_BYTES]
    for rx in (_META_CHARSET, _XML_ENCODING):
        m = rx.search(head)
        if m and (cs := normalize_charset(m.group(1).decode("ascii", "ignore"))):
            return cs
    return None


def _strict(data: bytes, codec: str) -> str | None:
    try:
        return data.decode(codec)
    except (UnicodeDecodeError, LookupError):
        return None


def decode_html(data: bytes, content_type: str | None = None) -> str:
    """Decode page bytes; never raises.

    Order: BOM; strict utf-8; the declared charset (header, then meta, gb2312/gbk read as gb18030); strict gb18030;
    the least-damaged of those with replacement characters when the damage is slight; charset_normalizer; finally
    the least-damaged lossy decoding.
    """
    if not data:
        return ""
    for bom, codec in _BOMS:
        if data.startswith(bom):
            text = _strict(data[len(bom) :], codec)
            if text is not None:
                return text
            break
    declared = declared_charset(data, content_type)
    # utf-16/32 declarations inside an ASCII-compatible <meta> are always wrong
    if declared and declared.startswith(("utf-16", "utf-32")):
        declared = None
    # strict utf-8 first: non-ASCII text in any other charset almost never forms valid utf-8 by accident, so a
    # success is trustworthy even against a declaration, and it catches GBK pages mislabelled the other way round
    candidates = list(dict.fromkeys(c for c in ("utf-8", declared, "gb18030") if c))
    for codec in candidates:
        text = _strict(data, codec)
        if text is not None:
            return text
    # a few broken bytes in an otherwise consistent page: keep the candidate that loses least
    lossy = min(
        ((data.decode(c, errors="replace"), c) for c in candidates),
        key=lambda tc: tc[0].count("\ufffd"),
    )[0]
    if lossy.count("\ufffd") <= max(3, len(lossy) // 2000):
        return lossy
    try:
        from charset_normalizer import from_bytes

        best = from_bytes(data[:65536]).best()
        if best is not None and best.encoding:
            return data.decode(best.encoding, errors="replace")
    except Exception:  # noqa: BLE001 - a detector failure must not lose the page
        pass
    return lossy
