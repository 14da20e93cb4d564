"""How a story's fields follow from its copies: the merge policy, as plain functions over typed copy records.

No database here (``aggregator/storygroups.py`` has the SQL), as Scrapy's httpcache keeps its policy apart from
its storage. A story is summarised by a ``StoryState`` that one more copy updates in constant time, whatever the
story's size: claim counters for the source, the earliest credible date per day, the largest copy, a bounded
ranked set of canonical candidates with their exact typicality scores, the copy with the fullest byline, and the
few representative copies that the LSH index holds. ``settle`` computes the same state from all of the copies at
once; the store calls it when the state could have gone stale (the majority claim changed, a copy left the story)
and each time the story doubles in size, so that copies outside the candidate set are ranked again.

Typicality: a MinHash signature's estimated Jaccard similarity to another is the fraction of equal slots, so a
copy's summed similarity to all the other copies is the number of (slot, value) pairs it shares with them, which
per-story counters ``count[slot][value]`` give exactly in O(k). The store keeps those counters and passes each
candidate's score (``Copy.score``) in.
"""

from __future__ import annotations

import functools
import json
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime

from aggregator.dedup import NUM_PERM, Match, is_traditional, normalize_text, to_simplified

CANDIDATES = 16  # copies kept ranked as possible canonical copies; a story this small is ranked exactly
REPRESENTATIVES = 12  # copies per story in the LSH index; a new copy is verified against these only
COVER = 0.9  # a copy at least this similar to a representative adds nothing to the index
NAMES = ("reporters", "correspondents", "editors")
FIRST_COPY = "first copy of its story: no stored copy was similar enough"
KEPT_APART_FIRST = (
    "first copy of its story: the similar copies hold different specifics (another day's report)"
)


@dataclass
class Copy:
    """What the merge rules need to know about one copy, decoded (lists, not JSON)."""

    id: int
    url: str
    title: str | None = None
    source: str | None = None  # the publisher this copy claims (来源)
    site_name: str | None = None
    published: str | None = None
    fetched_at: str = ""
    reporters: list[str] = field(default_factory=list)
    correspondents: list[str] = field(default_factory=list)
    editors: list[str] = field(default_factory=list)
    is_original: bool = False  # hosted by the publisher, as the pipeline decided (see hosted_by_publisher)
    traditional: bool = False  # the text is in traditional characters
    size: int = 0  # distinct shingles of the text
    signed: bool = False  # long enough to have a MinHash signature
    score: int = 0  # MinHash slots shared with the story's other copies, summed over them

    @property
    def names(self) -> int:
        return len(self.reporters) + len(self.correspondents) + len(self.editors)

    def to_dict(self) -> dict:
        return asdict(self)


# originals


@functools.lru_cache(maxsize=4096)
def _site_key(site_name: str) -> str:
    # a story settles by ranking all of its copies, most of them on a few thousand sites at most
    return normalize_text(site_name)


def names_source(site_name: str | None, claim: str | None) -> bool:
    """Whether a site's own name names a (normalised) claimed source, e.g. site "长江日报-长江网", claim "长江日报"."""
    site = _site_key(site_name or "")
    return bool(claim and site and (claim in site or site in claim))


def hosted_by_publisher(source: str | None, site_name: str | None, publisher: str | None) -> bool:
    """Whether a fetched page is on the site of the publisher that wrote it (the copy's ``is_original`` flag).

    ``publisher`` is what the sources file says about the crawled site; without it, the page's own site name
    must name the source the page claims.
    """
    if publisher:
        return source is None or source == publisher or source in publisher or publisher in source
    return bool(source) and names_source(site_name, normalize_text(source))


def is_original(copy: Copy, key: str | None) -> bool:
    """The one definition of an original copy: flagged as on its publisher's site when it was crawled, or on a
    site whose own name is the story's source (``key``, the normalised majority claim)."""
    return copy.is_original or names_source(copy.site_name, key)


# source


def claim_key(claims: dict[str, dict[str, int]]) -> str | None:
    """The story's source as a normalised claim: the most claimed, traditional and simplified forms together."""
    return max(claims, key=lambda k: (sum(claims[k].values()), len(k), k)) if claims else None


def add_claim(claims: dict[str, dict[str, int]], source: str | None, n: int = 1) -> None:
    if source:
        forms = claims.setdefault(normalize_text(source), {})
        forms[source] = forms.get(source, 0) + n


def story_source(claims: dict[str, dict[str, int]], canonical: Copy) -> str | None:
    """The source as printed: the publisher's own spelling when its page is the canonical copy, else the form
    the copies use most (simplified first)."""
    key = claim_key(claims)
    if not key:
        return None
    if is_original(canonical, key) and _site_key(canonical.site_name or "") == key:
        return canonical.site_name
    forms = claims[key]
    return max(forms, key=lambda f: (not is_traditional(f), forms[f], f == canonical.source, f))


# date


def _instant(iso: str) -> datetime:
    dt = datetime.fromisoformat(iso)
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


def credible(published: str | None, fetched_at: str) -> bool:
    """A date after the page was fetched is a parsing mistake, not a publication date."""
    if not published:
        return False
    try:
        return _instant(published) <= _instant(fetched_at)
    except ValueError:
        return False


def _earlier(a: str | None, b: str | None) -> str | None:
    if a is None or b is None:
        return a or b
    return min(a, b, key=lambda d: (_instant(d), d))


def _timed(iso: str) -> bool:
    return iso[11:19] != "00:00:00"


def add_date(days: dict[str, list], published: str | None, fetched_at: str) -> None:
    """Count one copy's date: per day as written, the earliest date and the earliest one with a time of day."""
    if not credible(published, fetched_at):
        return
    entry = days.setdefault(published[:10], [None, None])
    entry[0] = _earlier(entry[0], published)
    if _timed(published):
        entry[1] = _earlier(entry[1], published)


def story_date(days: dict[str, list]) -> str | None:
    """The earliest credible date; one that shows only the day yields to one with the time on that same day."""
    if not days:
        return None
    first = min((e[0] for e in days.values()), key=lambda d: (_instant(d), d))
    return first if _timed(first) else days[first[:10]][1] or first


# canonical copy and bylines


def typicality(copy: Copy, signed: int) -> float:
    """Mean estimated Jaccard similarity to the story's other signed copies, to two decimals."""
    return round(copy.score / (NUM_PERM * (signed - 1)), 2) if copy.signed and signed > 1 else 0.0


def canonical_rank(copy: Copy, key: str | None, largest: int, signed: int) -> tuple:
    """Smaller is better: an original; in simplified characters (readers get simplified text when any copy has
    it); within 90 % of the largest (a truncated copy never wins, however many agree); the most typical (not one
    padded with ads); the most complete; then the URL, so that the choice never depends on arrival order."""
    return (
        not is_original(copy, key),
        copy.traditional,
        copy.size < 0.9 * largest,
        -typicality(copy, signed),
        -copy.size,
        copy.url,
    )


def byline_order(copy: Copy) -> tuple:
    """The byline order among copies that are neither original nor canonical: fullest, simplified, by URL."""
    return (-copy.names, copy.traditional, copy.url)


def byline_rank(copy: Copy, key: str | None, canonical: Copy) -> tuple:
    """Smaller is better: the fullest attribution, then an original, simplified, the canonical copy, the URL."""
    return (-copy.names, not is_original(copy, key), copy.traditional, copy.id != canonical.id, copy.url)


def story_bylines(byline: Copy, canonical: Copy) -> dict[str, list[str]]:
    people = {n: list(getattr(byline, n)) for n in NAMES}
    if byline.traditional and not canonical.traditional:
        # the fullest byline is on a traditional-character copy: print the names as the story's text does
        people = {n: [to_simplified(name) for name in people[n]] for n in NAMES}
    return people


# matching


def best_match(matches: list[tuple[int, Match]]) -> tuple[int, Match]:
    """The evidence a joining copy records (what `explain` shows): the same text first, then the most similar."""
    return max(matches, key=lambda m: (m[1].same_body, m[1].jaccard, m[1].containment, -m[0]))


KEPT_APART = 3  # similar copies whose specifics differ, recorded for `explain`


def match_record(
    matches: list[tuple[int, Match]],
    joined: list[int] | None = None,
    kept_apart: list[tuple[int, Match]] | None = None,
) -> dict:
    """The evidence stored with a copy: the copy it joined by, the stories it joined, and the similar copies
    it was kept apart from because their specifics differ (the most similar first)."""
    if matches:
        copy_id, how = best_match(matches)
        out = {"with_copy": copy_id, "how": how.describe()}
    elif kept_apart:
        out = {"how": KEPT_APART_FIRST}
    else:
        out = {"how": FIRST_COPY}
    if joined:
        out["joined_stories"] = joined
    if kept_apart:
        closest = sorted(kept_apart, key=lambda m: (-m[1].jaccard, -m[1].containment, m[0]))[:KEPT_APART]
        out["kept_apart"] = [{"copy": c, "how": m.describe()} for c, m in closest]
    return out


def represents(representatives: list[int], similarity: float | None) -> bool:
    """Whether a copy joining a story becomes one of its representatives: while there is room, one that no
    representative covers (``similarity``: its best similarity to one, None when it matched none)."""
    return len(representatives) < REPRESENTATIVES and (similarity is None or similarity < COVER)


def similarity(match: Match) -> float:
    """How well a representative covers a copy: 1 for the same text, else the estimated Jaccard similarity."""
    return 1.0 if match.same_body else match.jaccard


def merge_representatives(big: list[int], small: list[int]) -> tuple[list[int], list[int]]:
    """Two stories joined: the larger one's representatives, then the smaller one's while there is room.
    Returns (kept, dropped)."""
    room = max(REPRESENTATIVES - len(big), 0)
    return big + small[:room], small[room:]


# the state of a story


@dataclass
class StoryState:
    copies: int = 0
    signed: int = 0
    largest: int = 0
    claims: dict[str, dict[str, int]] = field(default_factory=dict)
    days: dict[str, list] = field(default_factory=dict)
    candidates: list[Copy] = field(default_factory=list)  # best first: [0] is the canonical copy
    byline: Copy | None = None  # first by byline_order among all copies
    representatives: list[int] = field(default_factory=list)
    settled: int = 0  # size at the last settle: the story settles again when it has doubled

    @property
    def key(self) -> str | None:
        return claim_key(self.claims)

    @property
    def canonical(self) -> Copy:
        return self.candidates[0]

    def rank(self) -> None:
        key, largest, signed = self.key, self.largest, self.signed
        self.candidates.sort(key=lambda c: canonical_rank(c, key, largest, signed))
        del self.candidates[CANDIDATES:]

    def add(self, copy: Copy, agreement: dict[int, int]) -> bool:
        """Count one more copy; ``copy.score`` is its agreement with the story's copies, ``agreement`` maps each
        candidate's id to its agreement with ``copy``. True when the story must settle (see ``settle``)."""
        key = self.key
        self.copies += 1
        self.signed += copy.signed
        self.largest = max(self.largest, copy.size)
        for c in self.candidates:
            c.score += agreement.get(c.id, 0)
        add_claim(self.claims, copy.source)
        add_date(self.days, copy.published, copy.fetched_at)
        self.candidates.append(copy)
        self.rank()
        self.byline = min((c for c in (self.byline, copy) if c), key=byline_order)
        return self.key != key or self.copies >= 2 * max(self.settled, CANDIDATES)

    def merge(self, other: StoryState) -> list[int]:
        """Add another story's state (its copies join this story); candidates' scores must be set again by the
        caller. Returns the other story's representatives that no longer fit."""
        self.copies += other.copies
        self.signed += other.signed
        self.largest = max(self.largest, other.largest)
        for forms in other.claims.values():
            for form, n in forms.items():
                add_claim(self.claims, form, n)
        for day, (first, timed) in other.days.items():
            entry = self.days.setdefault(day, [None, None])
            entry[0], entry[1] = _earlier(entry[0], first), _earlier(entry[1], timed)
        mine = {c.id for c in self.candidates}
        self.candidates += [c for c in other.candidates if c.id not in mine]
        self.byline = min((c for c in (self.byline, other.byline) if c), key=byline_order)
        self.representatives, dropped = merge_representatives(self.representatives, other.representatives)
        return dropped

    def fields(self) -> dict:
        """The story's columns that follow from the state (title and body are the canonical copy's)."""
        key, canonical = self.key, self.canonical
        pool = [*self.candidates, *([self.byline] if self.byline else [])]
        byline = min(pool, key=lambda c: byline_rank(c, key, canonical))
        people = story_bylines(byline, canonical)
        return {
            "url": canonical.url,
            "canonical_copy_id": canonical.id,
            "title": canonical.title,
            "source": story_source(self.claims, canonical),
            "published": story_date(self.days),
            **{n: json.dumps(people[n], ensure_ascii=False) for n in NAMES},
            "copies_count": self.copies,
        }

    def to_json(self) -> str:
        # the fields as they are (asdict deep-copies every candidate first: 5x slower, the same text)
        return json.dumps(vars(self), ensure_ascii=False, separators=(",", ":"), default=vars)

    @classmethod
    def from_json(cls, text: str) -> StoryState:
        data = json.loads(text)
        data["candidates"] = [Copy(**c) for c in data["candidates"]]
        data["byline"] = Copy(**data["byline"]) if data["byline"] else None
        return cls(**data)


def settle(copies: list[Copy], representatives: list[int] | None = None) -> StoryState:
    """A story's state from all of its copies, each with its exact score. Adding the copies one by one gives
    the same state while the story has at most CANDIDATES copies; beyond, copies that left the candidate set
    are ranked again only here."""
    state = StoryState(copies=len(copies), settled=len(copies), representatives=list(representatives or []))
    for c in copies:
        state.signed += c.signed
        state.largest = max(state.largest, c.size)
        add_claim(state.claims, c.source)
        add_date(state.days, c.published, c.fetched_at)
    key, largest, signed = state.key, state.largest, state.signed
    state.candidates = sorted(copies, key=lambda c: canonical_rank(c, key, largest, signed))[:CANDIDATES]
    state.byline = min(copies, key=byline_order) if copies else None
    return state


def merge_story(copies: list[Copy]) -> dict:
    """A story's fields from all of its copies (scores given): the rules above in one call, for tests and tools."""
    return settle(copies).fields()
