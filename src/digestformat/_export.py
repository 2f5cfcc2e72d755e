"""The archive as data (issue 12): one row per paper, to SQLite, CSV or Parquet (docs/data.md).

Rows come from :func:`~digestformat.iter_archive` one file at a time: an export never
holds every digest, only the rows of one file (and, for Parquet, one batch of rows).
With ``jobs`` > 1 worker processes parse the files, a few chunks of files at a time, and
this process writes their rows in input order: the output is the same for any ``jobs``.
Every output is written beside OUT under a temporary name and renamed over OUT at the
end, so a failure (a full disk) leaves no half-written OUT behind.
"""

from __future__ import annotations

import contextlib
import csv
import datetime
import json
import os
import secrets
import shutil
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ._walk import INCLUDE
from .errors import DigestError
from .layouts.vocabulary import EQUIVALENTS
from .model import PAPER_COLUMNS, SECTION_KINDS, Digest, paper_columns

if TYPE_CHECKING:
    import sqlite3

    import pandas
    import pyarrow

__all__ = [
    "CANONICAL",
    "COLUMNS",
    "EXPORT_FORMATS",
    "SECTION_COLUMNS",
    "Exported",
    "export",
    "export_csv",
    "export_parquet",
    "export_sqlite",
    "rows",
    "search",
    "to_arrow",
    "to_pandas",
]

EXPORT_FORMATS = ("parquet", "csv", "sqlite")


def _canonical() -> dict[str, str]:
    mapping: dict[str, str] = {}
    for kind in SECTION_KINDS:
        group = next((g for g in EQUIVALENTS if kind in g), frozenset({kind}))
        mapping[kind] = min(group, key=SECTION_KINDS.index)  # the group's first in SECTION_KINDS
    return mapping


CANONICAL: dict[str, str] = _canonical()
"""Each built-in section kind -> its column: equivalent kinds (``vocabulary.EQUIVALENTS``)
share one column, named after the group's first kind in ``SECTION_KINDS`` order."""

SECTION_COLUMNS: tuple[str, ...] = tuple(dict.fromkeys(CANONICAL.values()))
"""The section columns, in ``SECTION_KINDS`` order."""

_LISTS = ("tags", "authors", "keywords")
_FIXED = ("source", "date", "digest_title", "layout", "template", *PAPER_COLUMNS)
COLUMNS: tuple[str, ...] = (*_FIXED, *SECTION_COLUMNS)
"""Every row's keys, in order."""

Source = str | os.PathLike[str]
Failure = tuple[Path, DigestError]


@dataclass
class Exported:
    """What an export did: the files read, the papers written, the files that failed."""

    files: int = 0
    papers: int = 0
    failed: list[Failure] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class _Row:
    values: dict[str, Any]
    sections: list[tuple[str | None, str | None, str]]  # kind, heading, body


def _doc_rows(doc: Digest, source: str | None) -> Iterator[_Row]:
    for paper in doc.papers:
        values: dict[str, Any] = {
            "source": source,
            "date": doc.date,
            "digest_title": doc.title,
            "layout": doc.layout,
            "template": doc.template,
            **paper_columns(paper),
        }
        values.update(dict.fromkeys(SECTION_COLUMNS))
        for section in paper.sections:
            column = CANONICAL.get(section.kind) if section.kind is not None else None
            if column is not None and values[column] is None:
                values[column] = section.body  # the first section of its class
        yield _Row(values, [(s.kind, s.heading, s.body) for s in paper.sections])


def _inputs(sources: Source | Digest | Iterable[Source | Digest]) -> list[Source | Digest]:
    if isinstance(sources, str | os.PathLike | Digest):
        return [sources]
    return list(sources)


def _rows(
    sources: Source | Digest | Iterable[Source | Digest],
    include: Iterable[str],
    exclude: Iterable[str],
    strict: bool,
    result: Exported,
    *,
    jobs: int = 1,
) -> Iterator[_Row]:
    from ._archive_iter import iter_archive

    include, exclude = tuple(include), tuple(exclude)
    workers = _workers(jobs)
    if workers > 1:
        yield from _pooled_rows(
            _inputs(sources), include, exclude, strict=strict, result=result, jobs=workers
        )
        return
    for item in _inputs(sources):
        if isinstance(item, Digest):
            result.files += 1
            for row in _doc_rows(item, None):
                result.papers += 1
                yield row
            continue
        root = Path(item)
        if not os.path.lexists(root):
            result.files += 1
            result.failed.append((root, DigestError(f"{root}: no such file or folder")))
            continue
        for path, got in iter_archive(root, include, exclude, strict=strict):
            result.files += 1
            if isinstance(got, DigestError):
                result.failed.append((path, got))
                continue
            source = path.relative_to(root).as_posix() if root.is_dir() else path.name
            for row in _doc_rows(got, source):
                result.papers += 1
                yield row


# ---------------------------------------------------------------- parsing in worker processes
#
# With jobs > 1 the parent walks the inputs (in the order iter_archive does) and sends only
# file paths to a process pool, in chunks, a bounded number of chunks in flight; each worker
# parses its files and gives back their rows (or the file's DigestError). The parent takes
# the results in input order and writes every row itself, so the output is the same for any
# jobs. Digest inputs, missing inputs and folders that cannot be read stay in the parent.

_CHUNK = 16  # files per task sent to a worker
_IN_FLIGHT = 3  # chunks in flight per worker

# One item of the walk: a Digest, a file to read (path, source), or a failure (path, error).
_Item = Digest | tuple[Path, str] | tuple[Path, DigestError]
_Got = list[_Row] | DigestError


def _workers(jobs: int) -> int:
    if jobs < 0:
        raise ValueError(f"jobs takes a number of worker processes, 0 or more, not {jobs}")
    return jobs or os.cpu_count() or 1


def _walked(
    items: list[Source | Digest], include: tuple[str, ...], exclude: tuple[str, ...]
) -> Iterator[_Item]:
    """What iter_archive would read, in its order, without reading anything."""
    from ._archive_iter import _failure
    from ._walk import walk

    for item in items:
        if isinstance(item, Digest):
            yield item
            continue
        root = Path(item)
        if not os.path.lexists(root):
            yield root, DigestError(f"{root}: no such file or folder")
            continue
        if not root.is_dir():
            yield root, root.name
            continue
        problems: list[OSError] = []
        for rel in walk(root, include=include, exclude=exclude, suffixes=("",), on_error=problems.append):
            while problems:
                exc = problems.pop(0)
                where = Path(exc.filename) if exc.filename else root
                yield where, _failure(where, exc)
            path = root / rel
            yield path, path.relative_to(root).as_posix()
        for exc in problems:
            where = Path(exc.filename) if exc.filename else root
            yield where, _failure(where, exc)


def _read_rows(path: str, source: str, strict: bool) -> _Got:
    """The rows of one file (in a worker), or its DigestError: whatever goes wrong is its own."""
    from ._archive_iter import _failure, _read

    try:
        got = _read(Path(path), strict, None)
        return got if isinstance(got, DigestError) else list(_doc_rows(got, source))
    except Exception as exc:  # making the rows went wrong: that file fails
        return _failure(Path(path), exc)


def _read_chunk(files: list[tuple[str, str]], strict: bool) -> list[_Got]:
    return [_read_rows(path, source, strict) for path, source in files]


def _to_read(chunk: list[_Item]) -> list[tuple[str, str]]:
    return [(str(item[0]), item[1]) for item in chunk if isinstance(item, tuple) and isinstance(item[1], str)]


def _submit(pool: Any, chunk: list[_Item], strict: bool) -> Any:
    """The future of *chunk*'s files, or None when the pool is broken already."""
    import concurrent.futures as cf

    files = _to_read(chunk)
    if not files:  # nothing to parse: no worker needed
        done: cf.Future[list[_Got]] = cf.Future()
        done.set_result([])
        return done
    try:
        return pool.submit(_read_chunk, files, strict)
    except cf.BrokenExecutor:
        return None


def _alone(path: Path, source: str, strict: bool) -> _Got:
    """One file in a worker of its own: a worker that dies fails that file only."""
    import concurrent.futures as cf

    with cf.ProcessPoolExecutor(max_workers=1) as pool:
        try:
            return pool.submit(_read_chunk, [(str(path), source)], strict).result()[0]
        except Exception as exc:  # the worker died, or its result could not come back
            return DigestError(f"{path}: internal error (a worker process failed: {type(exc).__name__})")


def _pooled_rows(
    items: list[Source | Digest],
    include: tuple[str, ...],
    exclude: tuple[str, ...],
    *,
    strict: bool,
    result: Exported,
    jobs: int,
) -> Iterator[_Row]:
    import concurrent.futures as cf
    import itertools

    walked = _walked(items, include, exclude)
    feed = iter(lambda: list(itertools.islice(walked, _CHUNK)), [])
    while True:
        redo: list[list[_Item]] = []
        with cf.ProcessPoolExecutor(max_workers=jobs) as pool:
            pending: list[tuple[list[_Item], Any]] = []
            for chunk in feed:
                pending.append((chunk, _submit(pool, chunk, strict)))
                if len(pending) >= jobs * _IN_FLIGHT:
                    break
            while pending:
                chunk, future = pending.pop(0)
                got: list[_Got] | None
                try:
                    if future is None:
                        raise cf.BrokenExecutor
                    got = future.result()
                except cf.BrokenExecutor:
                    redo = [chunk, *(c for c, _ in pending)]
                    break
                except Exception:  # a result that could not come back: each file alone
                    got = None
                nxt = next(feed, None)
                if nxt is not None:
                    pending.append((nxt, _submit(pool, nxt, strict)))
                yield from _merged(chunk, got, strict, result)
            else:
                return
        for chunk in redo:  # the pool broke: what it left unfinished, one file at a time
            yield from _merged(chunk, None, strict, result)


def _merged(chunk: list[_Item], got: list[_Got] | None, strict: bool, result: Exported) -> Iterator[_Row]:
    """The rows of *chunk* in order: its files' from *got* (None: each read alone)."""
    results = iter(got) if got is not None else None
    for item in chunk:
        result.files += 1
        if isinstance(item, Digest):
            for row in _doc_rows(item, None):
                result.papers += 1
                yield row
            continue
        path, what = item
        if isinstance(what, DigestError):
            result.failed.append((path, what))
            continue
        one = next(results) if results is not None else _alone(path, what, strict)
        if isinstance(one, DigestError):
            result.failed.append((path, one))
            continue
        for row in one:
            result.papers += 1
            yield row


def rows(
    sources: Source | Digest | Iterable[Source | Digest],
    *,
    include: Iterable[str] = INCLUDE,
    exclude: Iterable[str] = (),
    strict: bool = False,
    on_error: Callable[[Path, DigestError], None] | None = None,
) -> Iterator[dict[str, Any]]:
    """One dict per paper (keys :data:`COLUMNS`), lazily, of the digests, files and folders
    *sources*. A file that cannot be read is given to *on_error*, else raised."""
    result = Exported()
    for row in _rows(sources, include, exclude, strict, result):
        _failures(result, on_error)
        yield row.values
    _failures(result, on_error)


def _failures(result: Exported, on_error: Callable[[Path, DigestError], None] | None) -> None:
    while result.failed:
        path, err = result.failed.pop(0)
        if on_error is None:
            raise err
        on_error(path, err)


# ---------------------------------------------------------------- writing OUT atomically


def _temp_beside(out: Path) -> Path:
    return out.parent / f".{out.name[:50]}.{secrets.token_hex(4)}.tmp"


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        with contextlib.suppress(OSError):
            os.unlink(path)


def _refuse(out: Path, force: bool) -> None:
    if os.path.lexists(out) and not force:
        raise FileExistsError(17, "exists: use --force (force=True) to replace it", str(out))
    if not out.parent.is_dir():
        raise FileNotFoundError(2, "no such folder to write into", str(out))


def _publish(tmp: Path, out: Path) -> None:
    """*tmp* renamed to *out*; an existing OUT that a rename cannot replace (a folder, or a
    file where a folder comes) is moved aside first, then removed."""
    if os.path.lexists(out) and (tmp.is_dir() or (out.is_dir() and not out.is_symlink())):
        old = _temp_beside(out)
        os.replace(out, old)
        try:
            os.replace(tmp, out)
        except BaseException:
            os.replace(old, out)
            raise
        _remove(old)
    else:
        os.replace(tmp, out)


def _atomically(out: Path, force: bool, write: Callable[[Path], None]) -> None:
    _refuse(out, force)
    tmp = _temp_beside(out)
    try:
        write(tmp)
        _publish(tmp, out)
    except BaseException:
        _remove(tmp)
        raise


# ---------------------------------------------------------------- SQLite

_SCHEMA_TYPES = {"rank": "INTEGER", "upvotes": "INTEGER"}
_NOT_NULL = ("layout", "title")


def _sqlite_value(name: str, value: Any) -> Any:
    if name in _LISTS:
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


def _sqlite_schema() -> list[str]:
    columns = ", ".join(
        f"{name} {_SCHEMA_TYPES.get(name, 'TEXT')}{' NOT NULL' if name in _NOT_NULL else ''}"
        for name in COLUMNS
    )
    return [
        f"CREATE TABLE papers (id INTEGER PRIMARY KEY, {columns})",
        "CREATE TABLE sections (paper_id INTEGER NOT NULL REFERENCES papers(id), "
        "position INTEGER NOT NULL, kind TEXT, heading TEXT, body TEXT NOT NULL)",
        "CREATE INDEX sections_paper ON sections(paper_id)",
        "CREATE VIRTUAL TABLE papers_fts USING fts5(title, keywords, sections, tokenize='unicode61')",
    ]


def _write_sqlite(path: Path, source: Iterator[_Row]) -> None:
    import sqlite3

    db = sqlite3.connect(path)
    try:
        db.execute("PRAGMA journal_mode=OFF")
        db.execute("PRAGMA synchronous=OFF")
        for statement in _sqlite_schema():
            db.execute(statement)
        insert = f"INSERT INTO papers ({', '.join(COLUMNS)}) VALUES ({', '.join('?' for _ in COLUMNS)})"
        for row in source:
            cursor = db.execute(insert, [_sqlite_value(name, row.values[name]) for name in COLUMNS])
            paper_id = cursor.lastrowid
            db.executemany(
                "INSERT INTO sections (paper_id, position, kind, heading, body) VALUES (?, ?, ?, ?, ?)",
                [(paper_id, i, kind, heading, body) for i, (kind, heading, body) in enumerate(row.sections)],
            )
            db.execute(
                "INSERT INTO papers_fts (rowid, title, keywords, sections) VALUES (?, ?, ?, ?)",
                (
                    paper_id,
                    row.values["title"],
                    " ".join(row.values["keywords"]),
                    "\n\n".join(body for _, _, body in row.sections),
                ),
            )
        db.commit()
    finally:
        db.close()


def _export_with(
    write: Callable[[Path, Iterator[_Row]], None],
    sources: Source | Digest | Iterable[Source | Digest],
    out: Source,
    *,
    include: Iterable[str],
    exclude: Iterable[str],
    strict: bool,
    force: bool,
    jobs: int,
) -> Exported:
    """The rows of *sources* given to *write* on a temporary path, renamed to *out*."""
    _workers(jobs)
    result = Exported()
    _atomically(
        Path(out), force, lambda tmp: write(tmp, _rows(sources, include, exclude, strict, result, jobs=jobs))
    )
    return result


def export_sqlite(
    sources: Source | Digest | Iterable[Source | Digest],
    out: Source,
    *,
    include: Iterable[str] = INCLUDE,
    exclude: Iterable[str] = (),
    strict: bool = False,
    force: bool = False,
    jobs: int = 1,
) -> Exported:
    """Write the papers of *sources* (digests, files, folders) to the SQLite database *out*:
    tables ``papers``, ``sections`` and the FTS5 table ``papers_fts`` (docs/data.md). An
    existing *out* is refused (FileExistsError) unless *force*. Files that cannot be read
    are left out and listed in the result's ``failed``. *jobs* worker processes parse the
    files (0: one per core; 1, the default: none, all in this process); the rows, written
    by this process in input order, are the same for any *jobs*."""
    return _export_with(
        _write_sqlite, sources, out, include=include, exclude=exclude, strict=strict, force=force, jobs=jobs
    )


def search(db: Source, query: str, *, limit: int = 20) -> list[dict[str, Any]]:
    """The papers of the database *db* (from :func:`export_sqlite`) that the FTS5 *query*
    matches, best first (bm25): dicts of ``date``, ``rank``, ``title``, ``url``, ``source``,
    ``score``. A malformed query raises DigestError."""
    import sqlite3

    path = Path(db)
    if not path.is_file():
        raise FileNotFoundError(2, "no such database", str(path))
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    conn.row_factory = _dict_row
    try:
        found = conn.execute(
            "SELECT p.date, p.rank, p.title, p.url, p.source, bm25(papers_fts) AS score "
            "FROM papers_fts JOIN papers p ON p.id = papers_fts.rowid "
            "WHERE papers_fts MATCH ? ORDER BY score, p.id LIMIT ?",
            (query, limit),
        ).fetchall()
    except sqlite3.OperationalError as err:
        raise DigestError(f"search {query!r}: {err}") from None
    except sqlite3.DatabaseError as err:  # not a database, or not one export wrote
        raise OSError(0, f"not a database of digestformat export ({err})", str(path)) from None
    finally:
        conn.close()
    return found


def _dict_row(cursor: sqlite3.Cursor, row: tuple[Any, ...]) -> dict[str, Any]:
    return {column[0]: value for column, value in zip(cursor.description, row, strict=True)}


# ---------------------------------------------------------------- CSV


def _csv_value(name: str, value: Any) -> str:
    if value is None:
        return ""
    if name in _LISTS:
        return ";".join(value)
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


def _write_csv(path: Path, source: Iterator[_Row]) -> None:
    with open(path, "x", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        for row in source:
            writer.writerow([_csv_value(name, row.values[name]) for name in COLUMNS])


def export_csv(
    sources: Source | Digest | Iterable[Source | Digest],
    out: Source,
    *,
    include: Iterable[str] = INCLUDE,
    exclude: Iterable[str] = (),
    strict: bool = False,
    force: bool = False,
    jobs: int = 1,
) -> Exported:
    """Write the papers of *sources* to the CSV file *out* (UTF-8, a header row, lists
    ``;``-joined, None as an empty field). Otherwise as :func:`export_sqlite`."""
    return _export_with(
        _write_csv, sources, out, include=include, exclude=exclude, strict=strict, force=force, jobs=jobs
    )


# ---------------------------------------------------------------- Arrow, Parquet, pandas

_BATCH = 1024


def _pyarrow() -> Any:
    try:
        import pyarrow
    except ImportError:
        raise ImportError(
            "Parquet, to_arrow and to_pandas need pyarrow and pandas: pip install 'digestformat[data]'"
        ) from None
    return pyarrow


def _schema(pa: Any, year: bool) -> pyarrow.Schema:
    types = {"date": pa.date32(), "rank": pa.int64(), "upvotes": pa.int64()}
    fields = [
        pa.field(name, pa.list_(pa.string()) if name in _LISTS else types.get(name, pa.string()))
        for name in COLUMNS
    ]
    if year:
        fields.append(pa.field("year", pa.int32()))
    return pa.schema(fields)


def _batches(pa: Any, source: Iterator[_Row], year: bool) -> Iterator[pyarrow.RecordBatch]:
    schema = _schema(pa, year)
    chunk: list[dict[str, Any]] = []

    def batch() -> pyarrow.RecordBatch:
        return pa.RecordBatch.from_pylist(chunk, schema=schema)

    for row in source:
        values = dict(row.values)
        if year:
            values["year"] = values["date"].year if values["date"] is not None else None
        chunk.append(values)
        if len(chunk) >= _BATCH:
            yield batch()
            chunk = []
    if chunk:
        yield batch()


def _write_parquet(path: Path, source: Iterator[_Row]) -> None:
    pa = _pyarrow()
    import pyarrow.dataset as ds

    schema = _schema(pa, year=True)
    partitioning = ds.partitioning(pa.schema([pa.field("year", pa.int32())]), flavor="hive")
    ds.write_dataset(
        _batches(pa, source, year=True),
        path,
        schema=schema,
        format="parquet",
        partitioning=partitioning,
        basename_template="part-{i}.parquet",
    )
    path.mkdir(exist_ok=True)  # no paper at all: an empty dataset is still a folder


def export_parquet(
    sources: Source | Digest | Iterable[Source | Digest],
    out: Source,
    *,
    include: Iterable[str] = INCLUDE,
    exclude: Iterable[str] = (),
    strict: bool = False,
    force: bool = False,
    jobs: int = 1,
) -> Exported:
    """Write the papers of *sources* to the folder *out* as a Parquet dataset partitioned by
    year (``out/year=2026/part-0.parquet``; hive style). Needs pyarrow (the ``data`` extra).
    Otherwise as :func:`export_sqlite`."""
    _pyarrow()
    return _export_with(
        _write_parquet, sources, out, include=include, exclude=exclude, strict=strict, force=force, jobs=jobs
    )


_WRITERS = {"sqlite": export_sqlite, "csv": export_csv, "parquet": export_parquet}


def export(
    sources: Source | Digest | Iterable[Source | Digest],
    out: Source,
    to: str,
    *,
    include: Iterable[str] = INCLUDE,
    exclude: Iterable[str] = (),
    strict: bool = False,
    force: bool = False,
    jobs: int = 1,
) -> Exported:
    """:func:`export_sqlite`, :func:`export_csv` or :func:`export_parquet`, as *to* says."""
    try:
        writer = _WRITERS[to]
    except KeyError:
        raise DigestError(f"unknown export format {to!r}: one of {', '.join(EXPORT_FORMATS)}") from None
    return writer(sources, out, include=include, exclude=exclude, strict=strict, force=force, jobs=jobs)


def to_arrow(
    sources: Source | Digest | Iterable[Source | Digest],
    *,
    include: Iterable[str] = INCLUDE,
    exclude: Iterable[str] = (),
    strict: bool = False,
) -> pyarrow.Table:
    """A ``pyarrow.Table`` of the papers of *sources* (columns :data:`COLUMNS`; lists as
    list<string>, ``date`` as date32). A file that cannot be read raises its DigestError."""
    pa = _pyarrow()
    result = Exported()
    batches = _batches(pa, _checked(_rows(sources, include, exclude, strict, result), result), year=False)
    return pa.Table.from_batches(list(batches), schema=_schema(pa, year=False))


def to_pandas(
    sources: Source | Digest | Iterable[Source | Digest],
    *,
    include: Iterable[str] = INCLUDE,
    exclude: Iterable[str] = (),
    strict: bool = False,
) -> pandas.DataFrame:
    """A ``pandas.DataFrame`` of the papers of *sources*: one row per paper, columns
    :data:`COLUMNS` (lists as Python lists, ``date`` as ``datetime.date``). A file that
    cannot be read raises its DigestError."""
    _pyarrow()
    try:
        import pandas
    except ImportError:
        raise ImportError("to_pandas needs pandas: pip install 'digestformat[data]'") from None
    result = Exported()
    listed = [row.values for row in _checked(_rows(sources, include, exclude, strict, result), result)]
    return pandas.DataFrame.from_records(listed, columns=list(COLUMNS))


def _checked(source: Iterator[_Row], result: Exported) -> Iterator[_Row]:
    for row in source:
        if result.failed:
            raise result.failed[0][1]
        yield row
    if result.failed:
        raise result.failed[0][1]
