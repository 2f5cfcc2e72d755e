"""Small inline readers shared by the layouts: links, dates, arXiv ids, emoji prefixes.

Each is a plain function over a string that scans left to right once.
"""

from __future__ import annotations

import datetime as _dt
import functools
import re
import unicodedata

__all__ = [
    "arxiv_id_in",
    "derived_arxiv_id",
    "iso_date",
    "parse_link",
    "split_emoji",
]

_ARXIV_ID = re.compile(r"(?<![\d.])(\d{4}\.\d{4,5}(?:v\d+)?)(?![\d])")
_DATE = re.compile(r"(\d{4})[-./](\d{1,2})[-./](\d{1,2})(?!\d)")
_EMOJI_CATEGORIES = frozenset({"So", "Sk", "Mn", "Me", "Cf", "Co", "Cn", "Cs"})


def parse_link(s: str, pos: int = 0) -> tuple[str, str, int] | None:
    """Read ``[text](url)`` at *pos*: (text as written, url as written, end index).

    Brackets in the text may nest or be escaped; code spans hide brackets;
    the url may hold balanced parentheses.
    """
    n = len(s)
    if pos >= n or s[pos] != "[":
        return None
    if "\\" not in s and "`" not in s:
        # Fast path: no escapes, no code spans, no nested brackets or parentheses.
        close = s.find("]", pos + 1)
        if close > 0 and s.find("[", pos + 1, close) < 0:
            if close + 1 >= n or s[close + 1] != "(":
                return None
            end = s.find(")", close + 2)
            if end > 0 and s.find("(", close + 2, end) < 0:
                return s[pos + 1 : close], s[close + 2 : end], end + 1
    depth = 0
    i = pos
    while i < n:
        ch = s[i]
        if ch == "\\":
            i += 2
            continue
        if ch == "`":
            run = i
            while run < n and s[run] == "`":
                run += 1
            ticks = s[i:run]
            close = s.find(ticks, run)
            while close >= 0 and close + len(ticks) < n and s[close + len(ticks)] == "`":
                close = s.find(ticks, close + len(ticks) + 1)
            i = close + len(ticks) if close >= 0 else run
            continue
        if ch == "[":
            depth += 1
        elif ch == "]":
            depth -= 1
            if depth == 0:
                break
        i += 1
    else:
        return None
    text_end = i
    if text_end + 1 >= n or s[text_end + 1] != "(":
        return None
    j = text_end + 2
    depth = 1
    while j < n:
        ch = s[j]
        if ch == "\\":
            j += 2
            continue
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0:
                return s[pos + 1 : text_end], s[text_end + 2 : j], j + 1
        j += 1
    return None


def whole_link(s: str) -> tuple[str, str] | None:
    """``[text](url)`` filling all of *s* (trailing blanks allowed)."""
    found = parse_link(s)
    if found is None or s[found[2] :].strip(" \t"):
        return None
    return found[0], found[1]


def arxiv_id_in(url: str) -> str | None:
    """The arXiv id (version suffix kept) in an arxiv.org or huggingface.co/papers URL."""
    if "arxiv.org/" not in url and "huggingface.co/papers/" not in url:  # the common spelling first
        low = url.lower()
        if "arxiv.org/" not in low and "huggingface.co/papers/" not in low:
            return None
    m = _ARXIV_ID.search(url)
    return m.group(1) if m else None


def iso_date(text: str) -> _dt.date | None:
    """The first valid YYYY-MM-DD (also with '.' or '/') at the start of *text*, as a date."""
    m = _DATE.match(text)
    if m is None:
        return None
    try:
        return _dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        return None


def date_span(text: str) -> int:
    """Length of the date at the start of *text* (0 when there is none)."""
    m = _DATE.match(text)
    return m.end() if m else 0


@functools.lru_cache(maxsize=4096)
def split_emoji(text: str) -> tuple[str, str]:
    """Split a heading into (emoji prefix with its following blanks, words)."""
    i = 0
    n = len(text)
    while i < n and (unicodedata.category(text[i]) in _EMOJI_CATEGORIES or text[i] == "\ufffd"):
        i += 1
    if i == 0:
        return "", text
    j = i
    while j < n and text[j].isspace():
        j += 1
    return text[:j], text[j:]


def derived_arxiv_id(url: str | None, links: dict[str, str]) -> str | None:
    """The arXiv id a paper's title link or other links already say."""
    # The title link first, then the links by name: the same answer whatever their order.
    for candidate in (url, *(links[key] for key in sorted(links))):
        if candidate:
            found = arxiv_id_in(candidate)
            if found is not None:
                return found
    return None
