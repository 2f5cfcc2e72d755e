"""Writing files atomically, and output names that cannot leave their folder."""

from __future__ import annotations

import contextlib
import errno
import functools
import os
import random
import re
import stat
import tempfile
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

__all__ = [
    "InputRefused",
    "atomic_file",
    "clean_relative",
    "contained",
    "default_mode",
    "file_kind",
    "numbered",
    "read_file",
    "safe_component",
    "sweep_temp_files",
    "write_atomic",
]

_RESERVED = frozenset(
    {
        "con",
        "prn",
        "aux",
        "nul",
        "conin$",
        "conout$",
        *(f"{port}{digit}" for port in ("com", "lpt") for digit in "123456789\u00b9\u00b2\u00b3"),
    }
)
_MAX_COMPONENT_BYTES = 200
_CREATE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
_PLAIN_NAME = re.compile(r"[A-Za-z0-9._-]{1,200}")  # one class, bounded: no backtracking


@functools.cache
def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_atomic(path: str | os.PathLike[str], data: bytes, *, mode: int | None = None) -> None:
    """Write *data* to *path* through a temp file in the same folder, then os.replace.

    A crash or a kill at any point leaves the old file or the new one, never a
    part of either, and no temp file behind but for a kill mid-write (its name
    is ``.NAME.XXXXXXXX.tmp``: see :func:`sweep_temp_files`). The file gets
    *mode*, else the mode of the file it replaces, else the umask's default.
    Nothing is fsync'ed: durability across a power loss is the filesystem's.

    Four system calls for a new file given its *mode* (open, write, close,
    rename): the temp name's eight hex digits come from ``random`` (O_EXCL
    makes a name that is taken, or a link planted there, a retry, never a
    file written through), not from the system's entropy.
    """
    target = os.fspath(path)
    if mode is None:
        try:
            mode = os.stat(target).st_mode & 0o7777
        except FileNotFoundError:
            mode = None
        except NotADirectoryError:
            raise FileNotFoundError(2, "no such folder to write into", target) from None
    folder, base = os.path.split(target)
    prefix = os.path.join(folder, f".{base[:50]}.")
    for _ in range(100):
        tmp = f"{prefix}{random.getrandbits(32):08x}.tmp"
        try:
            fd = os.open(tmp, _CREATE, 0o666 if mode is None else mode)
        except FileExistsError:
            continue  # a name taken: another one
        except FileNotFoundError:
            raise FileNotFoundError(2, "no such folder to write into", target) from None
        break
    else:
        raise FileExistsError(errno.EEXIST, "no free temp file name", prefix)
    try:
        try:
            if mode is not None and mode & _umask():
                os.fchmod(fd, mode)  # the umask took bits the replaced file had
            written = os.write(fd, data)
            if written < len(data):
                view = memoryview(data)[written:]
                while view:
                    view = view[os.write(fd, view) :]
        finally:
            os.close(fd)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


@contextlib.contextmanager
def atomic_file(path: str | os.PathLike[str]) -> Iterator[BinaryIO]:
    """A file to write *path* through, streamed: :func:`write_atomic` for what is not held whole.

    The temp file beside *path* is moved into place when the block ends, and removed
    if it raises; *path* gets the mode of the file it replaces, else the umask's default.
    """
    target = os.fspath(path)
    try:
        mode: int | None = os.stat(target).st_mode & 0o7777
    except FileNotFoundError:
        mode = None
    folder, base = os.path.split(target)
    fd, tmp = tempfile.mkstemp(prefix=f".{base[:50]}.", suffix=".tmp", dir=folder or ".")
    try:
        with open(fd, "wb") as handle:  # not os.fdopen: one handle on the fd it was given
            os.fchmod(handle.fileno(), default_mode() if mode is None else mode)
            yield handle
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def safe_component(name: str) -> str:
    """One path component that names a file inside its folder and nowhere else.

    NUL and other control characters, '/', '\\\\' and ':' are dropped; '.' and
    '..' (and names of dots only) become '_'; Windows' reserved device names get
    a leading '_'; names are cut to 200 bytes of UTF-8 (keeping the extension).
    """
    if (
        _PLAIN_NAME.fullmatch(name)
        and name.strip(".")
        and name.split(".", maxsplit=1)[0].lower() not in _RESERVED
    ):
        return name  # the common case: nothing to clean
    name = unicodedata.normalize("NFC", name)
    cleaned = "".join(ch for ch in name if ch not in "/\\:" and ord(ch) >= 0x20 and ch != "\x7f")
    cleaned = cleaned.strip(" ")
    if not cleaned.strip("."):
        cleaned = "_" + cleaned
    stem, dot, ext = cleaned.rpartition(".")
    base = (stem if dot else cleaned).split(".")[0].rstrip(" .")
    if base.lower() in _RESERVED:
        cleaned = "_" + cleaned
    if len(cleaned.encode("utf-8")) > _MAX_COMPONENT_BYTES:
        stem, dot, ext = cleaned.rpartition(".")
        suffix = dot + ext if dot and len(ext) <= 10 else ""
        head = cleaned[: len(cleaned) - len(suffix)] if suffix else cleaned
        budget = _MAX_COMPONENT_BYTES - len(suffix.encode("utf-8"))
        while len(head.encode("utf-8")) > budget:
            head = head[:-1]
        cleaned = head + suffix
    return cleaned


def numbered(clean: str, number: int) -> str:
    """A cleaned path with '-NUMBER' before its extension, its last component kept within 200 bytes."""
    folder, _, name = clean.rpartition("/")
    stem, dot, ext = name.rpartition(".")
    if not dot:
        stem, ext = name, ""
    tail = f"-{number}" + (f".{ext}" if dot else "")
    while len((stem + tail).encode("utf-8")) > _MAX_COMPONENT_BYTES:
        stem = stem[:-1]
    return (folder + "/" if folder else "") + stem + tail


def clean_relative(relative: str) -> str:
    """*relative* as a POSIX path of safe components (see :func:`safe_component`).

    Only '/' separates folders: a backslash is a character of a name, and is dropped
    from it like the other unsafe ones (``a\\b.md`` is ``ab.md``, never ``a/b.md``).
    """
    pieces = relative.split("/")
    parts = [safe_component(part) for part in pieces if part and part != "."]
    parts = [part for part in parts if part]
    if not parts:
        raise ValueError(f"no file name left in {relative!r}")
    return "/".join(parts)


def contained(root: Path, relative: str, *, checked: set[Path] | None = None) -> Path:
    """``root / relative`` with every component made safe; never outside *root*.

    Absolute paths, '..', backslashes and drive letters cannot climb out: each
    component ('/' separates them; a backslash is dropped) is cleaned with
    :func:`safe_component`. Lexically the result is then inside *root*; only a
    symlink could lead out, so every component that exists is checked. *checked*
    (folders already found safe, kept by the caller for one run) spares the same
    folders' checks for every file.
    """
    parts = clean_relative(relative).split("/")
    current = root
    for index, part in enumerate(parts):
        current = current / part
        last = index == len(parts) - 1
        if not last and checked is not None and current in checked:
            continue
        try:
            found = os.lstat(current)
        except (FileNotFoundError, NotADirectoryError):
            break  # nothing there yet: nothing below it either
        if stat.S_ISLNK(found.st_mode) and not current.resolve().is_relative_to(root.resolve()):
            raise ValueError(f"{relative!r} would leave {root} through the link {current}")
        if not last and checked is not None:
            checked.add(current)
    return root.joinpath(*parts)


def default_mode() -> int:
    """The mode a new file gets: 0o666 less the umask."""
    return 0o666 & ~_umask()


class InputRefused(Exception):
    """A path :func:`read_file` does not read: not a regular file, a link not followed, too large."""


_KINDS = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a FIFO"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISLNK, "a symbolic link"),
)


def file_kind(mode: int) -> str:
    """What a file of *mode* is, for messages: 'a regular file', 'a FIFO', 'a folder', ..."""
    if stat.S_ISREG(mode):
        return "a regular file"
    return next((name for test, name in _KINDS if test(mode)), "a file of an unknown kind")


def _size(count: int) -> str:
    mib = 1 << 20
    return f"{count // mib} MiB" if count >= mib and count % mib == 0 else f"{count} bytes"


def read_file(path: str | os.PathLike[str], *, follow: bool = True, limit: int | None = None) -> bytes:
    """The bytes of the regular file *path*, never more than *limit* of them.

    Opened with ``O_NONBLOCK`` (a FIFO cannot make it wait) and, unless *follow*,
    ``O_NOFOLLOW``; the opened file is checked with ``fstat``: anything but a
    regular file, a symbolic link when not *follow*, or a file larger than *limit*
    raises :class:`InputRefused` before a byte is read. A file that grows past
    *limit* while it is read is refused too: at most ``limit + 1`` bytes are read.
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    if not follow:
        flags |= getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        if not follow and exc.errno == errno.ELOOP:
            raise InputRefused("a symbolic link: not followed") from None
        raise
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise InputRefused(f"not a regular file ({file_kind(info.st_mode)})")
        if limit is not None and info.st_size > limit:
            raise InputRefused(f"larger than the limit of {_size(limit)} ({info.st_size} bytes)")
        chunks: list[bytes] = []
        total = 0
        while True:
            # What fstat saw and one byte more (a file that grew shows it), in chunks of 1 MiB at
            # most: a buffer the size of the file, so a small file costs one small read.
            want = min(1 << 20, info.st_size - total + 1) if total <= info.st_size else 1 << 20
            if limit is not None:
                want = min(want, limit + 1 - total)
            chunk = os.read(fd, want)
            if not chunk:
                break
            total += len(chunk)
            if limit is not None and total > limit:
                raise InputRefused(f"larger than the limit of {_size(limit)} (it grew while read)")
            chunks.append(chunk)
            if len(chunk) < want and total >= info.st_size:
                break  # a short read of all that fstat saw: the end, without a read to learn it
    finally:
        os.close(fd)
    return b"".join(chunks)


def sweep_temp_files(root: Path, outputs: set[str]) -> None:
    """Remove the temp files a killed run left beside its outputs (``.NAME.XXXXXXXX.tmp``)."""
    folders: dict[Path, set[str]] = {}
    for name in outputs:
        path = root / name
        folders.setdefault(path.parent, set()).add(f".{path.name[:50]}.")
    for folder, prefixes in folders.items():
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for entry in entries:
            name = entry.name
            if name.endswith(".tmp") and any(
                name.startswith(p) and len(name) == len(p) + 12 for p in prefixes
            ):
                with contextlib.suppress(OSError):
                    os.unlink(entry.path)
