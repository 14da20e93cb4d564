"""Crawl generated repost portals with the product and score what it stored.

python -m bench.reposts.evaluate [--set zh-wce|magic-zh|all] [--seed N] [--part A|B] [--keep DIR] [--no-baseline]

Builds the portals (bench/reposts/generate.py), serves each on 127.0.0.1 (an ephemeral port per portal), runs
``aggregator crawl URL ... --json`` from the front pages (no sources file, no per-site configuration) and
``aggregator export --format jsonl``, then compares the export with truth.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import unicodedata
from collections import Counter, defaultdict
from functools import partial
from http.server import ThreadingHTTPServer
from itertools import combinations
from pathlib import Path
from urllib.parse import urlsplit

from bench.reposts.generate import add_pool_args, summary, write
from bench.reposts.pool import REPO_ROOT, CorpusMissing

_WS = re.compile(r"\s+")


# ------------------------------------------------------------------------------------------------- serving


class Servers:
    """One ThreadingHTTPServer per portal on 127.0.0.1, reusing the demo portals' handler."""

    def __init__(self, root: Path, truth: dict):
        self.root, self.truth = root, truth
        self.urls: dict[str, str] = {}
        self.portal_of: dict[str, str] = {}  # "127.0.0.1:port" -> portal name
        self._servers: list[ThreadingHTTPServer] = []
        self._threads: list[threading.Thread] = []

    def __enter__(self) -> Servers:
        from aggregator.demo.server import _Handler

        order = self.truth["portal_order"]
        bases: dict[str, bytes] = {}
        for name in order:
            server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
            server.daemon_threads = True
            self._servers.append(server)
            host = f"127.0.0.1:{server.server_address[1]}"
            self.urls[name] = f"http://{host}/"
            self.portal_of[host] = name
            bases[name] = f"http://{host}".encode("ascii")
        for name, server in zip(order, self._servers, strict=True):
            utf8 = self.truth["portals"][name]["encoding"] == "utf-8"
            server.RequestHandlerClass = partial(
                _Handler, root=(self.root / name).resolve(), utf8=utf8, bases=bases
            )
            thread = threading.Thread(target=server.serve_forever, daemon=True)
            thread.start()
            self._threads.append(thread)
        return self

    def __exit__(self, *exc) -> None:
        for server in self._servers:
            server.shutdown()
            server.server_close()


# ------------------------------------------------------------------------------------------------- metrics


def bigrams(text: str) -> Counter:
    text = _WS.sub("", unicodedata.normalize("NFKC", text or ""))
    return Counter(text[i : i + 2] for i in range(len(text) - 1))


def body_pr(pred: str, truth: str) -> tuple[float, float]:
    p, t = bigrams(pred), bigrams(truth)
    if not p:
        return 0.0, 0.0
    inter = sum((p & t).values())
    return inter / sum(p.values()), inter / max(1, sum(t.values()))


_T2S = None


def t2s(text: str) -> str:
    global _T2S
    if _T2S is None:
        import opencc

        _T2S = opencc.OpenCC("t2s")
    return _T2S.convert(text)


def f1(p: float, r: float) -> float:
    return 2 * p * r / (p + r) if p + r else 0.0


def pairwise(pred: dict[str, str], true: dict[str, str]) -> tuple[float, float, float, int, int]:
    """Pairwise P/R/F1 over the keys both dicts share (pages), plus false-merge and false-split pair counts."""
    keys = sorted(set(pred) & set(true))
    tp = fp = fn = 0
    for a, b in combinations(keys, 2):
        same_p, same_t = pred[a] == pred[b], true[a] == true[b]
        tp += same_p and same_t
        fp += same_p and not same_t
        fn += same_t and not same_p
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / (tp + fn) if tp + fn else 1.0
    return p, r, f1(p, r), fp, fn


def parse_when(value: str | None) -> dt.datetime | None:
    if not value:
        return None
    try:
        t = dt.datetime.fromisoformat(value)
    except ValueError:
        return None
    tz = dt.timezone(dt.timedelta(hours=8))
    return (t if t.tzinfo else t.replace(tzinfo=tz)).astimezone(tz)


def date_ok(pred: str | None, story: dict) -> bool:
    t = parse_when(pred)
    if t is None:
        return False
    want = parse_when(story["published"] if not story["day_only"] else story["published"] + "T00:00:00+08:00")
    if story["day_only"]:
        return t.date() == want.date()
    return t.replace(second=0, microsecond=0) == want


# ------------------------------------------------------------------------------------------------- the run


def run_product(urls: list[str], db: Path, env: dict) -> tuple[dict, list[dict], float]:
    exe = shutil.which("aggregator", path=str(Path(sys.executable).parent)) or "aggregator"
    t0 = time.monotonic()
    crawl = subprocess.run(
        [exe, "crawl", *urls, "--db", str(db), "--json"],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO_ROOT,
    )
    elapsed = time.monotonic() - t0
    if crawl.returncode not in (0, 1):
        raise RuntimeError(f"aggregator crawl exited {crawl.returncode}: {crawl.stderr.strip()[-2000:]}")
    try:
        crawl_summary = json.loads(crawl.stdout)
    except json.JSONDecodeError:
        crawl_summary = {"stdout": crawl.stdout[-2000:]}
    export = subprocess.run(
        [exe, "export", "--format", "jsonl", "--db", str(db), "--limit", "0"],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO_ROOT,
    )
    if export.returncode != 0:
        raise RuntimeError(f"aggregator export exited {export.returncode}: {export.stderr.strip()[-2000:]}")
    stories = [json.loads(line) for line in export.stdout.splitlines() if line.strip()]
    return crawl_summary, stories, elapsed


def score(truth: dict, exported: list[dict], portal_of: dict[str, str]) -> dict:
    article_of: dict[tuple[str, str], str] = {}
    non_article: set[tuple[str, str]] = set()
    for name, p in truth["portals"].items():
        for path, info in p["articles"].items():
            article_of[(name, path)] = info["story"]
        non_article |= {(name, path) for path in p["non_articles"]}
    pred_of: dict[tuple[str, str], str] = {}
    stored_non: list[str] = []
    unknown: list[str] = []
    by_id = {}
    for story in exported:
        by_id[story["id"]] = story
        for c in story.get("copies") or []:
            u = urlsplit(c["url"])
            key = (portal_of.get(u.netloc, u.netloc), u.path or "/")
            if key in article_of:
                pred_of[key] = story["id"]
            elif key in non_article:
                stored_non.append(f"{key[0]}{key[1]}")
            else:
                unknown.append(c["url"])
    missing = sorted(f"{p}{path}" for (p, path) in article_of if (p, path) not in pred_of)
    p, r, cf1, fp, fn = pairwise(pred_of, article_of)
    # per true story: the predicted story holding most of its pages
    pages_of: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for key, sid in article_of.items():
        pages_of[sid].append(key)
    rows = {}
    src = rep = dat = 0
    ps, rs = [], []
    for sid, st in truth["stories"].items():
        held = Counter(pred_of[k] for k in pages_of[sid] if k in pred_of)
        pred = by_id[held.most_common(1)[0][0]] if held else None
        row = {"pred": pred and pred["id"], "pages": len(pages_of[sid]), "stored": sum(held.values())}
        row["split"] = len(held)
        if pred:
            others = [k for k, v in pred_of.items() if v == pred["id"] and article_of[k] != sid]
            row["merged_with"] = sorted({article_of[k] for k in others})
            row["source"] = pred.get("source")
            row["reporters"] = pred.get("reporters") or []
            row["published"] = pred.get("published")
            row["ok_source"] = pred.get("source") == st["source"]
            row["ok_reporters"] = list(pred.get("reporters") or []) == st["reporters"]
            row["ok_date"] = date_ok(pred.get("published"), st)
            row["ok_source_t2s"] = t2s(pred.get("source") or "") == st["source"]
            row["ok_reporters_t2s"] = [t2s(x) for x in pred.get("reporters") or []] == st["reporters"]
            bp, br = body_pr(pred.get("body") or "", st["body"])
            row["canonical"] = pred.get("url")
        else:
            row.update(
                ok_source=False,
                ok_reporters=False,
                ok_date=False,
                ok_source_t2s=False,
                ok_reporters_t2s=False,
            )
            bp = br = 0.0
        row["body_p"], row["body_r"] = round(bp, 3), round(br, 3)
        ps.append(bp)
        rs.append(br)
        src += row["ok_source"]
        rep += row["ok_reporters"]
        dat += row["ok_date"]
        rows[sid] = row
    n = len(truth["stories"]) or 1
    mp, mr = sum(ps) / n, sum(rs) / n
    return {
        "stories_true": len(truth["stories"]),
        "stories_exported": len(exported),
        "article_pages": len(article_of),
        "article_pages_found": len(pred_of),
        "missing_pages": missing,
        "non_article_pages": len(non_article),
        "non_article_stored": sorted(stored_non),
        "unknown_urls": unknown,
        "cluster_p": p,
        "cluster_r": r,
        "cluster_f1": cf1,
        "false_merge_pairs": fp,
        "false_split_pairs": fn,
        "source_acc": src / n,
        "reporters_exact": rep / n,
        "date_acc": dat / n,
        "source_acc_t2s": sum(r["ok_source_t2s"] for r in rows.values()) / n,
        "reporters_exact_t2s": sum(r["ok_reporters_t2s"] for r in rows.values()) / n,
        "body_p": mp,
        "body_r": mr,
        "body_f1": f1(mp, mr),
        "stories": rows,
    }


def copy_table(db: Path, truth: dict, portal_of: dict[str, str]) -> tuple[str, list[str]]:
    """Per portal, how the product read each stored copy against what that page shows (from the copies table)."""
    import sqlite3

    tz = dt.timezone(dt.timedelta(hours=8))
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    rows = con.execute("SELECT url, source, published, reporters, correspondents, editors, body FROM copies")
    stored = {}
    for url, source, published, rep, cor, edi, body in rows:
        u = urlsplit(url)
        stored[(portal_of.get(u.netloc, u.netloc), u.path)] = (source, published, rep, cor, edi, body)
    con.close()
    out = [
        f"{'portal':8} {'pages':>5} {'source':>7} {'reporters':>9} {'corresp':>7} {'editors':>7} {'date':>7}"
        f" {'undated→dated':>13} {'body P':>6} {'body R':>6}"
    ]
    cases: list[str] = []
    by_flag: dict[str, list[tuple[float, float]]] = defaultdict(list)
    low: dict[str, list[str]] = defaultdict(list)
    for name, p in truth["portals"].items():
        c = Counter()
        bp, br = [], []
        for path, info in p["articles"].items():
            if (name, path) not in stored:
                continue
            st = truth["stories"][info["story"]]
            t = info["transforms"]
            source, published, rep, cor, edi, body = stored[(name, path)]
            rep, cor, edi = (json.loads(x or "[]") for x in (rep, cor, edi))
            c["pages"] += 1
            keep = t.get("byline", "all")
            shown_source = (
                t.get("source", "x" if name == "jcrb" else None) if t else ("x" if name == "jcrb" else None)
            )
            if shown_source:
                c["src_n"] += 1
                ok = t2s(source or "") == st["source"]
                c["src_ok"] += ok
                if not ok:
                    cases.append(
                        f"source  {name}{path}: shows {shown_source!r} {st['source']!r}, read {source!r}"
                    )
            want_rep = [] if keep == "none" else st["reporters"]
            c["rep_n"] += 1
            ok = [t2s(x) for x in rep] == want_rep
            c["rep_ok"] += ok
            if not ok:
                cases.append(f"reporters {name}{path}: shows {want_rep} ({keep}), read {rep}")
            want_cor = st["correspondents"] if keep == "all" else []
            c["cor_n"] += 1
            ok = [t2s(x) for x in cor] == want_cor
            c["cor_ok"] += ok
            if not ok:
                cases.append(f"correspondents {name}{path}: shows {want_cor} ({keep}), read {cor}")
            want_edi = st["editors"] if keep == "all" else []
            c["edi_n"] += 1
            ok = [t2s(x) for x in edi] == want_edi
            c["edi_ok"] += ok
            if not ok:
                cases.append(f"editors {name}{path}: shows {want_edi} ({keep}), read {edi}")
            form = t.get("date", "iso") if t else "iso"
            when = parse_when(published)
            if form is None:
                c["undated"] += 1
                if when is not None:
                    c["invented"] += 1
                    cases.append(f"date    {name}{path}: shows no date, read {published}")
            elif form != "noyear":
                c["date_n"] += 1
                shown = dt.datetime.fromisoformat(
                    st["published"][:10] + ("" if st["day_only"] else st["published"][10:16])
                )
                shown = shown.replace(tzinfo=tz) + dt.timedelta(minutes=t.get("delay_minutes", 0) if t else 0)
                if form == "day" or st["day_only"]:
                    ok = when is not None and when.date() == shown.date()
                else:
                    ok = when is not None and when.replace(second=0, microsecond=0) == shown
                c["date_ok"] += ok
                if not ok:
                    cases.append(
                        f"date    {name}{path}: shows {form} {shown:%Y-%m-%d %H:%M}, read {published}"
                    )
            pp, rr = body_pr(t2s(body or ""), st["body"])
            bp.append(pp)
            br.append(rr)
            sp, sr = body_pr(t2s(body or ""), info.get("shown_body") or st["body"])
            for flag in _flags(name, t):
                by_flag[flag].append((sp, sr))
                if sr < 0.9 or sp < 0.9:
                    low[flag].append(f"{name}{path} P {sp:.2f} R {sr:.2f}")

        def frac(k: str, c: Counter = c) -> str:
            return f"{c[k + '_ok']}/{c[k + '_n']}"

        undated = f"{c['invented']}/{c['undated']}"
        mp = sum(bp) / len(bp) if bp else 0.0
        mr = sum(br) / len(br) if br else 0.0
        out.append(
            f"{name:8} {c['pages']:>5} {frac('src'):>7} {frac('rep'):>9} {frac('cor'):>7} {frac('edi'):>7}"
            f" {frac('date'):>7} {undated:>13} {mp:>6.3f} {mr:>6.3f}"
        )
    out += [
        "",
        "body of each copy against the text that page shows (its own truncation, ads left out), by transformation:",
    ]
    out.append(f"{'transformation':28} {'copies':>6} {'P':>6} {'R':>6}  worst")
    for flag in sorted(by_flag):
        vals = by_flag[flag]
        mp = sum(v[0] for v in vals) / len(vals)
        mr = sum(v[1] for v in vals) / len(vals)
        worst = "; ".join(low[flag][:2])
        out.append(f"{flag:28} {len(vals):>6} {mp:>6.3f} {mr:>6.3f}  {worst}")
    return "\n".join(out), cases


def _flags(portal: str, t: dict) -> list[str]:
    if not t:
        return ["original (newspaper page)"]
    flags = ["any repost"]
    if t.get("truncate"):
        flags.append("truncated + 阅读全文")
    if t.get("ads"):
        flags.append("ad/disclaimer at end" if t.get("ads_at") == "end" else "ad/disclaimer mid-body")
    for key, label in (
        ("merge", "paragraphs merged"),
        ("split", "paragraphs split"),
        ("half_width", "half-width punctuation"),
        ("full_width", "full-width forms"),
        ("traditional", "traditional characters"),
        ("zhuanzai", "【转载】 title"),
        ("retitle", "changed title"),
    ):
        if t.get(key):
            flags.append(label)
    if t.get("layout") and t["layout"] != "p":
        flags.append(f"layout {t['layout']}")
    if t.get("byline") == "none":
        flags.append("no byline")
    return flags


def baseline(out: Path, truth: dict) -> dict | None:
    """trafilatura + datasketch MinHashLSH (threshold 0.5, character 5-grams) over the generated article pages."""
    try:
        import trafilatura
        from datasketch import MinHash, MinHashLSH
    except ImportError:
        return None
    from aggregator.dedup import normalize_text

    true_of, sigs = {}, {}
    lsh = MinHashLSH(threshold=0.5, num_perm=128)
    for name, p in truth["portals"].items():
        for path, info in p["articles"].items():
            data = (out / "portals" / name / path.lstrip("/")).read_bytes()
            enc = "gb18030" if p["encoding"] != "utf-8" else "utf-8"
            text = trafilatura.extract(data.decode(enc, errors="replace")) or ""
            norm = normalize_text(text)
            m = MinHash(num_perm=128)
            for i in range(max(1, len(norm) - 4)):
                m.update(norm[i : i + 5].encode("utf-8"))
            key = f"{name}{path}"
            true_of[key], sigs[key] = info["story"], m
            lsh.insert(key, m)
    parent = {k: k for k in sigs}

    def find(k: str) -> str:
        while parent[k] != k:
            parent[k] = parent[parent[k]]
            k = parent[k]
        return k

    for k, m in sigs.items():
        for other in lsh.query(m):
            parent[find(other)] = find(k)
    pred = {k: find(k) for k in sigs}
    p, r, f, _, _ = pairwise(pred, true_of)
    return {"p": p, "r": r, "f1": f}


RUN_FIGURES = [
    ("pages found", lambda s: f"{s['article_pages_found']}/{s['article_pages']}"),
    ("non-article pages stored", lambda s: str(len(s["non_article_stored"]))),
    ("cluster P", lambda s: f"{s['cluster_p']:.3f}"),
    ("cluster R", lambda s: f"{s['cluster_r']:.3f}"),
    ("cluster F1", lambda s: f"{s['cluster_f1']:.3f}"),
    ("source accuracy", lambda s: f"{s['source_acc']:.3f}"),
    ("reporters exact-match", lambda s: f"{s['reporters_exact']:.3f}"),
    ("date accuracy", lambda s: f"{s['date_acc']:.3f}"),
    ("story body F1", lambda s: f"{s['body_f1']:.3f}"),
]


def runs_table(scores: list[dict]) -> str:
    head = f"{'figure, per run':26}" + "".join(f"{'run ' + str(i + 1):>9}" for i in range(len(scores)))
    rows = [head]
    for name, fn in RUN_FIGURES:
        rows.append(f"{name:26}" + "".join(f"{fn(s):>9}" for s in scores))
    return "\n".join(rows)


def report(s: dict, data: dict, crawl_summary: dict, elapsed: float, base: dict | None) -> str:
    def mark(ok: bool) -> str:
        return "ok" if ok else "MISS"

    lines = [
        f"pool: set={data['set']} seed={data['seed']} part={data['part'] or '-'}  {summary(data)}",
        f"crawl: {elapsed:.1f}s, {s['stories_exported']} stories exported for {s['stories_true']} true stories",
        "",
        f"{'figure':34} {'value':>10}   target",
        f"{'pages found':34} {s['article_pages_found']:>4}/{s['article_pages']:<5}   all "
        f"{mark(s['article_pages_found'] == s['article_pages'])}",
        f"{'non-article pages stored':34} {len(s['non_article_stored']):>10}   0 {mark(not s['non_article_stored'])}",
        f"{'pairwise cluster precision':34} {s['cluster_p']:>10.3f}   >= 0.99 {mark(s['cluster_p'] >= 0.99)}",
        f"{'pairwise cluster recall':34} {s['cluster_r']:>10.3f}",
        f"{'pairwise cluster F1':34} {s['cluster_f1']:>10.3f}   >= 0.98 {mark(s['cluster_f1'] >= 0.98)}",
        f"{'source accuracy':34} {s['source_acc']:>10.3f}   >= 0.95 {mark(s['source_acc'] >= 0.95)}",
        f"{'  after traditional → simplified':34} {s['source_acc_t2s']:>10.3f}   (diagnostic)",
        f"{'reporters exact-match':34} {s['reporters_exact']:>10.3f}   >= 0.90 {mark(s['reporters_exact'] >= 0.90)}",
        f"{'  after traditional → simplified':34} {s['reporters_exact_t2s']:>10.3f}   (diagnostic)",
        f"{'date accuracy':34} {s['date_acc']:>10.3f}   >= 0.97 {mark(s['date_acc'] >= 0.97)}",
        f"{'story body P / R':34} {s['body_p']:>4.3f}/{s['body_r']:.3f}",
        f"{'story body F1':34} {s['body_f1']:>10.3f}   >= 0.95 {mark(s['body_f1'] >= 0.95)}",
    ]
    if base:
        lines.append(
            f"{'baseline trafilatura+MinHashLSH F1':34} {base['f1']:>10.3f}   (P {base['p']:.3f}, R {base['r']:.3f})"
        )
    if s["unknown_urls"]:
        lines.append(f"{'stored URLs not in truth':34} {len(s['unknown_urls']):>10}")
    return "\n".join(lines)


def failures(s: dict, truth: dict, limit: int = 12) -> str:
    out = []
    if s["missing_pages"]:
        out.append(f"pages not stored ({len(s['missing_pages'])}): " + ", ".join(s["missing_pages"][:limit]))
    if s["non_article_stored"]:
        out.append("non-article pages stored: " + ", ".join(s["non_article_stored"][:limit]))
    rows = s["stories"]
    kinds = {
        "split": [sid for sid, r in rows.items() if r["split"] > 1],
        "merged": [sid for sid, r in rows.items() if r.get("merged_with")],
        "source": [sid for sid, r in rows.items() if not r["ok_source"]],
        "reporters": [sid for sid, r in rows.items() if not r["ok_reporters"]],
        "date": [sid for sid, r in rows.items() if not r["ok_date"]],
        "body": [sid for sid, r in rows.items() if f1(r["body_p"], r["body_r"]) < 0.9],
    }
    st = truth["stories"]
    for kind, sids in kinds.items():
        if not sids:
            continue
        out.append(f"{kind} ({len(sids)}):")
        for sid in sids[:limit]:
            r, t = rows[sid], st[sid]
            if kind == "split":
                detail = f"{r['stored']} pages in {r['split']} stories"
            elif kind == "merged":
                detail = f"merged with {r['merged_with']} ({t['kind']}, related_to={t['related_to']})"
            elif kind == "source":
                detail = f"want {t['source']!r} got {r.get('source')!r}"
            elif kind == "reporters":
                detail = f"want {t['reporters']} got {r.get('reporters')}"
            elif kind == "date":
                detail = f"want {t['published']} got {r.get('published')}"
            else:
                detail = f"body P {r['body_p']} R {r['body_r']} canonical {r.get('canonical')}"
            out.append(f"  {sid} {detail}")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.reposts.evaluate", description=__doc__.split("\n")[0])
    add_pool_args(ap)
    ap.add_argument("--keep", type=Path, help="keep portals, truth, database, export and scores in DIR")
    ap.add_argument("--no-baseline", action="store_true", help="skip the trafilatura + MinHashLSH baseline")
    ap.add_argument("--failures", type=int, default=12, help="failure cases listed per kind (0: none)")
    ap.add_argument(
        "--runs",
        type=int,
        default=1,
        help="crawl N times into fresh databases and print each run's figures too (the product's canonical "
        "copy can depend on fetch order); the full report is the first run's",
    )
    args = ap.parse_args(argv)
    work = args.keep or Path(tempfile.mkdtemp(prefix="reposts-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        try:
            data = write(work, args.which, args.seed, args.part)
        except CorpusMissing as e:
            print(f"error: {e}", file=sys.stderr)
            return 2
        db = work / "aggregator.db"
        for f in work.glob("aggregator.db*"):  # a kept directory from an earlier run
            shutil.rmtree(f) if f.is_dir() else f.unlink()
        env = dict(os.environ, AGGREGATOR_DB=str(db))
        with Servers(work / "portals", data) as servers:
            urls = [servers.urls[n] for n in data["portal_order"]]
            try:
                crawl_summary, exported, elapsed = run_product(urls, db, env)
            except RuntimeError as e:
                print(f"error: {e}", file=sys.stderr)
                return 1
            s = score(data, exported, servers.portal_of)
            portal_of = servers.portal_of
            table, copy_cases = copy_table(db, data, portal_of)
            more = []
            for i in range(2, args.runs + 1):
                db_i = work / f"run{i}" / "aggregator.db"
                if db_i.parent.exists():
                    shutil.rmtree(db_i.parent)
                db_i.parent.mkdir(parents=True)
                _, exported_i, _ = run_product(urls, db_i, dict(os.environ, AGGREGATOR_DB=str(db_i)))
                more.append(score(data, exported_i, servers.portal_of))
        base = None if args.no_baseline else baseline(work, data)
        print(report(s, data, crawl_summary, elapsed, base))
        if more:
            print("\n" + runs_table([s, *more]))
        print(
            "\nper copy, as the product read each stored page (what the page shows is the reference; names and"
        )
        print(
            "sources compared after traditional → simplified; body P/R against the original text, in simplified):"
        )
        print(table)
        if args.failures:
            text = failures(s, data, args.failures)
            if text:
                print("\nfailure cases (story ids as in truth.json):\n" + text)
            if copy_cases:
                print(f"\ncopy-level cases ({len(copy_cases)}):")
                by_kind: dict[str, list[str]] = defaultdict(list)
                for case in copy_cases:
                    by_kind[case.split()[0]].append(case)
                for cases in by_kind.values():
                    print("\n".join("  " + x for x in cases[: args.failures]))
                    if len(cases) > args.failures:
                        print(f"  ... {len(cases) - args.failures} more")
        if args.keep:
            (work / "export.jsonl").write_text(
                "".join(json.dumps(x, ensure_ascii=False) + "\n" for x in exported), encoding="utf-8"
            )
            scores = dict(s, crawl=crawl_summary, baseline=base, ports=portal_of)
            (work / "scores.json").write_text(
                json.dumps(scores, ensure_ascii=False, indent=1), encoding="utf-8"
            )
            print(f"\nkept in {work}")
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
