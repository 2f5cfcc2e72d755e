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

import dataclasses
import os
import stat
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ._io import file_kind, read_file, safe_component
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
    shared: bool = False
    """Below a folder whose output folder another folder of SRC shares (``A/`` and ``a/``,
    ``caf%E9/`` and a ``caf\\xe9/`` spelled so): its output names are kept for the whole run."""


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


_Problem = tuple[str, str]
"""What the walk could not take: (rel, message)."""


def _folder_key(name: str) -> str:
    """Sibling folders of equal keys share an output folder (or, escaped, a name)."""
    return safe_component(name).casefold()


@dataclass(slots=True)
class _Walker:
    src_real: str
    dst_real: str
    follow_links: bool
    rule: Filter = field(default_factory=Filter)

    def walk(self, folders: list[_Folder]) -> Iterator[_Input | _Problem]:
        """The inputs (and problems) below *folders*, in walk order, one folder listed at a time.

        Sibling folders whose names clash (an escaped name equal to another's, or one output
        folder for two: ``A/`` and ``a/``) are walked whole, with those between them, before any
        of their inputs is given: an escaped name is refused only knowing every name it may
        clash with, and their inputs are marked ``shared``.
        """
        stack: list[_Folder | list[_Input | _Problem]] = list(reversed(folders))
        while stack:
            top = stack.pop()
            if isinstance(top, list):
                yield from top
                continue
            files, subfolders = self.folder(top)
            yield from _unique(files)
            stack.extend(reversed(self._grouped(subfolders)))

    def _grouped(self, folders: list[_Folder]) -> list[_Folder | list[_Input | _Problem]]:
        """*folders*, each run of them from one to the last whose name clashes with it gathered."""
        last: dict[str, int] = {}
        for index, (_, prefix, _) in enumerate(folders):
            last[_folder_key(prefix.rstrip("/").rpartition("/")[2])] = index
        out: list[_Folder | list[_Input | _Problem]] = []
        index = 0
        while index < len(folders):
            end = index
            scan = index
            while scan <= end:  # the run grows while a folder in it clashes with a later one
                end = max(end, last[_folder_key(folders[scan][1].rstrip("/").rpartition("/")[2])])
                scan += 1
            if end == index:
                out.append(folders[index])
            else:
                gathered = [
                    dataclasses.replace(item, shared=True) if isinstance(item, _Input) else item
                    for item in _unique(self.walk(folders[index : end + 1]))
                ]
                out.append(gathered)
            index = end + 1
        return out

    def folder(self, folder: _Folder) -> tuple[list[_Input | _Problem], list[_Folder]]:
        """*folder*'s inputs (and what it could not take), and its folders, to walk next."""
        path, prefix, ancestors = folder
        try:
            with os.scandir(path) as found:
                entries = sorted(found, key=lambda e: e.name)
        except OSError as exc:
            return [(prefix, f"{prefix or './'}: cannot read folder: {exc.strerror or exc}")], []
        items: list[_Input | _Problem] = []
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
                    sub = self.link(entry, rel, wanted, ancestors, entered=entered, problems=items)
                    if isinstance(sub, tuple):
                        folders.append(sub)
                    elif sub:
                        items.append(_Input(rel, entry.path, link=True, escaped=escaped))
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
                    items.append((rel, f"{rel}: not a regular file ({kind}): skipped"))
                    continue
            except OSError as exc:
                items.append((rel, f"{rel}: cannot read: {exc.strerror or exc}"))
                continue
            items.append(_Input(rel, entry.path, escaped=escaped))
        return items, folders

    def link(
        self,
        entry: os.DirEntry[str],
        rel: str,
        wanted: bool,
        ancestors: frozenset[tuple[int, int]],
        *,
        entered: bool,
        problems: list[_Input | _Problem],
    ) -> _Folder | bool:
        """A symbolic link: the folder to walk through it, True for a file to take, else False."""
        try:
            target = os.stat(entry.path)
        except OSError as exc:
            if wanted:
                message = f"{rel}: a symbolic link to nothing ({exc.strerror or exc}): skipped"
                problems.append((rel, message))
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
        problems.append((rel, f"{shown}: {problem}"))
        return False


def _walk(
    src: Path, dst: Path, follow_links: bool, rule: Filter | None = None
) -> Iterator[_Input | _Problem]:
    """The inputs below *src* in walk order (a folder's files, then its folders, sorted;
    hidden names, _site/, node_modules/ and what *rule* leaves out left out), and, where
    met, what could not be walked, as (rel, message).

    Symbolic links (files and folders) that stay inside SRC are followed; those that
    leave it only with *follow_links*; never one into DST, nor a folder link to a
    folder it is inside of (a loop). A generator: one folder's listing is held at a time.
    """
    root = os.fspath(src)
    walker = _Walker(os.path.realpath(root), os.path.realpath(dst), follow_links, rule or Filter())
    top = os.stat(root)
    return walker.walk([(root, "", frozenset({(top.st_dev, top.st_ino)}))])


def _unique(items: Iterable[_Input | _Problem]) -> list[_Input | _Problem]:
    """*items* with inputs of distinct names: an escaped name equal to another input's is
    refused (the escaped one; of two escaped, the later), where the refused one was."""
    kept: list[_Input | _Problem] = []
    seen: dict[str, int] = {}  # rel -> its index in kept
    for item in items:
        if not isinstance(item, _Input):
            kept.append(item)
            continue
        at = seen.get(item.rel)
        if at is None:
            seen[item.rel] = len(kept)
            kept.append(item)
            continue
        other = kept[at]
        assert isinstance(other, _Input)
        loser = item if item.escaped or not other.escaped else other
        message = f"{loser.rel}: its name is not UTF-8 and, escaped, is another input's name: skipped"
        if loser is other:
            kept[at] = (other.rel, message)
            seen[item.rel] = len(kept)
            kept.append(item)
        else:
            kept.append((item.rel, message))
    return kept


def _read_input(task: _Task, opts: Options) -> bytes:
    path = task.path or os.path.join(opts.src, task.rel)
    return read_file(path, follow=task.link, limit=MAX_INPUT_BYTES)
