"""Recognising the same article: URL identity and body fingerprints. Plain functions, no database.

The normalised text ignores what reposting portals change without changing the article: full- vs half-width
forms (NFKC), traditional vs simplified characters, case, punctuation and whitespace.
"""

from __future__ import annotations

import functools
import hashlib
import re
import unicodedata

from aggregator.discovery import canonical as canonical_url

__all__ = ["body_hash", "canonical_url", "normalize_text"]

_NON_WORD = re.compile(r"[\W_]+", re.UNICODE)


@functools.cache
def _t2s():
    import opencc

    return opencc.OpenCC("t2s")


def normalize_text(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    if any("\u4e00" <= ch <= "\u9fff" for ch in text[:2000]):
        text = _t2s().convert(text)
    return _NON_WORD.sub("", text.lower())


def body_hash(text: str) -> str | None:
    """A fingerprint equal for copies that differ only in form; None for an empty body."""
    norm = normalize_text(text)
    if not norm:
        return None
    return hashlib.sha1(norm.encode("utf-8")).hexdigest()[:20]


def is_original(source: str | None, site_name: str | None, publisher: str | None) -> bool:
    """Whether a copy is hosted by the publisher that wrote it.

    ``publisher`` is what the sources file says about the crawled site; without it, the page's own site name
    must name the claimed source (e.g. site "长江日报-长江网" and 来源 "长江日报").
    """
    if publisher:
        return source is None or source == publisher or source in publisher or publisher in source
    if source and site_name:
        return source in site_name or site_name in source
    return False
