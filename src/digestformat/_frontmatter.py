"""YAML front matter: found, read safely, and written back key by key.

The front matter real posts are made of is read here without a YAML parser
(:func:`_simple`); anything else goes to ``_frontmatter_yaml``: libyaml where PyYAML
has it, or PyYAML's own parser, with a SafeLoader of our own that keeps timestamps as
the strings written (``2026-02-16 00:00:00+0900+0900`` is not a YAML timestamp,
``2025-10-03 08:15:00`` is; both stay text), refuses duplicate keys and keys that
collide as text, bounds what aliases expand to (``_frontmatter_yaml.check_graph``),
and refuses values no JSON holds (lone surrogates, integers of more than 4,300
digits), each at its place. Writing
keeps the raw lines of every key whose value did not change, so an edit touches
only its own key's lines, and writes an edited key in the style of its old lines
(:func:`dump_key`).

PyYAML is imported on the first front matter read by it or written: a file without
one (the daily layouts) and the command line's ``--help`` do not load it.
"""

from __future__ import annotations

import functools
import math
import re
from types import ModuleType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pydantic import JsonValue

__all__ = ["FrontMatterError", "dump_key", "find", "load"]

_FENCE = "---"
_CLOSERS = ("---", "...")


class FrontMatterError(Exception):
    """Front matter that cannot be read safely; ``line`` is 1-based within the block."""

    def __init__(self, msg: str, line: int = 1, column: int = 1, *, syntax: bool = False) -> None:
        super().__init__(msg)
        self.msg = msg
        self.line = line
        self.column = column
        self.syntax = syntax
        """YAML's grammar rejects the text (not a refusal of ours, a tag or a non-mapping)."""


def find(lines: list[str]) -> tuple[int, int] | None:
    """(opening fence, closing fence) indices when *lines* open with front matter, else None.

    The fence is the first line, ``---``. Real archives also have it after lines of blanks,
    or indented: such a fence opens front matter only when the first non-blank line after it
    is a ``key:`` line and the block is closed (Jekyll ignores such a block; the readers
    warn). Raises FrontMatterError (line 1) when a fence on the first line is never closed.
    """
    if not lines:
        return None
    if lines[0].rstrip(" \t") != _FENCE:
        return _find_misplaced(lines)
    for i in range(1, len(lines)):
        if lines[i].rstrip(" \t") in _CLOSERS:
            return 0, i
    raise FrontMatterError("front matter opened with '---' is never closed: expected a closing '---' line")


def misplaced(lines: list[str], block: tuple[int, int]) -> bool:
    """Is the block's opening fence not '---' at the start of the first line (Jekyll's rule)?"""
    return block[0] > 0 or lines[block[0]][:1] in (" ", "\t")


def _find_misplaced(lines: list[str]) -> tuple[int, int] | None:
    """A fence after lines of blanks, or indented (see :func:`find`)."""
    first = 0
    if lines[0].strip(" \t") not in ("", _FENCE):
        return None  # the common case: text on the first line
    while first < len(lines) and not lines[first].strip(" \t"):
        first += 1
    if first == len(lines) or lines[first].strip(" \t") != _FENCE:
        return None
    key = first + 1
    while key < len(lines) and not lines[key].strip(" \t"):
        key += 1
    if key == len(lines) or not _opens_key(lines[key]):
        return None
    for i in range(key + 1, len(lines)):
        if lines[i].rstrip(" \t") in _CLOSERS:
            return first, i
    return None


def _opens_key(line: str) -> bool:
    """'key:' or 'key: value' at column 1, the key made of letters, digits, '_' and '-'."""
    key, colon, rest = line.partition(":")
    return bool(colon) and bool(key) and _KEY_CHARS.issuperset(key) and rest[:1] in ("", " ")


def _to_json(value: Any) -> JsonValue:
    """Plain JSON values: keys become text, bytes become text (non-finite floats were refused)."""
    if isinstance(value, dict):
        return {str(k) if not isinstance(k, str) else k: _to_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [_to_json(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


_KEY_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-")
_INDICATORS = frozenset("-?:,[]{}#&*!|>'\"%@`")
_FLOW_FORBIDDEN = frozenset("[]{},\"'#&*!|>%@`:?")
_STR_TAG = "tag:yaml.org,2002:str"


@functools.cache
def _yaml() -> ModuleType:
    """``_frontmatter_yaml`` (PyYAML, our loaders and dumpers), imported on first use."""
    from . import _frontmatter_yaml

    return _frontmatter_yaml


@functools.cache
def _odd_character() -> re.Pattern[str]:
    """One character class, no repetition: a linear scan. Compiled on first use (the
    astral range makes it one of the costlier patterns to compile)."""
    return re.compile("[^\n\x20-\x7e\xa0-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]")


def _implicit_tag(value: str) -> str:
    """The tag PyYAML's resolver gives a plain scalar (its own table, so the same answer)."""
    table = _yaml().IMPLICIT_RESOLVERS
    candidates = table.get(value[0])  # most text starts with a character no resolver claims
    wildcard = table.get(None)
    if not candidates and not wildcard:
        return _STR_TAG
    for tag, regexp in [*(candidates or ()), *(wildcard or ())]:
        if regexp.match(value):
            return str(tag)
    return _STR_TAG


@functools.lru_cache(maxsize=1024)
def _text_key(key: str) -> bool:
    """Is the plain scalar *key* text to YAML? (Keys repeat from file to file: asked once each.)"""
    return _implicit_tag(key) == _STR_TAG


def _plain(value: str, *, in_flow: bool = False) -> Any:
    """A plain scalar the way PyYAML's safe loader reads it, or _NO for anything but text,
    true/false, null and small decimal integers (those go to PyYAML)."""
    if not value or value[0] in _INDICATORS or value != value.strip(" "):
        return _NO
    if ": " in value or " #" in value or value.endswith(":") or "\t" in value:
        return _NO
    if in_flow and not _FLOW_FORBIDDEN.isdisjoint(value):
        return _NO
    tag = _implicit_tag(value)
    if tag in (_STR_TAG, "tag:yaml.org,2002:timestamp"):
        return value  # timestamps stay the text written
    if value in ("true", "false"):
        return value == "true"
    if value in ("null", "~"):
        return None
    if value.isascii() and value.isdigit() and (value == "0" or value[0] != "0") and len(value) < 16:
        return int(value)
    return _NO


_NO: Any = object()


def _quoted(value: str) -> Any:
    """A double-quoted scalar with no escapes and nothing after its closing quote."""
    if len(value) < 2 or value[0] != '"' or value[-1] != '"':
        return _NO
    inner = value[1:-1]
    if '"' in inner or "\\" in inner:  # controls were refused with the whole text
        return _NO
    return inner


def _single_quoted(value: str) -> Any:
    """A single-quoted scalar ('' is a quote) with nothing after its closing quote."""
    if len(value) < 2 or value[0] != "'" or value[-1] != "'":
        return _NO
    inner = value[1:-1]
    if "'" in inner.replace("''", ""):
        return _NO
    return inner.replace("''", "'")


def _scalar(value: str, *, in_flow: bool = False) -> Any:
    if value.startswith('"'):
        return _quoted(value)
    if value.startswith("'"):
        return _NO if in_flow else _single_quoted(value)
    return _plain(value, in_flow=in_flow)


def _simple(text: str) -> dict[str, Any] | None:
    """The front matter real posts are made of, read without PyYAML, or None to leave it to PyYAML.

    Accepted: ``key: scalar``, ``key: [a, b]``, ``key:`` followed by ``  - item`` lines, and
    blank lines; scalars plain (text, true/false, null, small integers) or double-quoted
    without escapes. Anything else, including a repeated key, goes to PyYAML, which also
    judges this reader in the tests.
    """
    if _odd_character().search(text):  # tabs, controls, YAML's other line breaks, a BOM: PyYAML's
        return None
    out: dict[str, Any] = {}
    current_key: str | None = None  # the 'key:' whose '  - item' lines may follow
    for line in text.split("\n"):
        if not line.strip(" "):
            continue
        if line[0] == " ":
            stripped = line.lstrip(" ")
            if current_key is None or not stripped.startswith("- "):
                return None
            item = _scalar(stripped[2:].rstrip(" "))
            if item is _NO:
                return None
            if out[current_key] is None:
                out[current_key] = []
            out[current_key].append(item)
            continue
        key, colon, rest = line.partition(":")
        if not colon or not key or not _KEY_CHARS.issuperset(key) or key in out:
            return None
        if not _text_key(key):  # '0:', 'true:', 'null:' keys are not text
            return None
        if rest and rest[0] != " ":
            return None
        rest = rest.strip(" ")
        if not rest:
            out[key] = None  # 'key:' alone is null, unless items follow
            current_key = key
            continue
        current_key = None
        if rest[0] == "[":
            if not rest.endswith("]"):
                return None
            inner = rest[1:-1].strip(" ")
            items: list[Any] = []
            if inner:
                for piece in inner.split(","):
                    item = _scalar(piece.strip(" "), in_flow=True)
                    if item is _NO:
                        return None
                    items.append(item)
            out[key] = items
            continue
        value = _scalar(rest)
        if value is _NO:
            return None
        out[key] = value
    return out


def load(text: str) -> dict[str, JsonValue]:
    """Read the YAML between the fences. Raises FrontMatterError naming what is wrong."""
    simple = _simple(text)
    if simple is not None:
        return simple  # plain JSON values already
    data = _yaml().load_yaml(text)
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise FrontMatterError(
            f"front matter is a {type(data).__name__}: expected a mapping of keys to values"
        )
    result = _to_json(data)
    assert isinstance(result, dict)
    return result


def dump_key(
    key: str, value: JsonValue, like: list[str] | None = None, then: list[str] | None = None
) -> list[str]:
    """Fresh YAML lines for one key, in the style of the lines *like* where given, read back
    followed by *then* (``_frontmatter_dump.dump_key``)."""
    from . import _frontmatter_dump  # PyYAML's dumpers: only when a key is written

    return _frontmatter_dump.dump_key(key, value, like, then)
