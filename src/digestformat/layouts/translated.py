"""The ``translated`` layout: Daily Papers digests with a summary, key points and a translated abstract.

See docs/layouts/translated.md for the grammar.
"""

from __future__ import annotations

from types import MappingProxyType

from ._engine import Layout
from ._units import ARXIV, AUTHORS, HEADING, KEYWORDS, LINKS, META, NOTICE, TAGS, THUMBNAIL

SECTIONS = MappingProxyType(
    {
        "summary": ("📌", "요약"),
        "key_points": ("🔑", "핵심 포인트"),
        "abstract_translation": ("📝", "초록 (번역)"),
    }
)

LAYOUT = Layout(
    name="translated",
    paper_level=2,
    section_level=3,
    heading_unit=HEADING,
    units=(META, THUMBNAIL, ARXIV, TAGS, AUTHORS, LINKS, KEYWORDS),
    tail_units=(NOTICE,),
    separator=True,
    digest_heading=True,
    section_headings=SECTIONS,
    paper_template=(
        ("heading", 0),
        ("meta", 1),
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
