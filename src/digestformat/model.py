"""The common document model: Digest, Paper, Section, and the trivia kept apart.

Content fields say what a digest *means*; trivia fields say how one particular
file *spelled* it (line endings, blank-line runs, the emoji in a heading, the
raw front matter). Equality (``==``) compares content only, so two files that
say the same thing in different spellings compare equal, while rendering a
parsed document gives its bytes back exactly.

Trivia is written for one layout. Rendering to another layout ignores the
layout-specific trivia and keeps only what is format-neutral (line endings,
BOM, final newline).
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Iterable
from typing import Annotated, Any, ClassVar, Literal, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    JsonValue,
    StringConstraints,
)

__all__ = [
    "COLUMNS",
    "SCHEMA_VERSION",
    "SECTION_KINDS",
    "Digest",
    "DigestTrivia",
    "Paper",
    "PaperTrivia",
    "ParseWarning",
    "Section",
    "SectionTrivia",
    "Thumbnail",
    "records",
    "section_columns",
]

_M = TypeVar("_M", bound=BaseModel)

SCHEMA_VERSION = 1
"""The version of the JSON interface written in ``schema_version``."""

LayoutName = Literal["tagged", "translated", "imrad", "review"]
"""The Markdown layouts."""

SECTION_KINDS: tuple[str, ...] = (
    "one_line_summary",
    "key_points",
    "developer_view",
    "applications",
    "risks",
    "abstract_detail",
    "summary",
    "abstract_translation",
    "introduction",
    "method",
    "results",
    "limitations",
    "conclusion",
    "research_goal",
    "methodology",
    "key_results",
    "implications",
    "key_terms",
    "motivation",
    "method_and_results",
    "conclusion_and_impact",
)
"""The built-in section kinds: the one vocabulary shared by every layout."""

KIND_PATTERN = "^[a-z][a-z0-9_]*$"
"""What a section kind's name is made of (a config file may add kinds of this shape)."""

SectionKind = Annotated[str, StringConstraints(pattern=KIND_PATTERN)]
"""A section kind: one of SECTION_KINDS, or one a config file added."""


_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _iso_date(value: object) -> object:
    """A date from a ``datetime.date`` (not a datetime) or its ISO text ``YYYY-MM-DD`` exactly."""
    if isinstance(value, _dt.datetime):
        raise ValueError("expected a date, not a date and time")
    if isinstance(value, _dt.date):
        return value
    if not isinstance(value, str) or _ISO_DATE.fullmatch(value) is None:
        raise ValueError("expected an ISO date YYYY-MM-DD")
    return _dt.date.fromisoformat(value)  # raises ValueError naming the problem (2026-13-01)


IsoDate = Annotated[_dt.date, BeforeValidator(_iso_date)]
"""A calendar date: ``datetime.date`` in Python, ``YYYY-MM-DD`` in JSON (and the schema)."""

Newline = Literal["\n", "\r\n", "\r"]
"""A line ending, as CommonMark knows them."""


def _order(items: list[str] | None) -> list[str] | None:
    """An order of units and blank lines: '@name' once each ('@extra' and '@verbatim' as often as
    they come), or a line of blanks; anything else would be written as a line of its own."""
    if items is None:
        return None
    seen: set[str] = set()
    for item in items:
        if item.startswith("@"):
            if not item[1:] or not item[1:].replace("_", "a").isalnum() or not item[1:].isascii():
                raise ValueError(f"{item!r} is not a unit: expected '@' and a unit's name")
            if item in seen and item not in ("@extra", "@verbatim"):
                raise ValueError(f"{item!r} is listed twice: expected each unit once")
            seen.add(item)
        elif item.strip(" \t"):
            raise ValueError(f"{item!r} is neither a unit nor a blank line: expected '@name' or blanks")
    return items


Order = Annotated[list[str] | None, AfterValidator(_order)]
"""The order of a digest's or a paper's lines (validated where it comes from JSON or a feed)."""


def build(
    cls: type[_M],
    values: dict[str, Any],
    _new: Any = object.__new__,
    _set: Any = object.__setattr__,
) -> _M:
    """An instance of *cls* from *values* the readers made, without validation or copying.

    Like ``model_construct`` with every field given, in a quarter of the time: the
    parser builds thousands of these per file. *values* must hold every field.
    (``_new`` and ``_set`` are bound once, at definition: two lookups fewer per call.)
    """
    obj: _M = _new(cls)
    _set(obj, "__dict__", values)
    _set(obj, "__pydantic_fields_set__", set(values))
    _set(obj, "__pydantic_extra__", None)
    _set(obj, "__pydantic_private__", None)
    return obj


def put(obj: BaseModel, name: str, value: Any) -> None:
    """Set field *name* of a model :func:`build` made to a value the reader knows valid,
    without ``validate_assignment`` (a pydantic round trip of several microseconds)."""
    obj.__dict__[name] = value


class _Model(BaseModel):
    """Base: strict about unknown keys, equality over content fields only."""

    # defer_build: the validators and serializers are built on first use (JSON in or out),
    # not at import: reading and writing Markdown builds its models with build(), no validation
    model_config = ConfigDict(
        extra="forbid", validate_default=False, validate_assignment=True, defer_build=True
    )
    _not_content: ClassVar[frozenset[str]] = frozenset()

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        skip = self._not_content
        return all(
            getattr(self, name) == getattr(other, name)
            for name in type(self).model_fields
            if name not in skip
        )

    __hash__ = None  # type: ignore[assignment]


class _Trivia(_Model):
    """Base for trivia. Each field is left out of JSON while it holds its default
    (``exclude_if``), so the JSON shows only what differs from the canonical form."""


def _is_empty(value: object) -> bool:
    return not value


def _is_one_blank(value: object) -> bool:
    return value == [""]


def _is_false(value: object) -> bool:
    return value is False


def _is_true(value: object) -> bool:
    return value is True


def _is_none(value: object) -> bool:
    return value is None


def _is_lf(value: object) -> bool:
    return value == "\n"


Overrides = dict[str, tuple[str, str]]
"""Unit name -> (canonical line, raw line): the raw spelling of a line, kept
only where it differs from what the writer would produce from the content.
The raw line is used while the canonical line still matches the content, so
an edit to the content replaces exactly the lines that carry it."""


class ParseWarning(_Model):
    """Something the parser kept verbatim without understanding it."""

    line: int = Field(description="1-based line in the source.")
    column: int = Field(description="1-based column in the source.")
    message: str = Field(description="What was found and what was expected.")


class Thumbnail(_Model):
    """A paper's thumbnail image, ``![alt](src)``."""

    alt: str = Field(description="The image's alternative text as written.")
    src: str = Field(description="The image path or URL as written.")


class SectionTrivia(_Trivia):
    """How one section was spelled."""

    lead: list[str] = Field(
        default_factory=list,
        exclude_if=_is_empty,
        description="Blank lines between the heading and the body, each as written (spaces kept).",
    )
    after: list[str] = Field(
        default_factory=lambda: [""],
        exclude_if=_is_one_blank,
        description="Blank lines after the body, each as written.",
    )
    raw: Overrides = Field(
        default_factory=dict,
        exclude_if=_is_empty,
        description="Raw spellings of lines ('heading') where they differ from the canonical form.",
    )


class Section(_Model):
    """One titled part of a paper's notes: a summary, key points, a method..."""

    _not_content = frozenset({"trivia"})

    kind: SectionKind | None = Field(
        description=(
            "Canonical name from the shared vocabulary (one_line_summary, key_points, "
            "developer_view, applications, risks, abstract_detail, summary, "
            "abstract_translation, introduction, method, results, limitations, conclusion, "
            "research_goal, methodology, key_results, implications, key_terms, motivation, "
            "method_and_results, conclusion_and_impact) or a kind a config file added "
            "(lowercase letters, digits, '_'), or null for a section no vocabulary lists."
        )
    )
    heading: str | None = Field(
        description=(
            "The heading's words as written, without the '#' marks and without a leading "
            "emoji (the emoji's exact form is trivia). Null for text that stands under no heading."
        )
    )
    body: str = Field(
        description=(
            "The section's Markdown exactly as written, lines joined by '\\n', without the "
            "blank lines that open or close it."
        )
    )
    trivia: SectionTrivia = Field(
        default_factory=SectionTrivia,
        description="Formatting of this section in its source layout; not part of content equality.",
    )


class PaperTrivia(_Trivia):
    """How one paper was spelled."""

    order: Order = Field(
        default=None,
        exclude_if=_is_none,
        description=(
            "The paper's lines in source order: '@unit' for a line the writer produces "
            "('@heading', '@meta', '@arxiv', '@tags', '@thumbnail', '@link', '@links', '@authors', "
            "'@keywords', '@rank', '@url', '@extra', '@sections', '@notice', '@separator'; a review's "
            "'@echo_h1', '@echo_h2', '@title_echo', '@wrapper'), anything else is a blank line as "
            "written. Null means the layout's default template."
        ),
    )
    raw: Overrides = Field(
        default_factory=dict,
        exclude_if=_is_empty,
        description="Raw spellings of unit lines where they differ from the canonical form.",
    )


class Paper(_Model):
    """One paper of a digest."""

    _not_content = frozenset({"trivia"})

    rank: int | None = Field(
        default=None,
        ge=0,
        lt=10**9,
        description="Position in the digest as written ('## 3.' gives 3); 0 to 999,999,999.",
    )
    title: str = Field(description="The title, as Markdown inline text exactly as written (escapes kept).")
    url: str | None = Field(default=None, description="The link on the title.")
    arxiv_id: str | None = Field(default=None, description="The arXiv identifier, e.g. '2602.10388'.")
    upvotes: int | None = Field(
        default=None, ge=0, lt=10**18, description="Hugging Face upvotes; 0 to 10¹⁸ − 1."
    )
    difficulty: str | None = Field(default=None, description="도입 난이도 (adoption difficulty), as written.")
    reliability: str | None = Field(default=None, description="신뢰도 (reliability), as written.")
    tags: list[str] = Field(default_factory=list, description="Tags in order.")
    thumbnail: Thumbnail | None = Field(default=None, description="The thumbnail image.")
    authors: list[str] = Field(default_factory=list, description="Authors in order.")
    keywords: list[str] = Field(
        default_factory=list,
        description="Keywords in order (a review post's '**키워드:** `A`, `B`' line), without backticks.",
    )
    links: dict[str, str] = Field(
        default_factory=dict,
        description="Further named links in order: 'alphaxiv', 'pdf', ...",
    )
    notice: str | None = Field(
        default=None,
        description="A closing note (a review post's '> ⚠️ **알림:** …' line), Markdown as written.",
    )
    extra: list[str] = Field(
        default_factory=list,
        description=(
            "Lines between the paper's heading and its first section that no field holds, "
            "kept verbatim in order (each was reported as a warning)."
        ),
    )
    sections: list[Section] = Field(default_factory=list, description="The paper's sections in order.")
    trivia: PaperTrivia = Field(
        default_factory=PaperTrivia,
        description="Formatting of this paper in its source layout; not part of content equality.",
    )

    def section(self, kind: str) -> Section | None:
        """The first section of *kind*; else the first (in order) of a kind equivalent to it,
        one that says the same thing in another layout (``EQUIVALENTS`` in
        ``layouts/vocabulary.py``: ``summary`` for ``one_line_summary``, ``key_results`` for
        ``results``, ...); else None."""
        for section in self.sections:
            if section.kind == kind:
                return section
        others = _equivalents(kind)
        for section in self.sections:
            if section.kind in others:
                return section
        return None

    def sections_of(self, kind: str, *, equivalents: bool = False) -> list[Section]:
        """Every section of *kind*, in order; with *equivalents*, of an equivalent kind too."""
        kinds = {kind, *_equivalents(kind)} if equivalents else {kind}
        return [section for section in self.sections if section.kind in kinds]


def _equivalents(kind: str) -> frozenset[str]:
    """The kinds equivalent to *kind* (not itself): its class in ``EQUIVALENTS``."""
    from .layouts.vocabulary import EQUIVALENTS  # noqa: PLC0415 (the vocabulary imports this module)

    for group in EQUIVALENTS:
        if kind in group:
            return group - {kind}
    return frozenset()


class DigestTrivia(_Trivia):
    """How the whole file was spelled."""

    bom: bool = Field(
        default=False, exclude_if=_is_false, description="The file began with a UTF-8 byte order mark."
    )
    newline: Newline = Field(
        default="\n", exclude_if=_is_lf, description="The line ending used by most lines."
    )
    newline_exceptions: dict[Annotated[int, Field(ge=0)], Newline] = Field(
        default_factory=dict,
        exclude_if=_is_empty,
        description="0-based line index -> line ending, for lines that end differently.",
    )
    final_newline: bool = Field(
        default=True, exclude_if=_is_true, description="The last line ended with a line ending."
    )
    front_matter_raw: list[str] | None = Field(
        default=None,
        exclude_if=_is_none,
        description="The front-matter block's lines exactly as written, fences included.",
    )
    title_in_body: bool = Field(
        default=False,
        exclude_if=_is_false,
        description=(
            "The front matter has no title: the paper's title was read from the body (a title "
            "echo) or the excerpt, and writing the post back adds no 'title' key."
        ),
    )
    order: Order = Field(
        default=None,
        exclude_if=_is_none,
        description=(
            "The lines before the first paper: '@front_matter', '@hint', '@heading', '@extra', "
            "'@papers', or a blank line as written. Null means the layout's default."
        ),
    )
    raw: Overrides = Field(
        default_factory=dict,
        exclude_if=_is_empty,
        description="Raw spellings of digest-level lines where they differ from the canonical form.",
    )


class Digest(_Model):
    """One digest file: a day's papers, or a single-paper review post."""

    _not_content = frozenset({"trivia", "warnings", "template"})

    schema_version: int = Field(default=SCHEMA_VERSION, description="Version of this JSON interface.")
    layout: LayoutName = Field(
        description="The Markdown layout: 'tagged', 'translated', 'imrad' or 'review'."
    )
    template: str | None = Field(
        default=None,
        description=(
            "The generation of the layout the file follows, for layouts that have several "
            "(review: 'classic', 'classic-nested', 'numbered', 'numbered-english'); rendering "
            "to that layout uses it again. Null: the layout's default. Not part of content equality."
        ),
    )
    date: IsoDate | None = Field(
        default=None,
        description="The digest's date: an ISO date (YYYY-MM-DD) in JSON, a datetime.date in Python.",
    )
    title: str | None = Field(
        default=None,
        description=(
            "The title: the words after the date in a '# DATE …' heading, or the front "
            "matter's title for Jekyll layouts."
        ),
    )
    front_matter: dict[str, JsonValue] | None = Field(
        default=None,
        description=(
            "The YAML front matter as a mapping in order (timestamps kept as the strings "
            "written), or null when there is none or it could not be read safely."
        ),
    )
    extra: list[str] = Field(
        default_factory=list,
        description="Lines before the first paper that no field holds, kept verbatim in order.",
    )
    papers: list[Paper] = Field(default_factory=list, description="The papers in order.")
    warnings: list[ParseWarning] = Field(
        default_factory=list,
        description="What the parser kept without understanding; not part of content equality.",
    )
    trivia: DigestTrivia = Field(
        default_factory=DigestTrivia,
        description="Formatting of the file; not part of content equality.",
    )

    def to_records(self) -> list[dict[str, Any]]:
        """One flat dict per paper: the digest's ``date`` and ``layout``, the paper's ``rank``,
        ``title``, ``url``, ``arxiv_id``, ``upvotes``, ``difficulty``, ``reliability``,
        ``tags``, ``authors``, ``keywords``, then one column per section kind present in any
        paper (the body of the paper's first section of that kind, or None). No trivia.
        ``digestformat.records(docs)`` does the same for many digests (docs/api.md)."""
        return records([self])


# ---------------------------------------------------------------- flat records

PAPER_COLUMNS: tuple[str, ...] = (
    "rank",
    "title",
    "url",
    "arxiv_id",
    "upvotes",
    "difficulty",
    "reliability",
    "tags",
    "authors",
    "keywords",
)
"""A paper's own columns, in order: the keys of :func:`paper_columns`."""
COLUMNS: tuple[str, ...] = ("date", "layout", *PAPER_COLUMNS)
"""The columns every record has, in order; the section columns follow them."""

_PREFIX = "section_"


def section_columns(docs: Iterable[Digest]) -> list[str]:
    """The section kinds present in any paper of *docs*: the built-in kinds in SECTION_KINDS
    order, then kinds a config file added, in the order first met. Sections of kind null
    have no column."""
    present: dict[str, None] = {}
    for doc in docs:
        for paper in doc.papers:
            for section in paper.sections:
                if section.kind is not None:
                    present.setdefault(section.kind, None)
    built_in = [kind for kind in SECTION_KINDS if kind in present]
    return built_in + [kind for kind in present if kind not in SECTION_KINDS]


def _column(kind: str) -> str:
    """A kind's column name: the kind, or 'section_KIND' when a fixed column has that name."""
    return _PREFIX + kind if kind in COLUMNS else kind


def paper_columns(paper: Paper) -> dict[str, Any]:
    """A paper's own flat fields, in record order (``to_records`` and the export share them)."""
    return {
        "rank": paper.rank,
        "title": paper.title,
        "url": paper.url,
        "arxiv_id": paper.arxiv_id,
        "upvotes": paper.upvotes,
        "difficulty": paper.difficulty,
        "reliability": paper.reliability,
        "tags": list(paper.tags),
        "authors": list(paper.authors),
        "keywords": list(paper.keywords),
    }


def _rows(doc: Digest, kinds: list[str]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for paper in doc.papers:
        row: dict[str, Any] = {"date": doc.date, "layout": doc.layout, **paper_columns(paper)}
        bodies: dict[str, str] = {}
        for section in paper.sections:
            if section.kind is not None:
                bodies.setdefault(section.kind, section.body)  # the first of its kind
        for kind in kinds:
            row[_column(kind)] = bodies.get(kind)
        rows.append(row)
    return rows


def records(docs: Iterable[Digest]) -> list[dict[str, Any]]:
    """One flat dict per paper of every digest in *docs*, in order, all with the same keys:
    the :data:`COLUMNS`, then one per section kind present in any of them
    (:func:`section_columns`), holding the body of the paper's first section of that kind,
    or None. No trivia. ``pandas.DataFrame(records(docs))`` makes a table of them."""
    listed = list(docs)
    kinds = section_columns(listed)
    return [row for doc in listed for row in _rows(doc, kinds)]
