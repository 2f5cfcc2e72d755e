"""What the feeds share: the project's XML namespace, a model <-> XML codec, HTML, dates, ids.

The codec writes a pydantic model as elements of the ``df`` namespace, one per
field (lists as ``df:item`` children, string maps as ``df:entry key=…``), so
that a feed carries every field of the Digest in readable XML and the reader
rebuilds it exactly. Front matter and trivia (free-form JSON values) travel as
JSON text in an element marked ``df:t="json"``; so does any string XML 1.0
cannot hold (control characters).
"""

from __future__ import annotations

import copy
import datetime as dt
import email.utils
import functools
import hashlib
import json
from typing import TYPE_CHECKING, Any

from lxml import etree
from pydantic import BaseModel

if TYPE_CHECKING:
    from markdown_it import MarkdownIt

from .._boundary import check_values, load_json
from .._slug import slug
from ..errors import DigestError
from ..model import Digest, Paper, ParseWarning

NS = "https://github.com/digestformat/digestformat/ns/1"
"""The namespace of the project's own elements (an identifier, never fetched)."""
DF = f"{{{NS}}}"
KST = dt.timezone(dt.timedelta(hours=9))
HF_PAPERS = "https://huggingface.co/papers"
_T = DF + "t"


@functools.cache
def _md() -> MarkdownIt:
    """The Markdown renderer of feed writing (raw HTML in Markdown is shown, never passed
    through), made on first use: reading a feed, or anything else, does not load markdown-it-py."""
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark", {"html": False})


# ---------------------------------------------------------------- model <-> XML


def _xml_safe(text: str) -> bool:
    for ch in text:
        code = ord(ch)
        if code < 0x20 and ch not in "\t\n\r":
            return False
        if code in (0xFFFE, 0xFFFF) or 0xD800 <= code <= 0xDFFF:
            return False
    return True


MAX_XML_TEXT = 9_000_000
"""The most bytes written in one text or attribute: lxml reads no more than 10 MB in one
without ``huge_tree`` (which we leave off), so a feed never holds what it cannot read back."""


def sized(text: str, where: str) -> str:
    """*text*, unless it is too long for a feed to be read back (DigestError naming *where*)."""
    if len(text) * 4 > MAX_XML_TEXT and len(text.encode("utf-8", "surrogatepass")) > MAX_XML_TEXT:
        raise DigestError(
            f"{where} would hold {len(text.encode('utf-8', 'surrogatepass')):,} bytes of text: RSS and Atom "
            f"take at most {MAX_XML_TEXT:,} in one text (lxml reads no more); expected a smaller "
            "document, or JSON, which has no such limit"
        )
    return text


def _put(parent: etree._Element, name: str, value: Any) -> None:
    el = etree.SubElement(parent, DF + name)
    if value is None:
        el.set(_T, "null")
        return
    _fill(el, value)


def _fill(el: etree._Element, value: Any) -> None:
    if isinstance(value, BaseModel):
        data = value.model_dump(mode="json")
        for field in type(value).model_fields:
            if field in {"trivia", "front_matter"}:
                _put_json(el, field, data.get(field))
            else:
                _put(el, field, getattr(value, field))
    elif isinstance(value, list):
        el.set(_T, "list")
        for item in value:
            child = etree.SubElement(el, DF + "item")
            _fill(child, item)
    elif isinstance(value, dict) and all(_xml_safe(str(key)) for key in value):
        el.set(_T, "map")
        for key, item in value.items():
            child = etree.SubElement(el, DF + "entry", key=sized(str(key), f"df:{local_name(el)}"))
            _fill(child, item)
    elif isinstance(value, bool):
        el.text = "true" if value else "false"
    elif isinstance(value, dt.date):  # Digest.date: its ISO text, as in JSON
        el.text = value.isoformat()
    elif isinstance(value, int | float):
        el.text = str(value)
    elif isinstance(value, str) and _xml_safe(value):
        el.text = sized(value, f"df:{local_name(el)}")
    else:  # text XML 1.0 cannot hold, or a map whose keys it cannot: JSON, which can
        el.set(_T, "json")
        el.text = sized(json.dumps(value, ensure_ascii=True), f"df:{local_name(el)}")


def _put_json(parent: etree._Element, name: str, value: Any) -> None:
    if value is None:
        return
    el = etree.SubElement(parent, DF + name)
    el.set(_T, "json")
    el.text = sized(json.dumps(value, ensure_ascii=True), f"df:{name}")


def to_element(tag: str, model: BaseModel, skip: frozenset[str] = frozenset()) -> etree._Element:
    """*model* as a ``df:TAG`` element, leaving out the fields in *skip*."""
    el = etree.Element(DF + tag, nsmap={"df": NS})
    data = model.model_dump(mode="json")
    for field in type(model).model_fields:
        if field in skip:
            continue
        if field in ("trivia", "front_matter"):
            _put_json(el, field, data.get(field))
        else:
            _put(el, field, getattr(model, field))
    return el


class _Reading:
    """What reading df elements found beside the values: repeated JSON members, JSON at all."""

    def __init__(self) -> None:
        self.warnings: list[ParseWarning] = []
        self.json = False


def _read(el: etree._Element, reading: _Reading) -> Any:
    kind = el.get(_T)
    if kind == "null":
        return None
    if kind == "json":
        reading.json = True
        line = el.sourceline or 1
        try:
            value, repeated = load_json(el.text or "null", f"the JSON of df:{local_name(el)}")
        except DigestError as err:
            raise DigestError(err.msg, line + (err.line or 1) - 1, err.column or 1) from None
        for w in repeated:
            reading.warnings.append(ParseWarning(line=line + w.line - 1, column=w.column, message=w.message))
        return value
    if kind == "list":
        return [_read(child, reading) for child in el if child.tag == DF + "item"]
    if kind == "map":
        return {child.get("key", ""): _read(child, reading) for child in el if child.tag == DF + "entry"}
    fields: dict[str, Any] = {}
    for child in el:
        tag = child.tag
        if isinstance(tag, str) and tag.startswith(DF):
            fields[tag[len(DF) :]] = _read(child, reading)
    return fields if fields else el.text or ""


def from_element(el: etree._Element, warnings: list[ParseWarning]) -> dict[str, Any]:
    """The field values of a ``df:`` element, for pydantic to validate; repeated members of
    its JSON are added to *warnings*. Refuses (DigestError) what the model cannot hold."""
    reading = _Reading()
    value = _read(el, reading)
    if not isinstance(value, dict):
        raise DigestError(
            f"df:{local_name(el)}: expected the fields of a digest element", el.sourceline or 1, 1
        )
    if reading.json:  # only JSON escapes can bring NUL or a lone surrogate
        check_values(value, f"df:{local_name(el)}", line=el.sourceline or 1)
    warnings.extend(reading.warnings)
    return value


# ---------------------------------------------------------------- safe XML in


_WIDE = (
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\x00\x00\x00<", "utf-32-be"),
    (b"<\x00\x00\x00", "utf-32-le"),
    (b"\xfe\xff", "utf-16-be"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\x00<\x00", "utf-16-be"),
    (b"<\x00", "utf-16-le"),
)
"""The byte patterns of XML in UTF-32 and UTF-16 (with or without a byte order mark), as XML's
appendix F tells an encoding from the first bytes."""


def xml_as_text(raw: bytes) -> str | bytes:
    """*raw* as text where it is UTF-16 or UTF-32 (else the bytes: an ASCII-compatible encoding,
    where markup can be searched for as bytes). Raises DigestError for wide text that does not decode."""
    for pattern, codec in _WIDE:
        if raw.startswith(pattern):
            try:
                return raw.decode(codec).removeprefix("\ufeff")
            except UnicodeDecodeError as exc:
                raise DigestError(
                    f"invalid {codec.upper()} at byte {exc.start}: expected the text of a feed",
                    1,
                    1,
                    offset=exc.start,
                ) from None
    return raw


def _refuse_declarations(data: str | bytes, what: str) -> None:
    """Refuse a DOCTYPE or ENTITY declaration, wherever it is, before the parser sees it."""
    text = data if isinstance(data, str) else data.decode("latin-1")  # markup is ASCII: one byte each
    upper = text.upper()
    for marker in ("<!DOCTYPE", "<!ENTITY"):
        found = upper.find(marker)
        if found >= 0:
            line = text.count("\n", 0, found) + 1
            column = found - (text.rfind("\n", 0, found) + 1) + 1
            raise DigestError(
                f"{what} holds a {marker[2:]} declaration: refused "
                "(entities are never expanded); expected a plain feed",
                line,
                column,
            )


def parse_xml(data: str | bytes, what: str) -> etree._Element:
    """Parse feed XML with entities, DTDs and the network off; refuse DOCTYPEs outright,
    in any encoding (UTF-16 and UTF-32 are searched as text), and again after parsing."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    if raw[:2] == b"\x1f\x8b":
        raise DigestError(
            f"{what}: this is gzip-compressed data: expected XML text (decompress it first)", 1, 1
        )
    _refuse_declarations(xml_as_text(raw), what)
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, remove_blank_text=False
    )
    try:
        root = etree.fromstring(raw, parser)
    except etree.XMLSyntaxError as exc:
        line, column = exc.position if exc.position else (1, 1)
        raise DigestError(f"{what} is not well-formed XML: {exc.msg}", line, column + 1) from None
    info = root.getroottree().docinfo
    if info.doctype or info.internalDTD is not None:  # an encoding the search above did not read
        raise DigestError(
            f"{what} holds a DOCTYPE declaration: refused (entities are never expanded); "
            "expected a plain feed",
            1,
            1,
        )
    return root


def xml_text(root: etree._Element) -> str:
    return str(etree.tostring(root, encoding="unicode", pretty_print=True))


def verbatim(el: etree._Element) -> str:
    """An element (or comment) as XML text, without what follows it, declaring the
    namespaces it uses (and no others)."""
    if not isinstance(el.tag, str):
        return str(etree.tostring(el, encoding="unicode", with_tail=False))
    alone = copy.deepcopy(el)
    etree.cleanup_namespaces(alone)
    return str(etree.tostring(alone, encoding="unicode", with_tail=False))


def qualified(el: etree._Element) -> str:
    """'dc:creator' or 'title': an element's name with the prefix it was written with."""
    name = etree.QName(el)
    return f"{el.prefix}:{name.localname}" if el.prefix else str(name.localname)


def _canonical(el: etree._Element) -> str:
    if not isinstance(el.tag, str):  # a comment or processing instruction (lxml's C14N crashes on one)
        return "\0" + str(etree.tostring(el, encoding="unicode", with_tail=False))
    try:
        return etree.tostring(el, method="c14n", exclusive=True, with_comments=True).decode("utf-8")
    except etree.C14NError:  # a relative namespace URI, which C14N refuses: compared as written
        return "\1" + str(etree.tostring(el, encoding="unicode", with_tail=False))


def unaccounted(
    theirs: etree._Element, ours: etree._Element, skip: frozenset[str] = frozenset()
) -> list[etree._Element]:
    """The children of *theirs* (read) that *ours* (written from the df data) lacks, in order.

    Children are compared as canonical XML (C14N), as a multiset; the df data
    itself and the *skip* tags (items, entries: compared one by one) are left out.
    """
    wanted: dict[str, int] = {}
    for child in ours:
        if isinstance(child.tag, str) and (child.tag in skip or child.tag.startswith(DF)):
            continue
        key = _canonical(child)
        wanted[key] = wanted.get(key, 0) + 1
    out: list[etree._Element] = []
    for child in theirs:
        if isinstance(child.tag, str) and (child.tag in skip or child.tag.startswith(DF)):
            continue
        key = _canonical(child)
        if wanted.get(key, 0):
            wanted[key] -= 1
        else:
            out.append(child)
    return out


def local_name(el: etree._Element) -> str:
    return str(etree.QName(el).localname)


def shown(text: str) -> str:
    """*text* for a reader's eyes: characters XML 1.0 cannot hold become U+FFFD.

    Only the human-facing elements use it; the df elements keep the exact text.
    """
    if _xml_safe(text):
        return text
    return "".join(ch if _xml_safe(ch) else "\ufffd" for ch in text)


def sub(parent: etree._Element, tag: str, text: str | None = None, **attrs: str) -> etree._Element:
    """A human-facing child element with optional text and attributes."""
    name = etree.QName(tag).localname
    el = etree.SubElement(parent, tag, attrib={key: sized(shown(v), f"<{name}>") for key, v in attrs.items()})
    if text is not None:
        el.text = sized(shown(text), f"<{name}>")
    return el


# ---------------------------------------------------------------- HTML and text


def html(markdown: str) -> str:
    """Markdown to HTML; raw HTML in the Markdown is escaped, not passed through."""
    return str(_md().render(markdown))


def plain(markdown_inline: str) -> str:
    """The text of an inline Markdown span (a title), without markup."""
    out: list[str] = []
    for token in _md().parseInline(markdown_inline):
        for child in token.children or ():
            if child.type in ("text", "code_inline"):
                out.append(str(child.content))
            elif child.type in ("softbreak", "hardbreak"):
                out.append(" ")
    return "".join(out)


def summary_markdown(paper: Paper) -> str:
    """A short summary: the first paragraph of the first summary-like section, else of the
    first section, else the title."""
    for kinds in (("one_line_summary", "summary"), None):
        for section in paper.sections:
            if kinds is None or section.kind in kinds:
                return section.body.split("\n\n", 1)[0]
    return paper.title


def summary_html(paper: Paper) -> str:
    return html(summary_markdown(paper))


def content_html(paper: Paper) -> str:
    """Every section as HTML, each under its heading."""
    parts: list[str] = []
    for section in paper.sections:
        if section.heading is not None:
            parts.append(f"<h3>{html_escape(section.heading)}</h3>\n")
        parts.append(html(section.body))
    return "".join(parts)


def html_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


# ---------------------------------------------------------------- dates, links, ids


def moment(doc: Digest) -> dt.datetime:
    """The digest's date at midnight KST (the archives' zone when none is given)."""
    if doc.date is None:
        return dt.datetime(1970, 1, 1, tzinfo=KST)
    return dt.datetime(doc.date.year, doc.date.month, doc.date.day, tzinfo=KST)


def rfc822(when: dt.datetime) -> str:
    return email.utils.format_datetime(when)


def rfc3339(when: dt.datetime) -> str:
    return when.isoformat()


def site_link(doc: Digest) -> str:
    """The page the digest is about: its front matter's url, else Hugging Face's Daily Papers of its date."""
    fm = doc.front_matter or {}
    for key in ("url", "link"):
        value = fm.get(key)
        if isinstance(value, str) and value.startswith(("http://", "https://")):
            return value
    return f"{HF_PAPERS}/date/{doc.date.isoformat()}" if doc.date else HF_PAPERS


def feed_url(doc: Digest) -> str | None:
    value = (doc.front_matter or {}).get("feed_url")
    return value if isinstance(value, str) and value.startswith(("http://", "https://")) else None


def channel_title(doc: Digest) -> str:
    day = None if doc.date is None else doc.date.isoformat()
    if doc.title:
        return plain(doc.title) if not day or day in doc.title else f"{day} {plain(doc.title)}"
    return f"Daily Papers {day}" if day else "Daily Papers"


def paper_link(paper: Paper) -> str | None:
    if paper.url:
        return paper.url
    if paper.arxiv_id:
        return f"https://arxiv.org/abs/{paper.arxiv_id}"
    return next(iter(paper.links.values()), None)


def urn(doc: Digest, paper: Paper) -> str:
    """An id made of the digest's date and the paper's rank, title and url: stable across runs."""
    day = "undated" if doc.date is None else doc.date.isoformat()
    key = f"{None if doc.date is None else day}\0{paper.rank}\0{paper.title}\0{paper.url}"
    digest = hashlib.sha256(key.encode()).hexdigest()[:16]
    return f"urn:digestformat:{day}:{slug(paper.title)[:40]}:{digest}"


def guids(doc: Digest) -> list[tuple[str, bool]]:
    """(id, is a permalink) per paper: the arXiv abs URL where known and not taken by an earlier
    paper of the digest, else the URN. Unique within the feed, as RSS, Atom and JSON Feed ask."""
    out: list[tuple[str, bool]] = []
    taken: set[str] = set()
    for paper in doc.papers:
        ident = f"https://arxiv.org/abs/{paper.arxiv_id}" if paper.arxiv_id else None
        if ident is not None and ident not in taken:
            taken.add(ident)
            out.append((ident, True))
        else:
            out.append((urn(doc, paper), False))
    return out
