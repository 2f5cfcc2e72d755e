"""Edits stay local: changing one field of a parsed sample changes only the lines that carry it.

For every sample and every field a layout holds, the test edits the parsed
model, renders it, and checks (a) with difflib that the output differs from
the input only on the lines that carry the field, and (b) that the output
reads back as the edited model. Deleting a paper removes exactly its lines;
adding a Paper or Section built from scratch (no trivia) inserts lines that
read back as what was added.
"""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

import digestformat as df
from digestformat import Digest, Paper, Section, Thumbnail
from digestformat.model import LayoutName, SectionKind

FIXTURES = Path(__file__).parent / "fixtures"
LAYOUTS: tuple[LayoutName, ...] = ("tagged", "translated", "imrad", "review")

Lines = list[str]
Edit = Callable[[Digest], None]
Carriers = Callable[[Lines], set[int]]


def sample_text(layout: str) -> str:
    return (FIXTURES / layout / "valid" / "sample.md").read_bytes().decode("utf-8")


# ----------------------------------------------------------------------------- diffing


@dataclass(frozen=True)
class Change:
    removed: range  # lines of the input replaced or deleted
    inserted: list[str]  # lines of the output put in their place


def changes(before: str, after: str) -> list[Change]:
    a = before.split("\n")
    b = after.split("\n")
    matcher = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
    return [
        Change(range(i1, i2), b[j1:j2]) for tag, i1, i2, j1, j2 in matcher.get_opcodes() if tag != "equal"
    ]


def assert_only(before: str, after: str, carriers: set[int]) -> list[Change]:
    """The output differs from the input only on *carriers* (or by lines inserted next to one)."""
    found = changes(before, after)
    assert found, "the edit changed nothing"
    lines = before.split("\n")
    for change in found:
        if change.removed:
            touched = set(change.removed)
            local = touched <= carriers
        else:  # an insertion: between two lines, one of which must carry the field
            touched = {change.removed.start - 1, change.removed.start}
            local = bool(touched & carriers)
        assert local, (
            f"lines {sorted(touched)} changed, only {sorted(carriers)} carry the field:\n"
            + "\n".join(f"- {lines[i]}" for i in change.removed if 0 <= i < len(lines))
            + "\n"
            + "\n".join(f"+ {line}" for line in change.inserted)
        )
    return found


# ----------------------------------------------------------------------------- locating lines


def first(lines: Lines, prefix: str, nth: int = 0) -> int:
    hits = [i for i, line in enumerate(lines) if line.startswith(prefix)]
    return hits[nth]


def line_of(prefix: str, nth: int = 0) -> Carriers:
    return lambda lines: {first(lines, prefix, nth)}


def front_matter_key(key: str) -> Carriers:
    """The lines of one top-level key of the front matter (its value lines included)."""

    def find(lines: Lines) -> set[int]:
        end = lines.index("---", 1)
        start = first(lines[:end], f"{key}:")
        stop = start + 1
        while stop < end and lines[stop][:1] in (" ", "-"):
            stop += 1
        return set(range(start, stop))

    return find


def front_matter_end() -> Carriers:
    """The front matter's closing '---' and the line above it (where a new key goes)."""

    def find(lines: Lines) -> set[int]:
        end = lines.index("---", 1)
        return {end - 1, end}

    return find


def paper_start(lines: Lines, layout: str, index: int) -> int:
    """Where paper *index* starts; IndexError when there is no such paper."""
    if layout == "review":
        if index > 0:
            raise IndexError(index)  # a post holds one paper: it starts after the front matter
        return lines.index("---", 1) + 1
    marks = "# " if layout == "imrad" else "## "
    return first(lines, f"{marks}{index + 1}. ")


def paper_block(layout: str, index: int) -> Carriers:
    """All lines of one paper: its heading up to the next paper's heading."""

    def find(lines: Lines) -> set[int]:
        start = paper_start(lines, layout, index)
        try:
            stop = paper_start(lines, layout, index + 1)
        except IndexError:
            stop = len(lines) - (lines[-1] == "")  # the '' after the final newline is no line
        return set(range(start, stop))

    return find


def header_block(layout: str, index: int) -> Carriers:
    """A paper's lines before its first section (where a new header line goes)."""

    def find(lines: Lines) -> set[int]:
        block = sorted(paper_block(layout, index)(lines))
        marks = "### " if layout in ("tagged", "translated") else "## "
        stop = next((i for i in block if lines[i].startswith(marks)), block[-1] + 1)
        return set(range(block[0], stop))

    return find


def section_body(layout: str, paper: int, heading_words: str) -> Carriers:
    """The lines under one section heading of one paper, up to the next heading."""

    def find(lines: Lines) -> set[int]:
        block = sorted(paper_block(layout, paper)(lines))
        heading = next(i for i in block if lines[i].startswith("#") and heading_words in lines[i])
        stop = next((i for i in block if i > heading and lines[i].startswith("#")), block[-1] + 1)
        return set(range(heading + 1, stop))

    return find


# ----------------------------------------------------------------------------- the edits


def _set(obj: object, name: str, value: object) -> None:
    setattr(obj, name, value)


@dataclass(frozen=True)
class Case:
    layout: str
    name: str
    edit: Edit
    carriers: Carriers

    @property
    def id(self) -> str:
        return f"{self.layout}-{self.name}"


def _paper(index: int, name: str, value: object) -> Edit:
    return lambda doc: _set(doc.papers[index], name, value)


def _digest(name: str, value: object) -> Edit:
    return lambda doc: _set(doc, name, value)


def _body(paper: int, section: int, body: str) -> Edit:
    return lambda doc: _set(doc.papers[paper].sections[section], "body", body)


def _tag_added(paper: int, tag: str) -> Edit:
    return lambda doc: doc.papers[paper].tags.append(tag)


def _tag_removed(paper: int, tag: str) -> Edit:
    return lambda doc: doc.papers[paper].tags.remove(tag)


def _author(paper: int, index: int | None, name: str) -> Edit:
    """Replace the author at *index*, or add one when *index* is None."""

    def edit(doc: Digest) -> None:
        authors = doc.papers[paper].authors
        if index is None:
            authors.append(name)
        else:
            authors[index] = name

    return edit


def _front_matter(key: str, value: bool | str) -> Edit:
    def edit(doc: Digest) -> None:
        assert doc.front_matter is not None
        assert key in doc.front_matter
        doc.front_matter[key] = value

    return edit


NEW_BODY = "편집된 본문: [링크](https://example.com) `code`\n\n- 새 항목"

CASES = [
    # tagged: '# DATE title', '## N. [title](url)', meta, arXiv, tags, sections
    Case("tagged", "paper-title", _paper(3, "title", "Zooming, edited [v2]"), line_of("## 4. ")),
    Case("tagged", "upvotes", _paper(0, "upvotes", 999), line_of("**Upvotes**:", 0)),
    Case("tagged", "difficulty", _paper(1, "difficulty", "상"), line_of("**Upvotes**:", 1)),
    Case("tagged", "reliability", _paper(4, "reliability", "하"), line_of("**Upvotes**:", 4)),
    Case("tagged", "tag-added", _tag_added(0, "NewTag"), line_of("**태그**:", 0)),
    Case("tagged", "tag-removed", _tag_removed(2, "RAG"), line_of("**태그**:", 2)),
    Case("tagged", "section-body", _body(3, 1, NEW_BODY), section_body("tagged", 3, "핵심 포인트")),
    Case("tagged", "digest-title", _digest("title", "Daily Papers (Top 3)"), line_of("# 2026-")),
    Case("tagged", "digest-date", _digest("date", "2026-02-17"), line_of("# 2026-")),
    Case("tagged", "author-added", _paper(0, "authors", ["Kim"]), header_block("tagged", 0)),
    # translated: the same headings, a meta line with upvotes only
    Case("translated", "paper-title", _paper(1, "title", "FASA, edited"), line_of("## 2. ")),
    Case("translated", "upvotes", _paper(0, "upvotes", 1), line_of("**Upvotes**:", 0)),
    Case("translated", "difficulty", _paper(2, "difficulty", "중"), line_of("**Upvotes**:", 2)),
    Case("translated", "tag-added", _paper(0, "tags", ["NewTag"]), line_of("**Upvotes**:", 0)),
    Case("translated", "section-body", _body(0, 0, NEW_BODY), section_body("translated", 0, "요약")),
    Case("translated", "digest-title", _digest("title", "Weekly"), line_of("# 2026-")),
    Case("translated", "digest-date", _digest("date", "2026-02-06"), line_of("# 2026-")),
    # imrad: a Jekyll front matter holds title and date; '# N. [title](url)', '> [Alphaxiv](url)'
    Case("imrad", "paper-title", _paper(0, "title", "LongCodeZip, edited"), line_of("# 1. ")),
    Case("imrad", "section-body", _body(1, 1, NEW_BODY), section_body("imrad", 1, "Method")),
    Case("imrad", "digest-title", _digest("title", "Daily Papers — edited"), front_matter_key("title")),
    Case("imrad", "digest-date", _digest("date", "2025-10-04"), front_matter_key("date")),
    Case("imrad", "front-matter-key", _front_matter("layout", "page"), front_matter_key("layout")),
    Case("imrad", "upvotes", _paper(2, "upvotes", 12), header_block("imrad", 2)),
    Case("imrad", "tag-added", _tag_added(0, "NewTag"), header_block("imrad", 0)),
    Case("imrad", "link", _paper(1, "links", {"alphaxiv": "https://a.example"}), line_of("> [Alphaxiv]", 1)),
    # review: the front matter holds the paper's title and tags and the date
    Case("review", "paper-title", _paper(0, "title", "Zooming, edited"), front_matter_key("title")),
    Case("review", "tag-added", _tag_added(0, "NewTag"), front_matter_key("tags")),
    Case("review", "tag-removed", _tag_removed(0, "ZoomBench"), front_matter_key("tags")),
    Case("review", "section-body", _body(0, 2, NEW_BODY), section_body("review", 0, "주요 결과")),
    Case("review", "digest-date", _digest("date", "2026-02-17"), front_matter_key("date")),
    Case("review", "author", _author(0, 1, "Liangbo Hé"), line_of("**저자:**")),
    Case("review", "author-added", _author(0, None, "New Author"), line_of("**저자:**")),
    Case("review", "front-matter-key", _front_matter("toc", False), front_matter_key("toc")),
    Case("review", "notice", _paper(0, "notice", "편집된 알림."), line_of("> ⚠️")),
    # a post without a meta line: the new value is a front-matter key
    Case("review", "upvotes", _paper(0, "upvotes", 3), front_matter_end()),
    Case("review", "difficulty", _paper(0, "difficulty", "상"), front_matter_end()),
]


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_an_edit_changes_only_the_lines_that_carry_the_field(case: Case) -> None:
    text = sample_text(case.layout)
    doc = df.parse(text, case.layout)
    case.edit(doc)
    out = df.render(doc)
    assert_only(text, out, case.carriers(text.split("\n")))
    assert df.parse(out, case.layout) == doc


@pytest.mark.parametrize("layout", LAYOUTS)
def test_every_sample_is_covered(layout: str) -> None:
    assert sum(case.layout == layout for case in CASES) >= 5


# ----------------------------------------------------------------------------- whole papers and sections

MULTI = ("tagged", "translated", "imrad")


def _paper_count(layout: str) -> int:
    return len(df.parse(sample_text(layout), layout).papers)


@pytest.mark.parametrize("which", ["first", "middle", "last"])
@pytest.mark.parametrize("layout", MULTI)
def test_deleting_a_paper_removes_exactly_its_lines(layout: str, which: str) -> None:
    text = sample_text(layout)
    doc = df.parse(text, layout)
    index = {"first": 0, "middle": len(doc.papers) // 2, "last": len(doc.papers) - 1}[which]
    del doc.papers[index]
    out = df.render(doc)
    lines = text.split("\n")
    block = sorted(paper_block(layout, index)(lines))
    assert out.split("\n") == lines[: block[0]] + lines[block[-1] + 1 :]
    assert df.parse(out, layout) == doc


def new_section(layout: str) -> Section:
    kinds: dict[str, SectionKind] = {
        "tagged": "risks",
        "translated": "key_points",
        "imrad": "limitations",
        "review": "key_results",
    }
    kind = kinds[layout]
    heading = {
        "tagged": "리스크/한계",
        "translated": "핵심 포인트",
        "imrad": "Limitations",
        "review": "주요 결과",
    }[layout]
    return Section(kind=kind, heading=heading, body="- 새로 쓴 섹션\n- `code` 와 [링크](https://example.com)")


def new_paper(layout: str) -> Paper:
    return Paper(
        rank=42,
        title="A New Paper: [Brackets] and `code`",
        url="https://huggingface.co/papers/2602.99999",
        arxiv_id="2602.99999",
        upvotes=7,
        difficulty="중",
        reliability="상",
        tags=["New", "Tag"],
        thumbnail=Thumbnail(alt="Thumbnail", src="images/new.jpg"),
        links={"alphaxiv": "https://www.alphaxiv.org/ko/overview/2602.99999"},
        sections=[
            new_section(layout),
            Section(kind=None, heading="처음 보는 섹션", body="본문\n\n```\n## not a heading\n```"),
        ],
    )


@pytest.mark.parametrize("where", ["start", "middle", "end"])
@pytest.mark.parametrize("layout", MULTI)
def test_a_paper_built_from_scratch_reads_back_as_written(layout: str, where: str) -> None:
    text = sample_text(layout)
    doc = df.parse(text, layout)
    at = {"start": 0, "middle": 2, "end": len(doc.papers)}[where]
    doc.papers.insert(at, new_paper(layout))
    out = df.render(doc)
    found = changes(text, out)
    assert [change for change in found if change.removed] == [], "adding a paper changed existing lines"
    back = df.parse(out, layout)
    assert back == doc
    assert all("unknown section heading '처음 보는 섹션'" in w.message for w in back.warnings), back.warnings


@pytest.mark.parametrize("layout", LAYOUTS)
def test_a_section_built_from_scratch_reads_back_as_written(layout: str) -> None:
    text = sample_text(layout)
    doc = df.parse(text, layout)
    paper = 0 if layout != "tagged" else 3  # the first tagged papers have no sections
    doc.papers[paper].sections.append(new_section(layout))
    out = df.render(doc)
    assert_only(text, out, paper_block(layout, paper)(text.split("\n")))
    assert all(not change.removed for change in changes(text, out))
    assert df.parse(out, layout) == doc


@pytest.mark.parametrize("layout", LAYOUTS)
def test_a_section_added_to_a_paper_without_sections_reads_back(layout: str) -> None:
    text = sample_text(layout)
    doc = df.parse(text, layout)
    target = next((p for p in doc.papers if not p.sections), doc.papers[0])
    target.sections = [new_section(layout)]
    out = df.render(doc)
    assert df.parse(out, layout) == doc


def test_a_digest_built_from_scratch_renders_in_every_layout() -> None:
    for layout in LAYOUTS:
        doc = Digest(layout=layout, date=dt.date(2026, 2, 16), papers=[new_paper(layout)])
        if layout != "review":
            doc.title = "Daily Papers"
        out = df.render(doc)
        assert df.parse(out, layout) == doc, out
