"""Conflicting specifics: the evidence that two similar texts are different stories.

Portals publish templated text every day (股市收盘, 油价, 天气, 汇率, 彩票开奖, follow-ups that repeat their
background paragraph): two days share most of their words, so shingle similarity says "same article". What they
do not share are the specifics that fill the template's slots: the date, the index value, the draw number. A
repost keeps every number of the text it copies (however it is truncated, re-punctuated or converted to another
script), so a slot that both texts have, filled with different numbers, says they are different stories.

A slot is a number's context in the text prepared as for `aggregator.dedup.normalize_text`: the ``CONTEXT``
word characters before it, or the ``CONTEXT`` after it, with other numbers masked. Numbers too near either
end of a text are left out: a truncated copy may end in the middle of one ("13～19" cut to "13"). So are short
lines at either end (`core`): a dateline, a "转载自第3号网站" footer or a hit counter belongs to the copy, not
to the article, and every portal fills it in its own way.
"""

from __future__ import annotations

import re

CONTEXT = 4
# a slot followed by one of these holds a date, an issue or a draw number: one such difference is decisive
_DATE_UNITS = ("年", "月", "日", "号", "期", "时")
# other slots: a difference is decisive when there are at least this many, or they are this share of the slots
# both texts fill (one corrected figure in a long report is not another story)
MIN_CONFLICTS = 2
MIN_SHARE = 0.1

_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_NON_WORD = re.compile(r"[\W_]+")
SHORT_LINE = 40  # characters: a line this short at either end of a text is a dateline or a footer
EDGE_LINES = 2  # at most this many at each end


def core(text: str) -> str:
    """The text without the short lines at its start and end (datelines, footers)."""
    lines = [line for line in text.splitlines() if line.strip()]
    start, end = 0, len(lines)
    while start < min(EDGE_LINES, end) and len(lines[start].strip()) < SHORT_LINE:
        start += 1
    while end > max(start, len(lines) - EDGE_LINES) and len(lines[end - 1].strip()) < SHORT_LINE:
        end -= 1
    return "\n".join(lines[start:end])


Slots = dict[str, list[str]]


def slots(text: str) -> Slots:
    """Each slot of a text ('<' + context before, or '>' + context after) and its numbers.

    ``text`` is prepared as for `aggregator.dedup.normalize_text` (NFKC, simplified characters, lower case)
    but keeps its punctuation: a number ends where the text's punctuation says ("增长14.3%。3月" holds 14.3
    and 3, not 143), so a repost that adds a paragraph between two numbers does not change either of them.
    The contexts are then read over the word characters only, other numbers masked as '#'.
    """
    pieces, numbers, at, pos = [], [], 0, 0
    for m in _NUMBER.finditer(text):
        words = _NON_WORD.sub("", text[pos : m.start()])
        pieces.append(words)
        at += len(words)
        numbers.append((at, m.group()))
        pieces.append("#")
        at += 1
        pos = m.end()
    pieces.append(_NON_WORD.sub("", text[pos:]))
    masked = "".join(pieces)
    out: dict[str, set[str]] = {}
    for i, number in numbers:
        if i < CONTEXT or i + 1 + CONTEXT > len(masked):
            continue
        out.setdefault("<" + masked[i - CONTEXT : i], set()).add(number)
        out.setdefault(">" + masked[i + 1 : i + 1 + CONTEXT], set()).add(number)
    return {k: sorted(v) for k, v in out.items()}


def conflicts(a: Slots, b: Slots) -> tuple[int, list[tuple[str, list[str], list[str]]]]:
    """(slots both fill alike, slots both fill with different numbers: (slot, a's numbers, b's numbers))."""
    if len(a) > len(b):
        agree, found = conflicts(b, a)
        return agree, [(k, vb, va) for k, va, vb in found]
    agree, found = 0, []
    for key, va in a.items():
        vb = b.get(key)
        if vb is None:
            continue
        if set(va) & set(vb):
            agree += 1
        else:
            found.append((key, va, vb))
    return agree, found


def decisive(agree: int, found: list[tuple[str, list[str], list[str]]]) -> bool:
    """Whether the differing specifics make two texts different stories."""
    if any(key[0] == ">" and key[1] in _DATE_UNITS for key, _, _ in found):
        return True
    # a number fills two slots (its context before and after): count the numbers that differ
    differing = len({n for _, va, _ in found for n in va})
    return differing >= MIN_CONFLICTS or (differing > 0 and len(found) >= MIN_SHARE * (agree + len(found)))


def describe(found: list[tuple[str, list[str], list[str]]], limit: int = 2) -> str:
    """'30日 vs 27日' for `aggregator explain`: the first differing specifics, with their context."""
    parts: list[str] = []
    # a date shows best by its unit ("1日 vs 2日"): slots after a number first
    for key, va, vb in sorted(found, key=lambda f: f[0][0] != ">"):
        a, b = "/".join(va), "/".join(vb)
        part = f"{a}{key[1]} vs {b}{key[1]}" if key[0] == ">" else f"{key[-1]}{a} vs {key[-1]}{b}"
        if part not in parts:
            parts.append(part)
    return ", ".join(parts[:limit])
