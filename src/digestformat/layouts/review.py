"""The ``review`` layout: a Jekyll post reviewing ONE paper.

The paper's title and tags live in the front matter (``title: "[논문리뷰] …"``,
``tags:``); the body holds the PDF link, the authors, four sections and a
closing notice. See docs/layouts/review.md for the grammar.
"""

from __future__ import annotations

from pydantic import JsonValue

from ..model import Digest, Paper
from ._engine import Fields, Layout, Unit
from ._inline import arxiv_id_in, whole_link
from ._units import AUTHORS, _labelled

TITLE_PREFIX = "[논문리뷰] "
_LINK_LABEL = "논문 PDF로 바로 열기"
_NOTICE = "⚠️ **알림:**"


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
    arxiv_id = arxiv_id_in(link[1])
    if arxiv_id is not None:
        fields["arxiv_id"] = arxiv_id
    return fields


def write_link(paper: Paper) -> str | None:
    url = paper.links.get("pdf")
    return f"> **링크:** [{_LINK_LABEL}]({url})" if url is not None else None


def read_notice(line: str) -> Fields | None:
    stripped = line.strip(" \t")
    if not stripped.startswith(">"):
        return None
    body = stripped[1:].lstrip(" \t")
    marker = body.find("**알림:**")
    if marker < 0 or body[:marker].strip(" \t\ufe0f\u26a0\ufffd"):
        return None
    text = body[marker + len("**알림:**") :].strip(" \t")
    return {"notice": text} if text else None


def write_notice(paper: Paper) -> str | None:
    return f"> {_NOTICE} {paper.notice}" if paper.notice else None


LINK = Unit("link", read_link, write_link)
NOTICE = Unit("notice", read_notice, write_notice)


def _strip_prefix(title: str) -> str:
    return title[len(TITLE_PREFIX) :] if title.startswith(TITLE_PREFIX) else title


def _tags(front_matter: dict[str, JsonValue]) -> list[str] | None:
    tags = front_matter.get("tags")
    if isinstance(tags, list) and all(isinstance(t, str) for t in tags):
        return [t for t in tags if isinstance(t, str)]
    return None


def read_front_matter(doc: Digest, paper: Paper | None) -> None:
    """The post's title is its paper's title (after '[논문리뷰] '); its tags are the paper's tags."""
    if paper is None or doc.front_matter is None:
        return
    if doc.title is not None:
        paper.title = _strip_prefix(doc.title)
        doc.title = None
    tags = _tags(doc.front_matter)
    if tags is not None:
        paper.tags = tags
        del doc.front_matter["tags"]


def sync_front_matter(doc: Digest, fields: dict[str, JsonValue], source: dict[str, JsonValue] | None) -> None:
    """The title and tags keys, from the paper (the prefix as the source spelled it)."""
    if len(doc.papers) != 1:
        return
    paper = doc.papers[0]
    old = (source or {}).get("title")
    prefix = "" if isinstance(old, str) and not old.startswith(TITLE_PREFIX) else TITLE_PREFIX
    if doc.title is None and (paper.title or isinstance(old, str)):
        fields["title"] = prefix + paper.title
    moved = doc.front_matter is None or "tags" not in doc.front_matter
    if moved and (paper.tags or _tags(source or {}) is not None):
        fields["tags"] = list(paper.tags)


LAYOUT = Layout(
    name="review",
    paper_level=None,
    section_level=2,
    heading_unit=None,
    units=(LINK, AUTHORS),
    tail_units=(NOTICE,),
    front_matter_meta=True,
    read_front_matter=read_front_matter,
    sync_front_matter=sync_front_matter,
    paper_template=(
        ("link", 1),
        ("authors", 1),
        ("extra", 1),
        ("sections", 0),
        ("notice", 0),
    ),
)
