"""Text from crawled pages is untrusted: control and bidi characters are removed where it enters (extraction and
exports) and escaped where it leaves for a terminal (the CLI).

A terminal obeys C0/C1 control sequences (ESC ] 0 ; … BEL sets the window title, ESC [ 2 J clears the screen,
the 8-bit CSI \\x9b does the same on some terminals), and bidi controls reorder what a reader sees, so a title can
show text other than what it contains (the "Trojan Source" trick).
"""

from __future__ import annotations

import json
import re

# C0 controls but \t and \n, DEL, C1 controls
CONTROLS = "\x00-\x08\x0b-\x1f\x7f-\x9f"
# Arabic letter mark, LRM/RLM, embeddings and overrides (LRE…RLO), isolates (LRI…PDI)
BIDI = "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"

_UNSAFE_TEXT = re.compile(f"[{CONTROLS}{BIDI}]")
_UNSAFE_LINE = re.compile(f"[\t\n{CONTROLS}{BIDI}]")
_TERMINAL_LINE = re.compile(f"[\n{CONTROLS}{BIDI}]")  # a tab is harmless on a terminal
_LINE_BREAKS = re.compile("\r\n?|[\x0b\x0c\x1c-\x1e\x85]")
_SPACES = re.compile(" {2,}")
# inside a JSON string these may be written as \uXXXX; json.dumps(ensure_ascii=False) leaves them raw
_JSON_UNSAFE = re.compile(f"[\x7f-\x9f{BIDI}\u2028\u2029]")
# binary noise decoded as text: controls other than whitespace, replacement and private-use characters
_JUNK = re.compile("[\x00-\x08\x0e-\x1b\x7f-\x84\x86-\x9f\ufffd\ue000-\uf8ff]")


def clean_line(text: str | None) -> str | None:
    """A one-line field (title, name, source) without control or bidi characters; line breaks become spaces."""
    if not text or not _UNSAFE_LINE.search(text):
        return text
    text = _UNSAFE_TEXT.sub("", _LINE_BREAKS.sub(" ", text).replace("\n", " ").replace("\t", " "))
    return _SPACES.sub(" ", text).strip()


def clean_text(text: str | None) -> str | None:
    """Running text without control or bidi characters; its lines (paragraphs) and tabs are kept."""
    if not text or not _UNSAFE_TEXT.search(text):
        return text
    lines = _LINE_BREAKS.sub("\n", text).split("\n")
    cleaned = [_SPACES.sub(" ", _UNSAFE_TEXT.sub("", line)).strip() for line in lines]
    # a line that held nothing but controls is gone, not left as an empty paragraph
    return "\n".join(c for c, line in zip(cleaned, lines, strict=True) if c or not line.strip())


def clean_value(value, multiline: frozenset[str] = frozenset({"body"}), key: str | None = None):
    """``value`` with every string in it cleaned: ``clean_text`` under the keys in ``multiline``, else
    ``clean_line``."""
    if isinstance(value, str):
        return clean_text(value) if key in multiline else clean_line(value)
    if isinstance(value, dict):
        return {k: clean_value(v, multiline, k) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [clean_value(v, multiline, key) for v in value]
    return value


def strip_unsafe(text: str) -> str:
    """A whole page (markup included) without control or bidi characters; line breaks of any kind become \\n."""
    if not _UNSAFE_TEXT.search(text):
        return text
    return _UNSAFE_TEXT.sub("", _LINE_BREAKS.sub("\n", text))


def junk_share(text: str) -> float:
    """The share of characters that are controls (not whitespace), replacement or private-use characters: 0 on
    the demo pages, about 0.3 for random bytes whatever the codec that decoded them."""
    return len(_JUNK.findall(text)) / len(text) if text else 0.0


_NAMED = {"\n": "\\n", "\r": "\\r"}


def _escape(m: re.Match) -> str:
    if m.group() in _NAMED:
        return _NAMED[m.group()]
    code = ord(m.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def for_terminal(text, *, multiline: bool = False) -> str:
    """``text`` (anything: None and numbers print as str() does) safe to print: control and bidi characters
    shown as \\x1b or \\u202e escapes, so a reader sees that they were there; with ``multiline``, line breaks and
    tabs are kept."""
    text = text if isinstance(text, str) else str(text)
    return (_UNSAFE_TEXT if multiline else _TERMINAL_LINE).sub(_escape, text)


def terminal_value(value, multiline: frozenset[str] = frozenset({"body"}), key: str | None = None):
    """``value`` with every string in it passed through ``for_terminal``, for printing field by field."""
    if isinstance(value, str):
        return for_terminal(value, multiline=key in multiline)
    if isinstance(value, dict):
        return {k: terminal_value(v, multiline, k) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [terminal_value(v, multiline, key) for v in value]
    return value


def json_for_terminal(obj, **kwargs) -> str:
    """``json.dumps(obj, ensure_ascii=False)``, with the characters it leaves raw that a terminal would obey or
    that reorder the text (C1, bidi, line separators) written as \\uXXXX: the same JSON value, safe to print."""
    text = json.dumps(obj, ensure_ascii=False, **kwargs)
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
