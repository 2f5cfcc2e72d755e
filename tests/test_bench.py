"""bench/: the paired method's bookkeeping, and a smoke run of bench/run.py on a tiny archive.

Nothing here asserts on a timing: the figures of a run on a shared machine are whatever they
are. What is checked is that the machinery runs and says what it measured: the rotation of the
order, the ratios taken slice by slice, the report and the JSON's shape, the exit status.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))

import _paired
import run  # older scripts call run.generate(folder, files, small, seed): it must stay there
from _paired import Contender, Spread, Timing

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"


def _fake(name: str, seconds: dict[int, float], log: list[tuple[int, str]]) -> Contender:
    """A contender whose 'time' on slice s is seconds[s]; it logs the order it was run in."""

    def measure(s: int) -> Timing:
        log.append((s, name))
        return Timing(seconds[s], seconds[s] / 2)

    return Contender(name, measure)


def test_two_contenders_alternate_and_ratios_are_per_slice() -> None:
    log: list[tuple[int, str]] = []
    # B is 3x slower than A on every slice, though the slices differ 10x in length
    a = _fake("A", {0: 1.0, 1: 10.0, 2: 2.0}, log)
    b = _fake("B", {0: 3.0, 1: 30.0, 2: 6.0}, log)
    run = _paired.run_paired([a, b], slices=3, rounds=2, warmup=1)
    assert log[:2] == [(0, "A"), (0, "B")]  # the warm-up slice, untimed
    timed = log[2:]
    firsts = [timed[i] for i in range(0, len(timed), 2)]
    # rotated slice by slice and round by round: each slice ran once with each side first
    assert firsts == [(0, "A"), (1, "B"), (2, "A"), (0, "B"), (1, "A"), (2, "B")]
    ratios = run.ratios("B", "A")
    assert ratios == pytest.approx([3.0] * 6)
    assert run.ratio("B", "A", cpu=True) == Spread(3.0, 3.0, 3.0, 3.0, 3.0, 6)
    assert run.total("A") == pytest.approx(2 * 13.0)
    rates = _paired.rates(run, "A", [10, 10, 10], [1_000_000] * 3)
    assert rates["files"] == 60
    assert rates["files_per_s"] == pytest.approx(60 / 26.0)


def test_three_contenders_rotate() -> None:
    log: list[tuple[int, str]] = []
    contenders = [_fake(n, {0: 1.0, 1: 1.0}, log) for n in "ABC"]
    _paired.run_paired(contenders, slices=2, rounds=3, warmup=0)
    orders = ["".join(n for _, n in log[i : i + 3]) for i in range(0, len(log), 3)]
    assert orders == ["ABC", "BCA", "BCA", "CAB", "CAB", "ABC"]
    slice0 = orders[0::2]
    assert sorted(o[0] for o in slice0) == ["A", "B", "C"]  # every contender went first once


def test_spread_and_bounds() -> None:
    s = Spread.of([1.0, 2.0, 3.0, 4.0, 100.0])
    assert (s.median, s.low, s.high, s.n) == (3.0, 1.0, 100.0, 5)
    assert (s.q1, s.q3) == (2.0, 4.0)
    assert Spread.of([2.5]) == Spread(2.5, 2.5, 2.5, 2.5, 2.5, 1)
    assert _paired.bounds(10, 4) == [(0, 4), (4, 8), (8, 10)]
    assert _paired.bounds(9, 4) == [(0, 4), (4, 9)]  # a last slice under half a slice joins
    assert _paired.bounds(3, 10) == [(0, 3)]
    assert _paired.summary([]) is None


def test_rotation_with_one_contender() -> None:
    assert _paired.rotation(["A"], 5, 7) == ["A"]


TINY = [
    "--quick",
    "--files",
    "12",
    "--slice",
    "4",
    "--rounds",
    "2",
    "--sample-slices",
    "1",
    "--jobs-rounds",
    "1",
    "--formats",
    "json,review",
    "--skip-pandoc",
    "--sample",
    "5",
]


def _run(args: list[str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(BENCH / "run.py"), *args, "--workdir", str(tmp_path)],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )


def test_quick_run_on_a_tiny_archive(tmp_path: Path) -> None:
    out = tmp_path / "figures.json"
    proc = _run([*TINY, "--control", "--json", str(out)], tmp_path)
    assert proc.returncode == 0, proc.stderr[-2000:]
    fig = json.loads(out.read_text(encoding="utf-8"))
    assert fig["archive"]["files"] == 12
    parse = fig["parse"]
    assert set(parse["ratios"]) >= {"markdown-it-py", "digestformat (again)"}
    assert parse["ratios"]["markdown-it-py"]["wall"]["n"] == parse["slices"] * 2
    assert "mistune" in parse["ratios"] or "mistune" in parse["skipped"]
    assert set(fig["samples"]) == {"tagged", "translated", "imrad", "review"}
    assert [r["jobs"] for r in fig["jobs"]["runs"]] == ["--jobs 1", "--jobs 2"]
    assert set(fig["memory"]["formats"]) == {"json", "review"}
    assert fig["pandoc"] == {"skipped": "--skip-pandoc"}
    assert {t["status"] for t in fig["targets"]} <= {"MET", "MISSED", "N/A"}
    assert fig["machine"]["git"] is None or fig["machine"]["git"]
    for text in ("median of the per-slice ratios", "targets", "markdown-it-py / digestformat"):
        assert text in proc.stdout
    assert list(tmp_path.iterdir()) == [out]  # the work folder is gone


def test_generate_is_importable_as_before(tmp_path: Path) -> None:
    archive = run.generate(tmp_path, 8, 2, 7)
    assert len(archive.rels) == 8
    assert len(list((tmp_path / "archive-small").rglob("*.md"))) == 2


@pytest.mark.skipif(shutil.which("git") is None, reason="no git")
def test_compare_with_head(tmp_path: Path) -> None:
    inside = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--verify", "--quiet", "HEAD"], capture_output=True, check=False
    )
    if inside.returncode != 0:
        pytest.skip("not a git checkout with a commit (an unpacked sdist)")
    out = tmp_path / "compare.json"
    args = ["--compare", "HEAD", "--files", "12", "--slice", "4", "--rounds", "2", "--jobs-rounds", "1"]
    proc = _run([*args, "--json", str(out)], tmp_path)
    assert proc.returncode == 0, proc.stderr[-2000:]
    fig = json.loads(out.read_text(encoding="utf-8"))
    for op in ("parse", "render", "render_json"):
        assert fig[op]["speedup"]["n"] == fig[op]["slices"] * 2
    assert "speedup" in fig["migrate"]
    worktrees = subprocess.run(
        ["git", "-C", str(ROOT), "worktree", "list"], capture_output=True, text=True, check=True
    ).stdout
    assert str(tmp_path) not in worktrees  # removed at the end
