"""``bench/run.py --compare REV``: this checkout against another git revision, paired.

REV is checked out with ``git worktree`` in the temp folder (removed at the end). Both revisions
work on the same files: an archive made by REV's own ``bench/run.py`` (``run.generate``, from
REV's fixtures), so the inputs are ones the older code was written for. Each revision runs in a
long-lived worker process of its own (``PYTHONPATH`` at its ``src/``), which reads the files and
parses them once, then times the slices it is asked for: parse, render to the document's own
layout, render to JSON. ``migrate --to json --jobs 1`` is run as a subprocess of each revision
over the whole archive, alternating. Every figure is the median of the per-slice (per-round for
migrate) ratios REV's time / this checkout's time: above 1, this checkout is faster.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import _machine as mach
from _archive import ROOT, BenchError, generate
from _paired import (
    Contender,
    Spread,
    Timing,
    Worker,
    WorkerError,
    bounds,
    rates,
    run_paired,
    summary,
    worker_contender,
)

_GENERATE = """
import sys
from pathlib import Path
sys.path.insert(0, sys.argv[1])
import run
run.generate(Path(sys.argv[2]), int(sys.argv[3]), max(1, int(sys.argv[3]) // 10), int(sys.argv[4]))
"""

OPS = {
    "parse": "parse(text)",
    "render": "render(doc)",
    "render_json": "render(doc, 'json')",
}
# Each file of a slice this many times: a slice of 200 files takes some 40 ms for each op
# (render to JSON is ~6x as fast as parse); much shorter slices read the clock's and the
# scheduler's noise.
REPEAT = {
    "parse": 1,
    "render": 2,
    "render_json": 6,
}


def _git(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", "-C", str(ROOT), *args], capture_output=True, text=True, check=False)


def _archive(tree: Path, folder: Path, files: int, seed: int) -> tuple[list[str], str]:
    """The archive's files, made by REV's generator when it has one (else by this checkout's)."""
    made_by = "REV's bench/run.py generate()"
    proc = None
    if (tree / "bench" / "run.py").is_file():
        proc = subprocess.run(
            [sys.executable, "-c", _GENERATE, str(tree / "bench"), str(folder), str(files), str(seed)],
            capture_output=True,
            text=True,
            check=False,
            env=mach.child_env(tree / "src"),
        )
    if proc is None or proc.returncode != 0:
        why = "no bench/run.py" if proc is None else " ".join(proc.stderr.split())[-200:]
        made_by = f"this checkout's generate() (REV's could not: {why})"
        shutil.rmtree(folder, ignore_errors=True)
        generate(folder, files, max(1, files // 10), seed)
    paths = sorted(str(p) for p in (folder / "archive").rglob("*.md"))
    if not paths:
        raise BenchError(f"no files in the archive ({made_by})")
    return paths, made_by


def _paired_op(
    workers: list[Worker], op: str, cuts: list[tuple[int, int]], sizes: list[int], rounds: int
) -> dict[str, Any]:
    repeat = REPEAT[op]
    contenders = [worker_contender(w, op, cuts, repeat) for w in workers]
    pids = [w.pid for w in workers]
    with mach.Section(lambda: pids) as section:
        run = run_paired(contenders, len(cuts), rounds)
    this, base = workers[0].label, workers[1].label
    counts = [(b - a) * repeat for a, b in cuts]
    sizes = [size * repeat for size in sizes]
    out: dict[str, Any] = {
        "what": OPS[op],
        "slices": len(cuts),
        "rounds": rounds,
        "repeat": repeat,
        "rates": {w.label: rates(run, w.label, counts, sizes) for w in workers},
        "speedup": summary(run.ratios(base, this)),
        "speedup_cpu": summary(run.ratios(base, this, cpu=True)),
        "load": section.figures(),
    }
    if len(workers) > 2:
        out["control"] = summary(run.ratios(workers[2].label, base))
    return out


def _migrate(sides: dict[str, Path], src: Path, work: Path, files: int, rounds: int) -> dict[str, Any]:
    """``migrate SRC --to json --jobs 1`` of each revision, alternating, *rounds* times."""

    def contender(number: int, label: str, code: Path) -> Contender:
        dst = work / f"out-migrate-{number}"
        env = mach.child_env(code)

        def measure(_slice: int) -> Timing:
            shutil.rmtree(dst, ignore_errors=True)
            cmd = [sys.executable, "-m", "digestformat", "migrate", str(src), "--to", "json"]
            run = mach.run_process([*cmd, "--out", str(dst), "--jobs", "1", "--quiet"], env)
            written = sum(1 for _ in dst.rglob("*.json"))
            shutil.rmtree(dst, ignore_errors=True)
            if run.returncode != 0 or written != files:
                raise BenchError(
                    f"{label}: migrate exited {run.returncode}, wrote {written}/{files}: {run.stderr}"
                )
            return Timing(run.wall, run.cpu, run.other_load)

        return Contender(label, measure)

    labels = list(sides)
    run = run_paired(
        [contender(i, k, v) for i, (k, v) in enumerate(sides.items())], slices=1, rounds=rounds, warmup=0
    )
    out: dict[str, Any] = {"rounds": rounds, "files": files}
    for label in labels:
        walls = [t.wall for t in run.times(label)]
        median = Spread.of(walls).median
        out[label] = {"wall_s": median, "files_per_s": files / median if median else 0.0}
    out["speedup"] = summary(run.ratios(labels[1], labels[0]))
    out["speedup_cpu"] = summary(run.ratios(labels[1], labels[0], cpu=True))
    if len(labels) > 2:
        out["control"] = summary(run.ratios(labels[2], labels[1]))
    out["busy_runs"] = sum(
        1 for t in run.trials if t.timing.other_load is not None and t.timing.other_load > mach.BUSY_CORES
    )
    out["runs"] = len(run.trials)
    return out


def compare(args: argparse.Namespace, work: Path) -> dict[str, Any]:
    rev = args.compare
    resolved = _git("rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}")
    if resolved.returncode != 0:
        raise BenchError(f"--compare {rev}: not a git revision of {ROOT}")
    sha = resolved.stdout.strip()
    tree = work / "rev"
    added = _git("worktree", "add", "--detach", str(tree), sha)
    if added.returncode != 0:
        raise BenchError(f"git worktree add failed: {added.stderr.strip()}")
    workers: list[Worker] = []
    try:
        fig: dict[str, Any] = {
            "machine": mach.machine(None, str(ROOT / "src")),
            "options": vars(args).copy(),
            "rev": rev,
            "rev_commit": sha,
        }
        mach.run_process([sys.executable, "-m", "digestformat", "--version"], mach.child_env(ROOT / "src"))
        mach.run_process([sys.executable, "-m", "digestformat", "--version"], mach.child_env(tree / "src"))
        print(f"[compare] making {args.files:,} files with {rev}'s generator", file=sys.stderr, flush=True)
        paths, made_by = _archive(tree, work / "cmp", args.files, args.seed)
        sizes_of = [Path(p).stat().st_size for p in paths]
        cuts = bounds(len(paths), args.slice)
        sizes = [sum(sizes_of[a:b]) for a, b in cuts]
        fig["archive"] = {"files": len(paths), "bytes": sum(sizes_of), "made_by": made_by, "seed": args.seed}
        sides = {"this checkout": ROOT / "src", rev: tree / "src"}
        if args.control:
            sides[f"{rev} (again)"] = tree / "src"
        for label, code in sides.items():
            workers.append(Worker(label, code, mach.child_env(code)))
        for worker in workers:
            answer = worker.load(paths)
            fig.setdefault("workers", {})[worker.label] = {
                "digestformat": answer["file"],
                "version": answer["version"],
            }
        for op, what in OPS.items():
            print(
                f"[compare] {what}, paired, {len(cuts)} slices x {args.rounds} rounds",
                file=sys.stderr,
                flush=True,
            )
            fig[op] = _paired_op(workers, op, cuts, sizes, args.rounds)
        for worker in workers:
            worker.close()
        workers = []
        print(f"[compare] migrate --jobs 1, {args.jobs_rounds} rounds", file=sys.stderr, flush=True)
        try:
            fig["migrate"] = _migrate(sides, work / "cmp" / "archive", work, len(paths), args.jobs_rounds)
        except BenchError as exc:
            fig["migrate"] = {"error": str(exc)}
        fig["machine"]["load_end"] = mach.load_average()
        return fig
    except WorkerError as exc:
        raise BenchError(str(exc)) from None
    finally:
        for worker in workers:
            worker.close()
        _git("worktree", "remove", "--force", str(tree))
        _git("worktree", "prune")
