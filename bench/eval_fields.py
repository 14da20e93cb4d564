"""Field accuracy (authors, date, title) of the extractor on the zh-wce and fundus corpora.

Usage: python bench/eval_fields.py [--corpus DIR] [--verbose]

The corpus is found at --corpus, $AGGREGATOR_CORPUS, or ../shared/corpus relative to the repo root.

What is compared (exact match per page, then the share of pages):
- zh-wce author: the truth (space-separated names, UNKNOWN = none) as a set against the reporters (记者, 文/, 作者,
  By ...). A second row compares it against every byline name (reporters + correspondents + editors), since the
  annotators sometimes listed correspondents too. Pages whose truth file is empty are left out.
- zh-wce date: the truth is as printed ("2005-5-7 21:23:57", "2018", "1998-3", UNKNOWN). "day" = the extracted
  date agrees on every calendar part the truth has (year / month / day; UNKNOWN matches only no date); "minute" =
  the same over the pages whose truth has a time, also requiring hour and minute.
- fundus authors: the list as a set of whitespace-normalised names. date: "day" = same calendar day in the zone the
  truth states, "minute" = same instant to the minute (naive truth compared as wall-clock time). title: equal
  after whitespace normalisation ("exact" row: byte-equal).
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import re
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from aggregator.extract.encoding import decode_html  # noqa: E402


def find_corpus(arg: str | None) -> Path | None:
    """--corpus, else $AGGREGATOR_CORPUS, else ../shared/corpus next to the repo; an explicit choice is final."""
    cand = arg or os.environ.get("AGGREGATOR_CORPUS") or str(ROOT.parent / "shared" / "corpus")
    return Path(cand) if (Path(cand) / "zh-wce" / "ground-truth.json").is_file() else None


def load_page(folder: Path, page_id: str) -> str | None:
    for suffix in (".html", ".html.gz"):
        path = folder / "html" / f"{page_id}{suffix}"
        if path.is_file():
            data = path.read_bytes()
            if suffix.endswith(".gz"):
                data = gzip.decompress(data)
            return decode_html(data)
    return None


def run_extract(html: str, url: str | None, fetched_at: datetime | None) -> dict:
    """The full pipeline; falls back to the field functions alone if the body module is mid-rewrite."""
    try:
        from aggregator.extract import extract

        return extract(html, url, fetched_at=fetched_at).to_dict()
    except Exception as exc:  # noqa: BLE001 - the bench must survive a broken neighbour module
        print(f"  extract() failed ({type(exc).__name__}: {exc}); using field functions", file=sys.stderr)
        from aggregator.extract.attribution import parse_attribution
        from aggregator.extract.dates import extract_published
        from aggregator.extract.dom import parse_html
        from aggregator.extract.metadata import extract_site_name, extract_title

        tree = parse_html(html)
        if tree is None:
            return {"title": None, "published": None, "reporters": [], "correspondents": [], "editors": []}
        site = extract_site_name(tree, url)
        attr = parse_attribution(tree, [], main_node=None)
        return {
            "title": extract_title(tree, site_name=site),
            "published": extract_published(tree, main_node=None, fetched_at=fetched_at),
            "reporters": attr.reporters,
            "correspondents": attr.correspondents,
            "editors": attr.editors,
        }


def _ws(text: str | None) -> str:
    return re.sub(r"\s+", " ", text or "").strip()


_TRUTH_DATE = re.compile(r"(\d{4})(?:-(\d{1,2})(?:-(\d{1,2})(?:\s+(\d{1,2}):(\d{2}))?)?)?")


def zh_date_match(truth: str, got: str | None) -> tuple[bool, bool | None]:
    """(calendar match, minute match or None when the truth has no time)."""
    truth = truth.strip()
    m = _TRUTH_DATE.match(truth)
    if not m:
        return got is None, None
    if got is None:
        return False, False if m.group(4) else None
    dt = datetime.fromisoformat(got)
    parts = [dt.year, dt.month, dt.day]
    day_ok = all(int(g) == p for g, p in zip(m.groups()[:3], parts, strict=True) if g)
    if not m.group(4):
        return day_ok, None
    return day_ok, day_ok and dt.hour == int(m.group(4)) and dt.minute == int(m.group(5))


def fundus_date_match(truth: str, got: str | None) -> tuple[bool, bool]:
    if got is None:
        return False, False
    t, g = datetime.fromisoformat(truth), datetime.fromisoformat(got)
    if t.tzinfo is None:
        g_local = g.replace(tzinfo=None)
        return t.date() == g_local.date(), abs(t - g_local) < timedelta(minutes=1)
    return t.date() == g.astimezone(t.tzinfo).date(), abs(t - g) < timedelta(minutes=1)


def eval_zh(folder: Path, verbose: bool) -> dict:
    truth = json.loads((folder / "ground-truth.json").read_text(encoding="utf-8"))
    stats = {"author_rep": [0, 0], "author_all": [0, 0], "date_day": [0, 0], "date_min": [0, 0]}
    for page_id, rec in sorted(truth.items()):
        html = load_page(folder, page_id)
        if html is None:
            continue
        got = run_extract(html, None, None)
        author = (rec.get("author") or "").strip()
        if author:
            want = set() if author.upper() == "UNKNOWN" else set(author.split())
            rep = set(got["reporters"])
            allnames = rep | set(got["correspondents"]) | set(got["editors"])
            for key, have in (("author_rep", rep), ("author_all", allnames)):
                stats[key][0] += have == want
                stats[key][1] += 1
            if verbose and rep != want:
                print(
                    f"  zh author {page_id[:8]}: want {sorted(want)} got {got['reporters']} / all {sorted(allnames)}"
                )
        date = (rec.get("date") or "").strip()
        if date and re.fullmatch(r"UNKNOWN|UNKNWON|[\d\-: ]+", date):
            day_ok, min_ok = zh_date_match("UNKNOWN" if date.startswith("UNK") else date, got["published"])
            stats["date_day"][0] += day_ok
            stats["date_day"][1] += 1
            if min_ok is not None:
                stats["date_min"][0] += min_ok
                stats["date_min"][1] += 1
            if verbose and not (day_ok and min_ok is not False):
                print(f"  zh date {page_id[:8]}: want {date!r} got {got['published']!r}")
    return stats


def eval_fundus(folder: Path, verbose: bool) -> dict:
    truth = json.loads((folder / "ground-truth.json").read_text(encoding="utf-8"))
    stats = {
        "authors": [0, 0],
        "date_day": [0, 0],
        "date_min": [0, 0],
        "title": [0, 0],
        "title_exact": [0, 0],
    }
    for page_id, rec in sorted(truth.items()):
        html = load_page(folder, page_id)
        if html is None:
            continue
        m = re.search(r"_(\d{4})_(\d{2})_(\d{2})$", page_id)
        # the file name carries the crawl day; the end of that day bounds any plausible publication time
        fetched = (
            datetime(int(m[1]), int(m[2]), int(m[3]), tzinfo=UTC) + timedelta(days=1, hours=12) if m else None
        )
        got = run_extract(html, rec.get("url"), fetched)
        want_auth = {_ws(a) for a in rec.get("authors") or []}
        have_auth = {_ws(a) for a in got["reporters"]}
        stats["authors"][0] += want_auth == have_auth
        stats["authors"][1] += 1
        day_ok, min_ok = fundus_date_match(rec["date"], got["published"])
        stats["date_day"][0] += day_ok
        stats["date_min"][0] += min_ok
        stats["date_day"][1] += 1
        stats["date_min"][1] += 1
        stats["title"][0] += _ws(rec["title"]) == _ws(got["title"])
        stats["title_exact"][0] += rec["title"] == got["title"]
        stats["title"][1] += 1
        stats["title_exact"][1] += 1
        if verbose:
            if want_auth != have_auth:
                print(f"  fundus authors {page_id}: want {sorted(want_auth)} got {got['reporters']}")
            if not min_ok:
                print(f"  fundus date {page_id}: want {rec['date']} got {got['published']}")
            if _ws(rec["title"]) != _ws(got["title"]):
                print(f"  fundus title {page_id}: want {rec['title']!r} got {got['title']!r}")
    return stats


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", help="corpus directory (default: $AGGREGATOR_CORPUS or ../shared/corpus)")
    ap.add_argument("--verbose", "-v", action="store_true", help="print each miss")
    args = ap.parse_args(argv)
    corpus = find_corpus(args.corpus)
    if corpus is None:
        print(
            f"corpus not found at {args.corpus or os.environ.get('AGGREGATOR_CORPUS') or ROOT.parent / 'shared/corpus'}"
            ": pass --corpus DIR, set AGGREGATOR_CORPUS, or place it at ../shared/corpus (needs zh-wce/ground-truth.json)",
            file=sys.stderr,
        )
        return 2
    started = time.perf_counter()
    rows = []
    zh = eval_zh(corpus / "zh-wce", args.verbose)
    rows += [
        ("zh-wce", "author vs reporters", zh["author_rep"]),
        ("zh-wce", "author vs all bylines", zh["author_all"]),
        ("zh-wce", "date (calendar)", zh["date_day"]),
        ("zh-wce", "date (minute, truth has time)", zh["date_min"]),
    ]
    if (corpus / "fundus" / "ground-truth.json").is_file():
        fu = eval_fundus(corpus / "fundus", args.verbose)
        rows += [
            ("fundus", "authors", fu["authors"]),
            ("fundus", "date (calendar)", fu["date_day"]),
            ("fundus", "date (minute)", fu["date_min"]),
            ("fundus", "title (ws-normalised)", fu["title"]),
            ("fundus", "title (exact)", fu["title_exact"]),
        ]
    print(f"{'set':<8} {'field':<32} {'correct':>8} {'pages':>6} {'accuracy':>9}")
    for name, field, (ok, n) in rows:
        print(f"{name:<8} {field:<32} {ok:>8} {n:>6} {ok / n if n else 0:>9.3f}")
    print(f"({time.perf_counter() - started:.1f}s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
