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
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import ctypes
import dataclasses
import errno
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
from ._io import (
    InputRefused,
    clean_relative,
    contained,
    default_mode,
    file_kind,
    numbered,
    read_file,
    sweep_temp_files,
    write_atomic,
)
from ._posts import join, named_posts
from .errors import DigestError
from .feeds.archive import write_archive_feed
from .layouts import LAYOUTS
from .model import Digest

if sys.platform != "win32":
    import fcntl

__all__ = ["LOCK", "MANIFEST", "MAX_INPUT_BYTES", "MigrateLocked", "Options", "Summary", "migrate"]

MANIFEST = ".digestformat-manifest.jsonl"
PART_NAME = ".digestformat-manifest.{pid}.part"
PART_GLOB = ".digestformat-manifest.*.part"
LOCK = ".digestformat-lock"
"""A file in DST holding the process id of the migrate that runs into it."""
CLAIMS = ".digestformat-claims"
"""A folder older versions made in DST during a run; removed if a killed run left it."""
MAX_INPUT_BYTES = 256 * 1024 * 1024
"""An input larger than this (256 MiB) is refused, never read whole."""
INPUT_SUFFIXES = (".md", ".markdown", ".json")
FEED_NAMES = {"rss": "feed.xml", "atom": "atom.xml", "jsonfeed": "feed.json"}
_SUFFIX = {"json": ".json"}


class MigrateLocked(DigestError):
    """DST is being migrated by another process (the CLI exits 1: the command line is fine)."""


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
    warnings: list[str] = field(default_factory=list)
    """Said but not failed: a post written under a numbered name, an output released."""

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


def _failure(rel: str, exc: BaseException) -> str:
    """The one-line message for what went wrong with input *rel*."""
    if isinstance(exc, DigestError):
        return _where(rel, exc)
    if isinstance(exc, InputRefused):
        return f"{rel}: {exc}: skipped"
    if isinstance(exc, OSError):
        return f"{rel}: cannot read: {exc.strerror or exc}"
    text = str(exc)
    return f"{rel}: internal error ({type(exc).__name__}{': ' + text if text else ''})"


def _printable(text: str) -> str:
    """*text* with any lone surrogate spelled out: what is printed or journaled is valid UTF-8."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-8", "backslashreplace").decode("utf-8")
    return text


# ------------------------------------------------------------------ the walk


@dataclass(frozen=True, slots=True)
class _Input:
    rel: str
    """POSIX, relative to SRC, each byte of a name that is not UTF-8 as %XX: how messages,
    the manifest and the output names know the input."""
    path: str
    """What to open (os.fsdecode'd: such bytes as surrogates)."""
    link: bool = False
    """Reached through a symbolic link: opened following links (else with O_NOFOLLOW)."""
    escaped: bool = False


def _escape(name: str) -> tuple[str, bool]:
    """*name* (a file name as os.scandir gives it) with each byte that is not UTF-8 as %XX."""
    if name.isascii():
        return name, False
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        pass
    else:
        return name, False
    out: list[str] = []
    for ch in name:
        if "\udc80" <= ch <= "\udcff":  # surrogateescape: the byte 0x80..0xff
            out.append(f"%{ord(ch) - 0xDC00:02X}")
        elif "\ud800" <= ch <= "\udfff":
            out.append("".join(f"%{b:02X}" for b in ch.encode("utf-8", "surrogatepass")))
        else:
            out.append(ch)
    return "".join(out), True


def _inside(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


_Folder = tuple[str, str, frozenset[tuple[int, int]]]
"""A folder to walk: its path, its rel with a final '/', and the (dev, ino) of it and its parents."""


@dataclass(slots=True)
class _Walker:
    src_real: str
    dst_real: str
    follow_links: bool
    inputs: list[_Input] = field(default_factory=list)
    problems: list[tuple[str, str]] = field(default_factory=list)

    def folder(self, folder: _Folder) -> list[_Folder]:
        """Take *folder*'s inputs; its folders, to walk next."""
        path, prefix, ancestors = folder
        try:
            with os.scandir(path) as found:
                entries = sorted(found, key=lambda e: e.name)
        except OSError as exc:
            self.problems.append((prefix, f"{prefix or './'}: cannot read folder: {exc.strerror or exc}"))
            return []
        folders: list[_Folder] = []
        for entry in entries:
            name, escaped = _escape(entry.name)
            if name.startswith("."):
                continue
            rel = prefix + name
            wanted = name.endswith(INPUT_SUFFIXES)
            try:
                if entry.is_symlink():
                    sub = self.link(entry, rel, wanted, ancestors)
                    if isinstance(sub, tuple):
                        folders.append(sub)
                    elif sub:
                        self.inputs.append(_Input(rel, entry.path, link=True, escaped=escaped))
                    continue
                if entry.is_dir(follow_symlinks=False):
                    info = entry.stat(follow_symlinks=False)
                    folders.append((entry.path, rel + "/", ancestors | {(info.st_dev, info.st_ino)}))
                    continue
                if not wanted:
                    continue
                if not entry.is_file(follow_symlinks=False):
                    kind = file_kind(entry.stat(follow_symlinks=False).st_mode)
                    self.problems.append((rel, f"{rel}: not a regular file ({kind}): skipped"))
                    continue
            except OSError as exc:
                self.problems.append((rel, f"{rel}: cannot read: {exc.strerror or exc}"))
                continue
            self.inputs.append(_Input(rel, entry.path, escaped=escaped))
        return folders

    def link(
        self, entry: os.DirEntry[str], rel: str, wanted: bool, ancestors: frozenset[tuple[int, int]]
    ) -> _Folder | bool:
        """A symbolic link: the folder to walk through it, True for a file to take, else False."""
        try:
            target = os.stat(entry.path)
        except OSError as exc:
            if wanted:
                message = f"{rel}: a symbolic link to nothing ({exc.strerror or exc}): skipped"
                self.problems.append((rel, message))
            return False
        is_folder = stat.S_ISDIR(target.st_mode)
        if not is_folder and not wanted:
            return False
        shown = rel + "/" if is_folder else rel
        real = os.path.realpath(entry.path)
        key = (target.st_dev, target.st_ino)
        if not self.follow_links and not _inside(real, self.src_real):
            problem = "a symbolic link that leaves SRC: not followed (use --follow-links)"
        elif _inside(real, self.dst_real) or (is_folder and _inside(self.dst_real, real)):
            problem = "a symbolic link into DST: not followed"
        elif is_folder and key in ancestors:
            problem = "a symbolic link to a folder it is in (a loop): not followed"
        elif is_folder:
            return entry.path, shown, ancestors | {key}
        else:
            return True
        self.problems.append((rel, f"{shown}: {problem}"))
        return False


def _walk(src: Path, dst: Path, follow_links: bool) -> tuple[list[_Input], list[tuple[str, str]]]:
    """The inputs below *src* in walk order (a folder's files, then its folders, sorted;
    hidden names left out), and what could not be walked, as (rel, message).

    Symbolic links (files and folders) that stay inside SRC are followed; those that
    leave it only with *follow_links*; never one into DST, nor a folder link to a
    folder it is inside of (a loop).
    """
    root = os.fspath(src)
    walker = _Walker(os.path.realpath(root), os.path.realpath(dst), follow_links)
    top = os.stat(root)
    stack: list[_Folder] = [(root, "", frozenset({(top.st_dev, top.st_ino)}))]
    while stack:
        stack.extend(reversed(walker.folder(stack.pop())))
    return _unique(walker.inputs, walker.problems), walker.problems


def _unique(inputs: list[_Input], problems: list[tuple[str, str]]) -> list[_Input]:
    """Inputs of distinct names: an escaped name equal to another input's is refused."""
    seen: dict[str, _Input] = {}
    for item in inputs:
        other = seen.get(item.rel)
        if other is None:
            seen[item.rel] = item
            continue
        loser = item if item.escaped or not other.escaped else other
        message = f"{loser.rel}: its name is not UTF-8 and, escaped, is another input's name: skipped"
        problems.append((loser.rel, message))
        if loser is other:
            seen[item.rel] = item
    keep = {id(item) for item in seen.values()}
    return [item for item in inputs if id(item) in keep]


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


# ------------------------------------------------------------------ one run per DST


def _alive(pid: int) -> bool:
    if sys.platform == "win32":
        return True  # os.kill would end it: a lock there is only ever removed by hand
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's
    except OSError:
        return False
    return True


def _pid_in(data: bytes) -> int | None:
    text = data.decode("ascii", "replace").strip()
    return int(text) if text.isdigit() and int(text) > 0 else None


class _Lock:
    """``DST/.digestformat-lock``: the pid of the migrate that runs into DST.

    Made whole (a temp file holding the pid, linked into place: os.link fails if
    the lock exists) and flock'ed while held, so a lock whose process is gone is
    taken over by one run only.
    """

    def __init__(self, path: Path, fd: int) -> None:
        self.path = path
        self.fd = fd

    @classmethod
    def acquire(cls, dst: Path, err: TextIO) -> _Lock:
        path = dst / LOCK
        for _ in range(10):
            lock = cls._create(path)
            if lock is not None:
                return lock
            try:
                holder = _pid_in(path.read_bytes())
            except FileNotFoundError:
                continue  # released meanwhile: try again
            if holder is not None and _alive(holder):
                raise MigrateLocked(cls._busy(dst, path, holder))
            lock = cls._take_over(dst, path, holder)
            if lock is not None:
                who = f"process {holder}" if holder is not None else "no process"
                print(f"{path}: held by {who}, which is gone: lock taken over", file=err)
                return lock
        raise MigrateLocked(cls._busy(dst, path, None))

    @staticmethod
    def _busy(dst: Path, path: Path, holder: int | None) -> str:
        who = f"process {holder}" if holder is not None else "another process"
        return (
            f"{dst} is being migrated by {who} ({path}): wait for it, "
            "or remove the lock if that process is gone"
        )

    @staticmethod
    def _flock(fd: int) -> bool:
        if sys.platform == "win32":
            return True
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    @classmethod
    def _create(cls, path: Path) -> _Lock | None:
        fd, tmp = tempfile.mkstemp(prefix=f"{LOCK}.", suffix=".tmp", dir=path.parent)
        try:
            os.write(fd, f"{os.getpid()}\n".encode())
            cls._flock(fd)  # a new file: nobody else holds it
            os.link(tmp, path)
        except FileExistsError:
            os.close(fd)
            return None
        except OSError as exc:
            os.close(fd)
            if exc.errno not in {errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.ENOSYS}:
                raise
            return cls._create_in_place(path)  # no hard links here
        except BaseException:
            os.close(fd)
            raise
        finally:
            os.unlink(tmp)
        return cls(path, fd)

    @classmethod
    def _create_in_place(cls, path: Path) -> _Lock | None:
        """O_CREAT | O_EXCL, for filesystems without hard links (an empty lock, for a moment)."""
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o644)
        except FileExistsError:
            return None
        cls._flock(fd)
        os.write(fd, f"{os.getpid()}\n".encode())
        return cls(path, fd)

    @classmethod
    def _take_over(cls, dst: Path, path: Path, holder: int | None) -> _Lock | None:
        try:
            fd = os.open(path, os.O_RDWR)
        except FileNotFoundError:
            return None
        try:
            if not cls._flock(fd):  # another run is taking it over, or holds it
                raise MigrateLocked(cls._busy(dst, path, holder))
            if os.fstat(fd).st_ino != os.stat(path).st_ino or _pid_in(os.read(fd, 64)) != holder:
                os.close(fd)
                return None  # replaced meanwhile: look again
            os.ftruncate(fd, 0)
            os.lseek(fd, 0, os.SEEK_SET)
            os.write(fd, f"{os.getpid()}\n".encode())
        except FileNotFoundError:
            os.close(fd)
            return None
        except BaseException:
            os.close(fd)
            raise
        return cls(path, fd)

    def release(self) -> None:
        try:
            if os.stat(self.path).st_ino == os.fstat(self.fd).st_ino:
                self.path.unlink()
        except OSError:
            pass
        finally:
            os.close(self.fd)


# ------------------------------------------------------------------ the journal


def _recorded_options(opts: Options) -> dict[str, Any]:
    """The options that decide what the outputs are: what the manifest records."""
    config: str | None = None
    if opts.config is not None:
        try:
            config = _sha(opts.config.read_bytes())
        except OSError:
            config = "unreadable"
    return {"to": opts.to, "split": opts.split, "join": opts.join, "strict": opts.strict, "config": config}


def _describe(options: dict[str, Any]) -> str:
    words = [f"--to {options.get('to')}"]
    words += [f"--{flag}" for flag in ("split", "join", "strict") if options.get(flag)]
    config = options.get("config")
    if config:
        words.append(f"a config file of SHA-256 {str(config)[:12]}")
    return " ".join(words)


def _file_input(key: str) -> bool:
    """A journal key that is an input file (not a join's date or a feed)."""
    return not key.startswith(("join:", "feed:"))


@dataclass(slots=True)
class _Journal:
    path: Path
    done: dict[str, dict[str, Any]] = field(default_factory=dict)
    latest: dict[str, dict[str, Any]] = field(default_factory=dict)
    owned: dict[str, str] = field(default_factory=dict)  # output path -> the input that wrote it
    options: dict[str, Any] | None = None
    """The options of the run that made DST (None: not recorded, an older manifest or none)."""

    parts: list[Path] = field(default_factory=list)

    @classmethod
    def load(cls, dst: Path) -> _Journal:
        """The manifest, then the part files of runs since its last compaction, in write order.

        An options line met on the way that differs from the options so far makes
        every input done before it not done (its outputs stay migrate's own).
        """
        journal = cls(dst / MANIFEST)
        entries: list[tuple[int, int, dict[str, Any]]] = []
        journal.parts = sorted(dst.glob(PART_GLOB)) if dst.is_dir() else []
        for number, path in enumerate([journal.path, *journal.parts]):
            try:
                text = path.read_text(encoding="utf-8", errors="replace")
            except FileNotFoundError:
                continue
            for line in text.split("\n"):
                try:
                    entry = json.loads(line)
                except json.JSONDecodeError:
                    continue  # an empty line, or the torn last line of a killed run
                if isinstance(entry, dict) and (
                    isinstance(entry.get("input"), str) or isinstance(entry.get("options"), dict)
                ):
                    seq = entry.pop("seq", 0)
                    entries.append((seq if isinstance(seq, int) else 0, number, entry))
        entries.sort(key=lambda item: (item[0], item[1]))
        for _, _, entry in entries:
            if not isinstance(entry.get("input"), str):
                journal.set_options(entry["options"])
                continue
            for out in entry.get("outputs", []):
                if isinstance(out, dict) and isinstance(out.get("path"), str):
                    journal.owned[out["path"]] = entry["input"]
            journal.latest[entry["input"]] = entry
            if entry.get("state") == "done":
                journal.done[entry["input"]] = entry
            else:
                journal.done.pop(entry["input"], None)
        return journal

    def set_options(self, options: dict[str, Any]) -> None:
        if options != self.options:
            for entry in self.latest.values():
                if entry.get("state") == "done":
                    entry["state"] = "stale"  # made with other options: ours, but not resumable
            self.done.clear()
        self.options = options

    def gone(self, current: set[str]) -> list[tuple[str, str]]:
        """(output, input) of each input file the journal knows that is no longer in SRC."""
        return [
            (out["path"], key)
            for key, entry in sorted(self.latest.items())
            if _file_input(key) and key not in current and entry.get("state") != "gone"
            for out in entry.get("outputs", [])
            if isinstance(out, dict) and isinstance(out.get("path"), str)
        ]

    def compact(self, current: set[str] | None = None) -> None:
        """The options, then one line per input (its latest), in path order: the same after a
        resumed run as after one run. Inputs gone from SRC (*current*) keep a 'gone' line for
        their outputs still in DST (migrate's own, so replaceable), until another input takes
        each over."""
        entries = dict(self.latest)
        if current is not None:
            taken = {
                out.get("path")
                for key, entry in entries.items()
                if not _file_input(key) or key in current
                for out in entry.get("outputs", [])
                if isinstance(out, dict)
            }
            for key in [k for k in entries if _file_input(k) and k not in current]:
                left = [
                    {"path": out["path"]}
                    for out in entries[key].get("outputs", [])
                    if isinstance(out, dict)
                    and isinstance(out.get("path"), str)
                    and out["path"] not in taken
                    and os.path.lexists(self.path.parent / out["path"])
                ]
                if left:
                    entries[key] = {"input": key, "outputs": left, "state": "gone"}
                else:
                    del entries[key]
        lines = [json.dumps({"options": self.options}, sort_keys=True)] if self.options is not None else []
        lines += [json.dumps(entries[key], ensure_ascii=False, sort_keys=True) for key in sorted(entries)]
        write_atomic(self.path, ("\n".join(lines) + "\n").encode("utf-8") if lines else b"")
        for part in self.parts:
            part.unlink(missing_ok=True)


_JOURNAL_FDS: dict[str, int] = {}  # one open journal part per process


def _append(dst: Path, entry: dict[str, Any]) -> None:
    """One journal line, to this process's own part file.

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
    path: str = ""  # what to open ('' : SRC / rel)
    link: bool = False
    out: str = ""  # the mirrored output name (mirror mode)


@dataclass(slots=True)
class _Result:
    rel: str
    status: str  # "converted", "skipped", "failed"; "ready" (converted, not yet written)
    message: str = ""
    outputs: list[str] = field(default_factory=list)
    date: str | None = None
    payload: str = ""  # join and feed passes carry text back
    entry: dict[str, Any] | None = None  # the input's last journal line, for the compaction
    sha: str = ""
    blobs: list[tuple[str, bytes]] = field(default_factory=list)  # "ready": (name, bytes) to write
    warnings: list[str] = field(default_factory=list)


_STATE: dict[str, Any] = {}


def _init(opts: Options, journal: _Journal) -> None:
    _STATE["opts"] = opts
    _STATE["journal"] = journal
    _JOURNAL_FDS.clear()  # a forked worker never writes the parent's part file
    _die_with_parent()


def _die_with_parent() -> None:
    """Linux: a worker gets SIGKILL when the migrate that started it dies (even by SIGKILL)."""
    if sys.platform != "linux":
        return
    with contextlib.suppress(OSError, AttributeError):  # best effort
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def _read_input(task: _Task, opts: Options) -> bytes:
    path = task.path or os.path.join(opts.src, task.rel)
    return read_file(path, follow=task.link, limit=MAX_INPUT_BYTES)


def _outputs_for(task: _Task, data: bytes, opts: Options) -> list[tuple[str, bytes]]:
    """(output name, made safe; bytes) for one input."""
    doc = _parse(data, opts)
    if opts.split:
        folder = task.rel.rsplit("/", 1)[0] + "/" if "/" in task.rel else ""
        return [(name, render(post).encode("utf-8")) for name, post in named_posts(doc, folder)]
    return [(task.out, render(doc, opts.to).encode("utf-8"))]


def _guarded(fn: Callable[[_Task], _Result], task: _Task) -> _Result:
    """*fn* of one input, whatever it raises reported as that input's failure."""
    try:
        return fn(task)
    except Exception as exc:  # one input's bug, MemoryError, RecursionError: that input fails
        return _Result(task.rel, "failed", _failure(task.rel, exc))


def _prepare_any(task: _Task, *, may_skip: bool = True) -> _Result:
    """Read and convert one input; write nothing (the parent does)."""
    opts: Options = _STATE["opts"]
    journal: _Journal = _STATE["journal"]
    try:
        data = _read_input(task, opts)
    except (InputRefused, OSError) as exc:
        return _Result(task.rel, "failed", _failure(task.rel, exc))
    digest = _sha(data)
    if opts.resume and may_skip:
        entry = journal.done.get(task.rel)
        if entry is not None and entry.get("sha") == digest and _outputs_intact(opts.dst, entry):
            return _Result(task.rel, "skipped", outputs=[o["path"] for o in entry["outputs"]], entry=entry)
    try:
        blobs = _outputs_for(task, data, opts)
    except DigestError as err:
        return _Result(task.rel, "failed", _where(task.rel, err))
    return _Result(task.rel, "ready", sha=digest, blobs=blobs)


def _prepare(task: _Task) -> _Result:
    """Read and convert one input (in a worker); any failure is that input's."""
    return _guarded(_prepare_any, task)


def _outputs_intact(dst: Path, entry: dict[str, Any]) -> bool:
    for out in entry.get("outputs", []):
        try:
            if _sha((dst / out["path"]).read_bytes()) != out.get("sha"):
                return False
        except (OSError, KeyError, TypeError):
            return False
    return True


def _read_any(task: _Task) -> _Result:
    """Parse only: the date and the JSON of an input (for --join and feeds)."""
    opts: Options = _STATE["opts"]
    try:
        doc = _parse(_read_input(task, opts), opts)
    except (DigestError, InputRefused, OSError) as exc:
        return _Result(task.rel, "failed", _failure(task.rel, exc))
    return _Result(task.rel, "converted", date=doc.date, payload=render(doc, "json") if opts.join else "")


def _read_one(task: _Task) -> _Result:
    """Parse one input (in a worker); any failure is that input's."""
    return _guarded(_read_any, task)


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
        self.made: set[Path] = set()  # folders made (or found) in this run
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

    def _write(self, rel: str, result: _Result) -> _Result:
        opts, journal = self.opts, self.journal
        named, warnings = self._names(rel, result.blobs)
        targets: list[tuple[Path, str, bytes, int]] = []
        for name, blob in named:
            try:
                target = contained(opts.dst, name, checked=self.checked)
            except ValueError as exc:
                return _Result(rel, "failed", f"{rel}: unsafe output name: {exc}")
            try:
                found = os.lstat(target)
            except (FileNotFoundError, NotADirectoryError):
                found = None
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
            try:
                if target.parent not in self.made:
                    target.parent.mkdir(parents=True, exist_ok=True)
                    self.made.add(target.parent)
                write_atomic(target, blob, mode=mode)
            except OSError as exc:
                message = f"{rel}: cannot write {name}: {exc.strerror or exc}"
                return _Result(rel, "failed", message, entry=entry, warnings=warnings)
            written.append({"path": name, "sha": _sha(blob)})
        done = {"input": rel, "sha": result.sha, "outputs": written, "state": "done"}
        _append(opts.dst, done)
        return _Result(rel, "converted", outputs=names, entry=done, warnings=warnings)


# ------------------------------------------------------------------ running


def _died(batch: list[_Task], exc: BaseException) -> list[_Result]:
    return [
        _Result(t.rel, "failed", f"{t.rel}: internal error (a worker process died: {exc})") for t in batch
    ]


def _pool_map(
    fn: Callable[[_Task], _Result], tasks: list[_Task], opts: Options, journal: _Journal
) -> Iterator[_Result]:
    """Results in task order; at most a few chunks in flight, so memory stays flat.

    *fn* reports its own failures; should a worker die (killed, a crash in C), the
    batches it left unfinished are run again one input at a time, each alone in a
    worker, so that only the input that kills a worker fails.
    """
    jobs = opts.jobs or os.cpu_count() or 1
    if jobs <= 1 or len(tasks) <= 1:
        _init(opts, journal)
        yield from map(fn, tasks)
        return
    chunk = max(1, min(64, len(tasks) // (jobs * 8) or 1))
    batches = [tasks[i : i + chunk] for i in range(0, len(tasks), chunk)]
    feed = iter(batches)
    while True:
        redo: list[list[_Task]] = []
        with cf.ProcessPoolExecutor(max_workers=jobs, initializer=_init, initargs=(opts, journal)) as pool:
            pending: list[tuple[list[_Task], cf.Future[list[_Result]] | None]] = []
            for batch in feed:
                pending.append((batch, _submit(pool, fn, batch)))
                if len(pending) >= jobs * 3:
                    break
            while pending:
                batch, future = pending.pop(0)
                try:
                    if future is None:
                        raise cf.BrokenExecutor
                    results = future.result()
                except cf.BrokenExecutor:
                    redo = [batch, *(b for b, _ in pending)]
                    break
                except Exception as exc:  # a result that cannot be sent back, say
                    results = [_Result(t.rel, "failed", _failure(t.rel, exc)) for t in batch]
                nxt = next(feed, None)
                if nxt is not None:
                    pending.append((nxt, _submit(pool, fn, nxt)))
                yield from results
            else:
                return
        for batch in redo:  # the pool broke: what it left unfinished, one input at a time
            for task in batch:
                yield from _alone(fn, task, opts, journal)


def _submit(
    pool: cf.ProcessPoolExecutor, fn: Callable[[_Task], _Result], batch: list[_Task]
) -> cf.Future[list[_Result]] | None:
    """The future of *batch*, or None when the pool is broken already."""
    try:
        return pool.submit(_run_batch, fn, batch)
    except cf.BrokenExecutor:
        return None


def _alone(fn: Callable[[_Task], _Result], task: _Task, opts: Options, journal: _Journal) -> list[_Result]:
    """*fn* of one task in a worker of its own: a worker that dies fails that task only."""
    with cf.ProcessPoolExecutor(max_workers=1, initializer=_init, initargs=(opts, journal)) as pool:
        try:
            return pool.submit(_run_batch, fn, [task]).result()
        except cf.BrokenExecutor as exc:
            return _died([task], exc)
        except Exception as exc:
            return [_Result(task.rel, "failed", _failure(task.rel, exc))]


def _run_batch(fn: Callable[[_Task], _Result], batch: list[_Task]) -> list[_Result]:
    return [fn(task) for task in batch]


def _progress(total: int, opts: Options, stream: TextIO) -> Any:
    if opts.quiet or not stream.isatty():
        return None
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
    inputs, problems = _walk(opts.src, opts.dst, opts.follow_links)
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
    for result in _pool_map(_read_one, tasks, opts, journal):
        if result.status == "failed":
            report(result)
            continue
        try:
            doc = Digest.model_validate_json(result.payload)
        except Exception as exc:
            report(_Result(result.rel, "failed", _failure(result.rel, exc)))
            continue
        if doc.layout != "review" or len(doc.papers) != 1:
            message = f"{result.rel}: --join joins review posts: this is a {doc.layout} digest"
            report(_Result(result.rel, "failed", message))
            continue
        by_date.setdefault(doc.date or "undated", []).append((result.rel, doc))
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
            report(_Result(members[0][0], "failed", message))
            continue
        for number, (rel, _) in enumerate(members):
            report(_Result(rel, "converted", outputs=[name] if number == 0 else []))


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
    for result, task in zip(_pool_map(_read_one, tasks, opts, journal), tasks, strict=True):
        if result.status == "failed":
            report(result)
            continue
        dated.append((result.date or "", result.rel, task))
    dated.sort(key=lambda item: (item[0], item[1]), reverse=True)
    name = FEED_NAMES[opts.to]
    target = contained(opts.dst, name)
    if opts.dry_run:
        for _, rel, _ in dated:
            report(_Result(rel, "converted"))
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
                report(_Result(rel, "converted"))
