"""RSS 2.0: one channel per digest, one item per paper, the whole model in the df namespace."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from lxml import etree
from pydantic import ValidationError

from ..errors import DigestError
from ..model import Digest, Paper, ParseWarning
from . import _common as c

__all__ = ["read", "write"]

CONTENT = "http://purl.org/rss/1.0/modules/content/"
DC = "http://purl.org/dc/elements/1.1/"
ATOM = "http://www.w3.org/2005/Atom"
ATOM_ENTRY = f"{{{ATOM}}}entry"
_NSMAP = {"content": CONTENT, "dc": DC, "atom": ATOM, "df": c.NS}


def write(doc: Digest) -> str:
    """The digest as an RSS 2.0 document."""
    rss = etree.Element("rss", version="2.0", nsmap=_NSMAP)
    channel = c.sub(rss, "channel")
    when = c.rfc822(c.moment(doc))
    c.sub(channel, "title", c.channel_title(doc))
    c.sub(channel, "link", c.site_link(doc))
    count = len(doc.papers)
    c.sub(channel, "description", f"{c.channel_title(doc)}: {count} paper{'s' if count != 1 else ''}")
    c.sub(channel, "language", "ko")
    c.sub(channel, "lastBuildDate", when)
    c.sub(channel, "generator", "digestformat")
    self_url = c.feed_url(doc)
    if self_url is not None:
        c.sub(channel, f"{{{ATOM}}}link", href=self_url, rel="self", type="application/rss+xml")
    channel.append(c.to_element("digest", doc, frozenset({"papers", "warnings"})))
    for paper, ident in zip(doc.papers, c.guids(doc), strict=True):
        channel.append(item(doc, paper, ident))
    return '<?xml version="1.0" encoding="utf-8"?>\n' + c.xml_text(rss)


def item(doc: Digest, paper: Paper, ident: tuple[str, bool]) -> etree._Element:
    """One paper as an RSS <item>; *ident* is its guid and whether that is a permalink."""
    el = etree.Element("item", nsmap=_NSMAP)
    c.sub(el, "title", c.plain(paper.title) or paper.title)
    link = c.paper_link(paper)
    if link is not None:
        c.sub(el, "link", link)
    c.sub(el, "guid", ident[0], isPermaLink="true" if ident[1] else "false")
    c.sub(el, "pubDate", c.rfc822(c.moment(doc)))
    c.sub(el, "description", c.summary_html(paper))
    c.sub(el, f"{{{CONTENT}}}encoded", c.content_html(paper))
    for tag in paper.tags:
        c.sub(el, "category", tag)
    for author in paper.authors:
        c.sub(el, f"{{{DC}}}creator", author)
    el.append(c.to_element("paper", paper))
    return el


def rebuild(
    root: etree._Element,
    items: list[etree._Element],
    what: str,
    strict: bool,
    ours: Callable[[Digest], tuple[etree._Element, list[etree._Element]]],
) -> Digest:
    """A Digest from the df elements of a feed (shared by RSS and Atom).

    The df data is what is read. Every other element of the channel (feed) and
    of each item (entry) is compared with what :func:`write` makes of that data:
    one it does not account for (added by hand or by a tool, or edited) is kept
    verbatim, as XML lines in the digest's or the paper's ``extra``, with a
    warning; with *strict* it is an error. *ours* gives the element matching
    *root*, and the items, of the feed written from a digest.
    """
    digest_el = root.find(f".//{c.DF}digest")
    if digest_el is None:
        raise DigestError(
            f"{what} carries no digestformat data (df:digest): only feeds written by digestformat "
            "can be read back into a digest",
            getattr(root, "sourceline", 1) or 1,
            1,
        )
    repeated: list[ParseWarning] = []
    data: dict[str, Any] = c.from_element(digest_el, repeated)
    papers: list[dict[str, Any]] = []
    for item in items:
        paper_el = item.find(f"{c.DF}paper")
        if paper_el is None:
            message = "a feed entry without digestformat data (df:paper): expected one per paper"
            raise DigestError(message, item.sourceline or 1, 1)
        papers.append(c.from_element(paper_el, repeated))
    data["papers"] = papers
    if strict and repeated:
        raise DigestError(repeated[0].message, repeated[0].line, repeated[0].column)
    try:
        doc = Digest.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        path = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in first["loc"])
        raise DigestError(f"{what} digestformat data {path}: {first['msg']}", 1, 1) from None
    mine, my_items = ours(doc)
    _keep_unaccounted(doc, (root, items), (mine, my_items), what, strict)
    doc.warnings.extend(repeated)
    return doc


def _keep_unaccounted(
    doc: Digest,
    theirs: tuple[etree._Element, list[etree._Element]],
    ours: tuple[etree._Element, list[etree._Element]],
    what: str,
    strict: bool,
) -> None:
    """Keep (and warn about) the elements the df data does not account for; see rebuild()."""
    skip = frozenset({"item", ATOM_ENTRY})
    container = "channel" if what == "RSS" else "feed"
    item_word = "item" if what == "RSS" else "entry"
    found = c.unaccounted(theirs[0], ours[0], skip)
    doc_extra = _kept(doc.warnings, found, f"the {what} {container}", "digest", strict)
    for paper, item, mine in zip(doc.papers, theirs[1], ours[1], strict=True):
        paper_extra = _kept(
            doc.warnings, c.unaccounted(item, mine), f"an {what} {item_word}", "paper", strict
        )
        if paper_extra:
            paper.extra = [*paper.extra, *paper_extra]
    if doc_extra:
        doc.extra = [*doc.extra, *doc_extra]


def _kept(
    warnings: list[ParseWarning], found: list[etree._Element], where: str, owner: str, strict: bool
) -> list[str]:
    lines: list[str] = []
    for el in found:
        what = "a comment" if not isinstance(el.tag, str) else f"<{c.qualified(el)}>"
        message = (
            f"{what} in {where} that digestformat does not write from its df data (added or edited): "
            f"kept verbatim in the {owner}'s 'extra'"
        )
        if strict:
            raise DigestError(message, el.sourceline or 1, 1)
        warnings.append(ParseWarning(line=el.sourceline or 1, column=1, message=message))
        lines.extend(c.verbatim(el).split("\n"))
    return lines


def read(text: str | bytes, *, strict: bool = False) -> Digest:
    """A Digest from RSS written by :func:`write`."""
    root = c.parse_xml(text, "RSS")
    if root.tag != "rss":
        raise DigestError(
            f"expected an <rss> document, found <{c.local_name(root)}>", root.sourceline or 1, 1
        )
    channel = root.find("channel")
    if channel is None:
        raise DigestError("RSS without a <channel>: expected one", root.sourceline or 1, 1)
    return rebuild(channel, channel.findall("item"), "RSS", strict, _written)


def _written(doc: Digest) -> tuple[etree._Element, list[etree._Element]]:
    channel = c.parse_xml(write(doc), "RSS").find("channel")
    assert channel is not None  # write() always makes one
    return channel, channel.findall("item")
