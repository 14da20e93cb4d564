"""Search latency and export time at scale: p50/p95 of 2-, 3- and 4-character Chinese queries and an English
word over N stories, and the seconds to export M stories to JSONL, RSS, Atom and JSON Feed.

Stories are synthetic: titles and bodies recombined from a vocabulary of common Chinese words (so two-character
words such as 科技 are as frequent as in news text), with some English words. They are inserted through the
``stories`` table, so the search index is built by the product's own triggers.

    python bench/search_export.py [--stories 1000000] [--export 100000] [--db PATH]
"""

from __future__ import annotations

import argparse
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from aggregator.search import search  # noqa: E402
from aggregator.store import Store  # noqa: E402

WORDS = [
    "科技",
    "创新",
    "发展",
    "经济",
    "企业",
    "项目",
    "建设",
    "城市",
    "湖北",
    "武汉",
    "上海",
    "北京",
    "市场",
    "政策",
    "服务",
    "改革",
    "教育",
    "学生",
    "医院",
    "健康",
    "文化",
    "旅游",
    "交通",
    "地铁",
    "环境",
    "生态",
    "农业",
    "农村",
    "产业",
    "数字",
    "智能",
    "能源",
    "汽车",
    "制造",
    "人才",
    "投资",
    "金融",
    "银行",
    "消费",
    "就业",
    "社会",
    "社区",
    "居民",
    "安全",
    "研究",
    "大学",
    "专家",
    "会议",
    "工作",
    "部门",
    "政府",
    "今年",
    "去年",
    "记者",
    "报道",
    "发布",
    "推进",
    "加快",
    "提升",
    "实现",
    "完成",
    "增长",
    "同比",
    "目标",
    "重点",
    "高质量",
    "新能源",
    "产业链",
    "一体化",
    "示范区",
    "科技创新",
    "高新技术",
    "数字经济",
    "乡村振兴",
    "营商环境",
    "光谷",
    "长江",
    "江汉",
    "东湖",
]
ENGLISH = ["market", "energy", "battery", "policy", "river", "city", "growth", "digital"]
QUERIES = {
    "2-char": ["科技", "上海", "医院", "地铁", "光谷", "银行"],
    "3-char": ["高质量", "新能源", "产业链", "示范区", "一体化", "科技创"],
    "4-char": ["科技创新", "数字经济", "乡村振兴", "营商环境", "高新技术", "长江经济"],
    "english": ["battery", "energy", "policy", "river", "market", "digital"],
}


def sentence(rng: random.Random) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(6, 14))]
    if rng.random() < 0.05:
        words.insert(rng.randint(0, len(words)), f" {rng.choice(ENGLISH)} ")
    return "".join(words) + rng.choice("，。。；")


def fill(store: Store, n: int, rng: random.Random) -> None:
    conn = store.db.conn
    batch = 5000
    for lo in range(0, n, batch):
        rows = []
        for i in range(lo + 1, min(lo + batch, n) + 1):
            body = "".join(sentence(rng) for _ in range(rng.randint(8, 20)))
            day = f"2023-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}T08:00:00+08:00"
            rows.append(
                (
                    i,
                    "".join(rng.choice(WORDS) for _ in range(5)),
                    body,
                    day,
                    rng.choice(["武汉科技报", "长江日报"]),
                )
            )
        conn.execute("BEGIN")
        conn.executemany(
            "INSERT INTO stories (id, title, body, published, source, reporters, correspondents, editors, url, "
            "copies_count, first_seen, last_seen) VALUES (?, ?, ?, ?, ?, '[]', '[]', '[]', "
            "'http://bench.test/' || ?1, 1, ?4, ?4)",
            rows,
        )
        conn.execute("COMMIT")
        print(f"\r{min(lo + batch, n):,} stories", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--stories", type=int, default=1_000_000)
    ap.add_argument("--export", type=int, default=100_000, help="stories to export per format")
    ap.add_argument("--db", help="database path (default: a temporary file; an existing one is reused)")
    args = ap.parse_args()
    tmp = tempfile.TemporaryDirectory()
    db = Path(args.db or Path(tmp.name) / "search.db")
    store = Store(db)
    have = store.counts()["stories"]
    if have < args.stories:
        t0 = time.perf_counter()
        fill(store, args.stories, random.Random(1)) if have == 0 else sys.exit(
            f"{db} has {have} stories; use a new path"
        )
        print(
            f"filled {args.stories:,} stories in {time.perf_counter() - t0:.0f} s (index built by the triggers)"
        )
    print(f"search over {store.counts()['stories']:,} stories (20 results, snippets included):")
    for kind, queries in QUERIES.items():
        times = []
        for _ in range(3):
            for q in queries:
                t0 = time.perf_counter()
                search(store.db, q, limit=20)
                times.append((time.perf_counter() - t0) * 1000)
        q95 = statistics.quantiles(times, n=20)[18]
        print(f"  {kind:<8} p50 {statistics.median(times):7.1f} ms   p95 {q95:7.1f} ms")
    store.close()
    print(f"export of {args.export:,} stories:")
    for fmt in ("jsonl", "rss", "atom", "jsonfeed"):
        out = Path(tmp.name) / f"export.{fmt}"
        t0 = time.perf_counter()
        proc = subprocess.run(
            [sys.executable, "-m", "aggregator.cli", "export", "--db", str(db), "--format", fmt,
             "--limit", str(args.export), "-o", str(out)],
            capture_output=True, text=True,
        )  # fmt: skip
        took = time.perf_counter() - t0
        status = "ok" if proc.returncode == 0 else f"FAILED: {proc.stderr.strip()[:200]}"
        print(
            f"  {fmt:<9} {took:6.1f} s  {out.stat().st_size / 2**20 if out.exists() else 0:7.1f} MiB  {status}"
        )
    peak = max(
        resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
    )
    print(f"peak RSS {peak / 1024:.0f} MiB (this process or one export)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
