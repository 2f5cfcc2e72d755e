"""The ``review`` layout: a Jekyll post reviewing ONE paper.

The paper's title and tags live in the front matter (``title: "[논문리뷰] …"``,
``tags:``); the body holds the PDF link, the authors, four sections and a
closing notice. See docs/layouts/review.md for the grammar.
"""

from __future__ import annotations

import dataclasses
from types import MappingProxyType

from pydantic import JsonValue

from ..model import Digest, Paper, put
from ._engine import Fields, Layout, Unit
from ._inline import whole_link
from ._units import (
    ARXIV,
    AUTHORS,
    ECHO_H1,
    ECHO_H2,
    KEYWORDS,
    META,
    NOTICE,
    RANK,
    THUMBNAIL,
    TITLE_ECHO,
    URL,
    _labelled,
    keywords_unit,
    links_unit,
)

TITLE_PREFIX = "[논문리뷰] "
CATEGORY = "Review"
"""The category of review posts, which also leads their tags."""
DIGEST_EXTRA = "digest_extra"
"""The front-matter key of the digest-level lines a post has no place for."""

SECTIONS = MappingProxyType(
    {
        "research_goal": ("", "핵심 연구 목표"),
        "methodology": ("", "핵심 방법론"),
        "key_results": ("", "주요 결과"),
        "implications": ("", "AI 실무자를 위한 시사점"),
    }
)
NUMBERED_SECTIONS = MappingProxyType(
    {
        "key_terms": ("", "1. Key Terms & Definitions (핵심 용어 및 정의)"),
        "motivation": ("", "2. Motivation & Problem Statement (연구 배경 및 문제 정의)"),
        "method_and_results": ("", "3. Method & Key Results (제안 방법론 및 핵심 결과)"),
        "conclusion_and_impact": ("", "4. Conclusion & Impact (결론 및 시사점)"),
    }
)
"""The 2026 generation's sections: numbered, English with the Korean in parentheses."""
ENGLISH_SECTIONS = MappingProxyType(
    {kind: ("", words[: words.index(" (")]) for kind, (_emoji, words) in NUMBERED_SECTIONS.items()}
)
"""The same, English only."""
WRAPPER = "상세 요약"
"""The heading that holds the four sections one level down in the nested variant."""
_LINK_LABEL = "논문 PDF로 바로 열기"
SCALAR_KEYS = ("rank", "upvotes", "difficulty", "reliability")
"""The paper fields a review has no body line of its own for: front-matter keys in a fresh write."""
_BOUNDS = {"rank": 10**9, "upvotes": 10**18}
_UNIT = {"rank": "rank", "upvotes": "meta", "difficulty": "meta", "reliability": "meta"}
"""The body line of each scalar key in posts that have one."""


def read_link(line: str) -> Fields | None:
    """'> **링크:** [논문 PDF로 바로 열기](url)' -> links['pdf'] (and the arXiv id in it)."""
    stripped = line.strip(" \t")
    if not stripped.startswith(">"):
        return None
    found = _labelled(stripped[1:])
    if found is None or found[0] != "링크":
        return None
    link = whole_link(found[1])
    if link is None:
        return None
    fields: Fields = {"links": {"pdf": link[1]}}
    return fields


def write_link(paper: Paper) -> str | None:
    url = paper.links.get("pdf")
    return f"> **링크:** [{_LINK_LABEL}]({url})" if url is not None else None


LINK = Unit("link", read_link, write_link)


def _strip_prefix(title: str) -> str:
    return title[len(TITLE_PREFIX) :] if title.startswith(TITLE_PREFIX) else title


def _tags(front_matter: dict[str, JsonValue]) -> list[str] | None:
    tags = front_matter.get("tags")
    if _is_text_list(tags):
        assert isinstance(tags, list)
        return [t for t in tags if isinstance(t, str)]
    return None


def _follows_convention(front_matter: dict[str, JsonValue]) -> bool:
    """A post in the category Review leads its tags with 'Review' too."""
    categories = front_matter.get("categories")
    return isinstance(categories, list) and CATEGORY in categories


def read_front_matter(doc: Digest, paper: Paper | None) -> None:
    """The post's title is its paper's title (after '[논문리뷰] '); its tags are the paper's tags."""
    front_matter = doc.front_matter
    if paper is None or front_matter is None:
        return
    title = front_matter.get("title")
    if isinstance(title, str):
        put(paper, "title", _strip_prefix(title))
        del front_matter["title"]
    tags = _tags(front_matter)
    if tags is not None:
        del front_matter["tags"]
        if tags[:1] == [CATEGORY] and _follows_convention(front_matter):
            tags = tags[1:]  # the post's own category, not a topic of the paper
        put(paper, "tags", tags)
    extra = front_matter.get(DIGEST_EXTRA)
    if isinstance(extra, list) and _is_text_list(extra):
        put(doc, "extra", [line for line in extra if isinstance(line, str)])
        del front_matter[DIGEST_EXTRA]
    for key in SCALAR_KEYS:
        if key in front_matter and _scalar_fits(key, front_matter[key]) and not _in_body(paper, _UNIT[key]):
            put(paper, key, front_matter.pop(key))  # a body line, when there is one, holds them


def _scalar_fits(key: str, value: JsonValue) -> bool:
    """Can *value* be the paper's *key* (rank and upvotes: ints in the model's range; else text)?"""
    if key in _BOUNDS:
        return isinstance(value, int) and not isinstance(value, bool) and 0 <= value < _BOUNDS[key]
    return isinstance(value, str)


def _in_body(paper: Paper, unit: str, keep: bool = True) -> bool:
    """Is the paper's *unit* line in the body (the source post had it there)?"""
    return keep and paper.trivia.order is not None and f"@{unit}" in paper.trivia.order


def _body_units(doc: Digest) -> frozenset[str]:
    """The scalar lines a write of *doc* puts in the body: those its source post had, still with content."""
    if len(doc.papers) != 1 or doc.layout != "review":
        return frozenset()
    paper = doc.papers[0]
    return frozenset(
        unit
        for unit in ("rank", "meta")
        if _in_body(paper, unit)
        and any(getattr(paper, k) is not None for k in SCALAR_KEYS if _UNIT[k] == unit)
    )


def staying_keys(doc: Digest) -> frozenset[str]:
    """The scalar keys the reader leaves in the front matter: their line is in the body."""
    units = _body_units(doc)
    return frozenset(key for key in SCALAR_KEYS if _UNIT[key] in units)


def time_for_rank(rank: int | None) -> str:
    """'HH:MM:SS': 23:59:59 minus *rank* seconds (00:00:00 without a rank, or past a day)."""
    seconds = 0 if rank is None else max(0, 86399 - rank)
    return f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


STAMP_ZONE = "+0900+0900"
"""The time zone of a post's date as the archive spells it."""


def sync_front_matter(doc: Digest, fields: dict[str, JsonValue], source: dict[str, JsonValue] | None) -> None:
    """The title and tags keys, from the paper (the prefix as the source spelled it)."""
    if len(doc.papers) != 1:
        return
    paper = doc.papers[0]
    old = (source or {}).get("title")
    prefix = "" if isinstance(old, str) and not old.startswith(TITLE_PREFIX) else TITLE_PREFIX
    from_body = doc.trivia.title_in_body and not isinstance(old, str)  # no title of text: none written
    if (paper.title and not from_body) or isinstance(old, str):
        fields["title"] = prefix + paper.title
    source_tags = _tags(source or {})
    if _follows_convention(doc.front_matter or {}):
        lead = [CATEGORY] if source_tags is None or source_tags[:1] == [CATEGORY] else []
    else:
        lead = []
    unread = doc.front_matter is not None and "tags" in doc.front_matter  # tags that were not a list of text
    if paper.tags or (source_tags is not None and not unread):
        fields["tags"] = [*lead, *paper.tags]
    keep = doc.layout == "review"
    units = _body_units(doc)
    for key in SCALAR_KEYS:
        value = getattr(paper, key)
        if value is not None and _UNIT[key] not in units:
            fields[key] = value
    date = fields.get("date")
    if not keep and isinstance(date, str) and len(date) == 10:  # a fresh post from another layout
        fields["date"] = f"{date} {time_for_rank(paper.rank)}{STAMP_ZONE}"
    if doc.extra:
        fields[DIGEST_EXTRA] = list(doc.extra)  # a post has no place before its paper


def _is_text_list(value: JsonValue) -> bool:
    return isinstance(value, list) and all(isinstance(item, str) for item in value)


def moves_key(key: str, value: JsonValue) -> bool:
    """The front-matter entries read_front_matter moves into fields."""
    return (
        (key == "title" and isinstance(value, str))
        or (key in ("tags", DIGEST_EXTRA) and _is_text_list(value))
        or (key in SCALAR_KEYS and _scalar_fits(key, value))
    )


_LINKS = links_unit(frozenset({"pdf"}))


def _never(_paper: Paper) -> bool:
    return False


# Rank and meta lines are read and kept where a post has them; else the front matter holds them.
_RANK = dataclasses.replace(RANK, needed=_never)
_META = dataclasses.replace(META, needed=_never)
_HEADER = (ECHO_H1, ECHO_H2, TITLE_ECHO, AUTHORS, _RANK, URL, _META, ARXIV, _LINKS, THUMBNAIL)
_ORDER_AFTER_KEYWORDS = (
    ("rank", 1),
    ("url", 1),
    ("meta", 1),
    ("arxiv", 1),
    ("links", 1),
    ("thumbnail", 1),
    ("extra", 1),
)

CLASSIC = Layout(
    name="review",
    template="classic",
    paper_level=None,
    section_level=2,
    heading_unit=None,
    units=(LINK, *_HEADER, KEYWORDS),
    tail_units=(NOTICE,),
    section_headings=SECTIONS,
    front_matter_meta=True,
    title_key="digest_title",
    read_front_matter=read_front_matter,
    sync_front_matter=sync_front_matter,
    moves_key=moves_key,
    moved_keys=("title", "tags", DIGEST_EXTRA, *SCALAR_KEYS),
    staying_keys=staying_keys,
    echoes=True,
    title_prefix=TITLE_PREFIX,
    paper_template=(
        ("link", 1),
        ("echo_h1", 1),
        ("echo_h2", 1),
        ("title_echo", 1),
        ("authors", 1),
        ("keywords", 1),
        *_ORDER_AFTER_KEYWORDS,
        ("sections", 0),
        ("notice", 0),
    ),
)
"""2025-08 to 2026-02: '## 핵심 연구 목표' … '## AI 실무자를 위한 시사점', a '**키워드:**' line."""


def _wrapper_line(paper: Paper) -> str | None:
    return f"## {WRAPPER}" if paper.sections else None


NESTED = dataclasses.replace(
    CLASSIC,
    template="classic-nested",
    section_level=3,
    wrapper=WRAPPER,
    units=(*CLASSIC.units, Unit("wrapper", lambda _line: None, _wrapper_line, on_heading=True)),
    paper_template=(*CLASSIC.paper_template[:-2], ("wrapper", 1), *CLASSIC.paper_template[-2:]),
)
"""The classic sections as '###' headings under one '## 상세 요약'."""

NUMBERED = dataclasses.replace(
    CLASSIC,
    template="numbered",
    section_headings=NUMBERED_SECTIONS,
    units=(LINK, *_HEADER, keywords_unit("키워")),
    paper_template=(
        ("link", 1),
        ("authors", 0),
        ("keywords", 1),
        *_ORDER_AFTER_KEYWORDS,
        ("sections", 0),
        ("notice", 0),
    ),
)
"""2026-03: '## 1. Key Terms & Definitions (핵심 용어 및 정의)' …; '**키워:**' right under '**저자:**'."""

NUMBERED_ENGLISH = dataclasses.replace(
    NUMBERED, template="numbered-english", section_headings=ENGLISH_SECTIONS
)
"""The same with English-only headings ('## 1. Key Terms & Definitions')."""

LAYOUT = dataclasses.replace(CLASSIC, templates=(NESTED, NUMBERED, NUMBERED_ENGLISH))
"""The review layout; its default generation is the classic one."""
