"""The output names a migration has given, held one folder at a time.

Two inputs want one name only when their outputs fall in one folder of DST,
and the inputs of one folder of SRC come one after another in walk order (its
files, then its folders). So the names taken are held for the output folder
being written only, and dropped when the walk moves on: the table does not
grow with the archive. Two folders of SRC share an output folder only when
their names clash (``A/`` and ``a/``, or a name spelled ``%XX`` and one
escaped so): the walk marks the inputs below them ``shared``, and their
folders' names are held until the end of the run.

``_mirror_tasks`` names each input's mirrored output (``a.md`` and ``a.json``
both want ``a.md``: the second gets ``a-2.md``) as the inputs come.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

from ._io import clean_relative, numbered, safe_component
from ._migrate_inputs import _Input, _Problem
from ._migrate_workers import _Result, _Task

__all__ = ["_Names", "_mirror_name", "_mirror_tasks"]

_SUFFIX = {"json": ".json"}


class _Names:
    """Output names (casefolded) -> the input that has each, held per output folder."""

    def __init__(self) -> None:
        self.folder: str | None = None
        self.names: dict[str, str] = {}
        self.kept: dict[str, dict[str, str]] = {}  # shared folders: held for the whole run

    def scope(self, name: str, shared: bool) -> dict[str, str]:
        """The names of *name*'s folder (casefolded, as the table keys them)."""
        folder = name.rpartition("/")[0]
        if shared:
            return self.kept.setdefault(folder, {})
        if folder != self.folder:
            self.folder, self.names = folder, {}  # the walk left the last folder for good
        return self.names

    def get(self, name: str, shared: bool, default: str) -> str:
        key = name.casefold()
        return self.scope(key, shared).get(key, default)

    def __contains__(self, item: tuple[str, bool]) -> bool:
        key = item[0].casefold()
        return key in self.scope(key, item[1])

    def take(self, name: str, shared: bool, owner: str) -> None:
        key = name.casefold()
        self.scope(key, shared)[key] = owner


def _mirror_name(rel: str, to: str) -> str:
    stem = rel.rsplit(".", 1)[0]
    return stem + _SUFFIX.get(to, ".md")


def _mirror_tasks(
    items: Iterable[_Input | _Problem], to: str, report: Callable[[_Result], None]
) -> Iterator[_Task]:
    """One task per input, as they come, output names made safe, then unique; each problem
    of the walk, and each name that cannot be made safe, reported as it comes."""
    taken = _Names()
    folder: str | None = None
    clean_folder: str | None = ""  # the last folder's name, made safe once for all its files
    for item in items:
        if not isinstance(item, _Input):
            report(_Result(item[0], "failed", item[1]))
            continue
        try:
            mirrored = _mirror_name(item.rel, to)
            here, _, leaf = mirrored.rpartition("/")
            if here != folder:  # clean_relative(mirrored), the folder's part once for its files
                folder = None
                plain = not here or all(part not in {"", "."} for part in here.split("/"))
                clean_folder = (clean_relative(here) + "/" if here else "") if plain else None
                folder = here
            if clean_folder is None or leaf in {"", "."}:  # not a walk's name: the whole way
                first = name = clean_relative(mirrored)
            else:
                first = name = clean_folder + safe_component(leaf)
        except ValueError as exc:
            report(_Result(item.rel, "failed", f"{item.rel}: unsafe output name: {exc}"))
            continue
        number = 2
        while (name, item.shared) in taken:
            name = numbered(first, number)
            number += 1
        taken.take(name, item.shared, item.rel)
        yield _Task(item.rel, item.path, item.link, name, item.shared)
