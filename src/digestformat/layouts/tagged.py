"""The ``tagged`` layout: Korean Daily Papers digests with upvotes, difficulty, reliability and tags.

See docs/layouts/tagged.md for the grammar.
"""

from __future__ import annotations

from types import MappingProxyType

from ._engine import Layout
from ._units import ARXIV, AUTHORS, HEADING, KEYWORDS, LINKS, META, NOTICE, TAGS, THUMBNAIL

SECTIONS = MappingProxyType(
    {
        "one_line_summary": ("📌", "한 줄 요약"),
        "key_points": ("🔑", "핵심 포인트"),
        "developer_view": ("🧑‍💻", "개발자 관점"),
        "applications": ("🚀", "실무 적용 아이디어"),
        "risks": ("⚠️", "리스크/한계"),
        "abstract_detail": ("📝", "초록 기반 상세 설명"),
    }
)

LAYOUT = Layout(
    name="tagged",
    paper_level=2,
    section_level=3,
    heading_unit=HEADING,
    units=(META, ARXIV, TAGS, THUMBNAIL, AUTHORS, LINKS, KEYWORDS),
    tail_units=(NOTICE,),
    separator=True,
    digest_heading=True,
    section_headings=SECTIONS,
    paper_template=(
        ("heading", 0),
        ("meta", 0),
        ("arxiv", 1),
        ("tags", 1),
        ("authors", 1),
        ("keywords", 1),
        ("links", 1),
        ("thumbnail", 1),
        ("extra", 1),
        ("sections", 0),
        ("notice", 1),
        ("separator", 1),
    ),
)
