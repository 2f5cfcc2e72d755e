"""digestformat migrate under hostile input: issue 10's failures, one test (at least) each.

Every test builds its own archive in tmp_path. No test measures time or sleeps:
the tests that would hang or eat memory on a regression (a FIFO, /dev/zero) run
migrate in a subprocess bounded by a timeout and an address-space limit, and
other processes (the holder of a lock) are child processes the test kills.
docs/migrate.md, "Guarantees under hostile input", names these tests.
"""

from __future__ import annotations

import contextlib
import errno
import io
import json
import os
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

import pytest

import digestformat as df
from digestformat import _io, _migrate_inputs, _migrate_journal, _migrate_workers, archive
from digestformat._io import InputRefused, clean_relative, read_file
from digestformat.archive import LOCK, MANIFEST, MigrateLocked, Options, migrate
from digestformat.feeds import archive as feed_archive
from test_migrate import (
    POSIX_ONLY,
    SUMMARY,
    Src,
    cli,
    counts,
    fixture,
    make_src,
    outputs,
    split_posts,
    tree,
)

if sys.platform != "win32":
    import resource

MARKER = b"\n<!-- BOOM -->\n"
"""A line that makes the patched parser raise for the file that holds it."""


def errors_of(err: str) -> list[str]:
    return [line for line in err.splitlines() if not SUMMARY.match(line)]


def manifest(dst: Path) -> list[dict[str, Any]]:
    """The manifest's lines, read as the strict UTF-8 JSON they must be."""
    return [json.loads(line) for line in (dst / MANIFEST).read_bytes().decode("utf-8").splitlines()]


@contextlib.contextmanager
def parse_raising(monkeypatch: pytest.MonkeyPatch, exc: BaseException, *, at_call: int = 1) -> Iterator[None]:
    """archive's parser raises *exc* for data holding MARKER (from its *at_call*-th such call on);
    forked workers inherit the patch."""
    real = df.parse  # what archive calls
    calls = [0]

    def parse(data: bytes, *args: Any, **kwargs: Any) -> df.Digest:
        if MARKER in data:
            calls[0] += 1
            if calls[0] >= at_call:
                raise exc
        return real(data, *args, **kwargs)

    with monkeypatch.context() as patch:
        patch.setattr(_migrate_workers, "parse", parse)
        yield


def run_cli_subprocess(*args: str | Path, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """``python -m digestformat migrate ARGS`` with a bounded address space and a deadline."""

    def limit() -> None:
        two_gib = 2 << 30
        resource.setrlimit(resource.RLIMIT_AS, (two_gib, two_gib))

    return subprocess.run(
        [sys.executable, "-m", "digestformat", "migrate", *(str(a) for a in args)],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        preexec_fn=limit if sys.platform == "linux" else None,
    )


# ---------------------------------------------------------------- 1. one input's exception is that input's


@pytest.mark.parametrize(
    ("exc", "shown"),
    [
        pytest.param(RuntimeError("boom"), "RuntimeError: boom", id="RuntimeError"),
        pytest.param(RecursionError("maximum recursion depth exceeded"), "RecursionError: maximum", id="Rec"),
        pytest.param(MemoryError(), "MemoryError", id="MemoryError"),
    ],
)
@pytest.mark.parametrize("jobs", ["1", "2"])
def test_an_input_that_raises_is_reported_and_the_run_goes_on(  # noqa: PLR0917 (pytest's arguments)
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    exc: BaseException,
    shown: str,
    jobs: str,
) -> None:
    good = fixture("tagged/base.md")
    src = Src(tmp_path / "src", {"a.md": good + MARKER, "b.md": good, "c/d.md": fixture("imrad/base.md")})
    dst = tmp_path / "dst"
    with parse_raising(monkeypatch, exc):
        code, _, err = cli(capsys, src.path, "--to", "json", "--out", dst, "--jobs", jobs)
    assert code == 1
    assert counts(err) == (2, 0, 1)
    assert len(errors_of(err)) == 1
    assert errors_of(err)[0].startswith(f"a.md: internal error ({shown}")
    assert set(outputs(dst)) == {"b.json", "c/d.json"}
    assert [e["input"] for e in manifest(dst) if "input" in e] == ["b.md", "c/d.md"]
    src.assert_unchanged()


@pytest.mark.parametrize("mode", ["split", "join", "rss", "atom", "jsonfeed"])
def test_an_input_that_raises_in_split_join_and_feed_passes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, mode: str
) -> None:
    if mode == "join":
        posts = [df.render(post).encode("utf-8") for post in df.split(df.parse(fixture("tagged/sample.md")))]
        files = {f"p{i}.md": post for i, post in enumerate(posts)}
        files["p1.md"] += MARKER
        args = ["--to", "tagged", "--join"]
    else:
        files = {
            "a.md": fixture("tagged/sample.md") + MARKER,
            "b.md": fixture("translated/sample.md"),
            "c.md": fixture("review/sample.md"),
        }
        args = ["--to", "review", "--split"] if mode == "split" else ["--to", mode]
    src = Src(tmp_path / "src", files)
    dst = tmp_path / "dst"
    bad = "p1.md" if mode == "join" else "a.md"
    with parse_raising(monkeypatch, RuntimeError("boom")):
        code, _, err = cli(capsys, src.path, *args, "--out", dst, "--jobs", "2")
    assert code == 1
    assert errors_of(err) == [f"{bad}: internal error (RuntimeError: boom)"]
    assert counts(err) == (len(files) - 1, 0, 1)
    got = outputs(dst)
    assert got  # the others were written
    if mode == "join":
        joined = df.parse(got["2026-02-16.md"])
        assert len(joined.papers) == len(files) - 1
    src.assert_unchanged()


@pytest.mark.parametrize("fmt", ["rss", "atom", "jsonfeed"])
def test_an_input_that_fails_only_when_the_feed_is_written_is_left_out(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, fmt: str
) -> None:
    # The first pass (dates) reads it fine; the second (items) raises: reported, left out, feed written.
    src = Src(
        tmp_path / "src",
        {"a.md": fixture("tagged/sample.md") + MARKER, "b.md": fixture("translated/sample.md")},
    )
    dst = tmp_path / "dst"
    with parse_raising(monkeypatch, RuntimeError("late"), at_call=2):
        code, _, err = cli(capsys, src.path, "--to", fmt, "--out", dst, "--jobs", "1")
    assert code == 1
    assert errors_of(err) == ["a.md: internal error (RuntimeError: late)"]
    assert counts(err) == (1, 0, 1)
    (name,) = outputs(dst)
    text = (dst / name).read_text(encoding="utf-8")
    for paper in df.parse(fixture("translated/sample.md")).papers:
        assert json.dumps(paper.title, ensure_ascii=False)[1:-1] in text or paper.title in text
    for paper in df.parse(fixture("tagged/sample.md")).papers:
        assert paper.title not in text


def test_write_archive_feed_hands_a_bad_input_to_on_error(tmp_path: Path) -> None:
    good, bad = tmp_path / "good.md", tmp_path / "bad.md"
    good.write_bytes(fixture("tagged/sample.md"))
    bad.write_bytes(b"# not a digest\n")
    missing = tmp_path / "missing.md"
    seen: list[tuple[str, str]] = []
    target = tmp_path / "feed.json"
    feed_archive.write_archive_feed(
        "jsonfeed",
        target,
        [bad, good, missing],
        on_error=lambda p, e: seen.append((p.name, type(e).__name__)),
    )
    assert seen == [("bad.md", "DigestError"), ("missing.md", "FileNotFoundError")]
    items = json.loads(target.read_bytes())["items"]
    assert len(items) == len(df.parse(fixture("tagged/sample.md")).papers)
    with pytest.raises(df.DigestError):  # without on_error, the exception goes out, nothing is written
        feed_archive.write_archive_feed("rss", tmp_path / "feed.xml", [bad])
    assert not (tmp_path / "feed.xml").exists()


@pytest.mark.skipif(sys.platform != "linux", reason="fork start method: workers inherit the patch")
def test_a_worker_that_dies_fails_only_its_input(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    parent = os.getpid()
    real = df.parse  # what archive calls

    def parse(data: bytes, *args: Any, **kwargs: Any) -> df.Digest:
        if MARKER in data:
            if os.getpid() == parent:
                raise AssertionError("the input that kills a worker was run in the parent")
            os.kill(os.getpid(), signal.SIGKILL)  # a crash in C, the OOM killer
        return real(data, *args, **kwargs)

    good = [fixture(name) for name in ("tagged/base.md", "imrad/base.md", "translated/base.md")]
    files = {f"f{i}.md": good[i % 3] for i in range(8)}
    files["f3.md"] = good[0] + MARKER
    src = Src(tmp_path / "src", files)
    dst = tmp_path / "dst"
    monkeypatch.setattr(_migrate_workers, "parse", parse)
    code, _, err = cli(capsys, src.path, "--to", "json", "--out", dst, "--jobs", "2")
    assert code == 1
    assert counts(err) == (7, 0, 1)
    (line,) = errors_of(err)
    assert line.startswith("f3.md: internal error (a worker process died")
    assert set(outputs(dst)) == {f"f{i}.json" for i in range(8) if i != 3}


# ---------------------------------------------------------------- 2. only regular files, links kept in SRC


@POSIX_ONLY
def test_a_fifo_is_skipped_not_read(tmp_path: Path) -> None:
    src = make_src(tmp_path / "src", {"a.md": "tagged/base.md"})
    os.mkfifo(src.path / "x.md")
    dst = tmp_path / "dst"
    done = run_cli_subprocess(src.path, "--to", "json", "--out", dst, "--jobs", "1", timeout=60)
    assert done.returncode == 1, done.stderr
    assert errors_of(done.stderr) == ["x.md: not a regular file (a FIFO): skipped"]
    assert counts(done.stderr) == (1, 0, 1)
    assert set(outputs(dst)) == {"a.json"}


@POSIX_ONLY
@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="needs /dev/zero")
def test_a_symlink_to_dev_zero_is_not_read(tmp_path: Path) -> None:
    src = make_src(tmp_path / "src", {"a.md": "tagged/base.md"})
    (src.path / "y.md").symlink_to("/dev/zero")
    dst = tmp_path / "dst"
    done = run_cli_subprocess(src.path, "--to", "json", "--out", dst, "--jobs", "1")
    assert done.returncode == 1, done.stderr
    assert errors_of(done.stderr) == [
        "y.md: a symbolic link that leaves SRC: not followed (use --follow-links)"
    ]
    assert counts(done.stderr) == (1, 0, 1)
    done = run_cli_subprocess(src.path, "--to", "json", "--out", dst, "--jobs", "1", "--follow-links")
    assert done.returncode == 1, done.stderr
    assert errors_of(done.stderr) == ["y.md: not a regular file (a character device): skipped"]


@POSIX_ONLY
def test_links_that_leave_src_are_followed_only_with_follow_links(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    outside = make_src(tmp_path / "outside", {"o.md": "imrad/base.md", "deep/p.md": "translated/base.md"})
    src = make_src(tmp_path / "src", {"a.md": "tagged/base.md"})
    (src.path / "file.md").symlink_to(outside.path / "o.md")
    (src.path / "folder").symlink_to(outside.path / "deep", target_is_directory=True)
    src.remember()
    dst = tmp_path / "dst"
    code, _, err = cli(capsys, src.path, "--to", "json", "--out", dst, "--jobs", "1")
    assert code == 1
    assert errors_of(err) == [
        "file.md: a symbolic link that leaves SRC: not followed (use --follow-links)",
        "folder/: a symbolic link that leaves SRC: not followed (use --follow-links)",
    ]
    assert counts(err) == (1, 0, 2)
    assert set(outputs(dst)) == {"a.json"}
    code, _, err = cli(capsys, src.path, "--to", "json", "--out", dst, "--jobs", "1", "--follow-links")
    assert code == 0, err
    assert set(outputs(dst)) == {"a.json", "file.json", "folder/p.json"}
    src.assert_unchanged()
    outside.assert_unchanged()


@POSIX_ONLY
def test_links_inside_src_are_followed_but_never_round_a_loop(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = make_src(tmp_path / "src", {"a.md": "tagged/base.md", "sub/b.md": "imrad/base.md"})
    (src.path / "alias.md").symlink_to("a.md")
    (src.path / "sub" / "loop").symlink_to("..", target_is_directory=True)
    (src.path / "mirror").symlink_to("sub", target_is_directory=True)
    src.remember()
    dst = tmp_path / "dst"
    code, _, err = cli(capsys, src.path, "--to", "json", "--out", dst, "--jobs", "1", "--follow-links")
    assert code == 1
    assert errors_of(err) == [
        "mirror/loop/: a symbolic link to a folder it is in (a loop): not followed",
        "sub/loop/: a symbolic link to a folder it is in (a loop): not followed",
    ]
    assert set(outputs(dst)) == {"a.json", "alias.json", "sub/b.json", "mirror/b.json"}
    assert outputs(dst)["alias.json"] == outputs(dst)["a.json"]
    src.assert_unchanged()


@POSIX_ONLY
def test_a_symlink_into_dst_is_not_followed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = make_src(tmp_path / "src", {"a.md": "tagged/base.md"})
    dst = tmp_path / "dst"
    dst.mkdir()
    (src.path / "out").symlink_to(dst, target_is_directory=True)
    code, _, err = cli(capsys, src.path, "--to", "json", "--out", dst, "--jobs", "1", "--follow-links")
    assert code == 1
    assert errors_of(err) == ["out/: a symbolic link into DST: not followed"]


def test_an_input_larger_than_the_limit_is_refused_unread(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    src = Src(tmp_path / "src", {"a.md": fixture("tagged/base.md"), "big.md": b"x" * 5000})
    monkeypatch.setattr(_migrate_inputs, "MAX_INPUT_BYTES", 4000)  # a.md has 2918
    code, _, err = cli(capsys, src.path, "--to", "json", "--out", tmp_path / "dst", "--jobs", "1")
    assert code == 1
    assert errors_of(err) == ["big.md: larger than the limit of 4000 bytes (5000 bytes): skipped"]
    assert counts(err) == (1, 0, 1)
    monkeypatch.undo()
    assert archive.MAX_INPUT_BYTES == 256 << 20  # the documented limit


@POSIX_ONLY
def test_read_file_refuses_what_is_not_a_regular_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    big = tmp_path / "big"
    big.write_bytes(b"y" * 4096)
    reads: list[int] = []
    real_read = os.read

    def counted(fd: int, size: int) -> bytes:
        chunk = real_read(fd, size)
        reads.append(len(chunk))
        return chunk

    monkeypatch.setattr(os, "read", counted)
    with pytest.raises(InputRefused, match=r"larger than the limit of 100 bytes \(4096 bytes\)"):
        read_file(big, limit=100)
    assert reads == []  # refused before a byte is read
    assert read_file(big, limit=4096) == b"y" * 4096
    os.mkfifo(tmp_path / "fifo")
    with pytest.raises(InputRefused, match=r"not a regular file \(a FIFO\)"):
        read_file(tmp_path / "fifo")  # O_NONBLOCK: no writer, no wait
    with pytest.raises(InputRefused, match=r"not a regular file \(a folder\)"):
        read_file(tmp_path)
    (tmp_path / "link").symlink_to(big)
    with pytest.raises(InputRefused, match="a symbolic link: not followed"):
        read_file(tmp_path / "link", follow=False)
    assert read_file(tmp_path / "link") == b"y" * 4096


# ---------------------------------------------------------------- 3. names that are not UTF-8


def _bytes_names(root: Path, files: dict[bytes, bytes]) -> None:
    for rel, data in files.items():
        path = os.path.join(os.fsencode(root), rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        try:
            with open(path, "wb") as handle:
                handle.write(data)
        except OSError as exc:  # a filesystem that insists on UTF-8 names
            pytest.skip(f"cannot make a file of a non-UTF-8 name here: {exc}")


@POSIX_ONLY
@pytest.mark.parametrize("jobs", ["1", "2"])
def test_names_that_are_not_utf8_are_escaped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], jobs: str
) -> None:
    src = tmp_path / "src"
    src.mkdir()
    _bytes_names(
        src,
        {
            b"caf\xe9.md": fixture("tagged/base.md"),
            b"d\xe9j\xe0/x.md": fixture("imrad/base.md"),
            b"ok.md": fixture("translated/base.md"),
        },
    )
    dst = tmp_path / "dst"
    code, _, err = cli(capsys, src, "--to", "json", "--out", dst, "--jobs", jobs)
    assert code == 0, err
    assert set(outputs(dst)) == {"caf%E9.json", "d%E9j%E0/x.json", "ok.json"}
    entries = manifest(dst)  # strict UTF-8, strict JSON: no surrogate got in
    assert [e["input"] for e in entries if "input" in e] == ["caf%E9.md", "d%E9j%E0/x.md", "ok.md"]
    code, _, err = cli(capsys, src, "--to", "json", "--out", dst, "--jobs", jobs, "--resume")
    assert code == 0, err
    assert counts(err) == (0, 3, 0)
    posts = tmp_path / "posts"
    code, _, err = cli(capsys, src, "--to", "review", "--split", "--out", posts, "--jobs", jobs)
    assert code == 0, err
    assert {name.split("/")[0] for name in outputs(posts) if "/" in name} == {"d%E9j%E0"}
    assert [e["input"] for e in manifest(posts) if "input" in e] == ["caf%E9.md", "d%E9j%E0/x.md", "ok.md"]


@POSIX_ONLY
def test_an_escaped_name_equal_to_another_input_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = tmp_path / "src"
    src.mkdir()
    _bytes_names(src, {b"caf%E9.md": fixture("tagged/base.md"), b"caf\xe9.md": fixture("imrad/base.md")})
    dst = tmp_path / "dst"
    code, _, err = cli(capsys, src, "--to", "json", "--out", dst, "--jobs", "1")
    assert code == 1
    assert errors_of(err) == [
        "caf%E9.md: its name is not UTF-8 and, escaped, is another input's name: skipped"
    ]
    assert counts(err) == (1, 0, 1)
    assert df.parse(outputs(dst)["caf%E9.json"], "json") == df.parse(fixture("tagged/base.md"))


# ---------------------------------------------------------------- 4. a folder that cannot be read


def test_an_unreadable_folder_is_reported_and_fails_the_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    src = make_src(tmp_path / "src", {"a.md": "tagged/base.md", "sub/b.md": "imrad/base.md"})
    denied = os.fspath(src.path / "sub")
    real = os.scandir

    def scandir(path: Any = ".") -> Any:
        if os.fspath(path) == denied:
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), path)
        return real(path)

    monkeypatch.setattr(os, "scandir", scandir)
    code, _, err = cli(capsys, src.path, "--to", "json", "--out", tmp_path / "dst", "--jobs", "1")
    assert code == 1
    assert errors_of(err) == ["sub/: cannot read folder: Permission denied"]
    assert counts(err) == (1, 0, 1)


@POSIX_ONLY
@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root reads a chmod 000 folder")
def test_a_chmod_000_folder_is_reported(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = make_src(tmp_path / "src", {"a.md": "tagged/base.md", "sub/b.md": "imrad/base.md"})
    (src.path / "sub").chmod(0)
    try:
        code, _, err = cli(capsys, src.path, "--to", "json", "--out", tmp_path / "dst", "--jobs", "1")
    finally:
        (src.path / "sub").chmod(0o755)
    assert code == 1
    assert errors_of(err) == ["sub/: cannot read folder: Permission denied"]


# ---------------------------------------------------------------- 5. --resume with other options


@pytest.mark.parametrize(
    ("first", "second", "message"),
    [
        (["--to", "tagged"], ["--to", "imrad"], "DST was made with --to tagged, this run asks --to imrad"),
        (
            ["--to", "review", "--split"],
            ["--to", "review"],
            "DST was made with --to review --split, this run asks --to review",
        ),
        (
            ["--to", "json"],
            ["--to", "json", "--strict"],
            "DST was made with --to json, this run asks --to json --strict",
        ),
    ],
)
def test_resume_with_other_options_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], first: list[str], second: list[str], message: str
) -> None:
    src = make_src(tmp_path / "src", {"a.md": "review/sample.md", "b/c.md": "review/bom.md"})
    dst = tmp_path / "dst"
    code, _, err = cli(capsys, src.path, *first, "--out", dst, "--jobs", "1")
    assert code == 0, err
    before = tree(dst)
    code, out, err = cli(capsys, src.path, *second, "--out", dst, "--jobs", "1", "--resume")
    assert code == 2
    assert out == ""
    assert err == (
        f"digestformat migrate: --resume: {message}: run without --resume (or with the same options)\n"
    )
    assert tree(dst) == before  # nothing written, not even the manifest
    code, _, err = cli(capsys, src.path, *second, "--out", dst, "--jobs", "1")  # without --resume: fine
    assert code == 0, err
    code, _, err = cli(capsys, src.path, *second, "--out", dst, "--jobs", "1", "--resume")
    assert code == 0, err
    assert counts(err) == (0, 2, 0)


def test_resume_of_a_run_stopped_after_it_changed_the_options(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # --to tagged, then --to imrad stopped after one output: a resumed imrad run leaves no tagged file.
    src = make_src(tmp_path / "src", {f"f{i}.md": "tagged/base.md" for i in range(4)})
    dst = tmp_path / "dst"
    assert cli(capsys, src.path, "--to", "tagged", "--out", dst, "--jobs", "1")[0] == 0
    real = _io.write_atomic
    calls = [0]

    def stop_after_one(path: Path, data: bytes, **kwargs: Any) -> None:
        calls[0] += 1
        if calls[0] == 2:
            raise KeyboardInterrupt  # as a kill would stop it: no compaction
        real(path, data, **kwargs)

    with monkeypatch.context() as patch:
        patch.setattr(archive, "write_atomic", stop_after_one)
        with pytest.raises(KeyboardInterrupt):
            migrate(Options(src=src.path, dst=dst, to="imrad", jobs=1, quiet=True))
    err = io.StringIO()
    summary = migrate(Options(src=src.path, dst=dst, to="imrad", jobs=1, resume=True), err=err)
    assert (summary.converted, summary.skipped, summary.failed) == (3, 1, 0), err.getvalue()
    fresh = tmp_path / "fresh"
    assert cli(capsys, src.path, "--to", "imrad", "--out", fresh, "--jobs", "1")[0] == 0
    assert tree(dst) == tree(fresh)


def test_an_old_manifest_without_options_is_resumed_with_a_note(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = make_src(tmp_path / "src", {"a.md": "tagged/base.md", "b.md": "imrad/base.md"})
    dst = tmp_path / "dst"
    assert cli(capsys, src.path, "--to", "json", "--out", dst, "--jobs", "1")[0] == 0
    lines = (dst / MANIFEST).read_text(encoding="utf-8").splitlines()
    (dst / MANIFEST).write_text(
        "\n".join(line for line in lines if '"input"' in line) + "\n", encoding="utf-8"
    )
    code, _, err = cli(capsys, src.path, "--to", "json", "--out", dst, "--jobs", "1", "--resume")
    assert code == 0, err
    assert counts(err) == (0, 2, 0)
    assert "does not record the options it was made with" in err
    assert manifest(dst)[0] == {
        "options": {"to": "json", "split": False, "join": False, "strict": False, "config": None}
    }


# ---------------------------------------------------------------- 6. --split: names decided in input order


def _digest_and_its_own_post() -> tuple[bytes, bytes]:
    """A five-paper digest, and the review post of its first paper (same date, same title)."""
    digest = fixture("tagged/sample.md")
    post = df.render(df.split(df.parse(digest))[0]).encode("utf-8")
    return digest, post


def test_a_digest_keeps_its_posts_when_one_paper_has_its_own_post(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    digest, post = _digest_and_its_own_post()
    src = Src(tmp_path / "src", {"a/2026-02-16.md": digest, "a/review.md": post})
    dst = tmp_path / "dst"
    code, _, err = cli(capsys, src.path, "--to", "review", "--split", "--out", dst, "--jobs", "2")
    assert code == 0, err
    assert counts(err) == (2, 0, 0)
    posts = split_posts(digest, "a")
    first = next(iter(posts))
    numbered = f"{first[:-3]}-2.md"
    assert errors_of(err) == [
        f"a/review.md: {first} is also the output of a/2026-02-16.md: written as {numbered}"
    ]
    assert outputs(dst) == posts | {numbered: post}  # all five, and the post under -2


def test_an_input_that_fails_releases_the_names_it_wanted(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    digest, post = _digest_and_its_own_post()
    src = Src(tmp_path / "src", {"a/2026-02-16.md": digest, "a/review.md": post})
    dst = tmp_path / "dst"
    posts = split_posts(digest, "a")
    first, second = list(posts)[:2]
    (dst / second).parent.mkdir(parents=True)
    (dst / second).write_bytes(b"my own notes\n")  # the digest fails on its second post
    code, _, err = cli(capsys, src.path, "--to", "review", "--split", "--out", dst, "--jobs", "1")
    assert code == 1
    assert errors_of(err) == [
        f"a/2026-02-16.md: {second} exists and migrate did not write it: use --force to replace it"
    ]
    assert counts(err) == (1, 0, 1)
    # The failed digest took no name: the post is written under its own name, blamed on nobody.
    assert outputs(dst) == {second: b"my own notes\n", first: post}


def _colliding_archive(root: Path) -> Src:
    """Inputs that want one another's post names, in several folders."""
    digest, post = _digest_and_its_own_post()
    doc = df.parse(digest)
    doc.papers[0].upvotes = (doc.papers[0].upvotes or 0) + 7
    other = df.render(doc).encode("utf-8")
    files: dict[str, bytes] = {}
    for folder in ("a", "b/c"):
        files |= {f"{folder}/1.md": digest, f"{folder}/2.md": post, f"{folder}/3.md": other}
        files |= {f"{folder}/4.md": post + b"\n", f"{folder}/5.md": fixture("translated/sample.md")}
    return Src(root, files)


def test_split_names_do_not_depend_on_jobs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = _colliding_archive(tmp_path / "src")
    trees: list[dict[str, bytes]] = []
    for jobs in ("1", "2", "2"):
        dst = tmp_path / f"dst{len(trees)}"
        code, _, err = cli(capsys, src.path, "--to", "review", "--split", "--out", dst, "--jobs", jobs)
        assert code == 0, err
        trees.append(tree(dst))  # the manifest included
    assert trees[0] == trees[1] == trees[2]
    assert sum(name.endswith("-4.md") for name in trees[0]) == 2  # four inputs want one name, per folder


# ---------------------------------------------------------------- 7. one migrate per DST


@POSIX_ONLY
def test_a_second_migrate_into_a_locked_dst_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = make_src(tmp_path / "src", {"a.md": "tagged/base.md"})
    dst = tmp_path / "dst"
    dst.mkdir()
    holder = subprocess.Popen(["sleep", "600"])
    try:
        (dst / LOCK).write_text(f"{holder.pid}\n", encoding="ascii")
        before = tree(dst)
        code, out, err = cli(capsys, src.path, "--to", "json", "--out", dst, "--jobs", "1")
        assert (code, out) == (1, "")
        assert err == (
            f"digestformat migrate: {dst} is being migrated by process {holder.pid} ({dst / LOCK}): "
            "wait for it, or remove the lock if that process is gone\n"
        )
        assert tree(dst) == before
        with pytest.raises(MigrateLocked):
            migrate(Options(src=src.path, dst=dst, to="json", jobs=1))
    finally:
        holder.kill()
        holder.wait()
    # Its process gone, the lock is taken over.
    code, _, err = cli(capsys, src.path, "--to", "json", "--out", dst, "--jobs", "1")
    assert code == 0, err
    assert f"{dst / LOCK}: held by process {holder.pid}, which is gone: lock taken over" in err
    assert set(tree(dst)) == {"a.json", MANIFEST}  # the lock is gone at the end


@POSIX_ONLY
def test_the_lock_is_held_while_migrate_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    src = make_src(tmp_path / "src", {"a.md": "tagged/base.md", "b.md": "imrad/base.md"})
    dst = tmp_path / "dst"
    seen: list[str] = []
    inner: list[str] = []
    real = _io.write_atomic

    def spy(path: Path, data: bytes, **kwargs: Any) -> None:
        seen.append((dst / LOCK).read_text(encoding="ascii").strip())
        if not inner:  # a second run, from inside the first (the same live process)
            inner.append("tried")
            with pytest.raises(MigrateLocked, match="is being migrated by process"):
                migrate(Options(src=src.path, dst=dst, to="json", jobs=1))
        real(path, data, **kwargs)

    real_file = _io.atomic_file

    @contextlib.contextmanager
    def file_spy(path: Path) -> Iterator[BinaryIO]:
        seen.append((dst / LOCK).read_text(encoding="ascii").strip())
        with real_file(path) as handle:
            yield handle

    monkeypatch.setattr(archive, "write_atomic", spy)
    monkeypatch.setattr(_migrate_journal, "atomic_file", file_spy)  # the compaction
    assert migrate(Options(src=src.path, dst=dst, to="json", jobs=1, quiet=True)).failed == 0
    assert seen
    assert set(seen) == {str(os.getpid())}
    assert not (dst / LOCK).exists()
    assert [p.name for p in dst.iterdir() if p.name.startswith(LOCK)] == []  # no temp file left


# ---------------------------------------------------------------- 8. inputs that are gone


def test_a_renamed_input_releases_its_posts(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = make_src(tmp_path / "src", {"a.md": "review/sample.md"})
    dst = tmp_path / "dst"
    args = ["--to", "review", "--split", "--out", str(dst), "--jobs", "1"]
    assert cli(capsys, src.path, *args)[0] == 0
    (post,) = outputs(dst)
    (src.path / "a.md").rename(src.path / "b.md")
    src.remember()
    for extra in ([], ["--force"]):
        code, _, err = cli(capsys, src.path, *args, *extra)
        assert code == 0, err
        assert counts(err) == (1, 0, 0)
    code, _, err = cli(capsys, src.path, *args, "--resume")
    assert (code, counts(err)) == (0, (0, 1, 0))
    assert set(outputs(dst)) == {post}
    assert [e["input"] for e in manifest(dst) if "input" in e] == ["b.md"]


def test_a_deleted_input_releases_its_output_and_leaves_the_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = make_src(tmp_path / "src", {"a.md": "tagged/base.md", "b.md": "imrad/base.md"})
    dst = tmp_path / "dst"
    assert cli(capsys, src.path, "--to", "json", "--out", dst, "--jobs", "1")[0] == 0
    (src.path / "a.md").unlink()
    src.remember()
    code, _, err = cli(capsys, src.path, "--to", "json", "--out", dst, "--jobs", "1")
    assert code == 0, err
    assert errors_of(err) == ["released a.json: its input a.md is gone (the file is left in DST)"]
    assert set(outputs(dst)) == {"a.json", "b.json"}  # left, not removed
    assert {e["input"]: e["state"] for e in manifest(dst) if "input" in e} == {"a.md": "gone", "b.md": "done"}
    code, _, err = cli(capsys, src.path, "--to", "json", "--out", dst, "--jobs", "1")
    assert errors_of(err) == []  # said once
    # Still migrate's own: an input that comes to want the name replaces it without --force.
    (src.path / "a.json").write_bytes(fixture("translated/base.json"))
    src.remember()
    code, _, err = cli(capsys, src.path, "--to", "json", "--out", dst, "--jobs", "1")
    assert code == 0, err
    assert [e["input"] for e in manifest(dst) if "input" in e] == ["a.json", "b.md"]


# ---------------------------------------------------------------- 10. a backslash is a name's character


@POSIX_ONLY
def test_a_backslash_in_a_name_is_dropped_never_a_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = make_src(tmp_path / "src", {"a\\b.md": "tagged/base.md", "x\\y/c\\d.md": "imrad/base.md"})
    dst = tmp_path / "dst"
    code, _, err = cli(capsys, src.path, "--to", "json", "--out", dst, "--jobs", "1")
    assert code == 0, err
    assert set(outputs(dst)) == {"ab.json", "xy/cd.json"}
    assert clean_relative("a\\b/c\\..\\d") == "ab/c..d"


# ---------------------------------------------------------------- 11. a full disk names the file


class _FullDisk:
    """A file handle on a full disk: the first write lands half, then ENOSPC."""

    def __init__(self, fd: int) -> None:
        self.fd = fd

    def write(self, data: Any) -> int:
        os.write(self.fd, bytes(data[: max(1, len(data) // 2)]))
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    def flush(self) -> None:
        pass

    def close(self) -> None:
        os.close(self.fd)

    def __enter__(self) -> _FullDisk:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@pytest.mark.parametrize(
    ("fmt", "name"), [("rss", "feed.xml"), ("atom", "atom.xml"), ("jsonfeed", "feed.json")]
)
def test_a_full_disk_while_writing_the_feed_names_the_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, fmt: str, name: str
) -> None:
    src = make_src(tmp_path / "src", {"a.md": "tagged/sample.md", "b.md": "imrad/base.md"})
    dst = tmp_path / "dst"
    with monkeypatch.context() as patch:
        patch.setattr(os, "fdopen", lambda fd, *args, **kwargs: _FullDisk(fd))
        code, _, err = cli(capsys, src.path, "--to", fmt, "--out", dst, "--jobs", "1")
    assert code == 1
    assert errors_of(err) == [f"{dst / name}: cannot write: No space left on device"]
    assert counts(err) == (2, 0, 1)
    assert outputs(dst) == {}  # no feed, no temp file
    code, _, err = cli(capsys, src.path, "--to", fmt, "--out", dst, "--jobs", "1")  # room again
    assert code == 0, err
    assert set(outputs(dst)) == {name}


def test_a_full_disk_while_writing_a_joined_digest_names_the_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    posts = [df.render(p).encode("utf-8") for p in df.split(df.parse(fixture("tagged/sample.md")))]
    src = Src(tmp_path / "src", {f"p{i}.md": post for i, post in enumerate(posts)})
    dst = tmp_path / "dst"
    real = os.replace

    def replace(source: Any, target: Any, **kwargs: Any) -> None:
        if Path(target).name == "2026-02-16.md":
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(target))
        real(source, target, **kwargs)

    with monkeypatch.context() as patch:
        patch.setattr(os, "replace", replace)
        code, _, err = cli(capsys, src.path, "--to", "tagged", "--join", "--out", dst, "--jobs", "1")
    assert code == 1
    assert errors_of(err) == [f"{dst / '2026-02-16.md'}: cannot write: No space left on device"]
    assert outputs(dst) == {}


# ---------------------------------------------------------------- 12. the same bytes, any seed, any jobs


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(["--to", "review", "--split"], id="split"),
        pytest.param(["--to", "json"], id="json"),
        pytest.param(["--to", "atom"], id="atom"),
    ],
)
def test_the_same_bytes_under_any_hash_seed_and_any_jobs(tmp_path: Path, args: list[str]) -> None:
    src = _colliding_archive(tmp_path / "src")
    got: list[dict[str, bytes]] = []
    for seed, jobs in (("0", "1"), ("4242", "2")):
        dst = tmp_path / f"dst-{seed}"
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "digestformat",
                "migrate",
                str(src.path),
                *args,
                "--out",
                str(dst),
                "--jobs",
                jobs,
            ],
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
            env={**os.environ, "PYTHONHASHSEED": seed},
        )
        assert done.returncode == 0, done.stderr
        got.append(tree(dst))
    assert got[0] == got[1]  # outputs and manifest, byte for byte (the manifest has no timestamps)
    assert MANIFEST in got[0]
    assert not any(re.search(rb'"seq"', blob) for blob in got[0].values())
