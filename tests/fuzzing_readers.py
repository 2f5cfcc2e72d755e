"""The readers' fuzz property, shared by tests/test_fuzz_readers.py (in CI) and fuzz/fuzz_readers.py.

Seeds are every fixture (``tests/fixtures/**/*.md`` and their ``.json``
siblings) and every fixture that parses rendered as JSON, RSS, Atom and JSON
Feed. Each input is a seed mutated at the byte level: bytes flipped, inserted,
deleted; spans deleted and repeated; two seeds spliced; hostile tokens of the
seed's kind (YAML, JSON, XML, Markdown) inserted where they matter; feeds
re-encoded as UTF-16/UTF-32. For every input and every reader (the Markdown
layouts, detection, json, rss, atom, jsonfeed), strict and lenient:

* parsing raises nothing but DigestError, and a DigestError has a place
  (a line or a byte offset);
* what parses renders to every format, or raises DigestError, as text that
  encodes to UTF-8 (no lone surrogates);
* what renders to JSON reads back as JSON (our own output is never refused).

Front matter is fuzzed through Markdown files whose front-matter block is
mutated, and directly: ``_frontmatter.load`` raises nothing but
FrontMatterError and returns JSON that encodes to UTF-8; ``load_lenient``
raises nothing.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable
from pathlib import Path

from hypothesis import currently_in_test_context, note
from hypothesis import strategies as st

import digestformat as df
from digestformat._frontmatter import FrontMatterError, load
from digestformat._frontmatter_lines import load_lenient

FIXTURES = Path(__file__).parent / "fixtures"
READERS: tuple[str | None, ...] = (
    None,
    "tagged",
    "translated",
    "imrad",
    "review",
    "json",
    "rss",
    "atom",
    "jsonfeed",
)
FEEDS = ("json", "rss", "atom", "jsonfeed")
KINDS = ("md", "json", *FEEDS)
"""Seed kinds: Markdown fixtures, the fixtures' JSON siblings, and fixtures rendered to each feed."""

_BIG = b"9" * 5000

YAML_TOKENS = [
    b"&a ", b"*a", b"<<: *a\n", b"x: &a [1, 2]\ny: *a\n", b"<<: [*a, *a]\n", b"!!set ", b"!!set {a, b}",
    b"!!python/object:os.system ", b"!!python/object/apply:os.system [ls]", b"!!binary ", b"!!binary AAAA",
    b"!!float ", b"!!int ", b"!!bool ", b"!!null ", b"!!str ", b"!!map ", b"!!omap [a: 1]",
    b"!!timestamp 2001-12-14",
    b"!<tag:yaml.org,2002:int> ", b"!local ", _BIG, b"-" + _BIG, b"0x" + b"f" * 5000, b"0o" + b"7" * 5000,
    b"0b" + b"1" * 5000, b"1" + b"_0" * 3000, b"1e999", b"-.inf", b".nan", b"0.1e-99999", b"190:20:30",
    b'"\\ud800"', b'"\\udc00x"', b'"\\U0010ffff"', b'"\\U00110000"', b'"\\x00"', b'"\\0"', b'"\\e\\N\\_"',
    b'"\\L\\P"', b"? ", b"? [a]\n: b\n", b"{", b"[", b"}", b"]", b"- ", b"key: ", b"%YAML 1.1\n",
    b"%TAG ! tag:x,2000:\n", b"--- ", b"...\n", b"|\n  x\n", b">-\n  x\n", b"\t", b"\xe2\x80\xa8",
    b"\xc2\x85",
    b"\xef\xbb\xbf", b"\x00", b"\x01", b"\x7f", b"'", b'"', b"#", b"@", b"`", b"~", b"null", b"true",
    b"2026-02-30", b"2026-02-16 00:00:00+0900", b"date: 2026-13-45\n", b"date: [1, 2]\n", b"date: {a: 1}\n",
    b"title: " + b"[" * 500 + b"\n", b"tags: " + b"[" * 200 + b"\n", b"front_matter_x: 1\n",
    b"a: &a [x, x]\nb: &b [*a, *a]\nc: &c [*b, *b]\nd: [*c, *c, *c, *c]\n",
]  # fmt: skip
JSON_TOKENS = [
    b"NaN", b"-Infinity", b"Infinity", b"1e999", b"-1e999", _BIG, b"-" + _BIG, b"1." + _BIG, b"0" + _BIG,
    b'"\\ud800"', b'"\\udfff"', b'"\\ud800\\u0041"', b'"\\u0000"', b'"\\u001f"', b'"\\uffff"', b'"\\ufffe"',
    b"\\ud800", b"\\u0000", b"\\", b'"', b"null", b"true", b"[]", b"{}", b"[" * 100000, b"{" * 50000,
    b'{"a":' * 5000, b'"items": 5, ', b'"items": [5], ', b'"items": {}, ', b'"papers": 5, ',
    b'"papers": [5], ',
    b'"_digestformat": 5, ', b'"_digestformat": [], ', b'"version": 5, ', b'"sections": "x", ',
    b'"front_matter": [], ', b'"trivia": 5, ', b'"rank": "1", ', b'"rank": ' + _BIG + b", ",
    b'"rank": 1e999, ', b'"rank": NaN, ', b'"layout": "nope", ', b'"schema_version": 99, ', b'"date": 5, ',
    b'"date": "2026-02-30", ', b'"date": "\\ud800", ', b'"title": "\\ud800", ', b'"warnings": [5], ',
    b'"extra": ["\\ud800"], ', b'"tags": ["\\u0000"], ', b'"url": "\\u0001", ', b'"template": 5, ',
    b"\xef\xbb\xbf", b"\x00", b"\x01", b"\xff", b",", b":", b"]", b"}", b"//", b"/*", b"'",
]  # fmt: skip
XML_TOKENS = [
    b"<!DOCTYPE rss>", b'<!DOCTYPE x [<!ENTITY a "b">]>', b'<!ENTITY a "b">', b"&a;", b"&amp;", b"&lt;",
    b'<?xml-stylesheet href="x.xsl" type="text/xsl"?>', b"<?pi x?>", b'<?xml version="1.0"?>',
    b"&#0;", b"&#1;", b"&#x1F;", b"&#xD800;", b"&#xFFFE;", b"&#x10FFFF;", b"&#1114112;", b"&#" + _BIG + b";",
    b"\x00", b"\x01", b"\x0b", b"\x1b", b"\x7f", b"\xc2\x80", b"\xef\xbf\xbe", b"\xef\xbb\xbf", b"\xff",
    b"<![CDATA[x]]>", b"]]>", b"<!-- c -->", b"<!--", b"-->", b"<a>" * 3000, b"</a>", b"<", b">", b"/>",
    b'df:t="json"', b'df:t="list"', b'df:t="map"', b'df:t="null"', b'df:t="nope"', b' xmlns:df="urn:x"',
    b' xmlns="urn:x"', b' xml:lang="x"', b'<df:front_matter df:t="json">{"a": NaN}</df:front_matter>',
    b'<df:trivia df:t="json">[</df:trivia>', b'<df:trivia df:t="json">5</df:trivia>',
    b'<df:title df:t="json">"\\ud800"</df:title>', b'<df:rank df:t="json">' + _BIG + b"</df:rank>",
    b'<df:rank df:t="json">1e999</df:rank>',
    b'<df:front_matter df:t="json">{"a": ' + _BIG + b"}</df:front_matter>",
    b"<df:paper/>", b"<df:digest/>", b'<df:papers df:t="list"><df:item>5</df:item></df:papers>',
    b'<df:entry key="a">x</df:entry>', b"<df:item/>", b"<item/>", b"<entry/>", b"<channel/>",
    b'<category term="\x01"/>', b"NaN", b"1e999", _BIG, b'"\\ud800"', b"{", b"[",
]  # fmt: skip
MD_TOKENS = [
    b"\n", b"\r\n", b"\r", b"---\n", b"...\n", b"```\n", b"~~~\n", b"## ", b"### ", b"# ", b"<!--", b"-->",
    b"[", b"]", b"(", b")", b"**", b"|", b"  ", b"\t", b"\xef\xbb\xbf", b"> ", b"- ", b"1. ",
    b"\xf0\x9f\x93\x8c ", b"\xef\xbf\xbd", b"\xef\xbf\xbe", b"\xe2\x80\xa8", b"\x00", b"\x01", b"\x1b",
    b"\x7f",
    b"\xed\xa0\x80", b"\xff", b"**Upvotes**: " + _BIG, b"**Upvotes**: 3", b"![x](y)", b"<div>\n",
    b"[\x01](https://x)", b"[a\x1bb](http://e.com/\x01)", b"&#0;", b"&#1;", b"&#xD800;", b"\\", b"`",
    b"<!-- digestformat: imrad -->\n", b"<!-- digestformat: review -->\n", b"> " * 500, b"[" * 5000,
    b"*" * 3000, b"title: x\n",
]  # fmt: skip
TOKENS = {"md": MD_TOKENS + YAML_TOKENS, "json": JSON_TOKENS, "jsonfeed": JSON_TOKENS, "rss": XML_TOKENS}
TOKENS["atom"] = XML_TOKENS
ANCHORS = {
    "md": [b"\n", b": ", b"](", b"**", b"## ", b"---\n"],
    "json": [b"{", b"[", b": ", b", ", b'"', b'": "', b"\n"],
    "rss": [b">", b"<", b'="', b"\n", b"</"],
}
ANCHORS["jsonfeed"] = ANCHORS["json"]
ANCHORS["atom"] = ANCHORS["rss"]
JSON_KEYS = [
    "items", "papers", "_digestformat", "version", "sections", "front_matter", "trivia", "rank", "title",
    "date", "layout", "template", "schema_version", "warnings", "extra", "tags", "url", "links", "authors",
    "body", "heading", "kind", "thumbnail", "upvotes", "arxiv_id", "keywords", "content_html",
]  # fmt: skip
TOP_KEYS = [
    "items",
    "_digestformat",
    "version",
    "papers",
    "front_matter",
    "trivia",
    "layout",
    "date",
    "extra",
]
JSON_VALUES = [
    "5", "-1", "0", "true", "null", '"x"', '""', "[]", "{}", "[5]", '{"a": 1}', "NaN", "Infinity", "1e999",
    "9" * 5000, "0." + "9" * 5000, '"\\ud800"', '"\\u0000"', '"\\u0001x"', '["\\udc00"]', '{"\\ud800": 1}',
    '{"a\\u0001b": "https://x"}', '{"\\u001b": "x"}', '["a\\u0001"]', "[" * 1000 + "]" * 1000,
    '"2026-02-30"', '"9999-12-31"', '"0000-01-01"', '"tagged"', '"review"',
]  # fmt: skip
ENCODINGS = ["utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le", "utf-32-be", "utf-8-sig", "latin-1"]


def _front_matter_body(data: bytes) -> bytes | None:
    if not data.startswith(b"---"):
        return None
    end = data.find(b"\n---", 3)
    start = data.find(b"\n") + 1
    return data[start : end + 1] if end > 0 and start > 0 else None


@functools.cache
def seeds() -> dict[str, list[bytes]]:
    """The seeds of each kind (computed once, on first use)."""
    out: dict[str, list[bytes]] = {kind: [] for kind in KINDS}
    for path in sorted(FIXTURES.rglob("*.md")):
        data = path.read_bytes()
        out["md"].append(data)
        sibling = path.with_suffix(".json")
        if sibling.exists():
            out["json"].append(sibling.read_bytes())
        try:
            doc = df.parse(data)
        except df.DigestError:
            continue
        for kind in FEEDS:
            try:
                out[kind].append(df.render(doc, kind).encode("utf-8"))
            except (df.DigestError, UnicodeError):
                continue
    return out


@functools.cache
def front_matter_seeds() -> list[bytes]:
    """The front-matter blocks (between the fences) of the Markdown fixtures."""
    found = {body for data in seeds()["md"] if (body := _front_matter_body(data)) is not None}
    return sorted(found)


def _position(draw: st.DrawFn, data: bytearray, kind: str, lo: int = 0, hi: int | None = None) -> int:
    """A random offset in data[lo:hi], often just after one of the kind's anchors."""
    hi = len(data) if hi is None else hi
    at = draw(st.integers(lo, hi))
    if draw(st.booleans()):
        anchor = draw(st.sampled_from(ANCHORS[kind]))
        found = data.find(anchor, at, hi)
        if found < 0:
            found = data.find(anchor, lo, hi)
        if found >= 0:
            at = found + len(anchor)
    return at


_OPS_STRUCTURED = ["value"] * 6 + ["special"] * 4 + ["token"] * 2 + [
    "flip", "insert", "delete", "repeat", "splice", "replace",
]  # fmt: skip
_OPS_MARKDOWN = (
    ["token"] * 3 + ["special"] * 2 + ["flip", "insert", "delete", "repeat", "splice", "replace", "value"]
)
_VALUE = {
    "json": re.compile(rb'(?<=": )("(?:[^"\\\n]|\\.)*"|-?[0-9][0-9.eE+-]*|true|false|null)'),
    "rss": re.compile(rb">([^<]+)<|=\"([^\"]*)\""),
    "md": re.compile(rb"(?<=: )([^\n]*)|(?<=\]\()([^)\n]*)|(?<=\[)([^\]\n]*)"),
}
_VALUE["jsonfeed"] = _VALUE["json"]
_VALUE["atom"] = _VALUE["rss"]
XML_TEXT = [
    b"", b"NaN", b"1e999", _BIG, b"-1", b"0", b"true", b"null", b"&#1;", b"&#0;", b"\x01", b"&amp;#1;",
    b"2026-02-30", b"9999-12-31", b'{"a": 1}', b"[", b"\xed\xa0\x80", b"&lt;b&gt;", b"[a&#x1b;b](http://x)",
    b"]]>", b"tagged", b"review", b"x" * 3000, b"https://arxiv.org/abs/\x7f", b"\xef\xbf\xbe",
]  # fmt: skip
MD_TEXT = [
    b"", b"[a\x01b](https://x)", b"[\x1b](http://e.com)", b"x\x7fy", _BIG, b"-1", b"NaN", b"\xef\xbf\xbe",
    b"\xed\xa0\x80", b"&#1;", b"\\", b"<", b"`", b"*", b"[", b"]", b"(", b")", b"2026-02-30", b"x" * 3000,
]  # fmt: skip


def _mutate_once(draw: st.DrawFn, data: bytearray, kind: str) -> None:
    op = draw(st.sampled_from(_OPS_MARKDOWN if kind == "md" else _OPS_STRUCTURED))
    at = _position(draw, data, kind)
    if op == "flip" and data:
        data[min(at, len(data) - 1)] = draw(st.integers(0, 255))
    elif op == "insert":
        data[at:at] = bytes([draw(st.integers(0, 255))])
    elif op == "delete":
        del data[at : at + draw(st.integers(1, 64))]
    elif op == "repeat":
        source = draw(st.integers(0, len(data)))
        span = bytes(data[source : source + draw(st.integers(1, 300))])
        data[at:at] = span * draw(st.integers(1, 3))
    elif op == "splice":
        other_kind = draw(st.sampled_from([kind, kind, *KINDS]))
        other = draw(st.sampled_from(seeds()[other_kind]))
        data[at:] = other[draw(st.integers(0, len(other))) :]
    elif op == "token":
        pool = TOKENS[kind] if draw(st.integers(0, 3)) else [t for kind_ in KINDS for t in TOKENS[kind_]]
        data[at:at] = draw(st.sampled_from(pool))
    elif op == "replace":
        data[at : at + draw(st.integers(1, 16))] = draw(st.sampled_from(TOKENS[kind]))
    elif op == "value":
        _value(draw, data, kind, at)
    else:
        _special(draw, data, kind)


def _value(draw: st.DrawFn, data: bytearray, kind: str, at: int) -> None:
    """A value replaced whole (a JSON scalar, an XML text or attribute, a Markdown field or link)."""
    pattern = _VALUE[kind]
    begin = data.find(b"?>") + 1 if kind in ("rss", "atom") else 0  # not the XML declaration's
    match = pattern.search(data, max(at, begin)) if draw(st.booleans()) else None
    if match is None:
        matches = list(pattern.finditer(data, begin))
        if not matches:
            return
        match = draw(st.sampled_from(matches))
    group = next(i for i in range(1, (pattern.groups or 0) + 1) if match.group(i) is not None)
    start, end = match.span(group)
    if kind in ("json", "jsonfeed"):
        if draw(st.booleans()):
            value = draw(st.sampled_from(JSON_VALUES)).encode()
        else:  # hostile text inside the string
            value = b'"' + draw(st.sampled_from([*MD_TEXT, b"\\ud800", b"\\u0001", b"\\u0000"])) + b'"'
    elif kind == "md":
        value = draw(st.sampled_from([*MD_TEXT, *YAML_TOKENS[:30]]))
    else:
        value = draw(st.sampled_from(XML_TEXT))
    data[start:end] = value


def _special(draw: st.DrawFn, data: bytearray, kind: str) -> None:
    """An edit that knows the kind's structure."""
    if kind in ("json", "jsonfeed"):
        top = draw(st.booleans())  # a member of the top-level object (the feed, the digest) ...
        key = draw(st.sampled_from(TOP_KEYS if top else JSON_KEYS))
        value = draw(st.sampled_from(JSON_VALUES)).encode()
        member = b'"%s": %s' % (key.encode(), value)
        if draw(st.booleans()):  # before the others (a duplicate: the later one wins) ...
            at = data.find(b"{", 0 if top else draw(st.integers(0, len(data))))
            if at >= 0:
                empty = data[at + 1 :].lstrip()[:1] == b"}"
                data[at + 1 : at + 1] = member if empty else member + b", "
        else:  # ... or after them (it wins)
            at = data.rfind(b"}", 0, len(data) if top else draw(st.integers(0, len(data))) + 1)
            if at >= 0:
                empty = data[:at].rstrip()[-1:] == b"{"
                data[at:at] = member if empty else b", " + member
    elif kind in ("rss", "atom"):
        choice = draw(st.integers(0, 3))
        if choice == 3:  # a plain df element re-written as JSON text
            spans = [m.span() for m in re.finditer(rb"<df:(\w+)>([^<]*)<", data)]
            if spans:
                start, end = draw(st.sampled_from(spans))
                name = data[start + 4 : data.index(b">", start)]
                value = draw(st.sampled_from(JSON_VALUES)).encode()
                data[start : end - 1] = b'<df:%s df:t="json">%s' % (name, value)
        elif choice == 0:  # a df element re-typed as JSON, its text left as it was
            found = [m.start(1) for m in re.finditer(rb'df:t="(list|map|null)"', data)]
            if found:
                at = draw(st.sampled_from(found))
                data[at : data.index(b'"', at)] = b"json"
        elif choice == 1:  # the JSON text of a df:t="json" element replaced
            found = [m.end() for m in re.finditer(rb'df:t="json">', data)]
            if found:
                at = draw(st.sampled_from(found))
                end = data.find(b"<", at)
                bad = draw(st.sampled_from([*JSON_VALUES, "{", '{"a": }', "'x'", '{"a": 1}}'])).encode()
                data[at : end if end >= 0 else at] = bad
        else:  # a declaration or processing instruction up front
            data[0:0] = draw(st.sampled_from(XML_TOKENS[:9]))
    else:  # Markdown: a YAML token inside the front matter, when there is some
        body = _front_matter_body(bytes(data))
        if body is None:
            data[0:0] = b"---\n" + draw(st.sampled_from(YAML_TOKENS)) + b"\n---\n"
            return
        start = data.find(b"\n") + 1
        at = _position(draw, data, "md", start, start + len(body))
        data[at:at] = draw(st.sampled_from(YAML_TOKENS))


def _reencode(draw: st.DrawFn, data: bytes) -> bytes:
    """The text in another encoding, with or without a BOM, the XML declaration left or changed."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return data
    encoding = draw(st.sampled_from(ENCODINGS))
    if draw(st.booleans()):
        text = text.replace('encoding="utf-8"', f'encoding="{encoding}"', 1)
    try:
        out = text.encode(encoding)
    except UnicodeEncodeError:
        return data
    if draw(st.booleans()) and encoding.endswith(("-le", "-be")):
        out = "\ufeff".encode(encoding) + out
    return out


@st.composite
def mutated(draw: st.DrawFn, kinds: tuple[str, ...] = KINDS, max_edits: int = 6) -> bytes:
    """A seed of one of *kinds*, mutated by 1 to *max_edits* edits (and sometimes re-encoded)."""
    kind = draw(st.sampled_from(kinds))
    data = bytearray(draw(st.sampled_from(seeds()[kind])))
    for _ in range(1 if draw(st.integers(0, 2)) else draw(st.integers(1, max_edits))):
        _mutate_once(draw, data, kind)
    out = bytes(data)
    if kind != "md" and draw(st.integers(0, 7)) == 0:
        out = _reencode(draw, out)
    note(f"seed kind: {kind}, {len(out)} bytes")
    return out


@st.composite
def reencoded_feed(draw: st.DrawFn) -> bytes:
    """A feed seed (maybe lightly mutated) in UTF-16 or UTF-32, with or without a BOM."""
    kind = draw(st.sampled_from(FEEDS))
    data = bytearray(draw(st.sampled_from(seeds()[kind])))
    for _ in range(draw(st.integers(0, 2))):
        _mutate_once(draw, data, kind)
    return _reencode(draw, bytes(data))


@st.composite
def front_matter_markdown(draw: st.DrawFn) -> bytes:
    """A Markdown fixture with YAML tokens (and byte edits) inside its front-matter block."""
    data = bytearray(draw(st.sampled_from(seeds()["md"])))
    for _ in range(draw(st.integers(1, 4))):
        if draw(st.integers(0, 3)):
            _special(draw, data, "md")
        else:
            _mutate_once(draw, data, "md")
    return bytes(data)


@st.composite
def mutated_front_matter(draw: st.DrawFn) -> str:
    """A fixture's front-matter block mutated (YAML tokens, byte edits), decoded with replacement."""
    data = bytearray(draw(st.sampled_from(front_matter_seeds())))
    for _ in range(draw(st.integers(1, 6))):
        if draw(st.integers(0, 2)):
            at = _position(draw, data, "md")
            data[at:at] = draw(st.sampled_from(YAML_TOKENS))
        else:
            _mutate_once(draw, data, "md")
    return bytes(data).decode("utf-8", errors="replace")


# ---------------------------------------------------------------- the properties


def _placed(err: df.DigestError, what: str) -> None:
    if err.line is None and err.offset is None:
        raise AssertionError(f"DigestError without a place from {what}: {err}") from err


def _attempt(call: Callable[[], df.Digest], what: str) -> df.Digest | None:
    try:
        return call()
    except df.DigestError as err:
        _placed(err, what)
        return None


def check_renders(doc: df.Digest, what: str, trace: list[str] | None = None) -> None:
    """*doc* renders to every format (or raises DigestError) as UTF-8 text; its JSON reads back."""
    for target in df.FORMATS:
        _step(f"render({what}, {target!r})", trace)
        try:
            text = df.render(doc, target)
        except df.DigestError:
            continue
        text.encode("utf-8")
        if target == "json":
            _step(f"parse(render({what}, 'json'), 'json')", trace)
            df.parse(text, "json")


def _step(what: str, trace: list[str] | None) -> None:
    if currently_in_test_context():  # a replay outside Hypothesis (fuzz/fuzz_readers.py) has no notes
        note(what)
    if trace is not None:
        trace.append(what)


def check(data: bytes, readers: tuple[str | None, ...] = READERS, trace: list[str] | None = None) -> None:
    """Every reader, strict and lenient, raises nothing but a placed DigestError; what parses renders.

    *trace*, where given, collects the steps taken (the last one is where a failure happened).
    """
    for layout in readers:
        what = f"parse(data, {layout!r})"
        _step(what, trace)
        doc = _attempt(functools.partial(df.parse, data, layout), what)
        _step(f"{what}, strict=True", trace)
        _attempt(functools.partial(df.parse, data, layout, strict=True), f"{what}, strict=True")
        if doc is not None:
            check_renders(doc, what, trace)


def check_front_matter(text: str) -> None:
    """load() raises nothing but FrontMatterError and gives JSON that encodes to UTF-8;
    load_lenient() raises nothing."""
    _step("load(text)", None)
    try:
        data = load(text)
    except FrontMatterError:
        pass
    else:
        json.dumps(data, ensure_ascii=False, allow_nan=False).encode("utf-8")
    _step("load_lenient(text.split('\\n'))", None)
    mapping, _problems = load_lenient(text.split("\n"))
    json.dumps(mapping, ensure_ascii=False, allow_nan=False).encode("utf-8")
