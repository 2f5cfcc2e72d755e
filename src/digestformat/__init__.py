"""digestformat: read, write and convert Markdown digests of AI papers, losslessly.

>>> import digestformat as df
>>> doc = df.load("digest.md")      # layout detected (df.loads(text) for text)
>>> df.dumps(doc) == text           # byte for byte
>>> df.dumps(doc, "json")

The names are loaded on first use (PEP 562): ``import digestformat`` alone, and the
command line's ``--help``, import none of pydantic, PyYAML, lxml or markdown-it-py.
"""

from __future__ import annotations

import importlib

from ._version import __version__ as __version__

TYPE_CHECKING = False  # not typing's: importing typing alone costs ~8 ms (mypy knows the name)
if TYPE_CHECKING:  # what mypy and editors see; at run time __getattr__ imports these on demand
    from typing import Any

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
    from ._export import (
        export,
        export_csv,
        export_parquet,
        export_sqlite,
        search,
        to_arrow,
        to_pandas,
    )
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
    "export",
    "export_csv",
    "export_parquet",
    "export_sqlite",
    "find_config",
    "iter_archive",
    "join",
    "load",
    "load_config",
    "loads",
    "parse",
    "records",
    "render",
    "search",
    "split",
    "to_arrow",
    "to_pandas",
]

_WHERE = {
    "FORMATS": "._api",
    "convert": "._api",
    "detect": "._api",
    "dump": "._api",
    "dumps": "._api",
    "find_config": "._api",
    "load": "._api",
    "load_config": "._api",
    "loads": "._api",
    "parse": "._api",
    "render": "._api",
    "iter_archive": "._archive_iter",
    "Config": "._config",
    "export": "._export",
    "export_csv": "._export",
    "export_parquet": "._export",
    "export_sqlite": "._export",
    "search": "._export",
    "to_arrow": "._export",
    "to_pandas": "._export",
    "join": "._posts",
    "split": "._posts",
    "DigestError": ".errors",
    "Digest": ".model",
    "Paper": ".model",
    "ParseWarning": ".model",
    "Section": ".model",
    "Thumbnail": ".model",
    "records": ".model",
}
"""The module of each public name."""


def __getattr__(name: str) -> Any:
    where = _WHERE.get(name)
    if where is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(where, __name__), name)
    globals()[name] = value  # later look-ups do not come here again
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
