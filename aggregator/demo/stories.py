"""The demo's news stories: originals of two newspapers, each later reposted by the demo portals.

Stories covering the same event (the 2023 provincial science conference, the Optics Valley talent policy) are
deliberately separate stories with different text: they are the hard negatives for repost recognition.
"""

from aggregator.demo._cjrb import CJRB_STORIES
from aggregator.demo._kjb import KJB_STORIES

KJB = "武汉科技报"
CJRB = "长江日报"
# newspaper name -> the demo portal that publishes its originals
NEWSPAPER_PORTAL = {KJB: "kjb", CJRB: "cjrb"}
SEED_ID = "daye-innovation"


def _with_paper(stories: list[dict], paper: str) -> list[dict]:
    return [{"newspaper": paper, **s} for s in stories]


STORIES: list[dict] = _with_paper(KJB_STORIES, KJB) + _with_paper(CJRB_STORIES, CJRB)
BY_ID: dict[str, dict] = {s["id"]: s for s in STORIES}


def published_iso(story: dict) -> str:
    """Newspaper dates are Beijing time; truth carries them with an explicit offset."""
    day, hm = story["published"].split()
    return f"{day}T{hm}:00+08:00"
