"""The machine the benchmark runs on: what it is, how busy it is, and child processes measured.

- ``machine()``: CPU, cores, Python, git commit, versions, load average.
- ``CpuSnapshot`` / ``other_load``: from ``/proc/stat``, the machine's busy CPU-seconds over a
  span minus the CPU-seconds of our own processes, per second of wall time: how many cores
  *other* processes kept busy meanwhile (0.0 on a quiet machine; about 1.0 when another
  process holds the second core of two). ``None`` where there is no ``/proc/stat``.
- ``run_process``: one child process, its wall time, its CPU time and max RSS from
  ``os.wait4`` (which include the children it reaped: a process pool's workers), and the
  other load during it.
"""

from __future__ import annotations

import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = (
    "digestformat",
    "markdown-it-py",
    "mistune",
    "pydantic",
    "pydantic-core",
    "PyYAML",
    "lxml",
    "tqdm",
)
BUSY_CORES = 0.25  # other load above this, in cores: the run is flagged busy

try:
    _TICK = 1.0 / os.sysconf("SC_CLK_TCK")
except (AttributeError, ValueError, OSError):  # pragma: no cover - not Linux
    _TICK = 0.01


# ------------------------------------------------------------------ load


@dataclass(frozen=True, slots=True)
class CpuSnapshot:
    """The machine's busy CPU-seconds (all cores, /proc/stat) and our own CPU-seconds, at a time."""

    wall: float  # time.perf_counter()
    machine_busy: float | None  # None: no /proc/stat
    own: float  # this process + its reaped children + the extra pids given


def _machine_busy() -> float | None:
    try:
        with open("/proc/stat", encoding="ascii") as handle:
            fields = handle.readline().split()
    except OSError:
        return None
    if not fields or fields[0] != "cpu":
        return None
    # user nice system idle iowait irq softirq steal (guest time is already in user)
    values = [int(x) for x in fields[1:9]]
    busy = values[0] + values[1] + values[2] + values[5] + values[6] + values[7]
    return busy * _TICK


def _pid_cpu(pid: int) -> float:
    """utime + stime of a live process (0.0 when it is gone)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as handle:
            stat = handle.read()
    except OSError:
        return 0.0
    fields = stat[stat.rindex(")") + 2 :].split()  # the fields after "(comm)"; state is fields[0]
    return (int(fields[11]) + int(fields[12])) * _TICK


def snapshot(pids: Iterable[int] = ()) -> CpuSnapshot:
    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    own = me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime + sum(_pid_cpu(p) for p in pids)
    return CpuSnapshot(time.perf_counter(), _machine_busy(), own)


def other_load(before: CpuSnapshot, after: CpuSnapshot, own: float | None = None) -> float | None:
    """Cores kept busy by other processes between two snapshots (*own*: our CPU-seconds, if
    known better than the snapshots' difference, e.g. from wait4)."""
    if before.machine_busy is None or after.machine_busy is None:
        return None
    wall = after.wall - before.wall
    if wall <= 0:
        return None
    ours = after.own - before.own if own is None else own
    return max(0.0, (after.machine_busy - before.machine_busy - ours) / wall)


# ------------------------------------------------------------------ child processes


def child_env(src: Path | str | None, base: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment of a child: PYTHONPATH=*src* first (the digestformat to run), and without
    PYTHONDONTWRITEBYTECODE, so modules load from .pyc as in an installed package (else every
    child compiles digestformat from source again: ~0.2 s each)."""
    env = dict(os.environ if base is None else base)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    if src is not None:
        rest = env.get("PYTHONPATH")
        env["PYTHONPATH"] = str(src) + (os.pathsep + rest if rest else "")
    return env


@dataclass(frozen=True, slots=True)
class ProcessRun:
    wall: float
    cpu: float  # user + system of the child and the children it reaped
    max_rss_kib: int  # the largest one process of the tree (Linux: KiB)
    other_load: float | None  # cores busy with other processes meanwhile
    returncode: int
    stderr: str  # its last lines, when it failed


def run_process(
    cmd: Sequence[str],
    env: Mapping[str, str] | None = None,
    stdout: Path | None = None,
) -> ProcessRun:
    """Run *cmd* to its end (standard output to *stdout* or /dev/null) and measure it."""
    with tempfile.TemporaryFile() as err, open(stdout or os.devnull, "wb") as out:
        before = snapshot()
        started = time.perf_counter()
        proc = subprocess.Popen(list(cmd), stdout=out, stderr=err, env=env)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        after = snapshot()
        cpu = usage.ru_utime + usage.ru_stime
        # ours: RUSAGE_CHILDREN grew by the child's usage (wait4 reaped it), plus our own
        load = other_load(before, after)
        text = ""
        if proc.returncode != 0:
            err.seek(0)
            text = " | ".join(err.read().decode("utf-8", "replace").strip().splitlines()[-5:])
    kib = usage.ru_maxrss // 1024 if sys.platform == "darwin" else usage.ru_maxrss
    return ProcessRun(wall, cpu, kib, load, proc.returncode, text)


def gnu_time(work: Path) -> str | None:
    """'/usr/bin/time' when it is GNU time (it understands -f %M -o FILE), else None."""
    if not Path("/usr/bin/time").exists():
        return None
    probe = work / "time-probe"
    cmd = ["/usr/bin/time", "-f", "%M", "-o", str(probe), sys.executable, "-c", "pass"]
    try:
        proc = subprocess.run(cmd, capture_output=True, check=False)
        ok = proc.returncode == 0 and probe.read_text().strip().splitlines()[-1].isdigit()
    except (OSError, IndexError):
        ok = False
    return "/usr/bin/time" if ok else None


_RUSAGE_CHILD = """\
import resource, subprocess, sys
code = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE).returncode
kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(code, kib // 1024 if sys.platform == "darwin" else kib)
"""


def peak_rss_kib(
    cmd: Sequence[str], work: Path, gnu: str | None, env: Mapping[str, str] | None
) -> tuple[int, int, str]:
    """(max RSS in KiB, exit status, last lines of stderr) of *cmd*: GNU time's %M when *gnu*,
    else ``getrusage(RUSAGE_CHILDREN)`` in a fresh child that runs only *cmd*. Either is the
    largest single process of the tree, not a sum."""
    if gnu is not None:
        report = work / "time-report"
        timed = [gnu, "-f", "%M", "-o", str(report), *cmd]
        proc = subprocess.run(timed, capture_output=True, text=True, check=False, env=env)
        tail = " | ".join(proc.stderr.strip().splitlines()[-3:])
        try:
            return int(report.read_text().strip().splitlines()[-1]), proc.returncode, tail
        except (OSError, IndexError, ValueError):
            return 0, proc.returncode or 1, tail or "GNU time wrote no report"
    proc = subprocess.run(
        [sys.executable, "-c", _RUSAGE_CHILD, *cmd], capture_output=True, text=True, check=False, env=env
    )
    try:
        code, kib = (int(part) for part in proc.stdout.split())
    except ValueError:
        return 0, 1, "memory probe failed: " + proc.stderr.strip()[-300:]
    return kib, code, ""


# ------------------------------------------------------------------ what the machine is


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith(("model name", "Model", "cpu model")):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown"


def git_commit(root: Path = ROOT) -> str | None:
    """The short commit of *root*'s checkout, '+dirty' when tracked files differ from it."""
    try:
        head = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=False,
        )
        dirty = subprocess.run(
            ["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            check=False,
        )
    except OSError:
        return None
    if head.returncode != 0:
        return None
    return head.stdout.strip() + ("+dirty" if dirty.stdout.strip() else "")


def tool_version(tool: str | None) -> str | None:
    """The first line of ``TOOL --version``, less the tool's name."""
    if tool is None:
        return None
    try:
        proc = subprocess.run([tool, "--version"], capture_output=True, text=True, check=False)
    except OSError:
        return None
    first = proc.stdout.splitlines()[0] if proc.stdout else ""
    return first.removeprefix(Path(tool).name).strip() or None


def load_average() -> list[float] | None:
    return list(os.getloadavg()) if hasattr(os, "getloadavg") else None


def usable_cores() -> int:
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def filesystem(path: Path) -> str:
    """The type of the filesystem *path* is on (from /proc/mounts; '?' elsewhere)."""
    best, kind = "", "?"
    try:
        mounts = Path("/proc/mounts").read_text().splitlines()
    except OSError:
        return kind
    resolved = str(path.resolve())
    for line in mounts:
        fields = line.split()
        if len(fields) > 2 and resolved.startswith(fields[1]) and len(fields[1]) > len(best):
            best, kind = fields[1], fields[2]
    return kind


def machine(pandoc: str | None, imported_from: str) -> dict[str, Any]:
    versions: dict[str, str | None] = {}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    versions["pandoc"] = tool_version(pandoc)
    return {
        "cpu": cpu_model(),
        "cores": os.cpu_count(),
        "usable_cores": usable_cores(),
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "executable": sys.executable,
        "platform": platform.platform(),
        "git": git_commit(),
        "checkout": str(ROOT),
        "digestformat_from": imported_from,
        "versions": versions,
        "load_start": load_average(),
    }


class Section:
    """Other load over a stretch of the run (a section of the report): ``with Section(...) as s``."""

    def __init__(self, pids: Callable[[], Iterable[int]] = lambda: ()) -> None:
        self._pids = pids
        self.other_load: float | None = None
        self.seconds = 0.0

    def __enter__(self) -> Section:
        self._before = snapshot(self._pids())
        return self

    def __exit__(self, *exc: object) -> None:
        after = snapshot(self._pids())
        self.seconds = after.wall - self._before.wall
        self.other_load = other_load(self._before, after)

    def figures(self) -> dict[str, Any]:
        return {"seconds": self.seconds, "other_load_cores": self.other_load}
