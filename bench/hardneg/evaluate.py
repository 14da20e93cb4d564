"""Crawl the hard-negative portals with the product and score its clusters.

python -m bench.hardneg.evaluate [--days N] [--seed N] [--portals N] [--real N] [--keep DIR] [--explain N]

Builds the portals (bench/hardneg/generate.py), serves each on 127.0.0.1 (an ephemeral port per portal, the
server of bench/reposts), runs ``aggregator crawl URL ... --db DB --json`` from the front pages (no sources
file, no configuration) and ``aggregator export --db DB``, then compares the stories with truth.json: pairwise
cluster precision/recall/F1 over the article pages, overall and per kind, stories stored vs true, non-article
pages stored, pages found; and, from ``aggregator explain --json``, the links that joined different stories.
Exit status 0 whatever the figures; 2 when something required (the corpus, the aggregator command) is missing.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from itertools import combinations
from pathlib import Path
from urllib.parse import urlsplit

from bench.hardneg.generate import ALL_KINDS, add_args, summary, write
from bench.reposts.evaluate import Servers, f1, pairwise, run_product, score
from bench.reposts.pool import REPO_ROOT, CorpusMissing


def aggregator_exe() -> str | None:
    return shutil.which("aggregator", path=str(Path(sys.executable).parent)) or shutil.which("aggregator")


def page_stories(exported: list[dict], portal_of: dict[str, str]) -> dict[str, str]:
    """``portal/path`` of every stored copy -> the exported story id holding it."""
    out = {}
    for story in exported:
        for c in story.get("copies") or []:
            u = urlsplit(c["url"])
            out[f"{portal_of.get(u.netloc, u.netloc)}{u.path or '/'}"] = story["id"]
    return out


def per_kind(pred: dict[str, str], true: dict[str, str], kind_of: dict[str, str]) -> dict[str, dict]:
    """Pairwise P/R per kind: a pair counts for the kinds of its two pages (a false merge of a market report with
    a fuel notice is a false positive of both kinds); recall over the true pairs of that kind."""
    keys = sorted(set(pred) & set(true))
    tp, fp, fn = Counter(), Counter(), Counter()
    for a, b in combinations(keys, 2):
        same_p, same_t = pred[a] == pred[b], true[a] == true[b]
        ka, kb = kind_of[true[a]], kind_of[true[b]]
        if same_t:
            tp[ka] += same_p
            fn[ka] += not same_p
        elif same_p:
            fp[ka] += 1
            if kb != ka:
                fp[kb] += 1
    out = {}
    for k in sorted(set(kind_of.values()), key=list(ALL_KINDS).index):
        p = tp[k] / (tp[k] + fp[k]) if tp[k] + fp[k] else 1.0
        r = tp[k] / (tp[k] + fn[k]) if tp[k] + fn[k] else 1.0
        out[k] = {"p": p, "r": r, "f1": f1(p, r), "false_merge_pairs": fp[k], "false_split_pairs": fn[k]}
    return out


def kind_groups(pred: dict[str, str], true: dict[str, str], kind_of: dict[str, str]) -> dict[str, dict]:
    """Per kind: true stories, stored stories holding its pages, and how many true stories the largest holds."""
    out = {}
    for k in sorted(set(kind_of.values()), key=list(ALL_KINDS).index):
        held: dict[str, set[str]] = defaultdict(set)
        for page, sid in true.items():
            if kind_of[sid] == k and page in pred:
                held[pred[page]].add(sid)
        n_true = sum(1 for v in kind_of.values() if v == k)
        out[k] = {
            "true": n_true,
            "stored": len(held),
            "largest": max((len(v) for v in held.values()), default=0),
        }
    return out


_EVIDENCE = re.compile(r"jaccard ([\d.]+), containment ([\d.]+)")


def how_kind(how: str) -> str:
    if how.startswith("same text"):
        return "same text"
    if _EVIDENCE.search(how):
        return "similar"
    return "first copy" if how.startswith("first copy") else how


def explain_links(exe: str, db: Path, story_id: str, true: dict[str, str], portal_of: dict[str, str]) -> dict:
    """``aggregator explain ID --json``: the links between copies of different true stories, with their evidence."""
    run = subprocess.run(
        [exe, "explain", str(story_id), "--json", "--db", str(db)],
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
    )
    if run.returncode != 0:
        return {"error": run.stderr.strip()[-300:]}
    data = json.loads(run.stdout)
    sid_of = {}
    for c in data["copies"]:
        u = urlsplit(c["url"])
        sid_of[c["id"]] = true.get(f"{portal_of.get(u.netloc, u.netloc)}{u.path}")
    hows: Counter = Counter()
    cross: list[dict] = []
    unions = 0  # copies that matched copies of several stored stories and joined them (union of clusters)
    for c in data["copies"]:
        m = c["match"] or {}
        unions += len(m.get("joined_stories") or []) > 1
        other = m.get("with_copy")
        hows[how_kind(m.get("how", "unknown"))] += 1
        if other is not None and sid_of.get(other) != sid_of[c["id"]]:
            ev = _EVIDENCE.search(m.get("how", ""))
            j, cont = (float(ev.group(1)), float(ev.group(2))) if ev else (None, None)
            cross.append(
                dict(m, copy=c["id"], story=sid_of[c["id"]], other_story=sid_of.get(other), j=j, c=cont)
            )
    return {
        "title": data["title"],
        "copies": len(data["copies"]),
        "hows": dict(hows),
        "cross": cross,
        "unions": unions,
    }


def fmt_links(info: dict, show: int) -> list[str]:
    if "error" in info:
        return [f"  explain failed: {info['error']}"]
    cross = info["cross"]
    lines = [
        f"  {info['copies']} copies, joined by: "
        + ", ".join(f"{k} {v}" for k, v in sorted(info["hows"].items(), key=lambda kv: -kv[1]))
        + f"; {len(cross)} of the links join copies of different true stories"
    ]
    js = [x["j"] for x in cross if x["j"] is not None]
    cs = [x["c"] for x in cross if x["c"] is not None]
    if js:
        only_c = sum(1 for x in cross if x["j"] is not None and x["j"] < 0.5)
        lines.append(
            f"  on those links: jaccard median {statistics.median(js):.2f} (min {min(js):.2f}, max {max(js):.2f}),"
            f" containment median {statistics.median(cs):.2f} (min {min(cs):.2f}); {only_c} joined on containment"
            " alone (jaccard < 0.5)"
        )
    ends = {x["other_story"] for x in cross}
    lines.append(
        f"  those links attach to {len(ends)} different true stories; {info['unions']} copies matched copies of"
        " several stored stories and joined them (their evidence names one copy only)"
    )
    for x in cross[:show]:
        lines.append(f"    copy {x['copy']} ({x['story']}) joined {x['other_story']}: {x['how']}")
    return lines


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.hardneg.evaluate", description=__doc__.split("\n")[0])
    add_args(ap)
    ap.add_argument("--keep", type=Path, help="keep portals, truth, database, export and scores in DIR")
    ap.add_argument(
        "--explain", type=int, default=6, help="stored stories mixing true stories to explain (0: none)"
    )
    args = ap.parse_args(argv)
    exe = aggregator_exe()
    if exe is None:
        print(
            "error: the aggregator command is not installed (pip install -e . in the venv)", file=sys.stderr
        )
        return 2
    work = args.keep or Path(tempfile.mkdtemp(prefix="hardneg-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        try:
            data = write(work, args.days, args.seed, args.portals, args.real)
        except CorpusMissing as e:
            print(
                f"error: {e} (needed for the real-repost articles; --real 0 runs without it)", file=sys.stderr
            )
            return 2
        except ValueError as e:
            print(f"error: {e}", file=sys.stderr)
            return 2
        for f in work.glob("aggregator.db*"):  # a kept directory from an earlier run
            shutil.rmtree(f) if f.is_dir() else f.unlink()
        db = work / "aggregator.db"
        env = dict(os.environ, AGGREGATOR_DB=str(db))
        with Servers(work / "portals", data) as servers:
            urls = [servers.urls[n] for n in data["portal_order"]]
            data["urls"] = {
                servers.urls[key.split("/", 1)[0]] + key.split("/", 1)[1]: sid
                for key, sid in data["articles"].items()
            }
            (work / "truth.json").write_text(
                json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
            )
            t0 = time.monotonic()
            try:
                crawl_summary, exported, elapsed = run_product(urls, db, env)
            except RuntimeError as e:
                print(f"error: {e}", file=sys.stderr)
                return 1
            portal_of = dict(servers.portal_of)
        s = score(data, exported, portal_of)
        true = data["articles"]
        kind_of = {sid: st["kind"] for sid, st in data["stories"].items()}
        pred = page_stories(exported, portal_of)
        kinds = per_kind(pred, true, kind_of)
        groups = kind_groups(pred, true, kind_of)
        p, r, cf1, fp, fn = pairwise(pred, true)
        assert abs(p - s["cluster_p"]) < 1e-9 and abs(r - s["cluster_r"]) < 1e-9

        lines = [
            f"hardneg: {summary(data)}",
            f"crawl {elapsed:.1f}s (evaluation {time.monotonic() - t0:.1f}s); seed {data['seed']}, "
            f"{len(data['portal_order'])} portals",
            "",
            f"{'pages found':34} {s['article_pages_found']:>5}/{s['article_pages']}",
            f"{'non-article pages stored':34} {len(s['non_article_stored']):>5}   of {s['non_article_pages']}",
            f"{'stories stored / true':34} {s['stories_exported']:>5}/{s['stories_true']}",
            f"{'pairwise cluster precision':34} {s['cluster_p']:>9.3f}   target >= 0.99",
            f"{'pairwise cluster recall':34} {s['cluster_r']:>9.3f}   target >= 0.98",
            f"{'pairwise cluster F1':34} {s['cluster_f1']:>9.3f}",
            f"{'false-merge / false-split pairs':34} {fp:>5} / {fn}",
            f"{'date accuracy (per true story)':34} {s['date_acc']:>9.3f}",
            f"{'story body F1 (per true story)':34} {s['body_f1']:>9.3f}",
            "",
            f"{'kind':9} {'P':>6} {'R':>6} {'F1':>6} {'merge pairs':>11} {'split pairs':>11}"
            f" {'true':>5} {'stored':>6} {'largest':>7}",
        ]
        for k, v in kinds.items():
            g = groups[k]
            lines.append(
                f"{k:9} {v['p']:>6.3f} {v['r']:>6.3f} {v['f1']:>6.3f} {v['false_merge_pairs']:>11}"
                f" {v['false_split_pairs']:>11} {g['true']:>5} {g['stored']:>6} {g['largest']:>7}"
            )
        lines.append(
            "(true: true stories of the kind; stored: stored stories holding its pages; largest: true stories"
        )
        lines.append(" in the stored story that holds most of them)")
        print("\n".join(lines))
        if s["missing_pages"]:
            print(f"\npages not stored ({len(s['missing_pages'])}): " + ", ".join(s["missing_pages"][:10]))
        if s["non_article_stored"]:
            print("non-article pages stored: " + ", ".join(s["non_article_stored"][:10]))

        # the stored stories that mix the most true stories, and the evidence that joined them
        mixed = defaultdict(set)
        for page, story_id in pred.items():
            if page in true:
                mixed[story_id].add(true[page])
        worst = sorted((sid for sid in mixed if len(mixed[sid]) > 1), key=lambda x: -len(mixed[x]))
        links = {}
        if worst and args.explain:
            print(f"\nstored stories holding more than one true story: {len(worst)}; the largest, explained:")
            for story_id in worst[: args.explain]:
                info = explain_links(exe, db, story_id, true, portal_of)
                links[story_id] = info
                ks = Counter(kind_of[x] for x in mixed[story_id])
                print(
                    f"story {story_id}: {len(mixed[story_id])} true stories ({dict(ks)}): {info.get('title')}"
                )
                print("\n".join(fmt_links(info, 3)))
        if args.keep:
            (work / "export.jsonl").write_text(
                "".join(json.dumps(x, ensure_ascii=False) + "\n" for x in exported), encoding="utf-8"
            )
            out = dict(
                s, per_kind=kinds, kind_groups=groups, explain=links, crawl=crawl_summary, ports=portal_of
            )
            (work / "scores.json").write_text(json.dumps(out, ensure_ascii=False, indent=1), encoding="utf-8")
            print(f"\nkept in {work}")
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
