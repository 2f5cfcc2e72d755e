"""The public functions: detect, parse, render, convert; load, loads, dump, dumps."""

from __future__ import annotations

import gc
import importlib
import os
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import IO, Any

from . import _config, _io, _names, _text
from ._config import Config
from ._detect import detect_lines, detect_scan
from .errors import DigestError
from .layouts import LAYOUTS
from .layouts._engine import read_hint
from .layouts._reader import _Reader
from .layouts._writer import write
from .layouts.vocabulary import DEFAULT, KINDS, Vocabulary
from .model import Digest

_FormatReader = Callable[..., Digest]
_FormatWriter = Callable[[Digest], str]

FORMATS: tuple[str, ...] = _names.FORMATS
"""Every name ``render(to=...)`` and ``parse(layout=...)`` accept (the layouts' names agree with
``LAYOUTS``: tests/test_startup.py)."""


def _feed(name: str) -> ModuleType | None:
    """The module of JSON or a feed (``feeds.json``, ``feeds.rss``, ...), imported on first use:
    lxml and the feed code load only when a feed is read or written. None for other names."""
    if name not in _names.FEEDS:
        return None
    module = sys.modules.get(f"{__package__}.feeds.{name}")  # imported: no import machinery per call
    return module if module is not None else importlib.import_module(f".feeds.{name}", __package__)


def _reader(name: str) -> _FormatReader | None:
    module = _feed(name)
    return None if module is None else module.read


def _writer(name: str) -> _FormatWriter | None:
    module = _feed(name)
    return None if module is None else module.write


def _text_only(text: object, function: str) -> None:
    """Refuse a path where the text of a digest is expected (a str is always text: no guessing)."""
    if not isinstance(text, str | bytes) and isinstance(text, os.PathLike):  # (an ABC: slower)
        raise TypeError(f"{function}() takes the text of a digest, not a path: use digestformat.load(path)")


def _source(decoded: str) -> _text.SourceText:
    """The lines of a text :func:`_text.decode` has checked (it is not checked twice)."""
    src = _text.split(decoded)
    if all(not line.strip() for line in src.lines):
        raise DigestError("empty document: expected a digest", 1, 1)
    return src


def _format_of(decoded: str) -> str | None:
    """'json', 'jsonfeed', 'rss' or 'atom' when the text is one of them, else None."""
    head = decoded.lstrip("\ufeff \t\r\n")
    if head.startswith("{"):
        return "jsonfeed" if '"https://jsonfeed.org/version/' in head[:4096] else "json"
    # the root element names the feed: declarations, processing instructions (a stylesheet),
    # comments and a DOCTYPE (which the feed readers refuse) may come first
    for _ in range(64):
        if head.startswith("<?"):
            closer = "?>"
        elif head.startswith(("<!DOCTYPE", "<!doctype")):
            bracket = head.find("[")
            closer = "]>" if 0 <= bracket < head.find(">") else ">"  # an internal subset: to its end
        elif head.startswith("<!--"):
            closer = "-->"
        else:
            break
        end = head.find(closer)
        if end < 0:
            return None
        head = head[end + len(closer) :].lstrip(" \t\r\n")
    for tag, name in (("<rss", "rss"), ("<feed", "atom")):
        if head.startswith(tag) and head[len(tag) : len(tag) + 1] in (" ", ">", "\n", "\t", "\r", "/"):
            return name
    return None


def _wide_feed(text: str | bytes) -> str | None:
    """'rss' or 'atom' for a feed in UTF-16 or UTF-32 (bytes no UTF-8 reader takes), else None."""
    if isinstance(text, str) or text[:1] not in (b"\x00", b"\xfe", b"\xff", b"<"):
        return None
    from .feeds._common import xml_as_text  # lxml: only for bytes that may be a feed

    wide = xml_as_text(text)
    found = _format_of(wide) if isinstance(wide, str) else None
    return found if found in ("rss", "atom") else None


def detect(text: str | bytes, *, config: Config | None = None) -> str:
    """The name of the format *text* is written in (a layout, or json/rss/atom/jsonfeed).

    *config* teaches the section vocabulary, whose headings count as evidence. Raises
    DigestError when it is in no known format.
    """
    _text_only(text, "detect")
    wide = _wide_feed(text)
    if wide is not None:
        return wide
    decoded = _text.decode(text)
    vocabulary = DEFAULT if config is None else _vocabulary(config)
    return _format_of(decoded) or detect_scan(_source(decoded).lines, vocabulary)[0]


class _no_gc:
    """Pause the cyclic garbage collector while a document's objects are made.

    The parser allocates thousands of small objects and makes no cycles; CPython's
    collector, triggered by the allocations, scanned them again and again (half the
    time on a 100,000-section file). Reference counting still frees everything.
    (A class, not a ``contextmanager`` generator: a third of the cost per call.)
    """

    __slots__ = ("paused",)

    def __enter__(self) -> None:
        self.paused = gc.isenabled()
        if self.paused:
            gc.disable()

    def __exit__(self, *exc: object) -> None:
        if self.paused:
            gc.enable()


def load_config(path: str | Path) -> Config:
    """The config file at *path*: a ``digestformat.toml``, or a ``pyproject.toml``'s
    ``[tool.digestformat]`` table (docs/config.md). Raises DigestError naming what is wrong."""
    return _config.load_config(Path(path), KINDS)


def find_config(start: str | Path) -> Config:
    """The config that applies to the file or folder *start*: the nearest ``digestformat.toml``
    or ``pyproject.toml`` with a ``[tool.digestformat]`` table, looking upward; an empty
    Config when there is none."""
    return _config.find_config(Path(start), KINDS)


def _vocabulary(config: Config | None) -> Vocabulary:
    if config is None or (not config.headings and not config.kinds):
        return DEFAULT
    return DEFAULT.taught(config.headings, config.kinds)


def parse(
    text: str | bytes, layout: str | None = None, *, strict: bool = False, config: Config | None = None
) -> Digest:
    """Read *text* (str, or UTF-8 bytes) into a Digest.

    *layout* is detected when None. With ``strict=True`` every warning is
    raised as a DigestError instead. *config* (from :func:`load_config` or
    :func:`find_config`) teaches the section vocabulary headings it lacks.

    A *layout* that reads no paper where detection finds papers in another
    layout is a DigestError at 1:1 naming both (a wrong ``--from``).
    """
    _text_only(text, "parse")
    with _no_gc():
        return _parse(text, layout, strict, DEFAULT if config is None else _vocabulary(config))


def loads(
    text: str | bytes, layout: str | None = None, *, strict: bool = False, config: Config | None = None
) -> Digest:
    """The same as :func:`parse`: read the text (str, or UTF-8 bytes) of a digest."""
    _text_only(text, "loads")
    with _no_gc():
        return _parse(text, layout, strict, DEFAULT if config is None else _vocabulary(config))


def _read_bytes(source: str | os.PathLike[str] | IO[bytes], function: str) -> bytes:
    if isinstance(source, str | os.PathLike):
        try:
            return _io.read_file(source)
        except _io.InputRefused as exc:  # a folder, a FIFO, a device: the OS's own kind of error
            raise OSError(f"{os.fspath(source)}: {exc}: expected a regular file") from None
    if isinstance(source, bytes | bytearray | memoryview):
        raise TypeError(f"{function}() takes a path or a binary file: for a digest's bytes use loads(data)")
    read = getattr(source, "read", None)
    if not callable(read):
        raise TypeError(f"{function}() takes a path or a binary file, not {type(source).__name__}")
    data = read()
    if not isinstance(data, bytes):
        raise TypeError(
            f"{function}() reads bytes: open the file in binary mode ('rb'), got {type(data).__name__}"
        )
    return data


def load(
    source: str | os.PathLike[str] | IO[bytes],
    layout: str | None = None,
    *,
    strict: bool = False,
    config: Config | None = None,
) -> Digest:
    """Read the digest in the file *source*: a path (str or os.PathLike) or a binary file
    object (its ``read()`` gives bytes). The bytes are read as they are, never in text mode,
    so the round trip stays byte for byte. The rest is :func:`parse`'s.

    A path names a regular file: the OSError the OS gives for a missing one, an OSError
    for a folder, a FIFO or a device (never opened for reading, so never waited on).
    """
    data = _read_bytes(source, "load")
    with _no_gc():
        return _parse(data, layout, strict, DEFAULT if config is None else _vocabulary(config))


def dumps(doc: Digest, to: str | None = None, *, content_only: bool = False) -> str:
    """The same as :func:`render`: *doc* as text in format *to*."""
    return render(doc, to, content_only=content_only)


def dump(
    doc: Digest,
    target: str | os.PathLike[str] | IO[bytes],
    to: str | None = None,
    *,
    content_only: bool = False,
) -> None:
    """Write *doc* in format *to* (default: its layout) as UTF-8 bytes to *target*: a path,
    written atomically (a temp file in the same folder, then a rename), or a binary file
    object (its ``write()`` takes bytes)."""
    data = render(doc, to, content_only=content_only).encode("utf-8")
    if isinstance(target, str | os.PathLike):
        _io.write_atomic(Path(target), data)
        return
    write: Any = getattr(target, "write", None)
    if not callable(write):
        raise TypeError(f"dump() writes to a path or a binary file, not {type(target).__name__}")
    write(data)


def _parse(text: str | bytes, layout: str | None, strict: bool, vocabulary: Vocabulary = DEFAULT) -> Digest:
    if layout is None:
        layout = _wide_feed(text)
    if layout is None or layout in LAYOUTS:
        decoded = _text.decode(text)
        if layout is None:
            layout = _format_of(decoded)
        if layout is None or layout in LAYOUTS:
            src = _source(decoded)
            if layout is None:
                layout, scanned = detect_scan(src.lines, vocabulary)
                return _Reader(LAYOUTS[layout], src, strict, scanned, vocabulary).read()
            doc = _Reader(LAYOUTS[layout], src, strict, None, vocabulary).read()
            if not doc.papers:
                _refuse_a_wrong_layout(src, layout, vocabulary)
            return doc
    reader = _reader(layout)
    if reader is None:
        raise DigestError(f"unknown layout {layout!r}: expected one of {', '.join(FORMATS)}")
    return reader(text, strict=strict)  # each decodes; JSON checks a str once, in load_json


def _refuse_a_wrong_layout(src: _text.SourceText, layout: str, vocabulary: Vocabulary) -> None:
    """A DigestError when the text read as *layout* has no paper but detection reads papers
    in another layout: the layout asked for is wrong, and the papers would be lost. Not when
    the text carries the hint of *layout* (``<!-- digestformat: imrad -->``): its writer said so."""
    if any(read_hint(line) == layout for line in src.lines):
        return
    try:
        found, scanned = detect_scan(src.lines, vocabulary)
    except DigestError:
        return  # in no known layout: a genuinely paperless file
    if found == layout:
        return
    try:
        papers = _Reader(LAYOUTS[found], src, False, scanned, vocabulary).read().papers
    except DigestError:
        return
    if papers:
        raise DigestError(
            f"this file reads no paper as {layout}; it looks like {found} "
            f"(read it with --from {found}, or without --from)",
            1,
            1,
        )


def render(doc: Digest, to: str | None = None, *, content_only: bool = False) -> str:
    """Write *doc* as text in format *to* (default: the layout it was read from).

    With ``content_only=True`` (JSON only) the JSON has no ``trivia`` fields and no
    ``warnings``: reading it back gives an equal document (``==``), not the same bytes.
    """
    if content_only:
        if (doc.layout if to is None else to) != "json":
            raise DigestError(f"content_only writes JSON only, not {to or doc.layout}: use to='json'")
        from .feeds import json as _json  # the feeds load on first use

        return _json.write(doc, content_only=True)
    with _no_gc():
        return _render(doc, to)


def _render(doc: Digest, to: str | None) -> str:
    target = doc.layout if to is None else to
    writer = _writer(target)
    if writer is not None:
        return writer(doc)
    spec = LAYOUTS.get(target)
    if spec is None:
        raise DigestError(f"unknown format {target!r}: expected one of {', '.join(FORMATS)}")
    if doc.layout == target:
        spec = spec.generation(doc.template)  # the generation it was read in
    source = LAYOUTS.get(doc.layout)
    lines = write(doc, spec, source)
    fresh = doc.layout != target or doc.trivia.order is None  # not laid out by a source file
    if fresh and not _detected_as(lines, target):
        lines = write(doc, spec, source, hint=True)
    trivia = doc.trivia
    src = _text.SourceText(
        lines,
        bom=trivia.bom,
        newline=trivia.newline,
        newline_exceptions=dict(trivia.newline_exceptions) if target == doc.layout else {},
        final_newline=trivia.final_newline,
    )
    return _text.join(src)


def _detected_as(lines: list[str], layout: str) -> bool:
    try:
        return detect_lines(lines) == layout
    except DigestError:
        return False


def convert(
    text: str | bytes,
    to: str,
    source: str | None = None,
    *,
    strict: bool = False,
    config: Config | None = None,
) -> str:
    """Parse *text* (layout *source*, detected when None) and render it as *to*."""
    _text_only(text, "convert")
    return render(parse(text, source, strict=strict, config=config), to)
