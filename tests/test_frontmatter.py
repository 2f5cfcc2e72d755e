"""The simple front-matter reader agrees with PyYAML's safe loading wherever it answers."""

from __future__ import annotations

import yaml
from hypothesis import example, given
from hypothesis import strategies as st

from digestformat import _frontmatter as fm
from digestformat import _frontmatter_yaml as fm_yaml

_KEYS = st.text("abcdefghijklmnopqrstuvwxyz_-ABC0123456789", min_size=1, max_size=8)
_ATOMS = st.one_of(
    st.sampled_from(
        [
            "true",
            "false",
            "yes",
            "no",
            "on",
            "null",
            "~",
            "0",
            "007",
            "12",
            "1_000",
            "0x1f",
            "1:20",
            "1.5",
            ".inf",
            "2026-02-16",
            "2025-10-03 08:15:00",
            "2026-02-16 00:00:00+0900+0900",
            "post",
            "Review",
            "a b",
            "a: b",
            "a #b",
            "#x",
            "- x",
            "[x]",
            "x]",
            "'q'",
            '"q"',
            '"a\\"b"',
            "&a",
            "*a",
            "!x",
            "|",
            ">",
            "%",
            "@",
            "`",
            "a,b",
            "é",
            "[논문리뷰] 제목",
            "x ",
            " x",
        ]
    ),
    st.text(st.characters(codec="utf-8"), max_size=12),
)


@st.composite
def _documents(draw: st.DrawFn) -> str:
    lines: list[str] = []
    for _ in range(draw(st.integers(0, 6))):
        key = draw(_KEYS)
        shape = draw(st.sampled_from(["scalar", "quoted", "single", "flow", "block", "empty", "blank"]))
        if shape == "scalar":
            lines.append(f"{key}: {draw(_ATOMS)}")
        elif shape == "quoted":
            lines.append(f'{key}: "{draw(_ATOMS)}"')
        elif shape == "single":
            lines.append(f"{key}: '{draw(_ATOMS)}'")
        elif shape == "flow":
            lines.append(f"{key}: [{', '.join(draw(st.lists(_ATOMS, max_size=3)))}]")
        elif shape == "block":
            lines.append(f"{key}:")
            indent = draw(st.sampled_from(["", "  ", "    "]))
            lines.extend(f"{indent}- {item}" for item in draw(st.lists(_ATOMS, max_size=3)))
        elif shape == "empty":
            lines.append(f"{key}:")
        else:
            lines.append(draw(st.sampled_from(["", "  "])))
    return "\n".join(lines)


@given(_documents())
@example("title: Daily Papers\ndate: 2025-10-03 08:15:00\ntags: [papers, hugginface]\ncategories: []")
@example("categories:\n  - Review\ntags:\n  - Review\n  - MLLMs\n\ntoc: true\npublished: true")
@example("a: 1\na: 2")  # a repeated key: PyYAML's (refused)
@example("t: 2026-02-16 00:00:00+0900+0900\nn: 010")
@example("A: [0?]")  # found by the long profile: PyYAML refuses it
@example("t: '[논문리뷰] It''s'\nu: 'a'b'")
def test_the_simple_reader_agrees_with_pyyaml(text: str) -> None:
    simple = fm._simple(text)
    try:
        reference = yaml.load(text, Loader=fm_yaml._Loader)
    except yaml.YAMLError:
        assert simple is None  # whatever PyYAML refuses, the simple reader leaves to it
        return
    if simple is not None:
        assert (simple or None) == reference


def test_the_simple_reader_reads_the_samples() -> None:
    text = 'layout: post\ntitle: "Daily Papers — 2025-10-03"\ndate: 2025-10-03 08:15:00\ntags: [papers, x]'
    assert fm._simple(text) == {
        "layout": "post",
        "title": "Daily Papers — 2025-10-03",
        "date": "2025-10-03 08:15:00",
        "tags": ["papers", "x"],
    }
