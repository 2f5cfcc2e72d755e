"""The public API's contract for errors: one exception type, always located when it can be."""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import pytest

import digestformat as df
from digestformat import Digest, DigestError, Paper

FIXTURES = Path(__file__).parent / "fixtures"
LAYOUTS = ("tagged", "translated", "imrad", "review")

TWO_WARNINGS = (
    "# 2026-02-16 D\n"
    "\n"
    "## 1. [A](https://huggingface.co/papers/2602.10388)\n"
    "a stray line\n"
    "\n"
    "### 기타 메모\n"
    "body\n"
    "\n"
    "---\n"
)


def test_digest_error_is_a_value_error_with_a_place() -> None:
    with pytest.raises(DigestError) as info:
        df.parse("# 2026-02-16 D\n## 1. T\nab\0c\n", "tagged")
    err = info.value
    assert isinstance(err, ValueError)
    assert (err.line, err.column) == (3, 3)
    assert err.offset is None
    assert str(err) == "3:3: NUL byte: expected text, this looks like a binary file"
    assert err.msg == "NUL byte: expected text, this looks like a binary file"


def test_digest_error_survives_pickling() -> None:
    err = DigestError("message", 2, 5, offset=9)
    again = pickle.loads(pickle.dumps(err))
    assert (again.msg, again.line, again.column, again.offset) == ("message", 2, 5, 9)


def test_an_error_with_no_place_prints_just_the_message() -> None:
    assert str(DigestError("no place")) == "no place"


@pytest.mark.parametrize(
    ("data", "offset", "line", "column"),
    [
        (b"\xff# 2026-02-16 D\n", 0, 1, 1),
        (b"# 2026-02-16 D\n\n## 1. [T](u\xff)\n", 27, 3, 12),
        ("# 2026-02-16 \ud55c\n".encode()[:-2] + b"\n", 13, 1, 14),  # a truncated 3-byte sequence
        (b"\xef\xbb\xbf# D \xc3(", 7, 1, 5),  # after a BOM: columns count from the text
    ],
)
def test_invalid_utf8_reports_the_byte_offset(data: bytes, offset: int, line: int, column: int) -> None:
    with pytest.raises(DigestError) as info:
        df.parse(data, "tagged")
    err = info.value
    assert err.offset == offset
    assert (err.line, err.column) == (line, column)
    assert f"invalid UTF-8 at byte {offset} " in err.msg


def test_detection_refuses_invalid_utf8_too() -> None:
    with pytest.raises(DigestError) as info:
        df.detect(b"ok\n\x80")
    assert info.value.offset == 3


def test_rendering_two_papers_as_a_review_is_refused() -> None:
    doc = Digest(layout="tagged", papers=[Paper(rank=1, title="A"), Paper(rank=2, title="B")])
    with pytest.raises(DigestError, match="holds one paper, this digest has 2") as info:
        df.render(doc, "review")
    assert info.value.line is None


def test_rendering_one_paper_as_a_review_works() -> None:
    doc = Digest(layout="tagged", papers=[Paper(rank=1, title="A", authors=["Kim"])])
    back = df.parse(df.render(doc, "review"), "review")
    assert back.papers[0].title == "A"
    assert back.papers[0].authors == ["Kim"]


@pytest.mark.parametrize("name", ["nope", "Tagged", "", "markdown"])
def test_unknown_layout_names_are_refused(name: str) -> None:
    text = (FIXTURES / "tagged" / "valid" / "sample.md").read_text("utf-8")
    with pytest.raises(DigestError, match=f"unknown layout {name!r}: expected one of tagged"):
        df.parse(text, name)
    doc = df.parse(text)
    with pytest.raises(DigestError, match=f"unknown format {name!r}: expected one of tagged"):
        df.render(doc, name)
    with pytest.raises(DigestError):
        df.convert(text, name)


@pytest.mark.parametrize(
    ("data", "path"),
    [
        ({"papers": []}, ".layout"),
        ({"layout": "tagged", "papers": [{"title": 5}]}, ".papers[0].title"),
        ({"layout": "tagged", "papers": [{"title": "x", "bogus": 1}]}, ".papers[0].bogus"),
        (
            {"layout": "tagged", "papers": [{"title": "x", "sections": [{"heading": "h", "body": "b"}]}]},
            ".papers[0].sections[0].kind",
        ),
        ({"layout": "tagged", "date": "2026-13-01"}, ".date"),
        ({"layout": "markdown"}, ".layout"),
        ([1, 2], "."),
    ],
)
def test_json_of_the_wrong_shape_names_the_json_path(data: object, path: str) -> None:
    with pytest.raises(DigestError, match=r"^\d+:\d+: JSON ") as info:
        df.parse(json.dumps(data), "json")
    assert info.value.msg.startswith(f"JSON {path}: "), info.value.msg


def test_invalid_json_syntax_is_located() -> None:
    with pytest.raises(DigestError) as info:
        df.parse('{\n  "layout": "tagged",\n  "papers": [,]\n}', "json")
    assert info.value.line == 3
    assert "Invalid JSON" in info.value.msg


def test_strict_raises_on_the_first_warning() -> None:
    doc = df.parse(TWO_WARNINGS, "tagged")
    assert [(w.line, w.column) for w in doc.warnings] == [(4, 1), (6, 1)]
    with pytest.raises(DigestError) as info:
        df.parse(TWO_WARNINGS, "tagged", strict=True)
    first = doc.warnings[0]
    assert (info.value.line, info.value.column, info.value.msg) == (first.line, first.column, first.message)


def test_strict_passes_a_clean_file(fixtures_dir: Path) -> None:
    for layout in LAYOUTS:
        path = fixtures_dir / layout / "valid" / "sample.md"
        assert df.parse(path.read_bytes(), layout, strict=True).warnings == []


def test_strict_json_refuses_recorded_warnings() -> None:
    recorded = df.render(df.parse(TWO_WARNINGS, "tagged"), "json")
    assert df.parse(recorded, "json").warnings
    with pytest.raises(DigestError, match="warning"):
        df.parse(recorded, "json", strict=True)


def test_warnings_are_not_content() -> None:
    noisy = df.parse(TWO_WARNINGS, "tagged")
    quiet = noisy.model_copy(update={"warnings": []})
    assert noisy == quiet


@pytest.mark.parametrize("text", ["", "\n\n", "\ufeff", " \t\r\n"])
def test_an_empty_document_is_refused(text: str) -> None:
    with pytest.raises(DigestError, match="empty document"):
        df.parse(text, "tagged")


def test_detect_names_each_sample() -> None:
    for layout in LAYOUTS:
        assert df.detect((FIXTURES / layout / "valid" / "sample.md").read_bytes()) == layout
    assert (
        df.detect(df.render(df.parse((FIXTURES / "tagged/valid/sample.md").read_bytes()), "json")) == "json"
    )


def test_detect_refuses_text_in_no_layout() -> None:
    with pytest.raises(DigestError, match="no known layout") as info:
        df.detect("just some notes\n")
    assert (info.value.line, info.value.column) == (1, 1)
