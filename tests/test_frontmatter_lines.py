"""Front matter that YAML rejects, read line by line (``_frontmatter_lines``): properties against
PyYAML on generated blocks, and each repair shape with its exact message."""

from __future__ import annotations

import string

from hypothesis import assume, given
from hypothesis import strategies as st
from pydantic import JsonValue

from digestformat import _frontmatter
from digestformat._frontmatter_lines import BROKEN_SCALAR, LIST_ON_KEY_LINE, dump, entries, load_lenient

keys = st.text(string.ascii_lowercase + "_", min_size=1, max_size=8).filter(
    lambda k: k not in ("y", "n", "on", "off", "yes", "no", "true", "false", "null")
)
words = st.text(string.ascii_letters + string.digits + "-_/", min_size=1, max_size=12).filter(
    lambda w: w[0] not in "-" and _frontmatter.load(f"k: {w}").get("k") == w
)
values: st.SearchStrategy[JsonValue] = st.one_of(
    words, st.lists(words, min_size=1, max_size=4), st.booleans(), st.integers(0, 9999)
)
mappings = st.dictionaries(keys, values, min_size=1, max_size=6)


def _body(mapping: dict[str, JsonValue], indented: bool) -> list[str]:
    lines: list[str] = []
    for key, value in mapping.items():
        like = [f"{key}:", "  - x"] if indented else None
        lines.extend(_frontmatter.dump_key(key, value, like))
    return lines


@given(mappings, st.booleans())
def test_valid_blocks_read_as_yaml_reads_them(mapping: dict[str, JsonValue], indented: bool) -> None:
    body = _body(mapping, indented)
    assert _frontmatter.load("\n".join(body)) == mapping
    assert load_lenient(body) == (mapping, [])


@given(mappings, st.data())
def test_a_list_item_on_its_key_line_is_read_as_the_list(
    mapping: dict[str, JsonValue], data: st.DataObject
) -> None:
    lists = [key for key, value in mapping.items() if isinstance(value, list)]
    assume(lists)
    key = data.draw(st.sampled_from(lists))
    body = _body(mapping, indented=True)
    at = body.index(f"{key}:")
    broken = [*body[:at], f"{key}:  {body[at + 1].lstrip()}", *body[at + 2 :]]
    assert broken[at].startswith(f"{key}:  - ")
    found, problems = load_lenient(broken)
    assert found == mapping
    assert [(p.line, p.message) for p in problems] == [
        (
            at,
            f"a list item on its key's line ({broken[at]!r}): YAML and Jekyll reject it; "
            "read as the first item of the list below",
        )
    ]
    (entry,) = [e for e in entries(broken)[0] if e.key == key]
    assert entry.defect == LIST_ON_KEY_LINE
    assert entry.repaired is not None
    assert _frontmatter.load("\n".join(entry.repaired)) == {key: mapping[key]}
    # unchanged, the block is written back exactly; another key's edit leaves these lines alone
    raw = ["---", *broken, "---"]
    assert dump(mapping, raw) == raw
    other = next((k for k in mapping if k != key), None)
    if other is not None:
        edited = {**mapping, other: "edited"}
        out = dump(edited, raw)
        assert broken[at] in out
        assert load_lenient(out[1:-1])[0] == edited


@given(mappings, st.data())
def test_a_value_broken_at_column_1_is_rejoined(mapping: dict[str, JsonValue], data: st.DataObject) -> None:
    texts = [key for key, value in mapping.items() if isinstance(value, str) and len(value) > 1]
    assume(texts)
    key = data.draw(st.sampled_from(texts))
    value = mapping[key]
    assert isinstance(value, str)
    cut = data.draw(st.integers(1, len(value) - 1))
    rest = value[cut:]
    assume(rest[0] not in "-#:?[]{},&*!|>'\"%@` \t" and ":" not in rest)
    body = _body(mapping, indented=False)
    at = body.index(f"{key}: {value}")
    broken = [*body[:at], f"{key}: {value[:cut]}", rest, *body[at + 1 :]]
    try:
        _frontmatter.load("\n".join(broken))
    except _frontmatter.FrontMatterError:
        pass
    else:  # YAML read it some other way (a valid continuation): nothing to repair
        return
    found, problems = load_lenient(broken)
    assert found == mapping
    assert len(problems) == 1
    assert problems[0].message == (
        f"the value of {key!r} is broken across 2 lines: YAML and Jekyll reject it; read as one value"
    )
    (entry,) = [e for e in entries(broken)[0] if e.key == key]
    assert entry.defect == BROKEN_SCALAR


def test_lines_nothing_explains_are_kept_and_reported() -> None:
    body = ["title: x", "tags: [unclosed", "date: 2025-08-03"]
    found, problems = load_lenient(body)
    assert found == {"title": "x", "date": "2025-08-03"}
    assert [(p.line, p.column) for p in problems] == [(1, 16)]
    assert problems[0].message.endswith(": these lines are kept verbatim, not read")
    raw = ["---", *body, "---"]
    assert dump(found, raw) == raw
    assert dump({**found, "title": "y"}, raw) == [
        "---",
        "title: y",
        "tags: [unclosed",
        "date: 2025-08-03",
        "---",
    ]


def test_a_duplicate_key_is_read_once() -> None:
    found, problems = load_lenient(["a: 1", "b: [x", "a: 2"])
    assert found == {"a": 1}
    assert [p.message for p in problems][-1] == "duplicate key 'a': kept verbatim, not read"


def test_escaped_keys_with_lines_unread_keep_the_block_whole() -> None:
    """Whether 'front_matter_title' escaped a clash cannot be told when 'title' is unread."""
    found, _problems = load_lenient(["title: 'x' y", "front_matter_title:", "- Review"])
    assert found == {}
