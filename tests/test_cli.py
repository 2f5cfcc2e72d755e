"""The command line, called in-process through ``digestformat.cli.run(argv)``."""

from __future__ import annotations

import argparse
import io
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

import digestformat as df
from digestformat.cli import _build, run

FIXTURES = Path(__file__).parent / "fixtures"
LAYOUTS = ("tagged", "translated", "imrad", "review")
SAMPLES = {layout: FIXTURES / layout / "valid" / "sample.md" for layout in LAYOUTS}

Capture = pytest.CaptureFixture[str]
BinaryCapture = pytest.CaptureFixture[bytes]


class _Stdin:
    """Stands in for sys.stdin: the CLI reads bytes from ``sys.stdin.buffer``."""

    def __init__(self, data: bytes) -> None:
        self.buffer = io.BytesIO(data)


def _stray(tmp_path: Path) -> Path:
    """The tagged sample with a line the layout does not define, under its first paper heading."""
    lines = SAMPLES["tagged"].read_text("utf-8").split("\n")
    at = next(i for i, line in enumerate(lines) if line.startswith("## 1."))
    lines.insert(at + 1, "a stray line")
    path = tmp_path / "stray.md"
    path.write_text("\n".join(lines), "utf-8")
    return path


def _bad_utf8(tmp_path: Path) -> Path:
    path = tmp_path / "bad.md"
    path.write_bytes(b"# 2026-02-16 D\n\n## 1. [T](u\xff)\n")
    return path


# ----------------------------------------------------------------------------- convert


@pytest.mark.parametrize("layout", LAYOUTS)
def test_convert_to_json_on_stdout(layout: str, capsysbinary: BinaryCapture) -> None:
    data = SAMPLES[layout].read_bytes()
    assert run(["convert", str(SAMPLES[layout]), "--to", "json"]) == 0
    out, err = capsysbinary.readouterr()
    assert out == df.render(df.parse(data), "json").encode("utf-8")
    assert err == b""
    assert df.render(df.parse(out, "json")).encode("utf-8") == data


def test_convert_defaults_to_json(capsysbinary: BinaryCapture) -> None:
    assert run(["convert", str(SAMPLES["tagged"])]) == 0
    assert json.loads(capsysbinary.readouterr().out)["layout"] == "tagged"


@pytest.mark.parametrize("layout", LAYOUTS)
def test_convert_with_output_file_writes_the_bytes(layout: str, tmp_path: Path, capsys: Capture) -> None:
    out = tmp_path / "out.json"
    assert run(["convert", str(SAMPLES[layout]), "--to", "json", "-o", str(out)]) == 0
    assert capsys.readouterr().out == ""
    data = SAMPLES[layout].read_bytes()
    assert out.read_bytes() == df.render(df.parse(data), "json").encode("utf-8")
    back = tmp_path / "back.md"
    assert run(["convert", str(out), "--from", "json", "--to", layout, "--output", str(back)]) == 0
    assert back.read_bytes() == data


@pytest.mark.parametrize("target", LAYOUTS)
def test_convert_to_each_layout(target: str, capsysbinary: BinaryCapture) -> None:
    source = SAMPLES["review"]  # one paper: every layout can hold it
    assert run(["convert", str(source), "--from", "review", "--to", target]) == 0
    out = capsysbinary.readouterr().out
    assert out == df.convert(source.read_bytes(), target, "review").encode("utf-8")
    assert df.parse(out, target) == df.parse(df.render(df.parse(source.read_bytes()), target), target)


@pytest.mark.parametrize("layout", LAYOUTS)
def test_convert_from_each_layout(layout: str, capsysbinary: BinaryCapture) -> None:
    assert run(["convert", str(SAMPLES[layout]), "--from", layout, "--to", layout]) == 0
    assert capsysbinary.readouterr().out == SAMPLES[layout].read_bytes()


def test_convert_reads_standard_input(monkeypatch: pytest.MonkeyPatch, capsysbinary: BinaryCapture) -> None:
    data = SAMPLES["imrad"].read_bytes()
    monkeypatch.setattr(sys, "stdin", _Stdin(data))
    assert run(["convert", "-", "--to", "json"]) == 0
    assert capsysbinary.readouterr().out == df.render(df.parse(data), "json").encode("utf-8")


def test_convert_names_standard_input_in_messages(monkeypatch: pytest.MonkeyPatch, capsys: Capture) -> None:
    monkeypatch.setattr(sys, "stdin", _Stdin(b"\xff"))
    assert run(["convert", "-"]) == 1
    assert capsys.readouterr().err.startswith("<stdin>:1:1: invalid UTF-8 at byte 0")


def test_convert_keeps_crlf_and_bom_bytes(tmp_path: Path, capsysbinary: BinaryCapture) -> None:
    data = (
        "\ufeff# 2026-02-16 D\r\n\r\n## 1. [T](https://example.com)\r\n**Upvotes**: 3\r\n\r\n---\r\n".encode()
    )
    path = tmp_path / "crlf.md"
    path.write_bytes(data)
    assert run(["convert", str(path), "--from", "tagged", "--to", "tagged"]) == 0
    assert capsysbinary.readouterr().out == data


# ----------------------------------------------------------------------------- detect and check


def test_detect_prints_path_tab_layout(capsys: Capture) -> None:
    paths = [str(SAMPLES[layout]) for layout in LAYOUTS]
    assert run(["detect", *paths]) == 0
    assert capsys.readouterr().out == "".join(
        f"{path}\t{layout}\n" for path, layout in zip(paths, LAYOUTS, strict=True)
    )


def test_detect_reports_an_unknown_file_and_goes_on(tmp_path: Path, capsys: Capture) -> None:
    unknown = tmp_path / "notes.md"
    unknown.write_text("just some notes\n", "utf-8")
    assert run(["detect", str(unknown), str(SAMPLES["review"])]) == 1
    out, err = capsys.readouterr()
    assert out == f"{SAMPLES['review']}\treview\n"
    assert err.startswith(f"{unknown}:1:1: no known layout")


def test_check_passes_on_the_samples(capsys: Capture) -> None:
    assert run(["check", *(str(SAMPLES[layout]) for layout in LAYOUTS)]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    assert out == "4 files, 0 with defects, 0 errors\n"


def test_check_fails_on_a_file_that_does_not_parse(tmp_path: Path, capsys: Capture) -> None:
    bad = _bad_utf8(tmp_path)
    assert run(["check", str(SAMPLES["tagged"]), str(bad)]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"{bad}:3:")
    assert "Traceback" not in err


def test_check_fails_on_a_file_that_does_not_round_trip(
    monkeypatch: pytest.MonkeyPatch, capsys: Capture
) -> None:
    real = df.render

    def lossy(doc: df.Digest, to: str | None = None) -> str:
        text = real(doc, to)
        return text if to == "json" else text.replace("Daily", "Dialy", 1)

    monkeypatch.setattr("digestformat._api.render", lossy)  # cli imports it when check runs
    assert run(["check", str(SAMPLES["tagged"])]) == 1
    assert capsys.readouterr().out == (
        f"{SAMPLES['tagged']}:1:15: DF001 rendering does not give the same bytes back\n"
        "1 file, 1 with defects, 0 errors\n"
    )


def test_check_strict_fails_on_a_warning(tmp_path: Path, capsys: Capture) -> None:
    path = _stray(tmp_path)
    assert run(["check", str(path)]) == 1  # the warning is a finding, DF002
    assert " DF002 " in capsys.readouterr().out
    assert run(["check", "--ignore", "DF002", str(path)]) == 0
    capsys.readouterr()
    assert run(["check", "--strict", str(path)]) == 1
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    assert out.endswith("1 file, 0 with defects, 1 error\n")


# ----------------------------------------------------------------------------- errors and warnings


def test_bad_input_exits_1_with_a_located_message(tmp_path: Path, capsys: Capture) -> None:
    bad = _bad_utf8(tmp_path)
    assert run(["convert", str(bad)]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err == f"{bad}:3:12: invalid UTF-8 at byte 27 (0xff): expected UTF-8 text\n"
    assert "Traceback" not in err


def test_an_unclosed_front_matter_exits_1(tmp_path: Path, capsys: Capture) -> None:
    path = tmp_path / "open.md"
    path.write_text("---\ntitle: x\n\n# 1. [T](u)\n", "utf-8")
    assert run(["convert", str(path), "--from", "imrad"]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"{path}:1:1: front matter opened with '---' is never closed")


def test_a_missing_file_exits_1_without_a_traceback(tmp_path: Path, capsys: Capture) -> None:
    missing = tmp_path / "missing.md"
    assert run(["convert", str(missing)]) == 1
    err = capsys.readouterr().err
    assert str(missing) in err
    assert "Traceback" not in err


def test_warnings_are_printed_with_their_place(tmp_path: Path, capsys: Capture) -> None:
    path = _stray(tmp_path)
    assert run(["convert", str(path), "--to", "tagged"]) == 0
    out, err = capsys.readouterr()
    assert out == path.read_text("utf-8")
    assert (
        err
        == f"{path}:4:1: warning: a line the layout does not define: kept verbatim in the paper's 'extra'\n"
    )


def test_strict_turns_a_warning_into_exit_1(tmp_path: Path, capsys: Capture) -> None:
    path = _stray(tmp_path)
    assert run(["convert", "--strict", str(path)]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err == f"{path}:4:1: a line the layout does not define: kept verbatim in the paper's 'extra'\n"


# ----------------------------------------------------------------------------- usage


@pytest.mark.parametrize(
    "argv",
    [
        pytest.param([], id="no-subcommand"),
        pytest.param(["convert"], id="missing-input"),
        pytest.param(["convert", "x.md", "--to", "docx"], id="unknown-to"),
        pytest.param(["convert", "x.md", "--from", "docx"], id="unknown-from"),
        pytest.param(["detect"], id="detect-without-files"),
        pytest.param(["frobnicate"], id="unknown-subcommand"),
        pytest.param(["convert", "x.md", "--bogus"], id="unknown-option"),
    ],
)
def test_usage_errors_exit_2(argv: list[str], capsys: Capture) -> None:
    assert run(argv) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert "usage:" in err
    assert "Traceback" not in err


@pytest.mark.parametrize("argv", [["--help"], ["-h"], ["convert", "--help"]])
def test_help_exits_0_with_examples(argv: list[str], capsys: Capture) -> None:
    assert run(argv) == 0
    out = capsys.readouterr().out
    assert "examples:" in out
    assert "usage:" in out


def test_schema_prints_valid_json(capsys: Capture) -> None:
    assert run(["schema"]) == 0
    schema = json.loads(capsys.readouterr().out)
    assert schema == df.Digest.model_json_schema()
    assert "papers" in schema["properties"]


def test_python_dash_m_runs_the_cli() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "digestformat", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "examples:" in done.stdout


def test_python_dash_m_exit_status_for_usage_errors() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "digestformat", "convert"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert "Traceback" not in done.stderr


INVALID = sorted([*FIXTURES.glob("invalid/*.md"), *FIXTURES.glob("*/invalid/*.md")])


@pytest.mark.parametrize("path", INVALID, ids=lambda p: str(p.relative_to(FIXTURES)))
def test_every_bad_input_exits_1_with_its_place_and_no_traceback(path: Path, capsys: Capture) -> None:
    """The bad-input battery through the command: `PATH:LINE:COL: message`, exit 1."""
    expected = (path.with_suffix(".err")).read_text("utf-8").rstrip("\n")
    layout = path.parent.parent.name
    argv = ["convert", str(path), "--to", "json"]
    if layout in LAYOUTS:
        argv += ["--from", layout]
    assert run(argv) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == f"{path}:{expected}\n"
    assert "Traceback" not in captured.err


def test_two_layouts_in_one_file_are_read_with_from(capsys: Capture) -> None:
    """The mixed file the detector refuses is read when its layout is named: the other
    layout's paper heading is kept as an unknown section, with a warning."""
    path = FIXTURES / "invalid" / "mixed-imrad-tagged.md"
    assert run(["convert", str(path), "--from", "imrad", "--to", "imrad"]) == 0
    captured = capsys.readouterr()
    assert captured.out == path.read_text("utf-8")
    assert captured.err.startswith(f"{path}:14:1: warning: unknown section heading '2. [SQuTR]")
    assert run(["convert", str(path), "--from", "imrad", "--strict"]) == 1
    assert capsys.readouterr().err.startswith(f"{path}:14:1: unknown section heading '2. [SQuTR]")


# ------------------------------------------------------------------- the docs say what the code does


def test_docs_cli_names_every_option_of_every_command() -> None:
    """Every option of every command, short forms included, is in that command's section."""
    doc = (Path(__file__).parent.parent / "docs" / "cli.md").read_text("utf-8")
    parser = _build()
    top = doc.split("\n## ", 1)[0]
    for action in parser._actions:
        for option in action.option_strings:
            if option not in ("-h", "--help"):
                assert re.search(rf"[`\[ ]{re.escape(option)}[ `\]]", top), f"docs/cli.md: {option}"
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    for name, sub in commands.choices.items():
        section = doc.split(f"## `{name}`", 1)[1].split("\n## ", 1)[0]
        for action in sub._actions:
            for option in action.option_strings:
                if option not in ("-h", "--help"):
                    shown = re.search(rf"[`\[/]{re.escape(option)}[ `\]/]", section)
                    assert shown, f"docs/cli.md, {name}: {option} is not described"


def test_docs_schema_json_is_the_model_schema() -> None:
    path = Path(__file__).parent.parent / "docs" / "schema.json"
    assert json.loads(path.read_text("utf-8")) == df.Digest.model_json_schema()
