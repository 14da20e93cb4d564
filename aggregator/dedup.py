"""Recognising the same article on different portals. Plain functions and classes, no database.

A copy's text is normalised so that what reposting portals change without changing the article does not count:
full- vs half-width forms (NFKC), traditional vs simplified characters, case, punctuation and whitespace. The
normalised text is shingled into character 5-grams and summarised by two MinHash signatures (datasketch, xxhash):
one of the whole text, and one of its first ~200 characters, which finds copies truncated to their first part.
Signatures are cut into LSH bands whose keys the store indexes; candidates that share a band are then verified by
estimated Jaccard similarity, or by containment of the shorter text in the longer one (truncated copies, copies
with inserted ads), unless the numbers that fill the same slots of both texts differ (aggregator/specifics.py):
two days of a templated report share their words, not their specifics.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
import unicodedata
from dataclasses import dataclass

import numpy as np
import xxhash

from aggregator import minhash
from aggregator.discovery import canonical as canonical_url
from aggregator.specifics import Slots, conflicts, core, decisive, describe, slots

__all__ = [
    "Fingerprint",
    "Match",
    "canonical_url",
    "compare",
    "fingerprint",
    "is_traditional",
    "normalize_text",
    "to_simplified",
]

# bump when the normaliser, the shingles, the signatures or the grouping rule change: `aggregator rebuild`
# recomputes stored ones
SIGNATURE_VERSION = 3  # 2: stories matched against their representatives only; 3: conflicting specifics
NUM_PERM = 128
BANDS, ROWS = 32, 4  # full-text signature: a pair at Jaccard 0.5 shares a band with probability 0.87
HEAD_BANDS = 16  # head signature, first HEAD_BANDS * ROWS values: truncated copies share almost all of them
HEAD_CHARS = 200
SHINGLE = 5
MIN_SHINGLES = 8  # below this a text is too short to compare by signature; only the exact hash joins it
JACCARD_MIN = 0.5
CONTAINMENT_MIN = 0.8

_NON_WORD = re.compile(r"[\W_]+", re.UNICODE)
_HAN = re.compile("[\u4e00-\u9fff]")
# the full-width forms common in Chinese text, most frequent first, and the ASCII character each decomposes to
_NARROW = [(wide, unicodedata.normalize("NFKC", wide)) for wide in "，\u3000：（）；？！％"]


@functools.cache
def _t2s():
    import opencc

    return opencc.OpenCC("t2s")


def _nfkc(text: str) -> str:
    """unicodedata.normalize("NFKC", text), faster for Chinese text, where composing the whole text is slow."""
    if unicodedata.is_normalized("NFKC", text):
        return text
    # full-width punctuation and the ideographic space are what NFKC changes in most Chinese text; each decomposes
    # to one ASCII character, so replacing them first leaves NFKC's result as it is, and often nothing else to do
    for wide, narrow in _NARROW:
        if wide in text:
            text = text.replace(wide, narrow)
    return text if unicodedata.is_normalized("NFKC", text) else unicodedata.normalize("NFKC", text)


def prepare_text(text: str) -> str:
    """NFKC, traditional → simplified, lower case: what reposting portals change, undone; punctuation kept."""
    text = _nfkc(text)
    if _HAN.search(text, 0, 2000):
        text = _t2s().convert(text)
    return text.lower()


def normalize_text(text: str) -> str:
    return _NON_WORD.sub("", prepare_text(text))


def to_simplified(text: str) -> str:
    return _t2s().convert(text)


def is_traditional(text: str) -> bool:
    """Whether a text is written in traditional characters (OpenCC changes more than a few of them)."""
    sample = text[:400]
    han = sum("\u4e00" <= ch <= "\u9fff" for ch in sample)
    if han < 4:
        return False
    changed = sum(a != b for a, b in zip(sample, _t2s().convert(sample), strict=False))
    return changed >= max(2, han // 50)


def _hash(norm: str) -> str:
    return hashlib.sha1(norm.encode("utf-8")).hexdigest()[:20]


@functools.cache
def _permutations():
    from datasketch import MinHash  # imported when first needed: reading commands (show, export) never sign

    return MinHash(num_perm=NUM_PERM, seed=1, scheme="affine32").permutations


@functools.cache
def _affine32() -> tuple[np.ndarray, np.ndarray]:
    a, b = _permutations()
    return a.astype(np.uint32), b.astype(np.uint32)


@dataclass
class Fingerprint:
    body_hash: str
    size: int  # distinct shingles of the whole text
    full: np.ndarray | None  # uint32[NUM_PERM]; None for texts too short to sign
    head: np.ndarray | None
    slots: Slots | None = None  # the numbers in the text and their contexts (aggregator/specifics.py)

    def band_keys(self) -> list[int]:
        """LSH keys (signed 64-bit, as SQLite stores integers) of both signatures."""
        if self.full is None:
            return []
        keys = [_band_key(b, self.full[b * ROWS : (b + 1) * ROWS]) for b in range(BANDS)]
        keys += [_band_key(BANDS + b, self.head[b * ROWS : (b + 1) * ROWS]) for b in range(HEAD_BANDS)]
        return keys

    def to_blobs(self) -> tuple[bytes | None, bytes | None]:
        if self.full is None:
            return None, None
        return self.full.tobytes(), self.head.tobytes()

    def slots_json(self) -> str | None:
        return (
            None if self.slots is None else json.dumps(self.slots, ensure_ascii=False, separators=(",", ":"))
        )

    @classmethod
    def from_row(
        cls, body_hash: str, size: int, full: bytes | None, head: bytes | None, slots: str | None = None
    ) -> Fingerprint:
        as_array = (lambda b: np.frombuffer(b, dtype=np.uint32)) if full else (lambda b: None)
        return cls(body_hash, size, as_array(full), as_array(head), json.loads(slots) if slots else None)


def _band_key(band: int, values: np.ndarray) -> int:
    return xxhash.xxh64_intdigest(values.tobytes(), seed=band) - (1 << 63)


def fingerprint(text: str) -> Fingerprint | None:
    """What two copies of a story are compared by: hash, MinHash signatures and specifics of one body text.

    ``text``: the article body as extracted; full-width forms, traditional characters and case are normalised
    and all but letters and digits dropped first, so reposts differing only in those hash alike. None when
    nothing is left; a text too short to sign (fewer than MIN_SHINGLES shingles) gets the hash alone and matches
    only its copies.
    """
    prepared = prepare_text(text)
    norm = _NON_WORD.sub("", prepared)
    if not norm:
        return None
    if len(norm) <= SHINGLE:  # one shingle, the text itself
        return Fingerprint(_hash(norm), 1, None, None)
    hashes = minhash.shingle_hashes(norm, SHINGLE)
    size = minhash.distinct(norm, SHINGLE, hashes)
    if size < MIN_SHINGLES:
        return Fingerprint(_hash(norm), size, None, None)
    # the shingles of norm[:HEAD_CHARS] are the first HEAD_CHARS - SHINGLE + 1 of the whole text's
    full, head = minhash.signatures(hashes, HEAD_CHARS - SHINGLE + 1, *_affine32())
    return Fingerprint(_hash(norm), size, full, head, slots(core(prepared)))


@dataclass(frozen=True)
class Match:
    """How two copies compare: the evidence `aggregator explain` shows."""

    jaccard: float
    containment: float  # of the smaller text in the larger one
    same_body: bool
    differ: str | None = None  # the specifics that make similar texts different stories ("1日 vs 2日")

    @property
    def similar(self) -> bool:
        return self.same_body or self.jaccard >= JACCARD_MIN or self.containment >= CONTAINMENT_MIN

    @property
    def same_story(self) -> bool:
        return self.similar and not self.differ

    @property
    def kept_apart(self) -> bool:
        """Similar text, but different specifics: a templated report of another day, another follow-up."""
        return self.similar and bool(self.differ)

    def describe(self) -> str:
        if self.same_body:
            return "same text"
        text = f"jaccard {self.jaccard:.2f}, containment {self.containment:.2f}"
        return f"{text}; specifics differ: {self.differ}" if self.differ else text


def compare(a: Fingerprint, b: Fingerprint) -> Match:
    """How two fingerprinted texts compare: estimated Jaccard and containment, and the specifics that differ.

    ``a``, ``b``: fingerprints of two bodies (``fingerprint`` or ``Fingerprint.from_row``). Equal hashes are the same
    text; an unsigned (short) text is similar to nothing else. Similar texts whose specifics (dates, figures,
    places) decisively disagree come back with ``differ`` set: kept apart as different stories.
    """
    if a.body_hash == b.body_hash:
        return Match(1.0, 1.0, True)
    if a.full is None or b.full is None:
        return Match(0.0, 0.0, False)
    j = float(np.mean(a.full == b.full))
    # |A∩B| = J(|A|+|B|)/(1+J), so the containment of the smaller set follows from J and the two sizes
    inter = j * (a.size + b.size) / (1 + j)
    match = Match(round(j, 3), round(min(1.0, inter / min(a.size, b.size)), 3), False)
    if match.similar and a.slots and b.slots:
        agree, found = conflicts(a.slots, b.slots)
        if decisive(agree, found):
            return Match(match.jaccard, match.containment, False, describe(found))
    return match
