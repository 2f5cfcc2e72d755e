"""The reader every Markdown layout shares: one linear walk over the lines, driven by a Layout."""

from __future__ import annotations

import bisect
import datetime as dt
from typing import TYPE_CHECKING, Any

from pydantic import JsonValue

from .. import _frontmatter
from .._frontmatter_lines import load_lenient
from .._scan import Kind, ScanLine, scan

if TYPE_CHECKING:
    from .._detect import Scanned
from .._text import SourceText
from ..errors import DigestError
from ..model import (
    Digest,
    DigestTrivia,
    Paper,
    PaperTrivia,
    ParseWarning,
    Section,
    SectionTrivia,
    build,
    put,
)
from ._engine import (
    VERBATIM,
    Fields,
    Layout,
    _is_paper_heading,
    _unescape_keys,
    _unit_line,
    hint_line,
    read_digest_heading,
    read_hint,
    section_heading,
    write_digest_heading,
)
from ._inline import date_span, derived_arxiv_id, iso_date, split_emoji
from .vocabulary import DEFAULT, Vocabulary

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
_PAPER_VALUES: dict[str, Any] = {name: _PAPER_DEFAULTS.get(name) for name in Paper.model_fields}
"""Every paper field, in the model's order, with its default: the reader's fields update a copy."""
_UNIT_FIRST = frozenset("*!>")
_HEADER_NAMES = frozenset({"link", "authors", "keywords", "title_echo"})
"""The lines that show a heading above them is the paper's title said again."""
_BEFORE_SECTIONS = frozenset({"authors", "keywords"})
"""The lines a title echo comes before (sections come after them)."""


class _Reader:
    def __init__(
        self,
        layout: Layout,
        src: SourceText,
        strict: bool,
        scanned: Scanned | None = None,
        vocabulary: Vocabulary = DEFAULT,
    ) -> None:
        self.scanned = scanned
        self.kind_of = vocabulary.kind_of
        self.title: str | None = None  # the paper title the front matter gives, for a title echo
        self.echo: tuple[int, str] | None = None  # (line, text) of a title echo
        self.fm_line = 0  # the index of the front matter's opening fence
        self.echo_lines: dict[str, str] = {}  # echo unit -> its line as written
        self.named: dict[int, tuple[str, str | None]] = {}  # heading line -> (words, kind)
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
        scanned = self.scanned
        if scanned is not None:
            block = scanned.block
        else:
            try:
                block = _frontmatter.find(lines)
            except _frontmatter.FrontMatterError as exc:
                raise DigestError(exc.msg, 1, 1) from None
        start = 0
        if block is not None:
            fm_start, fm_end = block
            self.fm_line = fm_start
            if _frontmatter.misplaced(lines, block):
                order.extend(lines[:fm_start])
                where = (
                    f"after {fm_start} blank line{'s' if fm_start > 1 else ''}"
                    if fm_start
                    else "with an indented '---'"
                )
                self.warn(
                    fm_start,
                    f"front matter {where}: Jekyll reads none of it (expected '---' at the start of "
                    "the first line); read anyway",
                )
            fm_raw = lines[fm_start : fm_end + 1]
            start = fm_end + 1
            order.append("@front_matter")
            front_matter = self.read_front_matter(fm_raw, fm_start)
        self.base = start
        found: list[int] | None = None
        paper_like: set[int] | None = None
        if scanned is not None and scanned.start == start:
            # detection scanned the same lines, and read their headings
            self.kinds, found, self.named, paper_like = (
                scanned.kinds,
                scanned.headings,
                scanned.named,
                scanned.paper_like,
            )
        else:
            self.kinds = scan(lines, start)
        n = len(lines)
        kinds = self.kinds
        if found is None:
            found = [j for j, k in enumerate(kinds) if k.kind is Kind.HEADING]
        self.headings = [start + j for j in found] if start else found

        if layout.templates:
            layout = self.layout = self.generation(layout)
        if layout.echoes and front_matter is not None:
            fm_title = front_matter.get("title")
            if isinstance(fm_title, str):
                self.title = fm_title.removeprefix(layout.title_prefix)
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
                for key in ("title", "tags", "rank", "upvotes", "difficulty", "reliability")
                if key in front_matter
            )
            starts = [first_line] if first_line < n or names_paper else []
        else:
            level = layout.paper_level
            starts = [
                i
                for i in self.headings
                if kinds[i - start].level == level
                and (i in paper_like if paper_like is not None else _is_paper_heading(kinds[i - start].text))
            ]

        first = starts[0] if starts else n
        title: str | None = None
        date: dt.date | None = None
        digest_raw: dict[str, tuple[str, str]] = {}
        extra: list[str] = []
        in_extra = False
        base = self.base
        for i in range(start, first):
            line = lines[i]
            k = kinds[i - base]
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
                "title_in_body": False,
                "order": order,
                "raw": digest_raw,
            },
        )
        doc = build(
            Digest,
            {
                "schema_version": 1,
                "layout": layout.name,
                "template": layout.template,
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
                put(doc, "title", fm_title)
                del front_matter[layout.title_key]
            fm_date = front_matter.get("date")
            if isinstance(fm_date, str) and iso_date(fm_date) is not None:
                put(doc, "date", iso_date(fm_date))
                del front_matter["date"]
        if layout.read_front_matter is not None:
            layout.read_front_matter(doc, papers[0] if papers else None)
        if layout.echoes and papers:
            if not papers[0].title:
                self.title_from_body(doc, papers[0], front_matter)
            self.respell_echoes(papers[0])
        if front_matter is not None:
            _unescape_keys(layout, front_matter)
            if layout.front_matter_meta and not front_matter:
                put(doc, "front_matter", None)  # the block held only what the model's fields hold
        return doc

    def respell_echoes(self, paper: Paper) -> None:
        """The raw spellings of the title's echoes, against the title as finally read (the
        front matter's, moved into the paper after the paper was read)."""
        raw = paper.trivia.raw
        for name, line in self.echo_lines.items():
            canon = _unit_line(self.layout, name, paper)
            if canon == line:
                raw.pop(name, None)
            else:
                raw[name] = (canon or "", line)

    def title_from_body(self, doc: Digest, paper: Paper, front_matter: dict[str, JsonValue] | None) -> None:
        """A post whose front matter gives no title: its title echo, or its excerpt, gives it."""
        excerpt = (front_matter or {}).get("excerpt")
        if self.echo is not None:
            line, paper.title, source = self.echo[0], self.echo[1], "its title echo"
        elif isinstance(excerpt, str) and _quoted_title(excerpt):
            line, paper.title, source = self.fm_line, _quoted_title(excerpt), "the excerpt"
        else:
            return
        doc.trivia.title_in_body = True
        self.warn(line, f"the front matter has no title: read from {source} (Jekyll shows the page untitled)")

    def read_front_matter(self, fm_raw: list[str], fm_start: int) -> dict[str, JsonValue] | None:
        """The block's mapping; where YAML's grammar rejects it, what a line-by-line reading
        recovers (each repair and each unread entry a warning at its line); else None."""
        body = fm_raw[1:-1]
        try:
            return _frontmatter.load("\n".join(body))
        except _frontmatter.FrontMatterError as exc:
            mapping, problems = load_lenient(body) if exc.syntax else ({}, [])
            if not mapping:
                # the block's line N is file line fm_start + N + 1, index fm_start + N
                self.warn(fm_start + exc.line, f"{exc.msg}; kept verbatim, front_matter is null", exc.column)
                return None
            if not problems:
                self.warn(fm_start + exc.line, f"{exc.msg}; kept verbatim, read line by line", exc.column)
            for problem in problems:
                self.warn(fm_start + 1 + problem.line, f"front matter: {problem.message}", problem.column)
            return mapping

    def read_paper(self, s: int, e: int) -> Paper:
        layout = self.layout
        lines = self.lines
        kinds, base = self.kinds, self.base  # kinds[i - base] is self.kind(i), inlined: the hot loop
        fields: Fields = {"title": "", "links": {}, "extra": [], "tags": [], "authors": [], "keywords": []}
        self.fields = fields
        order: list[str] = []
        seen: dict[str, str] = {}  # unit -> raw line
        h = s
        if layout.paper_level is not None and layout.heading_unit is not None:
            values = layout.heading_unit.read(kinds[s - base].text)
            if values is None:  # cannot happen: _is_paper_heading accepted it
                values = {"title": kinds[s - base].text}
            _merge(fields, values)
            seen["heading"] = lines[s]
            order.append("@heading")
            h = s + 1

        # Where the paper's content ends: a trailing separator, then a trailing notice.
        end = e
        tail: list[str] = []
        if layout.separator:
            j = e - 1
            while j >= h and kinds[j - base].kind is Kind.BLANK:
                j -= 1
            if j >= h and kinds[j - base].kind is Kind.BREAK:
                tail = ["@separator", *lines[j + 1 : e]]
                seen["separator"] = lines[j]
                end = j
        if layout.tail_units:
            j = end - 1
            while j >= h and kinds[j - base].kind is Kind.BLANK:
                j -= 1
            if (
                j >= h
                and kinds[j - base].kind is Kind.TEXT
                and (j == h or kinds[j - 1 - base].kind is Kind.BLANK)
            ):
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
            if kinds[i - base].level <= layout.section_level
        ]
        held = self.header_headings(h, section_starts, end) if layout.echoes or layout.wrapper else {}
        if held:
            section_starts = section_starts[len(held) :]
        header_end = section_starts[0] if section_starts else end
        in_extra = False
        verbatim = False  # the line after VERBATIM is extra, whatever it looks like
        for i in range(h, header_end):
            line = lines[i]
            k = kinds[i - base]
            if k.kind is Kind.BLANK:
                order.append(line)
                in_extra = False
                continue
            if held and i in held:
                order.append("@" + held[i])
                seen[held[i]] = line
                if held[i] != "wrapper":
                    self.echo_lines[held[i]] = line
                in_extra = False
                continue
            if verbatim:
                verbatim = False
                name = None
            elif line == VERBATIM and i + 1 < header_end and kinds[i + 1 - base].kind is Kind.TEXT:
                order.append("@verbatim")
                verbatim = True
                continue
            else:
                name = self.match_unit(line, seen) if k.kind is Kind.TEXT else None
            if name == "title_echo":
                self.note_echo(i, fields.pop("title_echo"))
                self.echo_lines[name] = line
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
        values = _PAPER_VALUES.copy()  # in the model's order, which an update keeps
        values.update(fields)  # the readers' values are valid
        values["trivia"] = trivia
        paper = build(Paper, values)
        for name, line in seen.items():
            canon = _unit_line(self.layout, name, paper)
            if canon != line:
                raw[name] = (canon or "", line)
        return paper

    def words_kind(self, i: int) -> tuple[str, str | None]:
        """Heading *i*'s words (without a leading emoji) and the kind they name, found once."""
        found = self.named.get(i)
        if found is None:
            words = split_emoji(self.kind(i).text)[1]
            found = self.named[i] = (words, self.kind_of(words))
        return found

    def generation(self, layout: Layout) -> Layout:
        """The generation of *layout* whose sections the file's headings name best: the most
        headings of its kinds at its section level, then the most in its exact words; one with
        a wrapper heading only where the file has it. Ties go to the default."""
        found = [(self.kind(i).level, *self.words_kind(i)) for i in self.headings]
        best, best_score = layout, (0, 0)
        for candidate in (layout, *layout.templates):
            level = candidate.section_level
            if candidate.wrapper is not None and not any(
                at == level - 1 and words == candidate.wrapper for at, words, _kind in found
            ):
                continue
            names = candidate.section_headings
            kinds = exact = 0
            for at, words, kind in found:
                if at == level and kind is not None and kind in names:
                    kinds += 1
                    exact += names[kind][1] == words
            if (kinds, exact) > best_score:
                best, best_score = candidate, (kinds, exact)
        return best

    def header_headings(self, h: int, starts: list[int], end: int) -> dict[int, str]:
        """The leading section headings that are header lines: a title echo, the wrapper."""
        layout = self.layout
        held: dict[int, str] = {}
        if not layout.echoes and layout.wrapper is None:
            return held
        for number, i in enumerate(starts):
            k = self.kind(i)
            words = self.words_kind(i)[0]
            if layout.wrapper is not None and k.level == layout.section_level - 1 and words == layout.wrapper:
                held[i] = "wrapper"
                break
            nxt = starts[number + 1] if number + 1 < len(starts) else end
            if number or not layout.echoes or k.level > 2 or not self.is_echo(h, i, nxt):
                break
            held[i] = f"echo_h{k.level}"
        return held

    def is_echo(self, h: int, i: int, end: int) -> bool:
        """Is heading *i* (the paper's first, its lines starting at *h*) the paper's title said
        again? Its words name no section, the authors, keywords or link line follows it, and
        no authors or keywords line comes before it (a section comes after those)."""
        if self.words_kind(i)[1] is not None or not self.kind(i).text.strip(" \t"):
            return False  # a section's heading, or an empty one ('#' alone echoes no title)
        lines = self.lines
        if any(
            self.kind(j).kind is Kind.TEXT and self._opens_header(lines[j], _BEFORE_SECTIONS)
            for j in range(h, i)
        ):
            return False
        j = i + 1
        while j < end and self.kind(j).kind is Kind.BLANK:
            j += 1
        if not (j < end and self.kind(j).kind is Kind.TEXT and self._opens_header(lines[j], _HEADER_NAMES)):
            return False
        self.note_echo(i, self.kind(i).text)
        return True

    def _opens_header(self, line: str, names: frozenset[str]) -> bool:
        return any(u.read(line) is not None for u in self.layout.line_units if u.name in names)

    def note_echo(self, i: int, text: str) -> None:
        """Remember the title echo; warn where it says another title than the front matter."""
        self.echo = (i, text)
        if self.title is not None and not _same_title(text, self.title):
            self.warn(
                i,
                f"the title echo {text!r} differs from the front matter's title {self.title!r}: "
                "kept as written (an edit of the title rewrites it)",
            )

    def match_unit(self, line: str, seen: dict[str, str]) -> str | None:
        """The name of the header unit *line* is (its fields merged), or None."""
        if line.lstrip(" \t")[:1] not in _UNIT_FIRST:
            return None  # every unit line opens with '**', '![' or '>'
        for unit in self.layout.line_units:
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
        named = self.named.get(k0)  # found by detection, generation() or an echo test
        if named is None:
            words, kind = self.words_kind(k0)
        else:
            words, kind = named
        if kind is None:
            self.unknown_section(k0, words)
        a = k0 + 1
        while a < k1 and not lines[a].strip(" \t"):
            a += 1
        b = k1
        while b > a and not lines[b - 1].strip(" \t"):
            b -= 1
        line = lines[k0]
        canon = section_heading(self.layout, kind, words)
        raw = {} if canon == line else {"heading": (canon, line)}
        trivia = build(SectionTrivia, {"lead": lines[k0 + 1 : a], "after": lines[b:k1], "raw": raw})
        return build(
            Section, {"kind": kind, "heading": words, "body": "\n".join(lines[a:b]), "trivia": trivia}
        )

    def unknown_section(self, k0: int, words: str) -> None:
        head = self.kind(k0)
        if head.level == 1 and self.layout.digest_heading and date_span(head.text):
            self.warn(
                k0,
                f"a second digest heading {head.text!r}: two digests in one file? kept as a section "
                "with kind null (split the file to read them apart)",
            )
        else:
            self.warn(k0, f"unknown section heading {words!r}: kept as a section with kind null")


def _quoted_title(excerpt: str) -> str:
    """The title an excerpt quotes: "X이 [arXiv]에 게시한 'TITLE' 논문에 대한 …" -> TITLE (or '')."""
    first, last = excerpt.find("'"), excerpt.rfind("'")
    return excerpt[first + 1 : last].strip(" ") if 0 <= first < last else ""


def _same_title(a: str, b: str) -> bool:
    return " ".join(a.casefold().split()) == " ".join(b.casefold().split())


def _merge(fields: Fields, values: Fields) -> None:
    for key, value in values.items():
        if key == "links":
            fields["links"].update(value)
        else:
            fields[key] = value
