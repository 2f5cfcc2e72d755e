"""The ``imrad`` layout: a Jekyll post of papers with Introduction/Method/Results notes.

See docs/layouts/imrad.md for the grammar.
"""

from __future__ import annotations

from types import MappingProxyType

from ._engine import Layout
from ._units import ARXIV, AUTHORS, HEADING, KEYWORDS, LINKS, META, NOTICE, TAGS, THUMBNAIL

SECTIONS = MappingProxyType(
    {
        "introduction": ("", "Introduction"),
        "method": ("", "Method"),
        "results": ("", "Results"),
        "limitations": ("", "Limitations"),
        "conclusion": ("", "Conclusion"),
    }
)

LAYOUT = Layout(
    name="imrad",
    paper_level=1,
    section_level=2,
    heading_unit=HEADING,
    units=(LINKS, META, ARXIV, TAGS, AUTHORS, THUMBNAIL, KEYWORDS),
    tail_units=(NOTICE,),
    front_matter_meta=True,
    section_headings=SECTIONS,
    paper_template=(
        ("heading", 1),
        ("links", 1),
        ("meta", 1),
        ("arxiv", 1),
        ("tags", 1),
        ("authors", 1),
        ("keywords", 1),
        ("thumbnail", 1),
        ("extra", 1),
        ("sections", 0),
        ("notice", 1),
    ),
)
