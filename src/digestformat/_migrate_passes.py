"""The passes that gather the whole archive into few outputs: ``--join`` and the feeds.

Both read every input in the workers first (``_read_one``: its date, and for
``--join`` its JSON), and both need the inputs in another order than the
walk's: by date. That order is made by a ``Sorter`` (sorted runs in temporary
files, merged), so the memory of either pass does not grow with the archive:
``--join`` holds one date's posts at a time, a feed one input at a time (its
items streamed to the file).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from ._api import render
from ._external_sort import Sorter
from ._io import contained, write_atomic
from ._migrate_inputs import _read_input
from ._migrate_journal import _append, _Journal, _sha
from ._migrate_workers import _failure, _parse, _pool_map, _read_one, _Result, _Task
from ._posts import joined
from .errors import DigestError
from .model import Digest

if TYPE_CHECKING:
    from .archive import Options

FEED_NAMES = {"rss": "feed.xml", "atom": "atom.xml", "jsonfeed": "feed.json"}
_SUFFIX = {"json": ".json"}

Report = Callable[[_Result], None]


def _join(opts: Options, tasks: Iterable[_Task], journal: _Journal, report: Report) -> None:
    """One digest per date, of the review posts of that date (in walk order)."""
    with Sorter(opts.dst) as posts:
        for index, (task, result) in enumerate(_pool_map(_read_one, tasks, opts, journal)):
            if result.status == "failed":
                report(result)
                continue
            text = json.dumps([task.rel, result.payload, result.warnings])
            posts.add(f"{result.date or 'undated'}\0{index:012d}", text)
        members: list[tuple[str, Digest, list[str]]] = []
        date = ""
        for key, text in posts:
            day = key.partition("\0")[0]
            if members and day != date:
                _join_date(opts, journal, date, members, report)
                members = []
            date = day
            rel, payload, warnings = json.loads(text)
            try:
                members.append((rel, Digest.model_validate_json(payload), warnings))
            except Exception as exc:
                report(_Result(rel, "failed", _failure(rel, exc), warnings=warnings))
        if members:
            _join_date(opts, journal, date, members, report)


def _join_date(
    opts: Options, journal: _Journal, date: str, members: list[tuple[str, Digest, list[str]]], report: Report
) -> None:
    """Join one date's posts (*members*: rel, post, warnings; emptied, so that the posts go once
    their papers are the digest's) and report each."""
    name = f"{date}{_SUFFIX.get(opts.to, '.md')}"
    docs = [doc for _, doc, _ in members]
    said = [(rel, warnings) for rel, _, warnings in members]
    members.clear()
    try:
        _join_one(opts, journal, name, date, docs)
    except Exception as exc:
        if isinstance(exc, DigestError):
            message = f"{name}: {exc.msg}"
        elif isinstance(exc, ValueError):
            message = f"{name}: {exc}"
        elif isinstance(exc, OSError):
            message = f"{opts.dst / name}: cannot write: {exc.strerror or exc}"
        else:
            message = _failure(name, exc)
        report(_Result(said[0][0], "failed", message, warnings=[w for _, ws in said for w in ws]))
        return
    for number, (rel, warnings) in enumerate(said):
        outputs = [name] if number == 0 else []
        report(_Result(rel, "converted", outputs=outputs, warnings=warnings))


def _join_one(opts: Options, journal: _Journal, name: str, date: str, docs: list[Digest]) -> None:
    digest = joined(docs, copy=False)  # the posts are dropped: their papers are the digest's
    docs.clear()
    text = render(digest, opts.to)
    del digest
    target = contained(opts.dst, name)
    if os.path.lexists(target) and name not in journal.owned and not opts.force:
        raise DigestError(f"{name} exists and migrate did not write it: use --force")
    if opts.dry_run:
        return
    _append(opts.dst, {"input": f"join:{date}", "outputs": [{"path": name}], "state": "begin"})
    blob = text.encode("utf-8")
    write_atomic(target, blob)
    done = {
        "input": f"join:{date}",
        "sha": "",
        "outputs": [{"path": name, "sha": _sha(blob)}],
        "state": "done",
    }
    _append(opts.dst, done)


def _feed(
    opts: Options,
    tasks: Iterable[_Task],
    journal: _Journal,
    report: Report,
    *,
    out: TextIO,
) -> None:
    """One feed of every paper, newest first, streamed so memory stays flat.

    The inputs are read twice (their dates, then their items); one that fails the
    second time is reported then, and left out of the feed.
    """
    with Sorter(opts.dst, reverse=True) as dated:
        for task, result in _pool_map(_read_one, tasks, opts, journal):
            if result.status == "failed":
                report(result)
                continue
            text = json.dumps([task.rel, task.path, task.link, result.warnings])
            dated.add(f"{result.date or ''}\0{task.rel}", text)
        _write_feed(opts, journal, report, iter(dated), out)


def _write_feed(
    opts: Options, journal: _Journal, report: Report, dated: Iterator[tuple[str, str]], out: TextIO
) -> None:
    name = FEED_NAMES[opts.to]
    target = contained(opts.dst, name)
    warned: dict[str, list[str]] = {}  # the warnings of the input being written

    def tasks() -> Iterator[_Task]:
        for _, text in dated:
            rel, path, link, warnings = json.loads(text)
            warned[rel] = warnings
            yield _Task(rel, path, link)

    def converted(task: _Task) -> None:
        report(_Result(task.rel, "converted", warnings=warned.pop(task.rel, [])))

    if opts.dry_run:
        for task in tasks():
            converted(task)
        print(f"would write {target}", file=out)
        return
    current: list[tuple[_Task, Path]] = []  # the input being written, and whether it failed
    failed: list[bool] = [False]

    def paths() -> Iterator[Path]:
        for task in tasks():
            if current and not failed[0]:
                converted(current[0][0])
            path = Path(task.path or os.path.join(opts.src, task.rel))
            current[:] = [(task, path)]
            failed[0] = False
            yield path

    def load(path: Path) -> bytes:
        task, known = current[0]
        assert path == known
        return _read_input(task, opts)

    def skip(path: Path, exc: Exception) -> None:
        task, known = current[0]
        assert path == known
        failed[0] = True
        warned.pop(task.rel, None)
        report(_Result(task.rel, "failed", _failure(task.rel, exc)))

    try:
        if os.path.lexists(target) and name not in journal.owned and not opts.force:
            message = f"{name} exists and migrate did not write it: use --force to replace it"
            report(_Result(name, "failed", message))
            return
        _append(opts.dst, {"input": f"feed:{name}", "outputs": [{"path": name}], "state": "begin"})
        from .feeds.archive import write_archive_feed  # lxml: only for --to rss/atom/jsonfeed

        try:
            write_archive_feed(
                opts.to, target, paths(), lambda data: _parse(data, opts), load=load, on_error=skip
            )
        except OSError as exc:
            report(_Result(name, "failed", f"{target}: cannot write: {exc.strerror or exc}"))
            return
        _append(opts.dst, {"input": f"feed:{name}", "sha": "", "outputs": [{"path": name}], "state": "done"})
    finally:
        if current and not failed[0]:
            converted(current[0][0])
        for task in tasks():  # what the feed did not get to (it could not be written)
            converted(task)
