"""Per-page cost of dedup + store as the database grows: 10k, 100k and 1M stories already stored.

The stored stories are synthetic (random signatures and band keys, short bodies), loaded in bulk; the pages
measured at each size go through the real path: fingerprint (MinHash) + Store.add_copy (LSH probe, verify,
write copy, signature and band keys, refresh the story). Half of them are new articles, half are reposts
(truncated, re-punctuated) of articles measured earlier, so both the "no match" and the "match" paths count.

    python bench/dedup_scale.py [--sizes 10000,100000,1000000] [--pages 400] [--db PATH]

Prints ms per page (mean, p50, p95) at each size, the growth from the smallest to the largest, the database
size and the peak RSS of the process.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from aggregator.dedup import BANDS, HEAD_BANDS, NUM_PERM, SIGNATURE_VERSION, fingerprint  # noqa: E402
from aggregator.store import CopyRecord, Store  # noqa: E402

# common characters, so synthetic articles look like Chinese text to the normaliser
CHARS = "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向道命此变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式活设及管特件长求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指几九区强放决西被干做必战先回则任取据处队南给色光门即保治北造百规热领七海口东导器压志世金增争济阶油思术极交受联什认六共权收证改清己美再采转更单风切打白教速花带安场身车例真务具万每目至达走积示议声报斗完类八离华名确才科张信马节话米整空元况今集温传土许步群广石记需段研界拉林律叫且究观越织装影算低持音众书布复容儿须际商非验连断深难近矿千周委素技备半办青省列习响约支般史感劳便团往酸历市克何除消构府称太准精值号率族维划选标写存候毛亲快效斯院查江型眼王按格养易置派层片始却专状育厂京识适属圆包火住调满县局照参红细引听该铁价严"
PUNCT = "，。、；：“”"


def synthetic_article(rng: random.Random, n: int = 800) -> str:
    out = []
    for _ in range(n):
        out.append(rng.choice(CHARS))
        if rng.random() < 0.06:
            out.append(rng.choice(PUNCT))
    return "".join(out)


def fill(store: Store, start: int, stop: int, rng: np.random.Generator) -> None:
    """Bulk-load synthetic stories start..stop-1 with one copy each, their signatures and band keys."""
    conn = store.db.conn
    chunk = 20_000
    conn.execute("CREATE TEMP TABLE IF NOT EXISTS lsh_fill (key INTEGER, copy_id INTEGER)")
    # measured pages took ids too: synthetic ones continue after the largest id in either table
    base = (
        max(
            conn.execute("SELECT coalesce(max(id), 0) FROM stories").fetchone()[0],
            conn.execute("SELECT coalesce(max(id), 0) FROM copies").fetchone()[0],
        )
        - start
    )
    for lo in range(start, stop, chunk):
        hi = min(lo + chunk, stop)
        ids = range(base + lo + 1, base + hi + 1)
        stamp = "2023-01-01T00:00:00+00:00"
        conn.execute("BEGIN")
        conn.executemany(
            "INSERT INTO stories (id, title, body, url, canonical_copy_id, copies_count, first_seen, last_seen, "
            "reporters, correspondents, editors) VALUES (?, ?, ?, ?, ?, 1, ?, ?, '[]', '[]', '[]')",
            ((i, f"标题{i}", f"正文{i}", f"http://fill.test/{i}.html", i, stamp, stamp) for i in ids),
        )
        conn.executemany(
            "INSERT INTO copies (id, story_id, url, final_url, portal, body, body_hash, body_len, is_original, "
            "fetched_at, first_seen, last_seen, reporters, correspondents, editors) "
            "VALUES (?, ?, ?, ?, 'fill.test', ?, ?, 10, 0, ?, ?, ?, '[]', '[]', '[]')",
            (
                (
                    i,
                    i,
                    f"http://fill.test/{i}.html",
                    f"http://fill.test/{i}.html",
                    f"正文{i}",
                    f"h{i:019d}",
                    stamp,
                    stamp,
                    stamp,
                )
                for i in ids
            ),
        )
        sigs = rng.integers(0, 2**32, size=(hi - lo, 2, NUM_PERM), dtype=np.uint32)
        conn.executemany(
            "INSERT INTO signatures (copy_id, version, size, full, head) VALUES (?, ?, 800, ?, ?)",
            ((i, SIGNATURE_VERSION, s[0].tobytes(), s[1].tobytes()) for i, s in zip(ids, sigs, strict=True)),
        )
        keys = rng.integers(-(2**63), 2**63 - 1, size=(hi - lo, BANDS + HEAD_BANDS), dtype=np.int64)
        copy_ids = np.repeat(np.arange(ids.start, ids.stop, dtype=np.int64), BANDS + HEAD_BANDS)
        conn.executemany(
            "INSERT INTO lsh_fill (key, copy_id) VALUES (?, ?)",
            zip(keys.ravel().tolist(), copy_ids.tolist(), strict=True),
        )
        conn.execute("COMMIT")
    # sorted bulk insert into the WITHOUT ROWID index: SQLite sorts on disk, memory stays bounded
    conn.execute("BEGIN")
    conn.execute("INSERT OR IGNORE INTO lsh SELECT key, copy_id FROM lsh_fill ORDER BY key, copy_id")
    conn.execute("DELETE FROM lsh_fill")
    conn.execute("COMMIT")


def measure(store: Store, pages: int, rng: random.Random, earlier: list[str], size: int) -> list[float]:
    times = []
    texts = []
    for n in range(pages):
        if earlier and n % 2:
            base = rng.choice(earlier)
            text = base[: int(len(base) * rng.uniform(0.5, 0.9))].replace("，", ",").replace("。", ".")
        else:
            text = synthetic_article(rng)
            texts.append(text)
        t0 = time.perf_counter()
        record = CopyRecord(
            url=f"http://m{size}.test/{n}.html",
            final_url=f"http://m{size}.test/{n}.html",
            portal=f"m{size}.test",
            body=text,
            fetched_at="2023-02-01T00:00:00+00:00",
            title=f"测量{n}",
            fingerprint=fingerprint(text),
        )
        store.add_copy(record)
        times.append((time.perf_counter() - t0) * 1000)
    earlier.extend(texts)
    return times


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="10000,100000,1000000")
    ap.add_argument("--pages", type=int, default=400)
    ap.add_argument("--db", help="database path (default: a temporary file)")
    args = ap.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    tmp = tempfile.TemporaryDirectory()
    db = Path(args.db or Path(tmp.name) / "scale.db")
    if db.exists():
        db.unlink()
    rng_np, rng = np.random.default_rng(1), random.Random(1)
    store = Store(db)
    earlier: list[str] = []
    rows, stored = [], 0
    measure(store, 50, rng, earlier, 0)  # warm-up: imports, caches
    for size in sizes:
        t0 = time.perf_counter()
        fill(store, stored, size, rng_np)
        fill_s = time.perf_counter() - t0
        stored = size
        times = measure(store, args.pages, rng, earlier, size)
        q = statistics.quantiles(times, n=20)
        rows.append((size, statistics.mean(times), statistics.median(times), q[18], fill_s))
        print(
            f"{size:>9,} stories: {rows[-1][1]:6.2f} ms/page mean, p50 {rows[-1][2]:6.2f}, p95 {rows[-1][3]:6.2f} "
            f"(fill {fill_s:.0f} s)",
            flush=True,
        )
    store.close()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"growth {sizes[0]:,} -> {sizes[-1]:,}: {rows[-1][1] / rows[0][1]:.2f}x (mean), {rows[-1][2] / rows[0][2]:.2f}x (p50)"
    )
    print(
        f"database {os.path.getsize(db) / 2**20:.0f} MiB; peak RSS {peak_mb:.0f} MiB; {os.cpu_count()} CPUs"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
