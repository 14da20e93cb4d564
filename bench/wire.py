"""Cost of one more copy of a wire story as the story grows: ms per added copy at 10 / 100 / 1,000 / 5,000 copies.

One story (a synthetic ~800-character article) is reposted by one portal after another: the same text with a
different footer line on each, every 10th copy truncated to 70 % with 阅读全文, every 10th (offset) in
traditional characters, claims split between 新华社 and 新华网, some bylines. Each copy goes through the
product's path: fingerprint (what the dedupe pipeline does) + ``Store.add_copy`` (match, write, story fields).
At each size the next ``--window`` copies are timed; the story grows through the same path in between.

    python bench/wire.py [--sizes 10,100,1000,5000] [--window 20] [--db PATH]

Prints ms per added copy (mean and median of the window) at each size, the ratio of the 1,000th to the 10th,
and how long ``aggregator show`` and ``aggregator explain`` of the grown story take (the whole command).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from aggregator.dedup import fingerprint  # noqa: E402
from aggregator.store import CopyRecord, Store  # noqa: E402
from bench.dedup_scale import synthetic_article  # noqa: E402


def wire_copy(article: str, traditional: str, i: int) -> CopyRecord:
    """The i-th repost of the article: its own footer, and now and then truncated or in traditional characters."""
    footer = f"\n（本文由第{i}号网站转载，转载请注明出处。责任编辑：王{i}）"
    if i % 10 == 3:
        body = article[: int(len(article) * 0.7)] + "……阅读全文"
    elif i % 10 == 7:
        body = traditional + footer
    else:
        body = article + footer
    url = f"http://portal{i}.test/news/{i}.html"
    return CopyRecord(
        url=url,
        final_url=url,
        portal=f"portal{i}.test",
        body=body,
        fetched_at=f"2023-03-{1 + i // 1440 % 28:02d}T{i // 60 % 24:02d}:{i % 60:02d}:00+00:00",
        title="新华社：全国春耕生产有序推进",
        published="2023-03-01T08:00:00+08:00" if i % 4 else "2023-03-01T00:00:00+08:00",
        source="新华社" if i % 3 else "新华网",
        reporters=["张三", "李四"] if i % 5 == 0 else [],
        site_name=f"第{i}资讯网",
    )


def add(store: Store, record: CopyRecord) -> float:
    t0 = time.perf_counter()
    record.fingerprint = fingerprint(record.body)
    store.add_copy(record)
    return (time.perf_counter() - t0) * 1000


def command_seconds(*args: str) -> tuple[float, float]:
    """(whole command in a new process, the same command run again in this process once imports are done)."""
    from aggregator.cli import main as cli

    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "aggregator.cli", *args], check=True, capture_output=True)
    whole = time.perf_counter() - t0
    with contextlib.redirect_stdout(io.StringIO()):
        cli(list(args))
        t0 = time.perf_counter()
        cli(list(args))
    return whole, time.perf_counter() - t0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="10,100,1000,5000")
    ap.add_argument("--window", type=int, default=20, help="copies timed at each size (default: 20)")
    ap.add_argument("--db", help="database path (default: a temporary file)")
    args = ap.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    import opencc

    article = synthetic_article(random.Random(7))
    traditional = opencc.OpenCC("s2t").convert(article)
    tmp = tempfile.TemporaryDirectory()
    db = Path(args.db or Path(tmp.name) / "wire.db")
    if db.exists():
        db.unlink()
    store = Store(db)
    # warm-up on another story: imports, caches, the first pages of the database
    for i in range(20):
        warm = synthetic_article(random.Random(1000 + i))
        add(store, wire_copy(warm, warm, 10**6 + i))
    results: dict[int, list[float]] = {}
    i, grow_s = 0, 0.0
    for size in sizes:
        t0 = time.perf_counter()
        while i < size:
            add(store, wire_copy(article, traditional, i))
            i += 1
        grow_s += time.perf_counter() - t0
        times = [add(store, wire_copy(article, traditional, i + j)) for j in range(args.window)]
        i += args.window
        results[size] = times
        print(
            f"{size:>6} copies in the story: {statistics.mean(times):7.2f} ms per added copy "
            f"(median {statistics.median(times):7.2f})",
            flush=True,
        )
    story_id = store.db.execute(
        "SELECT story_id FROM copies WHERE url = ?", (wire_copy("", "", 0).url,)
    ).fetchone()[0]
    count = store.db.execute("SELECT copies_count FROM stories WHERE id = ?", (story_id,)).fetchone()[0]
    stories = store.counts()["stories"]
    store.close()
    if 10 in results and 1000 in results:
        ratio = statistics.mean(results[1000]) / statistics.mean(results[10])
        med = statistics.median(results[1000]) / statistics.median(results[10])
        print(f"ratio 1000th / 10th copy: {ratio:.2f} (mean), {med:.2f} (median)")
    print(
        f"story {story_id}: {count} copies ({stories} stories in the database, 20 of them warm-up); grown in {grow_s:.0f} s"
    )
    for command in ("show", "explain"):
        whole, inside = command_seconds(command, str(story_id), "--db", str(db))
        print(f"aggregator {command} {story_id}: {whole:.2f} s as a command, {inside:.3f} s once imported")
    return 0


if __name__ == "__main__":
    sys.exit(main())
