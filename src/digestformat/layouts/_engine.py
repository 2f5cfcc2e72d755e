"""The engine every Markdown layout shares: one reader and one writer, driven by a spec.

A layout is data (:class:`Layout`): the heading levels of papers and sections,
the header lines it knows (:class:`Unit`, one small read/write pair per line
kind), its section vocabulary and its default template. The reader walks the
lines once; the writer walks the recorded order of each part, writing every
unit from the content and keeping the raw spelling while it still matches.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, cast

from pydantic import JsonValue

from .. import _frontmatter
from .._scan import Kind, ScanLine, leaves_open, scan
from .._text import SourceText
from ..errors import DigestError
from ..model import (
    Digest,
    DigestTrivia,
    Paper,
    PaperTrivia,
    ParseWarning,
    Section,
    SectionKind,
    SectionTrivia,
    build,
)
from ._inline import date_span, derived_arxiv_id, iso_date, split_emoji
from .vocabulary import KINDS, equivalent, kind_of

Fields = dict[str, Any]

_PAPER_DEFAULTS: dict[str, Any] = {
    "rank": None,
    "title": "",
    "url": None,
    "arxiv_id": None,
    "upvotes": None,
    "difficulty": None,
    "reliability": None,
    "thumbnail": None,
    "notice": None,
}
"""The paper fields a reader may leave unset (the list and map fields it always sets)."""
_PAPER_FIELDS = tuple(Paper.model_fields)
_APART = frozenset({"separator", "notice"})
_UNIT_FIRST = frozenset("*!>")
"""Lines a template puts after a blank line, whatever came before them."""


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


# --------------------------------------------------------------------------- reading


class _Reader:
    def __init__(
        self,
        layout: Layout,
        src: SourceText,
        strict: bool,
        scanned: tuple[int, list[ScanLine], list[int] | None] | None = None,
    ) -> None:
        self.scanned = scanned
        self.layout = layout
        self.lines = src.lines
        self.src = src
        self.strict = strict
        self.warnings: list[ParseWarning] = []
        self.base = 0
        self.kinds: list[ScanLine] = []
        self.fields: Fields = {}
        self.headings: list[int] = []  # indices of the heading lines, in order

    def warn(self, index: int, message: str, column: int = 1) -> None:
        if self.strict:
            raise DigestError(message, index + 1, column)
        self.warnings.append(ParseWarning(line=index + 1, column=column, message=message))

    def kind(self, index: int) -> ScanLine:
        return self.kinds[index - self.base]

    def read(self) -> Digest:
        lines = self.lines
        layout = self.layout
        order: list[str] = []
        front_matter: dict[str, JsonValue] | None = None
        fm_raw: list[str] | None = None
        try:
            fm_end = _frontmatter.find(lines)
        except _frontmatter.FrontMatterError as exc:
            raise DigestError(exc.msg, 1, 1) from None
        start = 0
        if fm_end is not None:
            fm_raw = lines[: fm_end + 1]
            start = fm_end + 1
            order.append("@front_matter")
            try:
                front_matter = _frontmatter.load("\n".join(fm_raw[1:-1]))
            except _frontmatter.FrontMatterError as exc:
                self.warn(
                    exc.line,  # the block's line N is file line N + 1, index N
                    f"{exc.msg}; kept verbatim, front_matter is null",
                    exc.column,
                )
        self.base = start
        found: list[int] | None = None
        if self.scanned is not None and self.scanned[0] == start:
            self.kinds, found = self.scanned[1], self.scanned[2]  # detection scanned the same lines
        else:
            self.kinds = scan(lines, start)
        n = len(lines)
        kinds = self.kinds
        if found is None:
            found = [j for j, k in enumerate(kinds) if k.kind is Kind.HEADING]
        self.headings = [start + j for j in found] if start else found

        if layout.paper_level is None:
            # One paper: it starts after the blank lines and the layout hint, if any.
            first_line = start
            while first_line < n and (
                self.kind(first_line).kind is Kind.BLANK or read_hint(lines[first_line]) == layout.name
            ):
                first_line += 1
            # A post whose front matter names a paper (a title, tags) holds it even with no body.
            names_paper = front_matter is not None and any(
                layout.moves_key is not None and layout.moves_key(key, front_matter[key])
                for key in ("title", "tags")
                if key in front_matter
            )
            starts = [first_line] if first_line < n or names_paper else []
        else:
            starts = [
                i
                for i in self.headings
                if self.kind(i).level == layout.paper_level and _is_paper_heading(self.kind(i).text)
            ]

        first = starts[0] if starts else n
        title: str | None = None
        date: str | None = None
        digest_raw: dict[str, tuple[str, str]] = {}
        extra: list[str] = []
        in_extra = False
        for i in range(start, first):
            line = lines[i]
            k = self.kind(i)
            if k.kind is Kind.BLANK:
                order.append(line)
                in_extra = False
                continue
            if k.kind is Kind.HTML and "@hint" not in order and read_hint(line) == layout.name:
                canon = hint_line(layout.name)
                if canon != line:
                    digest_raw["hint"] = (canon, line)
                order.append("@hint")
                in_extra = False
                continue
            if layout.digest_heading and k.kind is Kind.HEADING and k.level == 1 and "@heading" not in order:
                date, title = read_digest_heading(k.text)
                canon = write_digest_heading(date, title)
                if canon != line:
                    digest_raw["heading"] = (canon, line)
                order.append("@heading")
                in_extra = False
                continue
            if k.kind is Kind.HTML:
                in_extra = False  # a comment is understood; text after it is reported on its own
            elif not in_extra:
                self.warn(i, "text before the first paper that the layout does not define: kept verbatim")
                in_extra = True
            order.append("@extra")
            extra.append(line)

        papers: list[Paper] = []
        for number, s in enumerate(starts):
            e = starts[number + 1] if number + 1 < len(starts) else n
            papers.append(self.read_paper(s, e))
        if papers:
            order.append("@papers")

        trivia = build(
            DigestTrivia,
            {
                "bom": self.src.bom,
                "newline": self.src.newline,
                "newline_exceptions": self.src.newline_exceptions,
                "final_newline": self.src.final_newline,
                "front_matter_raw": fm_raw,
                "order": order,
                "raw": digest_raw,
            },
        )
        doc = build(
            Digest,
            {
                "schema_version": 1,
                "layout": layout.name,
                "date": date,
                "title": title,
                "front_matter": front_matter,
                "extra": extra,
                "papers": papers,
                "warnings": self.warnings,
                "trivia": trivia,
            },
        )
        if layout.front_matter_meta and front_matter is not None:
            # Each fact lives in one place: title and date move to their own fields.
            fm_title = front_matter.get(layout.title_key)
            if isinstance(fm_title, str):
                doc.title = fm_title
                del front_matter[layout.title_key]
            fm_date = front_matter.get("date")
            if isinstance(fm_date, str) and iso_date(fm_date) is not None:
                doc.date = iso_date(fm_date)
                del front_matter["date"]
        if layout.read_front_matter is not None:
            layout.read_front_matter(doc, papers[0] if papers else None)
        if front_matter is not None:
            _unescape_keys(layout, front_matter)
            if layout.front_matter_meta and not front_matter:
                doc.front_matter = None  # the block held only what the model's fields hold
        return doc

    def read_paper(self, s: int, e: int) -> Paper:
        layout = self.layout
        lines = self.lines
        fields: Fields = {"title": "", "links": {}, "extra": [], "tags": [], "authors": []}
        self.fields = fields
        order: list[str] = []
        seen: dict[str, str] = {}  # unit -> raw line
        h = s
        if layout.paper_level is not None and layout.heading_unit is not None:
            values = layout.heading_unit.read(self.kind(s).text)
            if values is None:  # cannot happen: _is_paper_heading accepted it
                values = {"title": self.kind(s).text}
            _merge(fields, values)
            seen["heading"] = lines[s]
            order.append("@heading")
            h = s + 1

        # Where the paper's content ends: a trailing separator, then a trailing notice.
        end = e
        tail: list[str] = []
        if layout.separator:
            j = e - 1
            while j >= h and self.kind(j).kind is Kind.BLANK:
                j -= 1
            if j >= h and self.kind(j).kind is Kind.BREAK:
                tail = ["@separator", *lines[j + 1 : e]]
                seen["separator"] = lines[j]
                end = j
        if layout.tail_units:
            j = end - 1
            while j >= h and self.kind(j).kind is Kind.BLANK:
                j -= 1
            if j >= h and self.kind(j).kind is Kind.TEXT and (j == h or self.kind(j - 1).kind is Kind.BLANK):
                for unit in layout.tail_units:
                    values = unit.read(lines[j])
                    if values is not None:
                        _merge(fields, values)
                        seen[unit.name] = lines[j]
                        tail = ["@" + unit.name, *lines[j + 1 : end], *tail]
                        end = j
                        break

        headings = self.headings
        section_starts = [
            i
            for i in headings[bisect.bisect_left(headings, h) : bisect.bisect_left(headings, end)]
            if self.kind(i).level <= layout.section_level
        ]
        header_end = section_starts[0] if section_starts else end
        in_extra = False
        for i in range(h, header_end):
            line = lines[i]
            k = self.kind(i)
            if k.kind is Kind.BLANK:
                order.append(line)
                in_extra = False
                continue
            name = self.match_unit(line, seen) if k.kind is Kind.TEXT else None
            if name is not None:
                order.append("@" + name)
                in_extra = False
                continue
            if k.kind is Kind.HTML:
                in_extra = False  # a comment is understood; text after it is reported on its own
            elif not in_extra:
                self.warn(i, "a line the layout does not define: kept verbatim in the paper's 'extra'")
                in_extra = True
            order.append("@extra")
            fields["extra"].append(line)
        sections: list[Section] = []
        for number, k0 in enumerate(section_starts):
            k1 = section_starts[number + 1] if number + 1 < len(section_starts) else end
            sections.append(self.read_section(k0, k1))
        if sections:
            order.append("@sections")
        order.extend(tail)
        fields["sections"] = sections
        if "arxiv_id" not in fields:
            fields["arxiv_id"] = derived_arxiv_id(fields.get("url"), fields["links"])

        raw: dict[str, tuple[str, str]] = {}
        trivia = build(PaperTrivia, {"order": order, "raw": raw})
        values = {**_PAPER_DEFAULTS, **fields, "trivia": trivia}  # the readers' values are valid
        paper = build(Paper, {name: values[name] for name in _PAPER_FIELDS})
        for name, line in seen.items():
            canon = _unit_line(self.layout, name, paper)
            if canon != line:
                raw[name] = (canon or "", line)
        return paper

    def match_unit(self, line: str, seen: dict[str, str]) -> str | None:
        """The name of the header unit *line* is (its fields merged), or None."""
        if line.lstrip(" \t")[:1] not in _UNIT_FIRST:
            return None  # every unit line opens with '**', '![' or '>'
        for unit in self.layout.units:
            if unit.name in seen:
                continue
            values = unit.read(line)
            if values is not None:
                _merge(self.fields, values)
                seen[unit.name] = line
                return unit.name
        return None

    def read_section(self, k0: int, k1: int) -> Section:
        lines = self.lines
        head = self.kind(k0)
        _emoji, words = split_emoji(head.text)
        kind = kind_of(words)
        if kind is None and head.level == 1 and self.layout.digest_heading and date_span(head.text):
            self.warn(
                k0,
                f"a second digest heading {head.text!r}: two digests in one file? kept as a section "
                "with kind null (split the file to read them apart)",
            )
        elif kind is None:
            self.warn(k0, f"unknown section heading {words!r}: kept as a section with kind null")
        a = k0 + 1
        while a < k1 and not lines[a].strip(" \t"):
            a += 1
        b = k1
        while b > a and not lines[b - 1].strip(" \t"):
            b -= 1
        trivia = build(SectionTrivia, {"lead": lines[k0 + 1 : a], "after": lines[b:k1], "raw": {}})
        section = build(
            Section, {"kind": kind, "heading": words, "body": "\n".join(lines[a:b]), "trivia": trivia}
        )
        canon = _section_heading(self.layout, section)
        if canon != lines[k0]:
            section.trivia.raw["heading"] = (canon, lines[k0])
        return section


def _merge(fields: Fields, values: Fields) -> None:
    for key, value in values.items():
        if key == "links":
            fields["links"].update(value)
        else:
            fields[key] = value


def read_digest_heading(text: str) -> tuple[str | None, str | None]:
    """'2026-02-16 Daily Papers (Top 5)' -> (date, title)."""
    span = date_span(text)
    date = iso_date(text) if span else None
    if date is None:
        return None, text  # '' for a bare '#': kept, so the line is too
    rest = text[span:].lstrip(" \t")
    return date, rest or None


def write_digest_heading(date: str | None, title: str | None) -> str:
    return "# " + " ".join(part for part in (date, title) if part)


def _is_paper_heading(text: str) -> bool:
    """'1. …' or '[Title](url)': a heading that opens a paper ('2026.02.16 …' is a date, not a rank)."""
    if date_span(text):
        return False
    digits = len(text) - len(text.lstrip("0123456789"))
    if 0 < digits <= 9 and text[digits : digits + 1] == ".":
        return True
    return text.startswith("[")


# --------------------------------------------------------------------------- writing


def _unit_line(layout: Layout, name: str, paper: Paper) -> str | None:
    if name == "heading":
        if layout.heading_unit is None or layout.paper_level is None:
            return None
        text = layout.heading_unit.write(paper)
        return None if text is None else "#" * layout.paper_level + " " + text
    if name == "separator":
        return "---"
    for unit in (*layout.units, *layout.tail_units):
        if unit.name == name:
            return unit.write(paper)
    return None


def _section_heading(layout: Layout, section: Section) -> str:
    marks = "#" * layout.section_level
    if section.heading is None:
        return ""
    emoji = layout.section_headings.get(section.kind or "", ("", ""))[0]
    return f"{marks} {emoji} {section.heading}" if emoji else f"{marks} {section.heading}"


def _pick(raw: Mapping[str, tuple[str, str]], name: str, canon: str) -> str:
    """The raw spelling while it still stands for the same content."""
    kept = raw.get(name)
    if kept is not None and kept[0] == canon:
        return kept[1]
    return canon


def _merge_order(order: list[str], template: list[str], present: set[str]) -> list[str]:
    """*order* without absent units, with present units it lacks put where *template* has them."""
    out = [item for item in order if not item.startswith("@") or item[1:] in present or item == "@extra"]
    have = {item[1:] for item in out if item.startswith("@")}
    for index, item in enumerate(template):
        name = item[1:]
        if not item.startswith("@") or name in have or name not in present:
            continue
        position = 0
        for before in reversed(template[:index]):
            if before.startswith("@") and before in out:
                position = len(out) - out[::-1].index(before)
                break
        if position and out[position - 1].startswith("@") and out[position - 1] != "@heading":
            # Not straight under another line: a '**Upvotes**:' under '> [Alphaxiv](…)' would be
            # read by CommonMark as the quote's lazy continuation.
            out[position:position] = ["", item]
        else:
            out.insert(position, item)
        have.add(name)
    return out


def _place_extras(
    order: list[str], extras: list[str], *, before: str, blank_after: bool
) -> dict[int, list[str]]:
    """Which extra lines each '@extra' item of *order* writes (index -> lines).

    The source's '@extra' items take the lines one each, the last of them any
    left over; with none in *order*, one is put before *before* (in place).
    """
    if extras and "@extra" not in order:
        at = order.index(before) if before in order else len(order)
        order[at:at] = ["@extra", ""] if blank_after else ["@extra"]
    slots = [index for index, item in enumerate(order) if item == "@extra"]
    placed: dict[int, list[str]] = {}
    for number, index in enumerate(slots):
        last = number == len(slots) - 1
        lines = extras[number:] if last else extras[number : number + 1]
        if lines:
            placed[index] = lines
    return placed


def _template(pairs: tuple[tuple[str, int], ...]) -> list[str]:
    out: list[str] = []
    for unit, blanks in pairs:
        out.append("@" + unit)
        out.extend([""] * blanks)
    return out


def _drop_orphan_blanks(items: list[str], present: set[str]) -> list[str]:
    """For a template: leave out the blank lines that follow a unit that is left out."""
    out: list[str] = []
    skipping = False
    for item in items:
        if item.startswith("@"):
            skipping = item[1:] not in present
            if not skipping:
                out.append(item)
        elif not skipping:
            out.append(item)
    return out


HINT_PREFIX = "<!-- digestformat: "
HINT_SUFFIX = " -->"


def hint_line(name: str) -> str:
    """The comment that names a file's layout where its content alone would not."""
    return f"{HINT_PREFIX}{name}{HINT_SUFFIX}"


def read_hint(line: str) -> str | None:
    stripped = line.rstrip(" \t")
    if stripped.startswith(HINT_PREFIX) and stripped.endswith(HINT_SUFFIX):
        return stripped[len(HINT_PREFIX) : -len(HINT_SUFFIX)].strip() or None
    return None


def write(doc: Digest, layout: Layout, source: Layout | None = None, *, hint: bool = False) -> list[str]:
    """The lines of *doc* in *layout* (line endings are the caller's).

    *source* is the layout *doc* was read from; sections of its native kinds
    become the target's equivalents. *hint* adds the layout-naming comment.
    """
    keep = doc.layout == layout.name
    out: list[str] = []
    trivia = doc.trivia

    fm_lines = _front_matter_lines(doc, layout, trivia.front_matter_raw if keep else None)

    present: set[str] = set()
    if fm_lines is not None:
        present.add("front_matter")
    heading_line: str | None = None
    if layout.digest_heading and (doc.date is not None or doc.title is not None):
        heading_line = _pick(trivia.raw if keep else {}, "heading", write_digest_heading(doc.date, doc.title))
        present.add("heading")
    if doc.papers:
        present.add("papers")
    if hint or (keep and "@hint" in (trivia.order or ())):
        present.add("hint")
    template = ["@front_matter", "@hint", "@heading", "", "@papers"]
    if keep and trivia.order is not None:
        order = _merge_order(trivia.order, template, present)
    else:
        order = _drop_orphan_blanks(template, present)
    # a post has no place before its paper: the layout's front matter holds its extra lines
    extras = [] if layout.paper_level is None else doc.extra
    extra_lines = _place_extras(order, extras, before="@papers", blank_after=True)
    for index, item in enumerate(order):
        if item == "@front_matter" and fm_lines is not None:
            out.extend(fm_lines)
        elif item == "@heading" and heading_line is not None:
            out.append(heading_line)
        elif item == "@hint" and "hint" in present:
            out.append(_pick(trivia.raw if keep else {}, "hint", hint_line(layout.name)))
        elif item == "@extra":
            out.extend(extra_lines.get(index, ()))
        elif item == "@papers":
            if layout.paper_level is None and len(doc.papers) > 1:
                raise DigestError(
                    f"a {layout.name} post holds one paper, this digest has {len(doc.papers)}: "
                    "expected a single-paper digest (split() it, or convert with -o DIR/ "
                    "for one post per paper)"
                )
            conversion = (source, _section_mapping(source, layout)) if source and not keep else None
            for paper in doc.papers:
                _write_paper(out, paper, layout, keep, conversion)
        elif not item.startswith("@"):
            out.append(item)
    return out


def _raw_mapping(raw: list[str] | None) -> dict[str, JsonValue] | None:
    if raw is None:
        return None
    try:
        return _frontmatter.load("\n".join(raw[1:-1]))
    except _frontmatter.FrontMatterError:
        return None


def _front_matter_lines(doc: Digest, layout: Layout, raw: list[str] | None) -> list[str] | None:
    """The front-matter block: the mapping, with the keys the model holds in fields put back."""
    source = _raw_mapping(raw)
    if doc.front_matter is None and source is None and raw is not None:
        return list(raw)  # unreadable front matter, kept verbatim
    fields: dict[str, JsonValue] = {}
    if layout.front_matter_meta:
        if doc.title is not None:
            fields[layout.title_key] = doc.title
        if doc.date is not None:
            old = (source or {}).get("date")
            if isinstance(old, str) and iso_date(old) == doc.date:
                fields["date"] = old  # as written, time and all
            elif isinstance(old, str) and iso_date(old) is not None:
                fields["date"] = doc.date + old[date_span(old) :]  # keep the time as written
            else:
                fields["date"] = doc.date
    if layout.sync_front_matter is not None:
        layout.sync_front_matter(doc, fields, source)
    if doc.front_matter is None and not fields and raw is None:
        return None
    mapping = dict(doc.front_matter or {})
    mapping = _escape_keys(layout, mapping, fields)
    merged: dict[str, JsonValue] = {}
    for key in source or {}:
        if key in mapping:
            merged[key] = mapping.pop(key)
        elif key in fields:
            merged[key] = fields.pop(key)
    if not source:
        merged.update(fields)
        fields = {}
    merged.update(mapping)
    merged.update(fields)
    return _frontmatter.dump(merged, raw)


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


def _escaped(layout: Layout, key: str, value: JsonValue) -> bool:
    """Must *key* be written as 'front_matter_KEY' so the reader keeps it in front_matter?

    A key the reader would move is escaped; so is an already-prefixed key whose
    unprefixed name could move, whatever its value, which keeps the mapping
    one-to-one (``title`` and ``front_matter_title`` never meet).
    """
    if _moves(layout, key, value):
        return True
    return key.startswith(_ESCAPE) and _could_move(layout, key[len(_ESCAPE) :])


def _escape_keys(
    layout: Layout, mapping: dict[str, JsonValue], fields: dict[str, JsonValue]
) -> dict[str, JsonValue]:
    """Front-matter entries the reader would move, or whose key a field is written under, get the prefix."""
    return {
        (_ESCAPE + key if key in fields or _escaped(layout, key, value) else key): value
        for key, value in mapping.items()
    }


def _unescape_keys(layout: Layout, front_matter: dict[str, JsonValue]) -> None:
    """The inverse of _escape_keys, in place and in order."""
    if not any(key.startswith(_ESCAPE) for key in front_matter):
        return
    items = list(front_matter.items())
    front_matter.clear()
    for key, value in items:
        plain = key[len(_ESCAPE) :]
        front_matter[plain if key.startswith(_ESCAPE) and _could_move(layout, plain) else key] = value


def _section_mapping(source: Layout | None, target: Layout) -> dict[str, SectionKind]:
    """source kind -> target kind, for the source's native kinds the target calls otherwise."""
    if source is None:
        return {}
    mapping: dict[str, SectionKind] = {}
    for kind in source.section_headings:
        if kind not in target.section_headings and kind in KINDS:
            other = equivalent(cast(SectionKind, kind), target.section_headings)
            if other is not None:
                mapping[kind] = other
    return mapping


def _converted(
    section: Section, source: Layout, mapping: Mapping[str, SectionKind], target: Layout
) -> Section:
    """A section of the source's kind, under the target's equivalent kind and heading.

    Only a section headed exactly as its source layout heads that kind is
    converted, so that the way back (the same rule) gives the same section.
    """
    shift = target.section_level - source.section_level
    if shift:
        section = section.model_copy(update={"body": shift_headings(section.body, shift)})
    kind = section.kind
    if kind is None or kind not in mapping or section.heading != source.section_headings[kind][1]:
        return section
    other = mapping[kind]
    return Section(kind=other, heading=target.section_headings[other][1], body=section.body)


def shift_headings(body: str, by: int) -> str:
    """*body* with every ATX heading outside code moved *by* levels (kept where that leaves 1..6).

    Converting between layouts whose sections sit at different levels moves
    the headings inside section bodies along, so that they stay below the
    section and the way back moves them home.
    """
    if by == 0 or "#" not in body:
        return body
    lines = body.split("\n")
    for index, k in enumerate(scan(lines)):
        if k.kind is not Kind.HEADING or not 1 <= k.level + by <= 6:
            continue
        line = lines[index]
        at = line.index("#")
        lines[index] = line[:at] + "#" * (k.level + by) + line[at + k.level :]
    return "\n".join(lines)


def _write_paper(
    out: list[str],
    paper: Paper,
    layout: Layout,
    keep: bool,
    conversion: tuple[Layout, Mapping[str, SectionKind]] | None = None,
) -> None:
    trivia = paper.trivia
    raw = trivia.raw if keep else {}
    lines: dict[str, str] = {}
    names = ["heading", *(u.name for u in layout.units), *(u.name for u in layout.tail_units)]
    for name in names:
        canon = _unit_line(layout, name, paper)
        if canon is not None:
            lines[name] = _pick(raw, name, canon)
    if layout.separator:
        lines["separator"] = _pick(raw, "separator", "---")
    present = set(lines)
    if paper.extra:
        present.add("extra")
    if paper.sections:
        present.add("sections")
    template = _template(layout.paper_template)
    if keep and trivia.order is not None:
        # A unit absent from the source is written only when its content is needed.
        source = set(trivia.order)
        wanted = {
            name
            for name in present
            if f"@{name}" in source or name in ("sections", "extra") or _needed(layout, name, paper)
        }
        order = _merge_order(trivia.order, template, wanted)
    else:
        always = ("sections", "extra", "separator", "heading")
        wanted = {name for name in present if name in always or _needed(layout, name, paper)}
        order = _drop_orphan_blanks(template, wanted)
    extra_lines = _place_extras(order, paper.extra, before="@sections", blank_after=False)
    swallowed = False  # the last section left a code fence open: nothing after it would be read
    fresh = not keep or trivia.order is None  # laid out by the template, not by a source
    for index, item in enumerate(order):
        if swallowed:
            break
        if not item.startswith("@"):
            out.append(item)
            continue
        name = item[1:]
        if name == "extra":
            out.extend(extra_lines.get(index, ()))
        elif name == "sections":
            if fresh and paper.sections and out and out[-1].strip(" \t"):
                out.append("")
            for section in paper.sections:
                shown = section if conversion is None else _converted(section, *conversion, layout)
                _write_section(out, shown, layout, keep)
            last = paper.sections[-1] if paper.sections else None
            swallowed = not keep and last is not None and leaves_open(last.body.split("\n"))
        elif name in lines and name in wanted:
            if fresh and name in _APART and out and out[-1].strip(" \t"):
                # '---' under a text line would be a setext underline; a notice must stand apart
                out.append("")
            out.append(lines[name])


def _needed(layout: Layout, name: str, paper: Paper) -> bool:
    for unit in (*layout.units, *layout.tail_units):
        if unit.name == name:
            return unit.is_needed(paper)
    return name == "heading"


def _write_section(out: list[str], section: Section, layout: Layout, keep: bool) -> None:
    trivia = section.trivia if keep else SectionTrivia()
    if section.heading is not None:
        out.append(_pick(trivia.raw, "heading", _section_heading(layout, section)))
        out.extend(trivia.lead)
    if section.body:
        out.extend(section.body.split("\n"))
    out.extend(trivia.after)
