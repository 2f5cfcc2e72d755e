"""One feed of a whole archive, streamed: every paper, newest digest first, flat memory.

The feed is written item by item (lxml's incremental ``etree.xmlfile`` for
RSS and Atom, a hand-streamed array for JSON Feed) to a temp file beside the
target, then moved into place. Each item is built by the same function as in
a one-digest feed, ``df:paper`` included; its id is the URN of its digest's
date, rank and title (the arXiv URL would repeat when a paper trends on two
days, and remembering the ones given would make memory grow).

One input that cannot be read, parsed or made into items (any exception) is
handed to ``on_error`` and left out, if one is given; the feed goes on.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import BinaryIO, TypeVar

from lxml import etree

from .._api import parse
from ..model import Digest, Paper
from . import _common as c
from . import atom, jsonfeed, rss

__all__ = ["write_archive_feed"]

_TITLE = "Daily Papers archive"

OnError = Callable[[Path, Exception], None]
"""Told of an input left out of the feed: its path and what went wrong."""

_T = TypeVar("_T")


def _read_bytes(path: Path) -> bytes:
    return path.read_bytes()


class _Reader:
    """The digests at *paths*, one at a time; each failure is told to *on_error* and skipped."""

    def __init__(
        self,
        paths: Iterable[Path],
        read: Callable[[bytes], Digest],
        load: Callable[[Path], bytes],
        on_error: OnError | None,
    ) -> None:
        self.paths = paths
        self.read = read
        self.load = load
        self.on_error = on_error
        self.current: Path | None = None

    def docs(self) -> Iterator[Digest]:
        for path in self.paths:
            self.current = path
            try:
                doc = self.read(self.load(path))
            except Exception as exc:
                self.fail(exc)
                continue
            yield doc

    def fail(self, exc: Exception) -> None:
        if self.on_error is None or self.current is None:
            raise exc
        self.on_error(self.current, exc)

    def items(self, docs: Iterator[Digest], build: Callable[[Digest, Paper], _T]) -> Iterator[list[_T]]:
        """Each digest's items, built whole before any is written (a failing one writes none)."""
        for doc in docs:
            try:
                items = [build(doc, paper) for paper in doc.papers]
            except Exception as exc:
                self.fail(exc)
                continue
            yield items


def _newest(docs: Iterator[Digest]) -> tuple[Digest | None, Iterator[Digest]]:
    first = next(docs, None)
    if first is None:
        return None, docs

    def chain() -> Iterator[Digest]:
        yield first
        yield from docs

    return first, chain()


def write_archive_feed(
    fmt: str,
    target: Path,
    paths: Iterable[Path],
    read: Callable[[bytes], Digest] = parse,
    *,
    load: Callable[[Path], bytes] = _read_bytes,
    on_error: OnError | None = None,
) -> None:
    """Write the *fmt* feed ('rss', 'atom' or 'jsonfeed') of the digests at *paths*, in that order.

    *load* reads a path's bytes, *read* makes them a digest. An exception from
    either, or from building a digest's items, goes to *on_error* (that input is
    left out) or, without one, out of this function. Writing errors (OSError)
    always go out; the target is then left as it was.
    """
    reader = _Reader(paths, read, load, on_error)
    newest, docs = _newest(reader.docs())
    when = c.moment(newest) if newest is not None else dt.datetime(1970, 1, 1, tzinfo=c.KST)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            if fmt == "rss":
                _rss(handle, when, docs, reader)
            elif fmt == "atom":
                _atom(handle, when, docs, reader)
            else:
                _jsonfeed(handle, when, docs, reader)
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _rss(handle: BinaryIO, when: dt.datetime, docs: Iterator[Digest], reader: _Reader) -> None:
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
            for items in reader.items(
                docs, lambda doc, paper: rss.item(doc, paper, (c.urn(doc, paper), False))
            ):
                for item in items:
                    xf.write(item)
                    xf.flush()


def _atom(handle: BinaryIO, when: dt.datetime, docs: Iterator[Digest], reader: _Reader) -> None:
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
            for entries in reader.items(docs, lambda doc, paper: atom.entry(doc, paper, c.urn(doc, paper))):
                for entry in entries:
                    xf.write(entry)
                    xf.flush()


def _jsonfeed(handle: BinaryIO, when: dt.datetime, docs: Iterator[Digest], reader: _Reader) -> None:
    write = handle.write
    head = {"version": jsonfeed.VERSION, "title": _TITLE, "home_page_url": c.HF_PAPERS, "language": "ko"}
    text = json.dumps(head, ensure_ascii=False, indent=2)
    write((text[:-2] + ',\n  "items": [').encode("utf-8"))
    first = True

    def build(doc: Digest, paper: Paper) -> str:
        return json.dumps(jsonfeed.item(doc, paper, c.urn(doc, paper)), ensure_ascii=False)

    for items in reader.items(docs, build):
        for item in items:
            write((("\n    " if first else ",\n    ") + item).encode("utf-8"))
            first = False
    write(b"\n  ]\n}\n")
    del when
