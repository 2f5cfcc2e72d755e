"""User configuration: heading words mapped to section kinds, and added kinds.

A config is a ``digestformat.toml`` (the keys at its top level) or the
``[tool.digestformat]`` table of a ``pyproject.toml``::

    [tool.digestformat]
    kinds = ["case_study", "outlook"]      # optional: new section kinds
    [tool.digestformat.headings]           # optional: heading words -> kind
    "사례 연구" = "case_study"
    "Background" = "introduction"

:func:`find_config` looks for one the way ruff and black do: from the input
file's folder up to the filesystem root. Every problem raises
:class:`~digestformat.errors.DigestError` whose message starts with the key
path in the file (``tool.digestformat.headings.'사례 연구': ...``) and whose
line and column point at that key; the file's path is added as a note
(``exc.__notes__``), since a config found by walking up may be a surprise.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import NoReturn

from ._text import BOM, decode
from .errors import DigestError

__all__ = ["EMPTY", "Config", "find_config", "is_kind_name", "load_config"]

DIGESTFORMAT_TOML = "digestformat.toml"
PYPROJECT_TOML = "pyproject.toml"

_KEYS = ("kinds", "headings")
_FIRST = frozenset("abcdefghijklmnopqrstuvwxyz")
_REST = _FIRST | frozenset("0123456789_")
_BARE_KEY = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")
_TOML_TYPES = {
    "str": "string",
    "bool": "boolean",
    "int": "integer",
    "float": "float",
    "list": "array",
    "dict": "table",
    "datetime": "date-time",
    "date": "date",
    "time": "time",
}
_AT_LINE = " (at line "
_AT_END = " (at end of document)"


@dataclass(frozen=True, slots=True)
class Config:
    """What a config file teaches the parser.

    ``path`` is the file it was read from (``None``: there was none);
    ``kinds`` are the section kinds it adds, in the file's order;
    ``headings`` maps heading words, exactly as written in the file, to a
    kind (a built-in one or one of ``kinds``). ``headings`` is read-only.
    """

    path: Path | None
    kinds: tuple[str, ...]
    headings: Mapping[str, str]


EMPTY = Config(None, (), MappingProxyType({}))
"""The config in force when no config file is found."""


def is_kind_name(name: str) -> bool:
    """Whether *name* is a valid kind name: ``[a-z][a-z0-9_]*`` (ASCII only)."""
    return bool(name) and name[0] in _FIRST and all(ch in _REST for ch in name[1:])


def load_config(path: Path, builtin_kinds: Collection[str]) -> Config:
    """Read the config file at *path*.

    A file named ``pyproject.toml`` holds the config in its
    ``[tool.digestformat]`` table; without that table the result is
    ``Config(path, (), {})``. Any other file is read like a
    ``digestformat.toml``: the keys at its top level. *builtin_kinds* are the
    kinds a heading may name besides those the file adds. ``path`` is kept
    as given. Unreadable files, invalid UTF-8 or TOML and a wrong schema
    raise :class:`DigestError`.
    """
    data, text = _read(path)
    if path.name == PYPROJECT_TOML:
        table = _pyproject_table(data)
        if table is None:
            return Config(path, (), MappingProxyType({}))
        return _build(path, text, table, "tool.digestformat", builtin_kinds)
    return _build(path, text, data, "", builtin_kinds)


def find_config(start: Path, builtin_kinds: Collection[str]) -> Config:
    """Find and load the config in force for *start* (a file or a folder).

    *start* is resolved first; the walk begins at it if it is a folder, else
    at its parent, and goes up to the filesystem root. In each folder a
    ``digestformat.toml`` wins over a ``pyproject.toml``; a
    ``pyproject.toml`` without a ``[tool.digestformat]`` table is passed
    over. The first config found is loaded (errors in it raise
    :class:`DigestError`, as do TOML errors in a pyproject on the way);
    when there is none the result is :data:`EMPTY`.
    """
    start = start.resolve()
    folder = start if start.is_dir() else start.parent
    for here in (folder, *folder.parents):
        candidate = here / DIGESTFORMAT_TOML
        if _is_file(candidate):
            return load_config(candidate, builtin_kinds)
        candidate = here / PYPROJECT_TOML
        if _is_file(candidate):
            data, text = _read(candidate)
            table = _pyproject_table(data)
            if table is not None:
                return _build(candidate, text, table, "tool.digestformat", builtin_kinds)
    return EMPTY


def _is_file(path: Path) -> bool:
    try:
        return path.is_file()
    except OSError:  # e.g. a folder we may not look into: no config there for us
        return False


def _read(path: Path) -> tuple[dict[str, object], str]:
    """Parse *path* as TOML; the data and the text (for finding keys' lines)."""
    try:
        with path.open("rb") as fp:
            raw = fp.read()
    except OSError as exc:
        _raise(path, DigestError(f"cannot read config file: {exc.strerror or exc}"))
    try:
        text = decode(raw)
    except DigestError as exc:
        _raise(path, exc)
    text = text.removeprefix(BOM)
    import tomllib  # only when there is a config file: its regexes take ~10 ms to compile

    try:
        return tomllib.loads(text), text
    except tomllib.TOMLDecodeError as exc:
        msg, line, column = _split_position(str(exc), text)
        _raise(path, DigestError(f"config file is not valid TOML: {msg}", line, column))


def _split_position(message: str, text: str) -> tuple[str, int | None, int | None]:
    """Split tomllib's "... (at line L, column C)" into the message and L, C.

    "(at end of document)" gives the position just past the last character;
    a message in neither form is kept whole, without a position.
    """
    if message.endswith(_AT_END):
        line = text.count("\n") + 1
        column = len(text) - text.rfind("\n")
        return message.removesuffix(_AT_END), line, column
    head, sep, tail = message.rpartition(_AT_LINE)
    if sep and tail.endswith(")"):
        line_text, sep, column_text = tail[:-1].partition(", column ")
        if sep and _is_number(line_text) and _is_number(column_text):
            return head, int(line_text), int(column_text)
    return message, None, None


def _is_number(text: str) -> bool:
    return text.isascii() and text.isdigit()


def _pyproject_table(data: dict[str, object]) -> object | None:
    """The ``tool.digestformat`` value of a pyproject, ``None`` if it has none."""
    tool = data.get("tool")
    if not isinstance(tool, dict):
        return None
    table: object = tool.get("digestformat")
    return table


def _build(path: Path, text: str, table: object, prefix: str, builtin_kinds: Collection[str]) -> Config:
    """Check the config *table* (found at key path *prefix*) and make it a Config."""
    finder = _Finder(path, text, prefix)
    if not isinstance(table, dict):
        raise finder.error(prefix, f"expected a table, got {_type_name(table)}", ["digestformat"])
    for key, value in table.items():
        if key not in _KEYS:
            hint = (
                f" (heading words go in the {_join(prefix, 'headings')} table)"
                if isinstance(value, str)
                else ""
            )
            raise finder.error(
                _join(prefix, _quote(key)),
                f"unknown key: the allowed keys are 'kinds' and 'headings'{hint}",
                [key],
            )
    kinds = _check_kinds(finder, table.get("kinds", []), builtin_kinds)
    headings = _check_headings(finder, table.get("headings", {}), {*builtin_kinds, *kinds})
    return Config(path, kinds, MappingProxyType(headings))


def _check_kinds(finder: _Finder, value: object, builtin_kinds: Collection[str]) -> tuple[str, ...]:
    where = _join(finder.prefix, "kinds")
    if not isinstance(value, list):
        raise finder.error(where, f"expected an array of kind names, got {_type_name(value)}", ["kinds"])
    kinds: list[str] = []
    for index, kind in enumerate(value):
        item = f"{where}[{index}]"
        if not isinstance(kind, str):
            raise finder.error(item, f"expected a string (a kind name), got {_type_name(kind)}", ["kinds"])
        needles = [kind, "kinds"] if kind else ["kinds"]
        if not is_kind_name(kind):
            raise finder.error(
                item,
                f"invalid kind name {kind!r}: expected a lowercase ASCII letter, "
                "then lowercase ASCII letters, digits or underscores",
                needles,
            )
        if kind in builtin_kinds:
            raise finder.error(item, f"kind {kind!r} is already built in: remove it from kinds", needles)
        if kind in kinds:
            raise finder.error(item, f"kind {kind!r} is listed twice", needles)
        kinds.append(kind)
    return tuple(kinds)


def _check_headings(finder: _Finder, value: object, known: set[str]) -> dict[str, str]:
    where = _join(finder.prefix, "headings")
    if not isinstance(value, dict):
        raise finder.error(
            where, f"expected a table of heading words = kind names, got {_type_name(value)}", ["headings"]
        )
    headings: dict[str, str] = {}
    for words, kind in value.items():
        item = f"{where}.{_quote(words)}"
        blank = not words.strip()
        needles = [f'"{words}"', f"'{words}'"] if blank else [words]
        if blank:
            raise finder.error(
                item,
                "the heading words are empty: write the words of a section heading",
                needles,
                in_headings=True,
            )
        if not isinstance(kind, str):
            raise finder.error(
                item, f"expected a string (a kind name), got {_type_name(kind)}", needles, in_headings=True
            )
        if kind not in known:
            raise finder.error(
                item,
                f"unknown kind {kind!r}: expected one of the built-in kinds or those listed in kinds "
                f"({', '.join(sorted(known))})",
                needles,
                in_headings=True,
            )
        headings[words] = kind
    return headings


class _Finder:
    """Makes schema errors, placed at the first line holding the offending key's text."""

    __slots__ = ("headings_start", "lines", "path", "prefix", "table_start")

    def __init__(self, path: Path, text: str, prefix: str) -> None:
        self.path = path
        self.lines = text.split("\n")
        self.prefix = prefix
        self.table_start = self._header(prefix, 0) if prefix else 0
        self.headings_start = self._header(_join(prefix, "headings"), self.table_start)

    def _header(self, name: str, default: int) -> int:
        """The index of the first line opening a table ``[name`` (or ``[name.sub``), else *default*."""
        found = self._find(f"[{name}", 0)
        return default if found is None else found[0]

    def _find(self, needle: str, start: int) -> tuple[int, int] | None:
        """The first (line index, column index) of *needle* from line *start* on, outside comment lines."""
        for index in range(start, len(self.lines)):
            line = self.lines[index]
            column = line.find(needle)
            if column >= 0 and not line.lstrip().startswith("#"):
                return index, column
        return None

    def error(
        self, where: str, problem: str, needles: list[str], *, in_headings: bool = False
    ) -> DigestError:
        """A DigestError "<where>: <problem>" at the first line holding one of *needles*.

        The search begins at the config's table header (at the headings
        table's header with *in_headings*) and falls back to the whole file;
        comment lines are passed over; the first needle found wins.
        """
        msg = f"{where}: {problem}"
        start = self.headings_start if in_headings else self.table_start
        exc = DigestError(msg)
        for needle in needles:
            found = self._find(needle, start) or self._find(needle, 0)
            if found is not None:
                exc = DigestError(msg, found[0] + 1, found[1] + 1)
                break
        exc.add_note(f"config file: {self.path}")
        return exc


def _raise(path: Path, exc: DigestError) -> NoReturn:
    exc.add_note(f"config file: {path}")
    raise exc from None


def _join(prefix: str, key: str) -> str:
    return f"{prefix}.{key}" if prefix else key


def _quote(key: str) -> str:
    """*key* as TOML writes it in a dotted key: bare, 'literal' or "basic"."""
    if key and all(ch in _BARE_KEY for ch in key):
        return key
    if "'" not in key and all(ch.isprintable() for ch in key):
        return f"'{key}'"
    out = ['"']
    for ch in key:
        if ch in '"\\':
            out.append("\\" + ch)
        elif ch.isprintable():
            out.append(ch)
        else:
            out.append(f"\\u{ord(ch):04X}" if ord(ch) <= 0xFFFF else f"\\U{ord(ch):08X}")
    out.append('"')
    return "".join(out)


def _type_name(value: object) -> str:
    """The TOML name of a parsed value's type."""
    return _TOML_TYPES.get(type(value).__name__, type(value).__name__)
