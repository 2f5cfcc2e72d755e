"""digestformat: read, write and convert Markdown digests of AI papers, losslessly.

>>> import digestformat as df
>>> doc = df.parse(text)            # layout detected
>>> df.render(doc) == text          # byte for byte
>>> df.render(doc, "json")
"""

from __future__ import annotations

from ._api import FORMATS, convert, detect, find_config, load_config, parse, render
from ._config import Config
from ._posts import join, split
from .errors import DigestError
from .model import Digest, Paper, ParseWarning, Section, Thumbnail

__all__ = [
    "FORMATS",
    "Config",
    "Digest",
    "DigestError",
    "Paper",
    "ParseWarning",
    "Section",
    "Thumbnail",
    "convert",
    "detect",
    "find_config",
    "join",
    "load_config",
    "parse",
    "render",
    "split",
]

from ._version import __version__ as __version__
