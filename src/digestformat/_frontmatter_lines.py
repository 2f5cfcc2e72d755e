"""The front-matter block as lines: cut into entries, read line by line where YAML rejects it,
written back key by key.

Real archives carry front matter that YAML (and so Jekyll) rejects in a few
shapes, each the slip of a generator: a list's first item on its key's line
(``tags:  - Review``), a plain value broken across lines with the rest at
column 1 (a permalink with a newline in it). :func:`entries` cuts the lines
between the fences into one entry per top-level key; each entry is read with
the safe loader on its own, and an entry it rejects in one of those shapes
is *repaired*: rewritten as the YAML its author meant, read from that. What
no repair explains stays verbatim and unread, with a :class:`Problem` at its
line. The repaired lines are what ``check --fix`` writes.
"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import JsonValue

from ._frontmatter import FrontMatterError, dump_key, load

__all__ = ["Entry", "Problem", "dump", "entries", "load_lenient"]

LIST_ON_KEY_LINE = "list-on-key-line"
BROKEN_SCALAR = "broken-scalar"


@dataclass(frozen=True, slots=True)
class Entry:
    """One top-level key of the block (or lines that no key explains)."""

    start: int
    """0-based index of the entry's first line among the lines between the fences."""
    lines: tuple[str, ...]
    """The entry's lines as written (a value's continuation lines included)."""
    gap: tuple[str, ...]
    """Blank and comment lines after it, before the next entry."""
    key: str | None
    """The key, or None for lines that could not be read."""
    value: JsonValue = None
    """The value read (from the repaired lines where there are some)."""
    repaired: tuple[str, ...] | None = None
    """Lines that YAML reads as ``value``, where the lines as written are rejected."""
    defect: str | None = None
    """What was repaired: LIST_ON_KEY_LINE or BROKEN_SCALAR."""


@dataclass(frozen=True, slots=True)
class Problem:
    """Something the line-by-line reading found: a repair it made, or lines it could not read."""

    line: int
    """0-based index among the lines between the fences."""
    column: int
    """1-based column."""
    message: str


def _is_key_line(line: str) -> bool:
    return bool(line) and line[0] not in " \t#-" and ":" in line


def _split(body: list[str]) -> tuple[list[str], list[tuple[int, list[str], list[str]]]]:
    """(prelude, [(start, lines, gap)]): a key line opens an entry; indented lines, and lines at
    column 1 that open no key (a broken value), continue it; blank and comment lines are its gap."""
    prelude: list[str] = []
    chunks: list[tuple[int, list[str], list[str]]] = []
    for index, line in enumerate(body):
        if _is_key_line(line):
            chunks.append((index, [line], []))
        elif not chunks:
            prelude.append(line)
        elif not line.strip() or line.lstrip().startswith("#"):
            chunks[-1][2].append(line)
        else:
            _start, lines, gap = chunks[-1]
            lines.extend(gap)
            gap.clear()
            lines.append(line)
    return prelude, chunks


def _one_key(lines: list[str]) -> tuple[str, JsonValue] | None:
    data = load("\n".join(lines))
    if len(data) != 1:
        return None
    ((key, value),) = data.items()
    return key, value


def _list_on_key_line(lines: list[str]) -> list[str] | None:
    """'tags:  - Review' + '  - Topic' lines -> 'tags:', '  - Review', '  - Topic'."""
    key, _colon, rest = lines[0].partition(":")
    item = rest.lstrip(" ")
    if not rest.startswith(" ") or not item.startswith("- "):
        return None
    following = [line for line in lines[1:] if line.strip()]
    if not all(line.lstrip(" ").startswith("- ") for line in following):
        return None
    indent = following[0][: len(following[0]) - len(following[0].lstrip(" "))] if following else "  "
    return [f"{key}:", f"{indent or '  '}{item}", *lines[1:]]


def _broken_scalar(lines: list[str]) -> list[str] | None:
    """'permalink: /a/b_' + 'c/' at column 1 -> one value, joined without a blank when neither
    part has one (a path or slug broken by a newline), else with one blank (YAML's folding)."""
    key, _colon, rest = lines[0].partition(":")
    value = rest.strip(" ")
    if not rest.startswith(" ") or not value or value[0] in "\"'[{|>&*!%@`":
        return None
    parts = [value]
    for line in lines[1:]:
        if not line or line[0] in " \t" or _is_key_line(line):
            return None
        parts.append(line.strip(" "))
    glue = "" if not any(" " in part for part in parts) else " "
    return dump_key(key, glue.join(parts))


_REPAIRS = ((LIST_ON_KEY_LINE, _list_on_key_line), (BROKEN_SCALAR, _broken_scalar))
_SAYS = {
    LIST_ON_KEY_LINE: "a list item on its key's line ({line!r}): YAML and Jekyll reject it; "
    "read as the first item of the list below",
    BROKEN_SCALAR: "the value of {key!r} is broken across {count} lines: YAML and Jekyll reject it; "
    "read as one value",
}


def entries(body: list[str]) -> tuple[list[Entry], list[Problem]]:
    """The entries of the lines between the fences, and what reading them line by line found.

    A prelude (lines before the first key) that is not all blank or comments is a problem, and
    so is a key that comes twice (the first is read).
    """
    prelude, chunks = _split(body)
    problems: list[Problem] = []
    out: list[Entry] = []
    if any(line.strip() and not line.lstrip().startswith("#") for line in prelude):
        problems.append(Problem(0, 1, "front-matter lines before the first key: kept verbatim, not read"))
    seen: set[str] = set()
    for start, lines, gap in chunks:
        entry = _entry(start, lines, gap, problems)
        if entry.key is not None and entry.key in seen:
            problems.append(Problem(start, 1, f"duplicate key {entry.key!r}: kept verbatim, not read"))
            entry = Entry(start, entry.lines, entry.gap, None)
        elif entry.key is not None:
            seen.add(entry.key)
        out.append(entry)
    return out, problems


def _entry(start: int, lines: list[str], gap: list[str], problems: list[Problem]) -> Entry:
    try:
        found = _one_key(lines)
    except FrontMatterError as exc:
        for defect, repair in _REPAIRS:
            repaired = repair(lines)
            if repaired is None:
                continue
            try:
                found = _one_key(repaired)
            except FrontMatterError:
                continue
            if found is None or found[0] != lines[0].partition(":")[0]:
                continue
            says = _SAYS[defect].format(line=lines[0], key=found[0], count=len(lines))
            problems.append(Problem(start + exc.line - 1, exc.column, says))
            return Entry(start, tuple(lines), tuple(gap), found[0], found[1], tuple(repaired), defect)
        problems.append(
            Problem(start + exc.line - 1, exc.column, f"{exc.msg}: these lines are kept verbatim, not read")
        )
        return Entry(start, tuple(lines), tuple(gap), None)
    if found is None:
        problems.append(Problem(start, 1, "lines that read as no single key: kept verbatim, not read"))
        return Entry(start, tuple(lines), tuple(gap), None)
    return Entry(start, tuple(lines), tuple(gap), found[0], found[1])


def load_lenient(body: list[str]) -> tuple[dict[str, JsonValue], list[Problem]]:
    """The keys :func:`entries` could read, in order, and its problems.

    Nothing is read (an empty mapping) when some lines stay unread and a key has the
    ``front_matter_`` prefix a layout writes to escape a clash: whether the clash is still
    there cannot be told with lines unread, so such a block is kept verbatim as a whole.
    """
    found, problems = entries(body)
    mapping = {e.key: e.value for e in found if e.key is not None}
    if len(mapping) < len(found) and any(key.startswith("front_matter_") for key in mapping):
        return {}, problems
    return mapping, problems


def dump(front_matter: dict[str, JsonValue], raw: list[str] | None) -> list[str]:
    """The front-matter block for *front_matter*, fences included.

    The raw block comes back unchanged when it still reads as *front_matter*
    (line by line, where YAML rejects it); otherwise each entry whose value is
    unchanged keeps its raw lines, lines that were not read stay where they
    were, and new keys follow.
    """
    if raw is None:
        return ["---", *(line for key, value in front_matter.items() for line in dump_key(key, value)), "---"]
    body = raw[1:-1]
    try:
        if load("\n".join(body)) == front_matter:
            return list(raw)
    except FrontMatterError:
        pass
    found, _problems = entries(body)
    prelude_end = found[0].start if found else len(body)
    out = [raw[0], *body[:prelude_end]]
    written: set[str] = set()
    kept = [entry.key is None or entry.key in front_matter for entry in found]
    fresh = not set(front_matter).issubset(entry.key for entry in found)
    for at, entry in enumerate(found):
        if entry.key is None:
            out.extend(entry.lines)
        elif entry.key in front_matter:
            value = front_matter[entry.key]
            if value == entry.value:
                out.extend(entry.lines)
            else:
                follows = fresh or any(kept[at + 1 :])  # a key line, at column 1, comes next
                then = [*entry.gap, *([f"{entry.key}_next: 0"] if follows else [])]
                out.extend(dump_key(entry.key, value, list(entry.repaired or entry.lines), then))
            written.add(entry.key)
        else:
            continue  # a key taken out: its gap goes too
        out.extend(entry.gap)
    for key, value in front_matter.items():
        if key not in written:
            out.extend(dump_key(key, value))
    out.append(raw[-1])
    return out
