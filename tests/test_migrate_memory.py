"""migrate's memory does not grow with the archive (issue 13): what it gathers streams.

The walk is a generator (one folder listed at a time); output names are held
for the folder being written only; this run's journal lines, a feed's dates
and a join's posts go through a Sorter (sorted runs in temporary files). Each
is checked here for giving what holding everything gave, and the whole run
for holding no more Python memory for four times the inputs (tracemalloc:
counted, never timed).
"""

from __future__ import annotations

import datetime as dt
import io
import os
import random
import tracemalloc
from pathlib import Path

import pytest

import digestformat as df
from digestformat import _external_sort, _migrate_inputs, archive
from digestformat._external_sort import Sorter
from digestformat._migrate_names import _Names
from digestformat.archive import MANIFEST, Options, migrate

FIXTURES = Path(__file__).parent / "fixtures"
SMALL = ("tagged/heading-only.md", "translated/heading-only.md", "imrad/front-matter-empty.md")


def fixture(name: str) -> bytes:
    layout, file = name.split("/")
    return (FIXTURES / layout / "valid" / file).read_bytes()


def small_archive(root: Path, count: int, per_folder: int = 25) -> None:
    blobs = [fixture(name) for name in SMALL]
    for i in range(count):
        path = root / f"d{i // per_folder:03d}" / f"f{i:05d}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(blobs[i % len(blobs)])


def posts_archive(root: Path) -> None:
    """Review posts of several dates, in two folders: what --join joins."""
    for number, name in enumerate(("tagged/sample.md", "translated/sample.md", "imrad/base.md")):
        doc = df.parse(fixture(name))
        for i, post in enumerate(df.split(doc)):
            path = root / f"f{number % 2}" / f"{number}-{i}.md"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(df.render(post).encode("utf-8"))


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


# ---------------------------------------------------------------- the Sorter


@pytest.mark.parametrize("reverse", [False, True])
@pytest.mark.parametrize("limit", [0, 300, 1 << 20])
def test_a_sorter_sorts_stably_whatever_it_holds(tmp_path: Path, reverse: bool, limit: int) -> None:
    rng = random.Random(limit)
    keys = ["", "a", "a\nb", "é", "a/b", "a.b", "b", "\uffff", "%E9", "\t"]
    pairs = [(rng.choice(keys), f'{{"n": {i}}}') for i in range(500)]
    with Sorter(tmp_path, limit=limit, reverse=reverse) as sorter:
        for key, text in pairs:
            sorter.add(key, text)
        want = sorted(pairs, key=lambda pair: pair[0], reverse=reverse)  # stable: equal keys in order
        assert list(sorter) == want
        assert list(sorter) == want  # and again
        assert len(sorter) == len(pairs)
        assert (limit == 1 << 20) == (not sorter.runs)  # past the limit, runs in temp files
    assert list(tmp_path.iterdir()) == []  # the runs had no name, or lost it at once


def test_a_sorter_merges_its_runs_before_it_holds_too_many_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_external_sort, "MAX_RUNS", 3)
    with Sorter(tmp_path, limit=0) as sorter:
        for i in range(50):
            sorter.add(str(i % 7), str(i))
            assert len(sorter.runs) < 3
        assert list(sorter) == sorted(((str(i % 7), str(i)) for i in range(50)), key=lambda p: p[0])


# ---------------------------------------------------------------- the walk and the names


def test_the_walk_lists_a_folder_when_it_gets_there(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    small_archive(tmp_path / "src", 100, per_folder=10)
    listed: list[str] = []
    real = os.scandir

    def scandir(path: str) -> object:
        listed.append(os.path.basename(path))
        return real(path)

    monkeypatch.setattr(os, "scandir", scandir)
    walk = _migrate_inputs._walk(tmp_path / "src", tmp_path / "dst", follow_links=False)
    first = next(iter(walk))
    assert isinstance(first, _migrate_inputs._Input)
    assert first.rel == "d000/f00000.md"
    assert listed == ["src", "d000"]  # not the nine other folders
    rest = list(walk)
    assert len(rest) == 99
    assert len(listed) == 11


def test_names_are_held_for_the_folder_being_written_and_shared_ones_for_the_run() -> None:
    names = _Names()
    names.take("a/x.json", False, "a/x.md")
    assert ("a/X.JSON", False) in names  # casefolded
    names.take("b/x.json", False, "b/x.md")  # the walk moved on: a/'s names are dropped
    assert names.names == {"b/x.json": "b/x.md"}
    names.take("c/x.json", True, "C/x.md")
    names.take("d/x.json", False, "d/x.md")
    assert ("c/x.json", True) in names  # a shared folder's names are kept
    assert names.get("C/X.json", True, "") == "C/x.md"


def test_folders_that_share_an_output_folder_share_its_names(tmp_path: Path) -> None:
    src = tmp_path / "src"
    for folder in ("A", "B", "a"):  # A/ and a/ are one output folder on a case-folding disk
        (src / folder).mkdir(parents=True)
        (src / folder / "x.md").write_bytes(fixture("tagged/base.md"))
    for jobs in (1, 2):
        dst = tmp_path / f"dst{jobs}"
        summary = migrate(Options(src=src, dst=dst, to="json", jobs=jobs, quiet=True))
        assert (summary.converted, summary.failed) == (3, 0)
        assert sorted(summary.written) == ["A/x.json", "B/x.json", "a/x-2.json"]
    assert tree(tmp_path / "dst1") == tree(tmp_path / "dst2")


@pytest.mark.skipif(os.name != "posix", reason="names that are not UTF-8")
def test_an_escaped_name_in_another_folder_is_refused_even_when_it_comes_first(tmp_path: Path) -> None:
    # d%E9/\xe9.md (an escaped name, walked first) and d\xe9/%E9.md (walked later) are both
    # d%E9/%E9.md: the escaped one is refused, though the walk met it first.
    src = os.fsencode(tmp_path / "src")
    for folder in (b"d%E9", b"d\xe9", b"d-between"):
        os.makedirs(src + b"/" + folder)
    Path(os.fsdecode(src + b"/d%E9/\xe9.md")).write_bytes(fixture("tagged/base.md"))
    Path(os.fsdecode(src + b"/d\xe9/%E9.md")).write_bytes(fixture("imrad/base.md"))
    Path(os.fsdecode(src + b"/d-between/x.md")).write_bytes(fixture("tagged/base.md"))
    err = io.StringIO()
    summary = migrate(Options(src=Path(os.fsdecode(src)), dst=tmp_path / "dst", to="json", jobs=1), err=err)
    assert summary.errors == [
        "d%E9/%E9.md: its name is not UTF-8 and, escaped, is another input's name: skipped"
    ]
    assert summary.converted == 2
    got = tree(tmp_path / "dst")
    assert df.parse(got["d%E9/%E9.json"], "json") == df.parse(fixture("imrad/base.md"))


# ---------------------------------------------------------------- whole runs


@pytest.mark.parametrize(
    "args",
    [
        pytest.param({"to": "json"}, id="json"),
        pytest.param({"to": "review", "split": True}, id="split"),
        pytest.param({"to": "rss"}, id="rss"),
        pytest.param({"to": "jsonfeed"}, id="jsonfeed"),
        pytest.param({"to": "tagged", "join": True}, id="join"),
    ],
)
def test_a_run_that_spills_to_temp_files_writes_the_same_bytes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: dict[str, object]
) -> None:
    src = tmp_path / "src"
    if args.get("join"):
        posts_archive(src)
    else:
        small_archive(src, 60, per_folder=7)
        (src / "d001" / "f00008.md").write_bytes(fixture("tagged/sample.md"))  # papers, dates
    got = []
    for limit in (1 << 20, 0):  # held whole; every pair a run of its own
        monkeypatch.setattr(_external_sort, "LIMIT", limit)
        dst = tmp_path / f"dst{limit}"
        summary = migrate(Options(src=src, dst=dst, jobs=1, quiet=True, **args))  # type: ignore[arg-type]
        assert summary.failed == 0, summary.errors
        got.append(tree(dst))
    assert got[0] == got[1]
    assert MANIFEST in got[0]


def test_a_resumed_run_that_spills_gives_the_same_manifest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_external_sort, "LIMIT", 0)
    small_archive(tmp_path / "src", 40, per_folder=6)
    dst = tmp_path / "dst"
    migrate(Options(src=tmp_path / "src", dst=dst, to="json", jobs=1, quiet=True))
    first = tree(dst)
    (tmp_path / "src" / "d002" / "f00013.md").write_bytes(fixture("imrad/base.md"))
    (dst / "d003" / "f00020.json").unlink()
    summary = migrate(Options(src=tmp_path / "src", dst=dst, to="json", jobs=2, resume=True, quiet=True))
    assert (summary.converted, summary.skipped) == (2, 38)
    fresh = tmp_path / "fresh"
    migrate(Options(src=tmp_path / "src", dst=fresh, to="json", jobs=1, quiet=True))
    assert tree(dst) == tree(fresh)
    assert tree(dst) != first


def test_the_cli_keeps_no_list_of_outputs_or_messages(tmp_path: Path) -> None:
    small_archive(tmp_path / "src", 10)
    (tmp_path / "src" / "d000" / "bad.md").write_bytes(b"not a digest\n")
    summary = migrate(
        Options(src=tmp_path / "src", dst=tmp_path / "dst", to="json", jobs=1, quiet=True), keep_lists=False
    )
    assert (summary.converted, summary.failed) == (10, 1)
    assert (summary.written, summary.errors, summary.warnings) == ([], [], [])
    assert summary.line().startswith("converted 10, skipped 0, failed 1, warnings 0 in ")


def _peak(src: Path, dst: Path, **args: object) -> int:
    tracemalloc.start()
    try:
        summary = migrate(Options(src=src, dst=dst, jobs=1, quiet=True, **args), keep_lists=False)  # type: ignore[arg-type]
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
        assert summary.failed == 0


@pytest.mark.parametrize(
    "args",
    [
        pytest.param({"to": "json"}, id="json"),
        pytest.param({"to": "review", "split": True}, id="split"),
        pytest.param({"to": "atom"}, id="atom"),
    ],
)
def test_four_times_the_inputs_hold_no_more_memory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: dict[str, object]
) -> None:
    # The Sorters hold little, then spill, and merge their runs past a few: what they hold is
    # bounded (by LIMIT, and MAX_RUNS read buffers), and reached by both archives.
    monkeypatch.setattr(_external_sort, "LIMIT", 5_000)
    monkeypatch.setattr(_external_sort, "MAX_RUNS", 4)
    monkeypatch.setattr(archive, "_FOLDERS", 4)  # what the writer knows of DST's folders, too
    peaks = []
    for count in (100, 400):
        src = tmp_path / f"src{count}"
        small_archive(src, count)
        _peak(src, tmp_path / "warm", **args)  # imports and caches, once
        peaks.append(_peak(src, tmp_path / f"dst{count}", **args))
    # Four times the inputs, in four times the folders of 25 (one listing is held at a time, and
    # SRC's holds them all): far less than the 2 KiB an input cost when the run held its lists
    # (tracemalloc counts every allocation, each listing's and the Sorters' included).
    assert peaks[1] - peaks[0] < 300 * 60, peaks


def dated_posts(root: Path, dates: int) -> None:
    """The posts of the sample digest, again on each of *dates* dates: what --join joins."""
    posts = df.split(df.parse(fixture("tagged/sample.md")))
    for day in range(dates):
        for number, post in enumerate(posts):
            post.date = dt.date(2026, 1, 1) + dt.timedelta(days=day)
            path = root / f"m{day % 12:02d}" / f"{day:03d}-{number}.md"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(df.render(post).encode("utf-8"))


def test_four_times_the_dates_to_join_hold_no_more_memory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # --join holds one date's posts at a time: memory follows the largest date, not the archive.
    monkeypatch.setattr(_external_sort, "LIMIT", 20_000)
    monkeypatch.setattr(_external_sort, "MAX_RUNS", 4)
    peaks = []
    for dates in (12, 48):
        src = tmp_path / f"src{dates}"
        dated_posts(src, dates)
        _peak(src, tmp_path / "warm", to="tagged", join=True)
        peaks.append(_peak(src, tmp_path / f"dst{dates}", to="tagged", join=True))
    posts = len(df.split(df.parse(fixture("tagged/sample.md"))))
    assert peaks[1] - peaks[0] < 36 * posts * 200, (peaks, posts)  # was every post, whole: KiBs each
