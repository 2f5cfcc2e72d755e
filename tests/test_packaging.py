"""Packaging: one version, read by the installed metadata; the license declared as PEP 639 has it."""

from __future__ import annotations

import re
import tomllib
from importlib import metadata
from pathlib import Path

import pytest

import digestformat
from digestformat import _version

ROOT = Path(__file__).parent.parent
PYPROJECT = ROOT / "pyproject.toml"


def installed() -> metadata.PackageMetadata:
    try:
        return metadata.metadata("digestformat")
    except metadata.PackageNotFoundError:  # run from a bare checkout
        pytest.skip("digestformat is not installed")


def test_version_is_the_one_in_version_py() -> None:
    assert digestformat.__version__ is _version.__version__
    assert re.fullmatch(r"\d+\.\d+\.\d+((a|b|rc)\d+)?(\.dev\d+)?", digestformat.__version__)


def test_installed_metadata_has_the_package_version() -> None:
    installed()
    assert metadata.version("digestformat") == digestformat.__version__


def test_installed_metadata_declares_the_license() -> None:
    meta = installed()
    assert meta["License-Expression"] == "MIT"
    assert "LICENSE" in (meta.get_all("License-File") or [])
    assert not any(c.startswith("License ::") for c in meta.get_all("Classifier") or [])


def test_pyproject_reads_the_version_from_version_py() -> None:
    if not PYPROJECT.is_file():  # tests copied without the project
        pytest.skip("no pyproject.toml beside tests/")
    data = tomllib.loads(PYPROJECT.read_text("utf-8"))
    assert "version" not in data["project"], "the version lives in src/digestformat/_version.py only"
    assert "version" in data["project"]["dynamic"]
    attr = data["tool"]["setuptools"]["dynamic"]["version"]["attr"]
    assert attr == "digestformat._version.__version__"


def test_license_file_is_beside_the_project() -> None:
    if not PYPROJECT.is_file():  # tests copied without the project
        pytest.skip("no pyproject.toml beside tests/")
    data = tomllib.loads(PYPROJECT.read_text("utf-8"))
    assert data["project"]["license"] == "MIT"
    for name in data["project"]["license-files"]:
        text = (ROOT / name).read_text("utf-8")
        assert text.startswith("MIT License")
        assert "Copyright (c) 2026 The digestformat authors" in text
