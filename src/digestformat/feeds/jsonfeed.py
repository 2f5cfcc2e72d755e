"""JSON Feed 1.1: one item per paper, the whole model in '_digestformat' extension objects."""

from __future__ import annotations

import json
from typing import Any

from pydantic import ValidationError

from .._boundary import check_values, load_json
from .._jsontext import dumps_indented
from .._text import decode
from ..errors import DigestError
from ..model import Digest, Paper, ParseWarning
from . import _common as c

__all__ = ["VERSION", "read", "write"]

VERSION = "https://jsonfeed.org/version/1.1"
_EXT = "_digestformat"


def write(doc: Digest) -> str:
    """The digest as a JSON Feed 1.1 document."""
    feed: dict[str, Any] = {
        "version": VERSION,
        "title": c.channel_title(doc),
        "home_page_url": c.site_link(doc),
    }
    self_url = c.feed_url(doc)
    if self_url is not None:
        feed["feed_url"] = self_url
    feed["language"] = "ko"
    feed[_EXT] = doc.model_dump(mode="json", exclude={"papers", "warnings"})
    items = [item(doc, paper, ident) for paper, (ident, _) in zip(doc.papers, c.guids(doc), strict=True)]
    feed["items"] = items
    return dumps_indented(feed)  # json.dumps(feed, ensure_ascii=False, indent=2) + "\n", faster


def item(doc: Digest, paper: Paper, ident: str) -> dict[str, Any]:
    """One paper as a JSON Feed item with id *ident*."""
    out: dict[str, Any] = {"id": ident}
    link = c.paper_link(paper)
    if link is not None:
        out["url"] = link
    out["title"] = c.plain(paper.title) or paper.title
    out["content_html"] = c.content_html(paper)
    out["summary"] = c.plain(" ".join(c.summary_markdown(paper).split("\n")))
    out["date_published"] = c.rfc3339(c.moment(doc))
    if paper.tags:
        out["tags"] = list(paper.tags)
    if paper.authors:
        out["authors"] = [{"name": name} for name in paper.authors]
    out[_EXT] = paper.model_dump(mode="json")
    return out


def read(text: str | bytes, *, strict: bool = False) -> Digest:
    """A Digest from a JSON Feed written by :func:`write`."""
    if isinstance(text, bytes):
        text = decode(text)  # a str is checked by load_json
    feed, repeated = load_json(text, "JSON Feed")
    if strict and repeated:
        raise DigestError(repeated[0].message, repeated[0].line, repeated[0].column)
    if not isinstance(feed, dict) or not str(feed.get("version", "")).startswith(
        "https://jsonfeed.org/version/"
    ):
        raise DigestError(
            "expected a JSON Feed object with a 'version' of https://jsonfeed.org/version/1.1", 1, 1
        )
    data = feed.get(_EXT)
    if not isinstance(data, dict):
        raise DigestError(
            f"JSON Feed carries no '{_EXT}' object: only feeds written by digestformat can be read back", 1, 1
        )
    items = feed.get("items")
    if items is None:
        items = []
    if not isinstance(items, list):
        raise DigestError(f"JSON Feed 'items' is a {type(items).__name__}: expected a list of items", 1, 1)
    papers: list[Any] = []
    for index, item in enumerate(items):
        paper = item.get(_EXT) if isinstance(item, dict) else None
        if not isinstance(paper, dict):
            raise DigestError(
                f"JSON Feed items[{index}] carries no '{_EXT}' object: expected one per paper", 1, 1
            )
        papers.append(paper)
    merged = {**data, "papers": papers}
    if "\\u0000" in text:  # the only way JSON text holds NUL
        check_values(merged, f"JSON Feed {_EXT}", text)
    try:
        doc = Digest.model_validate(merged)
    except ValidationError as exc:
        first = exc.errors()[0]
        path = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in first["loc"])
        raise DigestError(f"JSON Feed {_EXT}{path}: {first['msg']}", 1, 1) from None
    _keep_unaccounted(doc, feed, items, strict)
    doc.warnings.extend(repeated)
    return doc


def _keep_unaccounted(doc: Digest, feed: dict[str, Any], items: list[Any], strict: bool) -> None:
    """Keep (and warn about) the members the df data does not account for.

    Each member of the feed and of its items is compared with what :func:`write`
    makes of the '_digestformat' data; one that differs or that it lacks (added
    or edited) is kept verbatim as a ``"name": value`` line in the digest's or
    the paper's ``extra``, with a warning; with *strict* it is an error.
    """
    ours = json.loads(write(doc))
    doc_extra = _kept(doc, feed, ours, path="", owner="digest", strict=strict)
    for index, (paper, item, mine) in enumerate(zip(doc.papers, items, ours["items"], strict=True)):
        paper_extra = _kept(doc, item, mine, path=f"items[{index}].", owner="paper", strict=strict)
        if paper_extra:
            paper.extra = [*paper.extra, *paper_extra]
    if doc_extra:
        doc.extra = [*doc.extra, *doc_extra]


def _kept(
    doc: Digest, theirs: dict[str, Any], ours: dict[str, Any], *, path: str, owner: str, strict: bool
) -> list[str]:
    lines: list[str] = []
    for key, value in theirs.items():
        if key in (_EXT, "items") or (key in ours and ours[key] == value):
            continue
        message = (
            f"JSON Feed member {path}{key} is not what digestformat writes from its '{_EXT}' data "
            f"(added or edited): kept verbatim in the {owner}'s 'extra'"
        )
        if strict:
            raise DigestError(message, 1, 1)
        doc.warnings.append(ParseWarning(line=1, column=1, message=message))
        lines.append(json.dumps({key: value}, ensure_ascii=False)[1:-1])
    return lines
