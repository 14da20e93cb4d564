"""Body-extraction bench: the project's extractor next to trafilatura on the shared corpus.

    python bench/eval_extract.py [--set NAME] [--limit N] [--worst N] [--save FILE] [--compare FILE]

Pages are decoded once up front (not timed) and each tool is warmed up on the first page (lazy imports), so pages/s
compares parsing + extraction alone for both tools. Trafilatura runs with its defaults plus
``include_comments=False``. Exit status 2 when the corpus is missing.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.corpus import corpus_available, corpus_root, load_set, precision_recall, summarise  # noqa: E402

# magic-html-zh is the Chinese subset the targets are stated on; magic-html is every page of that set. The -en sets are
# the pages whose ground truth is English running text (bench.corpus.is_english_text): the English targets.
SET_CHOICES = ("zh-wce", "magic-html-zh", "magic-html-en", "magic-html", "zyte-aeb", "fundus", "fundus-en")
DEFAULT_SETS = ("zh-wce", "magic-html-zh", "magic-html-en", "zyte-aeb", "fundus", "fundus-en")


def _base(name: str) -> str:
    """The corpus folder of a set name: magic-html-zh -> magic-html (zh-wce is a folder of its own)."""
    return name if name == "zh-wce" else name.removesuffix("-zh").removesuffix("-en")


def _load(name: str, limit: int | None):
    base = _base(name)
    return load_set(
        base, zh_only=name.endswith("-zh") and base != name, en_only=name.endswith("-en"), limit=limit
    )


NOT_ARTICLE: dict[str, list[str]] = {}  # set -> ids of pages our extractor judged not an article


def run_ours(pages):
    from aggregator.extract import extract

    extract(pages[0].html, pages[0].url)  # warm-up: lazy imports and first-call setup are not throughput
    out, flags, start = [], [], time.perf_counter()
    for page in pages:
        article = extract(page.html, page.url)
        out.append(article.body)
        flags.append(article.is_article)
    seconds = time.perf_counter() - start
    NOT_ARTICLE[pages[0].set] = [p.id for p, ok in zip(pages, flags, strict=True) if not ok]
    return out, seconds


def run_find_main(pages):
    """find_main paragraphs alone, before attribution strips bylines."""
    from aggregator.extract.body import find_main
    from aggregator.extract.dom import parse_html
    from aggregator.extract.metadata import extract_title

    find_main(parse_html("<p>warm-up</p>"))
    out, start = [], time.perf_counter()
    for page in pages:
        tree = parse_html(page.html)
        if tree is None:
            out.append("")
            continue
        title = extract_title(tree)
        out.append("\n".join(find_main(tree, title=title).paragraphs))
    return out, time.perf_counter() - start


def run_trafilatura(pages):
    import trafilatura

    trafilatura.extract(pages[0].html, url=pages[0].url, include_comments=False)  # warm-up, as for ours
    out, start = [], time.perf_counter()
    for page in pages:
        out.append(trafilatura.extract(page.html, url=page.url, include_comments=False) or "")
    return out, time.perf_counter() - start


def _row(label, pages, bodies, seconds):
    scores = [precision_recall(b, p.truth) for b, p in zip(bodies, pages, strict=True)]
    p, r, f1 = summarise(scores)
    rate = len(pages) / seconds if seconds else float("inf")
    return {"label": label, "P": p, "R": r, "F1": f1, "rate": rate, "scores": scores}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument(
        "--set", choices=SET_CHOICES, action="append", help="repeatable; default: all but full magic-html"
    )
    ap.add_argument("--limit", type=int, default=None, help="first N pages of each set")
    ap.add_argument("--worst", type=int, default=0, help="list the N worst pages (by our F1) of each set")
    ap.add_argument("--no-trafilatura", action="store_true", help="skip the reference run")
    ap.add_argument("--save", metavar="FILE", help="write per-page scores (JSON) for a later --compare")
    ap.add_argument("--compare", metavar="FILE", help="count pages whose F1 went down against a --save file")
    args = ap.parse_args(argv)
    saved: dict = {}
    before = json.loads(Path(args.compare).read_text()) if args.compare else {}

    if not corpus_available():
        print(f"corpus not found at {corpus_root()} (set AGGREGATOR_CORPUS to its path)", file=sys.stderr)
        return 2

    header = (
        f"{'set':<14}{'pages':>6} | {'ours P':>7}{'R':>7}{'F1':>7}{'p/s':>8} | {'main F1':>8} | "
        f"{'traf P':>7}{'R':>7}{'F1':>7}{'p/s':>8} | {'speed x':>7} | {'not art':>7}"
    )
    print(header)
    print("-" * len(header))
    for name in args.set or DEFAULT_SETS:
        if not corpus_available(_base(name)):
            print(f"{name:<14} missing under {corpus_root()}")
            continue
        pages = _load(name, args.limit)
        if not pages:
            continue
        ours = _row("ours", pages, *run_ours(pages))
        main_only = _row("find_main", pages, *run_find_main(pages))
        if args.no_trafilatura:
            reference = f"{'-':>7}{'-':>7}{'-':>7}{'-':>8} | {'-':>7}"
        else:
            traf = _row("trafilatura", pages, *run_trafilatura(pages))
            reference = (
                f"{traf['P']:>7.3f}{traf['R']:>7.3f}{traf['F1']:>7.3f}{traf['rate']:>8.1f} | "
                f"{ours['rate'] / traf['rate']:>7.2f}"
            )
        print(
            f"{name:<14}{len(pages):>6} | {ours['P']:>7.3f}{ours['R']:>7.3f}{ours['F1']:>7.3f}{ours['rate']:>8.1f} | "
            f"{main_only['F1']:>8.3f} | {reference} | {len(NOT_ARTICLE.get(_base(name), [])):>7}",
            flush=True,
        )
        scores = {
            p.id: [*s, p.id in NOT_ARTICLE.get(_base(name), [])]
            for p, s in zip(pages, ours["scores"], strict=True)
        }
        saved[name] = scores
        if name in before:
            _compare(name, before[name], scores)
        if args.worst:
            ranked = sorted(
                zip(pages, ours["scores"], main_only["scores"], strict=True),
                key=lambda t: _f1(*t[1]),
            )
            for page, (p, r), (mp, mr) in ranked[: args.worst]:
                print(
                    f"    {_f1(p, r):.3f} P={p:.3f} R={r:.3f} (main P={mp:.3f} R={mr:.3f})  {page.id}  {page.url or ''}"
                )
    if args.save:
        Path(args.save).write_text(json.dumps(saved, indent=0))
    return 0


def _compare(name: str, old: dict, new: dict) -> None:
    """Pages whose F1 went down (by more than 0.001) or up, and articles newly judged not to be articles."""
    down = [(i, _f1(*old[i][:2]), _f1(*new[i][:2])) for i in new if i in old]
    worse = sorted((t for t in down if t[2] < t[1] - 0.001), key=lambda t: t[2] - t[1])
    better = sum(1 for t in down if t[2] > t[1] + 0.001)
    print(f"    vs saved: {len(worse)} pages F1 down, {better} up, of {len(down)}")
    for page_id, f_old, f_new in worse[:10]:
        flag = " (now not an article)" if new[page_id][2] and not old[page_id][2] else ""
        print(f"      {f_old:.3f} -> {f_new:.3f}  {page_id}{flag}")


def _f1(p: float, r: float) -> float:
    return 2 * p * r / (p + r) if p + r else 0.0


if __name__ == "__main__":
    sys.exit(main())
