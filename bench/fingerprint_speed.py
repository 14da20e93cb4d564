"""Fingerprint speed: fingerprints per CPU-second of ``aggregator.dedup.fingerprint`` in one process.

    python bench/fingerprint_speed.py [--set NAME]... [--rounds N] [--crawl-articles N]

Sets: ``crawl`` (the article bodies of ``bench.crawl.portal``, originals and reposts, paragraphs one a line) and,
when the corpus is present, the ground-truth bodies of its sets (zh-wce, magic-html, zyte-aeb, fundus); corpus
sets are skipped with a note when it is absent. Each set is fingerprinted ``--rounds`` times and the fastest
round counts, in CPU time (a shared machine moves wall-clock time much more). Per set it prints the texts, the
best CPU seconds, fingerprints per CPU-second and a digest of every field of every fingerprint (hash, size, both
signatures, slots): two versions with the same digests give the same fingerprints.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.corpus import corpus_available, corpus_root, load_set  # noqa: E402

CORPUS_SETS = ("zh-wce", "magic-html", "zyte-aeb", "fundus")


def load_texts(name: str, crawl_articles: int) -> list[str]:
    if name == "crawl":
        from bench.crawl.portal import generate

        return ["\n".join(a.paragraphs) for a in generate(pages=crawl_articles)]
    return [p.truth for p in load_set(name)]


def digest(fps) -> str:
    h = hashlib.sha1()
    for fp in fps:
        if fp is None:
            h.update(b"none")
            continue
        h.update(f"{fp.body_hash}|{fp.size}|{fp.slots_json()}".encode())
        for sig in (fp.full, fp.head):
            h.update(b"-" if sig is None else sig.dtype.str.encode() + sig.tobytes())
    return h.hexdigest()[:12]


def main(argv: list[str] | None = None) -> int:
    from aggregator.dedup import fingerprint

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--set", choices=("crawl", *CORPUS_SETS), action="append", help="repeatable")
    ap.add_argument("--rounds", type=int, default=3, help="passes over each set; the fastest counts")
    ap.add_argument("--crawl-articles", type=int, default=2000, help="articles of the crawl portal")
    args = ap.parse_args(argv)
    print(f"{'set':<12}{'texts':>7}{'CPU s':>8}{'fp/CPU-s':>10}  digest")
    for name in args.set or ("crawl", *CORPUS_SETS):
        if name != "crawl" and not corpus_available(name):
            print(f"{name:<12}skipped: no corpus at {corpus_root()}")
            continue
        texts = load_texts(name, args.crawl_articles)
        fingerprint(texts[0])  # first-call setup (OpenCC, permutations) is start-up, not throughput
        best = float("inf")
        for _ in range(args.rounds):
            cpu = time.process_time()
            fps = [fingerprint(t) for t in texts]
            best = min(best, time.process_time() - cpu)
        print(f"{name:<12}{len(texts):>7}{best:>8.2f}{len(texts) / best:>10.1f}  {digest(fps)}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
