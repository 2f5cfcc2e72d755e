"""The ``imrad`` layout: a Jekyll post of papers with Introduction/Method/Results notes.

See docs/layouts/imrad.md for the grammar.
"""

from __future__ import annotations

from ._engine import Layout
from ._units import HEADING, LINKS

LAYOUT = Layout(
    name="imrad",
    paper_level=1,
    section_level=2,
    heading_unit=HEADING,
    units=(LINKS,),
    front_matter_meta=True,
    paper_template=(
        ("heading", 1),
        ("links", 1),
        ("extra", 1),
        ("sections", 0),
    ),
)
