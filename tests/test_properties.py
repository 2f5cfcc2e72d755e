"""Property tests, per layout: models survive rendering, texts survive parsing, byte for byte.

* ``parse(render(doc, L), L) == doc`` for generated digests (content only);
* ``render(parse(render(doc, L)), L) == render(doc, L)`` (rendering is idempotent);
* ``parse(render(doc, "json"), "json") == doc`` and the JSON's trivia gives the same Markdown;
* ``render(parse(text, L)) == text`` for generated texts full of trivia, directly and through JSON.

The ``@example`` cases are bugs Hypothesis found (see the report of the helper that
wrote these tests); they stay until the bug is fixed.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import example, given, reject

import digestformat as df
from digestformat import Digest, Paper
from digestformat.model import LayoutName
from strategies import LAYOUT_NAMES, digests, texts

TestFn = Callable[[], None]

# ----------------------------------------------------------------------------- known bugs, as examples

SEPARATOR_UNDER_META = Digest(layout="tagged", papers=[Paper(rank=1, title="T", upvotes=5)])
"""tagged, from scratch: '---' is written right under '**Upvotes**: 5', a setext underline."""

NOTICE_UNDER_META = Digest(layout="tagged", papers=[Paper(rank=1, title="T", upvotes=5, notice="n")])
"""tagged, from scratch: the notice is written right under the meta line and is not read as one."""

NEL_IN_FRONT_MATTER = Digest(layout="imrad", title="a\x85b", papers=[Paper(rank=1, title="T")])
"""U+0085 in a front-matter string is single-quoted by PyYAML and read back as a space."""

TRAILING_UNICODE_BLANK = Digest(layout="imrad", title="a\u3000", papers=[Paper(rank=1, title="T")])
"""A front-matter string ending in a Unicode blank (U+3000, U+00A0) loses it."""

REVIEW_TRAILING_BLANK_TAG = Digest(layout="review", papers=[Paper(title="T", tags=["x\xa0"], notice="n")])

REVIEW_LINK_ORDER = Digest(
    layout="review",
    papers=[
        Paper(
            title="T",
            links={"alphaxiv": "https://arxiv.org/abs/2601.00001", "pdf": "https://arxiv.org/abs/2601.00002"},
            arxiv_id="2601.00001",
        )
    ],
)
"""review: the arXiv id said by the first link is not written, but the post puts the pdf link first."""

REVIEW_PDF_IN_LINKS_LINE = "> [PDF](https://example.com/p.pdf)\n"
"""review: a pdf link read from a '> [PDF](url)' line is written back as a '> **링크:**' line."""

EMPTY_DIGEST_HEADING = "#\n\n## 1. [A](https://example.com)\n"
"""tagged/translated: a level-1 heading with no words is read as the digest heading and then dropped."""

REVIEW_CATEGORY_WITHOUT_TAGS = "---\ncategories: [Review]\n---\n**저자:** A\n"
"""review: a post in the category Review with no tags key gains 'tags: [Review]' when rendered."""

DOC_EXAMPLES: dict[LayoutName, tuple[Digest, ...]] = {
    "tagged": (SEPARATOR_UNDER_META, NOTICE_UNDER_META),
    "translated": (),
    "imrad": (NEL_IN_FRONT_MATTER, TRAILING_UNICODE_BLANK),
    "review": (REVIEW_TRAILING_BLANK_TAG, REVIEW_LINK_ORDER),
}
TEXT_EXAMPLES: dict[LayoutName, tuple[str, ...]] = {
    "tagged": (EMPTY_DIGEST_HEADING,),
    "translated": (EMPTY_DIGEST_HEADING.replace("#\n", " # \r\n", 1),),
    "imrad": (),
    "review": (REVIEW_PDF_IN_LINKS_LINE, REVIEW_CATEGORY_WITHOUT_TAGS),
}

# ----------------------------------------------------------------------------- the properties


def check_model_round_trip(doc: Digest, layout: LayoutName) -> None:
    text = df.render(doc, layout)
    back = df.parse(text, layout)
    assert back == doc, f"rendered as:\n{text!r}"


def check_idempotent(doc: Digest, layout: LayoutName) -> None:
    once = df.render(doc, layout)
    assert df.render(df.parse(once, layout), layout) == once


def check_json_round_trip(doc: Digest, layout: LayoutName) -> None:
    text = df.render(doc, "json")
    back = df.parse(text, "json")
    assert back == doc
    assert back.trivia == doc.trivia
    assert df.render(back, layout) == df.render(doc, layout)
    assert df.render(back, "json") == text


def check_text_round_trip(text: str, layout: LayoutName) -> None:
    try:
        doc = df.parse(text, layout)
    except df.DigestError as err:
        # the only texts that may not parse: an unclosed front matter, nothing but blanks
        if err.msg.startswith(("front matter opened with '---' is never closed", "empty document")):
            reject()
        if err.msg.startswith(f"this file reads no paper as {layout}; it looks like "):
            other = df.parse(text)  # a text of another layout, whose papers a wrong layout would lose
            assert other.layout != layout
            assert other.papers
            reject()
        raise
    assert df.render(doc) == text
    through_json = df.parse(df.render(doc, "json"), "json")
    assert df.render(through_json) == text
    assert through_json.warnings == doc.warnings


def _doc_property(
    check: Callable[[Digest, LayoutName], None], layout: LayoutName, examples: tuple[Digest, ...]
) -> TestFn:
    @given(doc=digests(layout))
    def test(doc: Digest) -> None:
        check(doc, layout)

    for case in examples:
        test = example(doc=case)(test)
    return test


def _text_property(layout: LayoutName) -> TestFn:
    @given(text=texts(layout))
    def test(text: str) -> None:
        check_text_round_trip(text, layout)

    for case in TEXT_EXAMPLES[layout]:
        test = example(text=case)(test)
    return test


test_tagged_model_round_trip = _doc_property(check_model_round_trip, "tagged", DOC_EXAMPLES["tagged"])
test_translated_model_round_trip = _doc_property(
    check_model_round_trip, "translated", DOC_EXAMPLES["translated"]
)
test_imrad_model_round_trip = _doc_property(check_model_round_trip, "imrad", DOC_EXAMPLES["imrad"])
test_review_model_round_trip = _doc_property(check_model_round_trip, "review", DOC_EXAMPLES["review"])

test_tagged_render_is_idempotent = _doc_property(check_idempotent, "tagged", ())
test_translated_render_is_idempotent = _doc_property(check_idempotent, "translated", ())
test_imrad_render_is_idempotent = _doc_property(check_idempotent, "imrad", ())
test_review_render_is_idempotent = _doc_property(check_idempotent, "review", ())

test_tagged_json_round_trip = _doc_property(check_json_round_trip, "tagged", ())
test_translated_json_round_trip = _doc_property(check_json_round_trip, "translated", ())
test_imrad_json_round_trip = _doc_property(check_json_round_trip, "imrad", ())
test_review_json_round_trip = _doc_property(check_json_round_trip, "review", ())

test_tagged_text_round_trip = _text_property("tagged")
test_translated_text_round_trip = _text_property("translated")
test_imrad_text_round_trip = _text_property("imrad")
test_review_text_round_trip = _text_property("review")


# ----------------------------------------------------------------------------- deterministic companions


@pytest.mark.parametrize("layout", LAYOUT_NAMES)
def test_every_strategy_layout_is_a_format(layout: LayoutName) -> None:
    assert layout in df.FORMATS


@pytest.mark.parametrize(
    "text",
    [
        "# 2026-02-16 D\r\n\r\n## 1. [A](https://huggingface.co/papers/2602.10388)\r\n"
        "**Upvotes**: 1\r\n\r\n---\r\n",
        "\ufeff# 2026-02-16 D\n\n## 1. T\n\n### 📌\ufe0f 한 줄 요약\nx\n\n---\n",
        "# 2026-02-16 D\r## 1. T\r\r### 🧑💻 개발자 관점\rx\n\n\n---",
        "# 2026-02-16 D\n\n## 1. T\n\n### \ufffd 핵심 포인트\n```\n### fenced\n## 2. [fake](u)\n```\n\n---\n",
    ],
)
def test_trivia_examples_round_trip_as_tagged(text: str) -> None:
    check_text_round_trip(text, "tagged")
