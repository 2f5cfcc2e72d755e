"""Atom 1.0, as jekyll-feed emits it: one entry per paper, the whole model in the df namespace."""

from __future__ import annotations

from lxml import etree

from ..errors import DigestError
from ..model import Digest, Paper
from . import _common as c
from .rss import rebuild

__all__ = ["read", "write"]

ATOM = "http://www.w3.org/2005/Atom"
A = f"{{{ATOM}}}"


def write(doc: Digest) -> str:
    """The digest as an Atom 1.0 feed."""
    feed = etree.Element(A + "feed", nsmap={None: ATOM, "df": c.NS})
    feed.set("{http://www.w3.org/XML/1998/namespace}lang", "ko")
    c.sub(feed, A + "generator", "digestformat", uri="https://pypi.org/project/digestformat/")
    self_url = c.feed_url(doc)
    if self_url is not None:
        c.sub(feed, A + "link", href=self_url, rel="self", type="application/atom+xml")
    site = c.site_link(doc)
    c.sub(feed, A + "link", href=site, rel="alternate", type="text/html")
    when = c.rfc3339(c.moment(doc))
    c.sub(feed, A + "updated", when)
    c.sub(feed, A + "id", self_url or site)
    c.sub(feed, A + "title", c.html_escape(c.channel_title(doc)), type="html")
    author = c.sub(feed, A + "author")
    c.sub(author, A + "name", "Hugging Face Daily Papers")
    feed.append(c.to_element("digest", doc, frozenset({"papers", "warnings"})))
    for paper, ident in zip(doc.papers, c.guids(doc), strict=True):
        feed.append(entry(doc, paper, ident[0]))
    return '<?xml version="1.0" encoding="utf-8"?>\n' + c.xml_text(feed)


def entry(doc: Digest, paper: Paper, ident: str) -> etree._Element:
    """One paper as an Atom <entry> with id *ident*."""
    when = c.rfc3339(c.moment(doc))
    el = etree.Element(A + "entry", nsmap={None: ATOM, "df": c.NS})
    c.sub(el, A + "title", c.html_escape(c.plain(paper.title) or paper.title), type="html")
    link = c.paper_link(paper)
    if link is not None:
        c.sub(el, A + "link", href=link, rel="alternate", type="text/html")
    c.sub(el, A + "published", when)
    c.sub(el, A + "updated", when)
    c.sub(el, A + "id", ident)
    c.sub(el, A + "content", c.content_html(paper), type="html")
    for name in paper.authors:
        person = c.sub(el, A + "author")
        c.sub(person, A + "name", name)
    for tag in paper.tags:
        c.sub(el, A + "category", term=tag)
    c.sub(el, A + "summary", c.summary_html(paper), type="html")
    el.append(c.to_element("paper", paper))
    return el


def read(text: str | bytes, *, strict: bool = False) -> Digest:
    """A Digest from Atom written by :func:`write`."""
    root = c.parse_xml(text, "Atom")
    if root.tag != A + "feed":
        raise DigestError(
            f"expected an Atom <feed> document, found <{c.local_name(root)}>", root.sourceline or 1, 1
        )
    return rebuild(root, root.findall(A + "entry"), "Atom", strict, _written)


def _written(doc: Digest) -> tuple[etree._Element, list[etree._Element]]:
    root = c.parse_xml(write(doc), "Atom")
    return root, root.findall(A + "entry")
