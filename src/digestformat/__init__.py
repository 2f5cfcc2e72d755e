"""digestformat: read, write and convert Markdown digests of AI papers, losslessly.

>>> import digestformat as df
>>> doc = df.load("digest.md")      # layout detected (df.loads(text) for text)
>>> df.dumps(doc) == text           # byte for byte
>>> df.dumps(doc, "json")
"""

from __future__ import annotations

from ._api import (
    FORMATS,
    convert,
    detect,
    dump,
    dumps,
    find_config,
    load,
    load_config,
    loads,
    parse,
    render,
)
from ._archive_iter import iter_archive
from ._config import Config
from ._posts import join, split
from .errors import DigestError
from .model import Digest, Paper, ParseWarning, Section, Thumbnail, records

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
    "dump",
    "dumps",
    "find_config",
    "iter_archive",
    "join",
    "load",
    "load_config",
    "loads",
    "parse",
    "records",
    "render",
    "split",
]

from ._version import __version__ as __version__
