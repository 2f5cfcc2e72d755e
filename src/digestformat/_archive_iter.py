"""iter_archive: every digest under a folder, lazily, one bad file never stopping the rest.

The files are those the commands take (``_walk.walk``: one rule for every command and
for the API): dot-folders, ``_site/`` and ``node_modules/`` skipped, hidden files too,
``include``/``exclude`` globs over the POSIX path relative to the root.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from pathlib import Path

from ._api import load
from ._config import Config
from ._walk import INCLUDE, SKIPPED_FOLDERS, walk
from .errors import DigestError
from .model import Digest

__all__ = ["SKIPPED_FOLDERS", "iter_archive"]


def _failure(path: Path, exc: BaseException) -> DigestError:
    if isinstance(exc, DigestError):
        exc.add_note(f"in {path}")
        return exc
    return DigestError(f"{path}: {type(exc).__name__}: {exc}")


def _read(path: Path, strict: bool, config: Config | None) -> Digest | DigestError:
    try:
        return load(path, strict=strict, config=config)
    except Exception as exc:  # one bad file, whatever went wrong, never stops the rest
        return _failure(path, exc)


def iter_archive(
    root: str | os.PathLike[str],
    include: Iterable[str] = INCLUDE,
    exclude: Iterable[str] = (),
    *,
    strict: bool = False,
    config: Config | None = None,
) -> Iterator[tuple[Path, Digest | DigestError]]:
    """``(path, Digest)``, or ``(path, DigestError)`` for a file that cannot be read, for each
    file under the folder *root*, lazily (one file read at a time).

    Files come in the commands' walk order (a folder's files by name, then its folders by
    name, each in turn); folders and files whose name starts with '.', and the folders
    ``_site`` and ``node_modules``, are skipped; symbolic links to folders are not
    followed. A file is read when its POSIX path relative to *root* matches one of
    *include* and none of *exclude* (the globs of ``--include``/``--exclude``, see
    docs/cli.md: ``*`` within a name, ``**`` across folders, a pattern without '/'
    matching any one name). *strict* and *config* apply to every file (no config file is
    looked for). It never raises for one file: any exception reading or parsing it (an
    OSError, a FIFO refused, a DigestError) is yielded as a DigestError in its place; a
    DigestError of the parser keeps its line and column and gets a note naming the file,
    any other is a DigestError ``PATH: TypeName: message``; a folder that cannot be read
    is yielded likewise. A *root* that is a file yields that file alone; a *root* that
    does not exist raises FileNotFoundError (when the first item is asked for).
    """
    base = Path(root)
    if not os.path.lexists(base):
        raise FileNotFoundError(2, "no such file or folder", str(base))
    if not base.is_dir():
        yield base, _read(base, strict, config)
        return
    problems: list[OSError] = []
    for rel in walk(
        base, include=tuple(include), exclude=tuple(exclude), suffixes=("",), on_error=problems.append
    ):
        while problems:
            exc = problems.pop(0)
            where = Path(exc.filename) if exc.filename else base
            yield where, _failure(where, exc)
        path = base / rel
        yield path, _read(path, strict, config)
    for exc in problems:
        where = Path(exc.filename) if exc.filename else base
        yield where, _failure(where, exc)
