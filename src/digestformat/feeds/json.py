"""JSON: the model with its trivia, so that JSON -> Markdown gives the original bytes back."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from .._boundary import check_values, load_json
from .._text import decode
from ..errors import DigestError
from ..model import Digest

__all__ = ["CONTENT_ONLY", "read", "write"]

CONTENT_ONLY: dict[str, Any] = {
    "warnings": True,
    "trivia": True,
    "papers": {"__all__": {"trivia": True, "sections": {"__all__": {"trivia": True}}}},
}
"""What content-only JSON leaves out: every ``trivia`` field, and the ``warnings``."""


def write(doc: Digest, *, content_only: bool = False) -> str:
    """The Digest as indented JSON, trivia included, ending with a newline.

    With *content_only*, without any ``trivia`` field and without ``warnings``: what the
    digest says, not how its file spelled it (read back, it compares equal, ``==``).
    """
    if content_only:
        return doc.model_dump_json(indent=2, exclude=CONTENT_ONLY) + "\n"
    return doc.model_dump_json(indent=2) + "\n"


def read(text: str | bytes, *, strict: bool = False) -> Digest:
    """A Digest from JSON written by :func:`write` (or by hand, following the schema).

    Read through the boundary for foreign data (``_boundary.load_json``): invalid UTF-8,
    numbers that are not JSON, lone surrogates and NUL outside the front matter are refused
    at their place; a repeated member keeps its last value, with a warning (an error with
    *strict*).
    """
    if isinstance(text, bytes):
        text = decode(text)  # a str is checked by load_json
    data, repeated = load_json(text, "JSON")
    if "\\u0000" in text:  # the only way JSON text holds NUL
        check_values(data, "JSON", text)
    if strict and repeated:
        w = repeated[0]
        raise DigestError(w.message, w.line, w.column)
    try:
        doc = Digest.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        path = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in first["loc"]) or "."
        more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
        raise DigestError(f"JSON {path}: {first['msg']}{more}", 1, 1) from None
    except RecursionError:
        raise DigestError("JSON is nested too deeply: expected a digest object", 1, 1) from None
    if strict and doc.warnings:
        w = doc.warnings[0]
        where = f"its source's line {w.line}, column {w.column}"
        raise DigestError(f"the JSON records a warning from {where}: {w.message}", 1, 1)
    doc.warnings.extend(repeated)
    return doc
