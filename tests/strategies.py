"""Hypothesis strategies: valid Digest models per layout, and whole texts per layout.

``digests(layout)`` draws content only (all trivia at its default) and keeps to
what the layout can hold, so that rendering and reading back gives the same
content. The rules come from reading the layouts' line readers:

* Text inside ``[...](...)`` is built from tokens the link reader balances:
  plain text, backslash escapes, single-backtick code spans (which may hide
  brackets) and nested bracket groups. URLs likewise: plain text, escapes and
  balanced parentheses; never empty (``[T]()`` reads as "no url").
* Heading text never starts or ends with a blank and never ends in a closing
  ``#`` sequence (ATX headings drop both). A paper heading without a rank
  always writes its title as a link, so only ranked papers without a URL get
  a plain-text title (which then must not start with ``[``).
* Labelled values (``**Label**: value``) are stripped and non-empty; meta
  values hold no ``|``, list items (tags, authors) no ``,``; a review's
  ``**URL**:`` holds no space.
* Link keys are their own case fold (the label is read back case-folded).
* ``arxiv_id`` is either the one the title URL or the links already say, or
  any id (then the layout writes an ``**arXiv**:`` line).
* Section headings name their kind through the shared vocabulary; unknown
  headings do not start with a character the emoji-prefix reader takes.
* Section bodies are blocks separated by blank lines: paragraphs starting with
  a letter, list items, quotes, tables, deeper headings, one-line HTML
  comments, HTML blocks and fenced/indented code (both may hold heading-like
  lines). Outside code and HTML no line is a heading of the section's level
  or above, a thematic break, or a closing notice.
* Jekyll layouts (imrad, review) read a front matter holding nothing but what
  the model's fields hold as ``front_matter=None``: they draw None or a
  non-empty mapping. Keys may clash with the fields (the writer escapes them).
* A review post holds exactly one paper, which must give at least one line
  of its own (else the file is front matter only and reads as no paper).

``texts(layout)`` draws whole documents for the byte-exact property: a
rendered generated digest or a sample file, mutated with blank-line runs,
emoji spellings (with and without U+FE0F, without the ZWJ, U+FFFD), stray
lines (unknown sections, fences holding headings, HTML, setext underlines,
odd front matter, notices, layout lines with typos), trailing blanks and
closing '#'s, odd heading marks, arbitrary lines, mixed line endings (LF,
CRLF, CR), a BOM and a missing final newline.

What is not drawn: ``extra`` lines (stray lines are the text strategy's
business), ``Section.heading=None`` (the reader never makes one), code spans
with more than one backtick, titles without a rank written as plain text.
Front-matter strings do hold U+0085 and trailing Unicode blanks (both are
renderer bugs); set ``SAFE_YAML`` to leave them out while hunting for others.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import unicodedata
from pathlib import Path
from typing import Any

from hypothesis import strategies as st
from pydantic import JsonValue

from digestformat import Digest, Paper, Section, Thumbnail, render
from digestformat.layouts import imrad, review, tagged, translated
from digestformat.layouts.vocabulary import HEADINGS, KINDS
from digestformat.model import LayoutName, SectionKind

__all__ = [
    "LAYOUT_KINDS",
    "LAYOUT_NAMES",
    "SECTION_LEVEL",
    "arxiv_in",
    "bodies",
    "derived_arxiv",
    "digests",
    "linked_titles",
    "papers",
    "sections",
    "texts",
    "urls",
]

LAYOUT_NAMES: tuple[LayoutName, ...] = ("tagged", "translated", "imrad", "review")

LAYOUT_KINDS: dict[str, tuple[str, ...]] = {
    "tagged": tuple(tagged.SECTIONS),
    "translated": tuple(translated.SECTIONS),
    "imrad": tuple(imrad.SECTIONS),
    "review": tuple(review.SECTIONS),
}
"""The section kinds native to each layout."""

SECTION_LEVEL: dict[str, int] = {"tagged": 3, "translated": 3, "imrad": 2, "review": 2}

JEKYLL = frozenset({"imrad", "review"})

FIXTURES = Path(__file__).parent / "fixtures"

# ----------------------------------------------------------------------------- characters

_NOT_IN_A_LINE = "\r\n\x00"
"""Line endings are trivia and NUL is refused: no generated line holds them."""


def _chars(exclude: str = "") -> st.SearchStrategy[str]:
    return st.characters(exclude_categories=["Cs"], exclude_characters=_NOT_IN_A_LINE + exclude)


_any_char = _chars()
_letter = st.characters(categories=["L"])

SPICE: tuple[str, ...] = (
    "한국어 제목",
    "논문리뷰",
    "𝔘𝔫𝔦𝔠𝔬𝔡𝔢",  # astral letters
    "😀",
    "🧑\u200d💻",  # ZWJ sequence
    "👍🏽",
    "⚠️",
    "e\u0301",  # combining mark
    "\u05e9\u05dc\u05d5\u05dd",  # Hebrew (RTL)
    "مرحبا",  # Arabic (RTL)
    "\u202eRTL override\u202c",
    "\u200d",
    "\ufe0f",
    "\ufffd",
    "a|b",
    "x, y",
    "&amp;",
    "*emph*",
    "**bold**",
    "_x_",
    "<br>",
    "ﬁ",
    "ß",
    "İ",
    "Ǆ",
    "#hash",
    "C#",
    "!",
    "x:y",
    "1.",
    " ",
)
"""Pieces worth mixing into any inline text; none holds '[]`\\' or a line ending."""

_spice = st.sampled_from(SPICE)
_plain = st.one_of(_spice, st.text(_chars("[]`\\"), min_size=1, max_size=10))
_escape = _any_char.map(lambda ch: "\\" + ch)
_code_span = st.text(_chars("`"), min_size=1, max_size=8).map(lambda s: f"`{s}`")


def _no_double_ticks(s: str) -> bool:
    return "``" not in s


inline_text = st.lists(_plain, min_size=1, max_size=3).map("".join)
"""Any one-line text without brackets, backticks or backslashes."""

# ----------------------------------------------------------------------------- link text and URLs


def _link_tokens(depth: int) -> st.SearchStrategy[str]:
    token = st.one_of(_plain, _plain, _escape, _code_span)
    if depth > 0:
        token = st.one_of(token, _link_tokens(depth - 1).map(lambda s: f"[{s}]"))
    return st.lists(token, max_size=3).map("".join)


linked_titles = _link_tokens(2).filter(_no_double_ticks)
"""Text for inside ``[...]``: brackets balance (or are escaped or hidden in code spans).

Code spans use single backticks and never touch another backtick, so each
backtick run is one opener or one closer (the link reader pairs runs by length)."""


def _url_tokens(depth: int) -> st.SearchStrategy[str]:
    token = st.one_of(st.text(_chars("()\\`"), min_size=1, max_size=10), _escape)
    if depth > 0:
        token = st.one_of(token, _url_tokens(depth - 1).map(lambda s: f"({s})"))
    return st.lists(token, min_size=1, max_size=3).map("".join)


arxiv_ids = st.builds(
    lambda a, b, wide, v: f"{a:04d}.{b:05d}"[: 10 if wide else 9] + (f"v{v}" if v else ""),
    st.integers(0, 9999),
    st.integers(0, 99999),
    st.booleans(),
    st.integers(0, 12),
)

urls = st.one_of(
    arxiv_ids.map(lambda i: f"https://huggingface.co/papers/{i}"),
    arxiv_ids.map(lambda i: f"https://arxiv.org/abs/{i}"),
    arxiv_ids.map(lambda i: f"https://arxiv.org/pdf/{i}"),
    arxiv_ids.map(lambda i: f"https://www.alphaxiv.org/ko/overview/{i}"),
    st.sampled_from(
        [
            "https://en.wikipedia.org/wiki/Transformer_(machine_learning)",
            "https://example.com/a b?q=1&r=2#frag",
            "images/논문_img.jpg",
        ]
    ),
    _url_tokens(2),
)
"""Non-empty URLs with balanced parentheses: mostly realistic ones, some arbitrary."""

_ARXIV_ID = re.compile(r"(?<![\d.])(\d{4}\.\d{4,5}(?:v\d+)?)(?![\d])")


def arxiv_in(url: str | None) -> str | None:
    """The arXiv id the layouts read out of a URL (arxiv.org, huggingface.co/papers)."""
    if not url:
        return None
    low = url.lower()
    if "arxiv.org/" not in low and "huggingface.co/papers/" not in low:
        return None
    m = _ARXIV_ID.search(url)
    return m.group(1) if m else None


def derived_arxiv(url: str | None, links: dict[str, str]) -> str | None:
    """The arXiv id a paper's title URL or, failing that, its first link with one already says."""
    for candidate in (url, *links.values()):
        found = arxiv_in(candidate)
        if found is not None:
            return found
    return None


# ----------------------------------------------------------------------------- one-line values


def _heading_safe(text: str) -> bool:
    """Survives an ATX heading: no edge blanks, no closing '#' sequence."""
    if not text or text != text.strip(" \t"):
        return False
    bare = text.rstrip("#")
    return bare == text or (bare != "" and bare[-1] not in " \t")


_inline_tokens = st.lists(st.one_of(_plain, _escape, _code_span), min_size=1, max_size=3).map("".join)

plain_titles = _inline_tokens.filter(
    lambda s: _no_double_ticks(s) and not s.startswith("[") and _heading_safe(s)
)
"""A paper title written without a link: not itself a link, safe in a heading."""


def _is_stripped(s: str) -> bool:
    return s != "" and s == s.strip(" \t")


def _stripped(exclude: str) -> st.SearchStrategy[str]:
    piece = st.one_of(_spice, st.text(_chars(exclude), min_size=1, max_size=10))
    return (
        st.lists(piece, min_size=1, max_size=3)
        .map("".join)
        .filter(lambda s: _is_stripped(s) and not any(ch in s for ch in exclude))
    )


meta_values = st.one_of(st.sampled_from(["상", "중", "하", "높음", "N/A"]), _stripped("|"))
"""'**도입 난이도**: value': no '|', stripped, non-empty."""

list_items = st.one_of(
    st.sampled_from(["Review", "RAG", "Agent", "강화학습", "Lai Wei", "O'Brien"]), _stripped(",")
)
"""A tag or an author: no ',', stripped, non-empty."""

keyword_items = list_items.filter(lambda item: "`" not in item)
"""A keyword: written in backticks, so none inside."""

notices = st.one_of(st.just("이 리뷰는 AI로 작성되었습니다."), _stripped(""))

iso_dates = st.dates(dt.date(1000, 1, 1), dt.date(9999, 12, 31))


def _digest_titles(dated: bool) -> st.SearchStrategy[str]:
    """The words of a '# DATE title' heading; without a date they must not start like one."""
    base = st.one_of(
        st.sampled_from(["Daily Papers (Top 5)", "오늘의 논문", "Daily Papers — 주간"]), _inline_tokens
    )
    return base.filter(lambda s: _heading_safe(s) and (dated or not s[:1].isdecimal()))


_DIGEST_TITLES = {True: _digest_titles(True), False: _digest_titles(False)}

# ----------------------------------------------------------------------------- front matter

SAFE_YAML = False
"""Set to True to keep front-matter strings clear of the known YAML renderer bugs
(U+0085, a trailing Unicode blank); useful when hunting for other bugs."""


def _yaml_ok(s: str) -> bool:
    return not SAFE_YAML or ("\x85" not in s and s == s.rstrip())


yaml_texts = st.one_of(_spice, st.text(_any_char, max_size=12)).filter(_yaml_ok)
"""Any one-line text: what a front-matter string (or a Jekyll title) can be."""

_key_chars = st.sampled_from("abcdefghijklmnopqrstuvwxyz_-0123456789한글키")

fm_keys = st.one_of(
    st.sampled_from(
        [
            "layout",
            "excerpt",
            "categories",
            "permalink",
            "toc",
            "published",
            "null",
            "yes",
            # keys the model also holds in fields: written escaped
            "title",
            "date",
            "tags",
            "digest_title",
            "digest_extra",
            "front_matter_title",
        ]
    ),
    st.text(_key_chars, min_size=1, max_size=8),
)

_fm_scalars: st.SearchStrategy[JsonValue] = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**12), 10**12),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from(
        ["2026-02-16 00:00:00+0900+0900", "2025-10-03 08:15:00", "2026-02-16", "post", "[a]", "- x", "Review"]
    ),
    yaml_texts,
)


def _review_category() -> list[JsonValue]:
    return ["Review"]  # 'categories: [Review]': a review post's convention


fm_values: st.SearchStrategy[JsonValue] = st.builds(_review_category) | st.recursive(
    _fm_scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(st.text(_key_chars, min_size=1, max_size=5), inner, max_size=3),
    ),
    max_leaves=5,
)

front_matters = st.dictionaries(fm_keys, fm_values, max_size=4)

# ----------------------------------------------------------------------------- section bodies

_para_line = st.tuples(_letter, inline_text, st.sampled_from(["", "", "  "])).map("".join)
"""A paragraph line: it starts with a letter, so it opens no other block."""

_FENCE_POOL = (
    "# Heading in a fence",
    "## 1. [Fake paper](https://arxiv.org/abs/2601.00001)",
    "### 📌 한 줄 요약",
    "## Introduction",
    "## 핵심 연구 목표",
    "---",
    "***",
    "> ⚠️ **알림:** not a notice",
    "**Upvotes**: 1 | **도입 난이도**: 상",
    "<!--",
    "<div>",
    "",
    "   ",
    "    # indented",
    "~~~",
    "```",
    "````",
    "   ```   ",
)


def _closes(line: str, char: str, length: int) -> bool:
    body = line.lstrip(" ")
    return len(line) - len(body) < 4 and body.startswith(char * length) and not body.lstrip(char).strip(" \t")


def _fenced(fence: tuple[str, int], info: str, indent: str, content: list[str]) -> list[str]:
    """Content lines are indented as the fence is: after a list item, an indented
    fence belongs to the item, and a less indented line would end the item (and
    the fence) and be read at the top level, as CommonMark says."""
    char, length = fence
    marks = char * length
    lines = [indent + line if line else line for line in content]
    inside = [line for line in lines if not _closes(line, char, length)]
    return [indent + marks + info, *inside, indent + marks]


fenced_blocks = st.builds(
    _fenced,
    st.sampled_from([("`", 3), ("`", 4), ("~", 3), ("~", 5)]),
    st.sampled_from(["", "python", "md", " text "]),
    st.sampled_from(["", " ", "   "]),
    st.lists(st.one_of(st.sampled_from(_FENCE_POOL), _para_line), max_size=4),
)
"""A closed code fence; its lines may look like headings, breaks or notices."""


def _blocks(section_level: int) -> st.SearchStrategy[list[str]]:
    deeper = st.tuples(st.integers(section_level + 1, 6).map(lambda n: "#" * n + " "), inline_text).map(
        "".join
    )
    item = st.tuples(st.sampled_from(["- ", "* ", "+ ", "1. ", "2) ", "  - "]), _para_line).map("".join)
    cell = inline_text.map(lambda s: s.replace("|", "/"))
    row = st.lists(cell, min_size=1, max_size=3).map(lambda cells: "| " + " | ".join(cells) + " |")
    html = st.sampled_from(
        [
            [
                "<details>",
                "<summary>더 보기</summary>",
                "#" * section_level + " hidden in HTML",
                "</details>",
            ],
            ["<div align=center>", "# not a heading either", "</div>"],
        ]
    )
    indented = st.lists(st.sampled_from(["    # x", "    code()", "\t## 2. [t](u)"]), min_size=1, max_size=2)
    return st.one_of(
        st.lists(_para_line, min_size=1, max_size=3),
        st.lists(item, min_size=1, max_size=3),
        st.lists(_para_line.map(lambda s: "> " + s), min_size=1, max_size=2),
        st.lists(row, min_size=1, max_size=3),
        deeper.map(lambda s: [s]),
        inline_text.map(lambda s: [f"<!-- {s} -->"]),
        html,
        fenced_blocks,
        indented,
    )


def _join_blocks(blocks: list[list[str]], gaps: list[str]) -> str:
    lines: list[str] = []
    for index, block in enumerate(blocks):
        if index:
            lines.append(gaps[(index - 1) % len(gaps)])
        lines.extend(block)
    return "\n".join(lines)


@functools.cache
def bodies(section_level: int) -> st.SearchStrategy[str]:
    """A section body: blocks separated by blank lines, with a non-blank first and last line."""
    return st.builds(
        _join_blocks,
        st.lists(_blocks(section_level), min_size=1, max_size=3),
        st.lists(st.sampled_from(["", "", " ", "\t"]), min_size=1, max_size=2),
    )


# ----------------------------------------------------------------------------- sections


def _key(words: str) -> str:
    return " ".join(words.casefold().replace("&", " and ").split())


_VOCABULARY: dict[str, SectionKind] = {_key(words): kind for words, kind in HEADINGS.items()}


def kind_of(words: str) -> SectionKind | None:
    """The kind a heading's words name (case-folded, blanks collapsed, a trailing ':' ignored),
    also after a leading 'N.' or 'N)' number, and then by the words outside or inside a closing
    '(…)' (docs/model.md, the section vocabulary)."""
    key = _key(words.rstrip(":"))
    if key in _VOCABULARY:
        return _VOCABULARY[key]
    head, sep, rest = key.partition(" ")
    if sep and 1 <= len(head) - 1 <= 9 and head[:-1].isascii() and head[:-1].isdigit() and head[-1] in ".)":
        if rest in _VOCABULARY:
            return _VOCABULARY[rest]
        key = rest
    if key.endswith(")") and " (" in key[1:]:
        outer, _, inner = key.rpartition(" (")
        return _VOCABULARY.get(outer.rstrip(":")) or _VOCABULARY.get(inner[:-1].strip())
    return None


_DISPLAY = {
    kind: words
    for module in (tagged, translated, imrad, review)
    for kind, (_emoji, words) in module.SECTIONS.items()
}


def _respell(words: str, case: str, wide: bool, colon: bool) -> str:
    words = {"upper": words.upper(), "lower": words.lower(), "title": words.title()}.get(case, words)
    if wide:
        words = words.replace(" ", "  ", 1)
    return words + ":" if colon else words


@functools.cache
def known_headings(kind: str) -> st.SearchStrategy[str]:
    """Words naming *kind*: the canonical words, or another spelling the vocabulary accepts."""
    spellings = sorted({_DISPLAY.get(kind, kind), *(w for w, k in HEADINGS.items() if k == kind)})
    return st.builds(
        _respell,
        st.sampled_from(spellings),
        st.sampled_from(["as is", "as is", "as is", "upper", "lower", "title"]),
        st.booleans(),
        st.sampled_from([False, False, False, True]),
    )


_EMOJI_CATEGORIES = frozenset({"So", "Sk", "Mn", "Me", "Cf", "Co", "Cn", "Cs"})


def _starts_as_words(text: str) -> bool:
    """The first character is not one the emoji-prefix reader would take as an emoji."""
    return text[:1] != "\ufffd" and unicodedata.category(text[:1] or "a") not in _EMOJI_CATEGORIES


unknown_headings = st.one_of(
    st.sampled_from(["기타 메모", "Appendix", "1. Numbered", "[Bracketed] heading", "Q&A: 질문 #2"]),
    _inline_tokens,
).filter(lambda s: _heading_safe(s) and _starts_as_words(s) and kind_of(s) is None)


def _section(heading: str, body: str) -> Section:
    return Section(kind=kind_of(heading), heading=heading, body=body)


@functools.cache
def sections(layout: str) -> st.SearchStrategy[Section]:
    """A section of a native kind (mostly), another layout's kind, or an unknown heading."""
    heading = st.one_of(
        st.sampled_from(LAYOUT_KINDS[layout]).flatmap(known_headings),
        st.sampled_from(LAYOUT_KINDS[layout]).flatmap(known_headings),
        st.sampled_from(KINDS).flatmap(known_headings),
        unknown_headings,
    )
    return st.builds(_section, heading, bodies(SECTION_LEVEL[layout]))


# ----------------------------------------------------------------------------- papers

link_keys = st.one_of(
    st.sampled_from(["alphaxiv", "pdf", "github", "project"]),
    st.text(st.sampled_from("abcdefghijklmnopqrstuvwxyz0123456789-_ 한글"), min_size=1, max_size=8),
).filter(lambda k: k == k.strip().casefold() and k != "")
"""Keys of ``Paper.links``: written as the label (known keys get a display label), read
back case-folded and stripped, so only keys that are their own case fold survive."""

post_urls = urls.filter(lambda u: " " not in u and u == u.strip(" \t"))
"""A review's '**URL**: url' line: no space (tabs only inside)."""

_maybe_meta = st.none() | meta_values
_thumbnails = st.none() | st.builds(Thumbnail, alt=linked_titles, src=st.one_of(st.just(""), urls))
_common = st.fixed_dictionaries(
    {
        "upvotes": st.none() | st.integers(0, 10**9),
        "difficulty": _maybe_meta,
        "reliability": _maybe_meta,
        "tags": st.lists(list_items, max_size=3),
        "authors": st.lists(list_items, max_size=3),
        "keywords": st.lists(keyword_items, max_size=3),
        "notice": st.none() | notices,
        "thumbnail": _thumbnails,
        "links": st.dictionaries(link_keys, urls, max_size=2),
        "rank": st.none() | st.integers(0, 999_999_999),
    }
)


@functools.cache
@st.composite
def papers(draw: st.DrawFn, layout: str) -> Paper:
    """A Paper that *layout* holds: every layout writes every field (some as fallback lines)."""
    fields: dict[str, Any] = draw(_common)
    fields["sections"] = draw(st.lists(sections(layout), max_size=3))
    if layout == "review":
        url = draw(st.none() | post_urls)
        title = draw(st.one_of(linked_titles, yaml_texts))  # the front matter's title
    else:
        url = draw(st.none() | urls)
        # '## 1. Title' needs the rank; without one the title is always written as a link
        title = draw(plain_titles if fields["rank"] is not None and url is None else linked_titles)
    links: dict[str, str] = fields["links"]
    derived = derived_arxiv(url, links)
    arxiv_id = draw(st.sampled_from([derived, draw(arxiv_ids)]))
    paper = Paper.model_validate({"title": title, "url": url, "arxiv_id": arxiv_id, **fields})
    if layout == "review" and not paper.model_dump(
        exclude={"title", "tags", "trivia"}, exclude_defaults=True
    ):
        paper.notice = "이 리뷰는 AI로 작성되었습니다."  # a post needs a line of its own
    return paper


# ----------------------------------------------------------------------------- digests

_jekyll_fm = st.none() | front_matters.filter(bool)
_other_fm = st.one_of(st.none(), st.none(), front_matters)


@functools.cache
@st.composite
def digests(draw: st.DrawFn, layout: LayoutName) -> Digest:
    """A Digest in *layout*, content only, that renders and reads back equal."""
    date = draw(st.none() | iso_dates)
    if layout in JEKYLL:
        title = draw(st.none() | yaml_texts)
        fm = draw(_jekyll_fm)
    else:
        title = draw(st.none() | _DIGEST_TITLES[date is not None])
        fm = draw(_other_fm)
    if layout == "review":
        least, most = 1, 1
    else:
        least, most = (0 if (title is not None or date or fm is not None) else 1), 3
    return Digest(
        layout=layout,
        date=date,
        title=title,
        front_matter=fm,
        papers=draw(st.lists(papers(layout), min_size=least, max_size=most)),
    )


# ----------------------------------------------------------------------------- whole texts

EMOJI_SPELLINGS: dict[str, tuple[str, ...]] = {
    "📌": ("📌\ufe0f", "\ufffd", "", "📌 "),
    "🔑": ("🔑\ufe0f", "\ufffd", "\ufffd\ufffd", "🗝"),
    "🧑\u200d💻": ("🧑💻", "🧑\u200d💻\ufe0f", "\ufffd"),
    "🚀": ("🚀\ufe0f", "", "\ufffd"),
    "⚠️": ("⚠", "⚠\ufe0f\ufe0f", "\ufffd", "⚠️ "),
    "📝": ("📝\ufe0f", "✍️", "\ufffd"),
}

STRAY_LINES: tuple[tuple[str, ...], ...] = (
    ("### 기타 메모", "자유 형식 메모"),
    ("## Appendix",),
    ("## 부록 ##",),
    ("```", "# fenced heading", "## 1. [Fake](https://arxiv.org/abs/2601.00001)", "---", "```"),
    ("~~~md", "### 📌 한 줄 요약", "", "# x", "~~~"),
    ("````", "```", "## Introduction", "````"),
    ("```",),
    ("<!-- comment -->",),
    ("<!-- digestformat: tagged -->",),
    ("<!-- digestformat: review -->",),
    ("<div>", "## hidden", "</div>", ""),
    ("Some text", "==="),
    ("Some text", "---"),
    ("***",),
    ("---",),
    ("...",),
    ("    # indented code",),
    ("> quoted",),
    ("**Upvotes:** 5",),
    ("**Upvotes**: x",),
    ("**Upvotes**: 1 | **Upvotes**: 2",),
    ("**태그**: a,,b",),
    ("**arXiv**: none",),
    ("**Rank**: 3",),
    ("**URL**: https://example.com/x",),
    ("![broken](x",),
    ("# 2026-02-30 bad date",),
    ("# 2026/2/3 slashed date",),
    ("# 제목만",),
    ("## 7. [Another](https://huggingface.co/papers/2601.12345)",),
    ("## [Unranked](https://example.com)",),
    ("## 2026.02.16 날짜 제목",),
    ("# 1. [Imrad paper](https://arxiv.org/abs/2601.00002)",),
    (
        "> [Alphaxiv](https://www.alphaxiv.org/ko/overview/2601.00002) | [PDF](https://arxiv.org/pdf/2601.00002)",
    ),
    ("> [Alphaxiv](a) | [alphaxiv](b)",),
    ("> **링크:** [논문 PDF로 바로 열기](https://arxiv.org/abs/2601.00003)",),
    ("**저자:** A, B",),
    ("**저자:** A,, B",),
    ("> ⚠️ **알림:** 이 리뷰는 AI로 작성되었습니다.",),
    ("> ⚠ **알림:** variant",),
    ("\ufffd",),
    ("### \ufffd 핵심 포인트",),
    ("### 🧑💻 개발자 관점",),
    ("### ⚠ 리스크/한계",),
    ("## 핵심 연구 목표 ##",),
    ("#### deep",),
    ("\t",),
    ("   ",),
    ("",),
    ("title: injected",),
    ("date: 2025/10/3 08:15:00",),
    ("date: 2026-13-45",),
    ("tags: [a, b]",),
    ("tags:", "  - x", "  - y"),
    ("  - indented item",),
    ("# comment in yaml",),
    ("key: [unclosed",),
    ("dup: 1", "dup: 2"),
    ("front_matter_title: escaped",),
    ("categories: [Review]",),
    ("tags: [Review, x]",),
    ("tags:", "- Review", "- y"),
    ('title: "[논문리뷰] 제목"',),
    ("title: 제목 without prefix",),
    ("title: 5",),
    ("tags: 3",),
    ("digest_title: 다이제스트",),
    ("digest_extra: [a, b]",),
    ("date: 2026-02-16T08:00:00+09:00",),
    ("\ufeffBOM-like start",),
    ("| a | b |", "|---|---|"),
    ("1. item", "2. item"),
    ("<pre>", "# inside pre", "</pre>"),
)


@functools.cache
def _sample_lines(layout: str) -> tuple[str, ...] | None:
    path = FIXTURES / layout / "valid" / "sample.md"
    if not path.is_file():
        return None
    return tuple(path.read_text(encoding="utf-8").removeprefix("\ufeff").splitlines())


_OPS = st.sampled_from(["blanks", "emoji", "stray", "stray", "stray", "trail", "marks", "random"])
_BLANK_RUNS = st.lists(st.sampled_from(["", " ", "\t", "  "]), max_size=4)
_TRAILS = st.sampled_from([" ", "  ", "\t", " #", " ##"])
_MARK_GAPS = st.sampled_from([" ", "\t", "  "])
_RANDOM_LINES = st.text(_any_char, max_size=20)
_NEWLINES = st.sampled_from(["\n", "\r\n", "\r"])


def _mutate(draw: st.DrawFn, lines: list[str]) -> None:
    for _ in range(draw(st.integers(0, 12))):
        op = draw(_OPS)
        at = draw(st.integers(0, max(len(lines) - 1, 0)))
        if op == "blanks":
            blanks = [i for i, line in enumerate(lines) if not line.strip(" \t")]
            if blanks:
                i = draw(st.sampled_from(blanks))
                lines[i : i + 1] = draw(_BLANK_RUNS)
        elif op == "emoji":
            found = [(i, e) for i, line in enumerate(lines) for e in EMOJI_SPELLINGS if e in line]
            if found:
                i, emoji = draw(st.sampled_from(found))
                lines[i] = lines[i].replace(emoji, draw(st.sampled_from(EMOJI_SPELLINGS[emoji])), 1)
        elif op == "stray":
            lines[at:at] = draw(st.sampled_from(STRAY_LINES))
        elif op == "trail" and lines:
            lines[at] += draw(_TRAILS)
        elif op == "marks" and lines and lines[at].startswith("#"):
            marks = len(lines[at]) - len(lines[at].lstrip("#"))
            lines[at] = lines[at][:marks] + draw(_MARK_GAPS) + lines[at][marks:].lstrip(" ")
        elif op == "random":
            lines.insert(at, draw(_RANDOM_LINES))


@functools.cache
@st.composite
def texts(draw: st.DrawFn, layout: str) -> str:
    """A whole document in *layout*'s style, with trivia of every kind (it may not parse:
    an unclosed front matter or a blank file are errors, which the test rejects)."""
    sample = _sample_lines(layout)
    if sample is not None and draw(st.integers(0, 3)) == 0:
        lines = list(sample)
    else:
        lines = render(draw(digests(layout)), layout).split("\n")[:-1]
    _mutate(draw, lines)
    newline = draw(st.sampled_from(["\n", "\n", "\r\n", "\r"]))
    endings = [newline] * len(lines)
    for _ in range(draw(st.integers(0, 3))):
        if endings:
            endings[draw(st.integers(0, len(endings) - 1))] = draw(_NEWLINES)
    if endings and draw(st.integers(0, 4)) == 0:
        endings[-1] = ""
    bom = "\ufeff" if draw(st.integers(0, 3)) == 0 else ""
    return bom + "".join(line + end for line, end in zip(lines, endings, strict=True))
