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


@dataclass(slots=True)
class ScanLine:
    """What the scanner tells of one line. Never changed once made (the blank, text, ... ones
    are shared); not frozen, since a frozen dataclass's ``__init__`` costs 3x as much."""

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
_RAW_END = "</"  # the end marker of a type-1 block: one of _RAW_ENDS


def _ends(marker: str, low: str) -> bool:
    """Does a line (lower-cased) end the HTML block whose end marker is *marker*?"""
    if marker == _RAW_END:
        return "</" in low and any("</" + tag + ">" in low for tag in _RAW_TAGS)
    return marker in low


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


def _html_start(rest: str, in_paragraph: int) -> str | None:
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
            return _RAW_END  # any of the four end tags ends it, not only its own
    name = low[2:] if low.startswith("</") else low[1:]
    end = 0
    while end < len(name) and (name[end].isalnum() or name[end] == "-"):
        end += 1
    tag, after = name[:end], name[end:]
    if tag in _BLOCK_TAGS and (not after or after[0] in " \t>" or after.startswith("/>")):
        return ""  # ends at a blank line
    if not in_paragraph and _is_lone_tag(rest):
        return ""  # type 7: a complete tag alone on its line; it cannot interrupt a paragraph
    return None


_NAME_START = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
_NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-")
_ATTR_START = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_:")
_ATTR_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.:-")
_SPACE = frozenset(" \t")
_UNQUOTED_STOP = frozenset("\"'=<>` \t")


def _is_lone_tag(rest: str) -> bool:
    """Is *rest* one complete open or closing tag, then only blanks (HTML block type 7)?

    A left-to-right walk over CommonMark's tag grammar; no backtracking. Like
    markdown-it-py, a closing '</pre>' (or script, style, textarea) counts too:
    their opening tags start a type-1 block before this is asked.
    """
    n = len(rest)
    closing = rest.startswith("</")
    i = 2 if closing else 1
    if i >= n or rest[i] not in _NAME_START:
        return False
    while i < n and rest[i] in _NAME_CHARS:
        i += 1
    if not closing:
        while True:  # attributes, each after at least one blank
            j = i
            while j < n and rest[j] in _SPACE:
                j += 1
            if j == i or j >= n or rest[j] not in _ATTR_START:
                i = j
                break
            i = j + 1
            while i < n and rest[i] in _ATTR_CHARS:
                i += 1
            j = i
            while j < n and rest[j] in _SPACE:
                j += 1
            if j < n and rest[j] == "=":
                j += 1
                while j < n and rest[j] in _SPACE:
                    j += 1
                if j < n and rest[j] in "\"'":
                    close = rest.find(rest[j], j + 1)
                    if close < 0:
                        return False
                    i = close + 1
                else:
                    k = j
                    while k < n and rest[k] not in _UNQUOTED_STOP:
                        k += 1
                    if k == j:
                        return False
                    i = k
        if i < n and rest[i] == "/":
            i += 1
    else:
        while i < n and rest[i] in _SPACE:
            i += 1
    if i >= n or rest[i] != ">":
        return False
    return _is_blank(rest[i + 1 :])


_MAY_OPEN_BLOCK = frozenset(" \t#-*_`~<=+>0123456789")
"""First characters that can start something other than paragraph text."""

_NOT_ITEM_TEXT = frozenset(("", " ", "\t", "-", "*", "_"))
"""After '- ', '* ' or '**': what could still make a break, a blank item or a heading-like line."""

_PLAIN = 1  # a paragraph at the top level: a '---' under it is a setext underline
_CONTAINER = 2  # a paragraph in a list item or block quote: a '---' under it is a break

_MAX_DEPTH = 8
"""Containers (list items, block quotes) nested deeper than this are text to the
scanner: it models them only far enough to know where the outermost one ends.
Each level looks at its lines once more, so the bound keeps the pass linear."""

_MARKERS = frozenset("-+*0123456789")
"""First characters of a list item marker."""

_ITEM = 1  # an open top-level container: a list item
_QUOTE = 2  # ... or a block quote


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


def _item_start(line: str, col: int, pos: int) -> tuple[int, str | None] | None:
    """(content column, first line's content or None if empty) when *line* opens a
    list item whose marker is at *pos* (column *col*)."""
    rest = line[pos:]
    if rest[0] in "-+*":
        width = 1
    else:
        digits = len(rest) - len(rest.lstrip("0123456789"))
        if not 0 < digits <= 9 or rest[digits : digits + 1] not in (".", ")"):
            return None
        width = digits + 1
    after = pos + width
    if after < len(line) and line[after] not in " \t":
        return None
    marker_end = col + width
    spaces, first = indent_of(" " * marker_end + line[after:])  # tab stops count from the line's start
    spaces -= marker_end
    text = line[after + first - marker_end :]
    if not text:
        return marker_end + 1, None  # an empty item
    if spaces > 4:  # the item starts with indented code: its content column is one past the marker
        return marker_end + 1, " " * (spaces - 1) + text
    return marker_end + spaces, text


def _interrupts(line: str) -> bool:
    """Does *line* end a list item's paragraph rather than continue it lazily?"""
    col, pos = indent_of(line)
    if pos == len(line):
        return True
    if col >= 4:
        return False
    rest = line[pos:]
    return (
        (rest[0] == "#" and _heading(rest) is not None)
        or _is_break(rest)
        or _fence(rest) is not None
        or _html_start(rest, _PLAIN) is not None
        or _is_container(rest)
    )


def scan(lines: list[str], start: int = 0) -> list[ScanLine]:
    """Classify ``lines[start:]``; the result is indexed from *start*."""
    out: list[ScanLine] = []
    _Run(0).feed(lines, start, out)
    return out


class _Run:
    """The scanner's state over one run of lines: the document, or a container's content.

    The lines of a top-level container (a list item's lines indented to its
    content column, a block quote's lines after their '>') are text to the
    document. They are also handed, without the container's marks, to a nested
    run, which is asked only one thing: whether the container's innermost open
    block is a paragraph. That decides whether a less indented line continues
    the container lazily or ends it. Nested runs go _MAX_DEPTH deep.
    """

    __slots__ = (
        "box",
        "box_lines",
        "child",
        "depth",
        "fence",
        "html_end",
        "in_paragraph",
        "item_col",
        "item_empty",
    )

    def __init__(self, depth: int) -> None:
        self.depth = depth
        self.fence: tuple[str, int, int] | None = None  # (char, length, indent)
        self.html_end: str | None = None  # end marker of the open HTML block ("" = blank line)
        self.in_paragraph = 0  # 0, _PLAIN or _CONTAINER
        self.box = 0  # the open container: 0, _ITEM or _QUOTE
        self.item_col = 0  # content column of an open list item
        self.item_empty = False  # the item has no content yet (nothing followed its marker)
        self.box_lines: list[str] = []  # the container's lines not yet given to the child
        self.child: _Run | None = None

    def paragraph_open(self) -> bool:
        """Is the innermost open block a paragraph (which a lazy line would continue)?"""
        if self.box:
            return self.box_paragraph_open()
        return bool(self.in_paragraph) and self.fence is None and self.html_end is None

    def box_paragraph_open(self) -> bool:
        """paragraph_open() for the open container's content."""
        lines = self.box_lines
        if self.child is None and all(not line or line[0] not in _MAY_OPEN_BLOCK for line in lines):
            # Plain text and blank lines: only the last one tells; keep just it (amortized linear).
            del lines[:-1]
            return bool(lines) and bool(lines[-1])
        if self.child is None:
            self.child = _Run(self.depth + 1)
        if lines:
            self.child.feed(lines, 0, [])
            lines.clear()
        return self.child.paragraph_open()

    def feed(self, lines: list[str], start: int, out: list[ScanLine]) -> None:
        """Classify ``lines[start:]`` into *out*, going on from the state left by the last call."""
        fence, html_end, in_paragraph = self.fence, self.html_end, self.in_paragraph
        containers = self.depth < _MAX_DEPTH
        box, item_col, item_empty, box_lines = self.box, self.item_col, self.item_empty, self.box_lines
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
                elif _ends(html_end, line.lower()):
                    html_end = None
                out.append(_HTML)
                continue
            if box:
                if not line:
                    if box == _ITEM and not item_empty:
                        box_lines.append("")
                        out.append(_BLANK)
                        continue
                    box = 0  # a blank line ends a quote, and an item that has no content yet
                else:
                    c = line[0]
                    if c not in _MAY_OPEN_BLOCK or (
                        c == "*" and line[1:2] == "*" and line[2:3] not in _NOT_ITEM_TEXT
                    ):
                        # Fast path: unindented text continues the container's paragraph, or ends it.
                        if self.box_paragraph_open():
                            out.append(_TEXT)
                            continue
                        box = 0
                    elif c == "#":
                        heading = _heading(line)
                        if heading is not None:  # Fast path: an unindented heading ends the container
                            box = in_paragraph = 0
                            out.append(heading)
                            continue
                        if self.box_paragraph_open():  # '#x': text
                            out.append(_TEXT)
                            continue
                        box = 0
                    elif c == ">":
                        # Fast path: a block quote goes on, or ends the list item and opens one.
                        if box != _QUOTE:
                            box, self.child = _QUOTE, None
                            box_lines.clear()
                        box_lines.append(line[2:] if line[1:2] == " " else line[1:])
                        out.append(_TEXT)
                        continue
                    elif c in "-+*" and line[1:2] == " " and line[2:3] not in _NOT_ITEM_TEXT:
                        # Fast path: a list item ends the container and opens a new one.
                        box, item_col, item_empty, self.child = _ITEM, 2, False, None
                        box_lines.clear()
                        box_lines.append(line[2:])
                        out.append(_TEXT)
                        continue
                    elif c in "-*_" and _is_break(line):
                        box = in_paragraph = 0  # Fast path: a thematic break ends the container
                        out.append(_BREAK)
                        continue
                    elif _is_blank(line):
                        if box == _ITEM and not item_empty:
                            box_lines.append("")
                            out.append(_BLANK)
                            continue
                        box = 0
                    else:
                        col, pos = indent_of(line)
                        if box == _ITEM and col >= item_col:
                            box_lines.append(" " * (col - item_col) + line[pos:])
                            item_empty = False
                            out.append(_TEXT)
                            continue
                        if box == _QUOTE and col < 4 and line[pos] == ">":
                            box_lines.append(
                                line[pos + 2 :] if line[pos + 1 : pos + 2] == " " else line[pos + 1 :]
                            )
                            out.append(_TEXT)
                            continue
                        item = _item_start(line, col, pos) if col < 4 and line[pos] in _MARKERS else None
                        if item is not None and not _is_break(line[pos:]):
                            # Fast path: a less indented list item ends the container and opens a new one.
                            box, item_col, item_empty, self.child = _ITEM, item[0], item[1] is None, None
                            box_lines.clear()
                            if item[1] is not None:
                                box_lines.append(item[1])
                            out.append(_TEXT)
                            continue
                        if not _interrupts(line) and self.box_paragraph_open():
                            out.append(_TEXT)  # lazy continuation of the container's paragraph
                            continue
                        box = 0
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
            if c == ">":
                # Fast path: a block quote.
                if containers:
                    box, self.child, in_paragraph = _QUOTE, None, 0
                    box_lines.clear()
                    box_lines.append(line[2:] if line[1:2] == " " else line[1:])
                else:
                    in_paragraph = _CONTAINER
                out.append(_TEXT)
                continue
            if c in "-+*" and line[1:2] == " " and line[2:3] not in _NOT_ITEM_TEXT:
                # Fast path: a list item whose text starts at once.
                if containers:
                    box, item_col, item_empty, self.child, in_paragraph = _ITEM, 2, False, None, 0
                    box_lines.clear()
                    box_lines.append(line[2:])
                else:
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
            if in_paragraph == _PLAIN and rest[0] in "-=" and not rest.rstrip(" \t").strip(rest[0]):
                # A setext underline: the paragraph above is a heading, not our concern.
                in_paragraph = 0
                out.append(_TEXT)
                continue
            if _is_break(rest):
                in_paragraph = 0
                out.append(_BREAK)
                continue
            opened = _fence(rest)
            if opened is not None:
                fence = (opened[0], opened[1], col)
                in_paragraph = 0
                out.append(_CODE)
                continue
            end = _html_start(rest, in_paragraph)
            if end is not None:
                in_paragraph = 0
                if end and _ends(end, rest.lower()[1:]):
                    out.append(_HTML)  # opens and closes on this line
                    continue
                html_end = end
                out.append(_HTML)
                continue
            if containers and rest[0] == ">":
                box, self.child, in_paragraph = _QUOTE, None, 0
                box_lines.clear()
                box_lines.append(rest[2:] if rest[1:2] == " " else rest[1:])
                out.append(_TEXT)
                continue
            if containers:
                item = _item_start(line, col, pos)
                if item is not None and (
                    not in_paragraph
                    or (item[1] is not None and (rest[0] in "-+*" or rest.startswith(("1.", "1)"))))
                ):
                    # A list item (one that is empty or numbered from 2 cannot interrupt a paragraph).
                    box, item_col, item_empty, self.child, in_paragraph = (
                        _ITEM,
                        item[0],
                        item[1] is None,
                        None,
                        0,
                    )
                    box_lines.clear()
                    if item[1] is not None:
                        box_lines.append(item[1])
                    out.append(_TEXT)
                    continue
            if not containers and _is_container(rest):
                in_paragraph = _CONTAINER
            elif not in_paragraph:
                in_paragraph = _PLAIN
            out.append(_TEXT)
        self.fence, self.html_end, self.in_paragraph = fence, html_end, in_paragraph
        self.box, self.item_col, self.item_empty = box, item_col, item_empty


def leaves_open(lines: list[str]) -> bool:
    """Do *lines* end inside a code fence or HTML block that a blank line does not close?

    Then whatever follows them (a separator, another section) is swallowed.
    """
    probe = scan([*lines, "", "# probe"])
    return probe[-1].kind is not Kind.HEADING
