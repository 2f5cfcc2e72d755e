"""The archive as data (issue 12 part 2): export to SQLite, CSV and Parquet, and search."""

from __future__ import annotations

import csv
import datetime
import errno
import importlib.util
import json
import os
import re
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import digestformat as df
from digestformat import _export
from digestformat.cli import run
from digestformat.layouts.vocabulary import EQUIVALENTS

FIXTURES = Path(__file__).parent / "fixtures"
VALID = sorted(FIXTURES.glob("*/valid/*.md"))


def _expected() -> list[dict[str, Any]]:
    """The rows an export must hold, from ``to_records()``: the equivalent kinds merged."""
    out: list[dict[str, Any]] = []
    for path in VALID:
        doc = df.load(path)
        for record, paper in zip(doc.to_records(), doc.papers, strict=True):
            row = {
                "source": path.name,
                "digest_title": doc.title,
                "template": doc.template,
                **{k: record[k] for k in df.model.COLUMNS},
            }
            for column in _export.SECTION_COLUMNS:
                row[column] = None
            for section in paper.sections:  # the first section of each class of kinds
                merged = _export.CANONICAL.get(section.kind or "")
                if merged is not None and row[merged] is None:
                    row[merged] = section.body
            out.append({k: row[k] for k in _export.COLUMNS})
    return out


def _sources() -> list[Path]:
    return sorted({path.parent for path in VALID})


def test_the_columns_merge_each_class_of_equivalent_kinds_under_one_name() -> None:
    for group in EQUIVALENTS:
        assert len({_export.CANONICAL[kind] for kind in group}) == 1
        assert _export.CANONICAL[next(iter(group))] in group
    assert set(_export.CANONICAL) == set(df.model.SECTION_KINDS)
    assert not set(_export.SECTION_COLUMNS) & set(_export.COLUMNS[: -len(_export.SECTION_COLUMNS)])


def test_sqlite_holds_every_row_of_to_records(tmp_path: Path) -> None:
    out = tmp_path / "papers.db"
    result = df.export_sqlite(_sources(), out, include=["*.md"])
    assert result.failed == []
    expected = _expected()
    assert result.papers == len(expected)
    db = sqlite3.connect(out)
    db.row_factory = sqlite3.Row
    got = [dict(row) for row in db.execute("SELECT * FROM papers ORDER BY id")]
    assert len(got) == len(expected)
    for row, want in zip(got, expected, strict=True):
        row.pop("id")
        for name in ("tags", "authors", "keywords"):
            row[name] = json.loads(row[name])
        row["date"] = datetime.date.fromisoformat(row["date"]) if row["date"] is not None else None
        assert row == want
    sections = db.execute("SELECT count(*) FROM sections").fetchone()[0]
    assert sections == sum(len(p.sections) for path in VALID for p in df.load(path).papers)
    assert db.execute("SELECT count(*) FROM papers_fts").fetchone()[0] == len(expected)


def test_csv_holds_every_row_of_to_records(tmp_path: Path) -> None:
    out = tmp_path / "papers.csv"
    assert df.export_csv(_sources(), out, include=["*.md"]).failed == []
    with open(out, encoding="utf-8", newline="") as handle:
        got = list(csv.DictReader(handle))
    expected = _expected()
    assert len(got) == len(expected)
    for row, want in zip(got, expected, strict=True):
        assert list(row) == list(_export.COLUMNS)
        for name, value in want.items():
            if value is None:
                assert row[name] == ""
            elif isinstance(value, list):
                assert row[name] == ";".join(value)
            elif isinstance(value, datetime.date):
                assert row[name] == value.isoformat()
            else:
                assert row[name] == str(value)


def test_parquet_holds_every_row_of_to_records_partitioned_by_year(tmp_path: Path) -> None:
    ds = pytest.importorskip("pyarrow.dataset")
    out = tmp_path / "papers"
    assert df.export_parquet(_sources(), out, include=["*.md"]).failed == []
    assert any(child.name.startswith("year=") for child in out.iterdir())
    table = ds.dataset(out, format="parquet", partitioning="hive").to_table()
    got = sorted(table.to_pylist(), key=lambda row: (row["source"], row["title"], row["rank"] or 0))
    expected = _expected()
    assert len(got) == len(expected)
    for want in expected:
        want["year"] = want["date"].year if want["date"] is not None else None
    expected.sort(key=lambda row: (row["source"], row["title"], row["rank"] or 0))
    for row, want in zip(got, expected, strict=True):
        assert row == want


def test_to_arrow_and_to_pandas(tmp_path: Path) -> None:
    pytest.importorskip("pyarrow")
    pytest.importorskip("pandas")
    expected = _expected()
    table = df.to_arrow(_sources(), include=["*.md"])
    assert table.column_names == list(_export.COLUMNS)
    assert table.to_pylist() == expected
    frame = df.to_pandas(VALID[:3])
    assert list(frame.columns) == list(_export.COLUMNS)
    assert len(frame) == sum(len(df.load(p).papers) for p in VALID[:3])
    docs = [df.load(p) for p in VALID[:2]]
    assert df.to_arrow(docs).num_rows == sum(len(d.papers) for d in docs)


def _words(path: Path) -> set[str]:
    doc = df.load(path)
    text = " ".join(
        [p.title for p in doc.papers]
        + [k for p in doc.papers for k in p.keywords]
        + [s.body for p in doc.papers for s in p.sections]
    )
    return {w.casefold() for w in re.findall(r"[A-Za-z]{6,}", text)}


def _in_exactly_three() -> tuple[str, set[str]]:
    where: dict[str, set[str]] = {}
    for path in VALID:
        for word in _words(path):
            where.setdefault(word, set()).add(f"{path.parent.parent.name}/valid/{path.name}")
    for word, names in sorted(where.items()):
        if len(names) == 3:
            return word, names
    raise AssertionError("no word in exactly three fixtures")


def test_a_search_finds_exactly_the_fixtures_a_word_occurs_in(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    word, names = _in_exactly_three()
    out = tmp_path / "papers.db"
    assert run(["export", str(FIXTURES), "--include", "*/valid/*.md", "-o", str(out), "--to", "sqlite"]) == 0
    found = df.search(out, word, limit=100)
    assert {hit["source"] for hit in found} == names
    assert [hit["score"] for hit in found] == sorted(hit["score"] for hit in found)
    capsys.readouterr()
    assert run(["search", str(out), word, "--limit", "100"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == len(found)
    assert lines[0].split("  ")[2] == found[0]["title"]
    assert run(["search", str(out), word, "--json", "--limit", "2"]) == 0
    assert len(json.loads(capsys.readouterr().out)) == min(2, len(found))


def test_korean_words_match_whole_tokens(tmp_path: Path) -> None:
    doc = df.load(next(p for p in VALID if "tagged" in str(p)))
    paper = doc.papers[0]
    paper.sections[0].body = "강화학습 기반의 보상 모델"
    out = tmp_path / "ko.db"
    df.export_sqlite([doc], out)
    assert len(df.search(out, "강화학습")) == 1
    assert df.search(out, "강화") == []  # no morphology: a token matches whole
    assert len(df.search(out, "강화*")) == 1  # a prefix query does


def test_a_bad_file_is_reported_and_the_rest_exported(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = tmp_path / "src"
    src.mkdir()
    (src / "good.md").write_bytes(VALID[0].read_bytes())
    (src / "bad.md").write_bytes(b"\x89PNG\r\n")
    out = tmp_path / "out.csv"
    assert run(["export", str(src), "-o", str(out), "--to", "csv"]) == 1
    err = capsys.readouterr().err
    assert re.search(rf"^{re.escape(str(src / 'bad.md'))}:\d+:\d+: ", err, re.MULTILINE)
    with open(out, encoding="utf-8", newline="") as handle:
        assert {row["source"] for row in csv.DictReader(handle)} == {"good.md"}
    missing = tmp_path / "missing"
    assert run(["export", str(missing), str(src / "good.md"), "-o", str(out), "--to", "csv", "--force"]) == 1
    assert f"{missing}: no such file or folder" in capsys.readouterr().err
    assert out.stat().st_size > 0


@pytest.mark.parametrize("to", ["sqlite", "csv", "parquet"])
def test_an_existing_out_is_refused_without_force(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], to: str
) -> None:
    if to == "parquet":
        pytest.importorskip("pyarrow")
    out = tmp_path / "out"
    out.write_text("mine")
    args = ["export", str(VALID[0]), "-o", str(out), "--to", to]
    assert run(args) == 1
    assert "exists: use --force" in capsys.readouterr().err
    assert out.read_text() == "mine"
    with pytest.raises(FileExistsError):
        df.export(VALID[0], out, to)
    assert run([*args, "--force"]) == 0
    assert out.is_dir() if to == "parquet" else out.is_file() and out.read_bytes() != b"mine"
    assert run([*args, "--force"]) == 0  # replacing what it wrote too
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


@pytest.mark.parametrize("to", ["sqlite", "csv", "parquet"])
def test_a_full_disk_leaves_nothing_at_out(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, to: str) -> None:
    if to == "parquet":
        pytest.importorskip("pyarrow")
    real = _export._doc_rows

    def full(doc: df.Digest, source: str | None) -> Iterator[Any]:
        yield from real(doc, source)
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(_export, "_doc_rows", full)
    out = tmp_path / "out"
    with pytest.raises(OSError, match="No space"):
        df.export(VALID[0], out, to)
    assert list(tmp_path.iterdir()) == []
    assert run(["export", str(VALID[0]), "-o", str(out), "--to", to]) == 1
    assert list(tmp_path.iterdir()) == []


def test_a_missing_pyarrow_names_the_extra(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setitem(sys.modules, "pyarrow", None)
    with pytest.raises(ImportError, match=re.escape("pip install 'digestformat[data]'")):
        df.to_arrow(VALID[0])
    with pytest.raises(ImportError, match=re.escape("digestformat[data]")):
        df.export_parquet(VALID[0], tmp_path / "out")
    assert list(tmp_path.iterdir()) == []


def test_search_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "p.db"
    df.export_sqlite(VALID[0], out)
    assert run(["search", str(out), 'unterminated "']) == 2
    assert "digestformat search:" in capsys.readouterr().err
    assert run(["search", str(tmp_path / "none.db"), "x"]) == 1
    assert run(["search", str(out), "x", "--limit", "0"]) == 2
    assert run(["search", str(out), "zzzznothingzzzz"]) == 1
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"not a database at all, just some bytes" * 50)
    assert run(["search", str(junk), "x"]) == 1
    assert "not a database" in capsys.readouterr().err


@pytest.mark.parametrize(
    "argv", [["--help"], ["export", "--help"], ["search", "--help"], ["export", "x", "--to", "csv"]]
)
def test_no_pyarrow_pandas_or_sqlite3_at_start_up(argv: list[str]) -> None:
    probe = (
        "import sys, contextlib, io\n"
        "import digestformat\n"
        "from digestformat.cli import run\n"
        "with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):\n"
        "    run(sys.argv[1:])\n"
        "print(' '.join(sorted(sys.modules)))\n"
    )
    proc = subprocess.run([sys.executable, "-c", probe, *argv], capture_output=True, text=True, check=True)
    loaded = {m.partition(".")[0] for m in proc.stdout.split()}
    assert not loaded & {"pyarrow", "pandas", "sqlite3", "_sqlite3", "pydantic"}


def _parquet_rows(out: Path) -> list[dict[str, Any]]:
    ds = pytest.importorskip("pyarrow.dataset")
    table = ds.dataset(out, format="parquet", partitioning="hive").to_table()
    return list(table.to_pylist())


def test_jobs_change_nothing_in_any_output(tmp_path: Path) -> None:
    """The fixtures exported with jobs=1 and jobs=2: the same rows, in the same order."""
    sources: list[Any] = [*_sources(), df.load(VALID[0]), tmp_path / "missing"]
    got: dict[int, tuple[Any, ...]] = {}
    for jobs in (1, 2):
        db, table, folder = tmp_path / f"{jobs}.db", tmp_path / f"{jobs}.csv", tmp_path / f"parquet-{jobs}"
        results = [
            df.export_sqlite(sources, db, include=["*.md"], jobs=jobs),
            df.export_csv(sources, table, include=["*.md"], jobs=jobs),
        ]
        if _has_pyarrow():
            results.append(df.export_parquet(sources, folder, include=["*.md"], jobs=jobs))
        for result in results:
            assert (result.files, result.papers) == (results[0].files, results[0].papers)
            assert [str(path) for path, _ in result.failed] == [str(tmp_path / "missing")]
        con = sqlite3.connect(db)
        tables = tuple(
            con.execute(f"SELECT * FROM {name} ORDER BY rowid").fetchall()
            for name in ("papers", "sections", "papers_fts")
        )
        con.close()
        parquet = _parquet_rows(folder) if _has_pyarrow() else []
        got[jobs] = (results[0].files, results[0].papers, tables, table.read_bytes(), parquet)
    assert got[1][1] == len(_expected()) + len(df.load(VALID[0]).papers)
    assert got[1] == got[2]


def _has_pyarrow() -> bool:
    return importlib.util.find_spec("pyarrow") is not None


def test_with_jobs_a_bad_file_is_that_files_failure(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = tmp_path / "src"
    src.mkdir()
    for i in range(40):  # more than one chunk of files
        (src / f"good-{i:02}.md").write_bytes(VALID[i % len(VALID)].read_bytes())
    (src / "bad.md").write_bytes(b"\x89PNG\r\n")
    outs = {jobs: tmp_path / f"out-{jobs}.csv" for jobs in (1, 2, 0)}
    for jobs, out in outs.items():
        assert run(["export", str(src), "-o", str(out), "--to", "csv", "--jobs", str(jobs)]) == 1
        err = capsys.readouterr().err
        assert re.search(rf"^{re.escape(str(src / 'bad.md'))}:\d+:\d+: ", err, re.MULTILINE)
        assert len(err.splitlines()) == 1
    assert outs[1].read_bytes() == outs[2].read_bytes() == outs[0].read_bytes()


def test_a_negative_jobs_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out.csv"
    assert run(["export", str(VALID[0]), "-o", str(out), "--to", "csv", "--jobs", "-1"]) == 2
    assert "--jobs takes a number of workers, 0 or more" in capsys.readouterr().err
    with pytest.raises(ValueError, match="jobs"):
        df.export_csv(VALID[0], out, jobs=-1)
    assert not out.exists()


@pytest.mark.skipif(sys.platform != "linux", reason="the workers must fork to see the patch")
def test_a_worker_that_dies_fails_only_its_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    src = tmp_path / "src"
    src.mkdir()
    for i in range(40):
        (src / f"good-{i:02}.md").write_bytes(VALID[i % len(VALID)].read_bytes())
    (src / "good-05.md").rename(src / "kill.md")
    read = _export._read_rows

    def dying(path: str, source: str, strict: bool) -> Any:
        if source == "kill.md":
            os._exit(3)  # a crash in C, say: the worker is gone
        return read(path, source, strict)

    monkeypatch.setattr(_export, "_read_rows", dying)
    one, two = tmp_path / "one.csv", tmp_path / "two.csv"
    (src / "kill.md").rename(tmp_path / "kill.md")
    assert df.export_csv(src, one).failed == []
    (tmp_path / "kill.md").rename(src / "kill.md")
    result = df.export_csv(src, two, jobs=2)
    assert [path.name for path, _ in result.failed] == ["kill.md"]
    assert "worker" in str(result.failed[0][1])
    assert one.read_bytes() == two.read_bytes()
