"""The story rules (aggregator/stories.py) on plain copy records, without a database."""

import itertools
import random

import numpy as np
import pytest

from aggregator.dedup import NUM_PERM, Match
from aggregator.stories import (
    CANDIDATES,
    REPRESENTATIVES,
    Copy,
    StoryState,
    add_date,
    hosted_by_publisher,
    is_original,
    merge_representatives,
    merge_story,
    represents,
    settle,
    story_date,
)

T0 = "2023-01-10T08:00:00+00:00"


def copy(n: int, **kw) -> Copy:
    defaults = dict(id=n, url=f"http://p{n}.test/1.html", size=500, signed=True, fetched_at=T0)
    return Copy(**{**defaults, **kw})


@pytest.mark.parametrize(
    "source, site, publisher, expected",
    [
        ("武汉科技报", None, "武汉科技报", True),
        (None, None, "武汉科技报", True),  # a newspaper's own page often names no source
        ("新华社", "武汉科技报", "武汉科技报", False),  # a wire story reprinted by the paper
        ("长江日报", "长江日报-长江网", None, True),
        ("武汉科技报", "荆楚在线", None, False),
        (None, "荆楚在线", None, False),
    ],
)
def test_a_page_is_hosted_by_its_publisher(source, site, publisher, expected):
    assert hosted_by_publisher(source, site, publisher) is expected


@pytest.mark.parametrize(
    "flag, site, key, expected",
    [
        (True, None, None, True),  # the pipeline said so (sources file, or the page names its own site)
        (False, "楚天晨报", "楚天晨报", True),  # no 来源 line, but the site is the story's source
        (False, "楚天晨报-楚天网", "楚天晨报", True),
        (False, "荆楚在线", "楚天晨报", False),
        (False, "楚天晨报", None, False),
    ],
)
def test_an_original_copy_is_flagged_or_on_the_site_of_the_storys_source(flag, site, key, expected):
    assert is_original(copy(1, is_original=flag, site_name=site), key) is expected


@pytest.mark.parametrize(
    "dates, expected",
    [
        ([("2023-01-09T08:30:00+08:00", T0), ("2023-01-08T10:00:00+08:00", T0)], "2023-01-08T10:00:00+08:00"),
        # a date after the fetch is a parsing mistake
        ([("2023-01-09T08:30:00+08:00", T0), ("2031-01-01T00:00:00+08:00", T0)], "2023-01-09T08:30:00+08:00"),
        # the day alone yields to the time on that same day, not to a later day
        ([("2023-01-08T00:00:00+08:00", T0), ("2023-01-08T10:00:00+08:00", T0)], "2023-01-08T10:00:00+08:00"),
        ([("2023-01-08T00:00:00+08:00", T0), ("2023-01-09T10:00:00+08:00", T0)], "2023-01-08T00:00:00+08:00"),
        # instants compare across zones
        ([("2023-01-09T09:00:00+08:00", T0), ("2023-01-09T02:00:00+00:00", T0)], "2023-01-09T09:00:00+08:00"),
        ([("not a date", T0), (None, T0)], None),
    ],
)
def test_the_story_date_is_the_earliest_credible_one(dates, expected):
    for order in itertools.permutations(dates):
        days: dict = {}
        for published, fetched in order:
            add_date(days, published, fetched)
        assert story_date(days) == expected


CASES = {
    # name: (copies, expected canonical id)
    "the original wins over more typical copies": (
        [copy(1, score=100), copy(2, score=300), copy(3, is_original=True, score=10)],
        3,
    ),
    "simplified wins over traditional": ([copy(1, traditional=True, score=300), copy(2, score=10)], 2),
    "a truncated copy never wins, however many agree": (
        [copy(1, size=200, score=400), copy(2, size=210, score=400), copy(3, size=500, score=10)],
        3,
    ),
    "the most typical wins over the largest": (
        [copy(1, size=520, score=128), copy(2, size=500, score=250), copy(3, size=505, score=240)],
        2,
    ),
    "equal typicality: the largest, then the URL": (
        [copy(1, url="http://b.test/", score=250), copy(2, url="http://a.test/", score=250)],
        2,
    ),
}


@pytest.mark.parametrize("name", CASES)
def test_the_canonical_copy(name):
    copies, expected = CASES[name]
    assert merge_story(copies)["canonical_copy_id"] == expected, name


def test_source_is_the_majority_claim_across_scripts_and_the_originals_own_spelling():
    claims = [
        copy(1, source="楚天晨報"),
        copy(2, source="楚天晨报"),
        copy(3, source="楚天晨报"),
        copy(4, source="网络"),
        copy(6, source="网络"),
    ]
    assert merge_story(claims)["source"] == "楚天晨报"
    own = copy(5, source=None, site_name="楚天晨报", score=0)
    fields = merge_story([*claims, own])
    assert fields["canonical_copy_id"] == 5 and fields["source"] == "楚天晨报"


def test_bylines_come_from_the_fullest_attribution_in_the_storys_script():
    copies = [
        copy(1, reporters=["白強", "李明"], traditional=True),
        copy(2, reporters=["白强"], score=300),
        copy(3, reporters=[], is_original=True),
    ]
    fields = merge_story(copies)
    assert fields["canonical_copy_id"] == 3 and fields["reporters"] == '["白强", "李明"]'


def test_representatives_cover_the_variants_while_there_is_room():
    assert represents([], None) and represents([1], 0.6) and not represents([1], 0.95)
    assert not represents(list(range(REPRESENTATIVES)), 0.2)
    kept, dropped = merge_representatives(list(range(10)), [20, 21, 22, 23])
    assert kept == [*range(10), 20, 21] and dropped == [22, 23]


def _story(n: int, rng: random.Random) -> tuple[list[Copy], np.ndarray]:
    """n copies of one text: signatures that agree on most slots, sizes, scripts, claims, dates and bylines."""
    base = np.array([rng.randrange(2**32) for _ in range(NUM_PERM)], dtype=np.uint32)
    sigs, copies = [], []
    for i in range(n):
        sig = base.copy()
        for slot in rng.sample(range(NUM_PERM), rng.randrange(5, 40)):
            sig[slot] = rng.randrange(2**32)
        sigs.append(sig)
        copies.append(
            copy(
                i + 1,
                url=f"http://p{rng.randrange(1000)}.test/{i}.html",
                size=rng.choice([300, 480, 500, 510]),
                traditional=i % 7 == 3,
                source=rng.choice(["新华社", "新华社", "新华網", "新华网"]),
                published=rng.choice([None, "2023-01-09T00:00:00+08:00", "2023-01-09T10:00:00+08:00"]),
                reporters=rng.choice([[], ["张三"], ["张三", "李四"]]),
                site_name=rng.choice([None, "新华网", "某资讯网"]),
            )
        )
    return copies, np.stack(sigs)


def _grow(copies: list[Copy], sigs: np.ndarray, order: list[int]) -> StoryState:
    """Add copies one by one as the store does, scores from slot counters, settling when the state says so."""
    counts = [dict() for _ in range(NUM_PERM)]
    state, added = None, []
    for i in order:
        c = Copy(**copies[i].to_dict())
        c.score = sum(counts[s].get(int(v), 0) for s, v in enumerate(sigs[i]))
        for s, v in enumerate(sigs[i]):
            counts[s][int(v)] = counts[s].get(int(v), 0) + 1
        added.append(i)
        if state is None:
            state = settle([c])
            continue
        agreement = {
            cand.id: int(np.count_nonzero(sigs[cand.id - 1] == sigs[i])) for cand in state.candidates
        }
        if state.add(c, agreement):
            state = settle([_scored(copies[j], sigs, added) for j in added], state.representatives)
    return state


def _scored(c: Copy, sigs: np.ndarray, among: list[int]) -> Copy:
    mine = sigs[c.id - 1]
    return Copy(
        **{**c.to_dict(), "score": sum(int(np.count_nonzero(sigs[j] == mine)) for j in among) - NUM_PERM}
    )


@pytest.mark.parametrize("n", [5, CANDIDATES, 40])
def test_adding_copies_one_by_one_in_any_order_gives_the_settled_story(n):
    rng = random.Random(n)
    copies, sigs = _story(n, rng)
    exact = settle([_scored(c, sigs, list(range(n))) for c in copies]).fields()
    for _ in range(4):
        order = list(range(n))
        rng.shuffle(order)
        assert _grow(copies, sigs, order).fields() == exact


def test_state_survives_its_json_form():
    rng = random.Random(3)
    copies, sigs = _story(8, rng)
    state = settle([_scored(c, sigs, list(range(8))) for c in copies], [1, 2])
    assert StoryState.from_json(state.to_json()) == state


def test_evidence_of_a_match_prefers_the_same_text():
    from aggregator.stories import match_record

    record = match_record([(4, Match(0.7, 0.9, False)), (9, Match(1.0, 1.0, True))], [3])
    assert record == {"with_copy": 9, "how": "same text", "joined_stories": [3]}
