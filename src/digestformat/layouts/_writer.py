"""The writer every Markdown layout shares: each part's recorded order, each unit from the content."""

from __future__ import annotations

from collections.abc import Mapping

from pydantic import JsonValue

from .. import _frontmatter, _frontmatter_lines
from .._frontmatter_lines import load_lenient
from .._scan import Kind, leaves_open, scan
from ..errors import DigestError
from ..model import Digest, Paper, Section, SectionKind, SectionTrivia
from ._engine import (
    VERBATIM,
    Layout,
    _escape_keys,
    _pick,
    _unit_line,
    hint_line,
    reads_as_unit,
    section_heading,
    write_digest_heading,
)
from ._inline import date_span, iso_date
from .vocabulary import KINDS, equivalent

_APART = frozenset({"separator", "notice"})
_REPEATED = frozenset({"@extra", "@verbatim"})


def _merge_order(order: list[str], template: list[str], present: set[str]) -> list[str]:
    """*order* without absent units, with present units it lacks put where *template* has them."""
    out = [item for item in order if not item.startswith("@") or item[1:] in present or item in _REPEATED]
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
        if name in ("papers", "sections"):  # they take every line after them: last but the tail
            later = [
                out.index(after) for after in template[index + 1 :] if after.startswith("@") and after in out
            ]
            position = min(later, default=len(out))
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


def write(doc: Digest, layout: Layout, source: Layout | None = None, *, hint: bool = False) -> list[str]:
    """The lines of *doc* in *layout* (line endings are the caller's).

    *source* is the layout *doc* was read from (its default generation); sections
    of its native kinds become the target's equivalents. *hint* adds the layout-naming comment.
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
            conversion = None
            if source and not keep:
                level = source.generation(doc.template).section_level  # its sections' level as read
                conversion = (source, _section_mapping(source, layout), level)
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
    except _frontmatter.FrontMatterError as exc:
        mapping = load_lenient(raw[1:-1])[0] if exc.syntax else {}
        return mapping or None  # as the reader read it


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
                fields["date"] = doc.date.isoformat() + old[date_span(old) :]  # keep the time as written
            else:
                fields["date"] = doc.date.isoformat()
    if layout.sync_front_matter is not None:
        layout.sync_front_matter(doc, fields, source)
    if doc.front_matter is None and not fields and raw is None:
        return None
    mapping = dict(doc.front_matter or {})
    stays = layout.staying_keys(doc) if layout.staying_keys is not None else frozenset()
    mapping = _escape_keys(layout, mapping, fields, stays)
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
    return _frontmatter_lines.dump(merged, raw)


def _section_mapping(source: Layout | None, target: Layout) -> dict[str, SectionKind]:
    """source kind -> target kind, for the source's native kinds the target calls otherwise."""
    if source is None:
        return {}
    mapping: dict[str, SectionKind] = {}
    for kind in source.section_headings:
        if kind not in target.section_headings and kind in KINDS:
            other = equivalent(kind, target.section_headings)
            if other is not None:
                mapping[kind] = other
    return mapping


def _converted(
    section: Section, source: Layout, mapping: Mapping[str, SectionKind], level: int, target: Layout
) -> Section:
    """A section of the source's kind, under the target's equivalent kind and heading.

    Only a section headed exactly as its source layout heads that kind is
    converted, so that the way back (the same rule) gives the same section.
    """
    shift = target.section_level - level
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
    conversion: tuple[Layout, Mapping[str, SectionKind], int] | None = None,
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
            for line in extra_lines.get(index, ()):
                if fresh and reads_as_unit(layout, line):  # else the reader would take it as its own
                    out.append(VERBATIM)
                out.append(line)
        elif name == "verbatim":
            if not fresh and order[index + 1 : index + 2] == ["@extra"] and extra_lines.get(index + 1):
                out.append(VERBATIM)
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
        out.append(_pick(trivia.raw, "heading", section_heading(layout, section.kind, section.heading)))
        out.extend(trivia.lead)
    if section.body:
        out.extend(section.body.split("\n"))
    out.extend(trivia.after)
