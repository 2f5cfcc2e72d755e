"""The names of the formats, without the code that reads and writes them.

The command line builds its parser from these (``--to``/``--from`` choices, the help text)
without importing the layouts, the feeds or the model; ``_api`` checks at import that they
agree with what it implements (tests/test_startup.py checks it too).
"""

from __future__ import annotations

__all__ = ["FEEDS", "FORMATS", "LAYOUTS"]

LAYOUTS: tuple[str, ...] = ("tagged", "translated", "imrad", "review")
"""The Markdown layouts, in the order of ``layouts.LAYOUTS``."""

FEEDS: tuple[str, ...] = ("json", "rss", "atom", "jsonfeed")
"""The other formats: JSON and the feeds."""

FORMATS: tuple[str, ...] = (*LAYOUTS, *FEEDS)
"""Every name ``render(to=...)`` and ``parse(layout=...)`` accept."""
