"""One linear pass that tells, for each line, the CommonMark block it belongs to.

Only what the layouts need is told apart: ATX headings, thematic breaks, blank
lines, and the lines that can never be a heading or a break because they sit in
a fenced code block, an HTML block, an indented code block or under a setext
underline. Every function here looks at one line; the pass keeps a few flags.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

__all__ = ["Kind", "ScanLine", "indent_of", "scan"]


class Kind(IntEnum):
    BLANK = 0
    TEXT = 1  # paragraph text, list items, block quotes, ...
    HEADING = 2
    BREAK = 3  # thematic break
    CODE = 4  # inside (or fencing) a code block
    HTML = 5  # inside an HTML block


@dataclass(slots=True, frozen=True)
class ScanLine:
    kind: Kind
    level: int = 0  # heading level, 1..6
    text: str = ""  # heading content, without marks and surrounding blanks


_BLANK = ScanLine(Kind.BLANK)
_TEXT = ScanLine(Kind.TEXT)
_BREAK = ScanLine(Kind.BREAK)
_CODE = ScanLine(Kind.CODE)
_HTML = ScanLine(Kind.HTML)

# CommonMark HTML block type 6 tag names.
_BLOCK_TAGS = frozenset(
    {
        "address",
        "article",
        "aside",
        "base",
        "basefont",
        "blockquote",
        "body",
        "caption",
        "center",
        "col",
        "colgroup",
        "dd",
        "details",
        "dialog",
        "dir",
        "div",
        "dl",
        "dt",
        "fieldset",
        "figcaption",
        "figure",
        "footer",
        "form",
        "frame",
        "frameset",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "head",
        "header",
        "hr",
        "html",
        "iframe",
        "legend",
        "li",
        "link",
        "main",
        "menu",
        "menuitem",
        "nav",
        "noframes",
        "ol",
        "optgroup",
        "option",
        "p",
        "param",
        "search",
        "section",
        "summary",
        "table",
        "tbody",
        "td",
        "tfoot",
        "th",
        "thead",
        "title",
        "tr",
        "track",
        "ul",
    }
)
_RAW_TAGS = ("pre", "script", "style", "textarea")  # type 1


def indent_of(line: str) -> tuple[int, int]:
    """(columns of leading indentation with tabs to 4, index of first non-blank char)."""
    col = 0
    i = 0
    n = len(line)
    while i < n:
        ch = line[i]
        if ch == " ":
            col += 1
        elif ch == "\t":
            col += 4 - col % 4
        else:
            break
        i += 1
    return col, i


def _is_blank(line: str) -> bool:
    return not line.strip(" \t")


def _heading(rest: str) -> ScanLine | None:
    level = 0
    n = len(rest)
    while level < n and rest[level] == "#":
        level += 1
    if not 1 <= level <= 6 or (level < n and rest[level] not in " \t"):
        return None
    content = rest[level:].strip(" \t")
    # An optional closing sequence: spaces then only '#'s.
    stripped = content.rstrip("#")
    if stripped != content and (not stripped or stripped[-1] in " \t"):
        content = stripped.rstrip(" \t")
    return ScanLine(Kind.HEADING, level, content)


def _is_break(rest: str) -> bool:
    ch = rest[0]
    if ch not in "-*_":
        return False
    count = 0
    for c in rest:
        if c == ch:
            count += 1
        elif c not in " \t":
            return False
    return count >= 3


def _fence(rest: str) -> tuple[str, int] | None:
    ch = rest[0]
    if ch not in "`~":
        return None
    n = len(rest) - len(rest.lstrip(ch))
    if n < 3 or (ch == "`" and "`" in rest[n:]):
        return None
    return ch, n


def _html_start(rest: str) -> str | None:
    """The end condition of an HTML block starting here, or None."""
    if not rest.startswith("<"):
        return None
    low = rest.lower()
    if low.startswith("<!--"):
        return "-->"
    if low.startswith("<?"):
        return "?>"
    if low.startswith("<![cdata["):
        return "]]>"
    if len(low) > 2 and low[1] == "!" and low[2].isalpha():
        return ">"
    for tag in _RAW_TAGS:
        if low.startswith("<" + tag) and (len(low) == len(tag) + 1 or low[len(tag) + 1] in " \t>"):
            return "</" + tag + ">"
    name = low[2:] if low.startswith("</") else low[1:]
    end = 0
    while end < len(name) and (name[end].isalnum() or name[end] == "-"):
        end += 1
    tag, after = name[:end], name[end:]
    if tag in _BLOCK_TAGS and (not after or after[0] in " \t>" or after.startswith("/>")):
        return ""  # ends at a blank line
    return None  # type 7 (any lone tag) is not told apart: it is kept as text


_MAY_OPEN_BLOCK = frozenset(" \t#-*_`~<=+>0123456789")
"""First characters that can start something other than paragraph text."""

_NOT_ITEM_TEXT = frozenset(("", " ", "\t", "-", "*", "_"))
"""After '- ', '* ' or '**': what could still make a break, a blank item or a heading-like line."""

_PLAIN = 1  # a paragraph at the top level: a '---' under it is a setext underline
_CONTAINER = 2  # a paragraph in a list item or block quote: a '---' under it is a break


def _is_container(rest: str) -> bool:
    """Does the line open a block quote or a list item?"""
    ch = rest[0]
    if ch == ">":
        return True
    if ch in "-+*":
        return len(rest) == 1 or rest[1] in " \t"
    digits = len(rest) - len(rest.lstrip("0123456789"))
    return (
        0 < digits <= 9
        and rest[digits : digits + 1] in (".", ")")
        and (len(rest) == digits + 1 or rest[digits + 1] in " \t")
    )


def scan(lines: list[str], start: int = 0) -> list[ScanLine]:
    """Classify ``lines[start:]``; the result is indexed from *start*."""
    out: list[ScanLine] = []
    fence: tuple[str, int, int] | None = None  # (char, length, indent)
    html_end: str | None = None  # end marker of the open HTML block ("" = blank line)
    in_paragraph = 0  # 0, _PLAIN or _CONTAINER
    for i in range(start, len(lines)):
        line = lines[i]
        if fence is not None:
            col, pos = indent_of(line)
            rest = line[pos:]
            if col < 4 and rest.startswith(fence[0] * fence[1]) and _is_blank(rest.lstrip(fence[0])):
                fence = None
            out.append(_CODE)
            continue
        if html_end is not None:
            if html_end == "":
                if _is_blank(line):
                    html_end = None
                    out.append(_BLANK)
                    continue
            elif html_end in line.lower():
                html_end = None
            out.append(_HTML)
            continue
        if not line or line[0] not in _MAY_OPEN_BLOCK:
            if not line:
                in_paragraph = 0
                out.append(_BLANK)
                continue
            # Fast path: a line whose first character opens no block is paragraph text.
            if not in_paragraph:
                in_paragraph = _PLAIN
            out.append(_TEXT)
            continue
        c = line[0]
        if c == ">" or (c in "-+*" and line[1:2] == " " and line[2:3] not in _NOT_ITEM_TEXT):
            # Fast path: a block quote, or a list item whose text starts at once.
            in_paragraph = _CONTAINER
            out.append(_TEXT)
            continue
        if c == "*" and line[1:2] == "*" and line[2:3] not in _NOT_ITEM_TEXT:
            # Fast path: '**Bold**' text opens a paragraph or goes on with one.
            if not in_paragraph:
                in_paragraph = _PLAIN
            out.append(_TEXT)
            continue
        if _is_blank(line):
            in_paragraph = 0
            out.append(_BLANK)
            continue
        col, pos = indent_of(line)
        if col >= 4:
            out.append(_TEXT if in_paragraph else _CODE)
            continue
        rest = line[pos:]
        heading = _heading(rest) if rest[0] == "#" else None
        if heading is not None:
            in_paragraph = 0
            out.append(heading)
            continue
        if _is_break(rest):
            if in_paragraph == _PLAIN and rest.strip(" \t").strip("-") == "":
                # A setext underline: the paragraph above is a heading, not our concern.
                in_paragraph = 0
                out.append(_TEXT)
                continue
            in_paragraph = 0
            out.append(_BREAK)
            continue
        opened = _fence(rest)
        if opened is not None:
            fence = (opened[0], opened[1], col)
            in_paragraph = 0
            out.append(_CODE)
            continue
        end = _html_start(rest)
        if end is not None:
            in_paragraph = 0
            if end and end in rest.lower()[1:]:
                out.append(_HTML)  # opens and closes on this line
                continue
            html_end = end
            out.append(_HTML)
            continue
        if rest[0] == "=" and in_paragraph == _PLAIN and rest.strip(" \t").strip("=") == "":
            in_paragraph = 0
            out.append(_TEXT)
            continue
        if _is_container(rest):
            in_paragraph = _CONTAINER
        elif not in_paragraph:
            in_paragraph = _PLAIN
        out.append(_TEXT)
    return out


def leaves_open(lines: list[str]) -> bool:
    """Do *lines* end inside a code fence or HTML block that a blank line does not close?

    Then whatever follows them (a separator, another section) is swallowed.
    """
    probe = scan([*lines, "", "# probe"])
    return probe[-1].kind is not Kind.HEADING
