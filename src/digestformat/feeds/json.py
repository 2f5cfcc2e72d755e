"""JSON: the model with its trivia, so that JSON -> Markdown gives the original bytes back."""

from __future__ import annotations

from pydantic import ValidationError

from ..errors import DigestError
from ..model import Digest

__all__ = ["read", "write"]


def write(doc: Digest) -> str:
    """The Digest as indented JSON, trivia included, ending with a newline."""
    return doc.model_dump_json(indent=2) + "\n"


def read(text: str, *, strict: bool = False) -> Digest:
    """A Digest from JSON written by :func:`write` (or by hand, following the schema)."""
    try:
        doc = Digest.model_validate_json(text)
    except ValidationError as exc:
        first = exc.errors()[0]
        path = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in first["loc"]) or "."
        line, column = _position(text, first)
        more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
        raise DigestError(f"JSON {path}: {first['msg']}{more}", line, column) from None
    except RecursionError:
        raise DigestError("JSON is nested too deeply: expected a digest object", 1, 1) from None
    if strict and doc.warnings:
        w = doc.warnings[0]
        where = f"its source's line {w.line}, column {w.column}"
        raise DigestError(f"the JSON records a warning from {where}: {w.message}", 1, 1)
    return doc


def _position(text: str, error: object) -> tuple[int, int]:
    """Where a JSON syntax error is; 1:1 for errors of shape, which have no place."""
    msg = getattr(error, "get", lambda *_: None)("msg") or ""
    marker = "at line "
    if "json" in str(msg).lower() and marker in str(msg):
        try:
            tail = str(msg).split(marker, 1)[1]
            line_s, _, column_s = tail.partition(" column ")
            return int(line_s), int(column_s.split()[0].rstrip(",]"))
        except (ValueError, IndexError):
            pass
    return 1, 1
