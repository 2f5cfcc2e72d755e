"""The block scanner agrees with markdown-it-py (CommonMark) on what the layouts rely on."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from markdown_it import MarkdownIt
from mdit_py_plugins.front_matter import front_matter_plugin

from digestformat import _frontmatter, _text
from digestformat._scan import Kind, leaves_open, scan
from strategies import LAYOUT_NAMES, texts

FIXTURES = Path(__file__).parent / "fixtures"
VALID = sorted(FIXTURES.glob("*/valid/*.md"))
_MD = MarkdownIt("commonmark")
_MD_POSTS = MarkdownIt("commonmark").use(front_matter_plugin)


def _compare(lines: list[str]) -> None:
    """Assert that our scan reads *lines* (a body, no front matter) as markdown-it-py does.

    Exact for what the layouts rely on: which lines are top-level ATX headings
    and at what level, which are thematic breaks, and that every line of a
    top-level fence, indented code block or HTML block is code or HTML to us
    (so the block starts and ends on the same lines), while no line of a
    top-level paragraph is. Lines inside lists and block quotes are text to
    markdown-it-py's top level; the scanner does not model containers, so
    there it only has to find no heading or break that markdown-it-py lacks.
    """
    ours = scan(lines)
    tokens = _MD.parse("\n".join(lines) + "\n")
    headings: set[tuple[int, int]] = set()
    breaks: set[int] = set()
    for token in tokens:
        if token.level != 0 or token.map is None:
            continue
        first, end = token.map
        if token.type == "heading_open" and token.markup.startswith("#"):
            headings.add((first, int(token.tag[1])))
        elif token.type == "hr":
            breaks.add(first)
        elif token.type in ("fence", "code_block"):
            for i in range(first, end):
                assert ours[i].kind in (Kind.CODE, Kind.BLANK), (i, lines[i], token.type)
            assert ours[first].kind is Kind.CODE, (first, lines[first])
        elif token.type == "html_block":
            for i in range(first, end):
                assert ours[i].kind is Kind.HTML, (i, lines[i], "html_block")
        elif token.type in ("paragraph_open", "heading_open"):  # setext headings are paragraphs to us
            for i in range(first, end):
                assert ours[i].kind is Kind.TEXT, (i, lines[i], token.type)
    assert {(i, k.level) for i, k in enumerate(ours) if k.kind is Kind.HEADING} == headings
    assert {i for i, k in enumerate(ours) if k.kind is Kind.BREAK} == breaks


def _front_matter_end(lines: list[str]) -> int | None:
    """Where markdown-it-py (mdit-py-plugins' front_matter) ends the front matter."""
    for token in _MD_POSTS.parse("\n".join(lines) + "\n"):
        if token.type == "front_matter" and token.map is not None:
            return token.map[1] - 1
    return None


def _compare_document(text: str) -> None:
    """Front matter ends where markdown-it-py ends it; then the body agrees line by line."""
    lines = _text.split(text).lines
    if any("\r" in line for line in lines):  # lone CRs: markdown-it-py splits lines differently
        return
    try:
        block = _frontmatter.find(lines)
    except _frontmatter.FrontMatterError:
        return  # unterminated: an error to us, a thematic break and text to markdown-it-py
    theirs = _front_matter_end(lines)
    end = block[1] if block is not None and block[0] == 0 else None
    if block is not None and block[0]:  # after blank lines: Jekyll and markdown-it-py read no front matter
        return
    if end != theirs:  # only where Jekyll's fences are stricter (pinned in the test below)
        assert lines[0].rstrip(" \t") != "---" or (
            theirs is not None and lines[theirs].rstrip(" \t") not in ("---", "...")
        ), (end, theirs)
        return
    _compare(lines[end + 1 :] if end is not None else lines)


@pytest.mark.parametrize("path", VALID, ids=lambda p: str(p.relative_to(FIXTURES)))
def test_every_fixture_scans_as_markdown_it_reads_it(path: Path) -> None:
    _compare_document(_text.decode(path.read_bytes()))


TRICKY = [
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
    "<custom-tag>\n## in a type-7 HTML block\n\n## out\n",
    "</span >\n## in\n",
    "<a href=\"x\" b='y' c=z d />\n## in\n",
    "text\n<custom-tag>\n## a tag cannot interrupt a paragraph\n",
    "<a href=>\n## not a complete tag\n",
    "<pre\n## raw tag name without '>' opens type 1\n</pre>\n",
    "<span> text\n## a tag followed by text is not type 7\n",
    "- ```\n# out of the item\n```\n",
    "> ```\n# out of the quote\n",
]


@pytest.mark.parametrize("text", TRICKY)
def test_tricky_blocks_agree_with_markdown_it(text: str) -> None:
    _compare(text[:-1].split("\n"))


_PIECES = st.sampled_from(
    [
        "",
        " ",
        "\t",
        "text",
        "## h",
        "# h #",
        "####### x",
        "#x",
        "  ## h",
        "    ## code",
        "\t# tab",
        "```",
        "```py",
        "~~~",
        "````",
        "``` a`b",
        "  ```",
        "    ```",
        "<!--",
        "-->",
        "<!-- x -->",
        "<div>",
        "</div>",
        "<custom-tag>",
        "</span>",
        "<a href='x'>",
        "<a b=>",
        "<pre>",
        "</pre>",
        "<?x",
        "?>",
        "<![CDATA[",
        "]]>",
        "<!DOCTYPE x>",
        "<script>",
        "</script>",
        "---",
        "***",
        "___",
        "- - -",
        "===",
        "- item",
        "* item",
        "+ item",
        "1. item",
        "2) item",
        "-",
        "> quote",
        "> ## q",
        "**bold**",
        "- ```",
        "> ```",
        "  - ## h",
        "<details>",
        "</details>",
        "| a | b |",
        "  text",
    ]
)


@given(st.lists(st.one_of(_PIECES, st.tuples(_PIECES, _PIECES).map(" ".join)), max_size=14))
@example(["<custom-tag>", "## h"])  # a type-7 HTML block hides the heading
@example(["<script>", "</pre>", "## h"])  # any of the four raw end tags ends a type-1 block
@example(["-", "  ## h"])  # a heading inside a list item is not a top-level one
@example(["> ```", "    ## code"])  # a fence in a quote: the next line is not lazy, but code
@example(["- - - ## h", "text", "  ***"])  # a heading in nested items: 'text' is not lazy
@example(["text", "-", "<custom-tag>"])  # a one-dash setext underline ends the paragraph
@example(["| a | b |", "2) item", "---"])  # '2)' cannot interrupt a paragraph: '---' is setext
def test_generated_block_soup_scans_as_markdown_it_reads_it(lines: list[str]) -> None:
    _compare(lines)


@given(st.sampled_from(LAYOUT_NAMES).flatmap(texts))
def test_generated_documents_scan_as_markdown_it_reads_them(text: str) -> None:
    _compare_document(text)


@pytest.mark.parametrize(
    ("text", "ours", "theirs"),
    [
        ("----\na: 1\n----\n", None, 2),
        ("---x\na: 1\n---\n", None, 2),
        ("---\na: 1\n----\n---\n", 3, 2),
        ("---\na: 1\n --- \n---\n", 3, 2),
    ],
)
def test_front_matter_follows_jekyll_where_markdown_it_differs(text: str, ours: int, theirs: int) -> None:
    """Posts are Jekyll's: its fences are exactly '---' (or a closing '...'), unindented.
    mdit-py-plugins also takes longer fences, text after the opening one, and an
    indented closing one; these are the known divergences, pinned here."""
    lines = text[:-1].split("\n")
    found = _frontmatter.find(lines)
    assert (found[1] if found is not None else None) == ours
    assert _front_matter_end(lines) == theirs


def test_an_open_fence_swallows_what_follows() -> None:
    assert leaves_open(["```", "code"])
    assert leaves_open(["<!-- open"])
    assert not leaves_open(["```", "code", "```"])
    assert not leaves_open(["<div>", "x"])  # a blank line closes it
