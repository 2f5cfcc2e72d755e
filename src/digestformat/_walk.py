"""iter_archive: every digest under a folder, lazily, one bad file never stopping the rest."""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Iterable, Iterator
from pathlib import Path

from ._api import load
from ._config import Config
from .errors import DigestError
from .model import Digest

__all__ = ["SKIPPED_FOLDERS", "iter_archive", "matches"]

SKIPPED_FOLDERS = frozenset({"_site", "node_modules"})
"""Folders never entered (besides those whose name starts with '.'): a built site, packages."""


def _variants(pattern: str) -> list[str]:
    """*pattern*, and it with each choice of its ``**/`` removed: ``**/`` also matches no folder."""
    out = [pattern]
    at = pattern.find("**/")
    if at >= 0:
        head, tail = pattern[:at], pattern[at + 3 :]
        out = [head + "**/" + rest for rest in _variants(tail)] + [head + rest for rest in _variants(tail)]
    return out


def matches(relative: str, patterns: Iterable[str]) -> bool:
    """Does the POSIX path *relative* match one of the glob *patterns*?

    ``fnmatch.fnmatchcase``: case-sensitive, ``*`` and ``**`` match any run of characters
    ('/' included, so ``*.md`` matches ``2026/02/x.md``), and ``**/`` also matches no folder
    (``**/drafts/*`` matches ``drafts/x.md``).
    """
    return any(fnmatch.fnmatchcase(relative, each) for pattern in patterns for each in _variants(pattern))


def _failure(path: Path, exc: BaseException) -> DigestError:
    if isinstance(exc, DigestError):
        exc.add_note(f"in {path}")
        return exc
    return DigestError(f"{path}: {type(exc).__name__}: {exc}")


def _walk(folder: Path, relative: str) -> Iterator[tuple[Path, str, OSError | None]]:
    """(path, relative POSIX path, None) of each file under *folder*, entries in name order,
    folders entered where their name sorts; (folder, relative, error) for a folder unreadable."""
    try:
        with os.scandir(folder) as listing:
            entries = sorted(listing, key=lambda entry: entry.name)
    except OSError as exc:
        yield folder, relative, exc
        return
    for entry in entries:
        if entry.name.startswith("."):
            continue
        rel = f"{relative}{entry.name}"
        path = folder / entry.name
        try:
            is_folder = entry.is_dir(follow_symlinks=False)
        except OSError:
            is_folder = False
        if is_folder:
            if entry.name not in SKIPPED_FOLDERS:
                yield from _walk(path, rel + "/")
        else:
            yield path, rel, None


def iter_archive(
    root: str | os.PathLike[str],
    include: Iterable[str] = ("*.md", "*.markdown", "*.json"),
    exclude: Iterable[str] = (),
    *,
    strict: bool = False,
    config: Config | None = None,
) -> Iterator[tuple[Path, Digest | DigestError]]:
    """``(path, Digest)``, or ``(path, DigestError)`` for a file that cannot be read, for each
    file under the folder *root*, lazily (one file read at a time).

    Files come in sorted order of their path's parts (a folder's entries by name, a
    subfolder's files where its name sorts); folders and files whose name starts with '.',
    and the folders ``_site`` and ``node_modules``, are skipped; symbolic links to folders
    are not followed. A file is read when its POSIX path relative to *root* matches one of
    *include* and none of *exclude* (glob patterns: :func:`matches`). *strict* and *config*
    apply to every file (no config file is looked for). It never raises for one file:
    any exception reading or parsing it (an OSError, a FIFO refused, a DigestError) is
    yielded as a DigestError in its place; a DigestError of the parser keeps its line and
    column and gets a note naming the file, any other is a DigestError
    ``PATH: TypeName: message``. A *root* that is a file yields that file alone; a *root*
    that does not exist raises FileNotFoundError (when the first item is asked for).
    """
    base = Path(root)
    include, exclude = tuple(include), tuple(exclude)
    if not os.path.lexists(base):
        raise FileNotFoundError(2, "no such file or folder", str(base))
    folder = base.is_dir()
    files = _walk(base, "") if folder else iter([(base, base.name, None)])
    for path, relative, error in files:
        if error is not None:
            yield path, _failure(path, error)
            continue
        if folder and (not matches(relative, include) or matches(relative, exclude)):
            continue
        try:
            doc = load(path, strict=strict, config=config)
        except Exception as exc:  # one bad file, whatever went wrong, never stops the rest
            yield path, _failure(path, exc)
        else:
            yield path, doc
