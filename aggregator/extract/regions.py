"""Regions of the page the main-content scorer treats apart from its text scores (see ``body``).

Control boxes (consent switches, polls, sign-ups) are dropped before scoring whatever their class names; the title
heading's own <article> bounds the winner when the page loads the next story below; a summary box printed right
before the body belongs to it.
"""

from __future__ import annotations

from aggregator.extract.lines import _chars, _collect
from aggregator.extract.vocabulary import LEAD_BOX_TAGS

# A checkbox, radio button or e-mail field's box (see control_boxes): its nearest ancestor with this much text, up
# to this much. Text fields are left alone: share boxes print the article's link in one.
CONTROL_TYPES = frozenset({"checkbox", "radio", "email"})
CONTROL_BOX_MIN = 50
CONTROL_BOX_MAX = 1500

# Another <article> under the winner, with a headline and at least this much running text, is the next story.
NEXT_ARTICLE_CHARS = 500

# A summary box before the body (see summary_box) holds at least this much running text, all of it good.
LEAD_MIN_CHARS = 30


def control_boxes(top, around_title: set) -> set:
    """The small boxes around checkboxes, radio buttons and e-mail fields: consent switches for embeds, polls,
    newsletter sign-ups.

    A switch ("show external content", "I agree that data is sent to ..."), a poll's options or a sign-up form
    ("Get our weekly newsletter", an address field, "By signing up you agree to ...") sit in a box of their own
    inside the article; the box is the switch's nearest ancestor with CONTROL_BOX_MIN+ characters of
    text, when it holds at most CONTROL_BOX_MAX and not the title heading (a form wrapped around a short article is
    the article).
    """
    boxes = set()
    for control in top.iter("input"):
        if (control.get("type") or "").lower() not in CONTROL_TYPES:
            continue
        box = control.getparent()
        while box is not None and box is not top and _chars(box.text_content()) < CONTROL_BOX_MIN:
            box = box.getparent()
        if box is None or box is top or box in around_title:
            continue
        if _chars(box.text_content()) <= CONTROL_BOX_MAX:
            boxes.add(box)
    return boxes


def own_article(node, heading, scores: dict):
    """The <article> around the title heading, when ``node`` holds it and another article with a headline of its own.

    Pages that load the next story below the first (endless scroll) print each in an <article> with its own h1/h2;
    the winner is then their common container. The title heading says which one this page is about.
    """
    if heading is None:
        return None
    own = next(heading.iterancestors("article"), None)
    if own is None or own is node or node not in set(own.iterancestors()):
        return None
    for other in node.iter("article"):
        if other is own or own in set(other.iterancestors()) or other in set(own.iterancestors()):
            continue
        good = scores.get(other, (0.0, 0.0))[0]
        if good >= NEXT_ARTICLE_CHARS and next(other.iter("h1", "h2"), None) is not None:
            return own
    return None


def within(top, scores: dict) -> dict:
    """The candidates in ``top``'s subtree (itself included)."""
    return {el: scores[el] for el in top.iter() if el in scores}


def summary_box(node, heading, scorer) -> list:
    """The blocks of a summary box printed between the title heading and the body, as the body's sibling.

    Portals set the standfirst (摘要, 核心提示, a teaser paragraph) apart from the body text. It is the article's
    prose: all good text (no links, no snippets), in the box right before the body, with the headline above both.
    """
    if heading is None:
        return []
    prev = node.getprevious()
    while prev is not None and not isinstance(prev.tag, str):
        prev = prev.getprevious()  # comments between the boxes
    if prev is None or prev.tag not in LEAD_BOX_TAGS:
        return []
    good, bad = scorer.scores.get(prev, (0.0, 1.0))
    if good < LEAD_MIN_CHARS or bad > 0 or not _above(heading, prev):
        return []
    return _collect(prev, scorer.dropped)


def _above(heading, box) -> bool:
    """Is the heading in a sibling before ``box`` (or is it one)?"""
    top = heading
    parent = box.getparent()
    while top is not None and top.getparent() is not parent:
        top = top.getparent()
    return top is not None and top is not box and top in set(box.itersiblings(preceding=True))
