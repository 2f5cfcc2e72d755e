"""Writing files atomically, and output names that cannot leave their folder."""

from __future__ import annotations

import functools
import os
import tempfile
import unicodedata
from pathlib import Path, PurePosixPath

__all__ = ["contained", "safe_component", "write_atomic"]

_RESERVED = frozenset(
    {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(1, 10)), *(f"lpt{i}" for i in range(1, 10))}
)
_MAX_COMPONENT_BYTES = 200


def _default_mode() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def write_atomic(path: Path, data: bytes, *, mode: int | None = None) -> None:
    """Write *data* to *path* through a temp file in the same folder, then os.replace.

    A crash or a kill at any point leaves the old file or the new one, never a
    part of either, and no temp file behind but for a kill mid-write (its name
    starts with '.' and ends with '.tmp'). The file gets the mode of the file it
    replaces, or the umask's default.
    """
    folder = path.parent
    if not folder.is_dir():
        raise FileNotFoundError(2, "no such folder to write into", str(path))
    if mode is None:
        try:
            mode = path.stat().st_mode & 0o7777
        except FileNotFoundError:
            mode = _default_mode()
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name[:50]}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def safe_component(name: str) -> str:
    """One path component that names a file inside its folder and nowhere else.

    NUL and other control characters, '/', '\\\\' and ':' are dropped; '.' and
    '..' (and names of dots only) become '_'; Windows' reserved device names get
    a leading '_'; names are cut to 200 bytes of UTF-8 (keeping the extension).
    """
    name = unicodedata.normalize("NFC", name)
    cleaned = "".join(ch for ch in name if ch not in "/\\:" and ord(ch) >= 0x20 and ch != "\x7f")
    cleaned = cleaned.strip(" ")
    if not cleaned.strip("."):
        cleaned = "_" + cleaned
    stem, dot, ext = cleaned.rpartition(".")
    base = (stem if dot else cleaned).split(".")[0]
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


def contained(root: Path, relative: str) -> Path:
    """``root / relative`` with every component made safe; never outside *root*.

    Absolute paths, '..', backslashes and drive letters cannot climb out: each
    component is cleaned with :func:`safe_component`, and the result is checked
    against *root* once more.
    """
    parts = [
        safe_component(part)
        for part in PurePosixPath(relative.replace("\\", "/")).parts
        if part not in ("/", "")
    ]
    parts = [part for part in parts if part]
    if not parts:
        raise ValueError(f"no file name left in {relative!r}")
    target = root.joinpath(*parts)
    # The parts hold no separator and no '..': only a symlink inside root can lead out. Check the
    # folder (cached: an archive writes thousands of files into a few folders) and the file.
    if not _inside(target.parent, root) or (target.is_symlink() and not _inside(target, root)):
        raise ValueError(f"{relative!r} would leave {root}")
    return target


@functools.lru_cache(maxsize=1024)
def _resolved(path: Path) -> Path:
    return path.resolve()


def _inside(path: Path, root: Path) -> bool:
    return _resolved(path).is_relative_to(_resolved(root)) if path.exists() else _inside_new(path, root)


def _inside_new(path: Path, root: Path) -> bool:
    """A folder not made yet: its nearest existing ancestor decides."""
    for ancestor in path.parents:
        if ancestor.exists() or ancestor == root:
            return _resolved(ancestor).is_relative_to(_resolved(root))
    return False
