import random
import unicodedata

import numpy as np
import xxhash
from datasketch import MinHash

from aggregator.dedup import (
    _NARROW,
    HEAD_CHARS,
    MIN_SHINGLES,
    NUM_PERM,
    SHINGLE,
    _permutations,
    canonical_url,
    fingerprint,
    normalize_text,
    prepare_text,
    to_simplified,
)
from bench.crawl.portal import generate

ORIGINAL = "科技创新是引领高质量发展的第一动力。近年来，大冶坚持全区域、多层次推进科技创新，“全国科技创新百强县市”第50位。"


def test_forms_that_reposts_change_do_not_change_the_fingerprint():
    variants = [
        ORIGINAL.replace("，", ",").replace("。", ".").replace("“", '"').replace("”", '"'),  # half-width
        "科技創新是引領高質量發展的第一動力。近年來，大冶堅持全區域、多層次推進科技創新，“全國科技創新百強縣市”第50位。",
        ORIGINAL.replace("。", "。\n\n  "),  # other paragraph breaks and whitespace
        ORIGINAL.replace("50", "５０"),  # full-width digits
    ]
    for text in variants:
        assert fingerprint(text).body_hash == fingerprint(ORIGINAL).body_hash, text


def test_different_text_differs_and_empty_has_no_fingerprint():
    assert fingerprint(ORIGINAL).body_hash != fingerprint(ORIGINAL.replace("大冶", "黄石")).body_hash
    assert fingerprint(" \n，。") is None


def test_normalize_keeps_latin_words_lowercased():
    assert normalize_text("Hello, World! 2023") == "helloworld2023"


def test_canonical_url_ignores_fragment_and_query_order():
    assert canonical_url("http://A.test/x.html?b=2&a=1#top") == canonical_url("http://a.test/x.html?a=1&b=2")


# two shingles with the same xxh32 hash (found by search): distinct shingles, one hash
COLLIDING = ("慔闿剤茛捠", "吵肃棝蔰尜")


def _reference(text: str):
    """The fingerprint's size and signatures as datasketch computes them from the shingle sets."""

    def sign(norm: str) -> np.ndarray:
        m = MinHash(
            num_perm=NUM_PERM,
            hashfunc=xxhash.xxh32_intdigest,
            permutations=_permutations(),
            scheme="affine32",
        )
        m.update_batch(
            [s.encode("utf-8") for s in {norm[i : i + SHINGLE] for i in range(len(norm) - SHINGLE + 1)}]
        )
        return m.hashvalues.astype(np.uint32)

    norm = normalize_text(text)
    size = len({norm[i : i + SHINGLE] for i in range(max(1, len(norm) - SHINGLE + 1))})
    return size, sign(norm), sign(norm[:HEAD_CHARS])


def _texts() -> list[str]:
    rng = random.Random(5)
    # every UTF-8 length (1-4 bytes) and mixes of them, so shingles of every byte length up to 20 occur
    pools = ["abcxyz019", "éßñжπ", "中文字漢體", "𠀀😀𝄞"]
    mixed = [
        "".join(rng.choice(pools[rng.choice(kinds)]) for _ in range(rng.randint(6, 400)))
        for kinds in [(0,), (1,), (2,), (0, 2), (0, 1, 2), (0, 1, 2, 3), (2, 3)] * 15
    ]
    crawl = ["\n".join(a.paragraphs) for a in generate(pages=40)]
    return [
        *crawl,
        *mixed,
        ORIGINAL,
        ORIGINAL * 3,  # repeated shingles
        ORIGINAL * 5 + "，".join(str(n) for n in range(HEAD_CHARS)),  # head ends in the middle of the text
        "The Quick Brown Fox jumps over the lazy dog, again and again. " * 8,
        "abcdefghijkl",  # exactly MIN_SHINGLES shingles
        "abcdefghijk",  # one fewer
        "abababababababababab",  # many shingles, two distinct
        COLLIDING[0] + COLLIDING[1] + COLLIDING[0],  # two shingles with one hash, one of them repeated
        "今天天气很好今天天气很好",
        "短文",
        ORIGINAL[:30],
        ORIGINAL * 10 + "English tail 2024 年",
    ]


def test_signatures_equal_datasketchs():
    compared = 0
    for text in _texts():
        fp = fingerprint(text)
        size, full, head = _reference(text)
        assert fp.size == size, text
        if fp.full is None:
            assert size < MIN_SHINGLES, text
            continue
        assert fp.full.dtype == fp.head.dtype == full.dtype
        assert (fp.full == full).all() and (fp.head == head).all(), text
        compared += 1
    assert compared > 100
    assert len({xxhash.xxh32_intdigest(s.encode()) for s in COLLIDING}) == 1


def test_prepare_text_normalises_as_nfkc():
    assert all(len(narrow) == 1 and narrow.isascii() for _, narrow in _NARROW)
    samples = [
        *_texts(),
        "ＡＢＣ１２３，。　Ｅ\u0301ｅ\u0308 ﬁ ①②… ㎡℃ 全角文字（測試）",  # full-width letters with combining marks
        "Ｅ\u0301",
        "（\u0301）\u0308，\u0301 中文",  # combining marks after the replaced forms
        "Café\u0301 naïve",
    ]
    for text in samples:
        nfkc = unicodedata.normalize("NFKC", text)
        han = any("\u4e00" <= ch <= "\u9fff" for ch in nfkc[:2000])
        assert prepare_text(text) == (to_simplified(nfkc) if han else nfkc).lower(), text
