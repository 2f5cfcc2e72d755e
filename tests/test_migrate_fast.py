"""migrate's cost outside parsing and rendering (issue 13), counted, never timed.

What an input costs in system calls, and the shortcuts that make it so: a
temp name that needs no entropy, a read sized by ``fstat``, a folder checked
once, the journal's 'done' line written with the next line.
"""

from __future__ import annotations

import collections
import hashlib
import io
import json
import os
import pickle
import random
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from digestformat import _io, _migrate_inputs, _migrate_journal, _migrate_names, _migrate_workers
from digestformat.archive import MANIFEST, Options, migrate

FIXTURES = Path(__file__).parent / "fixtures"
SMALL = ("tagged/heading-only.md", "translated/heading-only.md", "imrad/front-matter-empty.md")


def small_archive(root: Path, count: int, per_folder: int) -> None:
    blobs = [(FIXTURES / name.split("/")[0] / "valid" / name.split("/")[1]).read_bytes() for name in SMALL]
    for i in range(count):
        path = root / f"d{i // per_folder:02d}" / f"f{i:04d}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(blobs[i % len(blobs)])


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> Callable[[], collections.Counter[str]]:
    """Count the os functions migrate's writing and reading go through (patched on os)."""
    counted: collections.Counter[str] = collections.Counter()

    def spy(name: str) -> None:
        real = getattr(os, name)

        def call(*args: Any, **kwargs: Any) -> Any:
            counted[name] += 1
            return real(*args, **kwargs)

        monkeypatch.setattr(os, name, call)

    def start() -> collections.Counter[str]:
        for name in ("lstat", "stat", "open", "read", "write", "replace", "mkdir", "fstat"):
            spy(name)
        return counted

    return start


def test_an_input_costs_a_few_system_calls(
    tmp_path: Path, calls: Callable[[], collections.Counter[str]]
) -> None:
    # Two archives in three folders, of 30 and 60 inputs: what the 30 more cost.
    counts = []
    counted = calls()
    for number, inputs in enumerate((30, 30, 60)):  # the first run imports what the others use
        if not (tmp_path / f"src{inputs}").exists():
            small_archive(tmp_path / f"src{inputs}", inputs, per_folder=inputs // 3)
        counted.clear()
        dst = tmp_path / f"dst{number}"
        summary = migrate(Options(src=tmp_path / f"src{inputs}", dst=dst, to="json", jobs=1, quiet=True))
        assert (summary.converted, summary.failed) == (inputs, 0)
        counts.append(collections.Counter(counted))
    more = {name: counts[2][name] - counts[1][name] for name in counts[2]}
    # Reading an input: open, fstat, one read. Writing its output: open, write, close, rename, and
    # no lstat in a folder the run made. The journal: one write per input (an input's 'done' line
    # goes with the next input's 'begin').
    assert more == {
        "open": 60,
        "fstat": 30,
        "read": 30,
        "write": 60,
        "replace": 30,
        "lstat": 0,
        "stat": 0,
        "mkdir": 0,
    }


def test_a_folder_that_was_there_still_costs_one_lstat_per_output(
    tmp_path: Path, calls: Callable[[], collections.Counter[str]]
) -> None:
    inputs = 100
    small_archive(tmp_path / "src", inputs, per_folder=inputs)
    dst = tmp_path / "dst"
    (dst / "d00").mkdir(parents=True)
    (dst / "d00" / "f0007.json").write_bytes(b"not migrate's\n")
    counted = calls()
    err = io.StringIO()
    summary = migrate(Options(src=tmp_path / "src", dst=dst, to="json", jobs=1), err=err)
    assert (summary.converted, summary.failed) == (inputs - 1, 1)
    assert "d00/f0007.md: d00/f0007.json exists and migrate did not write it" in err.getvalue()
    assert (dst / "d00" / "f0007.json").read_bytes() == b"not migrate's\n"
    assert inputs <= counted["lstat"] <= inputs + 40  # the run's own few: resolving SRC and DST


def test_a_temp_name_that_is_taken_is_another_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "out.json"
    planted = tmp_path / f".out.json.{7:08x}.tmp"
    planted.symlink_to(tmp_path / "elsewhere")  # a link where the first temp name falls
    numbers: Iterator[int] = iter([7, 7, 8])
    monkeypatch.setattr(random, "getrandbits", lambda bits: next(numbers))
    _io.write_atomic(target, b"new\n")
    assert target.read_bytes() == b"new\n"
    assert planted.is_symlink()
    assert not (tmp_path / "elsewhere").exists()  # never written through
    assert sorted(p.name for p in tmp_path.iterdir()) == [planted.name, "out.json"]


@pytest.mark.parametrize("size", [0, 1, 4096, (1 << 20) + 5])
def test_read_file_reads_a_file_in_as_few_reads_as_its_size_allows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, size: int
) -> None:
    path = tmp_path / "x.md"
    data = bytes(random.Random(size).getrandbits(8) for _ in range(min(size, 5000))) * (size // 5000 + 1)
    path.write_bytes(data[:size])
    reads: list[int] = []
    real = os.read

    def counted(fd: int, want: int) -> bytes:
        reads.append(want)
        return real(fd, want)

    monkeypatch.setattr(os, "read", counted)
    assert _io.read_file(path, limit=1 << 30) == data[:size]
    assert len(reads) == (1 if size < 1 << 20 else 2)
    assert max(reads) <= min(size + 1, 1 << 20)  # a buffer the size of the file, not 1 MiB


def test_a_file_that_grows_while_read_is_read_whole_or_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "x.md"
    path.write_bytes(b"a" * 100)
    real = os.read

    grown: list[bool] = []

    def growing(fd: int, want: int) -> bytes:
        if not grown:  # someone appends, once, between fstat and the first read
            grown.append(True)
            with path.open("ab") as handle:
                handle.write(b"b" * 60)
        return real(fd, want)

    monkeypatch.setattr(os, "read", growing)
    assert _io.read_file(path) == b"a" * 100 + b"b" * 60  # read on past what fstat saw
    path.write_bytes(b"a" * 100)
    grown.clear()
    with pytest.raises(_io.InputRefused, match="it grew while read"):
        _io.read_file(path, limit=120)


def test_done_lines_are_held_until_the_next_line(tmp_path: Path) -> None:
    dst = tmp_path / "dst"
    dst.mkdir()
    part = dst / _migrate_journal.PART_NAME.format(pid=os.getpid())
    begin = {"input": "a.md", "sha": "1", "outputs": [{"path": "a.json"}], "state": "begin"}
    done = {"input": "a.md", "sha": "1", "outputs": [{"path": "a.json", "sha": "2"}], "state": "done"}
    try:
        _migrate_journal._append(dst, begin)
        _migrate_journal._append(dst, done)
        assert [json.loads(line)["state"] for line in part.read_text().splitlines()] == ["begin"]
        _migrate_journal._append(dst, {**begin, "input": "b.md"})  # the next line takes it along
        lines = [json.loads(line) for line in part.read_text().splitlines()]
        assert [(e["input"], e["state"]) for e in lines] == [
            ("a.md", "begin"),
            ("a.md", "done"),
            ("b.md", "begin"),
        ]
        assert [e["seq"] for e in lines] == sorted(e["seq"] for e in lines)  # stamped when made
        _migrate_journal._append(dst, {**done, "input": "b.md"})
    finally:
        _migrate_journal._close_journal(dst)  # writes what it holds
    lines = [json.loads(line) for line in part.read_text().splitlines()]
    assert [(e["input"], e["state"]) for e in lines][-1] == ("b.md", "done")


@pytest.mark.parametrize(
    "entry",
    [
        {
            "input": 'a"b\\\n\u2028é.md',
            "sha": "x",
            "outputs": [{"path": "p\t.json", "sha": "s"}],
            "state": "done",
        },
        {"input": "j", "sha": "", "outputs": [{"path": "x"}, {"path": "y"}], "state": "begin"},
        {"input": "feed:feed.xml", "outputs": [{"path": "feed.xml"}], "state": "begin"},
        {"options": {"to": "json", "split": False, "config": None}},
        {"input": "x", "sha": "", "outputs": [], "state": "done"},
    ],
)
def test_a_journal_line_is_the_json_of_its_entry(entry: dict[str, Any]) -> None:
    line = _migrate_journal._line(entry)
    assert line.endswith(b"\n")
    assert line.count(b"\n") == 1
    read = json.loads(line)
    seq = read.pop("seq")
    assert read == entry
    assert line == (json.dumps({**entry, "seq": seq}, ensure_ascii=False) + "\n").encode()
    if "input" in entry:  # as the manifest keeps it
        assert _migrate_journal._canonical(entry) == json.dumps(entry, ensure_ascii=False, sort_keys=True)


def test_a_second_run_into_its_own_folders_is_the_same(tmp_path: Path) -> None:
    small_archive(tmp_path / "src", 20, per_folder=5)
    dst = tmp_path / "dst"
    for _ in range(2):  # the second run's folders were there: each name is looked at
        summary = migrate(Options(src=tmp_path / "src", dst=dst, to="json", jobs=1, quiet=True))
        assert (summary.converted, summary.failed) == (20, 0)
    fresh = tmp_path / "fresh"
    migrate(Options(src=tmp_path / "src", dst=fresh, to="json", jobs=1, quiet=True))
    assert tree(dst) == tree(fresh)
    assert (dst / MANIFEST).read_bytes() == (fresh / MANIFEST).read_bytes()


def test_a_result_crosses_from_a_worker_whole() -> None:
    result = _migrate_workers._Result(
        "a.md",
        "ready",
        outputs=["a.json"],
        sha="1",
        blobs=[("a.json", b"{}\n")],
        shas=["2"],
        warnings=["a.md:1:1: warning: w"],
        entry={"input": "a.md"},
    )
    for protocol in range(pickle.HIGHEST_PROTOCOL + 1):  # sent as its fields, in order
        assert pickle.loads(pickle.dumps(result, protocol)) == result


def test_the_workers_make_the_outputs_hashes(tmp_path: Path) -> None:
    small_archive(tmp_path / "src", 6, per_folder=3)
    opts = Options(src=tmp_path / "src", dst=tmp_path / "dst", to="json", jobs=1)
    _migrate_workers._init(opts, _migrate_journal._Journal(tmp_path / "dst" / MANIFEST))
    result = _migrate_workers._prepare(_migrate_workers._Task("d00/f0000.md", out="d00/f0000.json"))
    assert result.status == "ready"
    assert result.shas == [hashlib.sha256(blob).hexdigest() for _, blob in result.blobs]


def test_mirrored_names_are_made_safe_as_clean_relative_makes_them() -> None:
    # _mirror_tasks cleans a folder's part once for all its files: the same names as cleaning each
    # whole (then numbering against every name taken: these folders may clash once cleaned, so
    # they are marked shared, as the walk marks such folders).
    rng = random.Random(13)
    pieces = ["a", "CON", "..", ".", "x y", "é", ":", "\\", "nul.txt", " .. ", "b" * 250, "%E9", ""]
    rels = []
    for _ in range(3000):
        parts = [rng.choice(pieces) + rng.choice(["", "q", ".md"]) for _ in range(rng.randint(1, 4))]
        rels.append("/".join(parts) + rng.choice([".md", ".json", ".markdown"]))
    rels.sort(key=lambda rel: rel.rpartition("/")[0])  # a folder's files together, as walked
    failed: list[str] = []
    items = [_migrate_inputs._Input(rel, rel, shared=True) for rel in rels]
    got = [
        (task.rel, task.out)
        for task in _migrate_names._mirror_tasks(items, "json", lambda result: failed.append(result.rel))
    ]
    want, refused, taken = [], [], set()
    for rel in rels:
        try:
            first = name = _io.clean_relative(_migrate_names._mirror_name(rel, "json"))
        except ValueError:
            refused.append(rel)
            continue
        number = 2
        while name.casefold() in taken:
            name, number = _io.numbered(first, number), number + 1
        taken.add(name.casefold())
        want.append((rel, name))
    assert failed == refused
    assert got == want
