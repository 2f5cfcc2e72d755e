"""Migrate a whole archive: walk, convert in parallel, write atomically, resume.

``migrate(Options)`` mirrors SRC's tree into DST, one output per input (or one
post per paper with ``split``, one digest per date with ``join``, one feed of
every paper for rss/atom/jsonfeed). It never writes inside SRC and never
replaces a file it did not write itself (unless ``force``).

Workers only read and convert (``_prepare``); the parent decides every output
name, in input order, and writes (``_Writer``): the result does not depend on
the number of workers or on which of them finishes first. Every input is
isolated: whatever goes wrong with one (any exception) is reported as
``PATH: message`` and the run goes on.

A journal, ``DST/.digestformat-manifest.jsonl``, records the options the
outputs were made with and each input's hash and outputs: a line *before* the
outputs are written (so a killed run's files are known to be ours) and a line
after. ``resume`` skips inputs whose recorded hash and outputs are unchanged.
At the end of a run the journal is rewritten to its options and one line per
input, in path order. One run at a time: ``DST/.digestformat-lock``.

Here: the run, naming and writing the outputs, the ``--join`` and feed passes.
Walking SRC and reading an input are in ``_migrate_inputs``, the lock and the
journal in ``_migrate_journal``, the workers and their pool in ``_migrate_workers``.
"""

from __future__ import annotations

import dataclasses
import functools
import os
import shutil
import stat
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from ._api import find_config, render
from ._io import (
    clean_relative,
    contained,
    default_mode,
    numbered,
    safe_component,
    sweep_temp_files,
    write_atomic,
)
from ._migrate_inputs import MAX_INPUT_BYTES, _Input, _read_input, _walk
from ._migrate_journal import (
    CLAIMS,
    LOCK,
    MANIFEST,
    PART_GLOB,
    MigrateLocked,
    _append,
    _close_journal,
    _describe,
    _Journal,
    _Lock,
    _recorded_options,
    _sha,
)
from ._migrate_workers import (
    _failure,
    _guarded,
    _parse,
    _pool_map,
    _prepare,
    _prepare_any,
    _read_one,
    _Result,
    _Task,
)
from ._posts import join
from ._walk import Filter
from .errors import DigestError
from .layouts import LAYOUTS
from .model import Digest

__all__ = ["LOCK", "MANIFEST", "MAX_INPUT_BYTES", "MigrateLocked", "Options", "Summary", "migrate"]

FEED_NAMES = {"rss": "feed.xml", "atom": "atom.xml", "jsonfeed": "feed.json"}
_SUFFIX = {"json": ".json"}


@dataclass(frozen=True, slots=True)
class Options:
    """What ``digestformat migrate`` was asked to do."""

    src: Path
    dst: Path
    to: str
    jobs: int = 0  # 0: the number of cores
    split: bool = False
    join: bool = False
    resume: bool = False
    force: bool = False
    dry_run: bool = False
    quiet: bool = False
    strict: bool = False
    config: Path | None = None
    """The config file (None: the one found upward from SRC, if any)."""
    follow_links: bool = False
    """Follow symbolic links that lead out of SRC (those inside it are followed anyway)."""
    include: tuple[str, ...] = ()
    """Globs over the paths relative to SRC: only the inputs one names (see ``_walk``)."""
    exclude: tuple[str, ...] = ()
    """Globs over the paths relative to SRC: the inputs (and folders) left out."""


@dataclass(slots=True)
class Summary:
    """What a run did."""

    converted: int = 0
    skipped: int = 0
    failed: int = 0
    seconds: float = 0.0
    errors: list[str] = field(default_factory=list)
    written: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    """Said but not failed: each parse warning (``PATH:LINE:COL: warning: message``), a
    post written under a numbered name, an output released."""

    def line(self) -> str:
        return (
            f"converted {self.converted}, skipped {self.skipped}, failed {self.failed}, "
            f"warnings {len(self.warnings)} in {self.seconds:.2f} s"
        )


def _printable(text: str) -> str:
    """*text* with any lone surrogate spelled out: what is printed or journaled is valid UTF-8."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-8", "backslashreplace").decode("utf-8")
    return text


def _mirror_name(rel: str, to: str) -> str:
    stem = rel.rsplit(".", 1)[0]
    return stem + _SUFFIX.get(to, ".md")


def _check_folders(opts: Options) -> None:
    src = opts.src.resolve()
    dst = opts.dst.resolve()
    if not src.is_dir():
        raise DigestError(f"{opts.src}: not a folder: expected the archive's folder")
    if dst == src or dst.is_relative_to(src):
        raise DigestError(f"{opts.dst}: inside the source folder {opts.src}: migrate never writes there")
    if src.is_relative_to(dst):
        raise DigestError(f"{opts.dst}: holds the source folder {opts.src}: choose a folder beside it")
    if opts.split and opts.to != "review":
        raise DigestError("--split writes review posts: use it with --to review")
    if opts.join and (opts.to not in LAYOUTS or opts.to == "review"):
        raise DigestError("--join writes one digest per date: use it with --to tagged, translated or imrad")
    if opts.split and opts.join:
        raise DigestError("--split and --join pull in opposite directions: choose one")


# ------------------------------------------------------------------ writing (in the parent)


class _Writer:
    """Decides each input's output names, in input order, and writes them.

    A name another input of this run took already gets a number (``-2``, ``-3``…)
    and a warning; an input whose outputs cannot all be written safely takes no
    name at all, so it never costs another input one.
    """

    def __init__(self, opts: Options, journal: _Journal) -> None:
        self.opts = opts
        self.journal = journal
        self.taken: dict[str, str] = {}  # casefolded output name -> the input that has it
        self.checked: set[Path] = set()  # folders found inside DST in this run
        self.made: set[str] = set()  # folders made (or found) in this run
        self.fresh: set[str] = set()  # folders this run made: nothing is in them but its outputs
        self.safe: dict[str, str] = {}  # an output name's folder -> DST's folder written into
        self.dst = os.fspath(opts.dst)
        self.mode = default_mode()

    def commit(self, task: _Task, result: _Result) -> _Result:
        if result.status == "skipped":
            if all(self.taken.get(name.casefold(), task.rel) == task.rel for name in result.outputs):
                for name in result.outputs:
                    self.taken[name.casefold()] = task.rel
                return result
            # Its recorded outputs are another input's in this run: convert it again, here.
            result = _guarded(functools.partial(_prepare_any, may_skip=False), task)
        if result.status != "ready":
            return result
        try:
            return self._write(task.rel, result)
        except Exception as exc:
            return _Result(task.rel, "failed", _failure(task.rel, exc))

    def _names(self, rel: str, blobs: list[tuple[str, bytes]]) -> tuple[list[tuple[str, bytes]], list[str]]:
        named: list[tuple[str, bytes]] = []
        warnings: list[str] = []
        mine: set[str] = set()
        for name, blob in blobs:
            final, number = name, 2
            while final.casefold() in self.taken or final.casefold() in mine:
                final, number = numbered(name, number), number + 1
            if final != name:
                other = self.taken.get(name.casefold(), rel)
                warnings.append(f"{rel}: {name} is also the output of {other}: written as {final}")
            mine.add(final.casefold())
            named.append((final, blob))
        return named, warnings

    def _place(self, name: str) -> tuple[str, os.stat_result | None]:
        """Where *name* is written in DST, and what is there now (``lstat``; None: nothing).

        The first output into a folder goes through ``contained`` (each component
        cleaned, each one that exists checked); once written into, the folder is
        known for the rest of the run and a name there costs one ``lstat``, or none
        in a folder this run made (all that is in it is this run's, and its names
        are taken). A link found at the name itself takes the long way
        (``contained`` checks where it leads). ValueError for a name that would leave DST.
        """
        folder, _, leaf = name.rpartition("/")
        known = self.safe.get(folder)
        if known is not None and safe_component(leaf) == leaf:
            target = os.path.join(known, leaf)
            if known in self.fresh:
                return target, None
            found = _lstat(target)
            if found is None or not stat.S_ISLNK(found.st_mode):
                return target, found
        target = os.fspath(contained(self.opts.dst, name, checked=self.checked))
        return target, _lstat(target)

    def _folder(self, folder: str) -> None:
        """Make *folder* (and those it is in), noting those this run made: ``os.makedirs``."""
        try:
            os.mkdir(folder)
        except FileNotFoundError:
            parent = os.path.dirname(folder)
            if parent == folder:
                raise
            self._folder(parent)
            os.mkdir(folder)
        except FileExistsError:
            if not os.path.isdir(folder):
                raise
            self.made.add(folder)
            return
        self.made.add(folder)
        self.fresh.add(folder)

    def _write(self, rel: str, result: _Result) -> _Result:
        opts, journal = self.opts, self.journal
        named, numbered_names = self._names(rel, result.blobs)
        warnings = [*result.warnings, *numbered_names]
        targets: list[tuple[str, str, bytes, int]] = []
        for name, blob in named:
            try:
                target, found = self._place(name)
            except ValueError as exc:
                return _Result(rel, "failed", f"{rel}: unsafe output name: {exc}")
            if found is not None and name not in journal.owned and not opts.force:
                message = f"{rel}: {name} exists and migrate did not write it: use --force to replace it"
                return _Result(rel, "failed", message)
            keep_mode = found is not None and stat.S_ISREG(found.st_mode)
            targets.append((target, name, blob, found.st_mode & 0o7777 if found and keep_mode else self.mode))
        names = [name for _, name, _, _ in targets]
        for name in names:  # every output can be written: now it takes its names
            self.taken[name.casefold()] = rel
        if opts.dry_run:
            return _Result(rel, "converted", outputs=names, warnings=warnings)
        entry = {"input": rel, "sha": result.sha, "outputs": [{"path": n} for n in names], "state": "begin"}
        _append(opts.dst, entry)
        written = []
        for target, name, blob, mode in targets:
            folder = os.path.dirname(target)
            try:
                if folder not in self.made:
                    self._folder(folder)
                write_atomic(target, blob, mode=mode)
            except OSError as exc:
                message = f"{rel}: cannot write {name}: {exc.strerror or exc}"
                return _Result(rel, "failed", message, entry=entry, warnings=warnings)
            key = name.rpartition("/")[0]
            if key not in self.safe and folder == (os.path.join(self.dst, key) if key else self.dst):
                self.safe[key] = folder
            written.append({"path": name, "sha": _sha(blob)})
        done = {"input": rel, "sha": result.sha, "outputs": written, "state": "done"}
        _append(opts.dst, done)
        return _Result(rel, "converted", outputs=names, entry=done, warnings=warnings)


def _lstat(path: str) -> os.stat_result | None:
    try:
        return os.lstat(path)
    except (FileNotFoundError, NotADirectoryError):
        return None


# ------------------------------------------------------------------ running


def _progress(total: int, opts: Options, stream: TextIO) -> Any:
    if opts.quiet or not stream.isatty():
        return None
    from tqdm import tqdm  # only for a bar on a terminal: 30 ms of imports

    return tqdm(total=total, unit="file", file=stream, dynamic_ncols=True)


def migrate(opts: Options, *, out: TextIO | None = None, err: TextIO | None = None) -> Summary:
    """Run a migration; messages go to *err* (default stderr), dry-run plans to *out*.

    DigestError for a request it cannot honour (before anything is written), and
    MigrateLocked (a DigestError) when another migrate runs into DST.
    """
    out = out or sys.stdout
    err = err or sys.stderr
    started = time.perf_counter()
    _check_folders(opts)
    if opts.config is None:
        opts = dataclasses.replace(opts, config=find_config(opts.src).path)
    lock = None
    if not opts.dry_run:
        opts.dst.mkdir(parents=True, exist_ok=True)
        lock = _Lock.acquire(opts.dst, err)
    try:
        summary = _run(opts, out, err)
    finally:
        if lock is not None:
            lock.release()
    summary.seconds = time.perf_counter() - started
    if not opts.quiet:
        print(summary.line(), file=err)
    return summary


def _run(opts: Options, out: TextIO, err: TextIO) -> Summary:
    rule = Filter.of(opts.include, opts.exclude)
    inputs, problems = _walk(opts.src, opts.dst, opts.follow_links, rule)
    journal = _Journal.load(opts.dst)
    options = _recorded_options(opts)
    if opts.resume and journal.options is not None and journal.options != options:
        raise DigestError(
            f"--resume: DST was made with {_describe(journal.options)}, this run asks "
            f"{_describe(options)}: run without --resume (or with the same options)"
        )
    summary = Summary()

    def warn(message: str) -> None:
        message = _printable(message)
        summary.warnings.append(message)
        if not opts.quiet:
            print(message, file=err)

    if opts.resume and journal.options is None and journal.latest:
        warn(
            "--resume: DST's manifest does not record the options it was made with (an older "
            f"digestformat): taking them to be {_describe(options)}"
        )
        journal.options = options  # trusted: its inputs stay resumable
    current = {item.rel for item in inputs}
    if not opts.dry_run:
        shutil.rmtree(opts.dst / CLAIMS, ignore_errors=True)  # an older version's killed run
        sweep_temp_files(opts.dst, set(journal.owned))  # a killed run's half-written files
        if journal.options != options:
            _append(opts.dst, {"options": options})  # first, so a killed run is resumed as itself
            journal.set_options(options)
        for name, gone in journal.gone(current):
            warn(f"released {name}: its input {gone} is gone (the file is left in DST)")
    bar = _progress(len(inputs) + len(problems), opts, err)

    def report(result: _Result) -> None:
        for message in result.warnings:
            warn(message)
        if result.status == "failed":
            message = _printable(result.message)
            summary.failed += 1
            summary.errors.append(message)
            print(message, file=err)
        elif result.status == "skipped":
            summary.skipped += 1
        else:
            summary.converted += 1
            summary.written.extend(result.outputs)
            if opts.dry_run:
                for name in result.outputs:
                    print(f"would write {opts.dst / name}", file=out)
        if bar is not None:
            bar.update(1)

    try:
        for rel, message in problems:
            report(_Result(rel, "failed", message))
        if opts.to in FEED_NAMES or opts.join:
            tasks = [_Task(item.rel, item.path, item.link) for item in inputs]
            if opts.join:
                _join(opts, tasks, journal, report)
            else:
                _feed(opts, tasks, journal, report, out=out)
            _close_journal(opts.dst)
            if not opts.dry_run:
                fresh = _Journal.load(opts.dst)
                fresh.set_options(options)
                fresh.compact(current)
        else:
            tasks = _mirror_tasks(inputs, opts.to, report)
            by_rel = {task.rel: task for task in tasks}
            writer = _Writer(opts, journal)
            latest = dict(journal.latest)
            for prepared in _pool_map(_prepare, tasks, opts, journal):
                result = writer.commit(by_rel[prepared.rel], prepared)
                report(result)
                if result.entry is not None:
                    latest[result.rel] = result.entry
            _close_journal(opts.dst)
            if not opts.dry_run:  # what this run journaled, without reading it back
                journal.latest = latest
                journal.parts = sorted(opts.dst.glob(PART_GLOB))
                journal.compact(current)
    finally:
        _close_journal(opts.dst)
        if bar is not None:
            bar.close()
    return summary


def _mirror_tasks(
    inputs: Iterable[_Input], to: str, report: Callable[[_Result], None] | None = None
) -> list[_Task]:
    """One task per input, output names made safe, then unique ('a.md' and 'a.json' both want 'a.md')."""
    taken: set[str] = set()
    tasks = []
    for item in inputs:
        try:
            first = name = clean_relative(_mirror_name(item.rel, to))
        except ValueError as exc:
            if report is not None:
                report(_Result(item.rel, "failed", f"{item.rel}: unsafe output name: {exc}"))
            continue
        number = 2
        while name.casefold() in taken:
            name = numbered(first, number)
            number += 1
        taken.add(name.casefold())
        tasks.append(_Task(item.rel, item.path, item.link, name))
    return tasks


def _join(opts: Options, tasks: list[_Task], journal: _Journal, report: Callable[[_Result], None]) -> None:
    """One digest per date, of the review posts of that date."""
    by_date: dict[str, list[tuple[str, Digest]]] = {}
    warned: dict[str, list[str]] = {}
    for result in _pool_map(_read_one, tasks, opts, journal):
        if result.status == "failed":
            report(result)
            continue
        warned[result.rel] = result.warnings
        try:
            doc = Digest.model_validate_json(result.payload)
        except Exception as exc:
            report(_Result(result.rel, "failed", _failure(result.rel, exc)))
            continue
        if doc.layout != "review" or len(doc.papers) != 1:
            message = f"{result.rel}: --join joins review posts: this is a {doc.layout} digest"
            report(_Result(result.rel, "failed", message))
            continue
        by_date.setdefault(doc.date.isoformat() if doc.date else "undated", []).append((result.rel, doc))
    for date in sorted(by_date):
        members = by_date[date]
        name = f"{date}{_SUFFIX.get(opts.to, '.md')}"
        try:
            _join_one(opts, journal, name, date, [doc for _, doc in members])
        except Exception as exc:
            if isinstance(exc, DigestError):
                message = f"{name}: {exc.msg}"
            elif isinstance(exc, ValueError):
                message = f"{name}: {exc}"
            elif isinstance(exc, OSError):
                message = f"{opts.dst / name}: cannot write: {exc.strerror or exc}"
            else:
                message = _failure(name, exc)
            warnings = [w for rel, _ in members for w in warned.get(rel, [])]
            report(_Result(members[0][0], "failed", message, warnings=warnings))
            continue
        for number, (rel, _) in enumerate(members):
            outputs = [name] if number == 0 else []
            report(_Result(rel, "converted", outputs=outputs, warnings=warned.get(rel, [])))


def _join_one(opts: Options, journal: _Journal, name: str, date: str, docs: list[Digest]) -> None:
    text = render(join(docs), opts.to)
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
    tasks: list[_Task],
    journal: _Journal,
    report: Callable[[_Result], None],
    *,
    out: TextIO,
) -> None:
    """One feed of every paper, newest first, streamed so memory stays flat.

    The inputs are read twice (their dates, then their items); one that fails the
    second time is reported then, and left out of the feed.
    """
    dated: list[tuple[str, str, _Task]] = []
    warned: dict[str, list[str]] = {}
    for result, task in zip(_pool_map(_read_one, tasks, opts, journal), tasks, strict=True):
        if result.status == "failed":
            report(result)
            continue
        warned[result.rel] = result.warnings
        dated.append((result.date or "", result.rel, task))
    dated.sort(key=lambda item: (item[0], item[1]), reverse=True)
    name = FEED_NAMES[opts.to]
    target = contained(opts.dst, name)
    if opts.dry_run:
        for _, rel, _ in dated:
            report(_Result(rel, "converted", warnings=warned.get(rel, [])))
        print(f"would write {target}", file=out)
        return
    failed: set[str] = set()
    try:
        if os.path.lexists(target) and name not in journal.owned and not opts.force:
            message = f"{name} exists and migrate did not write it: use --force to replace it"
            report(_Result(name, "failed", message))
            return
        by_path = {Path(task.path or os.path.join(opts.src, task.rel)): task for _, _, task in dated}

        def skip(path: Path, exc: Exception) -> None:
            rel = by_path[path].rel
            failed.add(rel)
            report(_Result(rel, "failed", _failure(rel, exc)))

        _append(opts.dst, {"input": f"feed:{name}", "outputs": [{"path": name}], "state": "begin"})
        from .feeds.archive import write_archive_feed  # lxml: only for --to rss/atom/jsonfeed

        try:
            write_archive_feed(
                opts.to,
                target,
                list(by_path),
                lambda data: _parse(data, opts),
                load=lambda path: _read_input(by_path[path], opts),
                on_error=skip,
            )
        except OSError as exc:
            report(_Result(name, "failed", f"{target}: cannot write: {exc.strerror or exc}"))
            return
        _append(opts.dst, {"input": f"feed:{name}", "sha": "", "outputs": [{"path": name}], "state": "done"})
    finally:
        for _, rel, _ in dated:
            if rel not in failed:
                report(_Result(rel, "converted", warnings=warned.get(rel, [])))
