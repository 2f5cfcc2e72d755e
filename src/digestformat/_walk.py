"""Which files below a folder the commands take: one rule for ``convert``, ``detect``,
``check`` and ``migrate``.

A folder is walked top-down, a folder's files (sorted) before its folders (sorted);
dot-folders, ``_site/`` and ``node_modules/`` are skipped (:func:`skip_folder`), and
so are hidden files. ``--include GLOB`` and ``--exclude GLOB`` (:class:`Filter`) are
matched against the path relative to the folder given, in POSIX form:

* ``*`` and ``?`` match within one path component, ``[...]`` a character of a set,
  ``**`` any number of components (``**/`` also none: ``**/*.md`` matches ``a.md``);
* a pattern without ``/`` matches any one component (``drafts`` is every folder or
  file named so, ``*.markdown`` every such file); a pattern with ``/`` matches the
  whole path from the folder given, or one of its folders (``2024/drafts`` is that
  folder and everything in it);
* a file is taken when it matches no ``--exclude`` and, if any ``--include`` is
  given, at least one of them; a folder an ``--exclude`` matches is not entered.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache

__all__ = ["MARKDOWN_SUFFIXES", "SKIPPED_FOLDERS", "Filter", "skip_folder", "walk"]

SKIPPED_FOLDERS = frozenset({"_site", "node_modules"})
"""Folder names never entered (besides dot-folders): a built site, a package tree."""
MARKDOWN_SUFFIXES = (".md", ".markdown")

INCLUDE = ("*.md", "*.markdown", "*.json")
"""The files a folder is read for when no ``--include`` is given."""


def skip_folder(name: str) -> bool:
    """Whether a walk leaves the folder *name* (one component) alone."""
    return name.startswith(".") or name in SKIPPED_FOLDERS


@lru_cache(maxsize=256)
def _compile(pattern: str) -> re.Pattern[str]:
    """*pattern* (fnmatch, plus ``**``) as a regular expression over a POSIX path."""
    out: list[str] = []
    i, n = 0, len(pattern)
    while i < n:
        ch = pattern[i]
        if pattern.startswith("**", i):
            i += 2
            if pattern.startswith("/", i):
                out.append("(?:.*/)?")
                i += 1
            elif out and out[-1] == "/":
                out[-1] = "(?:/.*)?" if i == n else "/.*"
            else:
                out.append(".*")
            continue
        i += 1
        if ch == "*":
            out.append("[^/]*")
        elif ch == "?":
            out.append("[^/]")
        elif ch == "[":
            end = pattern.find("]", i + 1 if pattern[i : i + 1] in ("!", "]") else i)
            if end < 0:
                out.append(re.escape(ch))
                continue
            body = pattern[i:end]
            i = end + 1
            negate = body.startswith("!")
            body = body[1:] if negate else body
            body = body.replace("\\", "\\\\").replace("^", "\\^")
            out.append(f"[{'^/' if negate else ''}{body}]")
        elif ch == "/":
            out.append("/")
        else:
            out.append(re.escape(ch))
    return re.compile("".join(out), re.DOTALL)


def _normal(pattern: str) -> str:
    while pattern.startswith("./"):
        pattern = pattern[2:]
    return pattern.rstrip("/") or pattern


def _matches(rel: str, pattern: str) -> bool:
    """Whether *pattern* names *rel* (a POSIX path) or one of its folders."""
    regex = _compile(pattern)
    parts = rel.split("/")
    if "/" not in pattern:
        return any(regex.fullmatch(part) for part in parts)
    return any(regex.fullmatch("/".join(parts[:end])) for end in range(1, len(parts) + 1))


@dataclass(frozen=True, slots=True)
class Filter:
    """``--include`` and ``--exclude``: which paths (relative, POSIX) a walk takes."""

    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()

    @classmethod
    def of(cls, include: Iterable[str] | None = None, exclude: Iterable[str] | None = None) -> Filter:
        return cls(
            tuple(_normal(p) for p in include or () if p),
            tuple(_normal(p) for p in exclude or () if p),
        )

    def excluded(self, rel: str) -> bool:
        """Whether an ``--exclude`` names *rel* (a file or a folder) or a folder it is in."""
        return any(_matches(rel, pattern) for pattern in self.exclude)

    def wants(self, rel: str) -> bool:
        """Whether the file *rel* is taken."""
        if self.excluded(rel):
            return False
        return not self.include or any(_matches(rel, pattern) for pattern in self.include)


def walk(
    root: str | os.PathLike[str],
    *,
    include: Iterable[str] | None = None,
    exclude: Iterable[str] | None = None,
    suffixes: tuple[str, ...] = MARKDOWN_SUFFIXES,
    on_error: Callable[[OSError], None] | None = None,
) -> Iterator[str]:
    """The files below *root* with one of *suffixes*, as POSIX paths relative to it.

    A folder's files (sorted) come before its folders (sorted, each walked in turn);
    dot-folders, ``_site/``, ``node_modules/``, hidden files, and what the
    include/exclude globs leave out are skipped. Symbolic links to folders are not
    entered. A folder that cannot be read is given to *on_error* (else left out).
    """
    rule = Filter.of(include, exclude)
    top = os.fspath(root)
    for folder, dirs, files in os.walk(top, onerror=on_error):
        here = os.path.relpath(folder, top)
        prefix = "" if here == "." else here.replace(os.sep, "/") + "/"
        dirs[:] = sorted(d for d in dirs if not skip_folder(d) and not rule.excluded(prefix + d))
        for name in sorted(files):
            if name.startswith(".") or not name.endswith(suffixes):
                continue
            if rule.wants(prefix + name):
                yield prefix + name
