"""Which layout is this? Evidence is counted in one pass over the lines."""

from __future__ import annotations

from dataclasses import dataclass

from . import _frontmatter
from ._scan import Kind, ScanLine, scan
from .errors import DigestError
from .layouts._engine import _is_paper_heading, read_hint
from .layouts._inline import split_emoji
from .layouts.vocabulary import DEFAULT, Vocabulary

__all__ = ["Scanned", "detect_lines", "detect_scan"]


@dataclass(slots=True)
class Scanned:
    """What detection found on its way, handed to the reader so that it is not found twice."""

    block: tuple[int, int] | None
    """The front matter's fence lines (``_frontmatter.find``), or None."""
    start: int
    """The first line after the front matter: the scan starts there."""
    kinds: list[ScanLine]
    """The scan of the lines from *start*; ``kinds[j]`` tells line ``start + j``."""
    headings: list[int] | None
    """The offsets in *kinds* of the heading lines, in order; None where detection stopped
    before listing them (a layout hint decided)."""
    named: dict[int, tuple[str, str | None]]
    """Heading line index -> (its words without a leading emoji, the kind they name): every
    heading that detection read as no paper's."""
    paper_like: set[int] | None
    """The line indices of the level-1 and level-2 headings that ``_is_paper_heading`` accepts;
    None where detection stopped before reading them (as *headings*)."""


_ORDER = ("tagged", "translated", "imrad", "review")

_SECTION_LAYOUTS: dict[str, tuple[str, ...]] = {
    "one_line_summary": ("tagged",),
    "developer_view": ("tagged",),
    "applications": ("tagged",),
    "risks": ("tagged",),
    "abstract_detail": ("tagged",),
    "summary": ("translated",),
    "abstract_translation": ("translated",),
    "key_points": ("tagged", "translated"),
    "introduction": ("imrad",),
    "method": ("imrad",),
    "results": ("imrad",),
    "limitations": ("imrad",),
    "conclusion": ("imrad",),
    "research_goal": ("review",),
    "methodology": ("review",),
    "key_results": ("review",),
    "implications": ("review",),
    "key_terms": ("review",),
    "motivation": ("review",),
    "method_and_results": ("review",),
    "conclusion_and_impact": ("review",),
}

_LACKS = {
    "tagged": "paper headings such as '## 1. [Title](url)' (with '**Upvotes**: …' lines)",
    "translated": "paper headings such as '## 1. [Title](url)' (with '### 📌 요약' sections)",
    "imrad": "paper headings such as '# 1. [Title](url)' under its front matter",
    "review": "a review post's '**저자:** …' or '> **링크:** …' line or '## 핵심 연구 목표' section",
}
"""What a file must show to be read as each layout, for the message when none fits."""

_MARKERS: tuple[tuple[str, str, int], ...] = (
    ("**도입 난이도**", "tagged", 3),
    ("**신뢰도**", "tagged", 3),
    ("**arXiv**:", "tagged", 3),
    ("**태그**:", "tagged", 3),
    ("**저자:**", "review", 3),
    ("**키워드:**", "review", 3),
    ("**키워:**", "review", 3),
    ("**저자**:", "review", 3),
    ("**링크:**", "review", 3),
    ("**알림:**", "review", 3),
    ("> [Alphaxiv]", "imrad", 3),
)
_DIGEST_MARKERS = tuple(marker for marker in _MARKERS if marker[1] == "tagged")
"""What tells tagged from translated (with the '**Upvotes**:' line): all a digest needs."""


_PAPER_LINES = ("**Upvotes**", "**도입 난이도**", "**신뢰도**", "**arXiv**:", "**태그**:", "> [Alphaxiv]")
"""Header lines a tagged or translated paper carries: they make '## 3. Title' (no link) a paper."""
_REVIEW_LINK = "[논문 PDF로 바로 열기]("
"""The review posts' own link label: a file with it is a review post, whatever its headings say."""

_PAPER_VOTES = ("tagged", "translated")
"""Layouts whose papers are told apart by their own sections (see _refuse_mixed_papers)."""


def _is_linked(text: str) -> bool:
    """'1. [Title](url)' or '[Title](url)': a paper heading written as a link."""
    digits = len(text) - len(text.lstrip("0123456789"))
    rest = text[digits + 1 :].lstrip(" \t") if digits else text
    return rest.startswith("[") and "](" in rest


def _mixed_levels(start: int, linked: dict[int, int]) -> DigestError:
    """Papers headed at level 1 (imrad) and at level 2 (tagged, translated) in one file."""
    first, second = sorted(linked.values())
    return DigestError(
        f"two layouts in one file: a paper heading at level {1 if linked[1] == second else 2} here, "
        f"after one at level {1 if linked[1] == first else 2} on line {start + first + 1} (imrad papers "
        "are '# 1. [Title](url)', tagged and translated ones '## 1. [Title](url)'): split the file, or "
        "name its layout with --from to keep the other's lines as content",
        start + second + 1,
        1,
    )


def _refuse_mixed_papers(start: int, papers: list[tuple[int, dict[str, tuple[int, str]]]]) -> None:
    """Refuse a file whose papers show tagged sections only, others translated sections only.

    A paper showing sections of both (what a conversion leaves where the target
    has no equivalent) or of neither votes for nothing.
    """
    first: dict[str, tuple[int, int, str]] = {}
    for offset, own in papers:
        if len(own) == 1:
            ((layout, (line, words)),) = own.items()
            first.setdefault(layout, (offset, line, words))
    if len(first) < 2:
        return
    a, b = sorted(first.items(), key=lambda item: item[1][0])
    raise DigestError(
        f"two layouts in one file: the paper at line {start + a[1][0] + 1} is {a[0]} (its section "
        f"{a[1][2]!r}, line {start + a[1][1] + 1}), the paper at this line {b[0]} (its section "
        f"{b[1][2]!r}, line {start + b[1][1] + 1}): split the file, or name its layout with --from "
        "to read it all as one layout",
        start + b[1][0] + 1,
        1,
    )


@dataclass(frozen=True, slots=True)
class _Marked:
    points: dict[str, int]
    """The markers' points, by layout."""
    review_link: bool
    """A review post's own link line is among them."""


def _marker_lines(
    lines: list[str], start: int, kinds: list[ScanLine], markers: tuple[tuple[str, str, int], ...]
) -> _Marked:
    """One pass over the text lines that may carry markers (every marker opens its line)."""
    text = Kind.TEXT
    points = dict.fromkeys(_ORDER, 0)
    review_link = False
    for offset, line in enumerate(lines[start:]):
        if line and line[0] in "*>" and kinds[offset].kind is text:
            if line.startswith("**Upvotes**:"):
                points["translated" if "|" not in line else "tagged"] += 1
            elif not review_link and line[0] == ">" and _REVIEW_LINK in line:
                review_link = True
            for marker, layout, value in markers:
                if marker in line:
                    points[layout] += value
    return _Marked(points, review_link)


def _is_review_front_matter(body: list[str]) -> bool:
    """A '[논문리뷰]' title, or 'Review' among the categories (a list below the key, or inline)."""
    for index, line in enumerate(body):
        first = line[:1]
        if first == "t":
            if line.startswith("title:") and "[논문리뷰]" in line:
                return True
        elif first == "c" and line.startswith("categories:"):
            rest = line[len("categories:") :].strip(" \t")
            if rest.startswith("["):
                if "Review" in [part.strip(" \t'\"") for part in rest[1:-1].split(",")]:
                    return True
            elif not rest:
                for item in body[index + 1 :]:
                    if not item.startswith((" ", "-")):
                        break
                    if item.strip(" \t").removeprefix("-").strip(" \t'\"") == "Review":
                        return True
    return False


def detect_lines(lines: list[str]) -> str:
    """The layout of a file; see :func:`detect_scan`."""
    return detect_scan(lines)[0]


def detect_scan(lines: list[str], vocabulary: Vocabulary = DEFAULT) -> tuple[str, Scanned]:
    """(layout, what was found on the way: :class:`Scanned`), told by the file's structure
    first and its markers second.

    A leading ``<!-- digestformat: NAME -->`` comment (written by conversions
    whose content would otherwise read as another layout) decides outright.
    Paper headings at level 1 mean imrad, at level 2 tagged or translated
    (told apart by their markers and section names); a file with neither is a
    review post if it carries a review's markers. DigestError when nothing fits.
    """
    score = dict.fromkeys(_ORDER, 0)
    start = 0
    post = False
    try:
        block = _frontmatter.find(lines)
    except _frontmatter.FrontMatterError as exc:
        raise DigestError(exc.msg, 1, 1) from None
    end = None
    if block is not None:
        end = block[1]
        start = end + 1
        post = _is_review_front_matter(lines[block[0] + 1 : end])
        if post:
            score["review"] += 5
    kinds = scan(lines, start)
    named: dict[int, tuple[str, str | None]] = {}
    paper_like: set[int] = set()
    for offset, k in enumerate(kinds):
        if k.kind is Kind.BLANK:
            continue
        hinted = read_hint(lines[start + offset])
        if hinted is not None and hinted in _ORDER:
            return hinted, Scanned(block, start, kinds, None, named, None)
        break
    paper_headings = {1: 0, 2: 0}
    linked: dict[int, int] = {}  # heading level -> offset of its first linked paper heading
    papers: list[tuple[int, dict[str, tuple[int, str]]]] = []  # level-2 papers: (offset, own sections)
    heading = Kind.HEADING
    headings = [offset for offset, k in enumerate(kinds) if k.kind is heading]

    def _has_paper_lines(number: int) -> bool:
        """A tagged or translated paper's header lines follow heading *number*: among the
        header-like lines ('**', '>', '![') right under it, before any paragraph."""
        after = headings[number + 1] if number + 1 < len(headings) else len(kinds)
        for offset in range(headings[number] + 1, after):
            k = kinds[offset]
            if k.kind is Kind.BLANK:
                continue
            line = lines[start + offset].lstrip(" \t")
            if k.kind is not Kind.TEXT or not line.startswith(("**", ">", "![")):
                return False
            if line.startswith(_PAPER_LINES):
                return True
        return False

    kind_of = vocabulary.kind_of
    for number, offset in enumerate(headings):
        k = kinds[offset]
        level = k.level
        if level in paper_headings and _is_paper_heading(k.text):
            paper_like.add(start + offset)
            # before any linked paper, a numbered heading with no link is a paper only with a
            # paper's header lines under it ('## 2. Motivation' is a review post's section)
            here = _is_linked(k.text) if level == 2 and 2 not in linked else None
            if here is not False or _has_paper_lines(number):
                paper_headings[level] += 1
                # (A first heading '# [Title](url)' with no rank is a digest's title, not a paper.)
                first_title = level == 1 and offset == headings[0] and not k.text[:1].isdigit()
                if (
                    level not in linked
                    and not first_title
                    and (here or (here is None and _is_linked(k.text)))
                ):
                    linked[level] = offset
                if level == 2:
                    papers.append((offset, {}))
                continue  # a paper's title names no section
        words = split_emoji(k.text)[1]
        kind = kind_of(words)
        named[start + offset] = (words, kind)
        if kind is not None:
            owners = _SECTION_LAYOUTS.get(kind, ())
            for layout in owners:
                score[layout] += 2
            if papers and len(owners) == 1 and owners[0] in _PAPER_VOTES:
                papers[-1][1].setdefault(owners[0], (offset, words))
    if len(linked) == 2:
        raise _mixed_levels(start, linked)
    found = Scanned(block, start, kinds, headings, named, paper_like)
    marked = None
    if not linked and not post:
        marked = _marker_lines(lines, start, kinds, _MARKERS)
        post = marked.review_link
    if not linked and post:
        return "review", found  # a review post's front matter or link line
    # Linked paper headings decide the level ('## 1. Introduction' is an imrad section);
    # without any, the level with more paper headings.
    if 1 in linked or (not linked and paper_headings[1] > paper_headings[2]):
        return "imrad", found
    _refuse_mixed_papers(start, papers)
    if marked is None:  # only tagged and translated are left to tell apart, or none fits
        marked = _marker_lines(lines, start, kinds, _DIGEST_MARKERS if paper_headings[2] else _MARKERS)
    for layout, points in marked.points.items():
        score[layout] += points
    if paper_headings[2]:
        return ("translated" if score["translated"] > score["tagged"] else "tagged"), found
    if score["review"]:
        return "review", found
    closest = max(_ORDER, key=lambda name: (score[name], end is not None and name in ("imrad", "review")))
    raise DigestError(f"no known layout: the closest is {closest}, which lacks {_LACKS[closest]}", 1, 1)
