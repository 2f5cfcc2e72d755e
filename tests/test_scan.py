"""The block scanner agrees with markdown-it-py (CommonMark) on what the layouts rely on."""

from __future__ import annotations

from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from digestformat import _frontmatter, _text
from digestformat._scan import Kind, leaves_open, scan

FIXTURES = Path(__file__).parent / "fixtures"
VALID = sorted(FIXTURES.glob("*/valid/*.md"))
_MD = MarkdownIt("commonmark")


def _blocks(lines: list[str]) -> tuple[set[tuple[int, int]], set[int], set[int]]:
    """(heading (line, level), thematic-break lines, fenced-code lines) by markdown-it-py."""
    tokens = _MD.parse("\n".join(lines) + "\n")
    headings: set[tuple[int, int]] = set()
    breaks: set[int] = set()
    code: set[int] = set()
    for token in tokens:
        if token.level != 0 or token.map is None:
            continue
        if token.type == "heading_open" and token.markup.startswith("#"):
            headings.add((token.map[0], int(token.tag[1])))
        elif token.type == "hr":
            breaks.add(token.map[0])
        elif token.type == "fence":
            code.update(range(token.map[0], token.map[1]))
    return headings, breaks, code


def _ours(lines: list[str]) -> tuple[set[tuple[int, int]], set[int], set[int]]:
    kinds = scan(lines)
    headings = {(i, k.level) for i, k in enumerate(kinds) if k.kind is Kind.HEADING}
    breaks = {i for i, k in enumerate(kinds) if k.kind is Kind.BREAK}
    code = {i for i, k in enumerate(kinds) if k.kind is Kind.CODE}
    return headings, breaks, code


def _body(path: Path) -> list[str]:
    lines = _text.split(_text.decode(path.read_bytes())).lines
    try:
        end = _frontmatter.find(lines)
    except _frontmatter.FrontMatterError:
        end = None
    return lines[end + 1 :] if end is not None else lines


@pytest.mark.parametrize("path", VALID, ids=lambda p: str(p.relative_to(FIXTURES)))
def test_headings_breaks_and_fences_agree_with_markdown_it(path: Path) -> None:
    lines = _body(path)
    if any("\r" in line for line in lines):
        pytest.skip("lone CR line endings: split by us, not by this comparison")
    theirs = _blocks(lines)
    ours = _ours(lines)
    assert ours[0] == theirs[0], "ATX headings"
    assert ours[1] == theirs[1], "thematic breaks"
    assert theirs[2] <= ours[2], "every fenced line is code to us too"


@pytest.mark.parametrize(
    "text",
    [
        "para\n---\n",  # setext underline, not a break
        "- item\n---\n",  # a break after a list item
        "> quote\n---\n",  # a break after a block quote
        "    ## indented code\n",
        "```\n## in fence\n```\n## out\n",
        "~~~~\n```\n## still in\n~~~~\n",
        "<!--\n## in comment\n-->\n## out\n",
        "<div>\n## in html\n\n## out\n",
        "#no space\n####### seven\n# closing ##\n",
        "* * *\n- - -\n___\n",
        "**bold**\n---\n",
        "1. item\n---\n",
        "  ## two spaces\n   ### three\n",
        "text\n    ## lazy continuation\n",
    ],
)
def test_tricky_blocks_agree_with_markdown_it(text: str) -> None:
    lines = text[:-1].split("\n")
    theirs = _blocks(lines)
    ours = _ours(lines)
    assert ours[0] == theirs[0]
    assert ours[1] == theirs[1]


def test_an_open_fence_swallows_what_follows() -> None:
    assert leaves_open(["```", "code"])
    assert leaves_open(["<!-- open"])
    assert not leaves_open(["```", "code", "```"])
    assert not leaves_open(["<div>", "x"])  # a blank line closes it
