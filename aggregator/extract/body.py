"""Main-content detection: a text-density / link-density scorer over the lxml tree.

How it works (one bottom-up pass over the tree, one walk over the winner; the tree is never modified, the
attribution and date modules read it afterwards):

1. Chrome tags (script, style, nav, footer, iframe, ...) are skipped. Elements whose class/id/role/hidden flag
   say share, comment, related, sidebar, footer, ... (see ``vocabulary``) are "soft" drops: skipped too, but when
   one holds more running text than the whole rest of the page it is kept after all (misnamed wrappers), and
   containers inside soft drops stay candidates at a discount (``INSIDE_DROP_FACTOR``).
2. Every text block (the inline text under one block element) is judged: link-heavy blocks and short
   unpunctuated snippets are *bad* text, the rest *good* text (its own link text is bad). Teaser lists are caught
   by order: inside a small item, a good block right after a headline link counts as bad.
3. Each container scores ``good - PENALTY * bad`` over its subtree and the best one is the main node: the tightest
   element that still holds nearly all running text; a body split over sibling blocks is taken in whole when the
   siblings carry more good than bad text. When the h1/h2 repeating the title is found, containers away from it
   (before it, or beyond its few nearest ancestors) are discounted, so a stream of long teasers cannot beat a
   short article. List items are never candidates. ``regions`` marks what the text scores cannot see: the boxes of
   form controls (consent switches, polls, sign-ups), the title heading's own <article> when the next story
   follows it, a summary box before the body.
4. The main node is written out as paragraphs by ``lines`` (chrome lines, section labels and closing notices
   dropped there), and ``pagekind`` judges whether the page is an article at all.

Nothing reads page-specific markup; no thresholds come from single pages.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

from aggregator.extract.dom import HARD, SOFT, drop_kind, has_content_class, rescuable, select
from aggregator.extract.lines import (
    _PUNCT,
    ENUMERATION_MARK,
    LINK_HEAVY,
    SNIPPET_CHARS,
    _chars,
    _collect,
    _paragraphs,
    _repeats_title,
)
from aggregator.extract.pagekind import _is_article_block
from aggregator.extract.regions import control_boxes, own_article, summary_box, within
from aggregator.extract.vocabulary import (
    BLOCK_TAGS,
    CANDIDATE_TAGS,
    SOFT_DROP_TAGS,
)


@dataclass
class MainContent:
    """What find_main found: the main node (None when nothing qualifies), its kept lines, article or list page."""

    node: object | None
    paragraphs: list[str] = field(default_factory=list)
    is_article: bool = False


# Bad text weighs more than good text, so a container that adds as much chrome as prose loses to the tighter one
# without it.
PENALTY = 1.7
# Link text is dropped again when paragraphs are written out, so it costs less than chrome that would be kept.
LINK_WEIGHT = 0.15
SNIPPET_WEIGHT = 0.5
# Short unlinked table cells are mostly data (figures, names in a table); menus built from tables are links.
CELL_SNIPPET_WEIGHT = 0.1
# A summary after a headline link is a teaser; beyond this many characters it is more likely a paragraph that
# follows an ad or a link box injected into the article, so only this much of it is counted as teaser.
TEASER_CAP = 150
# Headline + summary pairs are teasers when they share a small container (a list item, a card) holding at most
# this much running text; the same pair directly inside a long article body is an injected link box.
TEASER_ITEM_MAX = 450

# When the title heading is found, candidates away from it (before it, or outside its ANCHOR_LEVELS nearest
# ancestors) keep only this share of their score: a stream of long teasers must not beat a short article.
ANCHOR_LEVELS = 6
UNANCHORED_FACTOR = 0.2

# Candidates inside an element whose class/id reads like chrome (a comment, a sidebar) keep this share of their
# score: a long comment must not beat the article, yet a misnamed wrapper around everything changes nothing.
INSIDE_DROP_FACTOR = 0.5

# Rescue of soft drops that hold the article (see _score): rounds of rescoring, and how many elements of one class
# under one parent make a group whose joint text counts (an article's paragraphs, its sections).
RESCUE_ROUNDS = 4
GROUP_MEMBERS = 2


GOOD, LINKY, SNIP = 1, 2, 3


def _judge(t: int, link: int, punct: int, cell: bool = False) -> tuple[float, float, int]:
    """(good, bad, kind) of one text block; ``cell`` for table cells, whose short texts are usually data."""
    if t == 0:
        return 0.0, 0.0, 0
    if link > LINK_HEAVY * t:
        return 0.0, LINK_WEIGHT * t, LINKY
    if punct == 0 and t < SNIPPET_CHARS:
        return 0.0, (CELL_SNIPPET_WEIGHT if cell else SNIPPET_WEIGHT) * t, SNIP
    return float(t - link), LINK_WEIGHT * link, GOOD


class Visit(NamedTuple):
    """What the scorer's walk returns to an element's parent about the element's subtree."""

    good: float  # text judged article-like
    bad: float  # text judged boilerplate (links, snippets, teasers)
    chars: int  # the inline text still open at the end of the element, which the parent continues
    link_chars: int  # of which inside links
    punct: int  # its punctuation marks
    first_kind: int  # the first judged block under it (teaser bookkeeping)
    first_good: float  # that block's good text
    last_kind: int  # the last judged block under it


NOTHING = Visit(0.0, 0.0, 0, 0, 0, 0, 0.0, 0)  # a dropped subtree


class _Scorer:
    """Bottom-up pass: good/bad text per element, and the boilerplate subtrees skipped on the way.

    Besides link density, it recognises teaser lists (headline link, then a summary, repeated): inside a small
    item, a good block that directly follows a link-heavy one (snippets such as dates in between are transparent)
    is counted as bad text, so "more stories" streams full of summaries do not outweigh a short article.
    """

    def __init__(self, keep: set | None = None, boxes: set | None = None):
        self.scores: dict = {}  # candidate element -> (good, bad)
        self.dropped: dict = {}  # element -> (kind, good) for skipped subtrees
        # drop kinds decided before the class is read: control boxes (regions.control_boxes) are soft drops whatever
        # their class, rescued wrappers (keep) are kept; one lookup per element, as when there was only keep
        self.fixed: dict = dict.fromkeys(boxes or (), SOFT) | dict.fromkeys(keep or (), 0)
        self.inside_drop: set = set()

    def visit(self, el, in_link: bool = False, in_item: bool = False, in_drop: bool = False) -> Visit:
        """Score ``el``'s subtree; what its parent needs of it is the returned :class:`Visit`."""
        tag = el.tag
        fixed = self.fixed
        kind = fixed[el] if fixed and el in fixed else drop_kind(el)
        if kind == HARD:
            self.dropped[el] = (HARD, 0.0)
            return NOTHING
        in_link = in_link or tag == "a"
        in_item = in_item or tag == "li"
        # candidates inside a soft-dropped subtree stay (class names lie: "comments-enabled article"), at a discount
        in_drop = in_drop or bool(kind)
        cell = tag == "td" or tag == "th"
        good, bad, teaser, t, link, p, first_kind, first_good, last_kind = self._children(
            el, in_link, in_item, in_drop, cell
        )
        if tag in BLOCK_TAGS:
            g, b, teaser, first_kind, first_good, last_kind = _close(
                t, link, p, cell, teaser, first_kind, first_good, last_kind
            )
            good += g
            bad += b
            t = link = p = 0
        if teaser and good <= TEASER_ITEM_MAX:
            # only inside a small item (li, card): a link heading between two article paragraphs is an ad
            good -= teaser
            bad += teaser
        if kind:
            self.dropped[el] = (kind, good)
            return NOTHING
        if tag in CANDIDATE_TAGS and not in_item:
            # a list item is one of many teasers or links, never the article itself
            self.scores[el] = (good, bad)
            if in_drop:
                self.inside_drop.add(el)
        return Visit(good, bad, t, link, p, first_kind, first_good, last_kind)

    def _children(self, el, in_link: bool, in_item: bool, in_drop: bool, cell: bool):
        """Visit the children of ``el``, folding them into its running inline text (chars, link chars, punct).

        Returns (good, bad, teaser, chars, link chars, punct, first kind, first good, last kind); a block child
        closes the running text, an inline child adds its open text to it.
        """
        good = bad = teaser = 0.0
        first_kind, first_good, last_kind = 0, 0.0, 0
        text = el.text
        t = len(text.strip()) if text else 0
        p = len(_findall_punct(text)) if t else 0
        link = t if in_link else 0
        for child in el:
            ctag = child.tag
            if isinstance(ctag, str):
                cg, cb, ct, cl, cp, cfk, cfg, clk = self.visit(child, in_link, in_item, in_drop)
                good += cg
                bad += cb
                # <br> inside a <p> breaks lines of one paragraph (a poem, an address, a caption and a contact
                # line): judged as a whole they are prose, not a run of menu snippets; lines still split at it
                if ctag in BLOCK_TAGS and not (ctag == "br" and el.tag == "p"):
                    # the block child closes our running inline text
                    g, b, teaser, first_kind, first_good, last_kind = _close(
                        t, link, p, cell, teaser, first_kind, first_good, last_kind
                    )
                    good += g
                    bad += b
                    t = link = p = 0
                else:
                    t += ct
                    p += cp
                    if ctag == "a":
                        after = child.tail
                        if after and after.lstrip()[:1] == ENUMERATION_MARK:
                            cl = 0  # an item of a listing sentence: text, not a link (see lines.ENUMERATION_MARK)
                    link += cl
                if cfk:
                    teaser, first_kind, first_good = _follow(
                        teaser, first_kind, first_good, last_kind, cfk, cfg
                    )
                    last_kind = clk
            tail = child.tail
            if tail:
                n = len(tail.strip())
                if n:
                    t += n
                    p += len(_findall_punct(tail))
                    if in_link:
                        link += n
        return good, bad, teaser, t, link, p, first_kind, first_good, last_kind


def _close(chars, link, punct, cell, teaser, first_kind, first_good, last_kind):
    """Judge the running inline text a block closes: (good, bad) and the teaser bookkeeping after it."""
    g, b, k = _judge(chars, link, punct, cell)
    if k and k != SNIP:
        teaser, first_kind, first_good = _follow(teaser, first_kind, first_good, last_kind, k, g)
        last_kind = k
    return g, b, teaser, first_kind, first_good, last_kind


def _follow(teaser: float, first_kind: int, first_good: float, last_kind: int, kind: int, good: float):
    """Teaser bookkeeping for one more judged block: a good block right after a link-heavy one is a teaser."""
    if kind == GOOD and last_kind == LINKY:
        teaser += min(good, TEASER_CAP)
    if not first_kind:
        first_kind, first_good = kind, good
    return teaser, first_kind, first_good


_findall_punct = _PUNCT.findall


def _best(scores: dict, anchored: set | None = None, inside_drop: set | None = None):
    best, best_score = None, 0.0
    for el, (good, bad) in scores.items():
        s = good - PENALTY * bad
        if anchored and el not in anchored:
            s *= UNANCHORED_FACTOR
        if inside_drop and el in inside_drop:
            s *= INSIDE_DROP_FACTOR
        if s >= best_score:  # later = outer on ties: keep headings and captions that cost nothing
            best, best_score = el, s
    return best


def _title_heading(root, title: str | None):
    """The h1 (else h2) whose text is the page title: the article starts there.

    Failing that, the h1 (else h2) one of whose parts is the title: a headline printed as a kicker span and a title
    span ("Conflict in the Middle East - «Quote»") under a <title> that words the kicker differently.
    """
    if not title:
        return None
    for tag in ("h1", "h2"):
        for h in root.iter(tag):
            text = h.text_content()
            if text and len(text) < 300 and _repeats_title(text, title):
                return h
    for tag in ("h1", "h2"):
        for h in root.iter(tag):
            for part in h.iterchildren("*"):
                text = part.text_content()
                if text and len(text) < 300 and _repeats_title(text, title):
                    return h
    return None


def _anchored(heading, scores: dict) -> set:
    """Candidates near the title heading: its close ancestors and what follows it inside them."""
    top = heading
    near = set()
    for _ in range(ANCHOR_LEVELS):
        parent = top.getparent()
        if parent is None or parent.tag in ("body", "html"):
            break
        top = parent
        if top in scores:
            near.add(top)
    after = False
    for el in top.iter():
        if el is heading:
            after = True
        elif after and el in scores:
            near.add(el)
    return near


def _score(root, heading=None):
    """Score the page; soft drops that turn out to hold the article are kept and the page scored again.

    Class names lie in three ways that hold across sites: a wrapper around the whole article named after a layout
    ("sidebar-grid", "comments-enabled"), the article's own paragraphs marked for a paywall or an app
    ("p.paywall", "section.sidebar-grid__content"). So a soft drop is rescued when it holds more running text than
    everything kept, when it holds the page's own title heading and more text than the page keeps (a sidebar or
    a comment never holds the headline; the scorer still judges what is inside), or when it is one of several elements of one class that together hold more
    running text than the rest. Rescued wrappers may hide more soft drops of their own, hence a few rounds.
    """
    body = root.find("body")
    top = body if body is not None else root
    keep: set = set()
    holders: set = set()  # rescued wrappers of the title heading
    around_title = set(heading.iterancestors()) if heading is not None else set()
    boxes = control_boxes(top, around_title)
    scorer = _Scorer(boxes=boxes)
    scorer.visit(top)
    for _ in range(RESCUE_ROUNDS):
        page_good = scorer.scores.get(top, (0.0, 0.0))[0]
        rescue = set()
        groups: dict = {}
        for el, (kind, good) in scorer.dropped.items():
            if kind != SOFT:
                continue
            # a wrapper around the headline and much more text than the page keeps: the article under a layout name
            holds_title = (
                el in around_title
                and el.tag not in SOFT_DROP_TAGS
                and _chars(el.text_content()) > 2 * page_good
            )
            # below a rescued headline wrapper its layout word ("sidebar-grid__content") names no sidebar either;
            # comment threads stay out wherever they are
            if not (holds_title or rescuable(el, loose=bool(holders) and _inside(el, holders))):
                continue
            if holds_title:
                holders.add(el)
            if holds_title or (
                good > 200
                and (
                    good > 2 * page_good
                    or (good > page_good and (el.tag in SOFT_DROP_TAGS or has_content_class(el)))
                )
            ):
                rescue.add(el)
            elif el.get("class"):
                groups.setdefault((el.getparent(), el.get("class")), []).append((el, good))
        for members in groups.values():
            good = sum(g for _, g in members)
            if len(members) >= GROUP_MEMBERS and good > 200 and good > page_good:
                rescue.update(el for el, _ in members)
        if not rescue - keep:
            break
        keep |= rescue
        scorer = _Scorer(keep=keep, boxes=boxes)
        scorer.visit(top)
    return scorer


def _inside(el, wrappers: set) -> bool:
    parent = el.getparent()
    while parent is not None:
        if parent in wrappers:
            return True
        parent = parent.getparent()
    return False


def find_main(tree, selector: str | None = None, title: str | None = None) -> MainContent:
    """The main content of a parsed page: its node, its paragraphs with page chrome left out, article or not.

    ``tree``: the page as parse_html returns it (None gives an empty result). ``selector``: the source's CSS/XPath
    selector of the body; when it selects something, those nodes are the body (chrome inside them still dropped)
    and the scorer is not asked. ``title``: the page's title, as extract_title found it: the heading repeating it
    anchors the search for the body, and its repeat at the top of the body is left out.
    """
    if tree is None:
        return MainContent(None)
    root = tree.getroot() if hasattr(tree, "getroot") else tree
    if selector:
        found = select(root, selector)
        if found:
            # the site's own choice of node; only chrome inside it (scripts, share bars) is still dropped
            scorer = _Scorer()
            blocks: list[tuple[str, int, object]] = []
            good = bad = 0.0
            for el in found:
                scorer.visit(el)
                blocks += _collect(el, scorer.dropped)
                g, b = scorer.scores.get(el, (1.0, 0.0))
                good, bad = good + g, bad + b
            kept = _paragraphs(blocks, title)
            is_article = _is_article_block(kept, found[0], scorer.dropped, good, bad)
            return MainContent(found[0], [t for t, _ in kept], is_article)
    heading = _title_heading(root, title)
    scorer = _score(root, heading)
    anchored = _anchored(heading, scorer.scores) if heading is not None else None
    node = _best(scorer.scores, anchored, scorer.inside_drop)
    if node is None:
        return MainContent(None)
    own = own_article(node, heading, scorer.scores)
    if own is not None:
        inner = _best(within(own, scorer.scores), anchored, scorer.inside_drop)
        node = own if inner is None else inner
    good, bad = scorer.scores[node]
    blocks = summary_box(node, heading, scorer) + _collect(node, scorer.dropped)
    kept = _paragraphs(blocks, title)
    is_article = _is_article_block(kept, node, scorer.dropped, good, bad, root, title, blocks)
    return MainContent(node, [t for t, _ in kept], is_article)
