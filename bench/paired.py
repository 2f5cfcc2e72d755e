"""Parse time of this checkout against another git revision, measured paired.

    python bench/paired.py --base REV            # e.g. --base main~3
    python bench/paired.py --base REV --control  # also REV against itself: the method's own spread

Both contenders parse the same files: an archive made by the *base* revision's own
``bench/run.py`` (its fixtures), so the inputs are the ones the old code was measured on. Each
runs in its own long-lived worker process (``PYTHONPATH`` set to its ``src/``); the archive is
cut into slices, and for every slice the two parse it back to back (each file three times),
the order alternating from slice to slice, all slices twice. What is reported is the median of
the per-slice ratios (this checkout's time / the base's) with its quartiles: a busy second
core moves both sides of a ratio alike, where it moves two runs minutes apart apart.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

_WORKER = """
import gc, sys, time
from pathlib import Path
import digestformat as df
texts = {}
for line in sys.stdin:
    batch = [texts.setdefault(p, Path(p).read_text("utf-8")) for p in line.split()]
    gc.collect()
    start = time.perf_counter()
    for _ in range(3):
        for text in batch:
            df.parse(text)
    print(time.perf_counter() - start, flush=True)
"""

_GENERATE = """
import sys
from pathlib import Path
sys.path.insert(0, sys.argv[1])
import run
run.generate(Path(sys.argv[2]), int(sys.argv[3]), int(sys.argv[3]) // 10, 2026)
"""


class _Worker:
    def __init__(self, src: Path) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-c", _WORKER],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env={"PYTHONPATH": str(src), "PATH": "/usr/bin:/bin"},
        )

    def parse(self, files: Sequence[str]) -> float:
        assert self.proc.stdin is not None
        assert self.proc.stdout is not None
        self.proc.stdin.write(" ".join(files) + "\n")
        self.proc.stdin.flush()
        return float(self.proc.stdout.readline())

    def close(self) -> None:
        if self.proc.stdin is not None:
            self.proc.stdin.close()
        self.proc.wait(timeout=30)


def paired(new_src: Path, old_src: Path, files: list[str], size: int) -> tuple[float, float, float]:
    """(median, first quartile, third quartile) of new/old time over the slices."""
    new, old = _Worker(new_src), _Worker(old_src)
    try:
        slices = [files[i : i + size] for i in range(0, len(files), size)]
        for part in slices[:2]:  # warm up: imports, caches, the files read once
            old.parse(part)
            new.parse(part)
        ratios = []
        for number, part in enumerate(slices * 2):
            if number % 2:
                b = new.parse(part)
                a = old.parse(part)
            else:
                a = old.parse(part)
                b = new.parse(part)
            ratios.append(b / a)
    finally:
        new.close()
        old.close()
    quartiles = statistics.quantiles(ratios, n=4)
    return statistics.median(ratios), quartiles[0], quartiles[2]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Parse time against another revision, paired.")
    parser.add_argument("--base", required=True, metavar="REV", help="the git revision to compare with")
    parser.add_argument("--files", type=int, default=4000, help="files in the archive (default 4,000)")
    parser.add_argument("--slice", type=int, default=200, help="files per slice (default 200)")
    parser.add_argument("--control", action="store_true", help="also the base against itself")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="digestformat-paired-") as tmp:
        work = Path(tmp)
        base = work / "base"
        subprocess.run(
            ["git", "-C", str(ROOT), "worktree", "add", "--detach", str(base), args.base],
            check=True,
            capture_output=True,
        )
        try:
            subprocess.run(
                [sys.executable, "-c", _GENERATE, str(base / "bench"), str(work), str(args.files)],
                check=True,
                env={"PYTHONPATH": str(base / "src"), "PATH": "/usr/bin:/bin"},
            )
            files = sorted(str(p) for p in (work / "archive").rglob("*.md"))
            shown = (
                f"{len(files)} files from {args.base}'s bench archive, slices of {args.slice}, each parsed 3x"
            )
            print(shown)
            median, low, high = paired(ROOT / "src", base / "src", files, args.slice)
            print(f"this checkout / {args.base}: median {median:.3f} (quartiles {low:.3f}..{high:.3f})")
            if args.control:
                median, low, high = paired(base / "src", base / "src", files, args.slice)
                print(f"control, {args.base} / itself: median {median:.3f} (quartiles {low:.3f}..{high:.3f})")
        finally:
            subprocess.run(
                ["git", "-C", str(ROOT), "worktree", "remove", "--force", str(base)],
                check=False,
                capture_output=True,
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
