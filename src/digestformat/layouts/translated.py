"""The ``translated`` layout: Daily Papers digests with a summary, key points and a translated abstract.

See docs/layouts/translated.md for the grammar.
"""

from __future__ import annotations

from types import MappingProxyType

from ._engine import Layout
from ._units import HEADING, META, THUMBNAIL

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
    units=(META, THUMBNAIL),
    separator=True,
    digest_heading=True,
    section_headings=SECTIONS,
    paper_template=(
        ("heading", 0),
        ("meta", 1),
        ("thumbnail", 1),
        ("extra", 1),
        ("sections", 0),
        ("separator", 1),
    ),
)
