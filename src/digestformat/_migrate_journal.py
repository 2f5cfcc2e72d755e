"""DST's records of a migration: the lock that keeps it to one run, and the journal.

``DST/.digestformat-lock`` (``_Lock``) holds the process id of the migrate that
runs into DST; a lock whose process is gone is taken over by one run only.

The journal is the manifest, ``DST/.digestformat-manifest.jsonl``, and the part
files each process of a run appends to (``_append``): the options the outputs
were made with (``_recorded_options``), then each input's hash and outputs, a
line before they are written and one after. It knows which output is whose
(``owned``: migrate may replace those), what may be resumed (``done``), the
outputs of inputs gone from SRC (``gone``: released, left in DST), and is
rewritten at the end of a run to its options and one line per input
(``compact``).
"""

from __future__ import annotations

import errno
import hashlib
import heapq
import json
import os
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from ._io import atomic_file
from .errors import DigestError

if TYPE_CHECKING:
    from .archive import Options

if sys.platform != "win32":
    import fcntl

MANIFEST = ".digestformat-manifest.jsonl"
PART_NAME = ".digestformat-manifest.{pid}.part"
PART_GLOB = ".digestformat-manifest.*.part"
LOCK = ".digestformat-lock"
"""A file in DST holding the process id of the migrate that runs into it."""
CLAIMS = ".digestformat-claims"
"""A folder older versions made in DST during a run; removed if a killed run left it."""


class MigrateLocked(DigestError):
    """DST is being migrated by another process (the CLI exits 1: the command line is fine)."""

    __module__ = "digestformat.archive"  # where it is public, as before the split


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


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

    def knows_inputs(self) -> bool:
        """Whether the journal knows an input file (not only a join's dates or a feed)."""
        return any(_file_input(key) for key in self.latest)

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

    def compact(self, run: Iterable[tuple[str, str]] = (), current: set[str] | None = None) -> None:
        """The options, then one line per input (its latest), in path order: the same after a
        resumed run as after one run. *run* is this run's lines, (input, line) sorted by input
        (of one input's, the last wins over the others and over the journal's). Inputs gone from
        SRC (not in *current*; None: none is) keep a 'gone' line for their outputs still in DST
        (migrate's own, so replaceable), until another input takes each over.

        Streamed (to a temp file, moved into place) unless an input is gone: the rule for
        those needs every entry at once (a journal that knows them is held already)."""
        gone = current is not None and any(_file_input(k) and k not in current for k in self.latest)
        with atomic_file(self.path) as out:
            if self.options is not None:
                out.write(json.dumps({"options": self.options}, sort_keys=True).encode() + b"\n")
            if gone:
                assert current is not None
                entries = dict(self.latest)
                entries.update((key, json.loads(text)) for key, text in _last_per_key(run))
                self._release(entries, current)
                out.writelines((_ENCODE_SORTED(entries[key]) + "\n").encode() for key in sorted(entries))
            else:
                out.writelines((text + "\n").encode() for _, text in self._merged(run))
        for part in self.parts:
            part.unlink(missing_ok=True)

    def _merged(self, run: Iterable[tuple[str, str]]) -> Iterator[tuple[str, str]]:
        """(input, line) of the journal's entries and this run's, in path order, this run's winning."""
        old = ((key, 0, entry) for key, entry in sorted(self.latest.items()))
        new = ((key, 1, text) for key, text in _last_per_key(run))
        last: tuple[str, int, Any] | None = None
        for item in heapq.merge(old, new, key=_key_then_source):
            if last is not None and last[0] != item[0]:
                yield last[0], last[2] if last[1] else _ENCODE_SORTED(last[2])
            last = item
        if last is not None:
            yield last[0], last[2] if last[1] else _ENCODE_SORTED(last[2])

    def _release(self, entries: dict[str, dict[str, Any]], current: set[str]) -> None:
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


def _key_then_source(item: tuple[str, int, Any]) -> tuple[str, int]:
    return item[0], item[1]


def _last_per_key(pairs: Iterable[tuple[str, str]]) -> Iterator[tuple[str, str]]:
    """Of sorted (key, text) pairs, the last of each key."""
    last: tuple[str, str] | None = None
    for pair in pairs:
        if last is not None and last[0] != pair[0]:
            yield last
        last = pair
    if last is not None:
        yield last


def _canonical(entry: dict[str, Any]) -> str:
    """An entry as the manifest keeps it: ``json.dumps(..., ensure_ascii=False, sort_keys=True)``;
    an input's, the common ones, by a template."""
    if tuple(entry) == _INPUT_KEYS and all(tuple(out) in _OUTPUT_KEYS for out in entry["outputs"]):
        outputs = ", ".join(map(_output, entry["outputs"]))
        return (
            f'{{"input": {_STR(entry["input"])}, "outputs": [{outputs}], "sha": {_STR(entry["sha"])}, '
            f'"state": {_STR(entry["state"])}}}'
        )
    return _ENCODE_SORTED(entry)


_JOURNAL_FDS: dict[str, int] = {}  # one open journal part per process
_HELD: dict[str, list[bytes]] = {}  # 'done' lines not yet written, per DST


_ENCODE = json.JSONEncoder(ensure_ascii=False).encode  # made once (json.dumps makes one per call)
_ENCODE_SORTED = json.JSONEncoder(ensure_ascii=False, sort_keys=True).encode
_STR = json.encoder.encode_basestring  # a str as JSON, as ensure_ascii=False writes it


def _output(out: dict[str, str]) -> str:
    if "sha" in out:
        return f'{{"path": {_STR(out["path"])}, "sha": {_STR(out["sha"])}}}'
    return f'{{"path": {_STR(out["path"])}}}'


def _line(entry: dict[str, Any]) -> bytes:
    """One journal line; a nanosecond stamp (``seq``) orders the parts when they are read back.

    The JSON of ``json.dumps(..., ensure_ascii=False)``; an input's lines, the common ones, by a
    template (a third of the encoder's time).
    """
    seq = time.time_ns()
    if tuple(entry) == _INPUT_KEYS and all(tuple(out) in _OUTPUT_KEYS for out in entry["outputs"]):
        outputs = ", ".join(map(_output, entry["outputs"]))
        text = (
            f'{{"input": {_STR(entry["input"])}, "sha": {_STR(entry["sha"])}, "outputs": [{outputs}], '
            f'"state": {_STR(entry["state"])}, "seq": {seq}}}\n'
        )
        return text.encode()
    return _ENCODE({**entry, "seq": seq}).encode() + b"\n"


_INPUT_KEYS = ("input", "sha", "outputs", "state")
_OUTPUT_KEYS = {("path",), ("path", "sha")}


def _append(dst: Path | str, entry: dict[str, Any], text: str | None = None) -> None:
    """One journal line, to this process's own part file.

    A 'done' line is held and written with the next line (or when the journal is
    closed): one write per input. That is safe because it only says an input
    need not be converted again; a kill that loses it costs a resumed run that
    input's conversion, never a wrong output. Any other line (a 'begin', which
    must be in the file before the outputs it names are written; the options)
    is written at once, after the lines held. *text*: the entry as ``_canonical`` made it.
    """
    key = str(dst)
    line = _line(entry) if text is None else f'{text[:-1]}, "seq": {time.time_ns()}}}\n'.encode()
    if entry.get("state") == "done":
        _HELD.setdefault(key, []).append(line)
        return
    held = _HELD.pop(key, None)
    _write_line(key, b"".join(held) + line if held else line)


def _write_line(key: str, data: bytes) -> None:
    fd = _JOURNAL_FDS.get(key)
    if fd is None:
        part = os.path.join(key, PART_NAME.format(pid=os.getpid()))
        fd = os.open(part, os.O_WRONLY | os.O_APPEND | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o644)
        _JOURNAL_FDS[key] = fd
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _close_journal(dst: Path | str) -> None:
    """Write the lines held, and close this process's part file."""
    key = str(dst)
    held = _HELD.pop(key, None)
    if held:
        _write_line(key, b"".join(held))
    fd = _JOURNAL_FDS.pop(key, None)
    if fd is not None:
        os.close(fd)
