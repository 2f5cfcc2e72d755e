"""Fixture-driven tests: every file under tests/fixtures is a case (see tests/fixtures/README.md).

Files are read as bytes and compared as bytes: line endings, BOMs, trailing
blanks and final newlines are part of what must come back.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from collections.abc import Iterable
from pathlib import Path

import pytest
from _pytest.mark.structures import ParameterSet

import digestformat as df

FIXTURES = Path(__file__).parent / "fixtures"
LAYOUTS = ("tagged", "translated", "imrad", "review")

VALID = sorted(FIXTURES.glob("*/valid/*.md"))
INVALID = sorted([*FIXTURES.glob("invalid/*.md"), *FIXTURES.glob("*/invalid/*.md")])
SAME_CONTENT: dict[str, str] = {
    str(variant): str(source)
    for variant, source in tomllib.loads((FIXTURES / "same-content.toml").read_text("utf-8")).items()
}

# (test name, fixture id) -> the parser bug that makes it fail. The xfail is strict:
# once the bug is fixed the test passes, pytest reports XPASS as a failure, and the
# entry must go.
KNOWN_BUGS: dict[tuple[str, str], str] = {}


def fixture_id(path: Path) -> str:
    return path.relative_to(FIXTURES).as_posix()


def layout_of(path: Path) -> str:
    """The layout a fixture is written in: the directory above valid/ or invalid/."""
    return path.parent.parent.name


def cases(test: str, paths: Iterable[Path]) -> list[ParameterSet]:
    out: list[ParameterSet] = []
    for path in paths:
        reason = KNOWN_BUGS.get((test, fixture_id(path)))
        marks = [pytest.mark.xfail(reason=reason, strict=True)] if reason else []
        out.append(pytest.param(path, id=fixture_id(path), marks=marks))
    return out


def read_err(path: Path) -> str:
    """An .err file's one line, without its final newline."""
    text = path.read_bytes().decode("utf-8")
    return text[:-1] if text.endswith("\n") else text


def position(message: str) -> tuple[int, int]:
    """(line, column) of a 'LINE:COL: message' string."""
    line, column, _rest = message.split(":", 2)
    return int(line), int(column)


def sibling(path: Path, suffix: str) -> Path:
    return path.with_name(path.name.removesuffix(".md") + suffix)


# ------------------------------------------------------------------ the fixture set itself


def test_fixture_set_is_complete() -> None:
    assert {p.parent.parent.name for p in VALID} == set(LAYOUTS)
    for layout in LAYOUTS:
        assert len([p for p in VALID if layout_of(p) == layout]) >= 10, layout
    for path in VALID:
        assert sibling(path, ".json").is_file(), f"{fixture_id(path)} has no .json"
    for json_path in FIXTURES.glob("*/valid/*.json"):
        assert json_path.with_suffix(".md").is_file(), f"{fixture_id(json_path)} has no .md"
    for err in FIXTURES.glob("*/valid/*.strict.err"):
        assert err.with_name(err.name.removesuffix(".strict.err") + ".md").is_file(), fixture_id(err)
    assert INVALID
    for path in INVALID:
        assert sibling(path, ".err").is_file(), f"{fixture_id(path)} has no .err"
    for variant, source in SAME_CONTENT.items():
        assert (FIXTURES / variant).is_file(), variant
        assert (FIXTURES / source).is_file(), source


# ------------------------------------------------------------------ valid fixtures


@pytest.mark.parametrize("md_path", cases("test_markdown_to_json", VALID))
def test_markdown_to_json(md_path: Path) -> None:
    doc = df.parse(md_path.read_bytes(), layout_of(md_path))
    assert df.render(doc, "json").encode("utf-8") == sibling(md_path, ".json").read_bytes()


@pytest.mark.parametrize("md_path", cases("test_markdown_round_trip", VALID))
def test_markdown_round_trip(md_path: Path) -> None:
    source = md_path.read_bytes()
    assert df.render(df.parse(source, layout_of(md_path))).encode("utf-8") == source


@pytest.mark.parametrize("md_path", cases("test_json_to_markdown", VALID))
def test_json_to_markdown(md_path: Path) -> None:
    doc = df.parse(sibling(md_path, ".json").read_bytes(), "json")
    assert doc.layout == layout_of(md_path)
    assert df.render(doc).encode("utf-8") == md_path.read_bytes()


@pytest.mark.parametrize("md_path", cases("test_json_equals_markdown", VALID))
def test_json_equals_markdown(md_path: Path) -> None:
    from_md = df.parse(md_path.read_bytes(), layout_of(md_path))
    from_json = df.parse(sibling(md_path, ".json").read_bytes(), "json")
    assert from_json == from_md
    assert from_json.model_dump() == from_md.model_dump()  # trivia and warnings too


@pytest.mark.parametrize("md_path", cases("test_detect", VALID))
def test_detect(md_path: Path) -> None:
    assert df.detect(md_path.read_bytes()) == layout_of(md_path)
    assert df.detect(md_path.read_text("utf-8")) == layout_of(md_path)
    assert df.detect(sibling(md_path, ".json").read_bytes()) == "json"


@pytest.mark.parametrize("md_path", cases("test_strict", VALID))
def test_strict(md_path: Path) -> None:
    source = md_path.read_bytes()
    layout = layout_of(md_path)
    json_text = sibling(md_path, ".json").read_bytes()
    err_path = sibling(md_path, ".strict.err")
    lenient = df.parse(source, layout)
    if not err_path.exists():
        assert lenient.warnings == []
        assert df.parse(source, layout, strict=True) == lenient
        assert df.parse(json_text, "json", strict=True) == lenient
        return
    expected = read_err(err_path)
    first = lenient.warnings[0]
    assert f"{first.line}:{first.column}: {first.message}" == expected
    with pytest.raises(df.DigestError) as raised:
        df.parse(source, layout, strict=True)
    assert str(raised.value) == expected
    assert (raised.value.line, raised.value.column) == position(expected)
    assert raised.value.offset is None
    with pytest.raises(df.DigestError) as from_json:
        df.parse(json_text, "json", strict=True)
    # The JSON's own place is 1:1; the message names the place in the Markdown it came from.
    where = f"its source's line {first.line}, column {first.column}"
    assert str(from_json.value) == f"1:1: the JSON records a warning from {where}: {first.message}"


@pytest.mark.parametrize(
    ("variant", "source"),
    [pytest.param(v, s, id=v) for v, s in SAME_CONTENT.items()],
)
def test_same_content(variant: str, source: str) -> None:
    variant_bytes = (FIXTURES / variant).read_bytes()
    source_bytes = (FIXTURES / source).read_bytes()
    assert variant_bytes != source_bytes
    a = df.parse(variant_bytes)
    b = df.parse(source_bytes)
    assert a == b
    assert a.layout == b.layout == variant.split("/", maxsplit=1)[0]
    # ... while each still renders its own bytes
    assert df.render(a).encode("utf-8") == variant_bytes


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("name", ["sections-missing", "sections-reordered", "section-unknown"])
def test_content_variants_differ(layout: str, name: str) -> None:
    """Equality is not vacuous: a change of sections is a change of content."""
    source = "sample.md" if layout == "review" else "base.md"
    base = df.parse((FIXTURES / layout / "valid" / source).read_bytes())
    variant = df.parse((FIXTURES / layout / "valid" / f"{name}.md").read_bytes())
    assert variant != base


# ------------------------------------------------------------------ invalid fixtures


@pytest.mark.parametrize("md_path", cases("test_invalid", INVALID))
def test_invalid(md_path: Path) -> None:
    source = md_path.read_bytes()
    expected = read_err(sibling(md_path, ".err"))
    offset_path = sibling(md_path, ".offset")
    offset = int(offset_path.read_text("ascii")) if offset_path.exists() else None
    layout = layout_of(md_path) if layout_of(md_path) in LAYOUTS else None
    with pytest.raises(df.DigestError) as raised:
        df.parse(source, layout)
    error = raised.value
    assert str(error) == expected
    assert (error.line, error.column) == position(expected)
    assert error.msg == expected.split(": ", 1)[1]
    assert error.offset == offset
    if layout is None:
        with pytest.raises(df.DigestError) as detected:
            df.detect(source)
        assert str(detected.value) == expected


# ------------------------------------------------------------------ the acceptance check


def test_tagged_sample_first_paper() -> None:
    doc = df.parse((FIXTURES / "tagged" / "valid" / "sample.md").read_bytes())
    assert doc.layout == "tagged"
    assert doc.date == dt.date(2026, 2, 16)
    assert len(doc.papers) == 5
    first = doc.papers[0]
    assert first.rank == 1
    assert first.title == "Less is Enough: Synthesizing Diverse Data in Feature Space of LLMs"
    assert first.upvotes == 195
    assert first.difficulty == "중"
    assert first.reliability == "중"
    assert first.tags == ["RAG"]
    assert first.arxiv_id == "2602.10388"
