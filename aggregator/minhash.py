"""MinHash signatures of a text's character shingles, computed for the whole array of shingles at once.

`aggregator.dedup` signs a text as datasketch would: each shingle's UTF-8 bytes hashed with xxh32, then the
MurmurHash3 finalizer and the affine permutations ``a * h + b mod 2^32`` of datasketch's "affine32" scheme, and
the minimum per permutation. Called per shingle from Python, the hashing and datasketch's per-call set-up cost
as much as extracting the article did; here xxh32 runs in numpy over every shingle of the text together, and
one permuted matrix gives both the whole text's and the head's minimum. tests/test_dedup.py checks the result
against datasketch and xxhash themselves.
"""

from __future__ import annotations

import numpy as np
import xxhash

_P1, _P2, _P3, _P4, _P5 = (np.uint32(p) for p in (2654435761, 2246822519, 3266489917, 668265263, 374761393))
_MAX = np.uint32(0xFFFFFFFF)
# xxh32 takes another path for inputs of 16 bytes or more (a shingle with a character outside the BMP): those
# texts are hashed by xxhash itself
_SHORT = 16


def _rotl(h: np.ndarray, r: int) -> np.ndarray:
    return (h << np.uint32(r)) | (h >> np.uint32(32 - r))


def _xxh32(data: bytes, starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """xxh32 (seed 0) of ``data[start : start + length]`` for each start and length, every length < 16."""
    b = np.frombuffer(data + bytes(_SHORT), dtype=np.uint8).astype(np.uint32)
    words = b[:-3] | (b[1:-2] << np.uint32(8)) | (b[2:-1] << np.uint32(16)) | (b[3:] << np.uint32(24))
    h = _P5 + lengths.astype(np.uint32)
    for j in range(_SHORT // 4 - 1):
        take = lengths >= 4 * (j + 1)
        if take.any():
            h = np.where(take, _rotl(h + words[starts + 4 * j] * _P3, 17) * _P4, h)
    tail = starts + (lengths & ~3)
    for j in range(3):
        take = (lengths & 3) > j
        if take.any():
            h = np.where(take, _rotl(h + b[tail + j] * _P5, 11) * _P1, h)
    h ^= h >> np.uint32(15)
    h *= _P2
    h ^= h >> np.uint32(13)
    h *= _P3
    h ^= h >> np.uint32(16)
    return h


def shingle_hashes(text: str, size: int) -> np.ndarray:
    """xxh32 of the UTF-8 bytes of every ``size``-character shingle of ``text`` (len(text) >= size), in order."""
    data = text.encode("utf-8")
    if len(data) == len(text):  # ASCII: a character is a byte
        starts = np.arange(len(text) - size + 1)
        return _xxh32(data, starts, np.full(len(starts), size))
    codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
    ends = np.cumsum(1 + (codes >= 0x80) + (codes >= 0x800) + (codes >= 0x10000))
    offsets = np.concatenate(([0], ends))
    starts, lengths = offsets[:-size], offsets[size:] - offsets[:-size]
    if lengths.max() >= _SHORT:
        shingles = (data[s : s + n] for s, n in zip(starts.tolist(), lengths.tolist(), strict=True))
        return np.fromiter(map(xxhash.xxh32_intdigest, shingles), np.uint32, len(starts))
    return _xxh32(data, starts, lengths)


def distinct(text: str, size: int, hashes: np.ndarray) -> int:
    """How many distinct ``size``-character shingles ``text`` has, given their ``hashes`` (`shingle_hashes`).

    Shingles with different hashes differ; only those whose hash occurs more than once are compared as strings.
    """
    order = np.argsort(hashes)
    same = hashes[order[1:]] == hashes[order[:-1]]
    if not same.any():
        return len(hashes)
    shared = np.zeros(len(hashes), dtype=bool)
    shared[1:] = same
    shared[:-1] |= same
    rows = order[shared].tolist()
    return len(hashes) - len(rows) + len({text[i : i + size] for i in rows})


def _fmix32(h: np.ndarray) -> np.ndarray:
    h ^= h >> np.uint32(16)
    h *= np.uint32(0x85EBCA6B)
    h ^= h >> np.uint32(13)
    h *= np.uint32(0xC2B2AE35)
    h ^= h >> np.uint32(16)
    return h


def signatures(hashes: np.ndarray, head: int, a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """datasketch "affine32" MinHash values (uint32, one per permutation ``a``, ``b``) of all ``hashes`` and of
    the first ``head``. Repeated hashes leave a minimum unchanged, so repeated shingles need not be removed."""
    permuted = np.multiply(_fmix32(hashes.copy())[:, None], a)
    permuted += b
    head_values = permuted[:head].min(axis=0)
    return np.minimum(head_values, permuted[head:].min(axis=0, initial=_MAX)), head_values
