"""Header lines shared by the layouts: one reader and one writer per line kind.

Every reader takes the line as written and returns the fields it holds, or
None when the line is not of its kind; every writer takes a Paper and returns
the canonical line, or None when the paper has nothing for it. A reader only
accepts lines whose fields make its writer return a line.
"""

from __future__ import annotations

import re

from ..model import Paper, Thumbnail, build
from ._engine import Fields, Unit
from ._inline import arxiv_id_in, derived_arxiv_id, parse_link, whole_link

# ------------------------------------------------------------------ paper heading


def read_paper_heading(text: str) -> Fields | None:
    """'1. [Title](url)' -> rank, title, url."""
    fields: Fields = {}
    digits = len(text) - len(text.lstrip("0123456789"))
    rest = text
    if 0 < digits <= 9 and text[digits : digits + 1] == ".":
        fields["rank"] = int(text[:digits])
        rest = text[digits + 1 :].lstrip(" \t")
    link = whole_link(rest)
    if link is not None:
        fields["title"] = link[0]
        fields["url"] = link[1] or None  # '[Title]()': a paper with neither rank nor url
    else:
        fields["title"] = rest
    return fields


def write_paper_heading(paper: Paper) -> str:
    if paper.rank is None:
        return f"[{paper.title}]({paper.url or ''})"
    text = f"[{paper.title}]({paper.url})" if paper.url is not None else paper.title
    return f"{paper.rank}. {text}"


HEADING = Unit("heading", read_paper_heading, write_paper_heading)

# ------------------------------------------------------------------ labelled values

_META_KEYS = (("Upvotes", "upvotes"), ("도입 난이도", "difficulty"), ("신뢰도", "reliability"))
_META_BY_LABEL = dict(_META_KEYS)


def _labelled(part: str) -> tuple[str, str] | None:
    """'**Label**: value' (or '**Label:** value') -> (label, value)."""
    part = part.strip(" \t")
    if not part.startswith("**"):
        return None
    close = part.find("**", 2)
    if close < 0:
        return None
    label = part[2:close]
    rest = part[close + 2 :]
    if label.endswith(":"):
        label = label[:-1]
    elif rest.startswith(":"):
        rest = rest[1:]
    else:
        return None
    return label.strip(), rest.strip(" \t")


def read_meta(line: str) -> Fields | None:
    fields: Fields = {}
    for part in line.split("|"):
        found = _labelled(part)
        if found is None or found[0] not in _META_BY_LABEL:
            return None
        name = _META_BY_LABEL[found[0]]
        if name in fields or not found[1]:
            return None
        if name == "upvotes":  # 18 digits at most: what the model holds
            if not found[1].isascii() or not found[1].isdigit() or len(found[1]) > 18:
                return None
            fields[name] = int(found[1])
        else:
            fields[name] = found[1]
    return fields


def write_meta(paper: Paper) -> str | None:
    parts = []
    for label, name in _META_KEYS:
        value = getattr(paper, name)
        if value is not None:
            parts.append(f"**{label}**: {value}")
    return " | ".join(parts) or None


META = Unit("meta", read_meta, write_meta)


def read_arxiv(line: str) -> Fields | None:
    found = _labelled(line)
    if found is None or found[0] != "arXiv":
        return None
    arxiv_id = arxiv_id_in(found[1])
    return {"arxiv_id": arxiv_id} if arxiv_id else None


def write_arxiv(paper: Paper) -> str | None:
    return f"**arXiv**: https://arxiv.org/abs/{paper.arxiv_id}" if paper.arxiv_id else None


def _arxiv_needed(paper: Paper) -> bool:
    """Written where the source had no line only when the links do not already say it."""
    return paper.arxiv_id is not None and derived_arxiv_id(paper.url, paper.links) != paper.arxiv_id


ARXIV = Unit("arxiv", read_arxiv, write_arxiv, _arxiv_needed)


def _list_reader(label: str, field: str) -> Unit:
    def read(line: str) -> Fields | None:
        found = _labelled(line)
        if found is None or found[0] != label:
            return None
        items = [item.strip(" \t") for item in found[1].split(",")]
        if not all(items):
            return None
        return {field: items}

    def write(paper: Paper) -> str | None:
        items: list[str] = getattr(paper, field)
        return f"**{label}**: " + ", ".join(items) if items else None

    return Unit(field, read, write)


TAGS = _list_reader("태그", "tags")


def read_authors(line: str) -> Fields | None:
    found = _labelled(line)
    if found is None or found[0] != "저자":
        return None
    items = [item.strip(" \t") for item in found[1].split(",")]
    return {"authors": items} if all(items) else None


def write_authors(paper: Paper) -> str | None:
    return "**저자:** " + ", ".join(paper.authors) if paper.authors else None


AUTHORS = Unit("authors", read_authors, write_authors)

KEYWORD_LABELS = ("키워드", "키워", "Keywords")
"""Labels of a keyword line: '키워' is the cut-short label of the 2026 review posts."""


def _keywords(value: str) -> list[str] | None:
    """'`A`, `B`' or 'A, B' -> ['A', 'B'] (empty items skipped); None when nothing is left or
    a backtick is unbalanced. Backticked items may hold commas."""
    if "`" not in value:
        items = [item.strip(" \t") for item in value.split(",")]
        return [item for item in items if item] or None
    parts = value.split("`")
    if len(parts) % 2 == 0:
        return None  # an unbalanced backtick
    if all(not outside.strip(" \t,") for outside in parts[0::2]):
        items = [inside.strip(" \t") for inside in parts[1::2]]
    else:  # some items backticked, some not: split at commas, then take the backticks off
        items = [item.strip(" \t").removeprefix("`").removesuffix("`") for item in value.split(",")]
        if any("`" in item for item in items):
            return None
    return [item for item in items if item] or None


def keywords_unit(label: str) -> Unit:
    """'**LABEL:** `A`, `B`' (any label of KEYWORD_LABELS read, backticks or not) -> keywords;
    written with *label* and backticks."""

    def read(line: str) -> Fields | None:
        found = _labelled(line)
        if found is None or found[0] not in KEYWORD_LABELS:
            return None
        items = _keywords(found[1])
        return None if items is None else {"keywords": items}

    def write(paper: Paper) -> str | None:
        if not paper.keywords:
            return None
        return f"**{label}:** " + ", ".join(f"`{word}`" for word in paper.keywords)

    return Unit("keywords", read, write)


KEYWORDS = keywords_unit("키워드")


def _never(_paper: Paper) -> bool:
    return False


def read_title_echo(line: str) -> Fields | None:
    """'**논문 제목:** Title': the paper's title said again in the body (older review posts)."""
    found = _labelled(line)
    if found is None or found[0] != "논문 제목" or not found[1]:
        return None
    return {"title_echo": found[1]}


def write_title_echo(paper: Paper) -> str | None:
    return f"**논문 제목:** {paper.title}" if paper.title.strip(" \t") else None


TITLE_ECHO = Unit("title_echo", read_title_echo, write_title_echo, _never)
"""Written only where the source had it; the title itself is read from the front matter
(the reader takes the echo's text only when the front matter has none)."""


def _no_line(_line: str) -> Fields | None:
    return None  # heading echoes are found by the reader among the headings


def _heading_echo(level: int) -> Unit:
    def write(paper: Paper) -> str | None:
        return "#" * level + " " + paper.title if paper.title.strip(" \t") else None

    return Unit(f"echo_h{level}", _no_line, write, _never, on_heading=True)


ECHO_H1 = _heading_echo(1)
ECHO_H2 = _heading_echo(2)
"""'# Title' / '## Title' between a review's link line and its authors: the title said again."""


def read_thumbnail(line: str) -> Fields | None:
    stripped = line.strip(" \t")
    if not stripped.startswith("!"):
        return None
    link = whole_link(stripped[1:])
    if link is None:
        return None
    return {"thumbnail": build(Thumbnail, {"alt": link[0], "src": link[1]})}  # no validator built


def write_thumbnail(paper: Paper) -> str | None:
    thumb = paper.thumbnail
    return f"![{thumb.alt}]({thumb.src})" if thumb is not None else None


THUMBNAIL = Unit("thumbnail", read_thumbnail, write_thumbnail)

# ------------------------------------------------------------------ quoted link lines

_LINK_LABELS = {"alphaxiv": "Alphaxiv", "pdf": "PDF", "github": "GitHub", "project": "Project"}


def read_links(line: str) -> Fields | None:
    """'> [Alphaxiv](url)' (several joined by ' | ' allowed) -> links."""
    stripped = line.strip(" \t")
    if not stripped.startswith(">"):
        return None
    rest = stripped[1:].strip(" \t")
    links: dict[str, str] = {}
    pos = 0
    while True:
        found = parse_link(rest, pos)
        if found is None:
            return None
        label, url, pos = found
        key = label.strip().casefold()
        if not key or key in links:
            return None
        links[key] = url
        tail = rest[pos:].lstrip(" \t")
        if not tail:
            break
        if not tail.startswith("|"):
            return None
        pos = len(rest) - len(tail[1:].lstrip(" \t"))
    fields: Fields = {"links": links}
    return fields


def links_unit(skip: frozenset[str] = frozenset()) -> Unit:
    """'> [Label](url) | …' for every link but those in *skip* (which a layout writes elsewhere).

    A line naming a skipped link is not this unit's (it could not be written back as it was).
    """

    def read(line: str) -> Fields | None:
        fields = read_links(line)
        if fields is None or skip.intersection(fields["links"]):
            return None
        return fields

    def write(paper: Paper) -> str | None:
        links = [(key, url) for key, url in paper.links.items() if key not in skip]
        if not links:
            return None
        return "> " + " | ".join(f"[{_LINK_LABELS.get(key, key)}]({url})" for key, url in links)

    return Unit("links", read, write)


LINKS = links_unit()

# ------------------------------------------------------------------ fallback lines
# Lines a layout writes only for content it has no native place for.


def read_rank(line: str) -> Fields | None:
    found = _labelled(line)
    if found is None or found[0] != "Rank" or not found[1].isascii() or not found[1].isdigit():
        return None
    if len(found[1]) > 9:  # what the model holds, as in a paper heading
        return None
    return {"rank": int(found[1])}


def write_rank(paper: Paper) -> str | None:
    return f"**Rank**: {paper.rank}" if paper.rank is not None else None


RANK = Unit("rank", read_rank, write_rank)


_AUTOLINK = re.compile(r"https?://[^\x00-\x20\x7f<>|]+")
"""A URL that CommonMark and kramdown both read as an autolink '<URL>' (no '|': no table)."""


def _wrappable(url: str) -> bool:
    """Written as '<url>': an autolink, or (so that the plain form never reads as one) '<U>' of
    a wrappable U."""
    while url.startswith("<") and url.endswith(">") and len(url) > 2:
        url = url[1:-1]
    return _AUTOLINK.fullmatch(url) is not None


def read_url(line: str) -> Fields | None:
    """'**URL**: <https://…>' (an autolink) or '**URL**: url' -> url."""
    found = _labelled(line)
    if found is None or found[0] != "URL" or not found[1]:
        return None
    value = found[1]
    if value.startswith("<") and value.endswith(">") and _wrappable(value[1:-1]):
        value = value[1:-1]
    return {"url": value}


def write_url(paper: Paper) -> str | None:
    if not paper.url:
        return None
    return f"**URL**: <{paper.url}>" if _wrappable(paper.url) else f"**URL**: {paper.url}"


URL = Unit("url", read_url, write_url)

_NOTICE_LABEL = "**알림:**"


def read_notice(line: str) -> Fields | None:
    """'> ⚠️ **알림:** text' -> notice."""
    stripped = line.strip(" \t")
    if not stripped.startswith(">"):
        return None
    body = stripped[1:].lstrip(" \t")
    marker = body.find(_NOTICE_LABEL)
    if marker < 0 or body[:marker].strip(" \t\ufe0f\u26a0\ufffd"):
        return None
    text = body[marker + len(_NOTICE_LABEL) :].strip(" \t")
    return {"notice": text} if text else None


def write_notice(paper: Paper) -> str | None:
    return f"> ⚠️ {_NOTICE_LABEL} {paper.notice}" if paper.notice else None


NOTICE = Unit("notice", read_notice, write_notice)
