"""Start-up (issue 11): what the command line and the package import before they are used.

Each check runs in a fresh interpreter (this one has imported everything already) and
looks at ``sys.modules`` afterwards: cheaper and steadier than timing, and it names the
module that crept back in.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import digestformat as df
from digestformat import _api, _names
from digestformat.layouts import LAYOUTS

SAMPLE = Path(__file__).parent / "fixtures" / "tagged" / "valid" / "base.md"
REVIEW = sorted((Path(__file__).parent / "fixtures" / "review" / "valid").glob("*.md"))[0]

HEAVY = (
    "pydantic",
    "pydantic_core",
    "yaml",
    "lxml",
    "markdown_it",
    "tqdm",
    "frontmatter",
    "tomllib",
    "orjson",
)
"""Third-party packages (and tomllib, whose regexes are slow to compile) kept off start-up."""

_PROBE = """
import contextlib, io, json, sys
from digestformat.cli import run
out = sys.stdout
with contextlib.redirect_stdout(io.TextIOWrapper(io.BytesIO())), contextlib.redirect_stderr(sys.stderr):
    code = run(sys.argv[1:])
print(json.dumps([code, sorted(sys.modules)]), file=out)
"""


def _modules(*argv: str, cwd: Path | None = None) -> tuple[int, set[str]]:
    """The exit code of ``run(argv)`` in a fresh interpreter, and the modules it left loaded."""
    proc = subprocess.run(
        [sys.executable, "-c", _PROBE, *argv], capture_output=True, text=True, check=True, cwd=cwd
    )
    code, modules = json.loads(proc.stdout.splitlines()[-1])
    return code, set(modules)


def _heavy(modules: set[str], also: tuple[str, ...] = ()) -> list[str]:
    return sorted(m for m in modules if m.partition(".")[0] in HEAVY + also)


_OWN_HEAVY = ("digestformat._api", "digestformat.model", "digestformat.archive", "digestformat.feeds")


@pytest.mark.parametrize(
    "argv",
    [
        ["--help"],
        ["--version"],
        *(
            [command, "--help"]
            for command in ("convert", "detect", "check", "schema", "migrate", "export", "search")
        ),
        ["convert"],
        ["nonsense"],
        ["migrate", "src", "--to", "json", "-o", "out", "--jobs", "-1"],
        ["export", "src", "--to", "csv", "-o", "out", "--jobs", "-1"],
    ],
)
def test_help_version_and_usage_errors_import_nothing_heavy(argv: list[str]) -> None:
    code, modules = _modules(*argv)
    assert code in (0, 2)
    assert _heavy(modules) == []
    assert sorted(m for m in modules if m.startswith(_OWN_HEAVY)) == []


def test_importing_the_package_imports_nothing_heavy() -> None:
    proc = subprocess.run(
        [sys.executable, "-c", "import sys, digestformat; print(' '.join(sorted(sys.modules)))"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert _heavy(set(proc.stdout.split())) == []


def test_converting_markdown_to_json_needs_only_pydantic(tmp_path: Path) -> None:
    sample = tmp_path / "sample.md"  # no pyproject.toml above it: no TOML is read
    sample.write_bytes(SAMPLE.read_bytes())
    code, modules = _modules("convert", str(sample), "--to", "json", cwd=tmp_path)
    assert code == 0
    assert {m.partition(".")[0] for m in _heavy(modules)} == {"pydantic", "pydantic_core"}
    assert "digestformat.feeds.rss" not in modules


def test_front_matter_loads_pyyaml_but_not_the_feeds(tmp_path: Path) -> None:
    code, modules = _modules("convert", str(REVIEW), "--to", "review", cwd=tmp_path)
    assert code == 0
    assert "yaml" in modules
    assert not {"lxml", "markdown_it", "tqdm", "frontmatter"} & {m.partition(".")[0] for m in modules}


def test_the_light_names_agree_with_the_implementations() -> None:
    assert tuple(LAYOUTS) == _names.LAYOUTS
    assert df.FORMATS == _api.FORMATS == _names.FORMATS
    for name in _names.FEEDS:
        assert callable(_api._reader(name))
        assert callable(_api._writer(name))
    assert _api._reader("tagged") is None


def test_the_lazy_package_has_every_public_name() -> None:
    namespace: dict[str, object] = {}
    exec("from digestformat import *", namespace)
    assert set(df.__all__) <= set(namespace)
    assert set(df.__all__) <= set(dir(df))
    with pytest.raises(AttributeError, match="no attribute 'nonsense'"):
        _ = df.nonsense
