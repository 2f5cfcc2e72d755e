"""The benchmark's subprocess figures: ``migrate --jobs 1`` vs ``--jobs 2``, pandoc vs
``digestformat convert`` (a process per file), and peak memory of ``migrate --to F``.

Every child runs the digestformat that ``bench/run.py`` imported (``DF_SRC`` first on its
``PYTHONPATH``), from .pyc files (``_machine.child_env``).
"""

from __future__ import annotations

import shutil
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import _machine as mach
from _archive import Archive, BenchError
from _paired import Contender, Spread, Timing, bounds, rates, run_paired, summary

import digestformat as df

DF_SRC = Path(df.__file__).resolve().parent.parent  # the digestformat this process imported


def migrate_cmd(src: Path, dst: Path, to: str, jobs: int) -> list[str]:
    cmd = [sys.executable, "-m", "digestformat", "migrate", str(src), "--to", to, "--out", str(dst)]
    cmd += ["--jobs", str(jobs), "--quiet"]
    return [*cmd, "--split"] if to == "review" else cmd  # a review post holds one paper


def migrate_contender(
    name: str, src: Path, dst: Path, *, jobs: int, expect: int, env: dict[str, str]
) -> Contender:
    """One ``migrate --to json --jobs N`` of the whole archive per call, into a fresh *dst*."""

    def measure(_slice: int) -> Timing:
        shutil.rmtree(dst, ignore_errors=True)
        run = mach.run_process(migrate_cmd(src, dst, "json", jobs), env)
        if run.returncode != 0:
            raise BenchError(f"{name} exited {run.returncode}: {run.stderr}")
        written = sum(1 for _ in dst.rglob("*.json"))
        shutil.rmtree(dst, ignore_errors=True)
        if written != expect:
            raise BenchError(f"{name} wrote {written} files, expected {expect}")
        return Timing(run.wall, run.cpu, run.other_load)

    return Contender(name, measure)


def _quiet(a: Timing, b: Timing) -> bool:
    return all(t.other_load is not None and t.other_load <= mach.BUSY_CORES for t in (a, b))


def bench_jobs(archive: Archive, work: Path, rounds: int) -> dict[str, Any]:
    """``migrate --to json`` with --jobs 1 and --jobs 2 over the whole archive, alternating."""
    env = mach.child_env(DF_SRC)
    files = len(archive.rels)
    one = migrate_contender("--jobs 1", archive.root, work / "out-j1", jobs=1, expect=files, env=env)
    two = migrate_contender("--jobs 2", archive.root, work / "out-j2", jobs=2, expect=files, env=env)
    run = run_paired([one, two], slices=1, rounds=rounds, warmup=0)
    out: dict[str, Any] = {"rounds": rounds, "files": files, "busy_above_cores": mach.BUSY_CORES}
    for name in run.names:
        times = run.times(name)
        wall = Spread.of([t.wall for t in times]).median
        out[name] = {
            "wall_s": wall,
            "cpu_s": Spread.of([t.cpu or 0.0 for t in times]).median,
            "files_per_s": files / wall if wall else 0.0,
        }
    out["ratio"] = summary(run.ratios("--jobs 1", "--jobs 2"))
    out["ratio_quiet"] = summary(run.ratios("--jobs 1", "--jobs 2", keep=_quiet))
    out["cpu_ratio"] = summary(run.ratios("--jobs 2", "--jobs 1", cpu=True))  # CPU of 2 workers / of 1
    out["runs"] = [
        {
            "round": t.round,
            "jobs": t.contender,
            "wall_s": t.timing.wall,
            "cpu_s": t.timing.cpu,
            "other_load_cores": t.timing.other_load,
            "busy": t.timing.other_load is not None and t.timing.other_load > mach.BUSY_CORES,
        }
        for t in run.trials
    ]
    return out


def _loop_processes(
    cmds: Sequence[Sequence[str]], out: Path, env: dict[str, str] | None
) -> tuple[Timing, int]:
    """Run the commands one after the other (as a shell loop would), each writing to *out*;
    the time of the whole loop, the summed CPU, the other load over it, and failures."""
    before = mach.snapshot()
    cpu, failed = 0.0, 0
    for cmd in cmds:
        run = mach.run_process(cmd, env, stdout=out)
        cpu += run.cpu
        failed += run.returncode != 0
    after = mach.snapshot()
    return Timing(after.wall - before.wall, cpu, mach.other_load(before, after)), failed


def bench_pandoc(
    pandoc: str, archive: Archive, work: Path, *, count: int, slice_files: int, rounds: int
) -> dict[str, Any]:
    """pandoc -f commonmark_x -t json FILE vs digestformat convert FILE --to json, a process per
    file for both, on the same subset (spread evenly over the archive), paired per slice."""
    total = len(archive.rels)
    count = min(count, total)
    picked = [archive.root / archive.rels[(k * total) // count] for k in range(count)]
    cuts = bounds(count, slice_files)
    out = work / "pandoc-out.json"
    env = mach.child_env(DF_SRC)
    commands: dict[str, list[list[str]]] = {
        "pandoc": [[pandoc, "-f", "commonmark_x", "-t", "json", str(p)] for p in picked],
        "digestformat convert": [
            [sys.executable, "-m", "digestformat", "convert", str(p), "--to", "json"] for p in picked
        ],
    }
    failures: dict[str, int] = dict.fromkeys(commands, 0)

    def contender(name: str) -> Contender:
        def measure(s: int) -> Timing:
            a, b = cuts[s]
            timing, failed = _loop_processes(commands[name][a:b], out, env)
            failures[name] += failed
            return timing

        return Contender(name, measure)

    run = run_paired([contender(n) for n in commands], len(cuts), rounds)
    first_error = None
    if failures["pandoc"]:  # outside the timing: say why the first one failed
        for cmd in commands["pandoc"]:
            proc = mach.run_process(cmd, env, stdout=out)
            if proc.returncode:
                first_error = f"{cmd[-1]}: {proc.stderr[:200]}"
                break
    if failures["digestformat convert"]:
        raise BenchError(f"digestformat convert failed {failures['digestformat convert']} times")
    counts = [b - a for a, b in cuts]
    sizes = [sum(p.stat().st_size for p in picked[a:b]) for a, b in cuts]
    per_file = {name: rates(run, name, counts, sizes) for name in commands}
    return {
        "files": count,
        "slices": len(cuts),
        "rounds": rounds,
        "failed": failures["pandoc"],
        "first_error": first_error,
        "rates": per_file,
        "ratio": summary(run.ratios("pandoc", "digestformat convert")),
        "cpu_ratio": summary(run.ratios("pandoc", "digestformat convert", cpu=True)),
    }


def bench_memory(archive: Archive, work: Path, formats: Sequence[str], gnu: str | None) -> dict[str, Any]:
    """Max RSS of ``migrate --to F --jobs 1`` on the archive and on its first tenth, every F."""
    env = mach.child_env(DF_SRC)
    figures: dict[str, Any] = {
        "method": "/usr/bin/time -f %M" if gnu else "getrusage(RUSAGE_CHILDREN) in a fresh child",
        "big_files": len(archive.rels),
        "small_files": archive.small,
        "formats": {},
    }
    for to in formats:
        row: dict[str, Any] = {}
        for key, src in (("big", archive.root), ("small", archive.small_root)):
            dst = work / f"out-mem-{to}"
            shutil.rmtree(dst, ignore_errors=True)
            kib, code, tail = mach.peak_rss_kib(migrate_cmd(src, dst, to, 1), work, gnu, env)
            wrote = dst.is_dir() and any(p.is_file() for p in dst.rglob("*"))
            shutil.rmtree(dst, ignore_errors=True)
            if code != 0 or not wrote:
                raise BenchError(f"migrate --to {to} --jobs 1 ({key} archive) exited {code}: {tail}")
            row[f"{key}_kib"] = kib
        row["ratio"] = row["big_kib"] / row["small_kib"] if row["small_kib"] else None
        figures["formats"][to] = row
    return figures
