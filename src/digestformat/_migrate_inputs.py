"""SRC's side of a migration: which files below it are the inputs, and reading one.

The walk (``_walk``) takes the regular files with an input suffix, hidden names,
``_site/``, ``node_modules/`` and what ``--include``/``--exclude`` leave out left
out (the rule of ``_walk.py``, shared with the other commands), in walk order;
follows symbolic links that stay inside SRC (those that leave it only with
``follow_links``; never one into DST, nor a folder link to a folder it is in);
spells each byte of a name that is not UTF-8 as %XX (an input whose escaped name
is another input's is refused); and reports, as (rel, message), what it cannot
take: a folder it cannot read, a file that is not a
regular file, a link to nothing. An input is read (``_read_input``) refusing one
larger than ``MAX_INPUT_BYTES``.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ._io import file_kind, read_file
from ._walk import Filter, skip_folder

if TYPE_CHECKING:
    from ._migrate_workers import _Task
    from .archive import Options

MAX_INPUT_BYTES = 256 * 1024 * 1024
"""An input larger than this (256 MiB) is refused, never read whole."""
INPUT_SUFFIXES = (".md", ".markdown", ".json")


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
    rule: Filter = field(default_factory=Filter)
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
            wanted = name.endswith(INPUT_SUFFIXES) and self.rule.wants(rel)
            entered = not skip_folder(name) and not self.rule.excluded(rel)
            try:
                if entry.is_symlink():
                    sub = self.link(entry, rel, wanted, ancestors, entered)
                    if isinstance(sub, tuple):
                        folders.append(sub)
                    elif sub:
                        self.inputs.append(_Input(rel, entry.path, link=True, escaped=escaped))
                    continue
                if entry.is_dir(follow_symlinks=False):
                    if not entered:
                        continue
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
        self,
        entry: os.DirEntry[str],
        rel: str,
        wanted: bool,
        ancestors: frozenset[tuple[int, int]],
        entered: bool = True,
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
        if (is_folder and not entered) or (not is_folder and not wanted):
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


def _walk(
    src: Path, dst: Path, follow_links: bool, rule: Filter | None = None
) -> tuple[list[_Input], list[tuple[str, str]]]:
    """The inputs below *src* in walk order (a folder's files, then its folders, sorted;
    hidden names, _site/, node_modules/ and what *rule* leaves out left out), and what
    could not be walked, as (rel, message).

    Symbolic links (files and folders) that stay inside SRC are followed; those that
    leave it only with *follow_links*; never one into DST, nor a folder link to a
    folder it is inside of (a loop).
    """
    root = os.fspath(src)
    walker = _Walker(os.path.realpath(root), os.path.realpath(dst), follow_links, rule or Filter())
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


def _read_input(task: _Task, opts: Options) -> bytes:
    path = task.path or os.path.join(opts.src, task.rel)
    return read_file(path, follow=task.link, limit=MAX_INPUT_BYTES)
