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
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from ._api import find_config
from ._external_sort import Sorter
from ._io import contained, default_mode, numbered, safe_component, sweep_temp_files, write_atomic
from ._migrate_inputs import MAX_INPUT_BYTES, _Input, _Problem, _walk
from ._migrate_journal import (
    CLAIMS,
    LOCK,
    MANIFEST,
    PART_GLOB,
    MigrateLocked,
    _append,
    _canonical,
    _close_journal,
    _describe,
    _Journal,
    _Lock,
    _recorded_options,
    _sha,
)
from ._migrate_names import _mirror_tasks, _Names
from ._migrate_passes import FEED_NAMES, _feed, _join
from ._migrate_workers import _failure, _guarded, _pool_map, _prepare, _prepare_any, _Result, _Task
from ._walk import Filter
from .errors import DigestError
from .layouts import LAYOUTS

__all__ = ["LOCK", "MANIFEST", "MAX_INPUT_BYTES", "MigrateLocked", "Options", "Summary", "migrate"]


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
    warned: int = 0
    """How many warnings were said (``warnings`` holds them, unless the run kept no lists)."""

    def line(self) -> str:
        return (
            f"converted {self.converted}, skipped {self.skipped}, failed {self.failed}, "
            f"warnings {self.warned} in {self.seconds:.2f} s"
        )


def _printable(text: str) -> str:
    """*text* with any lone surrogate spelled out: what is printed or journaled is valid UTF-8."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-8", "backslashreplace").decode("utf-8")
    return text


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
        self.taken = _Names()  # output name -> the input that has it, held per folder
        self.checked: set[Path] = set()  # folders found inside DST in this run
        self.made: set[str] = set()  # folders made (or found) in this run
        self.fresh: set[str] = set()  # folders this run made: nothing is in them but its outputs
        self.safe: dict[str, str] = {}  # an output name's folder -> DST's folder written into
        self.dst = os.fspath(opts.dst)
        self.mode = default_mode()

    def commit(self, task: _Task, result: _Result) -> _Result:
        if result.status == "skipped":
            if all(self.taken.get(name, task.shared, task.rel) == task.rel for name in result.outputs):
                for name in result.outputs:
                    self.taken.take(name, task.shared, task.rel)
                return result
            # Its recorded outputs are another input's in this run: convert it again, here.
            result = _guarded(functools.partial(_prepare_any, may_skip=False), task)
        if result.status != "ready":
            return result
        try:
            return self._write(task, result)
        except Exception as exc:
            return _Result(task.rel, "failed", _failure(task.rel, exc))

    def _names(
        self, task: _Task, blobs: list[tuple[str, bytes]]
    ) -> tuple[list[tuple[str, bytes]], list[str]]:
        rel, shared = task.rel, task.shared
        named: list[tuple[str, bytes]] = []
        warnings: list[str] = []
        mine: set[str] = set()
        for name, blob in blobs:
            final, number = name, 2
            while (final, shared) in self.taken or final.casefold() in mine:
                final, number = numbered(name, number), number + 1
            if final != name:
                other = self.taken.get(name, shared, rel)
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

    def _forget(self, key: str, folder: str) -> None:
        """Forget every folder but *folder* (DST's, for names in *key*). A folder forgotten and met
        again costs its next name the long way (``contained``, an ``lstat``): it skips no check."""
        self.safe = {key: folder}
        self.fresh = self.fresh & {folder}
        self.made = {folder}
        self.checked = set()

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

    def _write(self, task: _Task, result: _Result) -> _Result:
        opts, journal, rel = self.opts, self.journal, task.rel
        named, numbered_names = self._names(task, result.blobs)
        warnings = [*result.warnings, *numbered_names]
        targets: list[tuple[str, str, bytes, int, str]] = []
        for (name, blob), sha in zip(named, result.shas or [_sha(b) for _, b in named], strict=True):
            try:
                target, found = self._place(name)
            except ValueError as exc:
                return _Result(rel, "failed", f"{rel}: unsafe output name: {exc}")
            if found is not None and name not in journal.owned and not opts.force:
                message = f"{rel}: {name} exists and migrate did not write it: use --force to replace it"
                return _Result(rel, "failed", message)
            keep_mode = found is not None and stat.S_ISREG(found.st_mode)
            mode = found.st_mode & 0o7777 if found and keep_mode else self.mode
            targets.append((target, name, blob, mode, sha))
        names = [target[1] for target in targets]
        for name in names:  # every output can be written: now it takes its names
            self.taken.take(name, task.shared, rel)
        if opts.dry_run:
            return _Result(rel, "converted", outputs=names, warnings=warnings)
        entry = {"input": rel, "sha": result.sha, "outputs": [{"path": n} for n in names], "state": "begin"}
        _append(opts.dst, entry)
        written = []
        for target, name, blob, mode, sha in targets:
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
                if len(self.safe) > _FOLDERS:
                    self._forget(key, folder)
            written.append({"path": name, "sha": sha})
        done = {"input": rel, "sha": result.sha, "outputs": written, "state": "done"}
        line = _canonical(done)
        _append(opts.dst, done, line)
        return _Result(rel, "converted", outputs=names, entry=done, line=line, warnings=warnings)


_FOLDERS = 256
"""Folders the writer remembers (made, checked, written into) before it forgets all but the
last: what it knows of DST is a cache, bounded even for an archive of a folder per post."""


def _lstat(path: str) -> os.stat_result | None:
    try:
        return os.lstat(path)
    except (FileNotFoundError, NotADirectoryError):
        return None


# ------------------------------------------------------------------ running


def _progress(total: int, opts: Options, stream: TextIO) -> Any:
    if not _bar_wanted(opts, stream):
        return None
    from tqdm import tqdm  # only for a bar on a terminal: 30 ms of imports

    return tqdm(total=total, unit="file", file=stream, dynamic_ncols=True)


def _bar_wanted(opts: Options, stream: TextIO) -> bool:
    return not opts.quiet and stream.isatty()


def migrate(
    opts: Options, *, out: TextIO | None = None, err: TextIO | None = None, keep_lists: bool = True
) -> Summary:
    """Run a migration; messages go to *err* (default stderr), dry-run plans to *out*.

    DigestError for a request it cannot honour (before anything is written), and
    MigrateLocked (a DigestError) when another migrate runs into DST. With
    ``keep_lists=False`` the summary's ``written``, ``errors`` and ``warnings`` stay
    empty (its counts do not): they are what a run would hold for each input (its
    outputs, or its messages, printed already), and the CLI does not keep them.
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
        summary = _run(opts, out, err, keep_lists)
    finally:
        if lock is not None:
            lock.release()
    summary.seconds = time.perf_counter() - started
    if not opts.quiet:
        print(summary.line(), file=err)
    return summary


def _run(opts: Options, out: TextIO, err: TextIO, keep_lists: bool) -> Summary:
    rule = Filter.of(opts.include, opts.exclude)
    items: Iterable[_Input | _Problem] = _walk(opts.src, opts.dst, opts.follow_links, rule)
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
        summary.warned += 1
        if keep_lists:
            summary.warnings.append(message)
        if not opts.quiet:
            print(message, file=err)

    if opts.resume and journal.options is None and journal.latest:
        warn(
            "--resume: DST's manifest does not record the options it was made with (an older "
            f"digestformat): taking them to be {_describe(options)}"
        )
        journal.options = options  # trusted: its inputs stay resumable
    # The walk is a stream; it is held whole only when SRC's inputs must be known before the
    # first is converted: to release those gone (a journal that knows inputs, held already),
    # or for a progress bar's total.
    current: set[str] | None = None
    total = 0
    if journal.knows_inputs() or _bar_wanted(opts, err):
        items = list(items)
        total = len(items)
        if journal.knows_inputs():
            current = {item.rel for item in items if isinstance(item, _Input)}
    if not opts.dry_run:
        shutil.rmtree(opts.dst / CLAIMS, ignore_errors=True)  # an older version's killed run
        sweep_temp_files(opts.dst, set(journal.owned))  # a killed run's half-written files
        if journal.options != options:
            _append(opts.dst, {"options": options})  # first, so a killed run is resumed as itself
            journal.set_options(options)
        for name, gone in journal.gone(current) if current is not None else ():
            warn(f"released {name}: its input {gone} is gone (the file is left in DST)")
    bar = _progress(total, opts, err)

    def report(result: _Result) -> None:
        for message in result.warnings:
            warn(message)
        if result.status == "failed":
            message = _printable(result.message)
            summary.failed += 1
            if keep_lists:
                summary.errors.append(message)
            print(message, file=err)
        elif result.status == "skipped":
            summary.skipped += 1
        else:
            summary.converted += 1
            if keep_lists:
                summary.written.extend(result.outputs)
            if opts.dry_run:
                for name in result.outputs:
                    print(f"would write {opts.dst / name}", file=out)
        if bar is not None:
            bar.update(1)

    try:
        if opts.to in FEED_NAMES or opts.join:
            tasks = _plain_tasks(items, report)
            if opts.join:
                _join(opts, tasks, journal, report)
            else:
                _feed(opts, tasks, journal, report, out=out)
            _close_journal(opts.dst)
            if not opts.dry_run:
                fresh = _Journal.load(opts.dst)
                fresh.set_options(options)
                fresh.compact(current=current if fresh.knows_inputs() else None)
        else:
            writer = _Writer(opts, journal)
            with Sorter(opts.dst) as run:  # this run's journal lines, for the compaction
                for task, prepared in _pool_map(
                    _prepare, _mirror_tasks(items, opts.to, report), opts, journal
                ):
                    result = writer.commit(task, prepared)
                    report(result)
                    if result.entry is not None and result.status != "skipped":
                        run.add(result.rel, result.line or _canonical(result.entry))
                _close_journal(opts.dst)
                if not opts.dry_run:
                    journal.parts = sorted(opts.dst.glob(PART_GLOB))
                    journal.compact(run, current)
    finally:
        _close_journal(opts.dst)
        if bar is not None:
            bar.close()
    return summary


def _plain_tasks(items: Iterable[_Input | _Problem], report: Callable[[_Result], None]) -> Iterator[_Task]:
    """A task per input, each problem of the walk reported as it comes."""
    for item in items:
        if isinstance(item, _Input):
            yield _Task(item.rel, item.path, item.link)
        else:
            report(_Result(item[0], "failed", item[1]))
