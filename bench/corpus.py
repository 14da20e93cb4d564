"""Load the third-party evaluation corpus and score extracted bodies against its ground truth.

The corpus lives outside the project (``../shared/corpus`` from the repo root, or ``$AGGREGATOR_CORPUS``) and is
never copied in; every loader here returns plain records so benches and tests can share one metric.
"""

from __future__ import annotations

import gzip
import json
import os
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

SETS = ("zh-wce", "magic-html", "zyte-aeb", "fundus")

REPO_ROOT = Path(__file__).resolve().parent.parent


def corpus_root() -> Path:
    env = os.environ.get("AGGREGATOR_CORPUS")
    return Path(env) if env else (REPO_ROOT.parent / "shared" / "corpus").resolve()


def corpus_available(name: str | None = None) -> bool:
    root = corpus_root()
    if name is None:
        return root.is_dir()
    return (root / name / "ground-truth.json").is_file()


@dataclass
class Page:
    set: str
    id: str
    html: str
    truth: str
    url: str | None = None

    @property
    def is_cjk(self) -> bool:
        return is_cjk_text(self.truth)


# --- decoding -------------------------------------------------------------------------------------------------

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([\w.:-]+)""", re.I)
_XML_ENCODING = re.compile(rb"""<\?xml[^>]+encoding\s*=\s*["']([\w.:-]+)""", re.I)
# GB2312/GBK pages routinely contain characters outside their declared charset; gb18030 is the superset.
_ALIASES = {
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "gb_2312-80": "gb18030",
    "cp936": "gb18030",
}
_BOMS = ((b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be"))


def _normalise_charset(name: str) -> str | None:
    name = name.strip().lower()
    name = _ALIASES.get(name, name)
    try:
        import codecs

        return codecs.lookup(name).name
    except LookupError:
        return None


def decode_page(data: bytes) -> str:
    """Bytes to text: BOM, utf-8 strict, the declared charset, gb18030, charset_normalizer, utf-8 lossy."""
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    for bom, enc in _BOMS:
        if data.startswith(bom):
            return data[len(bom) :].decode(enc, errors="replace")
    # Bytes that are valid UTF-8 (beyond ASCII) are UTF-8 whatever the page declares: GBK text almost never
    # validates as UTF-8, while saved pages (magic-html) were re-encoded to UTF-8 and kept their old gb2312 meta.
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    head = data[:4096]
    m = _META_CHARSET.search(head) or _XML_ENCODING.search(head)
    if m:
        enc = _normalise_charset(m.group(1).decode("ascii", "ignore"))
        if enc:
            try:
                return data.decode(enc)
            except UnicodeDecodeError:
                # a declared charset with a few broken bytes is still the best guess for the rest
                if enc != "utf-8" or _mostly_decodes(data, enc):
                    return data.decode(enc, errors="replace")
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError:
        pass
    # old GBK pages with a handful of broken bytes: charset_normalizer tends to call them a Cyrillic code page
    if _mostly_decodes(data, "gb18030"):
        return data.decode("gb18030", errors="replace")
    try:
        from charset_normalizer import from_bytes

        best = from_bytes(data).best()
        if best is not None:
            return str(best)
    except ImportError:
        pass
    return data.decode("utf-8", errors="replace")


def _mostly_decodes(data: bytes, enc: str) -> bool:
    text = data.decode(enc, errors="replace")
    return text.count("\ufffd") < max(10, len(text) // 1000)


# --- ground truth -------------------------------------------------------------------------------------------------


def _truth_text(record: dict) -> str:
    body = record.get("articleBody", record.get("content", record.get("body", "")))
    # Fundus: {"summary": [...], "sections": [{"headline": [...], "paragraphs": [...]}]}
    if isinstance(body, dict):
        parts = list(body.get("summary") or [])
        for section in body.get("sections") or []:
            parts += list(section.get("headline") or [])
            parts += list(section.get("paragraphs") or [])
        return "\n".join(parts)
    if isinstance(body, list):
        return "\n".join(body)
    return body or ""


def _page_path(folder: Path, page_id: str) -> Path | None:
    for name in (f"{page_id}.html", f"{page_id}.html.gz", f"{page_id}.htm"):
        p = folder / "html" / name
        if p.is_file():
            return p
    return None


def load_set(
    name: str, *, zh_only: bool = False, en_only: bool = False, limit: int | None = None
) -> list[Page]:
    """Pages of one corpus set, sorted by id; ``zh_only`` keeps pages whose ground truth is >30% Han, ``en_only``
    those whose ground truth is English running text."""
    folder = corpus_root() / name
    raw = json.loads((folder / "ground-truth.json").read_text(encoding="utf-8"))
    if isinstance(raw, list):
        raw = {r.get("id") or Path(r["html_file"]).name.split(".")[0]: r for r in raw}
    pages: list[Page] = []
    for page_id in sorted(raw):
        record = raw[page_id]
        truth = _truth_text(record)
        if zh_only and not is_chinese_text(truth):
            continue
        if en_only and not is_english_text(truth):
            continue
        path = _page_path(folder, page_id)
        if path is None:
            continue
        pages.append(Page(name, page_id, decode_page(path.read_bytes()), truth, record.get("url")))
        if limit and len(pages) >= limit:
            break
    return pages


# --- the body metric (see the corpus README) ----------------------------------------------------------------------

_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ffff]")
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ffff]")
_WS = re.compile(r"\s+")
_WORD = re.compile(r"\w+")


def is_cjk_text(text: str) -> bool:
    """More than 30% CJK characters (Han and kana) among the non-whitespace characters: bigram units."""
    text = _WS.sub("", unicodedata.normalize("NFKC", text))
    return bool(text) and len(_CJK.findall(text)) > 0.3 * len(text)


def is_chinese_text(text: str) -> bool:
    """More than 30% Han characters in the NFKC text: the "Chinese pages" of a mixed set (29 of magic-html).

    Japanese pages count only by their kanji; whitespace counts in the length, as in the brief's page count.
    """
    text = unicodedata.normalize("NFKC", text).strip()
    return bool(text) and len(_HAN.findall(text)) > 0.3 * len(text)


# The commonest English function words: in English running text they are 18-40% of the tokens (lists and captions
# at the low end), in Danish, German or Spanish text under 10% (shared spellings such as "in", "a", "to").
_EN_WORDS = frozenset(
    {
        "the", "of", "and", "to", "a", "in", "is", "that", "for", "it", "was", "on", "with", "as", "by", "at",
        "from", "be", "are", "this", "have", "has", "an", "not", "but", "or", "his", "her", "they", "which", "were",
        "been", "its", "their", "said", "will", "would", "who",
    }
)  # fmt: skip


def is_english_text(text: str) -> bool:
    """English running text: at least 12% of the lowercased word tokens are common English function words."""
    words = _WORD.findall(unicodedata.normalize("NFKC", text).lower())
    return len(words) >= 20 and sum(w in _EN_WORDS for w in words) >= 0.12 * len(words)


def units(text: str, cjk: bool) -> Counter:
    text = unicodedata.normalize("NFKC", text)
    if cjk:
        text = _WS.sub("", text)
        return Counter(text[i : i + 2] for i in range(len(text) - 1))
    return Counter(_WORD.findall(text.lower()))


def precision_recall(extracted: str, truth: str) -> tuple[float, float]:
    """Multiset overlap of units; the unit type follows the ground truth's script.

    An empty extraction scores precision 0 (not 1) so that returning nothing is never rewarded.
    """
    cjk = is_cjk_text(truth)
    got, want = units(extracted or "", cjk), units(truth, cjk)
    common = sum((got & want).values())
    n_got, n_want = sum(got.values()), sum(want.values())
    if not n_want:
        return (1.0, 1.0) if not n_got else (0.0, 1.0)
    precision = common / n_got if n_got else 0.0
    return precision, common / n_want


def summarise(scores: list[tuple[float, float]]) -> tuple[float, float, float]:
    """Mean precision, mean recall, and F1 of those two means."""
    if not scores:
        return 0.0, 0.0, 0.0
    p = sum(s[0] for s in scores) / len(scores)
    r = sum(s[1] for s in scores) / len(scores)
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)
