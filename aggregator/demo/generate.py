"""Write the demo portals and truth.json: `python -m aggregator.demo.generate [OUT_DIR]`.

Output is a pure function of the stories, so the committed files can be checked against a fresh run.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

from aggregator.demo._site import Site, file_of
from aggregator.demo.feeds import build_feedsite, build_mapsite
from aggregator.demo.newspapers import build_cjrb, build_kjb
from aggregator.demo.reposts import build_gbk, build_xinxi
from aggregator.demo.server import PORTAL_ORDER
from aggregator.demo.stories import NEWSPAPER_PORTAL, STORIES, published_iso

DEMO_DIR = Path(__file__).resolve().parent
BUILDERS = [build_kjb, build_cjrb, build_xinxi, build_gbk, build_feedsite, build_mapsite]


def build() -> list[Site]:
    sites = [b() for b in BUILDERS]
    assert [s.name for s in sites] == PORTAL_ORDER
    return sites


def truth(sites: list[Site]) -> dict:
    copies: dict[str, list[dict]] = {s["id"]: [] for s in STORIES}
    for site in sites:
        for story_id, copy in site.copies:
            copies[story_id].append(copy)
    portals = {
        site.name: {
            "articles": site.articles,
            "non_articles": site.non_articles,
            "disallowed": site.disallowed,
            "encoding": site.encoding,
            "newspaper": next((p for p, n in NEWSPAPER_PORTAL.items() if n == site.name), None),
        }
        for site in sites
    }
    stories = [
        {
            "id": s["id"],
            "title": s["title"],
            "source": s["newspaper"],
            "category": s["category"],
            "published": published_iso(s),
            "reporters": s["reporters"],
            "correspondents": s["correspondents"],
            "editors": s["editors"],
            "copies": copies[s["id"]],
        }
        for s in STORIES
    ]
    return {"portal_order": PORTAL_ORDER, "portals": portals, "stories": stories}


def generate(out_dir: Path | str = DEMO_DIR) -> None:
    out_dir = Path(out_dir)
    sites = build()
    root = out_dir / "portals"
    if root.exists():
        shutil.rmtree(root)
    for site in sites:
        for path, text in site.files.items():
            target = root / site.name / file_of(path).lstrip("/")
            target.parent.mkdir(parents=True, exist_ok=True)
            # strict encoding: a character GBK cannot hold must fail here, not turn into "?"
            target.write_bytes(text.encode(site.encoding))
    data = json.dumps(truth(sites), ensure_ascii=False, indent=1) + "\n"
    (out_dir / "truth.json").write_bytes(data.encode("utf-8"))


if __name__ == "__main__":
    generate(sys.argv[1] if len(sys.argv) > 1 else DEMO_DIR)
