"""Fuzz digestformat for as long as you like: ``python fuzz/fuzz_digest.py --minutes 60``.

It drives the property of tests/fuzzing.py with Hypothesis's ``fuzz_one_input``
(random buffers, no coverage guidance), so it needs nothing beyond the test
extra. With atheris installed (``pip install atheris``), ``--atheris`` hands the
same property to libFuzzer for coverage-guided fuzzing instead. A failure is
raised with the input that caused it, and saved in Hypothesis's example
database (``.hypothesis/``), from which ``pytest tests/test_fuzz.py`` replays it.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from hypothesis import HealthCheck, given, settings

from fuzzing import check, mutated


@settings(deadline=None, suppress_health_check=list(HealthCheck), database=None)
@given(mutated())
def target(data: bytes) -> None:
    check(data)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=1.0, help="how long to fuzz (default 1)")
    parser.add_argument("--atheris", action="store_true", help="coverage-guided, through atheris")
    args = parser.parse_args()
    fuzz = target.hypothesis.fuzz_one_input  # type: ignore[attr-defined]
    if args.atheris:
        import atheris  # type: ignore[import-not-found,import-untyped,unused-ignore]  # noqa: PLC0415  (optional)

        atheris.Setup([sys.argv[0], f"-max_total_time={int(args.minutes * 60)}"], fuzz)
        atheris.Fuzz()
        return 0
    deadline = time.monotonic() + args.minutes * 60
    runs = 0
    while time.monotonic() < deadline:
        fuzz(os.urandom(4096))
        runs += 1
    print(f"{runs} inputs in {args.minutes:g} min: no failure")
    return 0


if __name__ == "__main__":
    sys.exit(main())
