"""The one section vocabulary shared by every layout.

A heading's words (emoji and '#' marks aside) name its kind, whatever layout
it appears in; each layout then has its own canonical heading per kind.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from ..model import SECTION_KINDS, SectionKind

__all__ = ["DEFAULT", "EQUIVALENTS", "HEADINGS", "KINDS", "Vocabulary", "equivalent", "kind_of"]

KINDS: tuple[str, ...] = SECTION_KINDS
"""Every built-in section kind."""

HEADINGS: MappingProxyType[str, SectionKind] = MappingProxyType(
    {
        "한 줄 요약": "one_line_summary",
        "핵심 포인트": "key_points",
        "개발자 관점": "developer_view",
        "실무 적용 아이디어": "applications",
        "리스크/한계": "risks",
        "초록 기반 상세 설명": "abstract_detail",
        "요약": "summary",
        "초록 (번역)": "abstract_translation",
        "introduction": "introduction",
        "method": "method",
        "methods": "method",
        "results": "results",
        "limitations": "limitations",
        "conclusion": "conclusion",
        "conclusions": "conclusion",
        "핵심 연구 목표": "research_goal",
        "핵심 방법론": "methodology",
        "주요 결과": "key_results",
        "ai 실무자를 위한 시사점": "implications",
        "key terms & definitions": "key_terms",
        "핵심 용어 및 정의": "key_terms",
        "motivation & problem statement": "motivation",
        "연구 배경 및 문제 정의": "motivation",
        "method & key results": "method_and_results",
        "제안 방법론 및 핵심 결과": "method_and_results",
        "conclusion & impact": "conclusion_and_impact",
        "결론 및 시사점": "conclusion_and_impact",
    }
)
"""Heading words -> kind (matched case-folded, '&' as 'and', blanks collapsed)."""


def _key(words: str) -> str:
    """Case-folded, '&' read as 'and', blanks collapsed."""
    folded = words.casefold()
    if "&" in folded:
        folded = folded.replace("&", " and ")
    return " ".join(folded.split())


def _unnumbered(key: str) -> str | None:
    """'2. motivation' or '2) motivation' -> 'motivation' (up to 9 digits), else None."""
    digits = len(key) - len(key.lstrip("0123456789"))
    if 0 < digits <= 9 and key[digits : digits + 1] in (".", ")") and key[digits + 1 : digits + 2] == " ":
        return key[digits + 2 :]
    return None


def _lookup(by_key: Mapping[str, SectionKind], words: str) -> SectionKind | None:
    """The kind of *words*: as they are, without a leading number, then the words outside and
    inside a closing '(…)' (a bilingual heading 'Motivation (연구 배경)'), in that order."""
    key = _key(words.rstrip(":"))
    kind = by_key.get(key)
    if kind is not None:
        return kind
    rest = _unnumbered(key)
    if rest is not None:
        kind = by_key.get(rest)
        if kind is not None:
            return kind
        key = rest
    if key.endswith(")"):
        split = key.rfind(" (")
        if split > 0:
            return by_key.get(key[:split].rstrip(":")) or by_key.get(key[split + 2 : -1].strip())
    return None


@dataclass(frozen=True, slots=True)
class Vocabulary:
    """Heading words -> section kind: the built-in table, plus what a config file teaches."""

    by_key: Mapping[str, SectionKind]
    """Normalised words (case-folded, blanks collapsed) -> kind."""
    kinds: tuple[str, ...] = KINDS
    """Every kind a section may have: the built-in ones, then those a config file added."""
    kind_of: Callable[[str], SectionKind | None] = field(init=False, repr=False, compare=False)
    """The kind a heading's words name, or None for a heading the vocabulary does not list
    (a cached function: readers call it for every heading)."""

    def __post_init__(self) -> None:
        lookup = functools.lru_cache(maxsize=4096)(functools.partial(_lookup, self.by_key))
        object.__setattr__(self, "kind_of", lookup)

    def taught(self, headings: Mapping[str, str], kinds: Collection[str] = ()) -> Vocabulary:
        """This vocabulary with *headings* (words -> kind) added; a taught word wins."""
        by_key = dict(self.by_key)
        by_key.update({_key(words.rstrip(":")): kind for words, kind in headings.items()})
        added = tuple(kind for kind in kinds if kind not in self.kinds)
        return Vocabulary(MappingProxyType(by_key), (*self.kinds, *added))


DEFAULT = Vocabulary(MappingProxyType({_key(words): kind for words, kind in HEADINGS.items()}))
"""The built-in vocabulary."""
kind_of = DEFAULT.kind_of
"""The kind a heading's words name in the built-in vocabulary, or None."""


EQUIVALENTS: tuple[frozenset[SectionKind], ...] = (
    frozenset({"one_line_summary", "summary"}),
    frozenset({"abstract_detail", "abstract_translation"}),
    frozenset({"risks", "limitations"}),
    frozenset({"introduction", "research_goal", "motivation"}),
    frozenset({"method", "methodology", "method_and_results"}),
    frozenset({"results", "key_results"}),
    frozenset({"developer_view", "implications"}),
    frozenset({"conclusion", "conclusion_and_impact"}),
)
"""Kinds that say the same thing in different layouts; no layout has two of one class."""

_CLASS = MappingProxyType({kind: group for group in EQUIVALENTS for kind in group})


def equivalent(kind: SectionKind, native: Collection[str]) -> SectionKind | None:
    """The kind among *native* that is equivalent to *kind*, or None."""
    for other in _CLASS.get(kind, ()):
        if other != kind and other in native:
            return other
    return None
