"""The Markdown layouts, by name."""

from __future__ import annotations

from types import MappingProxyType

from . import imrad, review, tagged, translated
from ._engine import Layout

__all__ = ["LAYOUTS", "Layout"]

LAYOUTS: MappingProxyType[str, Layout] = MappingProxyType(
    {
        "tagged": tagged.LAYOUT,
        "translated": translated.LAYOUT,
        "imrad": imrad.LAYOUT,
        "review": review.LAYOUT,
    }
)
"""Every Markdown layout, by the name used in ``--to``/``--from`` and ``Digest.layout``."""
