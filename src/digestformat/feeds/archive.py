"""One feed of a whole archive, streamed: every paper, newest digest first, flat memory.

The feed is written item by item (lxml's incremental ``etree.xmlfile`` for
RSS and Atom, a hand-streamed array for JSON Feed) to a temp file beside the
target, then moved into place. Each item is built by the same function as in
a one-digest feed, ``df:paper`` included; its id is the URN of its digest's
date, rank and title (the arXiv URL would repeat when a paper trends on two
days, and remembering the ones given would make memory grow).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import BinaryIO

from lxml import etree

from .._api import parse
from ..model import Digest
from . import _common as c
from . import atom, jsonfeed, rss

__all__ = ["write_archive_feed"]

_TITLE = "Daily Papers archive"


def _docs(paths: Iterable[Path], read: Callable[[bytes], Digest]) -> Iterator[Digest]:
    for path in paths:
        yield read(path.read_bytes())


def _newest(docs: Iterator[Digest]) -> tuple[Digest | None, Iterator[Digest]]:
    first = next(docs, None)
    if first is None:
        return None, docs

    def chain() -> Iterator[Digest]:
        yield first
        yield from docs

    return first, chain()


def write_archive_feed(
    fmt: str, target: Path, paths: Iterable[Path], read: Callable[[bytes], Digest] = parse
) -> None:
    """Write the *fmt* feed ('rss', 'atom' or 'jsonfeed') of the digests at *paths*, in that order."""
    newest, docs = _newest(_docs(paths, read))
    when = c.moment(newest) if newest is not None else dt.datetime(1970, 1, 1, tzinfo=c.KST)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            if fmt == "rss":
                _rss(handle, when, docs)
            elif fmt == "atom":
                _atom(handle, when, docs)
            else:
                _jsonfeed(handle, when, docs)
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _rss(handle: BinaryIO, when: dt.datetime, docs: Iterator[Digest]) -> None:
    with etree.xmlfile(handle, encoding="utf-8") as xf:
        xf.write_declaration()
        with xf.element("rss", version="2.0", nsmap=rss._NSMAP), xf.element("channel"):
            for tag, text in (
                ("title", _TITLE),
                ("link", c.HF_PAPERS),
                ("description", "Every paper of the archive, newest first"),
                ("language", "ko"),
                ("lastBuildDate", c.rfc822(when)),
                ("generator", "digestformat"),
            ):
                el = etree.Element(tag)
                el.text = text
                xf.write(el)
            for doc in docs:
                for paper in doc.papers:
                    xf.write(rss.item(doc, paper, (c.urn(doc, paper), False)))
                    xf.flush()


def _atom(handle: BinaryIO, when: dt.datetime, docs: Iterator[Digest]) -> None:
    a = atom.A
    with etree.xmlfile(handle, encoding="utf-8") as xf:
        xf.write_declaration()
        with xf.element(a + "feed", nsmap={None: atom.ATOM, "df": c.NS}):
            head = etree.Element(a + "head")
            c.sub(head, a + "generator", "digestformat")
            c.sub(head, a + "link", href=c.HF_PAPERS, rel="alternate", type="text/html")
            c.sub(head, a + "updated", c.rfc3339(when))
            c.sub(head, a + "id", c.HF_PAPERS)
            c.sub(head, a + "title", _TITLE, type="html")
            author = c.sub(head, a + "author")
            c.sub(author, a + "name", "Hugging Face Daily Papers")
            for child in head:
                xf.write(child)
            for doc in docs:
                for paper in doc.papers:
                    xf.write(atom.entry(doc, paper, c.urn(doc, paper)))
                    xf.flush()


def _jsonfeed(handle: BinaryIO, when: dt.datetime, docs: Iterator[Digest]) -> None:
    write = handle.write
    head = {"version": jsonfeed.VERSION, "title": _TITLE, "home_page_url": c.HF_PAPERS, "language": "ko"}
    text = json.dumps(head, ensure_ascii=False, indent=2)
    write((text[:-2] + ',\n  "items": [').encode("utf-8"))
    first = True
    for doc in docs:
        for paper in doc.papers:
            item = json.dumps(jsonfeed.item(doc, paper, c.urn(doc, paper)), ensure_ascii=False)
            write((("\n    " if first else ",\n    ") + item).encode("utf-8"))
            first = False
    write(b"\n  ]\n}\n")
    del when
