"""digestformat migrate: mirror, never touch SRC, never overwrite a stranger's file, resume, contain.

Every archive is generated in tmp_path from the fixture files. Runs go through
``cli.run`` (exit code, stdout, stderr) or ``archive.migrate`` directly; the
kill tests run ``python -m digestformat`` in a subprocess of its own session and
SIGKILL it. No test measures time: deadlines only bound the waiting.
"""

from __future__ import annotations

import contextlib
import email.utils
import errno
import hashlib
import io
import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from lxml import etree

import digestformat as df
from digestformat._io import contained, safe_component
from digestformat._slug import slug
from digestformat.archive import MANIFEST, Options, migrate
from digestformat.cli import run
from digestformat.feeds import _common as feed_common
from digestformat.feeds import archive as feed_archive
from digestformat.feeds import atom as feed_atom
from digestformat.feeds import jsonfeed as feed_jsonfeed
from digestformat.feeds import rss as feed_rss

FIXTURES = Path(__file__).parent / "fixtures"
LAYOUTS = ("tagged", "translated", "imrad", "review")
SUMMARY = re.compile(
    r"^converted (\d+), skipped (\d+), failed (\d+), warnings \d+ in \d+\.\d\d s$", re.MULTILINE
)
POSIX_ONLY = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals and file names")

# A small archive of every layout: nested folders, a .markdown and a .json input, trivia variants.
MIXED = {
    "2026/02/16.md": "tagged/sample.md",
    "2026/02/tagged-bom-crlf.md": "tagged/bom-crlf.md",
    "translated/sample.md": "translated/sample.md",
    "translated/deep/er/mixed.markdown": "translated/mixed-newlines.md",
    "imrad/base.md": "imrad/base.md",
    "imrad-crlf.md": "imrad/crlf.md",
    "review/sample.md": "review/sample.md",
    "review/bom.md": "review/bom.md",
    "json/tagged-base.json": "tagged/base.json",
}
# Single-paper digests of every layout: what --to review can mirror.
SINGLE = {
    "a/heading-only.md": "tagged/heading-only.md",
    "a/b/translated.md": "translated/section-unknown.md",
    "imrad.md": "imrad/link-several.md",
    "review/sample.md": "review/sample.md",
    "review/bom-crlf.md": "review/bom-crlf.md",
    "json/notice-only.json": "review/notice-only.json",
}
# Files migrate must leave alone: hidden ones and other suffixes.
IGNORED = {".hidden/x.md": "tagged/base.md", "a/.dot.md": "tagged/base.md", "notes.txt": "tagged/base.md"}
# Tiny valid digests, for archives of thousands of files.
SMALL = (
    "tagged/heading-only.md",
    "translated/heading-only.md",
    "imrad/front-matter-empty.md",
    "translated/date-only.md",
    "tagged/date-dots-thin.md",
)


# ---------------------------------------------------------------- helpers


def fixture(name: str) -> bytes:
    """The bytes of ``fixtures/<layout>/valid/<file>`` for 'layout/file'."""
    layout, file = name.split("/")
    return (FIXTURES / layout / "valid" / file).read_bytes()


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def tree(root: Path) -> dict[str, bytes]:
    """Every file below *root*, hidden ones included: relative POSIX path -> bytes."""
    found: dict[str, bytes] = {}
    for folder, _, files in os.walk(root):
        for name in files:
            path = Path(folder) / name
            found[path.relative_to(root).as_posix()] = path.read_bytes()
    return found


def fingerprint(root: Path, *, skip: Path | None = None) -> dict[str, str]:
    """Files, folders and links below *root* with content hash, mode and mtime: 'unchanged' means it."""
    seen: dict[str, str] = {}
    for folder, dirs, files in os.walk(root):
        if skip is not None:
            dirs[:] = [d for d in dirs if Path(folder) / d != skip]
        for name in [*dirs, *files]:
            path = Path(folder) / name
            rel = path.relative_to(root).as_posix()
            info = path.lstat()
            if path.is_symlink():
                seen[rel] = f"link -> {os.readlink(path)}"
            elif path.is_dir():
                seen[rel] = f"dir {info.st_mode:o}"
            else:
                seen[rel] = f"file {info.st_mode:o} {info.st_mtime_ns} {sha(path.read_bytes())}"
    return seen


class Src:
    """An archive folder written from fixtures; ``unchanged()`` compares it with how it was made."""

    def __init__(self, root: Path, files: dict[str, bytes]) -> None:
        self.path = root
        root.mkdir(parents=True, exist_ok=True)
        for rel, data in files.items():
            target = root / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        self.before = fingerprint(root)

    def remember(self) -> None:
        """Take the current state as the one to keep (after a test edits SRC on purpose)."""
        self.before = fingerprint(self.path)

    def assert_unchanged(self) -> None:
        assert fingerprint(self.path) == self.before, "migrate changed its source folder"


def make_src(root: Path, files: dict[str, str], extra: dict[str, bytes] | None = None) -> Src:
    data = {rel: fixture(name) for rel, name in files.items()}
    data.update(extra or {})
    return Src(root, data)


def small_archive(root: Path, count: int, per_folder: int = 100) -> Src:
    blobs = [fixture(name) for name in SMALL]
    files = {f"d{i // per_folder:03d}/f{i:05d}.md": blobs[i % len(blobs)] for i in range(count)}
    return Src(root, files)


def mirror(rel: str, target: str) -> str:
    return rel.rsplit(".", 1)[0] + (".json" if target == "json" else ".md")


def cli(capsys: pytest.CaptureFixture[str], *args: str | Path) -> tuple[int, str, str]:
    code = run(["migrate", *(str(a) for a in args)])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def counts(err: str) -> tuple[int, int, int]:
    """(converted, skipped, failed) of the one summary line in *err*."""
    found = SUMMARY.findall(err)
    assert len(found) == 1, f"expected one summary line in:\n{err}"
    converted, skipped, failed = found[0]
    return int(converted), int(skipped), int(failed)


def outputs(dst: Path) -> dict[str, bytes]:
    """DST's files but the journal."""
    files = tree(dst)
    files.pop(MANIFEST, None)
    return files


def assert_inside(dst: Path) -> None:
    """Every file and folder below *dst* resolves inside it, and every component is a safe one."""
    root = dst.resolve()
    for folder, dirs, files in os.walk(dst):
        for name in [*dirs, *files]:
            path = Path(folder) / name
            assert path.resolve().is_relative_to(root), path
            assert safe_component(name) == name, f"unsafe name {name!r}"


def temps(dst: Path) -> list[Path]:
    return sorted(dst.rglob("*.tmp"))


def assert_same_content(source: bytes, output: bytes, target: str) -> None:
    """*output* (migrated to *target*) says what *source* says."""
    doc = df.parse(source)
    if target == "json":
        assert df.parse(output, "json") == doc
        return
    got = df.parse(output)  # detected: a migrated file must be recognised as its layout
    assert got.layout == target
    assert df.parse(df.render(got, doc.layout)) == doc
    if target == doc.layout and not source.lstrip().startswith(b"{"):
        assert output == source  # the same layout: byte for byte


def two_inputs_one_paper() -> tuple[bytes, bytes]:
    """Two digests of the same date holding the same papers (one paper's upvotes differ)."""
    one = fixture("tagged/sample.md")
    doc = df.parse(one)
    doc.papers[0].upvotes = (doc.papers[0].upvotes or 0) + 1000
    two = df.render(doc).encode("utf-8")
    assert one != two
    return one, two


def split_posts(blob: bytes, folder: str) -> dict[str, bytes]:
    """What --split writes for the digest *blob* found in *folder*: post name -> bytes."""
    return {
        f"{folder}/{post.date}-{slug(post.papers[0].title)}.md": df.render(post).encode("utf-8")
        for post in df.split(df.parse(blob))
    }


# ---------------------------------------------------------------- 1. mirroring


@pytest.mark.parametrize("target", ["json", *LAYOUTS])
def test_migrate_mirrors_the_tree_and_keeps_the_content(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], target: str
) -> None:
    files = SINGLE if target == "review" else MIXED
    src = make_src(tmp_path / "src", files | IGNORED)
    dst = tmp_path / "dst"
    code, out, err = cli(capsys, src.path, "--to", target, "--out", dst, "--jobs", "2")
    assert code == 0, err
    assert counts(err) == (len(files), 0, 0)
    assert len([line for line in err.splitlines() if ": warning: " not in line]) == 1  # the summary
    assert out == ""
    got = outputs(dst)
    assert set(got) == {mirror(rel, target) for rel in files}  # one output per input, nothing else
    for rel, name in files.items():
        assert_same_content(fixture(name), got[mirror(rel, target)], target)
    src.assert_unchanged()


def test_migrate_api_returns_a_summary_and_a_journal(tmp_path: Path) -> None:
    src = make_src(tmp_path / "src", MIXED | IGNORED)
    dst = tmp_path / "dst"
    out, err = io.StringIO(), io.StringIO()
    summary = migrate(Options(src=src.path, dst=dst, to="json", jobs=1), out=out, err=err)
    assert (summary.converted, summary.skipped, summary.failed) == (len(MIXED), 0, 0)
    assert summary.errors == []
    assert sorted(summary.written) == sorted(mirror(rel, "json") for rel in MIXED)
    assert counts(err.getvalue()) == (len(MIXED), 0, 0)
    assert err.getvalue() == summary.line() + "\n"
    assert out.getvalue() == ""
    got = tree(dst)
    for rel, name in MIXED.items():
        assert_same_content(fixture(name), got[mirror(rel, "json")], "json")
    # The journal: the options, then one line per input, in path order, naming the input's hash
    # and its output's.
    header, *entries = [json.loads(line) for line in got[MANIFEST].decode("utf-8").splitlines()]
    assert header == {
        "options": {"to": "json", "split": False, "join": False, "strict": False, "config": None}
    }
    assert [e["input"] for e in entries] == sorted(MIXED)
    for entry in entries:
        assert entry["state"] == "done"
        assert entry["sha"] == sha((src.path / entry["input"]).read_bytes())
        assert entry["outputs"] == [
            {"path": mirror(entry["input"], "json"), "sha": sha(got[mirror(entry["input"], "json")])}
        ]
    src.assert_unchanged()


def test_inputs_that_want_one_name_get_two(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = make_src(tmp_path / "src", {"a.md": "tagged/base.md", "a.json": "translated/base.json"})
    dst = tmp_path / "dst"
    code, _, err = cli(capsys, src.path, "--to", "json", "--out", dst, "--jobs", "1")
    assert code == 0, err
    got = outputs(dst)
    assert len(got) == 2
    assert sorted(df.parse(blob, "json").layout for blob in got.values()) == ["tagged", "translated"]
    src.assert_unchanged()


# ---------------------------------------------------------------- 2. SRC is never written


@pytest.mark.parametrize("where", ["dst-inside-src", "dst-is-src", "src-inside-dst", "dotdot", "symlink"])
def test_overlapping_folders_are_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], where: str
) -> None:
    root = tmp_path / "archive"
    src = make_src(root / "src", {"a.md": "tagged/base.md"})
    if where == "symlink":
        (tmp_path / "link").symlink_to(src.path, target_is_directory=True)
    dst = {
        "dst-inside-src": src.path / "out",
        "dst-is-src": src.path,
        "src-inside-dst": root,
        "dotdot": tmp_path / "elsewhere" / ".." / "archive" / "src" / "x" / "y",
        "symlink": tmp_path / "link" / "out",
    }[where]
    before = fingerprint(tmp_path)
    for args in (
        ["--to", "json"],
        ["--to", "json", "--force"],
        ["--to", "review", "--split"],
        ["--to", "tagged", "--join"],
        ["--to", "rss"],
    ):
        code, out, err = cli(capsys, src.path, *args, "--out", dst, "--jobs", "1")
        assert code == 2, err
        assert err.startswith("digestformat migrate: ")
        assert out == ""
        assert fingerprint(tmp_path) == before
    with pytest.raises(df.DigestError, match="source folder"):
        migrate(Options(src=src.path, dst=dst, to="json", jobs=1))
    assert fingerprint(tmp_path) == before


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(["--to", "json", "--force"], id="force"),
        pytest.param(["--to", "review", "--split"], id="split"),
        pytest.param(["--to", "rss"], id="rss"),
        pytest.param(["--to", "jsonfeed", "--dry-run"], id="dry-run"),
        pytest.param(["--to", "review"], id="failing"),  # multi-paper digests cannot be one post
    ],
)
def test_the_source_folder_is_never_touched(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str]
) -> None:
    src = make_src(tmp_path / "src", MIXED | IGNORED, {"bad.md": b"# not a digest\n"})
    dst = tmp_path / "dst"
    for _ in range(2):  # a first run and a second one over its output
        cli(capsys, src.path, *args, "--out", dst, "--jobs", "2")
        src.assert_unchanged()


# ---------------------------------------------------------------- 3. never overwrite a stranger's file


def _overwrite_case(root: Path, mode: str) -> tuple[Src, list[str], str]:
    """An archive, the migrate arguments and the name of one output, for *mode*."""
    if mode == "mirror":
        return (
            make_src(root, {"a.md": "tagged/base.md", "b/c.md": "translated/base.md"}),
            [
                "--to",
                "json",
            ],
            "b/c.json",
        )
    if mode == "split":
        title = df.parse(fixture("tagged/heading-only.md")).papers[0].title
        src = make_src(root, {"x/d.md": "tagged/heading-only.md", "y.md": "translated/base.md"})
        return src, ["--to", "review", "--split"], f"x/2026-02-16-{slug(title)}.md"
    if mode == "join":
        src = make_src(root, {"p.md": "review/sample.md", "q/r.md": "review/no-notice.md"})
        return src, ["--to", "tagged", "--join"], "2026-02-16.md"
    return make_src(root, {"a.md": "tagged/base.md"}), ["--to", "rss"], "feed.xml"


@pytest.mark.parametrize("mode", ["mirror", "split", "join", "rss"])
def test_a_file_migrate_did_not_write_is_never_replaced(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], mode: str
) -> None:
    src, args, name = _overwrite_case(tmp_path / "src", mode)
    dst = tmp_path / "dst"
    mine = dst / name
    mine.parent.mkdir(parents=True)
    mine.write_bytes(b"my own notes\n")
    for _ in range(2):  # a failed input does not take the file over on a second run either
        code, _, err = cli(capsys, src.path, *args, "--out", dst, "--jobs", "1")
        assert code == 1, err
        assert name in err  # the message names the file
        assert mine.read_bytes() == b"my own notes\n"
        assert counts(err)[2] == 1
    code, _, err = cli(capsys, src.path, *args, "--out", dst, "--jobs", "1", "--force")
    assert code == 0, err
    replaced = mine.read_bytes()
    assert replaced != b"my own notes\n"
    # Now migrate wrote it: a plain run replaces an edited copy without --force.
    mine.write_bytes(b"edited\n")
    code, _, err = cli(capsys, src.path, *args, "--out", dst, "--jobs", "1")
    assert code == 0, err
    assert mine.read_bytes() == replaced
    src.assert_unchanged()


def test_files_migrate_wrote_are_replaced_on_a_second_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = make_src(tmp_path / "src", MIXED)
    dst = tmp_path / "dst"
    assert cli(capsys, src.path, "--to", "imrad", "--out", dst, "--jobs", "1")[0] == 0
    first = tree(dst)
    (dst / "imrad/base.md").write_bytes(b"edited\n")
    (dst / "review/sample.md").unlink()
    code, _, err = cli(capsys, src.path, "--to", "imrad", "--out", dst, "--jobs", "1")
    assert code == 0, err
    assert counts(err) == (len(MIXED), 0, 0)
    assert tree(dst) == first
    src.assert_unchanged()


def test_a_folder_blocked_by_a_file_fails_that_input_only(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = make_src(
        tmp_path / "src", {"a.md": "tagged/base.md", "sub/x.md": "tagged/base.md", "zz/y.md": "imrad/base.md"}
    )
    dst = tmp_path / "dst"
    dst.mkdir()
    (dst / "sub").write_bytes(b"a file where migrate wants a folder\n")
    code, _, err = cli(capsys, src.path, "--to", "json", "--out", dst, "--jobs", "1")
    assert code == 1, err
    assert "sub/x.md" in err
    assert counts(err) == (2, 0, 1)  # the run carries on with the other files
    assert set(outputs(dst)) == {"a.json", "sub", "zz/y.json"}
    assert (dst / "sub").read_bytes() == b"a file where migrate wants a folder\n"
    src.assert_unchanged()


# ---------------------------------------------------------------- 4. killed, then resumed


def _start_migrate(src: Path, dst: Path) -> subprocess.Popen[bytes]:
    """migrate SRC to DST as JSON with two workers, quietly, in a session of its own."""
    return subprocess.Popen(
        _migrate_cmd(src, dst, "--jobs", "2", "--quiet"),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def _group_kill(proc: subprocess.Popen[bytes]) -> None:
    """SIGKILL the migrate run and its workers (its own session), and reap it."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)


def _migrate_cmd(src: Path, dst: Path, *extra: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "digestformat",
        "migrate",
        str(src),
        "--to",
        "json",
        "--out",
        str(dst),
        *extra,
    ]


def _journal_bytes(dst: Path) -> int:
    """How much journal a run has written so far (the manifest and the workers' part files)."""
    paths = [dst / MANIFEST, *dst.glob(".digestformat-manifest.*.part")] if dst.is_dir() else []
    total = 0
    for path in paths:
        with contextlib.suppress(OSError):
            total += path.stat().st_size
    return total


@POSIX_ONLY
def test_sigkill_mid_run_then_resume_gives_the_uninterrupted_result(tmp_path: Path) -> None:
    src = small_archive(tmp_path / "src", 2000)
    reference = tmp_path / "reference"
    assert migrate(Options(src=src.path, dst=reference, to="json", jobs=1, quiet=True)).failed == 0
    dst = tmp_path / "dst"
    proc = _start_migrate(src.path, dst)
    try:
        deadline = time.monotonic() + 120
        while proc.poll() is None and time.monotonic() < deadline:
            if _journal_bytes(dst) > 40_000:  # a hundred or so inputs in
                break
            time.sleep(0.002)
        assert time.monotonic() < deadline, "migrate made no progress"
    finally:
        _group_kill(proc)
    killed = proc.returncode != 0
    resumed = subprocess.run(
        _migrate_cmd(src.path, dst, "--jobs", "2", "--resume"),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert resumed.returncode == 0, resumed.stderr
    converted, skipped, failed = counts(resumed.stderr)
    assert (converted + skipped, failed) == (2000, 0)
    assert skipped > 0  # what the killed run finished is not done again
    if killed:
        assert converted > 0
    assert temps(dst) == []
    got, want = tree(dst), tree(reference)
    assert sorted(got) == sorted(want)
    assert [k for k in want if got[k] != want[k]] == []  # manifest included
    src.assert_unchanged()


# Runs the CLI and SIGKILLs itself at the Nth call of one step: deterministic kill points.
KILLER = """
import os, signal, sys
import digestformat.archive as archive
from digestformat.cli import run

at, where = int(sys.argv[1]), sys.argv[2]
calls = [0]

def hit():
    calls[0] += 1
    if calls[0] == at:
        os.kill(os.getpid(), signal.SIGKILL)

def wrap(owner, name):
    real = getattr(owner, name)
    def spy(*args, **kwargs):
        if name != "_append" or args[1].get("state") == "done":
            hit()
        return real(*args, **kwargs)
    setattr(owner, name, spy)

wrap(*{"claim-written": (archive, "write_atomic"), "temp-written": (os, "replace"),
       "output-written": (archive, "_append")}[where])
sys.exit(run(sys.argv[3:]))
"""


@POSIX_ONLY
@pytest.mark.parametrize(
    "where",
    [
        "claim-written",  # the name claimed (an empty file), the output not yet written
        "temp-written",  # the temp file written, not yet moved into place
        "output-written",  # the output in place, the journal's 'done' line not yet written
    ],
)
def test_a_kill_at_each_step_then_resume_gives_the_uninterrupted_result(tmp_path: Path, where: str) -> None:
    src = small_archive(tmp_path / "src", 40, per_folder=10)
    reference = tmp_path / "reference"
    assert migrate(Options(src=src.path, dst=reference, to="json", jobs=1, quiet=True)).failed == 0
    dst = tmp_path / "dst"
    killed = subprocess.run(
        [sys.executable, "-c", KILLER, "17", where, *_migrate_cmd(src.path, dst, "--jobs", "1")[3:]],
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    err = io.StringIO()
    summary = migrate(Options(src=src.path, dst=dst, to="json", jobs=1, resume=True), err=err)
    assert (summary.skipped, summary.failed) == (16, 0), err.getvalue()
    assert temps(dst) == [], "a killed write's temp file is left behind after --resume"
    assert tree(dst) == tree(reference)
    src.assert_unchanged()


def _children(pid: int) -> list[int]:
    kids = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            kids.append(int(stat.parent.name))
    return kids


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.skipif(sys.platform != "linux", reason="reads /proc; PR_SET_PDEATHSIG is Linux-only")
def test_workers_do_not_outlive_a_killed_migrate(tmp_path: Path) -> None:
    src = small_archive(tmp_path / "src", 1500)
    dst = tmp_path / "dst"
    proc = _start_migrate(src.path, dst)
    try:
        deadline = time.monotonic() + 60
        kids: list[int] = []
        while proc.poll() is None and time.monotonic() < deadline:
            kids = _children(proc.pid)
            if len(kids) >= 2 and _journal_bytes(dst) > 0:
                break
            time.sleep(0.01)
        if proc.poll() is not None:
            pytest.skip("migrate finished before it could be killed")
        assert len(kids) >= 2, "no worker processes seen"
        os.kill(proc.pid, signal.SIGKILL)  # the user's kill -9 of the command, not of its group
        proc.wait(timeout=30)
        deadline = time.monotonic() + 3
        while any(_alive(k) for k in kids) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert [k for k in kids if _alive(k)] == []
    finally:
        _group_kill(proc)


# ---------------------------------------------------------------- 5. --resume


def test_resume_skips_complete_outputs_and_redoes_the_rest(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = small_archive(tmp_path / "src", 12, per_folder=3)
    dst = tmp_path / "dst"
    assert cli(capsys, src.path, "--to", "json", "--out", dst, "--jobs", "1")[0] == 0
    first = tree(dst)
    code, _, err = cli(capsys, src.path, "--to", "json", "--out", dst, "--jobs", "1", "--resume")
    assert code == 0, err
    assert counts(err) == (0, 12, 0)
    assert tree(dst) == first
    src.assert_unchanged()

    (src.path / "d000/f00000.md").write_bytes(fixture("imrad/base.md"))  # the source changed
    src.remember()
    (dst / "d001/f00004.json").write_bytes(b"{}\n")  # an output edited
    (dst / "d002/f00008.json").unlink()  # an output deleted
    code, _, err = cli(capsys, src.path, "--to", "json", "--out", dst, "--jobs", "2", "--resume")
    assert code == 0, err
    assert counts(err) == (3, 9, 0)
    assert_same_content(fixture("imrad/base.md"), (dst / "d000/f00000.json").read_bytes(), "json")
    fresh = tmp_path / "fresh"
    assert cli(capsys, src.path, "--to", "json", "--out", fresh, "--jobs", "1")[0] == 0
    assert tree(dst) == tree(fresh)  # journal included
    src.assert_unchanged()


def test_resume_of_a_split(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = make_src(tmp_path / "src", {"a/one.md": "tagged/sample.md", "b.md": "translated/sample.md"})
    dst = tmp_path / "dst"
    assert cli(capsys, src.path, "--to", "review", "--split", "--out", dst, "--jobs", "1")[0] == 0
    first = tree(dst)
    post = next(iter(sorted((dst / "a").iterdir())))
    post.unlink()
    code, _, err = cli(capsys, src.path, "--to", "review", "--split", "--out", dst, "--jobs", "1", "--resume")
    assert code == 0, err
    assert counts(err) == (1, 1, 0)
    assert tree(dst) == first
    src.assert_unchanged()


# ---------------------------------------------------------------- 6. a full disk


def _fill_the_disk(monkeypatch: pytest.MonkeyPatch, victim: str, step: str) -> None:
    """Make writing the output named *victim* fail with ENOSPC at *step* ('write' or 'replace')."""
    if step == "replace":
        real_replace = os.replace

        def replace(source: Any, target: Any, **kwargs: Any) -> None:
            if Path(target).name == victim:
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(target))
            real_replace(source, target, **kwargs)

        monkeypatch.setattr(os, "replace", replace)
        return
    real_open, real_write = os.open, os.write
    victims: set[int] = set()

    def open_(path: Any, flags: int, *args: Any, **kwargs: Any) -> int:
        fd = real_open(path, flags, *args, **kwargs)
        name = os.path.basename(str(path))
        if name.startswith(f".{victim[:50]}.") and name.endswith(".tmp"):
            victims.add(fd)
        return fd

    def write(fd: int, data: Any) -> int:
        if fd in victims:  # half of it lands, then the disk is full
            victims.discard(fd)  # the number is reused once the file is closed
            real_write(fd, bytes(data[: max(1, len(data) // 2)]))
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real_write(fd, data)

    monkeypatch.setattr(os, "open", open_)
    monkeypatch.setattr(os, "write", write)


@pytest.mark.parametrize("step", ["write", "replace"])
@pytest.mark.parametrize("before", ["old-output", "no-output"])
def test_a_full_disk_leaves_old_or_new_never_partial(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    step: str,
    before: str,
) -> None:
    src = small_archive(tmp_path / "src", 6, per_folder=3)
    dst = tmp_path / "dst"
    victim = dst / "d001/f00004.json"
    if before == "old-output":
        assert cli(capsys, src.path, "--to", "json", "--out", dst, "--jobs", "1")[0] == 0
        (src.path / "d001/f00004.md").write_bytes(fixture("tagged/base.md"))
        src.remember()
    old = victim.read_bytes() if victim.exists() else None
    with monkeypatch.context() as patch:
        _fill_the_disk(patch, victim.name, step)
        code, _, err = cli(capsys, src.path, "--to", "json", "--out", dst, "--jobs", "1")
    assert code == 1
    assert re.search(r"^d001/f00004\.md: .*d001/f00004\.json.*No space left on device", err, re.M), err
    assert counts(err) == (5, 0, 1)  # the other files are done
    if old is None:
        assert not victim.exists(), "a failed write leaves a file where there was none"
    else:
        assert victim.read_bytes() == old
    assert temps(dst) == []
    # With room again, --resume does the one file left and nothing else.
    code, _, err = cli(capsys, src.path, "--to", "json", "--out", dst, "--jobs", "1", "--resume")
    assert code == 0, err
    assert counts(err) == (1, 5, 0)
    assert_same_content((src.path / "d001/f00004.md").read_bytes(), victim.read_bytes(), "json")
    src.assert_unchanged()


@pytest.mark.parametrize("step", ["write", "replace"])
def test_a_full_disk_in_a_split_leaves_no_post_behind(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, step: str
) -> None:
    src = make_src(tmp_path / "src", {"a/x.md": "tagged/heading-only.md", "b.md": "translated/base.md"})
    title = df.parse(fixture("tagged/heading-only.md")).papers[0].title
    dst = tmp_path / "dst"
    victim = dst / "a" / f"2026-02-16-{slug(title)}.md"
    with monkeypatch.context() as patch:
        _fill_the_disk(patch, victim.name, step)
        code, _, err = cli(capsys, src.path, "--to", "review", "--split", "--out", dst, "--jobs", "1")
    assert code == 1
    assert counts(err) == (1, 0, 1)
    assert "No space left on device" in err
    assert not victim.exists(), "a failed write leaves a file where there was none"
    assert temps(dst) == []
    code, _, err = cli(capsys, src.path, "--to", "review", "--split", "--out", dst, "--jobs", "1", "--resume")
    assert code == 0, err
    assert counts(err) == (1, 1, 0)
    assert df.parse(victim.read_bytes()).papers[0].title == title
    src.assert_unchanged()


# ---------------------------------------------------------------- 7. path safety


HOSTILE = [
    "../x.md",
    "../../../../etc/passwd",
    "/etc/passwd",
    "/abs/../../x",
    "%2e%2e/%2e%2e/x",
    "a\\..\\..\\..\\b.md",
    "..\\..\\x",
    "C:\\Windows\\system32\\x",
    "a\x00b/../../c\x00.md",
    "x" * 300,
    "é" * 300 + ".md",
    "d/" + "y" * 300 + ".json",
    "CON",
    "con.md",
    "nul.txt",
    "COM1",
    "lpt9.tar.gz",
    "AUX/x.md",
    "..",
    "...",
    " .. /x",
    "a/./b/../../../c",
]


@pytest.mark.parametrize("name", HOSTILE, ids=lambda n: repr(n[:24]))
def test_contained_keeps_every_name_inside(tmp_path: Path, name: str) -> None:
    root = tmp_path / "root"
    root.mkdir()
    target = contained(root, name)
    assert target.resolve().is_relative_to(root.resolve())
    parts = target.relative_to(root).parts
    assert parts
    for part in parts:
        assert part not in (".", "..")
        assert not {"/", "\\", "\x00", ":"} & set(part)
        assert len(part.encode("utf-8")) <= 200
        assert part.split(".")[0].lower() not in {"con", "prn", "aux", "nul", "com1", "lpt9"}
        assert safe_component(part) == part


@pytest.mark.parametrize(
    ("name", "safe"),
    [
        ("..", "_.."),
        (".", "_."),
        ("CON", "_CON"),
        ("nul.txt", "_nul.txt"),
        ("COM1", "_COM1"),
        ("LPT9", "_LPT9"),
        ("con.tar.gz", "_con.tar.gz"),
        ("a\\b", "ab"),
        ("a\x00b", "ab"),
        ("%2e%2e", "%2e%2e"),
        ("console.md", "console.md"),
    ],
)
def test_safe_component(name: str, safe: str) -> None:
    assert safe_component(name) == safe


def test_safe_component_cuts_long_names_and_keeps_the_extension() -> None:
    for name in ("x" * 300 + ".json", "é" * 300 + ".md"):
        cut = safe_component(name)
        assert len(cut.encode("utf-8")) <= 200
        assert cut.endswith(name[-5:].lstrip("x"))
        assert name.startswith(cut.rsplit(".", 1)[0])


def test_contained_refuses_names_with_nothing_left(tmp_path: Path) -> None:
    for name in ("", "/", ".", "./", "/./"):
        with pytest.raises(ValueError, match="no file name left"):
            contained(tmp_path, name)


@pytest.mark.parametrize("name", ["a.json", "CON", "feed.xml", "sub/a.json"])
def test_contained_works_before_its_root_exists(tmp_path: Path, name: str) -> None:
    # A --dry-run into a new DST asks before DST exists: a top-level name must not 'leave' it.
    root = tmp_path / "new" / "dst"
    target = contained(root, name)
    assert target.parent.is_relative_to(root)
    assert not root.exists()


@POSIX_ONLY
def test_contained_sees_a_folder_that_became_a_symlink(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Three runs in one process (a service, a test suite): the third must see DST/sub is a link now.
    src = make_src(tmp_path / "src", {"sub/x.md": "tagged/base.md"})
    dst = tmp_path / "dst"
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    for _ in range(2):
        assert cli(capsys, src.path, "--to", "json", "--out", dst, "--jobs", "1")[0] == 0
    for path in (dst / "sub").iterdir():
        path.unlink()
    (dst / "sub").rmdir()
    (dst / "sub").symlink_to(elsewhere, target_is_directory=True)
    code, _, err = cli(capsys, src.path, "--to", "json", "--out", dst, "--jobs", "1")
    assert list(elsewhere.iterdir()) == [], "migrate wrote outside DST through a symlink"
    assert code == 1
    assert "sub/x.md" in err
    src.assert_unchanged()


@pytest.fixture(scope="module")
def contained_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("contained-root")


PIECES = ["..", ".", "/", "\\", "\x00", "CON", "nul", "%2e", ":", "C:", " ", "é", "a"]


@given(st.lists(st.one_of(st.sampled_from(PIECES), st.text(max_size=6)), max_size=14).map("".join))
def test_contained_never_leaves_its_root(contained_root: Path, name: str) -> None:
    root = contained_root
    try:
        target = contained(root, name)
    except ValueError as exc:
        refusal = str(exc)
    else:
        refusal = ""
    if refusal:
        assert "no file name left" in refusal
        return
    assert target.resolve().is_relative_to(root.resolve())
    for part in target.relative_to(root).parts:
        assert part not in (".", "..")
        assert safe_component(part) == part


WEIRD_INPUTS = {
    "a\\..\\..\\evil.md": "tagged/base.md",
    "%2e%2e/x.md": "translated/base.md",
    "CON.md": "imrad/base.md",
    "nul.txt.md": "tagged/heading-only.md",
    "COM1/x.md": "translated/heading-only.md",
    "LPT9.markdown": "review/sample.md",
    "x" * 247 + ".md": "tagged/date-only.md",
}


@POSIX_ONLY
def test_migrate_outputs_of_hostile_names_stay_inside(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = make_src(tmp_path / "src", WEIRD_INPUTS)
    dst = tmp_path / "dst"
    outside = fingerprint(tmp_path)
    code, _, err = cli(capsys, src.path, "--to", "json", "--out", dst, "--jobs", "1")
    assert code == 0, err
    assert_inside(dst)
    got = outputs(dst)
    assert len(got) == len(WEIRD_INPUTS)
    assert sorted(got.values()) == sorted(
        df.render(df.parse(fixture(name)), "json").encode("utf-8") for name in WEIRD_INPUTS.values()
    )
    assert fingerprint(tmp_path, skip=dst) == outside  # nothing written anywhere but DST
    src.assert_unchanged()


@POSIX_ONLY
def test_resume_skips_outputs_whose_names_were_made_safe(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = make_src(tmp_path / "src", WEIRD_INPUTS)
    dst = tmp_path / "dst"
    assert cli(capsys, src.path, "--to", "json", "--out", dst, "--jobs", "1")[0] == 0
    code, _, err = cli(capsys, src.path, "--to", "json", "--out", dst, "--jobs", "1", "--resume")
    assert code == 0, err
    assert counts(err) == (0, len(WEIRD_INPUTS), 0)


@POSIX_ONLY
@pytest.mark.parametrize("link", ["folder", "file"])
@pytest.mark.parametrize("force", [False, True])
def test_symlinks_in_dst_cannot_lead_outside(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], link: str, force: bool
) -> None:
    src = make_src(tmp_path / "src", {"sub/x.md": "tagged/base.md", "y.md": "tagged/base.md"})
    dst = tmp_path / "dst"
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "precious.json").write_bytes(b"precious\n")
    dst.mkdir()
    if link == "folder":
        (dst / "sub").symlink_to(elsewhere, target_is_directory=True)
    else:
        (dst / "y.json").symlink_to(elsewhere / "precious.json")
    before = fingerprint(elsewhere)
    code, _, err = cli(
        capsys, src.path, "--to", "json", "--out", dst, "--jobs", "1", *(["--force"] if force else [])
    )
    assert code == 1
    assert counts(err) == (1, 0, 1)
    assert ("sub/x.md" if link == "folder" else "y.md: ") in err
    assert fingerprint(elsewhere) == before
    src.assert_unchanged()


@pytest.mark.parametrize("jobs", ["1", "2"])
@pytest.mark.parametrize("force", [False, True])
def test_two_inputs_with_one_paper_on_one_date_get_two_names_and_a_warning(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], jobs: str, force: bool
) -> None:
    one, two = two_inputs_one_paper()
    src = Src(tmp_path / "src", {"a/one.md": one, "a/two.md": two})
    dst = tmp_path / "dst"
    args = ["--to", "review", "--split", "--out", str(dst), "--jobs", jobs, *(["--force"] if force else [])]
    code, _, err = cli(capsys, src.path, *args)
    assert code == 0, err
    assert counts(err) == (2, 0, 0)
    first, second = split_posts(one, "a"), split_posts(two, "a")
    # The first input in path order keeps the names; each post of the second is numbered, with a word.
    warnings = [line for line in err.splitlines() if "is also the output of" in line]
    assert len(warnings) == len(second)
    for line, name in zip(warnings, second, strict=True):
        assert line == f"a/two.md: {name} is also the output of a/one.md: written as {name[:-3]}-2.md"
    want = first | {f"{name[:-3]}-2.md": blob for name, blob in second.items()}
    assert outputs(dst) == want
    assert_inside(dst)
    # A second run, resumed or not, gives the same names.
    for extra in ([], ["--resume"]):
        code, _, err = cli(capsys, src.path, *args, *extra)
        assert code == 0, err
        assert outputs(dst) == want
    src.assert_unchanged()


@POSIX_ONLY
@pytest.mark.parametrize(
    "names",
    [
        pytest.param(("CON.md", "_CON.md"), id="reserved"),
        pytest.param(("x" * 240 + "a.md", "x" * 240 + "b.md"), id="long"),
        pytest.param(("a\\b.md", "a/b.md"), id="backslash"),
    ],
)
@pytest.mark.parametrize("force", [False, True])
def test_inputs_whose_safe_names_clash_are_never_silently_merged(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], names: tuple[str, str], force: bool
) -> None:
    first, second = fixture("tagged/base.md"), fixture("imrad/base.md")
    src = Src(tmp_path / "src", {names[0]: first, names[1]: second})
    dst = tmp_path / "dst"
    code, _, err = cli(
        capsys, src.path, "--to", "json", "--out", dst, "--jobs", "1", *(["--force"] if force else [])
    )
    assert_inside(dst)
    got = sorted(outputs(dst).values())
    want = sorted(df.render(df.parse(blob), "json").encode("utf-8") for blob in (first, second))
    if code == 0:  # kept apart
        assert got == want
    else:  # or refused, naming both inputs, the first output intact
        message = next(line for line in err.splitlines() if "exists" in line or "two inputs" in line)
        for name in names:  # each named as itself, not as a part of the other
            assert re.search(rf"(?<![\w/\\]){re.escape(name)}", message), message
        assert len(got) == 1
        assert got[0] in want
    src.assert_unchanged()


# ---------------------------------------------------------------- 8. one bad file among good ones


@pytest.mark.parametrize("bad", ["invalid-utf8", "not-a-digest"])
def test_one_bad_file_in_a_thousand(tmp_path: Path, capsys: pytest.CaptureFixture[str], bad: str) -> None:
    src = small_archive(tmp_path / "src", 1000)
    bad_rel = "d005/f00500.md"
    (src.path / bad_rel).write_bytes((FIXTURES / "invalid" / f"{bad}.md").read_bytes())
    src.remember()
    expected = (FIXTURES / "invalid" / f"{bad}.err").read_text(encoding="utf-8").rstrip("\n")
    dst = tmp_path / "dst"
    code, _, err = cli(capsys, src.path, "--to", "json", "--out", dst, "--jobs", "2")
    assert code == 1
    assert counts(err) == (999, 0, 1)
    errors = [line for line in err.splitlines() if not SUMMARY.match(line)]
    assert len(errors) == 1
    assert re.fullmatch(rf"(.*/)?{re.escape(bad_rel)}:{re.escape(expected)}", errors[0]), errors[0]
    assert re.fullmatch(r".*:\d+:\d+: .+", errors[0])
    got = outputs(dst)
    assert len(got) == 999
    assert mirror(bad_rel, "json") not in got
    src.assert_unchanged()


# ---------------------------------------------------------------- 9. the other modes


@pytest.mark.parametrize("mode", ["mirror", "split", "join", "rss"])
def test_dry_run_writes_nothing_and_says_what_it_would(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], mode: str
) -> None:
    src, args, _ = _overwrite_case(tmp_path / "src", mode)
    real = tmp_path / "real"
    assert cli(capsys, src.path, *args, "--out", real, "--jobs", "1")[0] == 0
    planned = {f"would write {tmp_path / 'dst' / name}" for name in outputs(real)}
    dst = tmp_path / "dst"
    code, out, err = cli(capsys, src.path, *args, "--out", dst, "--jobs", "1", "--dry-run")
    assert code == 0, err
    assert not dst.exists()
    assert set(out.splitlines()) == planned
    counts(err)
    # Into a DST that holds a run's output: nothing changes either.
    before = fingerprint(real)
    code, out, err = cli(capsys, src.path, *args, "--out", real, "--jobs", "1", "--dry-run")
    assert code == 0, err
    assert fingerprint(real) == before
    src.assert_unchanged()


def test_join_dry_run_names_each_digest_once(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = make_src(tmp_path / "src", {"a/one.md": "tagged/sample.md"})
    posts = tmp_path / "posts"
    assert cli(capsys, src.path, "--to", "review", "--split", "--out", posts, "--jobs", "1")[0] == 0
    dst = tmp_path / "dst"
    dst.mkdir()  # empty
    code, out, err = cli(capsys, posts, "--to", "tagged", "--join", "--out", dst, "--jobs", "1", "--dry-run")
    assert code == 0, err
    assert out.splitlines() == [f"would write {dst / '2026-02-16.md'}"]


@pytest.mark.parametrize("target", ["json", "rss"])
def test_api_dry_run_plans_go_to_the_given_stream(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], target: str
) -> None:
    src = make_src(tmp_path / "src", {"a/b.md": "tagged/base.md"})
    dst = tmp_path / "dst"
    dst.mkdir()  # empty
    out, err = io.StringIO(), io.StringIO()
    migrate(Options(src=src.path, dst=dst, to=target, jobs=1, dry_run=True), out=out, err=err)
    assert "would write" in out.getvalue()
    assert capsys.readouterr().out == ""


def test_quiet_prints_no_summary_but_still_the_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = (FIXTURES / "invalid/not-a-digest.md").read_bytes()
    src = make_src(tmp_path / "src", {"a.md": "tagged/base.md"}, {"b.md": bad})
    code, out, err = cli(capsys, src.path, "--to", "json", "--out", tmp_path / "d1", "--jobs", "1", "--quiet")
    assert code == 1
    assert out == ""
    assert not SUMMARY.search(err)
    assert err.startswith("b.md:1:1: ")
    assert len(err.splitlines()) == 1  # the error, and nothing else
    (src.path / "b.md").unlink()
    src.remember()
    code, out, err = cli(capsys, src.path, "--to", "json", "--out", tmp_path / "d2", "--jobs", "1", "--quiet")
    assert (code, out, err) == (0, "", "")
    src.assert_unchanged()


def test_split_writes_one_post_per_paper_named_date_slug(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    files = {
        "x/2026-02-16.md": "tagged/sample.md",
        "y/z/imrad.md": "imrad/sample.md",
        "r.md": "review/sample.md",
    }
    src = make_src(tmp_path / "src", files)
    dst = tmp_path / "dst"
    code, _, err = cli(capsys, src.path, "--to", "review", "--split", "--out", dst, "--jobs", "2")
    assert code == 0, err
    assert counts(err) == (3, 0, 0)
    want: dict[str, df.Paper] = {}
    for rel, name in files.items():
        doc = df.parse(fixture(name))
        folder = rel.rpartition("/")[0]
        for paper in doc.papers:
            want[f"{folder}/{doc.date}-{slug(paper.title)}.md".lstrip("/")] = paper
    got = outputs(dst)
    assert set(got) == set(want)
    for name, blob in got.items():
        post = df.parse(blob)
        assert post.layout == "review"
        assert len(post.papers) == 1
        assert post.papers[0].title == want[name].title
    src.assert_unchanged()


def test_join_of_split_posts_gives_each_digest_back(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    files = {"x/2026-02-16.md": "tagged/sample.md", "y/2026-02-05.md": "translated/sample.md"}
    src = make_src(tmp_path / "src", files)
    posts = tmp_path / "posts"
    assert cli(capsys, src.path, "--to", "review", "--split", "--out", posts, "--jobs", "1")[0] == 0
    before_posts = fingerprint(posts)
    daily = tmp_path / "daily"
    code, _, err = cli(capsys, posts, "--to", "tagged", "--join", "--out", daily, "--jobs", "2")
    assert code == 0, err
    originals = {str(df.parse(fixture(name)).date): df.parse(fixture(name)) for name in files.values()}
    got = outputs(daily)
    assert set(got) == {f"{date}.md" for date in originals}
    for name, blob in got.items():
        joined = df.parse(blob)
        assert joined.layout == "tagged"
        original = originals[name.removesuffix(".md")]
        assert df.parse(df.render(joined, original.layout)) == original
        if original.layout == "tagged":
            assert df.parse(df.render(joined, "tagged")) == original
    assert fingerprint(posts) == before_posts
    src.assert_unchanged()


FEED_SOURCES = {
    "a/tagged.md": "tagged/sample.md",
    "a/translated.md": "translated/sample.md",
    "b/imrad.md": "imrad/sample.md",
    "b/c/review.md": "review/sample.md",
    "undated.md": "tagged/no-digest-heading.md",
}


def _expected_ids() -> list[str]:
    """Every paper's id, newest digest first, in each digest's order."""
    docs = sorted(
        ((df.parse(fixture(name)), rel) for rel, name in FEED_SOURCES.items()),
        key=lambda item: (str(item[0].date or ""), item[1]),
        reverse=True,
    )
    return [feed_common.urn(doc, paper) for doc, _ in docs for paper in doc.papers]


@pytest.mark.parametrize(
    ("target", "name"), [("rss", "feed.xml"), ("atom", "atom.xml"), ("jsonfeed", "feed.json")]
)
def test_a_feed_of_the_whole_archive_newest_first(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], target: str, name: str
) -> None:
    src = make_src(tmp_path / "src", FEED_SOURCES)
    dst = tmp_path / "dst"
    code, _, err = cli(capsys, src.path, "--to", target, "--out", dst, "--jobs", "2")
    assert code == 0, err
    got = outputs(dst)
    assert list(got) == [name]  # ONE feed
    blob = got[name]
    ids: list[str]
    if target == "jsonfeed":
        feed = json.loads(blob)
        ids = [item["id"] for item in feed["items"]]
        dates = [item["date_published"] for item in feed["items"]]
    else:
        root = etree.fromstring(blob)
        if target == "rss":
            items = root.findall("channel/item")
            ids = [item.findtext("guid") or "" for item in items]
            dates = [
                email.utils.parsedate_to_datetime(item.findtext("pubDate") or "").isoformat()
                for item in items
            ]
        else:
            atom = "{http://www.w3.org/2005/Atom}"
            entries = root.findall(f"{atom}entry")
            ids = [entry.findtext(f"{atom}id") or "" for entry in entries]
            dates = [entry.findtext(f"{atom}updated") or "" for entry in entries]
    assert len(ids) == sum(len(df.parse(fixture(n)).papers) for n in FEED_SOURCES.values())
    assert ids == _expected_ids()
    assert dates == sorted(dates, reverse=True)  # newest first, never increasing
    src.assert_unchanged()


# ---------------------------------------------------------------- 10. flat memory: the feed streams


_ITEM_BUILDERS: dict[str, tuple[Any, str]] = {
    "rss": (feed_rss, "item"),
    "atom": (feed_atom, "entry"),
    "jsonfeed": (feed_jsonfeed, "item"),
}


@pytest.mark.parametrize("fmt", ["rss", "atom", "jsonfeed"])
def test_the_archive_feed_reads_its_inputs_one_at_a_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fmt: str
) -> None:
    src = make_src(tmp_path / "src", {f"{i}.md": name for i, name in enumerate(FEED_SOURCES.values())})
    paths = [src.path / f"{i}.md" for i in range(len(FEED_SOURCES))]
    pulled = 0

    def lazy() -> Iterator[Path]:
        nonlocal pulled
        for path in paths:
            pulled += 1
            yield path

    at_item: list[int] = []
    module, attr = _ITEM_BUILDERS[fmt]
    build: Callable[..., Any] = getattr(module, attr)

    def spy(doc: df.Digest, paper: df.Paper, ident: Any) -> Any:
        at_item.append(pulled)
        return build(doc, paper, ident)

    monkeypatch.setattr(module, attr, spy)
    target = tmp_path / "feed"
    feed_archive.write_archive_feed(fmt, target, lazy())
    # Each digest is read when its items are written, not before: one digest in memory at a time.
    expected = [i + 1 for i, path in enumerate(paths) for _ in df.parse(path.read_bytes()).papers]
    assert at_item == expected
    assert pulled == len(paths)
    assert target.exists()
    assert temps(tmp_path) == []
