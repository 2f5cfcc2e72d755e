"""``digestformat check``: archive defects as located findings, and the fixes ``--fix`` makes.

Each rule is one small function over a :class:`Post` (the file's lines, its front-matter
entries as read line by line, and the parsed document) that yields findings; a finding may
carry an :class:`Edit`, the lines that repair it. The table :data:`RULES` names every rule by
its code; docs/rules.md shows each with an example (a test keeps the two in step). Rules that
need the whole archive (two posts with one permalink) run over all posts at once.

A fix rewrites only the lines of the defect, and all of a file's fixes are judged together:
each rule reads the front matter as Jekyll will read it *after* the other fixes (a front
matter after a blank line is checked as if it were read), so repairing one defect never
exposes another that breaks the build.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

from pydantic import JsonValue

from . import _frontmatter, _text
from ._frontmatter import dump_key
from ._frontmatter_lines import BROKEN_SCALAR, LIST_ON_KEY_LINE, Entry, entries
from .errors import DigestError
from .model import Digest

__all__ = ["RULES", "Edit", "Finding", "Post", "Rule", "apply", "check_posts", "diff", "read_post"]

_TITLE_PREFIX = "[논문리뷰] "
_CATEGORY = "Review"


@dataclass(frozen=True, slots=True)
class Edit:
    """Replace lines ``start`` to ``end`` (0-based, end exclusive) with ``lines``."""

    start: int
    end: int
    lines: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Finding:
    """One defect at one place."""

    line: int
    """1-based line."""
    column: int
    code: str
    message: str
    edit: Edit | None = None
    """The repair, or None when the defect needs a person."""


@dataclass(slots=True)
class Post:
    """What the rules see of one file."""

    name: str
    """How messages name the file."""
    data: bytes
    """The file's bytes as read."""
    src: _text.SourceText
    doc: Digest | None
    """The parsed document (None when it could not be read: see ``error``)."""
    error: DigestError | None = None
    block: tuple[int, int] | None = None
    """The front matter's fences (line indices), or None."""
    entries: list[Entry] = field(default_factory=list)
    """Its entries as read line by line (where YAML rejects them, as repaired)."""

    def entry(self, key: str) -> Entry | None:
        for found in self.entries:
            if found.key == key:
                return found
        return None

    def line_of(self, entry: Entry) -> int:
        """The 0-based file line of an entry's first line."""
        assert self.block is not None
        return self.block[0] + 1 + entry.start


def read_post(name: str, data: bytes, parse: Callable[[bytes], Digest]) -> Post:
    """A file as the rules see it; a file that cannot be read has ``error`` set."""
    try:
        src = _text.split(_text.decode(data))
        block = _frontmatter.find(src.lines)
    except (DigestError, _frontmatter.FrontMatterError) as exc:
        err = exc if isinstance(exc, DigestError) else DigestError(exc.msg, 1, 1)
        return Post(name, data, _text.SourceText([]), None, err)
    try:
        doc = parse(data)
    except DigestError as err:
        return Post(name, data, src, None, err, block)
    found = entries(src.lines[block[0] + 1 : block[1]])[0] if block is not None else []
    return Post(name, data, src, doc, None, block, found)


# ------------------------------------------------------------------ rules over one post


def _is_post(post: Post) -> bool:
    return post.doc is not None and post.doc.layout == "review" and post.block is not None


def blank_before_front_matter(post: Post) -> Iterator[Finding]:
    """JK001: lines of blanks before the opening '---': Jekyll reads no front matter at all."""
    if post.block is None or not _frontmatter.misplaced(post.src.lines, post.block):
        return
    first = post.block[0]
    what = f"{first} blank line{'s' if first > 1 else ''} before the front matter's '---'"
    if post.src.lines[first] != post.src.lines[first].lstrip(" \t"):
        what = f"{what}, itself indented" if first else "the front matter's '---' is indented"
    yield Finding(
        1,
        1,
        "JK001",
        f"{what}: Jekyll reads none of it (no title, date or permalink)",
        Edit(0, first + 1, (post.src.lines[first].lstrip(" \t"),)),
    )


_REPAIRED = MappingProxyType(
    {
        LIST_ON_KEY_LINE: (
            "JK002",
            0,
            "a list item on the key's own line: Jekyll reports a YAML Exception and reads no front "
            "matter (fix: the item moves under the key)",
        ),
        BROKEN_SCALAR: (
            "JK003",
            1,
            "the value goes on at column 1 of the next line: Jekyll reports a YAML Exception and "
            "reads no front matter (fix: the value rejoined on one line)",
        ),
    }
)
"""Each repair shape of _frontmatter_lines: its code, the entry's line it names, the message."""


def yaml_jekyll_rejects(post: Post) -> Iterator[Finding]:
    """JK002, JK003: front-matter YAML that Jekyll rejects, in the shapes a repair explains."""
    for entry in post.entries:
        shape = _REPAIRED.get(entry.defect or "")
        if entry.repaired is None or shape is None:
            continue
        code, line, says = shape
        at = post.line_of(entry)
        yield Finding(
            at + 1 + line, 1, code, f"{entry.key!r}: {says}", Edit(at, at + len(entry.lines), entry.repaired)
        )


def _flat(value: JsonValue) -> list[JsonValue]:
    if isinstance(value, list):
        return [leaf for item in value for leaf in _flat(item)]
    return [value]


def tags(post: Post) -> Iterator[Finding]:
    """JK004, JK005: a tag list holding a list; keywords of the body missing from the tags."""
    if not _is_post(post):
        return
    assert post.doc is not None
    entry = post.entry("tags")
    if entry is None or not isinstance(entry.value, list):
        return
    value: list[JsonValue] = list(entry.value)
    found: list[tuple[str, str]] = []
    if any(isinstance(item, list) for item in value):
        value = _flat(value)
        found.append(("JK004", "'tags' holds a list inside the list: tags are text (fix: flattened)"))
    keywords = post.doc.papers[0].keywords if post.doc.papers else []
    have = {item.casefold() for item in value if isinstance(item, str)}
    missing = [word for word in keywords if word.casefold() not in have]  # 'LLM agents' is 'LLM Agents'
    if missing:
        at = 1 if value[:1] == [_CATEGORY] else 0
        rest = [item for item in value[at:] if item not in missing]
        value = [*value[:at], *missing, *rest] if not rest else [*value, *missing]
        found.append(
            (
                "JK005",
                f"{len(missing)} keyword{'s' if len(missing) > 1 else ''} of the body not in 'tags' "
                f"({', '.join(repr(w) for w in missing[:3])}{', …' if len(missing) > 3 else ''}): "
                "the generator meant them as tags (fix: added after 'Review')",
            )
        )
    if not found:
        return
    at = post.line_of(entry)
    edit = Edit(
        at, at + len(entry.lines), tuple(dump_key("tags", value, list(entry.repaired or entry.lines)))
    )
    for code, message in found:
        yield Finding(at + 1, 1, code, message, edit)  # one edit repairs both


def missing_title_or_date(post: Post) -> Iterator[Finding]:
    """JK006, JK007: no 'title' (the body says it) or no 'date' (the file name says it)."""
    if not _is_post(post):
        return
    assert post.doc is not None
    assert post.block is not None
    readable = all(e.key is not None for e in post.entries)
    if not readable:
        return  # lines nothing could read: a person must look
    insert = post.block[0] + 1
    title = post.doc.papers[0].title if post.doc.papers else ""
    if post.entry("title") is None and title:
        lines = tuple(dump_key("title", _TITLE_PREFIX + title))
        yield Finding(
            insert + 1,
            1,
            "JK006",
            f"no 'title' in the front matter, though the body gives it ({title!r}): Jekyll titles "
            "the page with its file name (fix: the title added)",
            Edit(insert, insert, lines),
        )
    if post.entry("date") is None:
        day = _date_in(Path(post.name).name)
        if day is not None:
            yield Finding(
                insert + 1,
                1,
                "JK007",
                f"no 'date' in the front matter; the file name gives {day} (fix: the date added)",
                Edit(insert, insert, (f"date: {day}",)),
            )


def _date_in(name: str) -> str | None:
    """'2025-08-03-slug.md' -> '2025-08-03'."""
    head = name[:11]
    if len(head) == 11 and head[4] == head[7] == "-" and head[10] == "-":
        digits = head[:4] + head[5:7] + head[8:10]
        if digits.isascii() and digits.isdigit():
            return head[:10]
    return None


_PLACEHOLDERS = frozenset(
    [
        "year",
        "month",
        "i_month",
        "day",
        "i_day",
        "short_year",
        "hour",
        "minute",
        "second",
        "title",
        "slug",
        "categories",
        "slugified_categories",
        "name",
        "path",
        "output_ext",
        "y_day",
        "short_month",
        "long_month",
        "short_day",
        "long_day",
        "week",
        "w_year",
        "w_day",
        "collection",
    ]
)
"""Jekyll's URL placeholders: ':title' in a permalink is a template, on purpose."""
_COLON_NAME = re.compile(r":([a-z_]+)")
"""Jekyll's own pattern for a placeholder (lib/jekyll/url.rb); one class, no backtracking."""


def _unknown_placeholders(value: str) -> list[re.Match[str]]:
    return [m for m in _COLON_NAME.finditer(value) if m.group(1).rstrip("_") not in _PLACEHOLDERS]


def _without_placeholders(value: str) -> str:
    """*value* without the ':' of each placeholder Jekyll does not know."""
    cut = {m.start() for m in _unknown_placeholders(value)}
    return "".join(ch for i, ch in enumerate(value) if i not in cut)


def permalink_placeholder(post: Post) -> Iterator[Finding]:
    """JK008: ':' then lowercase letters or '_' in a permalink: Jekyll takes it for a URL
    placeholder; one it does not know stops the whole site's build."""
    if post.block is None:
        return
    entry = post.entry("permalink")
    if entry is None or not isinstance(entry.value, str):
        return
    value = entry.value
    bad = _unknown_placeholders(value)
    if not bad:
        return
    fixed = _without_placeholders(value)
    at = post.line_of(entry)
    shown = ", ".join(repr(value[m.start() : m.end() + 1]) for m in bad[:3])
    yield Finding(
        at + 1,
        1,
        "JK008",
        f"the permalink holds {shown}: Jekyll reads ':{bad[0].group(1)}' as a URL placeholder it does "
        "not know, and the whole site's build stops (fix: the ':' taken out)",
        Edit(
            at,
            at + len(entry.lines),
            tuple(dump_key("permalink", fixed, list(entry.repaired or entry.lines))),
        ),
    )


def doubled_zone(post: Post) -> Iterator[Finding]:
    """JK101 (optional): a date with its zone written twice ('+0900+0900')."""
    for key in ("date", "last_modified_at"):
        entry = post.entry(key)
        if entry is None or not isinstance(entry.value, str) or post.block is None:
            continue
        value = entry.value
        if len(value) >= 10 and value[-5:] == value[-10:-5] and value[-5] in "+-" and value[-4:].isdigit():
            at = post.line_of(entry)
            yield Finding(
                at + 1,
                1,
                "JK101",
                f"{key!r} writes its zone twice ({value[-10:]!r}); Jekyll reads the first (fix: one zone)",
                Edit(at, at + len(entry.lines), tuple(dump_key(key, value[:-5], list(entry.lines)))),
            )


_PERMALINK_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")


def permalink_date(post: Post) -> Iterator[Finding]:
    """JK102 (optional): the permalink names another day than the post's date."""
    if not _is_post(post):
        return
    assert post.doc is not None
    entry = post.entry("permalink")
    if entry is None or not isinstance(entry.value, str) or post.doc.date is None:
        return
    match = _PERMALINK_DATE.search(entry.value)
    if match is None:
        return
    day = f"{int(match.group(1)):04d}-{int(match.group(2)):02d}-{int(match.group(3)):02d}"
    if day != post.doc.date.isoformat():
        yield Finding(
            post.line_of(entry) + 1,
            1,
            "JK102",
            f"the permalink names {match.group(0)}, the post's date is {post.doc.date}",
        )


# ------------------------------------------------------------------ rules over the archive


def duplicate_permalinks(posts: Sequence[Post]) -> Iterator[tuple[Post, Finding]]:
    """JK009: two posts with one permalink: Jekyll writes one page for both (the newest wins).
    Every post after the first (in path order) gets '-2', '-3', … (fix)."""
    taken: dict[str, str] = {}
    used = {
        e.value for post in posts for e in post.entries if e.key == "permalink" and isinstance(e.value, str)
    }
    for post in posts:
        entry = post.entry("permalink")
        if entry is None or not isinstance(entry.value, str) or post.block is None:
            continue
        value = entry.value
        first = taken.setdefault(value, post.name)
        if first == post.name:
            continue
        slash = "/" if value.endswith("/") else ""
        stem = _without_placeholders(value).removesuffix("/")  # JK008's fix too: one edit a line
        number = 2
        while f"{stem}-{number}{slash}" in used:
            number += 1
        new = f"{stem}-{number}{slash}"
        used.add(new)
        at = post.line_of(entry)
        yield (
            post,
            Finding(
                at + 1,
                1,
                "JK009",
                f"the permalink {value!r} is also {first}'s: Jekyll writes one page for both (fix: {new!r})",
                Edit(at, at + len(entry.lines), tuple(dump_key("permalink", new, list(entry.lines)))),
            ),
        )


# ------------------------------------------------------------------ the table


@dataclass(frozen=True, slots=True)
class Rule:
    """A rule: its codes, what it finds, and whether it runs without being selected."""

    codes: tuple[str, ...]
    name: str
    check: Callable[[Post], Iterable[Finding]] | None
    default: bool = True


RULES: MappingProxyType[str, Rule] = MappingProxyType(
    {
        "DF001": Rule(("DF001",), "round-trip", None),
        "DF002": Rule(("DF002",), "parse-warning", None),
        "JK001": Rule(("JK001",), "front-matter-after-blank", blank_before_front_matter),
        "JK002": Rule(("JK002", "JK003"), "yaml-jekyll-rejects", yaml_jekyll_rejects),
        "JK004": Rule(("JK004", "JK005"), "tags", tags),
        "JK006": Rule(("JK006", "JK007"), "missing-title-or-date", missing_title_or_date),
        "JK008": Rule(("JK008",), "permalink-placeholder", permalink_placeholder),
        "JK009": Rule(("JK009",), "duplicate-permalink", None),
        "JK101": Rule(("JK101",), "doubled-zone", doubled_zone, default=False),
        "JK102": Rule(("JK102",), "permalink-date", permalink_date, default=False),
    }
)
"""Every rule, by its first code; DF001, DF002 and JK009 are run by check_posts itself."""

CODES: tuple[str, ...] = tuple(code for rule in RULES.values() for code in rule.codes)
"""Every code a finding can have."""
OPTIONAL: frozenset[str] = frozenset(
    code for rule in RULES.values() if not rule.default for code in rule.codes
)


def selected(select: Sequence[str] | None, ignore: Sequence[str]) -> frozenset[str]:
    """The codes to report: those matching *select* (codes or prefixes; default: every rule that
    is on by default), less those matching *ignore*. DigestError for a code no rule has."""
    for pattern in [*(select or ()), *ignore]:
        if not any(code.startswith(pattern) for code in CODES):
            raise DigestError(f"unknown rule code {pattern!r}: expected one of {', '.join(CODES)}")
    if select is None:
        chosen = {code for code in CODES if code not in OPTIONAL}
    else:
        chosen = {code for code in CODES if any(code.startswith(p) for p in select)}
    return frozenset(code for code in chosen if not any(code.startswith(p) for p in ignore))


def check_posts(
    posts: Sequence[Post],
    codes: frozenset[str],
    round_trip: Callable[[Post], Finding | None],
) -> dict[str, list[Finding]]:
    """Findings per post name, in line order: every selected rule, the round trip (DF001),
    and each parse warning (DF002) on a line no other finding names."""
    out: dict[str, list[Finding]] = {post.name: [] for post in posts}
    for post in posts:
        if post.doc is None:
            continue
        found = out[post.name]
        for rule in RULES.values():
            if rule.check is not None and codes.intersection(rule.codes):
                found.extend(f for f in rule.check(post) if f.code in codes)
        if "DF001" in codes:
            broken = round_trip(post)
            if broken is not None:
                found.append(broken)
    if "JK009" in codes:
        for post, finding in duplicate_permalinks([p for p in posts if p.doc is not None]):
            out[post.name].append(finding)
    if "DF002" in codes:
        for post in posts:
            if post.doc is None:
                continue
            lines = {f.line for f in out[post.name]}
            out[post.name].extend(
                Finding(w.line, w.column, "DF002", w.message)
                for w in post.doc.warnings
                if w.line not in lines and not _covered(w.message, out[post.name])
            )
    for found in out.values():
        found.sort(key=lambda f: (f.line, f.column, f.code))
    return out


_REPORTED_AS = (
    ("front matter after ", "JK001"),
    ("front matter with an indented ", "JK001"),
    ("front matter: a list item on its key's line", "JK002"),
    ("front matter: the value of ", "JK003"),
    ("the front matter has no title", "JK006"),
)
"""Parse warnings that a Jekyll rule reports in its own words (perhaps at another line)."""


def _covered(message: str, found: list[Finding]) -> bool:
    codes = {f.code for f in found}
    return any(message.startswith(prefix) and code in codes for prefix, code in _REPORTED_AS)


def apply(post: Post, findings: Sequence[Finding]) -> bytes | None:
    """The file with every finding's edit made (None when there is none), line endings kept.

    Where two rules repair one entry (a broken permalink that also holds ':_'), the edit of the
    later rule wins: each later rule starts from the value as the earlier ones repair it."""
    by_lines: dict[tuple[int, int, tuple[str, ...]], tuple[str, Edit]] = {}
    for f in findings:
        if f.edit is None:
            continue
        span = (f.edit.start, f.edit.end, f.edit.lines if f.edit.start == f.edit.end else ())
        if span not in by_lines or f.code > by_lines[span][0]:
            by_lines[span] = (f.code, f.edit)  # a later rule's edit of an entry includes the earlier's
    edits = sorted((edit for _code, edit in by_lines.values()), key=lambda e: (e.start, e.end, e.lines))
    if not edits:
        return None
    src = post.src
    last = len(src.lines) - 1
    pairs = [
        (line, src.newline_exceptions.get(i, src.newline) if i < last or src.final_newline else "")
        for i, line in enumerate(src.lines)
    ]
    for edit in reversed(edits):
        pairs[edit.start : edit.end] = [(line, src.newline) for line in edit.lines]
    text = "".join(line + end for line, end in pairs)
    return ((_text.BOM if src.bom else "") + text).encode("utf-8")


def diff(name: str, before: bytes, after: bytes) -> str:
    """The unified diff of a fix."""
    return "".join(
        difflib.unified_diff(
            before.decode("utf-8").splitlines(keepends=True),
            after.decode("utf-8").splitlines(keepends=True),
            fromfile=name,
            tofile=name,
        )
    )
