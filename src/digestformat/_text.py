"""Bytes to lines and back: BOM, line endings and the final newline, kept as trivia."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from .errors import DigestError

BOM = "\ufeff"
_LINE_END = re.compile(r"\r\n|\r|\n")  # alternatives of fixed length: linear, no backtracking
SURROGATE = re.compile("[\ud800-\udfff]")
"""A lone surrogate (no UTF-8 holds one): one class, a linear scan."""


@dataclass(slots=True)
class SourceText:
    """A text split into lines, with what is needed to join them back exactly."""

    lines: list[str]
    bom: bool = False
    newline: str = "\n"
    newline_exceptions: dict[int, str] = field(default_factory=dict)
    final_newline: bool = True


def decode(data: str | bytes) -> str:
    """Decode UTF-8 strictly. Invalid bytes raise DigestError with their byte offset; a ``str``
    holding a lone surrogate (which no UTF-8 can hold) raises DigestError at its place."""
    if isinstance(data, str):
        if data.isascii():
            return data
        try:
            data.encode("utf-8")  # in C, faster than a search; only a lone surrogate fails
        except UnicodeEncodeError:
            found = SURROGATE.search(data)
        else:
            return data
        if found is not None:
            at = found.start()
            line = data.count("\n", 0, at) + 1
            raise DigestError(
                f"a lone surrogate (\\u{ord(found.group()):04x}): expected text that UTF-8 can hold",
                line,
                at - (data.rfind("\n", 0, at) + 1) + 1,
            )
        return data
    if data[:2] == b"\x1f\x8b":
        raise DigestError("this is gzip-compressed data: expected text (decompress it first)", 1, 1, offset=0)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        head = data[: exc.start]
        line = head.count(b"\n") + 1
        line_start = head.rfind(b"\n") + 1
        if line_start == 0 and head.startswith(b"\xef\xbb\xbf"):
            line_start = 3  # columns count from after the byte order mark, as everywhere else
        column = len(head[line_start:].decode("utf-8", errors="replace")) + 1
        raise DigestError(
            f"invalid UTF-8 at byte {exc.start} (0x{data[exc.start]:02x}): expected UTF-8 text",
            line,
            column,
            offset=exc.start,
        ) from None


def split(text: str) -> SourceText:
    """Split *text* into lines; CRLF, CR and LF are line endings, as in CommonMark."""
    bom = text.startswith(BOM)
    if bom:
        text = text[1:]
    nul = text.find("\0")
    if nul >= 0:
        line = text.count("\n", 0, nul) + 1
        column = nul - (text.rfind("\n", 0, nul) + 1) + 1
        raise DigestError("NUL byte: expected text, this looks like a binary file", line, column)
    if "\r" not in text:  # the common case: LF only
        lines = text.split("\n")
        final = len(lines) > 1 and lines[-1] == ""
        if final:
            lines.pop()
        return SourceText(lines, bom, "\n", {}, final)
    crlf = text.count("\r\n")
    if crlf == text.count("\r") == text.count("\n"):  # CRLF only: one split, as for LF
        lines = text.split("\r\n")
        final = len(lines) > 1 and lines[-1] == ""
        if final:
            lines.pop()
        return SourceText(lines, bom, "\r\n", {}, final)
    lines = []
    endings: list[str] = []
    pos = 0
    for match in _LINE_END.finditer(text):
        lines.append(text[pos : match.start()])
        endings.append(match.group())
        pos = match.end()
    final_newline = pos == len(text) and bool(endings)
    if not final_newline:
        lines.append(text[pos:])
    newline = Counter(endings).most_common(1)[0][0] if endings else "\n"
    exceptions = {i: e for i, e in enumerate(endings) if e != newline}
    return SourceText(lines, bom, newline, exceptions, final_newline)


def join(src: SourceText) -> str:
    """The exact inverse of :func:`split`."""
    lines = src.lines
    if not lines:
        return BOM if src.bom else ""
    nl = src.newline
    exc = src.newline_exceptions
    if exc:
        parts: list[str] = []
        last = len(lines) - 1
        for i, line in enumerate(lines):
            parts.append(line)
            if i < last or src.final_newline:
                parts.append(exc.get(i, nl))
        body = "".join(parts)
    else:
        body = nl.join(lines)
        if src.final_newline:
            body += nl
    return (BOM if src.bom else "") + body
