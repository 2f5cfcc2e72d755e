"""The boundary for foreign data: what JSON, JSON Feed, RSS and Atom must pass before the model takes it.

Every reader of data not written as Markdown goes through here, so that what no
format can hold is refused where it comes in, with a place, and never later by
a writer: numbers that are not JSON (``NaN``, ``Infinity``, ``1e999``), integers
of more than 4,300 digits, lone surrogates, NUL where Markdown would carry it.
Duplicate members, which JSON parsers resolve silently (the last one wins),
are kept that way and reported.
"""

from __future__ import annotations

import contextlib
import json
import json.decoder
import json.scanner
import math
import re
from collections.abc import Iterator
from typing import Any

from ._text import SURROGATE, decode
from .errors import DigestError
from .model import ParseWarning

__all__ = ["MAX_INT_DIGITS", "check_values", "load_json"]

MAX_INT_DIGITS = 4300
"""The longest integer taken (Python's limit for decimal text, and pydantic's)."""

_JSON_OBJECT: Any = getattr(json.decoder, "JSONObject")  # noqa: B009 (not in the stubs)


class _Refused(Exception):
    def __init__(self, message: str, token: str) -> None:
        super().__init__(message)
        self.message = message
        self.token = token


def _long_integer(text: str) -> str:
    """The first integer outside strings of more than MAX_INT_DIGITS digits ('' if none)."""
    for _, token in _tokens_outside_strings(text):
        if len(token) - token.startswith("-") > MAX_INT_DIGITS and token.lstrip("-").isdigit():
            return token
    return ""


def _float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise _Refused(f"{text} is too large for a number: expected a finite number", text)
    return value


def _constant(name: str) -> Any:
    raise _Refused(f"{name} is not JSON: expected a number, or null", name)


def _position(text: str, pos: int) -> tuple[int, int]:
    line = text.count("\n", 0, pos) + 1
    return line, pos - (text.rfind("\n", 0, pos) + 1) + 1


def _tokens_outside_strings(text: str) -> Iterator[tuple[int, str]]:
    """(offset, bare token) for each run of characters outside strings: numbers and words, linear."""
    i = 0
    n = len(text)
    while i < n:
        ch = text[i]
        if ch == '"':
            i += 1
            while i < n and text[i] != '"':
                i += 2 if text[i] == "\\" else 1
            i += 1
        elif ch.isalnum() or ch in "-+.":
            start = i
            while i < n and (text[i].isalnum() or text[i] in "-+."):
                i += 1
            yield start, text[start:i]
        else:
            i += 1


def _where_token(text: str, token: str) -> tuple[int, int]:
    for offset, found in _tokens_outside_strings(text):
        if found == token:
            return _position(text, offset)
    return 1, 1


def load_json(text: str, what: str) -> tuple[Any, list[ParseWarning]]:
    """*text* as JSON values, and a warning per object with duplicate members.

    Raises DigestError at the place of a syntax error, a number that is not JSON
    or too large, a lone surrogate, or nesting too deep for the reader.

    Text that orjson reads as ``json`` does, repeating no member, is read by orjson
    (``_jsontext.loads_clean``); anything else, including everything refused or
    warned about, is read by ``json`` with the hooks that place each message. A lone
    surrogate in the str itself is refused first, at its place, as ``_text.decode``
    refuses it (orjson takes none: the str is not checked twice).
    """
    from ._jsontext import loads_clean  # orjson: imported with the first JSON read

    clean = loads_clean(text)
    if clean is not None:
        return clean[0], []
    decode(text)
    duplicates: list[str] = []

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        out = dict(items)
        if len(out) != len(items):
            seen: set[str] = set()
            for key, _ in items:
                if key in seen:
                    duplicates.append(key)
                seen.add(key)
        return out

    try:  # int itself refuses 4,301+ digits (a ValueError): no hook per integer, which costs
        data = json.loads(text, object_pairs_hook=pairs, parse_float=_float, parse_constant=_constant)
    except json.JSONDecodeError as exc:
        said = "Invalid JSON" if what == "JSON" else f"{what} is not valid JSON"
        raise DigestError(f"{said}: {exc.msg}", exc.lineno, exc.colno) from None
    except _Refused as exc:
        raise DigestError(f"{what}: {exc.message}", *_where_token(text, exc.token)) from None
    except ValueError:  # Python's limit on the digits of an integer
        token = _long_integer(text)
        message = f"an integer of more than {MAX_INT_DIGITS:,} digits: expected a smaller number"
        raise DigestError(f"{what}: {message}", *_where_token(text, token)) from None
    except RecursionError:
        raise DigestError(f"{what} is nested too deeply: expected a digest object", 1, 1) from None
    if "\\u" in text:
        check_values(data, what, text, nul=False)
    warnings = [
        ParseWarning(
            line=line,
            column=column,
            message=f"{what} repeats the member {key!r} in one object: the last one is kept, "
            "the others are dropped",
        )
        for key, (line, column) in zip(duplicates, _duplicate_places(text, duplicates), strict=True)
    ]
    return data, warnings


def _duplicate_places(text: str, keys: list[str]) -> list[tuple[int, int]]:
    """Where each repeated member is written: the second ``"key":`` of its object (a second pass,
    only when there are duplicates; the Python scanner, which tells where each object starts)."""
    if not keys:
        return []
    places: list[tuple[int, int]] = []
    decoder = json.JSONDecoder()

    def parse_object(s_and_end: tuple[str, int], *args: Any) -> tuple[dict[str, Any], int]:
        """json's JSONObject (strict, scan_once, hook, pairs hook, memo), taking the members."""
        start = s_and_end[1]
        members: list[tuple[str, Any]] = []
        strict, scan_once, hook, _pairs_hook, *memo = args
        result, end = _JSON_OBJECT(s_and_end, strict, scan_once, hook, members.extend, *memo)
        seen: set[str] = set()
        for key, _ in members:
            if key in seen:
                at = text.find(json.dumps(key), start, end)
                at = text.find(json.dumps(key), at + 1, end) if at >= 0 else -1
                places.append(_position(text, at if at >= 0 else start))
            seen.add(key)
        return dict(members) if result is None else result, end

    decoder.parse_object = parse_object  # type: ignore[attr-defined]
    decoder.scan_once = json.scanner.py_make_scanner(decoder)  # type: ignore[attr-defined]
    with contextlib.suppress(ValueError, RecursionError):
        decoder.decode(text)
    places.extend([(1, 1)] * (len(keys) - len(places)))
    return places[: len(keys)]


def check_values(data: Any, what: str, text: str | None = None, *, nul: bool = True, line: int = 1) -> None:
    """Refuse, naming its path, a string of *data* that holds a lone surrogate, or (with *nul*)
    NUL outside the front matter, which Markdown cannot carry. *text*, where given, is searched
    for the place."""
    for path, value in _strings(data, ""):  # *line*: the place when there is no *text*
        problem = None
        if not value.isascii() and SURROGATE.search(value):
            problem = "a lone surrogate: expected text that UTF-8 can hold"
        elif nul and "\0" in value and not path.startswith((".front_matter.", ".front_matter[")):
            problem = "a NUL character: expected text that Markdown can carry"
        if problem is not None:
            where = (line, 1) if text is None else _escape_place(text, value)
            raise DigestError(f"{what} {path or '.'} holds {problem}", *where)


_ESCAPE = re.compile(r"\\u([0-9a-fA-F]{4})")


def _escape_place(text: str, value: str) -> tuple[int, int]:
    """The first escape in *text* of a lone surrogate, or of NUL when *value* holds one (1:1 if none)."""
    paired_at = -1  # where the low half of the last pair begins
    for match in _ESCAPE.finditer(text):
        code = int(match.group(1), 16)
        if code == 0 and "\0" in value:
            return _position(text, match.start())
        if 0xD800 <= code <= 0xDBFF:
            low = _ESCAPE.match(text, match.end())
            if low is not None and 0xDC00 <= int(low.group(1), 16) <= 0xDFFF:
                paired_at = match.end()
                continue
            return _position(text, match.start())
        if 0xDC00 <= code <= 0xDFFF and match.start() != paired_at:
            return _position(text, match.start())
    return 1, 1


def _strings(data: Any, path: str) -> Iterator[tuple[str, str]]:
    """(path, string) for every string of *data*, keys included, depth first, without recursion."""
    stack: list[tuple[str, Any]] = [(path, data)]
    while stack:
        where, value = stack.pop()
        if isinstance(value, str):
            yield where, value
        elif isinstance(value, dict):
            for key, item in reversed(value.items()):
                yield where, key
                stack.append((f"{where}.{key}", item))
        elif isinstance(value, list):
            stack.extend((f"{where}[{index}]", item) for index, item in reversed(list(enumerate(value))))
