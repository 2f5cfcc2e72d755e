"""Properties across formats, over generated documents: A -> B -> A keeps the content, and every
feed gives the document back."""

from __future__ import annotations

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

import digestformat as df
from digestformat._scan import _heading
from digestformat.layouts import LAYOUTS as SPECS
from digestformat.layouts._units import read_paper_heading
from digestformat.layouts.vocabulary import equivalent
from digestformat.model import Digest, LayoutName, Paper
from strategies import digests

LAYOUTS: tuple[LayoutName, ...] = ("tagged", "translated", "imrad", "review")
FEEDS = ("rss", "atom", "jsonfeed")


def _heading_holds(text: str) -> bool:
    """Does an ATX heading give *text* back (no blanks at either end, no closing '#'s)?"""
    read = _heading("# " + text)
    return bool(text.strip()) and read is not None and read.text == text


_ECHO_FOLLOWERS = ("link", "authors", "keywords", "title_echo")


def _looks_like_an_echo(paper: Paper) -> bool:
    """A post whose first section (kind null) opens its body with an authors, keywords or link
    line, in a paper with no authors or keywords: read back, its heading is the title's echo."""
    if not paper.sections or paper.sections[0].kind is not None or paper.authors or paper.keywords:
        return False
    first = paper.sections[0].body.split("\n", 1)[0]
    units = [u for u in SPECS["review"].line_units if u.name in _ECHO_FOLLOWERS]
    return any(u.read(first) is not None for u in units)


def _known_limit(doc: Digest, source: str, target: str) -> bool:
    """The documented limits of conversion (docs/conversions.md#known-limits)."""
    native_a = SPECS[source].section_headings
    native_b = SPECS[target].section_headings
    for paper in doc.papers:
        for section in paper.sections:
            kind = section.kind
            if kind is None or kind in native_a or kind not in native_b:
                continue
            if equivalent(kind, native_a) is not None and section.heading == native_b[kind][1]:
                return True  # a section of B's kind written in A comes back as A's equivalent
    if doc.title is not None and SPECS[target].digest_heading and not _heading_holds(doc.title):
        return True  # a heading's text is stripped: '# 0\t' is '0', '# #' and a blank title are none
    if SPECS[target].paper_level is not None and any(
        paper.url is None and not _heading_holds(paper.title) for paper in doc.papers
    ):
        return True  # a paper title without a url is heading text: stripped the same way
    if target == "review" and any(paper == Paper(title="") for paper in doc.papers):
        return True  # a post shows its paper only by some content: an empty one is no paper
    if target == "review" and any(paper.url is not None and not paper.url.strip() for paper in doc.papers):
        return True  # '**URL**: \t' reads back as an extra line: a URL of blanks only
    for paper in doc.papers:
        if (read_paper_heading(f"[{paper.title}]()") or {}).get("title") != paper.title:
            return True  # a title that is not valid link text cannot stand in '## [TITLE](url)'
        if SPECS[source].section_level != SPECS[target].section_level and any(
            "######" in section.body for section in paper.sections
        ):
            return True  # a level-6 heading in a body has no deeper level to move to

    if target == "review" and any(_looks_like_an_echo(paper) for paper in doc.papers):
        return True  # a first section under no known heading, with a header line first in its body

    # an empty front-matter mapping comes back as none through the Jekyll layouts
    return doc.front_matter == {} and target in ("imrad", "review")


@pytest.mark.parametrize("source", LAYOUTS)
def test_a_to_b_to_a_keeps_the_content(source: LayoutName) -> None:
    @given(doc=digests(source), target=st.sampled_from(LAYOUTS))
    def check(doc: Digest, target: LayoutName) -> None:
        assume(not _known_limit(doc, source, target))
        if target == "review" and len(doc.papers) > 1:
            with pytest.raises(df.DigestError, match="holds one paper"):
                df.render(doc, target)
            return
        middle_text = df.render(doc, target)
        middle = df.parse(middle_text)  # detected, as a user's next step would
        assert middle.layout == target, middle_text
        back = df.parse(df.render(middle, source))
        assert back == doc, f"through {target}:\n{middle_text}"

    check()


@pytest.mark.parametrize("source", LAYOUTS)
def test_feeds_give_the_document_back(source: LayoutName) -> None:
    @given(doc=digests(source), fmt=st.sampled_from(FEEDS))
    def check(doc: Digest, fmt: str) -> None:
        back = df.parse(df.render(doc, fmt), fmt)
        assert back == doc
        assert df.render(back, source) == df.render(doc, source)

    check()
