"""Export at scale: files/s and peak RSS of ``digestformat export`` at 1k and 10k files, and
full-text search latency over the 10k-file database.

    python bench/export.py [--files 10000] [--small 1000] [--seed 7] [--runs 15] [--jobs 1 2]

The archive is bench/run.py's (the same generator and seed). Each export runs once per size,
format and --jobs (default: 1, then 2) in a fresh process under GNU time (wall seconds; peak
RSS of the largest one process: the parent or a worker, not their sum); the search is timed
in-process, the median of --runs queries per word, after one warm-up query.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from run import generate  # the benchmark's own archive

QUERIES = ("diffusion", "RAG", "benchmark", "모델")


def _export(src: Path, out: Path, to: str, work: Path, jobs: int) -> tuple[float, int]:
    """(wall seconds, peak RSS KiB) of one export in a fresh process (GNU time's %M: the
    largest of the process and its waited-for children, so the biggest worker counts)."""
    report = work / "time-report"
    cmd = ["/usr/bin/time", "-f", "%e %M", "-o", str(report)]
    cmd += [
        sys.executable,
        "-m",
        "digestformat",
        "export",
        str(src),
        "-o",
        str(out),
        "--to",
        to,
        "--jobs",
        str(jobs),
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if proc.returncode not in (0, 1):
        raise SystemExit(f"export --to {to} exited {proc.returncode}: {proc.stderr[-500:]}")
    seconds, kib = report.read_text().split()[-2:]
    return float(seconds), int(kib)


def _search_ms(db: Path, runs: int) -> dict[str, float]:
    con = sqlite3.connect(db)
    out: dict[str, float] = {}
    sql = "SELECT rowid FROM papers_fts WHERE papers_fts MATCH ? ORDER BY bm25(papers_fts) LIMIT 20"
    for word in QUERIES:
        con.execute(sql, (word,)).fetchall()  # warm
        times = []
        for _ in range(runs):
            started = time.perf_counter()
            con.execute(sql, (word,)).fetchall()
            times.append((time.perf_counter() - started) * 1000)
        out[word] = statistics.median(times)
    con.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, default=10_000)
    parser.add_argument("--small", type=int, default=1_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--jobs", type=int, nargs="+", default=[1, 2], help="the --jobs to run with")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="df-export-bench-"))
    try:
        archive = generate(work, args.files, args.small, args.seed)
        print(f"archive: {args.files} files ({archive.bytes_total / 1e6:.1f} MB), small: {args.small}")
        print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        for to in ("sqlite", "parquet"):
            for jobs in args.jobs:
                figures = {}
                for label, src, count in (
                    ("small", archive.small_root, args.small),
                    ("big", archive.root, args.files),
                ):
                    out = work / f"out-{to}-{label}-{jobs}" / ("db.sqlite" if to == "sqlite" else "parquet")
                    out.parent.mkdir()
                    seconds, kib = _export(src, out, to, work, jobs)
                    figures[label] = (seconds, kib)
                    print(
                        f"{to:8} --jobs {jobs} {count:6} files  {count / seconds:7.0f} files/s"
                        f"  peak RSS {kib / 1024:6.1f} MiB"
                    )
                ratio = figures["big"][1] / figures["small"][1]
                print(f"{to:8} --jobs {jobs} peak RSS {args.files}/{args.small}: {ratio:.2f}")
        print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        db = work / f"out-sqlite-big-{args.jobs[0]}" / "db.sqlite"
        for word, ms in _search_ms(db, args.runs).items():
            print(f"search {word!r}: {ms:.2f} ms (median of {args.runs})")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
