"""Start-up time of the ``digestformat`` command, measured paired against ``python -c pass``.

    python bench/startup.py                      # 31 rounds, this checkout
    python bench/startup.py --runs 51
    python bench/startup.py --base /work/main/src   # also this checkout against another src/ tree
    python bench/startup.py --importtime         # and the 25 costliest imports of digestformat.cli
    python bench/startup.py --importtime --module digestformat._api

Each round runs every command once, one after the other, the order rotating from round to round,
with ``python -c pass`` (the interpreter's own start-up) among them; wall time is taken with
``time.perf_counter`` around ``subprocess.run`` (output to /dev/null), CPU time (user + system)
from ``getrusage(RUSAGE_CHILDREN)``: on a shared machine wall time grows with the load, CPU time
hardly. Reported per command: the median, and the median of the per-round differences with
``python -c pass`` of the same round (what digestformat itself costs). The sample (default the
tagged fixture ``base.md``) is copied into a temporary folder first, as a user's file outside any
Python project. Children run without PYTHONDONTWRITEBYTECODE (see ``--keep-env``).

With ``--base SRC``, each command is also run with ``PYTHONPATH=SRC`` (another checkout's
``src/``, which then shadows the installed package) in the same rounds, and the median of the
per-round differences this - base is printed: a busy second core moves both sides of a pair
alike, where two runs minutes apart differ by more than the change.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SAMPLE = ROOT / "tests" / "fixtures" / "tagged" / "valid" / "base.md"


def _script() -> str:
    """The console script of the interpreter running this file (the venv's ``bin/digestformat``)."""
    beside = Path(sys.executable).parent / "digestformat"
    if beside.exists():
        return str(beside)
    found = shutil.which("digestformat")
    if found is None:
        raise SystemExit("no digestformat console script: pip install -e . first")
    return found


def _commands(sample: Path) -> dict[str, list[str]]:
    py, script = sys.executable, _script()
    return {
        "python -c pass": [py, "-c", "pass"],
        "python -m digestformat --help": [py, "-m", "digestformat", "--help"],
        "digestformat --help": [script, "--help"],
        "digestformat --version": [script, "--version"],
        "digestformat convert sample.md --to json": [script, "convert", str(sample), "--to", "json"],
        "digestformat convert sample.md --to tagged": [script, "convert", str(sample), "--to", "tagged"],
    }


def _env(keep: bool) -> dict[str, str]:
    """The children's environment: without PYTHONPATH, and (unless *keep*) without
    PYTHONDONTWRITEBYTECODE, so that every module loads from its .pyc as in an installed
    package (the warm-up round writes them); with it, each run compiles digestformat's
    ~40 modules from source again."""
    drop = {"PYTHONPATH"} if keep else {"PYTHONPATH", "PYTHONDONTWRITEBYTECODE"}
    return {k: v for k, v in os.environ.items() if k not in drop}


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _time(argv: list[str], env: dict[str, str]) -> tuple[float, float]:
    """(wall, CPU) seconds of one run; CPU (user + system) does not grow when other
    processes hold the cores, wall does."""
    cpu, start = _cpu(), time.perf_counter()
    subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, check=False)
    return time.perf_counter() - start, _cpu() - cpu


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:7.1f}"


def measure(runs: int, sample: Path, base: Path | None, keep_env: bool) -> None:
    with tempfile.TemporaryDirectory(prefix="digestformat-startup-") as tmp:
        # sample.md in a folder of its own, as a user's file outside any Python project: no
        # pyproject.toml upward, so convert's config look-up parses no TOML (in this checkout,
        # it would find and parse the project's pyproject.toml)
        copy = Path(tmp) / "sample.md"
        shutil.copyfile(sample, copy)
        _measure(runs, copy, base, keep_env)


def _measure(runs: int, sample: Path, base: Path | None, keep_env: bool) -> None:
    commands = _commands(sample)
    env = _env(keep_env)
    base_env = dict(env, PYTHONPATH=str(base)) if base is not None else None
    jobs: list[tuple[str, str, dict[str, str]]] = [(name, "this", env) for name in commands]
    if base_env is not None:
        jobs += [(name, "base", base_env) for name in commands if name != "python -c pass"]
    times: dict[tuple[str, str], list[tuple[float, float]]] = {(name, side): [] for name, side, _ in jobs}
    load = f"{os.getloadavg()[0]:.2f}"
    for name, _side, job_env in jobs:  # warm up: the file cache, the .pyc files
        _time(commands[name], job_env)
    for r in range(runs):
        shift = r % len(jobs)
        for name, side, job_env in jobs[shift:] + jobs[:shift]:
            times[name, side].append(_time(commands[name], job_env))
    baseline = times["python -c pass", "this"]
    print(f"{runs} rounds, {os.cpu_count()} cores, load {load} -> {os.getloadavg()[0]:.2f}, {sys.executable}")
    print("ms; '- pass': median of the per-round differences with python -c pass; CPU = user + system")
    print(f"{'command':<44} {'side':<5} {'wall':>7} {'- pass':>7} {'CPU':>7} {'- pass':>7}")
    for (name, side), values in times.items():
        wall = statistics.median(v[0] for v in values)
        cpu = statistics.median(v[1] for v in values)
        wall_d = statistics.median(v[0] - p[0] for v, p in zip(values, baseline, strict=True))
        cpu_d = statistics.median(v[1] - p[1] for v, p in zip(values, baseline, strict=True))
        print(f"{name:<44} {side:<5} {_ms(wall)} {_ms(wall_d)} {_ms(cpu)} {_ms(cpu_d)}")
    if base_env is not None:
        print(f"\nthis - base (median of the per-round differences, ms), base = PYTHONPATH={base}")
        print(f"{'command':<44} {'wall':>7} {'CPU':>7}")
        for name in commands:
            if name == "python -c pass":
                continue
            this, other = times[name, "this"], times[name, "base"]
            wall_d = statistics.median(a[0] - b[0] for a, b in zip(this, other, strict=True))
            cpu_d = statistics.median(a[1] - b[1] for a, b in zip(this, other, strict=True))
            print(f"{name:<44} {_ms(wall_d)} {_ms(cpu_d)}")


def importtime(top: int, module: str, base: Path | None, keep_env: bool) -> None:
    env = _env(keep_env)
    if base is not None:
        env["PYTHONPATH"] = str(base)
    best: dict[str, tuple[int, int]] = {}  # name -> (cumulative, self), each the least of the runs
    for _ in range(5):  # the best of 5 per module: importtime's figures are noisy too
        proc = subprocess.run(
            [sys.executable, "-X", "importtime", "-c", f"import {module}"],
            capture_output=True,
            text=True,
            env=env,
            check=True,
        )
        run: dict[str, tuple[int, int]] = {}
        for line in proc.stderr.splitlines():
            if not line.startswith("import time:") or "cumulative" in line:
                continue
            own, total, name = line[len("import time:") :].split("|")
            run[name.rstrip()] = (int(total), int(own))
        for name, (total_us, own_us) in run.items():
            old = best.get(name)
            best[name] = (total_us, own_us) if old is None else (min(old[0], total_us), min(old[1], own_us))
    rows = [(c, s, n) for n, (c, s) in best.items()]
    rows.sort(reverse=True)
    where = f" (PYTHONPATH={base})" if base is not None else ""
    print(f"\npython -X importtime -c 'import {module}'{where}: top {top} by cumulative, best of 5, ms")
    for cumulative, self_us, name in rows[:top]:
        print(f"{cumulative / 1000:8.1f} {self_us / 1000:8.1f}  {name}")
    heavy = ("pydantic", "yaml", "lxml", "markdown_it", "tqdm", "frontmatter")
    loaded = sorted({n.strip().split(".")[0] for _, _, n in rows} & set(heavy))
    print(f"heavy modules imported: {', '.join(loaded) or 'none'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=31, help="rounds (default 31)")
    parser.add_argument("--sample", type=Path, default=DEFAULT_SAMPLE, help="the file convert reads")
    parser.add_argument("--base", type=Path, help="another checkout's src/ to compare with, paired")
    parser.add_argument("--importtime", action="store_true", help="also the costliest imports")
    parser.add_argument(
        "--keep-env", action="store_true", help="keep PYTHONDONTWRITEBYTECODE (compile from source each run)"
    )
    parser.add_argument("--module", default="digestformat.cli", help="what --importtime imports")
    args = parser.parse_args()
    measure(args.runs, args.sample, args.base, args.keep_env)
    if args.importtime:
        importtime(25, args.module, None, args.keep_env)
        if args.base is not None:
            importtime(25, args.module, args.base, args.keep_env)


if __name__ == "__main__":
    main()
