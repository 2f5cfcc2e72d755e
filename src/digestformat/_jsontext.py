"""JSON text through orjson, where it provably gives what the standard library gives.

orjson reads and writes JSON faster than the ``json`` module does where that runs
Python code (the pair hook that finds repeated members, the indented writer), but not
always the same way: it reads an integer beyond 64 bits as a float, keeps the last
of a repeated member without a word, nests up to 1,024 deep (``json`` stops near
the recursion limit), and writes floats in its own notation. Each function here
takes the orjson path only for a value it has checked gives the standard library's
result, and otherwise says so (``loads_clean``) or uses the standard library
(``dumps_indented``): a check, never a guess. ``tests/test_jsontext.py`` holds
orjson to the facts the checks rely on, for the version installed.

orjson is imported with this module: by the JSON readers when they first read
(``_boundary.load_json``) and by the JSON Feed writer, never at start-up.
"""

from __future__ import annotations

import json
from typing import Any

import orjson

__all__ = ["FAST_DEPTH", "dumps_indented", "loads_clean"]

FAST_DEPTH = 200
"""The deepest nesting taken through orjson (which writes at most 254 levels); deeper goes
the standard library's way, which reads nesting up to near Python's recursion limit."""

_INDENT = orjson.OPT_INDENT_2 | orjson.OPT_APPEND_NEWLINE
_DEEP = b"\n" + b" " * (2 * FAST_DEPTH + 2)
"""A line indented FAST_DEPTH + 1 levels in orjson's indented writing: a value inside more
than FAST_DEPTH arrays and objects (an empty one counts as a value)."""

_DIGIT_RUNS = bytes(0x30 if 0x30 <= byte <= 0x39 else 0x20 for byte in range(256))
"""A translation table: every digit to ``0``, every other byte to a space."""
_WIDE_INTEGER = b"0" * 19
"""19 digits in a row: the shortest integer that may lie outside 64 bits (orjson reads
one as a float, ``json`` as an int)."""


def loads_clean(text: str) -> tuple[Any] | None:
    """``(value,)`` when orjson reads *text* as ``json.loads`` does and no member is
    repeated in an object; None for anything else (invalid JSON, ``NaN``, ``1e999``, a
    lone surrogate, an integer of 19 digits or more, nesting deeper than FAST_DEPTH, a
    repeated member), which the caller reads the standard library's way, with its
    located messages.

    A repeated member is found by counting colons. Outside strings, valid JSON has
    one ``:`` per member; inside them a colon is written as itself or as ``\\u003a``.
    So without that escape, the text has as many colons as orjson's writing of the
    value unless a member was dropped, which takes its colon (and any in its key and
    value) with it. A text that is orjson's own writing of the value (as ``render``'s
    JSON usually is) is compared whole instead. A lone surrogate is refused twice over:
    orjson reads none (escaped or not) and writes none.
    """
    try:
        raw = text.encode("utf-8")  # what orjson reads (it would encode a str itself)
        value = orjson.loads(raw)
    except (ValueError, RecursionError):  # a lone surrogate; JSONDecodeError is a ValueError
        return None
    try:
        again = orjson.dumps(value, option=_INDENT)
    except TypeError:  # JSONEncodeError: nested too deeply for orjson's writer
        return None
    if _DEEP in again:
        return None
    if again == raw:  # a wider integer would be written as a float, a dropped member not at all
        return (value,)
    if b"\\u003a" in raw or b"\\u003A" in raw:
        return None
    if _WIDE_INTEGER in raw.translate(_DIGIT_RUNS) or raw.count(b":") != again.count(b":"):
        return None
    return (value,)


def dumps_indented(value: Any) -> str:
    """``json.dumps(value, ensure_ascii=False, indent=2) + "\\n"``, byte for byte.

    Through orjson when *value* is plain: dicts with ``str`` keys, lists, ``str``,
    ``int``, ``bool`` and None (those exact types, no float, no subclass), nested at
    most FAST_DEPTH deep; orjson writes them as ``json`` does (the same escapes, the
    same indentation) and refuses an integer beyond 64 bits or a lone surrogate,
    which then go the ``json`` way with the rest.
    """
    if _plain(value):
        try:
            return orjson.dumps(value, option=_INDENT).decode("utf-8")
        except TypeError:  # JSONEncodeError: a wide integer, a lone surrogate, too deep
            pass
    return json.dumps(value, ensure_ascii=False, indent=2) + "\n"


_SCALARS = frozenset({str, int, bool, type(None)})


def _plain(value: Any) -> bool:
    """Whether *value* is made of exact dicts with str keys, lists and scalars other than float."""
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        kind = type(item)
        if kind in _SCALARS:
            continue
        if depth >= FAST_DEPTH:
            return False
        if kind is dict:
            for key, member in item.items():
                if type(key) is not str:
                    return False
                stack.append((member, depth + 1))
        elif kind is list:
            stack.extend((member, depth + 1) for member in item)
        else:
            return False
    return True
