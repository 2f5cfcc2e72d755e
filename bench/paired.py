"""Parse time of this checkout against another git revision, measured paired: now a pointer to
``bench/run.py --compare REV``, which does this and more (render, migrate --jobs 1).

    python bench/paired.py --base REV            # = python bench/run.py --compare REV --files 4000
    python bench/paired.py --base REV --control  # also REV against itself: the method's own spread

The method (bench/_paired.py, bench/README.md): both revisions work on the same files, each in a
long-lived worker process of its own; slice by slice, back to back, the order rotating, every
slice several times; the median of the per-slice ratios is reported with its quartiles.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import run


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Parse time against another revision, paired (run.py --compare)."
    )
    parser.add_argument("--base", required=True, metavar="REV", help="the git revision to compare with")
    parser.add_argument("--files", type=int, default=4000, help="files in the archive (default 4,000)")
    parser.add_argument("--slice", type=int, default=200, help="files per slice (default 200)")
    parser.add_argument("--control", action="store_true", help="also the base against itself")
    args = parser.parse_args(argv)
    forwarded = ["--compare", args.base, "--files", str(args.files), "--slice", str(args.slice)]
    return run.main([*forwarded, "--control"] if args.control else forwarded)


if __name__ == "__main__":
    sys.exit(main())
