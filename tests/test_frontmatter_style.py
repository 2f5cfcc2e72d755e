"""An edited front-matter key keeps the source's style (issue 11): the quoting of a scalar
(plain, single, double, literal ``|``, folded ``>``), flow or block lists with their items'
quoting and indentation, a nested mapping's values, and a value wrapped over lines. Every
edit reads back as the new value, and the other keys' lines stay byte for byte."""

from __future__ import annotations

import datetime as dt
import itertools
import string
from dataclasses import dataclass
from pathlib import Path
from typing import cast

import pytest
import yaml
from hypothesis import example, given, settings
from hypothesis import strategies as st
from pydantic import JsonValue

import digestformat as df
from digestformat import _frontmatter
from digestformat._frontmatter_lines import dump

FIXTURES = Path(__file__).parent / "fixtures"

BEFORE = ["layout: post", 'title_en: "Other"']
AFTER = ["", "# a comment", "toc: true", "permalink: /a/b/"]


@dataclass(frozen=True)
class Kind:
    name: str
    lines: tuple[str, ...]
    """The key's source lines."""

    @property
    def key(self) -> str:
        return self.lines[0].partition(":")[0]


WRAPPED_PLAIN = (
    "summary: A long plain summary that a generator folded",
    "  over three lines at some width, which YAML reads",
    "  with single blanks",
)
WRAPPED_DOUBLE = (
    'summary: "A long quoted summary, folded by its generator',
    '    over two lines"',
)
SCALARS = [
    Kind("plain", ("title: Foo Bar",)),
    Kind("single", ("title: 'Foo Bar'",)),
    Kind("double", ('title: "Foo Bar"',)),
    Kind("literal", ("notes: |", "  line one", "  line two")),
    Kind("folded", ("notes: >", "    folded text", "    over lines")),
    Kind("wrapped-plain", WRAPPED_PLAIN),
    Kind("wrapped-double", WRAPPED_DOUBLE),
    Kind("wrapped-single", ("summary: 'A long single-quoted summary,", "  folded too'")),
]
LISTS = [
    Kind("flow", ("tags: [a, b]",)),
    Kind("flow-double", ('tags: ["a", "b"]',)),
    Kind("block", ("tags:", "- a", "- b")),
    Kind("block-indented", ("tags:", "  - a", "  - b")),
    Kind("block-indented-4", ("tags:", "    - a", "    - b")),
    Kind("block-single", ("tags:", "  - 'a'", "  - 'b'")),
    Kind("block-double", ("tags:", '  - "a"', '  - "b"')),
]
MAPPING = Kind("mapping", ("author:", '  name: "Kim"', "  url: https://example.com/kim", "  n: 3"))

# ----------------------------------------------------------------------------- new values

_WORD_CHARS = string.ascii_letters + string.digits + "가나다라마바사한국어제목논문리뷰"


def _plain_reads_back(text: str) -> bool:
    try:
        return _frontmatter.load(f"k: {text}") == {"k": text}
    except _frontmatter.FrontMatterError:
        return False


plain_safe = (
    st.lists(st.text(_WORD_CHARS, min_size=1, max_size=10), min_size=1, max_size=8)
    .map(" ".join)
    .filter(lambda t: t[0].isalpha() and _plain_reads_back(t))
)
"""Words of letters, digits and Korean, single blanks: text a plain scalar holds."""
NEEDS_QUOTES = [
    "a: b",
    "x #y",
    "- item",
    "true",
    "no",
    "null",
    "007",
    "12",
    "1.5",
    "[논문리뷰] 제목",
    "{a}",
    "*star",
    "&anchor",
    "!tag",
    "@at",
    "`tick`",
    "%pct",
    "ends:",
    " lead",
    "trail ",
    "",
    "'quoted'",
    '"dq"',
    "It's",
    "back\\slash",
]
WITH_BREAKS = ["line\nbreak", "two\n\nparagraphs\n", "tab\there", "nul\x00", "bell\x07", "nel\x85x"]
LONG = " ".join(["wordy"] * 40) + " 한국어 끝"
values = st.one_of(
    plain_safe,
    st.sampled_from(NEEDS_QUOTES),
    st.sampled_from(WITH_BREAKS),
    st.just(LONG),
    st.just("2025-11-01 08:15:00"),
    st.text(max_size=20),
)

# ----------------------------------------------------------------------------- helpers

FEW = settings(max_examples=max(10, settings().max_examples // 4))
"""A quarter of the profile's examples per property: the file stays within seconds."""


def _edit(kind: Kind, value: object) -> tuple[list[str], list[str]]:
    """(raw block, the edited key's lines once the block is written with it set to *value*)."""
    raw = ["---", *BEFORE, *kind.lines, *AFTER, "---"]
    mapping = _frontmatter.load("\n".join(raw[1:-1]))
    mapping[kind.key] = cast("JsonValue", value)
    out = dump(mapping, raw)
    assert _frontmatter.load("\n".join(out[1:-1])) == mapping  # (a) reads back
    head, tail = 1 + len(BEFORE), len(AFTER) + 1
    assert out[:head] == raw[:head]  # (c) the other keys' lines, byte for byte
    assert out[-tail:] == raw[-tail:]
    return raw, out[head:-tail]


def _node(lines: list[str]) -> yaml.Node:
    root = yaml.compose("\n".join(lines), Loader=yaml.SafeLoader)
    assert isinstance(root, yaml.MappingNode)
    ((_, node),) = root.value
    return node  # type: ignore[no-any-return]


def _style_of(kind: Kind) -> str | None:
    node = _node(list(kind.lines))
    assert isinstance(node, yaml.ScalarNode)
    return node.style


def _yaml_printable(ch: str) -> bool:
    """YAML's printable characters (line breaks aside), as PyYAML's emitter writes them raw."""
    return (
        "\x20" <= ch <= "\x7e"
        or "\xa0" <= ch <= "\ud7ff"
        or ("\ue000" <= ch <= "\ufffd" and ch != "\ufeff")
        or "\U00010000" <= ch < "\U0010ffff"
    )


def _single_ok(text: str) -> bool:
    """Text a single-quoted scalar holds: printable, no line break, no blank at either end."""
    return text == text.strip() and all(_yaml_printable(ch) for ch in text)


def _expected_scalar_style(source: str | None, text: str) -> set[str | None]:
    """The styles the edited key may have: the source's where it holds *text*, else '"'."""
    if source == '"':
        return {'"'}
    if source == "'":
        return {"'"} if _single_ok(text) else {'"'}
    if source is None:
        if not _plain_reads_back(text) or not _single_ok(text):
            return {'"'}  # never single quotes, never a plain scalar that reads otherwise
        if all(ch in _WORD_CHARS + " " for ch in text) and text[0].isalpha():
            return {None}
        return {None, '"'}  # PyYAML may judge plain unsafe where it reads back
    if text.strip() and _single_ok(text.replace("\n", "x")):
        return {source}
    return {source, '"'}


# ----------------------------------------------------------------------------- scalars


@FEW
@given(kind=st.sampled_from(SCALARS), text=values)
@example(kind=SCALARS[0], text="Bar")
@example(kind=SCALARS[0], text="a: b")
@example(kind=SCALARS[1], text="true")
@example(kind=SCALARS[0], text="007")
@example(kind=SCALARS[3], text="")
@example(kind=SCALARS[0], text="한국어 제목")
@example(kind=SCALARS[1], text="line\nbreak")
@example(kind=SCALARS[5], text=LONG)
def test_a_scalar_keeps_its_style(kind: Kind, text: str) -> None:
    _raw, lines = _edit(kind, text)
    node = _node(lines)
    assert isinstance(node, yaml.ScalarNode)
    assert node.style in _expected_scalar_style(_style_of(kind), text), lines


@pytest.mark.parametrize(
    ("kind", "text", "lines"),
    [
        (SCALARS[0], "Bar Baz", ["title: Bar Baz"]),
        (SCALARS[0], "a: b", ['title: "a: b"']),
        (SCALARS[0], "true", ['title: "true"']),
        (SCALARS[0], "007", ['title: "007"']),
        (SCALARS[0], "", ['title: ""']),
        (SCALARS[0], "[논문리뷰] 제목", ['title: "[논문리뷰] 제목"']),
        (SCALARS[0], "2025-11-01 08:15:00", ["title: 2025-11-01 08:15:00"]),
        (SCALARS[0], "It's", ["title: It's"]),
        (SCALARS[1], "It's 한국어", ["title: 'It''s 한국어'"]),
        (SCALARS[1], "a: b", ["title: 'a: b'"]),
        (SCALARS[1], "line\nbreak", ['title: "line\\nbreak"']),
        (SCALARS[1], " lead", ['title: " lead"']),
        (SCALARS[2], "Bar", ['title: "Bar"']),
        (SCALARS[2], "[논문리뷰] It's", ['title: "[논문리뷰] It\'s"']),
        (SCALARS[2], 'say "hi"', ['title: "say \\"hi\\""']),
        (SCALARS[2], "2025-11-01", ['title: "2025-11-01"']),
        (SCALARS[3], "one\ntwo\n", ["notes: |", "  one", "  two"]),
        (SCALARS[3], "one", ["notes: |-", "  one"]),
        (SCALARS[3], "", ['notes: ""']),
        (SCALARS[4], "new text\n", ["notes: >", "    new text"]),
    ],
)
def test_scalar_examples(kind: Kind, text: str, lines: list[str]) -> None:
    assert _edit(kind, text)[1] == lines


# ----------------------------------------------------------------------------- wrapping


def _width(lines: list[str] | tuple[str, ...]) -> int:
    return max(len(line) for line in lines)


@FEW
@given(
    kind=st.sampled_from([k for k in SCALARS if k.name.startswith("wrapped")]),
    words=st.lists(st.text(string.ascii_lowercase + "한국", min_size=1, max_size=9), min_size=1, max_size=40),
)
def test_a_wrapped_value_wraps_at_the_source_width(kind: Kind, words: list[str]) -> None:
    text = " ".join(words)
    _raw, lines = _edit(kind, text)
    width = _width(kind.lines)
    indent = kind.lines[1][: len(kind.lines[1]) - len(kind.lines[1].lstrip(" "))]
    if len(f"{kind.key}: ") + len(text) + 2 <= width:
        assert len(lines) == 1
    for i, line in enumerate(lines):
        if i:
            assert line.startswith(indent)
            assert line[len(indent)] != " "
        assert len(line) <= width or " " not in line.strip()[: width - len(indent)]
    # filled: no line could have taken the next line's first word
    for line, following in itertools.pairwise(lines):
        assert len(line) + 1 + len(following.strip().split(" ")[0]) > width


def test_wrapped_examples() -> None:
    text = "Region-to-image distillation lets a small model see fine detail without zooming at all"
    _raw, lines = _edit(Kind("wrapped-plain", WRAPPED_PLAIN), text)
    assert lines == [
        "summary: Region-to-image distillation lets a small",
        "  model see fine detail without zooming at all",
    ]
    _raw, lines = _edit(Kind("wrapped-double", WRAPPED_DOUBLE), text + ": 끝")
    assert lines == [
        'summary: "Region-to-image distillation lets a small',
        '    model see fine detail without zooming at all: 끝"',
    ]
    _raw, lines = _edit(Kind("wrapped-plain", WRAPPED_PLAIN), "short")
    assert lines == ["summary: short"]


@pytest.mark.parametrize("kind", SCALARS[:3], ids=lambda k: k.name)
def test_a_one_line_value_stays_one_line(kind: Kind) -> None:
    _raw, lines = _edit(kind, LONG * 3)
    assert len(lines) == 1


def test_a_folded_value_is_folded_at_the_source_width() -> None:
    kind = Kind("folded", ("notes: >", "  folded text that is", "  quite long here"))
    _raw, lines = _edit(kind, " ".join(["word"] * 20))
    assert lines[0] == "notes: >-"
    assert len(lines) > 2
    assert all(line.startswith("  word") and len(line) <= 26 for line in lines[1:])


# ----------------------------------------------------------------------------- lists


item_values = st.one_of(
    plain_safe, st.sampled_from(NEEDS_QUOTES), st.just(LONG), st.sampled_from(WITH_BREAKS)
)


def _items(node: yaml.Node) -> list[yaml.ScalarNode]:
    assert isinstance(node, yaml.SequenceNode)
    assert all(isinstance(item, yaml.ScalarNode) for item in node.value)
    return list(node.value)


@FEW
@given(kind=st.sampled_from(LISTS), new=st.lists(item_values, max_size=5), keep=st.booleans())
@example(kind=LISTS[3], new=["Bar", "a: b", "true", "", "한국어"], keep=True)
def test_a_list_keeps_its_style(kind: Kind, new: list[str], keep: bool) -> None:
    value = ["a", *new] if keep else new
    _raw, lines = _edit(kind, value)
    source = _node(list(kind.lines))
    assert isinstance(source, yaml.SequenceNode)
    node = _node(lines)
    if not value:
        return  # an empty list is '[]' whatever the source was
    assert isinstance(node, yaml.SequenceNode)
    assert node.flow_style == source.flow_style
    if not source.flow_style:
        dash = source.start_mark.column
        assert all(line.startswith(" " * dash + "- ") for line in lines[1:] if line.lstrip()[:2] == "- ")
        assert node.start_mark.column == dash
    style = _items(source)[0].style
    for text, item in zip(value, _items(node), strict=True):
        allowed = _expected_scalar_style(style, text)
        if source.flow_style and style is None and not all(ch in _WORD_CHARS + " " for ch in text):
            allowed = allowed | {'"'}  # flow context forbids more in plain text
        assert item.style in allowed, (text, lines)
    if keep and not source.flow_style:
        assert lines[1] == kind.lines[1]  # the item kept: its line as written


@pytest.mark.parametrize(
    ("kind", "value", "lines"),
    [
        (LISTS[0], ["a", "new tag", "a: b"], ['tags: [a, new tag, "a: b"]']),
        (LISTS[1], ["a", "new"], ['tags: ["a", "new"]']),
        (LISTS[2], ["a", "new", "true"], ["tags:", "- a", "- new", '- "true"']),
        (LISTS[3], ["b", "한국어"], ["tags:", "  - b", "  - 한국어"]),
        (LISTS[4], ["b", "c"], ["tags:", "    - b", "    - c"]),
        (LISTS[5], ["a", "It's"], ["tags:", "  - 'a'", "  - 'It''s'"]),
        (LISTS[6], ["a", "x"], ["tags:", '  - "a"', '  - "x"']),
    ],
)
def test_list_examples(kind: Kind, value: list[str], lines: list[str]) -> None:
    assert _edit(kind, value)[1] == lines


def test_mixed_items_keep_their_own_style() -> None:
    kind = Kind("mixed", ("tags: [a, \"b\", 'c']",))
    assert _edit(kind, ["c", "b", "a", "d"])[1] == ["tags: ['c', \"b\", a, 'd']"]


# ----------------------------------------------------------------------------- a nested mapping


@FEW
@given(text=values)
@example(text="Lee")
@example(text="true")
def test_a_nested_mapping_keeps_its_values_styles(text: str) -> None:
    value: JsonValue = {"name": text, "url": "https://example.com/kim", "n": 3}
    _raw, lines = _edit(MAPPING, value)
    assert lines[0] == "author:"
    assert lines[-2:] == list(MAPPING.lines[-2:])  # url and n: unchanged lines
    node = _node(lines)
    assert isinstance(node, yaml.MappingNode)
    name = node.value[0][1]
    assert isinstance(name, yaml.ScalarNode)
    assert name.style == '"'
    assert lines[1].startswith('  name: "')


def test_a_key_added_to_a_nested_mapping() -> None:
    value: JsonValue = {"name": "Kim", "url": "https://example.com/kim", "n": 3, "role": "a: b"}
    assert _edit(MAPPING, value)[1] == [*MAPPING.lines, "  role: 'a: b'"]


# ----------------------------------------------------------------------------- other kinds


@FEW
@given(
    kind=st.sampled_from([*SCALARS, *LISTS, MAPPING]),
    value=st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-(10**20), 10**20),
        st.lists(st.one_of(st.integers(0, 9), values), max_size=3),
        st.dictionaries(st.sampled_from(["name", "x", "n"]), values, max_size=3),
        values,
    ),
)
def test_any_new_value_reads_back(kind: Kind, value: JsonValue) -> None:
    _edit(kind, value)


# ----------------------------------------------------------------------------- through the public API


def _fm_lines(text: str) -> list[str]:
    lines = text.split("\n")
    return lines[: lines.index("---", 1) + 1]


def test_review_title_keeps_double_quotes() -> None:
    text = (FIXTURES / "review/valid/blank-lines.md").read_text(encoding="utf-8")
    doc = df.parse(text)
    doc.papers[0].title = "It's: 새 제목 [v2]"
    out = df.render(doc)
    before, after = _fm_lines(text), _fm_lines(out)
    changed = [(a, b) for a, b in zip(before, after, strict=True) if a != b]
    assert changed == [(before[1], 'title: "[논문리뷰] It\'s: 새 제목 [v2]"')]
    assert df.parse(out).papers[0].title == "It's: 새 제목 [v2]"


def test_review_title_keeps_single_quotes() -> None:
    text = (FIXTURES / "review/valid/title-plain-scalar.md").read_text(encoding="utf-8")
    doc = df.parse(text)
    doc.papers[0].title = "It's new"
    after = _fm_lines(df.render(doc))
    assert after[1] == "title: '[논문리뷰] It''s new'"
    assert after[2:] == _fm_lines(text)[2:]


def test_imrad_title_date_and_tags_keep_their_style() -> None:
    text = (FIXTURES / "imrad/valid/base.md").read_text(encoding="utf-8")
    doc = df.parse(text)
    assert doc.front_matter is not None
    doc.title = "Daily Papers — edited"
    doc.date = dt.date(2025, 11, 1)
    doc.front_matter["tags"] = ["papers", "new: tag", "한국어"]
    doc.front_matter["layout"] = "true"
    after = _fm_lines(df.render(doc))
    assert after == [
        "---",
        'layout: "true"',
        'title: "Daily Papers — edited"',
        "date: 2025-11-01 08:15:00",
        'tags: [papers, "new: tag", 한국어]',
        "categories: []",
        "---",
    ]
