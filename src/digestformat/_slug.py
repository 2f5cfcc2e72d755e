"""Slugs for permalinks and file names."""

from __future__ import annotations

import unicodedata

__all__ = ["slug"]

_MAX_SLUG = 120


def slug(title: str) -> str:
    """The permalink slug of a title, as the real posts spell it.

    Letters and digits are kept (Unicode included), runs of blanks become one
    '-', every other character is dropped; the result holds no path separator,
    no dot, and is at most 120 characters. An empty result becomes 'untitled'.
    """
    out: list[str] = []
    pending_dash = False
    for ch in unicodedata.normalize("NFC", title):
        if ch.isalnum() or ch == "-":
            if pending_dash and out and out[-1] != "-":
                out.append("-")
            pending_dash = False
            out.append(ch)
        elif ch.isspace() or ch in "_/":
            pending_dash = True
    text = "".join(out).strip("-")
    while "--" in text:
        text = text.replace("--", "-")
    return text[:_MAX_SLUG].rstrip("-") or "untitled"
