"""The one section vocabulary shared by every layout.

A heading's words (emoji and '#' marks aside) name its kind, whatever layout
it appears in; each layout then has its own canonical heading per kind.
"""

from __future__ import annotations

import functools
from collections.abc import Collection
from types import MappingProxyType
from typing import get_args

from ..model import SectionKind

__all__ = ["EQUIVALENTS", "HEADINGS", "KINDS", "equivalent", "kind_of"]

KINDS: tuple[str, ...] = get_args(SectionKind)
"""Every canonical section kind."""

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
    }
)
"""Heading words (case-folded, blanks collapsed) -> kind."""


def _key(words: str) -> str:
    return " ".join(words.casefold().split())


_BY_KEY = MappingProxyType({_key(words): kind for words, kind in HEADINGS.items()})


@functools.lru_cache(maxsize=4096)
def kind_of(words: str) -> SectionKind | None:
    """The kind a heading's words name, or None for a heading no layout lists."""
    return _BY_KEY.get(_key(words.rstrip(":")))


EQUIVALENTS: tuple[frozenset[SectionKind], ...] = (
    frozenset({"one_line_summary", "summary"}),
    frozenset({"abstract_detail", "abstract_translation"}),
    frozenset({"risks", "limitations"}),
    frozenset({"introduction", "research_goal"}),
    frozenset({"method", "methodology"}),
    frozenset({"results", "key_results"}),
    frozenset({"developer_view", "implications"}),
)
"""Kinds that say the same thing in different layouts; no layout has two of one class."""

_CLASS = MappingProxyType({kind: group for group in EQUIVALENTS for kind in group})


def equivalent(kind: SectionKind, native: Collection[str]) -> SectionKind | None:
    """The kind among *native* that is equivalent to *kind*, or None."""
    for other in _CLASS.get(kind, ()):
        if other != kind and other in native:
            return other
    return None
