"""The python-frontmatter style API (issue 11): load/loads/dump/dumps, paths refused where text is
expected, iter_archive, Paper.section, the date type, records, content-only JSON, a wrong layout."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import re
from pathlib import Path
from typing import Any

import pytest

import digestformat as df
from digestformat import Digest, DigestError, Paper, Section
from digestformat.layouts.vocabulary import EQUIVALENTS

FIXTURES = Path(__file__).parent / "fixtures"
DOCS = Path(__file__).parent.parent / "docs"
LAYOUTS = ("tagged", "translated", "imrad", "review")
VALID = sorted(FIXTURES.glob("*/valid/*.md"))
SAMPLES = [FIXTURES / layout / "valid" / "sample.md" for layout in LAYOUTS]


def _id(path: Path) -> str:
    return path.relative_to(FIXTURES).as_posix()


# ---------------------------------------------------------------- load, loads, dump, dumps


@pytest.mark.parametrize("path", VALID, ids=_id)
def test_load_reads_a_path_a_str_and_a_binary_file_as_parse_reads_the_bytes(path: Path) -> None:
    data = path.read_bytes()
    doc = df.parse(data)
    assert df.load(path) == doc
    assert df.load(str(path)) == doc
    with path.open("rb") as handle:
        assert df.load(handle) == doc
    assert df.load(io.BytesIO(data)) == doc
    assert df.dumps(df.load(path)).encode("utf-8") == data  # bytes in, so the same bytes out


@pytest.mark.parametrize("path", SAMPLES, ids=_id)
def test_loads_is_parse(path: Path) -> None:
    data = path.read_bytes()
    assert df.loads(data) == df.parse(data)
    assert df.loads(data.decode("utf-8")) == df.parse(data)
    layout = path.parent.parent.name
    assert df.loads(data, layout, strict=True, config=df.find_config(path)) == df.parse(data, layout)


def test_load_passes_layout_strict_and_config() -> None:
    text = b"# 2026-02-16 D\n\n## 1. [A](https://huggingface.co/papers/2602.10388)\na stray line\n"
    assert df.load(io.BytesIO(text), "tagged").warnings
    with pytest.raises(DigestError, match="kept verbatim") as info:
        df.load(io.BytesIO(text), "tagged", strict=True)
    assert info.value.line == 4


def test_load_refuses_a_text_mode_file_and_bytes() -> None:
    with pytest.raises(TypeError, match=r"load\(\) reads bytes: open the file in binary mode \('rb'\)"):
        df.load(io.StringIO("# 2026-02-16 D\n"))  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"use loads\(data\)"):
        df.load(b"# 2026-02-16 D\n")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="not int"):
        df.load(5)  # type: ignore[arg-type]


def test_load_of_a_missing_file_or_a_folder_raises_what_the_os_says(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        df.load(tmp_path / "nope.md")
    with pytest.raises(OSError, match=r"not a regular file \(a folder\): expected a regular file"):
        df.load(tmp_path)


@pytest.mark.parametrize("path", SAMPLES, ids=_id)
@pytest.mark.parametrize("to", [None, "json", "rss", "atom", "jsonfeed", "tagged"])
def test_dump_writes_the_utf8_of_dumps_to_a_path_and_a_binary_file(
    path: Path, to: str | None, tmp_path: Path
) -> None:
    doc = df.load(path)
    text = df.dumps(doc, to)
    assert text == df.render(doc, to)
    out = tmp_path / "out.txt"
    df.dump(doc, out, to)
    assert out.read_bytes() == text.encode("utf-8")
    df.dump(doc, str(out), to)  # a str path too, replacing the file
    assert out.read_bytes() == text.encode("utf-8")
    buffer = io.BytesIO()
    df.dump(doc, buffer, to)
    assert buffer.getvalue() == text.encode("utf-8")
    assert df.load(out) == df.parse(text)


def test_dump_to_a_path_is_atomic_and_leaves_no_temp_file(tmp_path: Path) -> None:
    doc = df.load(SAMPLES[0])
    target = tmp_path / "digest.md"
    target.write_bytes(b"old")
    df.dump(doc, target)
    assert target.read_bytes() == SAMPLES[0].read_bytes()
    assert [p.name for p in tmp_path.iterdir()] == ["digest.md"]
    with pytest.raises(FileNotFoundError):
        df.dump(doc, tmp_path / "no-such-folder" / "x.md")


def test_dump_refuses_what_is_neither_a_path_nor_a_file() -> None:
    with pytest.raises(TypeError, match="binary file"):
        df.dump(df.load(SAMPLES[0]), 5)  # type: ignore[arg-type]


# ---------------------------------------------------------------- a path where text is expected


@pytest.mark.parametrize(
    ("name", "call"),
    [
        ("parse", df.parse),
        ("loads", df.loads),
        ("convert", lambda p: df.convert(p, "json")),
        ("detect", df.detect),
    ],
)
def test_a_path_where_text_is_expected_is_a_type_error(name: str, call: Any) -> None:
    message = f"{name}() takes the text of a digest, not a path: use digestformat.load(path)"
    with pytest.raises(TypeError, match=re.escape(message)):
        call(SAMPLES[0])


def test_parse_says_parse_in_its_message() -> None:
    with pytest.raises(TypeError) as info:
        df.parse(SAMPLES[0])  # type: ignore[arg-type]
    assert str(info.value) == "parse() takes the text of a digest, not a path: use digestformat.load(path)"


def test_a_str_that_looks_like_a_file_name_is_text() -> None:
    name = str(SAMPLES[0])
    with pytest.raises(DigestError, match="no known layout"):
        df.parse(name)  # read as the text it is, not opened


# ---------------------------------------------------------------- iter_archive


def _tree(root: Path, files: dict[str, bytes]) -> None:
    for rel, data in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(data)


def test_iter_archive_yields_every_fixture_in_sorted_order_lazily() -> None:
    items = df.iter_archive(FIXTURES, include=["*/valid/*.md"])
    first = next(items)  # lazily: one file read
    rest = list(items)
    got = [first, *rest]
    paths = [path for path, _ in got]
    assert paths == sorted(VALID, key=lambda p: p.parts)
    for path, doc in got:
        assert isinstance(doc, Digest), (path, doc)
        assert doc == df.load(path)


def test_iter_archive_reads_invalid_fixtures_as_errors_and_carries_on() -> None:
    got = dict(df.iter_archive(FIXTURES / "invalid", include=["*.md"]))
    assert got  # every invalid fixture is there, none raised
    for path, item in got.items():
        assert isinstance(item, DigestError), path
        with pytest.raises(DigestError) as info:
            df.load(path)
        assert (item.msg, item.line, item.column) == (info.value.msg, info.value.line, info.value.column)
        assert f"in {path}" in (item.__notes__ or [])


def test_iter_archive_skips_dot_folders_site_and_node_modules(tmp_path: Path) -> None:
    sample = SAMPLES[0].read_bytes()
    _tree(
        tmp_path,
        {
            "b.md": sample,
            "a.md": sample,
            "a/z.md": sample,
            ".git/x.md": sample,
            ".hidden.md": sample,
            "_site/x.md": sample,
            "node_modules/p/readme.md": sample,
            "deep/er/c.markdown": sample,
            "notes.txt": b"not a digest",
            "data/d.json": df.render(df.parse(sample), "json").encode("utf-8"),
        },
    )
    rels = [path.relative_to(tmp_path).as_posix() for path, _ in df.iter_archive(tmp_path)]
    assert rels == ["a.md", "b.md", "a/z.md", "data/d.json", "deep/er/c.markdown"]  # the commands' order


def test_iter_archive_include_and_exclude_are_globs_of_the_relative_posix_path(tmp_path: Path) -> None:
    sample = SAMPLES[0].read_bytes()
    _tree(tmp_path, {"x.md": sample, "drafts/y.md": sample, "2026/02/z.md": sample, "2026/w.md": sample})

    def rels(**kw: Any) -> list[str]:
        return [path.relative_to(tmp_path).as_posix() for path, _ in df.iter_archive(tmp_path, **kw)]

    assert rels() == ["x.md", "2026/w.md", "2026/02/z.md", "drafts/y.md"]  # files, then folders
    assert rels(exclude=["drafts/*"]) == ["x.md", "2026/w.md", "2026/02/z.md"]
    assert rels(include=["2026/**/*.md"]) == ["2026/w.md", "2026/02/z.md"]  # '**/' may match no folder
    assert rels(include=["**/y.md", "x.md"]) == ["x.md", "drafts/y.md"]
    assert rels(include=["*.MD"]) == []  # case-sensitive


def test_iter_archive_never_raises_for_one_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    sample = SAMPLES[0].read_bytes()
    _tree(tmp_path, {"a.md": sample, "b.md": b"\xff\xfe bad", "c.md": sample, "d.md": sample})
    os.mkfifo(tmp_path / "fifo.md")
    real_parse = df._api._parse

    def exploding(text: Any, *args: Any) -> Digest:
        if b"EXPLODE" in text:
            raise RuntimeError("boom")
        return real_parse(text, *args)

    (tmp_path / "d.md").write_bytes(sample + b"EXPLODE\n")
    monkeypatch.setattr(df._api, "_parse", exploding)
    got = {path.name: item for path, item in df.iter_archive(tmp_path)}
    assert list(got) == ["a.md", "b.md", "c.md", "d.md", "fifo.md"]
    assert isinstance(got["a.md"], Digest)
    assert isinstance(got["c.md"], Digest)
    assert isinstance(got["b.md"], DigestError)
    assert "invalid UTF-8" in got["b.md"].msg
    boom = got["d.md"]
    assert isinstance(boom, DigestError)
    assert str(boom) == f"{tmp_path / 'd.md'}: RuntimeError: boom"
    fifo = got["fifo.md"]
    assert isinstance(fifo, DigestError)
    assert ": OSError: " in fifo.msg
    assert "not a regular file" in fifo.msg


def test_iter_archive_reports_an_unreadable_folder_and_carries_on(tmp_path: Path) -> None:
    if os.geteuid() == 0:
        pytest.skip("root reads every folder")
    sample = SAMPLES[0].read_bytes()
    _tree(tmp_path, {"locked/a.md": sample, "z.md": sample})
    (tmp_path / "locked").chmod(0)
    try:
        got = list(df.iter_archive(tmp_path))
    finally:
        (tmp_path / "locked").chmod(0o755)
    assert [path.name for path, _ in got] == ["locked", "z.md"]
    assert isinstance(got[0][1], DigestError)
    assert "PermissionError" in got[0][1].msg


def test_iter_archive_of_a_file_or_a_missing_root(tmp_path: Path) -> None:
    assert [path for path, _ in df.iter_archive(SAMPLES[0])] == [SAMPLES[0]]
    with pytest.raises(FileNotFoundError):
        next(df.iter_archive(tmp_path / "nope"))


def test_iter_archive_applies_strict_and_config_to_every_file() -> None:
    folder = FIXTURES / "config" / "invented"
    config = df.find_config(folder)
    for path, doc in df.iter_archive(folder, include=["*.md"], config=config):
        assert isinstance(doc, Digest)
        assert doc == df.load(path, config=config)
    for path, item in df.iter_archive(FIXTURES / "tagged" / "valid", strict=True):
        with_warnings = df.load(path).warnings
        assert isinstance(item, DigestError) == bool(with_warnings), path


# ---------------------------------------------------------------- Paper.section


def _paper(*kinds: str | None) -> Paper:
    return Paper(
        title="T", sections=[Section(kind=k, heading=f"h{i}", body=f"b{i}") for i, k in enumerate(kinds)]
    )


def test_section_gives_the_first_of_its_kind() -> None:
    paper = _paper("key_points", "summary", "summary")
    found = paper.section("summary")
    assert found is not None
    assert found.body == "b1"
    assert paper.sections_of("summary") == paper.sections[1:]


def test_section_falls_back_to_an_equivalent_kind_in_order() -> None:
    paper = _paper(None, "key_points", "summary")
    found = paper.section("one_line_summary")
    assert found is not None
    assert found.kind == "summary"
    assert paper.section("risks") is None
    assert paper.section("not_a_kind") is None
    assert paper.sections_of("one_line_summary") == []
    assert paper.sections_of("one_line_summary", equivalents=True) == [paper.sections[2]]


@pytest.mark.parametrize("group", EQUIVALENTS, ids=lambda g: "-".join(sorted(g)))
def test_every_equivalent_kind_is_found_for_each_of_its_class(group: frozenset[str]) -> None:
    for present in group:
        paper = _paper("key_terms", present)
        for asked in group:
            found = paper.section(asked)
            assert found is not None
            assert found.kind == present
    assert _paper("key_terms").section(next(iter(group))) is None  # key_terms stands alone


@pytest.mark.parametrize("target", LAYOUTS)
@pytest.mark.parametrize("path", SAMPLES, ids=_id)
def test_a_converted_paper_answers_section_as_its_source(path: Path, target: str) -> None:
    doc = df.load(path)
    if target == "review" and len(doc.papers) != 1:
        doc = df.split(doc)[0]
    other = df.parse(df.render(doc, target), target)
    for ours, theirs in zip(doc.papers, other.papers, strict=True):
        for section in ours.sections:
            if section.kind is None:
                continue
            found = theirs.section(section.kind)
            assert found is not None
            assert found.body == section.body


# ---------------------------------------------------------------- the date


@pytest.mark.parametrize("path", VALID, ids=_id)
def test_date_is_a_date_and_json_spells_it_as_before(path: Path) -> None:
    doc = df.load(path)
    assert doc.date is None or type(doc.date) is dt.date
    data = json.loads(df.render(doc, "json"))
    assert data["date"] == (None if doc.date is None else doc.date.isoformat())
    for fmt in ("json", "rss", "atom", "jsonfeed"):
        back = df.parse(df.render(doc, fmt))
        assert back.date == doc.date
        assert back.date is None or type(back.date) is dt.date


def test_date_accepts_a_date_or_its_iso_text_and_refuses_the_rest() -> None:
    assert Digest(layout="tagged", date=dt.date(2026, 2, 16)).date == dt.date(2026, 2, 16)
    assert Digest.model_validate({"layout": "tagged", "date": "2026-02-16"}).date == dt.date(2026, 2, 16)
    doc = Digest(layout="tagged")
    doc.date = "2026-03-01"  # type: ignore[assignment]  # validated on assignment
    assert doc.date == dt.date(2026, 3, 1)
    for bad in ("2026-13-01", "2026-2-16", "20260216", "2026-W07-1", 0, "2026-02-16T00:00:00"):
        with pytest.raises(DigestError, match=r"JSON \.date: "):
            df.parse(json.dumps({"layout": "tagged", "date": bad}), "json")
    with pytest.raises(ValueError, match="not a date and time"):
        Digest(layout="tagged", date=dt.datetime(2026, 2, 16, 8, 0))


def test_the_schema_says_string_format_date() -> None:
    schema = json.loads((DOCS / "schema.json").read_text("utf-8"))
    date = schema["properties"]["date"]
    assert {"type": "string", "format": "date"} in date["anyOf"]
    assert json.loads((DOCS / "schema.json").read_text("utf-8")) == Digest.model_json_schema()


@pytest.mark.parametrize("path", [FIXTURES / "tagged/valid/sample.md", FIXTURES / "imrad/valid/sample.md"])
def test_an_edited_date_is_written_as_iso(path: Path) -> None:
    doc = df.load(path)
    doc.date = dt.date(2027, 1, 9)
    text = df.render(doc)
    assert "2027-01-09" in text
    assert df.parse(text).date == dt.date(2027, 1, 9)


# ---------------------------------------------------------------- records


FIXED = ["date", "layout", "rank", "title", "url", "arxiv_id", "upvotes"]
FIXED += ["difficulty", "reliability", "tags", "authors", "keywords"]


@pytest.mark.parametrize("path", VALID, ids=_id)
def test_to_records_is_one_flat_dict_per_paper(path: Path) -> None:
    doc = df.load(path)
    rows = doc.to_records()
    assert len(rows) == len(doc.papers)
    kinds = [k for k in df.model.SECTION_KINDS if any(p.sections_of(k) for p in doc.papers)]
    for row, paper in zip(rows, doc.papers, strict=True):
        assert list(row) == FIXED + kinds
        assert row["date"] == doc.date
        assert row["layout"] == doc.layout
        assert (row["rank"], row["title"], row["url"], row["arxiv_id"]) == (
            paper.rank,
            paper.title,
            paper.url,
            paper.arxiv_id,
        )
        assert (row["tags"], row["authors"], row["keywords"]) == (paper.tags, paper.authors, paper.keywords)
        for kind in kinds:
            first = paper.sections_of(kind)
            assert row[kind] == (first[0].body if first else None)
        assert "trivia" not in row
        assert "warnings" not in row


def test_records_flattens_many_with_one_set_of_columns() -> None:
    docs = [df.load(path) for path in SAMPLES]
    rows = df.records(docs)
    assert len(rows) == sum(len(doc.papers) for doc in docs)
    assert len({tuple(row) for row in rows}) == 1
    assert list(rows[0])[: len(FIXED)] == FIXED
    assert rows[0]["layout"] == "tagged"
    assert rows[-1]["layout"] == "review"
    assert df.records(iter(docs)) == rows  # any iterable
    assert df.records([]) == []


def test_records_copy_the_lists() -> None:
    doc = df.load(SAMPLES[0])
    doc.to_records()[0]["tags"].append("x")
    assert "x" not in doc.papers[0].tags


def test_a_kind_named_like_a_fixed_column_is_prefixed() -> None:
    doc = Digest(layout="tagged", papers=[_paper("title", "summary")])
    row = doc.to_records()[0]
    assert row["title"] == "T"
    assert row["section_title"] == "b0"
    assert row["summary"] == "b1"
    assert list(row)[-2:] == ["summary", "section_title"]  # built-in kinds first


def test_records_make_a_pandas_table() -> None:
    pandas = pytest.importorskip("pandas")
    frame = pandas.DataFrame(df.records(df.load(path) for path in SAMPLES))
    assert list(frame.columns)[: len(FIXED)] == FIXED
    assert len(frame) == sum(len(df.load(path).papers) for path in SAMPLES)


# ---------------------------------------------------------------- content-only JSON


def _keys(value: Any) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in _keys(v)}
    if isinstance(value, list):
        return {k for v in value for k in _keys(v)}
    return set()


@pytest.mark.parametrize("path", VALID, ids=_id)
def test_content_only_json_has_no_trivia_and_reads_back_equal(path: Path) -> None:
    doc = df.load(path)
    text = df.render(doc, "json", content_only=True)
    keys = _keys(json.loads(text))
    assert "trivia" not in keys
    assert "warnings" not in keys
    back = df.parse(text, "json")
    assert back == doc
    assert back.warnings == []
    assert df.dumps(doc, "json", content_only=True) == text


def test_content_only_json_is_the_same_for_two_spellings() -> None:
    crlf = df.load(FIXTURES / "tagged/valid/crlf.md")
    lf = df.loads(df.render(crlf).replace("\r\n", "\n"))
    assert df.render(crlf, "json") != df.render(lf, "json")
    assert df.render(crlf, "json", content_only=True) == df.render(lf, "json", content_only=True)


def test_content_only_is_for_json_only() -> None:
    doc = df.load(SAMPLES[0])
    with pytest.raises(DigestError, match="content_only writes JSON only"):
        df.render(doc, "rss", content_only=True)
    with pytest.raises(DigestError, match="content_only writes JSON only"):
        df.render(doc, content_only=True)
    assert df.render(doc, "json", content_only=False) == df.render(doc, "json")


# ---------------------------------------------------------------- a wrong layout


def test_a_wrong_layout_that_reads_no_paper_is_an_error() -> None:
    data = SAMPLES[0].read_bytes()
    with pytest.raises(DigestError) as info:
        df.parse(data, layout="imrad")
    assert (info.value.line, info.value.column) == (1, 1)
    assert info.value.msg == (
        "this file reads no paper as imrad; it looks like tagged "
        "(read it with --from tagged, or without --from)"
    )
    with pytest.raises(DigestError, match="reads no paper as imrad"):
        df.load(SAMPLES[0], "imrad")


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("path", VALID, ids=_id)
def test_every_fixture_in_every_layout_reads_papers_is_paperless_or_names_its_layout(
    path: Path, layout: str
) -> None:
    data = path.read_bytes()
    message = ""
    place: tuple[int | None, int | None] = (None, None)
    doc = None
    try:
        doc = df.parse(data, layout)
    except DigestError as err:
        message, place = err.msg, (err.line, err.column)
    if "reads no paper" in message:
        found = df.detect(data)
        assert found != layout
        assert place == (1, 1)
        assert message == (
            f"this file reads no paper as {layout}; it looks like {found} "
            f"(read it with --from {found}, or without --from)"
        )
        assert df.parse(data).papers
    elif doc is not None and not doc.papers:  # paperless in every layout, or read in its own
        detected = df.parse(data)
        assert not detected.papers or detected.layout == layout


def test_a_paperless_text_with_its_layouts_hint_is_read_in_it() -> None:
    text = "> **링크:** [PDF](https://arxiv.org/abs/2601.00003)\n<!-- digestformat: translated -->\n# D\n"
    assert df.detect(text) == "review"
    assert df.parse(text, "translated").papers == []
    with pytest.raises(DigestError, match="reads no paper as imrad; it looks like review"):
        df.parse(text, "imrad")


def test_a_genuinely_paperless_file_stays_paperless() -> None:
    for text in ("# 2026-02-16 Daily Papers\n", "---\ntitle: x\n---\n\nnothing yet\n"):
        for layout in ("tagged", "translated", "imrad"):  # a review post always holds its paper
            assert df.parse(text, layout).papers == []
        df.parse(text, "review")  # no error either


# ---------------------------------------------------------------- docs


def test_every_public_name_is_documented_in_docs_api() -> None:
    text = (DOCS / "api.md").read_text("utf-8")
    missing = [name for name in df.__all__ if f"`{name}" not in text]
    assert missing == []
    assert "](api.md)" in (DOCS / "index.md").read_text("utf-8")


def test_the_readme_example_uses_load() -> None:
    readme = (Path(__file__).parent.parent / "README.md").read_text("utf-8")
    example = readme.split("## Python in 30 seconds", 1)[1].split("```python\n", 1)[1].split("```", 1)[0]
    assert "df.load(" in example
    cwd = os.getcwd()
    os.chdir(Path(__file__).parent.parent)
    try:
        exec(compile(example, "README.md", "exec"), {})
    finally:
        os.chdir(cwd)
