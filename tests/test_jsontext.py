"""orjson where it gives what ``json`` gives (``_jsontext``): the facts its checks rely on, and the proofs.

* orjson refuses what the boundary refuses (``NaN``, ``1e999``, lone surrogates) and reads
  a wide integer as a float: held for the version installed.
* ``load_json`` gives the same value, the same warnings and the same errors with orjson's
  path as without it: for every fixture's JSON, for generated documents, for generated JSON
  text of every style (repeated members, wide integers, floats, escapes, nesting) and for
  random JSON-like text.
* The JSON Feed writer writes the same bytes through orjson as through ``json``: for every
  fixture, for generated documents and for generated values of every type.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from unittest import mock

import orjson
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

import digestformat as df
from digestformat import _boundary, _jsontext, _text
from digestformat.feeds import jsonfeed
from strategies import LAYOUT_NAMES, digests, texts

FIXTURES = Path(__file__).parent / "fixtures"

Outcome = tuple[Any, ...]
"""(the value's repr, the warnings), or (the error's message, line, column)."""


@contextmanager
def _stdlib_only() -> Iterator[None]:
    """``load_json`` as it was: every text through ``json`` and its hooks."""
    with mock.patch.object(_jsontext, "loads_clean", return_value=None):
        yield


def _outcome(text: str, what: str) -> Outcome:
    """The value (as its repr: exact types, key order, -0.0) and the warnings, or the error."""
    try:
        value, warnings = _boundary.load_json(text, what)
    except df.DigestError as exc:
        return exc.msg, exc.line, exc.column
    return repr(value), warnings


def _same_both_ways(text: str, what: str = "JSON") -> Outcome:
    fast = _outcome(text, what)
    with _stdlib_only():
        slow = _outcome(text, what)
    assert fast == slow
    return fast


def _stdlib_feed(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2) + "\n"


def _json_texts() -> Iterator[tuple[str, str]]:
    """(name, JSON) for every fixture: each Markdown fixture that parses, rendered, and each .json."""
    for path in sorted(FIXTURES.rglob("*")):
        if not path.is_file():
            continue
        if path.suffix == ".json":
            yield str(path.relative_to(FIXTURES)), path.read_text(encoding="utf-8")
            continue
        try:
            doc = df.parse(path.read_bytes())
        except (df.DigestError, ValueError):
            continue
        yield f"{path.relative_to(FIXTURES)} as json", df.render(doc, "json")


FIXTURE_JSON = list(_json_texts())

# ----------------------------------------------------------------------------- what orjson does


@pytest.mark.parametrize(
    "text",
    [
        "NaN",
        "Infinity",
        "-Infinity",
        "[1e999]",
        "-1e400",
        '{"a": 1' + "0" * 400 + "}",
        '"\\ud800"',
        '"\\udc00"',
        '"\\ud800\\u0041"',
        '"\ud800"',
        "\ufeff{}",
        "[1,]",
        "// c\n1",
        "\x0b1",
        "\u00a01",
        "01",
        "[" * 1025 + "]" * 1025,  # orjson >= 3.9.15 (CVE-2024-27454): at most 1,024 deep
    ],
    ids=lambda text: repr(text)[:24],
)
def test_orjson_refuses_what_json_or_the_boundary_refuses(text: str) -> None:
    with pytest.raises((orjson.JSONDecodeError, RecursionError)):
        orjson.loads(text)
    assert _jsontext.loads_clean(text) is None


@pytest.mark.parametrize("text", ["\ud800", "a\udfff", ["\udc00"], {"k": "\ud83d"}])
def test_orjson_writes_no_lone_surrogate(text: Any) -> None:
    with pytest.raises(orjson.JSONEncodeError):
        orjson.dumps(text)


@pytest.mark.parametrize("number", [2**64, -(2**63) - 1, 10**30, -(10**300)])
def test_orjson_reads_a_wide_integer_as_a_float_which_the_fast_path_leaves_alone(number: int) -> None:
    assert type(orjson.loads(str(number))) is float  # why loads_clean looks for 19 digits in a row
    assert _jsontext.loads_clean(str(number)) is None
    assert _jsontext.loads_clean(json.dumps({"n": number}, indent=2) + "\n") is None
    assert _same_both_ways(f'{{"n": {number}}}') == (repr({"n": number}), [])


@pytest.mark.parametrize(
    "value",
    [
        "".join(chr(c) for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF),
        {"a": [], "b": {}, "c": [[], {}, [1, [2, {}]], {"x": []}], "": None, "d": [True, False, -(2**63)]},
        [2**64 - 1, -(2**63), 0, -0, "\x00\x1f\x7f\u2028\ufeff"],
    ],
)
def test_orjson_writes_plain_values_as_json_does(value: Any) -> None:
    assert orjson.dumps(value, option=orjson.OPT_INDENT_2).decode() == json.dumps(
        value, ensure_ascii=False, indent=2
    )


@pytest.mark.parametrize(
    "text",
    [
        "2.2250738585072011e-308",
        "2.2250738585072012e-308",
        "4.9406564584124654e-324",
        "2.4703282292062328e-324",
        "1.7976931348623157e308",
        "9007199254740993.0",
        "1.00000000000000011102230246251565404236316680908203125",
        "1.00000000000000011102230246251565404236316680908203124",
        "8.9255e-13",
        "1e23",
        "-0.0",
        "-1e-400",
        "0." + "0" * 400 + "1",
    ],
)
def test_orjson_reads_floats_as_float_does(text: str) -> None:
    assert repr(orjson.loads(text)) == repr(float(text))
    assert _same_both_ways(f"[{text}]") == (repr([float(text)]), [])


# ----------------------------------------------------------------------------- the checks


def test_a_repeated_member_takes_the_located_path() -> None:
    text = '{\n  "a": 1,\n  "b": {"c": 2, "c": 3}\n}'
    assert _jsontext.loads_clean(text) is None
    _, warnings = _same_both_ways(text)
    assert [(w.line, w.column) for w in warnings] == [(3, 17)]
    assert "repeats the member 'c'" in warnings[0].message


@pytest.mark.parametrize("escape", ["\\u003a", "\\u003A"])
def test_a_colon_written_as_an_escape_cannot_hide_a_repeated_member(escape: str) -> None:
    text = f'{{"a": "{escape}", "b": 1, "b": 2}}'  # 3 colons; orjson's value {"a": ":", "b": 2} has 3 too
    assert _jsontext.loads_clean(text) is None
    _, warnings = _same_both_ways(text)
    assert len(warnings) == 1


def test_nesting_deeper_than_the_fast_depth_takes_the_standard_path() -> None:
    depth = _jsontext.FAST_DEPTH
    assert _jsontext.loads_clean("[" * depth + "1" + "]" * depth) is not None
    assert _jsontext.loads_clean("[" * (depth + 1) + "]" * (depth + 1)) is not None  # [] inside `depth`
    assert _jsontext.loads_clean("[" * (depth + 1) + "1" + "]" * (depth + 1)) is None
    assert _jsontext.loads_clean("[" * (depth + 2) + "]" * (depth + 2)) is None
    _same_both_ways("[" * (depth + 2) + "]" * (depth + 2))
    assert _same_both_ways("[" * 100_000)[0] == "JSON is nested too deeply: expected a digest object"


def test_a_lone_surrogate_escape_is_refused_where_it_is_on_either_path() -> None:
    text = '{"title": "ok \\ud83d\\ude00", "x": ["\\ud800"]}'
    assert _same_both_ways(text) == (
        "JSON .x[0] holds a lone surrogate: expected text that UTF-8 can hold",
        1,
        37,
    )


@pytest.mark.parametrize("layout", ["json", "jsonfeed", None])
@pytest.mark.parametrize(
    "text",
    [
        '{\n  "title": "a \ud800 b"\n}\n',
        '{\n  "a": NaN,\n  "b": "\udfff"\n}\n',  # the surrogate before the JSON's own error, as always
        '{"version": "https://jsonfeed.org/version/1.1", "x": "\ud83d"}',
    ],
)
def test_a_str_with_a_lone_surrogate_is_refused_where_it_is_as_decode_refuses_it(
    text: str, layout: str | None
) -> None:
    with pytest.raises(df.DigestError) as expected:
        _text.decode(text)
    with pytest.raises(df.DigestError) as info:
        df.parse(text, layout)
    assert (info.value.msg, info.value.line, info.value.column) == (
        expected.value.msg,
        expected.value.line,
        expected.value.column,
    )


@pytest.mark.parametrize(("name", "text"), FIXTURE_JSON, ids=[name for name, _ in FIXTURE_JSON])
def test_every_fixture_json_reads_the_same_both_ways(name: str, text: str) -> None:
    del name
    assert _jsontext.loads_clean(text) is not None  # each takes orjson's path
    _same_both_ways(text)


def test_fixture_json_is_many() -> None:
    assert len(FIXTURE_JSON) > 300


# ----------------------------------------------------------------------------- generated JSON text

_keys = st.sampled_from(["a", "b", "a:b", "", "é", "\\", '"', "\x00"])
_strings = st.text(st.characters(codec="utf-8") | st.sampled_from(':"\\/\x00\x1f\x7f\u2028'), max_size=12)
_scalars = (
    st.none()
    | st.booleans()
    | st.integers(-(10**6), 10**6)
    | st.integers(-(2**64), 2**64)
    | st.integers(-(10**40), 10**40)
    | st.floats(allow_nan=False, allow_infinity=False)
    | _strings
)
# an object is a list of (key, value) pairs: keys may repeat, as a JSON text may
_trees = st.recursive(
    _scalars,
    lambda children: (
        st.lists(children, max_size=4).map(lambda items: ("array", items))
        | st.lists(st.tuples(_keys | _strings, children), max_size=4).map(lambda pairs: ("object", pairs))
    ),
    max_leaves=30,
)


def _write(node: Any, style: dict[str, Any], depth: int = 0) -> str:
    """*node* as JSON text in *style* (the keyword arguments of json.dumps for its scalars),
    indented or not, each object's pairs written as they are (repeated keys included)."""
    indent = style.get("indent")
    pad, inner = (
        ("", "") if indent is None else ("\n" + " " * indent * depth, "\n" + " " * indent * (depth + 1))
    )
    comma, colon = (",", ": ") if indent is not None else style.get("separators", (", ", ": "))
    scalar = {key: value for key, value in style.items() if key != "indent"}
    if isinstance(node, tuple) and node[0] == "array":
        if not node[1]:
            return "[]"
        items = [inner + _write(child, style, depth + 1) for child in node[1]]
        return "[" + comma.join(items) + pad + "]"
    if isinstance(node, tuple) and node[0] == "object":
        if not node[1]:
            return "{}"
        members = [
            inner + json.dumps(key, **scalar) + colon + _write(child, style, depth + 1)
            for key, child in node[1]
        ]
        return "{" + comma.join(members) + pad + "}"
    return json.dumps(node, **scalar)


_styles = st.sampled_from(
    [
        {"ensure_ascii": False, "indent": 2},
        {"ensure_ascii": True, "indent": 2},
        {"ensure_ascii": False},
        {"ensure_ascii": True, "separators": (",", ":")},
        {"ensure_ascii": False, "indent": 4},
        {"ensure_ascii": False, "indent": 0},
    ]
)


@given(tree=_trees, style=_styles, newline=st.booleans())
@example(tree=("object", [("a", 1), ("a", 2)]), style={"ensure_ascii": False, "indent": 2}, newline=True)
@example(tree=("object", [("a", ":"), ("b", 1), ("b", 2)]), style={"ensure_ascii": True}, newline=False)
@example(tree=("array", [2**64, 0.5, -0.0, 1e16, 1e-07]), style={"ensure_ascii": False}, newline=False)
def test_generated_json_reads_the_same_both_ways(tree: Any, style: dict[str, Any], newline: bool) -> None:
    _same_both_ways(_write(tree, style) + ("\n" if newline else ""))


@given(text=st.text(st.sampled_from('{}[]:,"\\ \n\t0123456789.eE+-truefalsnu\u00e9'), max_size=40))
@example(text='{"a":1,"a":2}')
@example(text='{"": 1e5, "x": [-0, 0.0, 1E-5]}')
def test_json_like_text_reads_the_same_both_ways(text: str) -> None:
    _same_both_ways(text)
    clean = _jsontext.loads_clean(text)
    if clean is not None:  # orjson's value is json's, with no member dropped
        assert repr(clean[0]) == repr(json.loads(text))
        assert text.count(":") == _write_count(json.loads(text, object_pairs_hook=lambda pairs: pairs))


def _write_count(pairs_tree: Any) -> int:
    """The colons a parsed text holds: one per member, plus those in its strings."""
    if isinstance(pairs_tree, str):
        return pairs_tree.count(":")
    if isinstance(pairs_tree, list) and all(isinstance(p, tuple) for p in pairs_tree) and pairs_tree:
        return sum(1 + key.count(":") + _write_count(value) for key, value in pairs_tree)
    if isinstance(pairs_tree, list):
        return sum(_write_count(item) for item in pairs_tree)
    return 0


@given(doc=st.sampled_from(LAYOUT_NAMES).flatmap(digests))
def test_generated_documents_read_the_same_both_ways(doc: df.Digest) -> None:
    text = df.render(doc, "json")
    _same_both_ways(text)
    _same_both_ways(df.render(doc, "json", content_only=True))
    assert df.render(df.parse(text, "json"), "json") == text


@given(text=st.sampled_from(LAYOUT_NAMES).flatmap(texts))
def test_generated_texts_read_the_same_both_ways_through_json(text: str) -> None:
    try:
        doc = df.parse(text)
    except df.DigestError:
        return
    _same_both_ways(df.render(doc, "json"))


# ----------------------------------------------------------------------------- the JSON Feed writer


class _Str(str):
    pass


class _Int(int):
    pass


_any_scalars = (
    _scalars
    | st.floats()
    | st.integers(-(10**400), 10**400)
    | st.text(st.characters(), max_size=4)  # lone surrogates too
    | st.builds(_Str, _strings)
    | st.builds(_Int, st.integers(-5, 5))
)
_values = st.recursive(
    _any_scalars,
    lambda children: (
        st.lists(children, max_size=4)
        | st.lists(children, max_size=3).map(tuple)
        | st.dictionaries(_keys | _strings | st.builds(_Str, _strings), children, max_size=4)
        | st.dictionaries(st.integers(-3, 3) | st.none() | st.booleans(), children, max_size=2)
    ),
    max_leaves=30,
)


@given(value=_values)
@example(value={"fm": [1e16, 1e-07, 0.1, float("inf"), float("nan")]})
@example(value=[2**64, -(2**63) - 1, "\ud800"])
def test_dumps_indented_writes_what_json_writes(value: Any) -> None:
    assert _jsontext.dumps_indented(value) == _stdlib_feed(value)


def test_dumps_indented_takes_orjson_for_a_plain_value() -> None:
    value = {"version": "x", "items": [{"id": "a:b", "n": 2**63 - 1, "t": True, "e": [], "o": {}}]}
    expected = _stdlib_feed(value)
    with mock.patch("json.dumps", side_effect=AssertionError("json.dumps called")):
        assert _jsontext.dumps_indented(value) == expected


def test_dumps_indented_leaves_deep_nesting_to_json() -> None:
    value: Any = []
    for _ in range(_jsontext.FAST_DEPTH + 50):
        value = [value]
    assert _jsontext.dumps_indented(value) == _stdlib_feed(value)


def _feed_both_ways(doc: df.Digest) -> str:
    fast = jsonfeed.write(doc)
    with mock.patch.object(jsonfeed, "dumps_indented", _stdlib_feed):
        slow = jsonfeed.write(doc)
    assert fast == slow
    return fast


@pytest.mark.parametrize(("name", "text"), FIXTURE_JSON, ids=[name for name, _ in FIXTURE_JSON])
def test_every_fixture_writes_the_same_json_feed_both_ways(name: str, text: str) -> None:
    del name
    _feed_both_ways(df.parse(text, "json"))


@given(doc=st.sampled_from(LAYOUT_NAMES).flatmap(digests))
def test_generated_documents_write_the_same_json_feed_both_ways(doc: df.Digest) -> None:
    feed = _feed_both_ways(doc)
    _same_both_ways(feed, "JSON Feed")
