"""Migrate a whole archive: walk, convert in parallel, write atomically, resume.

``migrate(Options)`` mirrors SRC's tree into DST, one output per input (or one
post per paper with ``split``, one digest per date with ``join``, one feed of
every paper for rss/atom/jsonfeed). It never writes inside SRC and never
replaces a file it did not write itself (unless ``force``).

A journal, ``DST/.digestformat-manifest.jsonl``, records each input's hash and
its outputs: a line *before* the outputs are written (so a killed run's files
are known to be ours) and a line after. ``resume`` skips inputs whose recorded
hash and outputs are unchanged. At the end of a run the journal is rewritten
to one line per input, in path order.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import ctypes
import dataclasses
import functools
import hashlib
import json
import os
import shutil
import signal
import stat
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from tqdm import tqdm

from ._api import find_config, load_config, parse, render
from ._config import Config
from ._io import clean_relative, contained, default_mode, numbered, read_file, sweep_temp_files, write_atomic
from ._posts import join, named_posts
from .errors import DigestError
from .feeds.archive import write_archive_feed
from .layouts import LAYOUTS
from .model import Digest

__all__ = ["MANIFEST", "Options", "Summary", "migrate"]

MANIFEST = ".digestformat-manifest.jsonl"
PART_NAME = ".digestformat-manifest.{pid}.part"
PART_GLOB = ".digestformat-manifest.*.part"
CLAIMS = ".digestformat-claims"
"""A folder in DST of this run's output names (one empty file each), removed at the end."""
INPUT_SUFFIXES = (".md", ".markdown", ".json")
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


@functools.lru_cache(maxsize=8)
def _config_at(path: Path | None) -> Config | None:
    return None if path is None else load_config(path)


def _parse(data: bytes, opts: Options) -> Digest:
    """An input as the run reads it: strict or not, with the run's config."""
    return parse(data, strict=opts.strict, config=_config_at(opts.config))


@dataclass(slots=True)
class Summary:
    """What a run did."""

    converted: int = 0
    skipped: int = 0
    failed: int = 0
    seconds: float = 0.0
    errors: list[str] = field(default_factory=list)
    written: list[str] = field(default_factory=list)

    def line(self) -> str:
        return (
            f"converted {self.converted}, skipped {self.skipped}, failed {self.failed} "
            f"in {self.seconds:.2f} s"
        )


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _where(rel: str, err: DigestError) -> str:
    if err.line is None:
        return f"{rel}: {err.msg}"
    return f"{rel}:{err.line}:{err.column}: {err.msg}"


# ------------------------------------------------------------------ the plan


def _inputs(src: Path) -> list[str]:
    """Input files below *src*, as sorted POSIX paths relative to it (hidden ones left out)."""
    found: list[str] = []
    root = str(src)
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        prefix = os.path.relpath(folder, root).replace(os.sep, "/")
        prefix = "" if prefix == "." else prefix + "/"
        found.extend(
            prefix + name
            for name in sorted(files)
            if not name.startswith(".") and name.endswith(INPUT_SUFFIXES)
        )
    return found


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


# ------------------------------------------------------------------ the journal


@dataclass(slots=True)
class _Journal:
    path: Path
    done: dict[str, dict[str, Any]] = field(default_factory=dict)
    latest: dict[str, dict[str, Any]] = field(default_factory=dict)
    owned: dict[str, str] = field(default_factory=dict)  # output path -> the input that wrote it

    parts: list[Path] = field(default_factory=list)

    @classmethod
    def load(cls, dst: Path) -> _Journal:
        """The manifest, then the part files of runs since its last compaction, in write order."""
        journal = cls(dst / MANIFEST)
        entries: list[tuple[int, int, dict[str, Any]]] = []
        journal.parts = sorted(dst.glob(PART_GLOB)) if dst.is_dir() else []
        for number, path in enumerate([journal.path, *journal.parts]):
            try:
                text = path.read_text(encoding="utf-8")
            except FileNotFoundError:
                continue
            for line in text.split("\n"):
                try:
                    entry = json.loads(line)
                except json.JSONDecodeError:
                    continue  # an empty line, or the torn last line of a killed run
                if isinstance(entry, dict) and isinstance(entry.get("input"), str):
                    seq = entry.pop("seq", 0)
                    entries.append((seq if isinstance(seq, int) else 0, number, entry))
        entries.sort(key=lambda item: (item[0], item[1]))
        for _, _, entry in entries:
            for out in entry.get("outputs", []):
                if isinstance(out, dict) and isinstance(out.get("path"), str):
                    journal.owned[out["path"]] = entry["input"]
            journal.latest[entry["input"]] = entry
            if entry.get("state") == "done":
                journal.done[entry["input"]] = entry
        return journal

    def compact(self) -> None:
        """One line per input (its latest), in path order: the same after a resumed run as after one run."""
        entries = self.latest
        lines = [json.dumps(entries[key], ensure_ascii=False, sort_keys=True) for key in sorted(entries)]
        write_atomic(self.path, ("\n".join(lines) + "\n").encode("utf-8") if lines else b"")
        for part in self.parts:
            part.unlink(missing_ok=True)


_JOURNAL_FDS: dict[str, int] = {}  # one open journal part per process


def _append(dst: Path, entry: dict[str, Any]) -> None:
    """One journal line, to this process's own part file (no contention between workers).

    Each line carries a nanosecond stamp so that the parts can be read back in order.
    """
    line = (json.dumps({**entry, "seq": time.time_ns()}, ensure_ascii=False) + "\n").encode()
    key = str(dst)
    fd = _JOURNAL_FDS.get(key)
    if fd is None:
        part = dst / PART_NAME.format(pid=os.getpid())
        fd = os.open(part, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        _JOURNAL_FDS[key] = fd
    os.write(fd, line)


def _close_journal(dst: Path) -> None:
    fd = _JOURNAL_FDS.pop(str(dst), None)
    if fd is not None:
        os.close(fd)


# ------------------------------------------------------------------ one input (runs in a worker)


@dataclass(frozen=True, slots=True)
class _Task:
    rel: str
    out: str  # the mirrored output name (mirror mode)


@dataclass(slots=True)
class _Result:
    rel: str
    status: str  # "converted", "skipped", "failed"
    message: str = ""
    outputs: list[str] = field(default_factory=list)
    date: str | None = None
    payload: str = ""  # join and feed passes carry text back
    entry: dict[str, Any] | None = None  # the input's last journal line, for the compaction


_STATE: dict[str, Any] = {}


def _init(opts: Options, journal: _Journal) -> None:
    _STATE["opts"] = opts
    _STATE["journal"] = journal
    _STATE["claims"] = opts.dst / CLAIMS
    _STATE["checked"] = set()  # folders found inside DST in this run
    _STATE["made"] = set()  # folders made (or found) in this run
    _STATE["mode"] = default_mode()
    _JOURNAL_FDS.clear()  # a forked worker opens its own
    _die_with_parent()


def _die_with_parent() -> None:
    """Linux: a worker gets SIGKILL when the migrate that started it dies (even by SIGKILL)."""
    if sys.platform != "linux":
        return
    with contextlib.suppress(OSError, AttributeError):  # best effort
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def _outputs_for(task: _Task, data: bytes, opts: Options) -> list[tuple[str, bytes]]:
    """(output name, made safe; bytes) for one input."""
    doc = _parse(data, opts)
    if opts.split:
        folder = task.rel.rsplit("/", 1)[0] + "/" if "/" in task.rel else ""
        return [(name, render(post).encode("utf-8")) for name, post in named_posts(doc, folder)]
    return [(task.out, render(doc, opts.to).encode("utf-8"))]


def _claim(claims: Path, name: str, rel: str) -> str | None:
    """Reserve output *name* for input *rel* in this run; the other input's path when taken.

    The marker is linked into place whole (os.link fails if it exists), so a loser always
    reads the winner's name in it.
    """
    digest = hashlib.sha256(name.encode("utf-8")).hexdigest()
    marker = claims / digest
    fd, tmp = tempfile.mkstemp(prefix=f".{digest[:16]}.", dir=claims)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(rel.encode("utf-8"))
        os.link(tmp, marker)
    except FileExistsError:
        try:
            holder = marker.read_text(encoding="utf-8")
        except OSError:
            holder = "another input"
        return holder if holder != rel else None
    finally:
        Path(tmp).unlink(missing_ok=True)
    return None


def _convert_one(task: _Task) -> _Result:
    opts: Options = _STATE["opts"]
    journal: _Journal = _STATE["journal"]
    try:
        data = read_file(opts.src / task.rel)
    except OSError as exc:
        return _Result(task.rel, "failed", f"{task.rel}: cannot read: {exc.strerror}")
    digest = _sha(data)
    if opts.resume:
        entry = journal.done.get(task.rel)
        if entry is not None and entry.get("sha") == digest and _outputs_intact(opts.dst, entry):
            return _Result(task.rel, "skipped", outputs=[o["path"] for o in entry["outputs"]], entry=entry)
    try:
        outputs = _outputs_for(task, data, opts)
    except DigestError as err:
        return _Result(task.rel, "failed", _where(task.rel, err))
    try:
        checked: set[Path] = _STATE["checked"]
        targets = [(contained(opts.dst, name, checked=checked), name, blob) for name, blob in outputs]
    except ValueError as exc:
        return _Result(task.rel, "failed", f"{task.rel}: unsafe output name: {exc}")
    names = [name for _, name, _ in targets]
    if opts.split and not opts.dry_run:  # posts are named by content; mirror names are unique already
        for name in names:  # two inputs of this run that want one name: the first keeps it
            holder = _claim(_STATE["claims"], name, task.rel)
            if holder is not None:
                message = f"{task.rel}: {name} is also the output of {holder}: two inputs, one output"
                return _Result(task.rel, "failed", message)
    modes: list[int | None] = []
    for target, name, _ in targets:
        owner = journal.owned.get(name)
        if owner is not None and owner != task.rel:
            message = f"{task.rel}: {name} was written for {owner}: two inputs, one output"
            return _Result(task.rel, "failed", message)
        try:
            found = os.lstat(target)
        except (FileNotFoundError, NotADirectoryError):
            found = None
        if owner is None and not opts.force and found is not None:
            message = f"{task.rel}: {name} exists and migrate did not write it: use --force to replace it"
            return _Result(task.rel, "failed", message)
        keep_mode = found is not None and stat.S_ISREG(found.st_mode)
        modes.append(found.st_mode & 0o7777 if found is not None and keep_mode else _STATE["mode"])
    if opts.dry_run:
        return _Result(task.rel, "converted", outputs=names)
    entry = {"input": task.rel, "sha": digest, "outputs": [{"path": n} for n in names], "state": "begin"}
    _append(opts.dst, entry)
    written = []
    made: set[Path] = _STATE["made"]
    for (target, name, blob), mode in zip(targets, modes, strict=True):
        try:
            if target.parent not in made:
                target.parent.mkdir(parents=True, exist_ok=True)
                made.add(target.parent)
            write_atomic(target, blob, mode=mode)
        except OSError as exc:
            message = f"{task.rel}: cannot write {name}: {exc.strerror or exc}"
            return _Result(task.rel, "failed", message, entry=entry)
        written.append({"path": name, "sha": _sha(blob)})
    done = {"input": task.rel, "sha": digest, "outputs": written, "state": "done"}
    _append(opts.dst, done)
    return _Result(task.rel, "converted", outputs=names, entry=done)


def _outputs_intact(dst: Path, entry: dict[str, Any]) -> bool:
    for out in entry.get("outputs", []):
        try:
            if _sha((dst / out["path"]).read_bytes()) != out.get("sha"):
                return False
        except (OSError, KeyError, TypeError):
            return False
    return True


def _read_one(task: _Task) -> _Result:
    """Parse only: the date and the JSON of an input (for --join and feeds)."""
    opts: Options = _STATE["opts"]
    try:
        doc = _parse((opts.src / task.rel).read_bytes(), opts)
    except DigestError as err:
        return _Result(task.rel, "failed", _where(task.rel, err))
    except OSError as exc:
        return _Result(task.rel, "failed", f"{task.rel}: cannot read: {exc.strerror}")
    return _Result(task.rel, "converted", date=doc.date, payload=render(doc, "json") if opts.join else "")


# ------------------------------------------------------------------ running


def _pool_map(
    fn: Callable[[_Task], _Result], tasks: list[_Task], opts: Options, journal: _Journal
) -> Iterator[_Result]:
    """Results in task order; at most a few chunks in flight, so memory stays flat."""
    jobs = opts.jobs or os.cpu_count() or 1
    if jobs <= 1 or len(tasks) <= 1:
        _init(opts, journal)
        yield from map(fn, tasks)
        return
    chunk = max(1, min(64, len(tasks) // (jobs * 8) or 1))
    batches = [tasks[i : i + chunk] for i in range(0, len(tasks), chunk)]
    with cf.ProcessPoolExecutor(max_workers=jobs, initializer=_init, initargs=(opts, journal)) as pool:
        pending: list[cf.Future[list[_Result]]] = []
        feed = iter(batches)
        for batch in feed:
            pending.append(pool.submit(_run_batch, fn, batch))
            if len(pending) >= jobs * 3:
                break
        while pending:
            results = pending.pop(0).result()
            nxt = next(feed, None)
            if nxt is not None:
                pending.append(pool.submit(_run_batch, fn, nxt))
            yield from results


def _run_batch(fn: Callable[[_Task], _Result], batch: list[_Task]) -> list[_Result]:
    return [fn(task) for task in batch]


def _progress(total: int, opts: Options, stream: TextIO) -> Any:
    if opts.quiet or not stream.isatty():
        return None
    return tqdm(total=total, unit="file", file=stream, dynamic_ncols=True)


def migrate(opts: Options, *, out: TextIO | None = None, err: TextIO | None = None) -> Summary:
    """Run a migration; messages go to *err* (default stderr), dry-run plans to *out*."""
    out = out or sys.stdout
    err = err or sys.stderr
    started = time.perf_counter()
    _check_folders(opts)
    if opts.config is None:
        opts = dataclasses.replace(opts, config=find_config(opts.src).path)
    rels = _inputs(opts.src)
    journal = _Journal.load(opts.dst)
    claims = opts.dst / CLAIMS
    if not opts.dry_run:
        opts.dst.mkdir(parents=True, exist_ok=True)
        shutil.rmtree(claims, ignore_errors=True)  # a killed run's
        claims.mkdir()
        sweep_temp_files(opts.dst, set(journal.owned))  # a killed run's half-written files
    summary = Summary()
    bar = _progress(len(rels), opts, err)

    def report(result: _Result) -> None:
        if result.status == "failed":
            summary.failed += 1
            summary.errors.append(result.message)
            print(result.message, file=err)
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
        if opts.to in FEED_NAMES or opts.join:
            if opts.join:
                _join(opts, rels, journal, summary, report)
            else:
                _feed(opts, rels, journal, summary, report, out=out)
            _close_journal(opts.dst)
            if not opts.dry_run:
                _Journal.load(opts.dst).compact()
        else:
            tasks = _mirror_tasks(rels, opts.to)
            latest = dict(journal.latest)
            for result in _pool_map(_convert_one, tasks, opts, journal):
                report(result)
                if result.entry is not None:
                    latest[result.rel] = result.entry
            _close_journal(opts.dst)
            if not opts.dry_run:  # what the workers journaled, without reading it back
                journal.latest = latest
                journal.parts = sorted(opts.dst.glob(PART_GLOB))
                journal.compact()
    finally:
        _close_journal(opts.dst)
        if not opts.dry_run:
            shutil.rmtree(claims, ignore_errors=True)
        if bar is not None:
            bar.close()
    summary.seconds = time.perf_counter() - started
    if not opts.quiet:
        print(summary.line(), file=err)
    return summary


def _mirror_tasks(rels: Iterable[str], to: str) -> list[_Task]:
    """One task per input, output names made safe, then unique ('a.md' and 'a.json' both want 'a.md')."""
    taken: set[str] = set()
    tasks = []
    for rel in rels:
        first = name = clean_relative(_mirror_name(rel, to))
        number = 2
        while name.casefold() in taken:
            name = numbered(first, number)
            number += 1
        taken.add(name.casefold())
        tasks.append(_Task(rel, name))
    return tasks


def _join(
    opts: Options, rels: list[str], journal: _Journal, summary: Summary, report: Callable[[_Result], None]
) -> None:
    """One digest per date, of the review posts of that date."""
    by_date: dict[str, list[tuple[str, Digest]]] = {}
    for result in _pool_map(_read_one, [_Task(rel, "") for rel in rels], opts, journal):
        if result.status == "failed":
            report(result)
            continue
        doc = Digest.model_validate_json(result.payload)
        if doc.layout != "review" or len(doc.papers) != 1:
            report(
                _Result(
                    result.rel,
                    "failed",
                    f"{result.rel}: --join joins review posts: this is a {doc.layout} digest",
                )
            )
            continue
        by_date.setdefault(doc.date or "undated", []).append((result.rel, doc))
    for date in sorted(by_date):
        members = by_date[date]
        name = f"{date}{_SUFFIX.get(opts.to, '.md')}"
        try:
            text = render(join([doc for _, doc in members]), opts.to)
            target = contained(opts.dst, name)
        except (DigestError, ValueError) as exc:
            msg = exc.msg if isinstance(exc, DigestError) else str(exc)
            report(_Result(members[0][0], "failed", f"{name}: {msg}"))
            continue
        owner = journal.owned.get(name)
        if target.exists() and owner is None and not opts.force:
            report(
                _Result(members[0][0], "failed", f"{name} exists and migrate did not write it: use --force")
            )
            continue
        if not opts.dry_run:
            _append(opts.dst, {"input": f"join:{date}", "outputs": [{"path": name}], "state": "begin"})
            blob = text.encode("utf-8")
            write_atomic(target, blob)
            _append(
                opts.dst,
                {
                    "input": f"join:{date}",
                    "sha": "",
                    "outputs": [{"path": name, "sha": _sha(blob)}],
                    "state": "done",
                },
            )
        for number, (rel, _) in enumerate(members):
            report(_Result(rel, "converted", outputs=[name] if number == 0 else []))


def _feed(
    opts: Options,
    rels: list[str],
    journal: _Journal,
    summary: Summary,
    report: Callable[[_Result], None],
    *,
    out: TextIO,
) -> None:
    """One feed of every paper, newest first, streamed so memory stays flat."""
    dated: list[tuple[str, str]] = []
    for result in _pool_map(_read_one, [_Task(rel, "") for rel in rels], opts, journal):
        if result.status == "failed":
            report(result)
            continue
        dated.append((result.date or "", result.rel))
        report(result)
    dated.sort(key=lambda item: (item[0], item[1]), reverse=True)
    name = FEED_NAMES[opts.to]
    target = contained(opts.dst, name)
    if opts.dry_run:
        print(f"would write {target}", file=out)
        return
    owner = journal.owned.get(name)
    if target.exists() and owner is None and not opts.force:
        message = f"{name} exists and migrate did not write it: use --force to replace it"
        report(_Result(name, "failed", message))
        return
    _append(opts.dst, {"input": f"feed:{name}", "outputs": [{"path": name}], "state": "begin"})
    write_archive_feed(opts.to, target, (opts.src / rel for _, rel in dated), lambda data: _parse(data, opts))
    _append(opts.dst, {"input": f"feed:{name}", "sha": "", "outputs": [{"path": name}], "state": "done"})
