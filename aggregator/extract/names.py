"""Person names in bylines: which tokens of a 记者/通讯员/编辑 value are people.

How much evidence a token needs depends on what vouches for it:

- after a colon label ("记者：", "通讯员:", "责任编辑：", "文/"), every 2–4 character Chinese token separated by spaces,
  、 or commas is a name unless it is a known non-name word ("本报", "报道", "摄影", "综合"); a token that is page
  text ("返回搜狐") ends the list;
- after a label without a colon ("记者 王芳 李强", "（记者 王芳）"), the first token is the name the label points at,
  and the ones after it must start with a common surname, since a sentence may follow ("记者 王芳 今天 来到");
- with no label at all (a bare "（常书香 马丹阳）", a name line under the headline, <meta name=author>), every token
  must start with a common surname.
"""

from __future__ import annotations

import re

from aggregator.extract.vocabulary import CJK, HAN, alternation
from aggregator.extract.vocabulary_names import (
    BYLINE_NOISE_WORDS,
    CHROME_STARTS,
    CHROME_WORDS,
    COMPOUND_SURNAMES,
    NOT_NAMES,
    OPENCC_COMPOUND_SURNAMES,
    OPENCC_SINGLE_SURNAMES,
    ORG_SUFFIXES,
    REPORTED_FROM,
    ROLE_WORDS_IN_NAMES,
    SINGLE_SURNAMES,
    TRADITIONAL_SURNAMES,
    WORDLIKE_SURNAMES,
)

__all__ = [
    "COMPOUND_SURNAMES",
    "SURNAMES",
    "bare_names",
    "is_likely_name",
    "latin_names",
    "person_name",
    "split_names",
]

# the vocabulary's surnames and their traditional forms, less those that start everyday words more often than names
SURNAMES = set(SINGLE_SURNAMES) | set(TRADITIONAL_SURNAMES) | set(OPENCC_SINGLE_SURNAMES)
SURNAMES -= set(WORDLIKE_SURNAMES)
_COMPOUND = tuple(sorted({*COMPOUND_SURNAMES, *OPENCC_COMPOUND_SURNAMES}))

# a token that opens with these is page text after the byline ("返回搜狐", "查看更多"): the names end there
_CHROME_START = re.compile(f"^(?:{alternation(CHROME_STARTS)})")

CJK_NAME = re.compile(rf"^[{HAN}]{{2,4}}$|^[{HAN}]{{1,6}}[·•][{HAN}]{{1,8}}$")
# any alphabet (accents, Cyrillic, Greek): capitalised words, with the usual lower-case particles
LATIN_NAME = re.compile(
    r"^(?=[^\W\d_])[^\W\d_][\w'’.-]*(?: (?:[^\W\d_][\w'’.-]*|van|von|de|der|den|da|di|del|la|le|du|bin|al|y))*$"
)
CJK_CHAR = re.compile(f"[{CJK}]")
_HAN_WORD = re.compile(f"[{HAN}]{{2,4}}")
BYLINE_NOISE = re.compile(f"\\s+(?:{alternation(BYLINE_NOISE_WORDS)})" r"\b.*$|\s*\([^)]{1,12}\)\s*$", re.I)
_NAME_SPLIT = re.compile(
    rf"[\s\u3000、，,；;／/|｜]+|(?<=[{HAN}])[和及](?=[{HAN}])|\band\b|&|\d[\d\-:/.年月日时分]*"
)
# two-character names are padded to the width of three-character ones: "赵  培"
_PADDED = re.compile(rf"(?<![{HAN}])([{HAN}])[ \u3000\xa0]{{1,3}}([{HAN}])(?![{HAN}])")
ORGISH = re.compile(f"{alternation(ROLE_WORDS_IN_NAMES)}|(?:{alternation(ORG_SUFFIXES)})$")
_PLACE_REPORT = re.compile(f"(?:{alternation(REPORTED_FROM)})$")
_NAME_TRAIL = re.compile(r"(报道|报导|摄影?|供图|整理|编译|发自\S*|综合报道)$")
_VOUCHED = re.compile(r"^\s*[:：/／]")


def split_names(value: str, strict: bool = False, vouched: bool | None = None) -> list[str]:
    """Names in a byline value: split on spaces, 、, commas, 和; anything that does not look like a name dropped.

    vouched: a colon label precedes the value (default: the value itself starts with ":", "：" or "/"); every
    2–4 character Chinese token then counts unless it is a known non-name word. Otherwise a label without a colon
    vouches for the first name only, and strict (no label at all) means every Chinese name needs a common surname.
    """
    value = value or ""
    if vouched is None:
        vouched = bool(_VOUCHED.match(value))
    value = value.lstrip(" :：/／|｜")
    value = re.split(r"[:：]", value, maxsplit=1)[0]  # a second colon opens an unlabelled field ("单位：…")
    value = _PADDED.sub(lambda m: m.group(1) + m.group(2) if m.group(1) in SURNAMES else m.group(0), value)
    names: list[str] = []
    has_cjk = bool(CJK_CHAR.search(value))
    for part in _NAME_SPLIT.split(value):
        part = part.strip(" .。()（）[]【】<>\"'“”")
        if not part or _PLACE_REPORT.search(part):  # "山东冠县报道" is where, not who
            continue
        if vouched and _CHROME_START.match(part):
            break
        part = _NAME_TRAIL.sub("", part) if len(part) > 4 else part
        if part in NOT_NAMES or ORGISH.search(part) or part in names:
            continue
        if part in CHROME_WORDS:
            if vouched and names:
                break
            continue
        if CJK_NAME.match(part):
            if vouched or (not strict and not names) or is_likely_name(part) or "·" in part:
                names.append(part)
            elif names:  # after the first name, a token without a common surname is usually page text
                break
        # editor codes next to Chinese names ("支全明 SF", "黄忆南 PN043") are not names
        elif (
            LATIN_NAME.match(part)
            and len(part) <= 40
            and not CJK_CHAR.search(part)
            and not (has_cjk and len(part) <= 3 and part.isupper())
        ):
            names.append(part)
    return names


def is_likely_name(token: str) -> bool:
    """A 2–4 character Chinese name starting with a common surname (for names no label vouches for)."""
    if not _HAN_WORD.fullmatch(token) or token in CHROME_WORDS or token in NOT_NAMES:
        return False
    if token.startswith(_COMPOUND):
        return len(token) >= 3
    return token[0] in SURNAMES and len(token) <= 3


def bare_names(text: str) -> list[str]:
    """Names in a run with no label: every space/、-separated token must look like a person's name."""
    tokens = [t for t in re.split(r"[\s\u3000、]+", text.strip()) if t]
    return tokens if tokens and len(tokens) <= 5 and all(is_likely_name(t) for t in tokens) else []


def latin_names(value: str) -> list[str]:
    """Latin bylines keep their internal spaces ("Jane Doe, John Roe and Ann Poe")."""
    if re.search(r"[\u3040-\u9fff]", value):
        return []
    parts = re.split(r"\s*(?:,|;|\band\b|\bund\b|\bet\b|\bog\b|\by\b|&|\|)\s*", value)
    out = []
    for p in parts:
        p = BYLINE_NOISE.sub("", p.strip()).strip()
        if (
            p
            and LATIN_NAME.match(p)
            and len(p) <= 40
            and p.lower() not in ("by", "von", "par", "por")
            and p not in out
        ):
            out.append(p)
    return out


def person_name(author) -> str | None:
    """One JSON-LD author object as a display name: name, or givenName + familyName."""
    if isinstance(author, str):
        return author.strip() or None
    if not isinstance(author, dict):
        return None
    name = author.get("name")
    if not isinstance(name, str) or not name.strip():
        name = " ".join(str(author.get(k) or "") for k in ("givenName", "familyName")).strip()
    return name.strip() or None
