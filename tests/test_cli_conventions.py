"""The command-line conventions (issue 11): --version, -o -, -o DIR/, several inputs and
folders, --include/--exclude, --force, migrate -o/-q and its warnings, broken pipes, help."""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import digestformat as df
from digestformat._walk import Filter, walk
from digestformat.cli import _build, run

FIXTURES = Path(__file__).parent / "fixtures"
TAGGED = FIXTURES / "tagged" / "valid" / "sample.md"
REVIEW = FIXTURES / "review" / "valid" / "sample.md"

Capture = pytest.CaptureFixture[str]


def _stray(path: Path) -> Path:
    """The tagged sample with a line the layout does not define (a warning at 4:1)."""
    lines = TAGGED.read_text("utf-8").split("\n")
    at = next(i for i, line in enumerate(lines) if line.startswith("## 1."))
    lines.insert(at + 1, "a stray line")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines), "utf-8")
    return path


def _tree(root: Path) -> Path:
    """a.md (tagged), sub/b.md (review), sub/bad.md (no layout), and files every walk skips."""
    (root / "sub").mkdir(parents=True)
    shutil.copyfile(TAGGED, root / "a.md")
    shutil.copyfile(REVIEW, root / "sub" / "b.md")
    (root / "sub" / "bad.md").write_text("just notes\n", "utf-8")
    for skipped in (".git", "_site", "node_modules", "sub/.cache"):
        (root / skipped).mkdir(parents=True)
        shutil.copyfile(REVIEW, root / skipped / "c.md")
    shutil.copyfile(REVIEW, root / ".hidden.md")
    (root / "notes.txt").write_text("not markdown", "utf-8")
    return root


# ----------------------------------------------------------------------------- 1. --version


def test_version(capsys: Capture) -> None:
    assert run(["--version"]) == 0
    assert capsys.readouterr().out == f"digestformat {df.__version__}\n"


# ----------------------------------------------------------------------------- 2. -o -, -t, -f


def test_output_dash_is_standard_output(tmp_path: Path, capsys: Capture) -> None:
    assert run(["convert", str(TAGGED), "-t", "json", "-o", "-"]) == 0
    assert capsys.readouterr().out == df.render(df.parse(TAGGED.read_bytes()), "json")
    assert not (Path.cwd() / "-").exists()


def test_short_forms_of_to_and_from(capsys: Capture) -> None:
    assert run(["convert", str(TAGGED), "-f", "tagged", "-t", "tagged"]) == 0
    assert capsys.readouterr().out == TAGGED.read_text("utf-8")


# ----------------------------------------------------------------------------- 3. -o DIR/


@pytest.mark.parametrize(("to", "suffix"), [("json", ".json"), ("rss", ".xml"), ("imrad", ".md")])
def test_output_folder_gets_the_mirrored_name(tmp_path: Path, to: str, suffix: str, capsys: Capture) -> None:
    out = tmp_path / "newdir"
    assert run(["convert", str(TAGGED), "--to", to, "-o", f"{out}/"]) == 0
    assert out.is_dir()
    assert [p.name for p in out.iterdir()] == [f"sample{suffix}"]
    assert (out / f"sample{suffix}").read_text("utf-8") == df.render(df.parse(TAGGED.read_bytes()), to)
    assert capsys.readouterr().out == ""


def test_an_existing_folder_without_a_slash_is_a_folder(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    assert run(["convert", str(TAGGED), "--to", "json", "-o", str(out)]) == 0
    assert (out / "sample.json").is_file()


def test_review_into_a_folder_keeps_one_post_per_paper(tmp_path: Path, capsys: Capture) -> None:
    out = tmp_path / "posts"
    assert run(["convert", str(TAGGED), "--to", "review", "-o", f"{out}/"]) == 0
    assert len(list(out.iterdir())) == 5
    assert capsys.readouterr().out.count("\n") == 5


# ----------------------------------------------------------------------------- 4. several inputs, folders


def test_a_folder_is_mirrored_and_a_bad_file_does_not_stop_the_run(tmp_path: Path, capsys: Capture) -> None:
    src = _tree(tmp_path / "src")
    out = tmp_path / "out"
    assert run(["convert", str(src), "--to", "json", "-o", f"{out}/"]) == 1
    got = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    assert got == ["a.json", "sub/b.json"]
    err = capsys.readouterr().err
    assert err.startswith(f"{src / 'sub' / 'bad.md'}:1:1: no known layout")
    assert "Traceback" not in err


def test_several_inputs_need_an_output_folder(tmp_path: Path, capsys: Capture) -> None:
    assert run(["convert", str(TAGGED), str(REVIEW)]) == 2
    assert run(["convert", str(tmp_path)]) == 2
    assert run(["convert", str(TAGGED), str(REVIEW), "-o", str(tmp_path / "x.json")]) == 2
    err = capsys.readouterr().err
    assert "digestformat convert: several inputs (or a folder) are written into a folder: give -o DIR/" in err
    assert not (tmp_path / "x.json").exists()


def test_standard_input_has_no_name_for_a_folder(tmp_path: Path, capsys: Capture) -> None:
    assert run(["convert", "-", "--to", "json", "-o", f"{tmp_path}/"]) == 2
    assert "standard input has no name" in capsys.readouterr().err


def test_detect_walks_folders(tmp_path: Path, capsys: Capture) -> None:
    src = _tree(tmp_path / "src")
    assert run(["detect", str(src)]) == 1
    out, err = capsys.readouterr()
    assert out == f"{src / 'a.md'}\ttagged\n{src / 'sub' / 'b.md'}\treview\n"
    assert err.startswith(f"{src / 'sub' / 'bad.md'}:1:1: ")
    assert run(["detect", str(src), "--exclude", "bad.md"]) == 0
    assert run(["detect", str(src), "--include", "sub/**", "--exclude", "bad.md"]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == f"{src / 'sub' / 'b.md'}\treview"


def test_detect_of_one_file_is_unchanged(capsys: Capture) -> None:
    assert run(["detect", str(TAGGED)]) == 0
    assert capsys.readouterr().out == f"{TAGGED}\ttagged\n"


def test_check_honours_include_and_exclude(tmp_path: Path, capsys: Capture) -> None:
    src = _tree(tmp_path / "src")
    assert run(["check", str(src), "--exclude", "sub"]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "1 file, 0 with defects, 0 errors"
    assert run(["check", str(src), "--include", "b.md"]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "1 file, 0 with defects, 0 errors"


def test_check_goes_on_past_a_file_it_cannot_open(tmp_path: Path, capsys: Capture) -> None:
    missing = tmp_path / "missing.md"
    assert run(["check", str(missing), str(TAGGED)]) == 1
    out, err = capsys.readouterr()
    assert err == f"{missing}: No such file or directory\n"
    assert out.splitlines()[-1] == "2 files, 0 with defects, 1 error"


def test_check_has_diff_and_a_summary(tmp_path: Path, capsys: Capture) -> None:
    assert run(["check", "--diff", str(TAGGED)]) == 0
    assert run(["check", str(TAGGED)]) == 0
    assert capsys.readouterr().out == "1 file, 0 with defects, 0 errors\n"


@pytest.mark.parametrize(
    ("include", "exclude", "expected"),
    [
        ((), (), ["a.md", "x/b.markdown", "x/drafts/c.md", "y/2024/old/d.md"]),
        (("*.md",), (), ["a.md", "x/drafts/c.md", "y/2024/old/d.md"]),
        ((), ("drafts",), ["a.md", "x/b.markdown", "y/2024/old/d.md"]),
        ((), ("y/2024/old",), ["a.md", "x/b.markdown", "x/drafts/c.md"]),
        (("x/**",), ("**/drafts/**",), ["x/b.markdown"]),
        (("**/*.md",), ("./x/",), ["a.md", "y/2024/old/d.md"]),
    ],
)
def test_walk_globs(
    tmp_path: Path, include: tuple[str, ...], exclude: tuple[str, ...], expected: list[str]
) -> None:
    for rel in (
        "a.md",
        "x/b.markdown",
        "x/drafts/c.md",
        "y/2024/old/d.md",
        "_site/e.md",
        ".git/f.md",
        "g.txt",
    ):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("x", "utf-8")
    assert list(walk(tmp_path, include=include, exclude=exclude)) == expected


def test_filter_character_classes() -> None:
    rule = Filter.of(["2026-0[1-3]-*.md"], ["*-[!a-z].md"])
    assert rule.wants("2026-02-x.md")
    assert not rule.wants("2026-04-x.md")
    assert not rule.wants("2026-02-9.md")


# ----------------------------------------------------------------------------- 5. --force


def test_a_folder_write_does_not_replace_a_file_without_force(tmp_path: Path, capsys: Capture) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "sample.json").write_text("mine", "utf-8")
    assert run(["convert", str(TAGGED), "-o", f"{out}/"]) == 1
    assert capsys.readouterr().err == f"{out / 'sample.json'} exists: use --force to replace it\n"
    assert (out / "sample.json").read_text("utf-8") == "mine"
    assert run(["convert", str(TAGGED), "-o", f"{out}/", "--force"]) == 0
    assert (out / "sample.json").read_text("utf-8") == df.render(df.parse(TAGGED.read_bytes()), "json")


def test_review_posts_are_not_replaced_without_force(tmp_path: Path, capsys: Capture) -> None:
    out = tmp_path / "posts"
    assert run(["convert", str(TAGGED), "--to", "review", "-o", f"{out}/"]) == 0
    assert run(["convert", str(TAGGED), "--to", "review", "-o", f"{out}/"]) == 1
    assert "exists: use --force to replace it" in capsys.readouterr().err
    assert run(["convert", str(TAGGED), "--to", "review", "-o", f"{out}/", "--force"]) == 0


def test_a_named_output_file_is_replaced(tmp_path: Path) -> None:
    target = tmp_path / "out.json"
    target.write_text("old", "utf-8")
    assert run(["convert", str(TAGGED), "-o", str(target)]) == 0
    assert target.read_text("utf-8") == df.render(df.parse(TAGGED.read_bytes()), "json")


def test_two_inputs_wanting_one_name_are_numbered(tmp_path: Path, capsys: Capture) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    shutil.copyfile(TAGGED, tmp_path / "a" / "x.md")
    shutil.copyfile(TAGGED, tmp_path / "b" / "x.md")
    out = tmp_path / "out"
    assert run(["convert", str(tmp_path / "a" / "x.md"), str(tmp_path / "b" / "x.md"), "-o", f"{out}/"]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["x-2.json", "x.json"]
    assert "x.json is also the output of" in capsys.readouterr().err


# ----------------------------------------------------------------------------- 6, 7. migrate


def test_migrate_short_options_warnings_and_summary(tmp_path: Path, capsys: Capture) -> None:
    src = tmp_path / "src"
    _stray(src / "a.md")
    shutil.copyfile(REVIEW, src / "b.md")
    _stray(src / "drafts" / "c.md")
    dst = tmp_path / "dst"
    assert run(["migrate", str(src), "-t", "json", "-o", str(dst), "--jobs", "1", "--exclude", "drafts"]) == 0
    err = capsys.readouterr().err.splitlines()
    assert (
        err[0] == "a.md:4:1: warning: a line the layout does not define: kept verbatim in the paper's 'extra'"
    )
    assert err[1].startswith("converted 2, skipped 0, failed 0, warnings 1 in ")
    assert len(err) == 2
    assert sorted(p.name for p in dst.iterdir() if not p.name.startswith(".")) == ["a.json", "b.json"]


def test_migrate_quiet_prints_no_warning(tmp_path: Path, capsys: Capture) -> None:
    src = tmp_path / "src"
    _stray(src / "a.md")
    assert (
        run(["migrate", str(src), "--to", "json", "--out", str(tmp_path / "dst"), "-q", "--jobs", "1"]) == 0
    )
    assert capsys.readouterr().err == ""


def test_migrate_include_and_skipped_folders(tmp_path: Path, capsys: Capture) -> None:
    src = tmp_path / "src"
    for rel in ("2026/a.md", "2025/b.md", "_site/c.md", "node_modules/d.md"):
        (src / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(REVIEW, src / rel)
    dst = tmp_path / "dst"
    assert (
        run(["migrate", str(src), "-t", "json", "-o", str(dst), "--include", "2026/**", "--jobs", "1"]) == 0
    )
    got = sorted(p.relative_to(dst).as_posix() for p in dst.rglob("*.json") if not p.name.startswith("."))
    assert got == ["2026/a.json"]


def test_migrate_warnings_of_a_feed_are_counted(tmp_path: Path, capsys: Capture) -> None:
    src = tmp_path / "src"
    _stray(src / "a.md")
    assert run(["migrate", str(src), "-t", "rss", "-o", str(tmp_path / "dst"), "--jobs", "1"]) == 0
    err = capsys.readouterr().err
    assert "a.md:4:1: warning: " in err
    assert ", warnings 1 in " in err


# ----------------------------------------------------------------------------- 9. broken pipe


def test_a_broken_pipe_ends_quietly() -> None:
    done = subprocess.run(
        f"'{sys.executable}' -m digestformat schema | head -1",
        shell=True,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.stdout == "{\n"
    assert done.stderr == ""


def test_a_broken_pipe_in_a_long_output_ends_quietly(tmp_path: Path) -> None:
    big = tmp_path / "big.json"
    doc = df.parse(TAGGED.read_bytes())
    doc.papers = doc.papers * 400
    big.write_text(df.render(doc, "json"), "utf-8")
    done = subprocess.run(
        f"'{sys.executable}' -m digestformat convert '{big}' -t json | head -c 10",
        shell=True,
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert done.stderr == b""


# ----------------------------------------------------------------------------- 10. help


def _commands() -> list[str]:
    parser = _build()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return list(sub.choices)


@pytest.mark.parametrize("columns", [None, "200", "60"])
@pytest.mark.parametrize("command", [None, *_commands()])
def test_help_has_examples_and_fits_100_columns(
    command: str | None, columns: str | None, monkeypatch: pytest.MonkeyPatch, capsys: Capture
) -> None:
    if columns is None:
        monkeypatch.delenv("COLUMNS", raising=False)
    else:
        monkeypatch.setenv("COLUMNS", columns)
    assert run([*([command] if command else []), "--help"]) == 0
    out = capsys.readouterr().out
    assert "\nexamples:\n" in out
    wide = [line for line in out.splitlines() if len(line) > 100]
    assert wide == []


def test_an_output_that_would_leave_the_folder_through_a_link_fails_alone(
    tmp_path: Path, capsys: Capture
) -> None:
    src = tmp_path / "src"
    (src / "sub").mkdir(parents=True)
    shutil.copyfile(TAGGED, src / "sub" / "a.md")
    shutil.copyfile(REVIEW, src / "b.md")
    out = tmp_path / "out"
    out.mkdir()
    (tmp_path / "elsewhere").mkdir()
    (out / "sub").symlink_to(tmp_path / "elsewhere")
    assert run(["convert", str(src), "-o", f"{out}/"]) == 1
    assert "unsafe output name" in capsys.readouterr().err
    assert (out / "b.json").is_file()
    assert list((tmp_path / "elsewhere").iterdir()) == []


def test_content_only_json_has_no_trivia_and_reads_back_equal(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = FIXTURES / "tagged/valid/bom-crlf.md"
    assert run(["convert", str(source), "--to", "json", "--content-only"]) == 0
    text = capsys.readouterr().out
    data = json.loads(text)
    assert "trivia" not in data
    assert all("trivia" not in paper for paper in data["papers"])
    assert df.parse(text, "json") == df.parse(source.read_bytes())
    assert run(["convert", str(source), "--to", "tagged", "--content-only"]) == 2
    assert "--content-only writes JSON" in capsys.readouterr().err
