"""Any layout to any other with nothing lost: A -> B -> A gives the same content back."""

from __future__ import annotations

from pathlib import Path

import pytest

import digestformat as df
from digestformat.layouts import LAYOUTS
from digestformat.layouts._writer import shift_headings
from digestformat.layouts.vocabulary import EQUIVALENTS

FIXTURES = Path(__file__).parent / "fixtures"
VALID = sorted(FIXTURES.glob("*/valid/*.md"))
TARGETS = tuple(LAYOUTS)


def _id(path: Path) -> str:
    return str(path.relative_to(FIXTURES))


def _doc(path: Path) -> df.Digest:
    return df.parse(path.read_bytes(), path.parent.parent.name)


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("path", VALID, ids=_id)
def test_a_to_b_to_a_keeps_all_content(path: Path, target: str) -> None:
    doc = _doc(path)
    if target == "review" and len(doc.papers) > 1:
        with pytest.raises(df.DigestError, match="holds one paper"):
            df.render(doc, target)
        return
    converted = df.render(doc, target)
    middle = df.parse(converted)  # detected: conversions must be recognised as their layout
    assert middle.layout == target
    back = df.parse(df.render(middle, doc.layout))
    assert back == doc


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("path", sorted(FIXTURES.glob("*/valid/sample.md")), ids=_id)
def test_conversion_is_stable(path: Path, target: str) -> None:
    doc = _doc(path)
    if target == "review" and len(doc.papers) > 1:
        return
    once = df.render(doc, target)
    assert df.render(df.parse(once, target)) == once


def test_native_equivalents_are_written_natively() -> None:
    doc = _doc(FIXTURES / "tagged/valid/sample.md")
    imrad = df.parse(df.render(doc, "imrad"), "imrad")
    kinds = [s.kind for s in imrad.papers[3].sections]
    assert "limitations" in kinds
    assert "risks" not in kinds
    limitations = next(s for s in imrad.papers[3].sections if s.kind == "limitations")
    assert limitations.heading == "Limitations"
    translated = df.parse(df.render(doc, "translated"), "translated")
    assert next(s.kind for s in translated.papers[3].sections) == "summary"


def test_fallback_lines_carry_what_a_layout_has_no_place_for() -> None:
    doc = _doc(FIXTURES / "tagged/valid/sample.md")
    text = df.render(doc, "imrad")
    assert "**Upvotes**: 195 | **도입 난이도**: 중 | **신뢰도**: 중" in text
    assert "**태그**: RAG" in text
    imrad = df.parse(text, "imrad")
    assert imrad.papers[0].upvotes == 195
    assert imrad.papers[0].tags == ["RAG"]
    assert imrad.warnings == []  # fallbacks are read, not kept as stray lines


def test_review_fields_travel_into_a_digest_and_back() -> None:
    doc = _doc(FIXTURES / "review/valid/sample.md")
    tagged = df.render(doc, "tagged")
    assert "**저자:** Lai Wei" in tagged
    assert "> ⚠️ **알림:**" in tagged
    paper = df.parse(tagged).papers[0]
    assert paper.title == doc.papers[0].title
    assert paper.authors == doc.papers[0].authors
    assert paper.notice == doc.papers[0].notice


def test_no_two_equivalent_kinds_are_native_to_one_layout() -> None:
    for layout in LAYOUTS.values():
        for group in EQUIVALENTS:
            assert len(group & set(layout.section_headings)) <= 1, (layout.name, group)


def test_headings_in_bodies_follow_the_section_level() -> None:
    body = "text\n### sub\n```\n### code\n```\n##### deep"
    assert shift_headings(body, 1) == "text\n#### sub\n```\n### code\n```\n###### deep"
    assert shift_headings(shift_headings(body, 1), -1) == body
    # a level-6 heading has nowhere deeper to go: it stays (the one case the way back cannot mend)
    assert shift_headings("###### six", 1) == "###### six"


def test_front_matter_keys_that_clash_with_fields_are_escaped() -> None:
    text = "# 2026-02-16 D\n\n## 1. [A](https://huggingface.co/papers/2602.10388)\n**Upvotes**: 1\n\n---\n"
    doc = df.parse(text, "tagged")
    doc.front_matter = {"title": "a key of the front matter", "date": "2020-01-01", "front_matter_x": 1}
    imrad = df.render(doc, "imrad")
    assert "front_matter_title: a key of the front matter" in imrad
    assert "front_matter_x: 1" in imrad  # not a clash: kept as is
    assert df.parse(df.render(df.parse(imrad), "tagged")) == doc


def test_a_layout_hint_is_written_only_where_detection_needs_it() -> None:
    for path in sorted(FIXTURES.glob("*/valid/sample.md")):
        doc = _doc(path)
        for target in TARGETS:
            if target == "review" and len(doc.papers) > 1:
                continue
            text = df.render(doc, target)
            if "<!-- digestformat:" in text:
                without = "\n".join(
                    line for line in text.split("\n") if not line.startswith("<!-- digestformat:")
                )
                assert df.detect(without) != target
