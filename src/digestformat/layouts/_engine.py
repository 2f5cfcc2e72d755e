"""What every Markdown layout is made of, and the rules reader and writer share.

A layout is data (:class:`Layout`): the heading levels of papers and sections,
the header lines it knows (:class:`Unit`, one small read/write pair per line
kind), its section vocabulary and its default template. ``_reader`` walks the
lines once; ``_writer`` walks the recorded order of each part, writing every
unit from the content and keeping the raw spelling while it still matches.
This module holds the spec types and the few rules both sides apply.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from pydantic import JsonValue

from ..model import Digest, Paper
from ._inline import date_span, iso_date

Fields = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Unit:
    """One kind of header line: how to read it, write it, and when it must be written."""

    name: str
    read: Callable[[str], Fields | None]
    """Field values from a line, or None when the line is not this unit."""
    write: Callable[[Paper], str | None]
    """The canonical line for a paper, or None when the paper has nothing for it."""
    needed: Callable[[Paper], bool] | None = None
    """Must the line be written where the source had none? Default: it has content."""
    on_heading: bool = False
    """The line is a heading (a title echo, a wrapper): the reader finds it among the
    headings, never among the text lines."""

    def is_needed(self, paper: Paper) -> bool:
        if self.needed is not None:
            return self.needed(paper)
        return self.write(paper) is not None


@dataclass(frozen=True, slots=True)
class Layout:
    """Everything the engine needs to know about one Markdown layout."""

    name: str
    paper_level: int | None
    """Heading level of a paper ('## 1. [T](u)' is 2); None: the file is one paper."""
    section_level: int
    heading_unit: Unit | None
    """Reads and writes the paper heading's text (after the '#' marks)."""
    units: tuple[Unit, ...]
    """Header lines in canonical order."""
    tail_units: tuple[Unit, ...] = ()
    """Lines recognised after the last section (a review's closing notice)."""
    separator: bool = False
    """Papers end with a '---' line."""
    digest_heading: bool = False
    """The file opens with '# DATE title'."""
    section_headings: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    """kind -> (emoji, words) of the canonical heading."""
    paper_template: tuple[tuple[str, int], ...] = ()
    """Default order of a paper: (unit, blank lines after)."""
    front_matter_meta: bool = False
    """Title and date live in the front matter."""
    title_key: str = "title"
    """The front-matter key of the digest's title (a review's 'title' is its paper's)."""
    read_front_matter: Callable[[Digest, Paper | None], None] | None = None
    """Move front-matter keys the layout maps into paper fields (review: title, tags)."""
    sync_front_matter: Callable[[Digest, dict[str, JsonValue], dict[str, JsonValue] | None], None] | None = (
        None
    )
    """Put those paper fields back as front-matter keys: (doc, keys, source mapping)."""
    moves_key: Callable[[str, JsonValue], bool] | None = None
    """Which further front-matter entries read_front_matter moves into fields."""
    moved_keys: tuple[str, ...] = ()
    """The names of those entries' keys."""
    staying_keys: Callable[[Digest], frozenset[str]] | None = None
    """Of those keys, the ones the reader will leave in the front matter of this document when
    written (review: ``rank`` when the post's rank is a body line, which the reader takes first)."""
    template: str | None = None
    """The name of this generation of the layout, where it has several (``Digest.template``)."""
    templates: tuple[Layout, ...] = ()
    """The layout's other generations (each a whole Layout, whose own ``templates`` is empty);
    set on the default one, which is the layout's entry in LAYOUTS."""
    wrapper: str | None = None
    """A heading one level above the sections that holds them all ('## 상세 요약'), or None."""
    echoes: bool = False
    """The paper's title may be said again in the body, as a heading before the authors."""
    title_prefix: str = ""
    """What the front matter's title has before the paper's title ('[논문리뷰] ')."""
    line_units: tuple[Unit, ...] = field(init=False, default=())
    """The units of text lines, in order (those not ``on_heading``): what the reader tries."""
    unit_named: Mapping[str, Unit] = field(init=False, default_factory=dict)
    """Each unit and tail unit by name (the first of a name, as a search in that order finds)."""
    section_prefix: Mapping[str, str] = field(init=False, default_factory=dict)
    """kind -> what a canonical section heading has before its words ('### 📌 '); the key ''
    holds the prefix of a section of no (or an unknown) kind ('### ')."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "line_units", tuple(u for u in self.units if not u.on_heading))
        named: dict[str, Unit] = {}
        for unit in (*self.units, *self.tail_units):
            named.setdefault(unit.name, unit)
        object.__setattr__(self, "unit_named", MappingProxyType(named))
        marks = "#" * self.section_level
        prefix = {
            kind: f"{marks} {emoji} " if emoji else f"{marks} "
            for kind, (emoji, _) in self.section_headings.items()
        }
        prefix[""] = f"{marks} "
        object.__setattr__(self, "section_prefix", MappingProxyType(prefix))

    def generation(self, name: str | None) -> Layout:
        """The generation called *name*; this one (the default) when there is none of that name."""
        for other in self.templates:
            if other.template == name:
                return other
        return self


def read_digest_heading(text: str) -> tuple[dt.date | None, str | None]:
    """'2026-02-16 Daily Papers (Top 5)' -> (date, title)."""
    span = date_span(text)
    date = iso_date(text) if span else None
    if date is None:
        return None, text  # '' for a bare '#': kept, so the line is too
    rest = text[span:].lstrip(" \t")
    return date, rest or None


def write_digest_heading(date: dt.date | None, title: str | None) -> str:
    return "# " + " ".join(part for part in (None if date is None else date.isoformat(), title) if part)


def _is_paper_heading(text: str) -> bool:
    """'1. …' or '[Title](url)': a heading that opens a paper ('2026.02.16 …' is a date, not a rank)."""
    if text.startswith("["):
        return True  # (a date starts with a digit)
    digits = len(text) - len(text.lstrip("0123456789"))
    return 0 < digits <= 9 and text[digits : digits + 1] == "." and not date_span(text)


def _unit_line(layout: Layout, name: str, paper: Paper) -> str | None:
    if name == "heading":
        if layout.heading_unit is None or layout.paper_level is None:
            return None
        text = layout.heading_unit.write(paper)
        return None if text is None else "#" * layout.paper_level + " " + text
    if name == "separator":
        return "---"
    unit = layout.unit_named.get(name)
    return None if unit is None else unit.write(paper)


def section_heading(layout: Layout, kind: str | None, heading: str | None) -> str:
    """The canonical heading line of a section of *kind* titled *heading* ('' for no heading)."""
    if heading is None:
        return ""
    prefix = layout.section_prefix
    return prefix.get(kind or "", prefix[""]) + heading


def _pick(raw: Mapping[str, tuple[str, str]], name: str, canon: str) -> str:
    """The raw spelling while it still stands for the same content."""
    kept = raw.get(name)
    if kept is not None and kept[0] == canon:
        return kept[1]
    return canon


HINT_PREFIX = "<!-- digestformat: "
HINT_SUFFIX = " -->"


def hint_line(name: str) -> str:
    """The comment that names a file's layout where its content alone would not."""
    return f"{HINT_PREFIX}{name}{HINT_SUFFIX}"


VERBATIM = hint_line("verbatim")
"""The comment before a paper's extra line that its layout would otherwise read as one of its
own lines (a stray ``**arXiv**:`` line written into a layout that reads it): the reader takes
the next line into ``extra`` as it is, and records the comment as ``@verbatim``."""


def reads_as_unit(layout: Layout, line: str) -> bool:
    """Would *layout*'s reader take this line of a paper's header as one of its units?"""
    return line.lstrip(" \t")[:1] in ("*", "!", ">") and any(
        unit.read(line) is not None for unit in layout.line_units
    )


def read_hint(line: str) -> str | None:
    stripped = line.rstrip(" \t")
    if stripped.startswith(HINT_PREFIX) and stripped.endswith(HINT_SUFFIX):
        return stripped[len(HINT_PREFIX) : -len(HINT_SUFFIX)].strip() or None
    return None


_ESCAPE = "front_matter_"


def _moves(layout: Layout, key: str, value: JsonValue) -> bool:
    """Would the reader move this front-matter entry into a model field?"""
    if not layout.front_matter_meta:
        return False
    if key == layout.title_key and isinstance(value, str):
        return True
    if key == "date" and isinstance(value, str) and iso_date(value) is not None:
        return True
    return layout.moves_key is not None and layout.moves_key(key, value)


def _could_move(layout: Layout, name: str) -> bool:
    """Is *name* a key the reader moves (for some value), or such a key escaped?"""
    if not layout.front_matter_meta:
        return False
    if name in (layout.title_key, "date", *layout.moved_keys):
        return True
    return name.startswith(_ESCAPE) and _could_move(layout, name[len(_ESCAPE) :])


def _depth(layout: Layout, key: str) -> int:
    """How many escaping prefixes *key* carries (0 for a key the reader never unescapes)."""
    depth = 0
    while key.startswith(_ESCAPE) and _could_move(layout, key[len(_ESCAPE) :]):
        key = key[len(_ESCAPE) :]
        depth += 1
    return depth


def _as_written(
    layout: Layout,
    key: str,
    mapping: dict[str, JsonValue],
    fields: dict[str, JsonValue],
    stays: frozenset[str] = frozenset(),
) -> bool:
    """Is front-matter *key* written as it is (else as 'front_matter_KEY')?

    A key the reader would move into a field, or whose name a field is written under, is
    prefixed; so is a prefixed key whose unprefixed name could move, unless that name is
    itself a key written as it is (``front_matter_title`` beside ``title: [a, b]``): the
    reader keeps both as written then. One-to-one, the inverse of :func:`_unescape_keys`.
    """
    if _depth(layout, key) == 0:
        return key not in fields and (key in stays or not _moves(layout, key, mapping[key]))
    plain = key[len(_ESCAPE) :]
    return plain in mapping and _as_written(layout, plain, mapping, fields, stays)


def _escape_keys(
    layout: Layout,
    mapping: dict[str, JsonValue],
    fields: dict[str, JsonValue],
    stays: frozenset[str] = frozenset(),
) -> dict[str, JsonValue]:
    """Front-matter entries the reader would move, or whose key a field is written under, get the
    prefix; *stays* names keys the reader will not move in this document."""
    return {
        (key if _as_written(layout, key, mapping, fields, stays) else _ESCAPE + key): value
        for key, value in mapping.items()
    }


def _unescape_keys(layout: Layout, front_matter: dict[str, JsonValue]) -> None:
    """The inverse of :func:`_escape_keys`, in place and in order (after the moves into fields).

    Keys are named from the least prefixed up: a prefixed key loses one prefix unless the
    name it would get is already a key's (``front_matter_title`` beside ``title: [a, b]``
    stays as written), so no two keys ever meet and no value is lost.
    """
    if not any(key.startswith(_ESCAPE) for key in front_matter):
        return
    items = list(front_matter.items())
    names: dict[str, str] = {}
    taken: set[str] = set()
    for key in sorted(front_matter, key=lambda k: _depth(layout, k)):
        plain = key[len(_ESCAPE) :]
        name = plain if _depth(layout, key) and plain not in taken else key
        names[key] = name
        taken.add(name)
    front_matter.clear()
    for key, value in items:
        front_matter[names[key]] = value
