"""The paired method: contenders timed on the same slice back to back, compared slice by slice.

Every comparison of the benchmark goes through ``run_paired``. The work is cut into slices (a
few hundred files; one whole archive for a ``migrate`` run). For each slice every contender runs
once, one right after the other, with a garbage collection before each; the order rotates from
slice to slice and from round to round (with two contenders: A B, then B A), and all slices are
run ``rounds`` times. A ratio is taken within each (round, slice): both sides ran the same files
within a fraction of a second of each other, so whatever the machine was doing then (another
process on the second core, a frequency change) weighs on both. What is reported is the
**median** of those per-slice ratios with its quartiles and extremes (``Spread``): the median is
not moved by the few slices that a burst of other load hit on one side only, and the quartiles
say how far the slices disagree. A contender against itself (``--control``) gives the method's
own spread: its median should be 1.00 and its quartiles show the noise floor.

Also here, for ``--compare``: ``Worker``, a long-lived process per revision with ``PYTHONPATH``
at that revision's ``src/``, which loads the files once and then times parse or render of the
slices it is asked for.
"""

from __future__ import annotations

import contextlib
import gc
import json
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass(frozen=True, slots=True)
class Timing:
    """One contender on one slice: wall seconds, CPU seconds (None where not meaningful), and
    whatever else the contender measured (``other_load``: cores busy with other processes)."""

    wall: float
    cpu: float | None = None
    other_load: float | None = None


@dataclass(frozen=True, slots=True)
class Contender:
    name: str
    measure: Callable[[int], Timing]  # slice number -> its timing


@dataclass(frozen=True, slots=True)
class Trial:
    contender: str
    round: int
    slice: int
    position: int  # 0: ran first on its slice in this round
    timing: Timing


@dataclass(frozen=True, slots=True)
class Spread:
    """Median, quartiles and extremes of a sample."""

    median: float
    q1: float
    q3: float
    low: float
    high: float
    n: int

    @classmethod
    def of(cls, values: Sequence[float]) -> Spread:
        if not values:
            raise ValueError("no values")
        if len(values) == 1:
            v = values[0]
            return cls(v, v, v, v, v, 1)
        q1, median, q3 = statistics.quantiles(values, n=4, method="inclusive")
        return cls(median, q1, q3, min(values), max(values), len(values))

    def as_dict(self) -> dict[str, float | int]:
        return {
            "median": self.median,
            "q1": self.q1,
            "q3": self.q3,
            "min": self.low,
            "max": self.high,
            "n": self.n,
        }

    def text(self, unit: str = "x", digits: int = 2) -> str:
        f = f"{{:.{digits}f}}"
        return (
            f"{f.format(self.median)}{unit} (quartiles {f.format(self.q1)}-{f.format(self.q3)}, "
            f"min {f.format(self.low)}, max {f.format(self.high)}, n={self.n})"
        )


def summary(values: Sequence[float]) -> dict[str, Any] | None:
    """``Spread.of(values)`` as a dict, with the values themselves (None when there are none)."""
    return {**Spread.of(values).as_dict(), "values": list(values)} if values else None


def rotation(names: Sequence[str], round_: int, slice_: int) -> list[str]:
    """The order in which the contenders run slice *slice_* of round *round_*: rotated by one
    from slice to slice and from round to round, so that over ``len(names)`` rounds each slice
    has been run with each contender first."""
    shift = (round_ + slice_) % len(names)
    return [*names[shift:], *names[:shift]]


@dataclass(slots=True)
class PairedRun:
    names: list[str]
    slices: int
    rounds: int
    trials: list[Trial] = field(default_factory=list)

    def _by_key(self, name: str) -> dict[tuple[int, int], Timing]:
        return {(t.round, t.slice): t.timing for t in self.trials if t.contender == name}

    def ratios(
        self,
        num: str,
        den: str,
        cpu: bool = False,
        keep: Callable[[Timing, Timing], bool] | None = None,
    ) -> list[float]:
        """time(*num*) / time(*den*) for each (round, slice), in run order: how many times
        faster *den* is than *num*. *keep* (given both timings) leaves pairs out."""
        a, b = self._by_key(num), self._by_key(den)
        out = []
        for key in sorted(a):
            ta, tb = a[key], b.get(key)
            if tb is None or (keep is not None and not keep(ta, tb)):
                continue
            x, y = (ta.cpu, tb.cpu) if cpu else (ta.wall, tb.wall)
            if x is not None and y:
                out.append(x / y)
        return out

    def ratio(self, num: str, den: str, cpu: bool = False) -> Spread | None:
        values = self.ratios(num, den, cpu)
        return Spread.of(values) if values else None

    def total(self, name: str, cpu: bool = False) -> float:
        """Seconds *name* spent over every timed slice of every round."""
        values = [t.timing.cpu if cpu else t.timing.wall for t in self.trials if t.contender == name]
        return sum(v for v in values if v is not None)

    def times(self, name: str) -> list[Timing]:
        return [t.timing for t in self.trials if t.contender == name]

    def as_dict(self) -> dict[str, Any]:
        return {
            "contenders": self.names,
            "slices": self.slices,
            "rounds": self.rounds,
            "trials": [
                {
                    "contender": t.contender,
                    "round": t.round,
                    "slice": t.slice,
                    "position": t.position,
                    "wall": t.timing.wall,
                    "cpu": t.timing.cpu,
                    "other_load": t.timing.other_load,
                }
                for t in self.trials
            ],
        }


def run_paired(
    contenders: Sequence[Contender],
    slices: int,
    rounds: int,
    warmup: int = 1,
    collect: bool = True,
) -> PairedRun:
    """Time every contender on every slice, back to back, the order rotating (``rotation``),
    all slices *rounds* times; *warmup* slices are run once by every contender first, untimed
    (imports, caches, the first allocation of everything). A garbage collection before each
    slice (*collect*), outside its timing, so that no contender pays for another's garbage; the
    objects alive when the timed rounds start are frozen (``gc.freeze``) until they end."""
    if not contenders:
        raise ValueError("no contenders")
    names = [c.name for c in contenders]
    if len(set(names)) != len(names):
        raise ValueError(f"contender names must differ: {names}")
    by_name = {c.name: c for c in contenders}
    for s in range(min(warmup, slices)):
        for c in contenders:
            c.measure(s)
    run = PairedRun(names, slices, rounds)
    # What lives now (the inputs: texts, parsed documents) is frozen out of the collector, so
    # that a collection before a slice costs milliseconds, not a walk of 10,000 documents, and
    # the collections during a slice walk that contender's own objects only.
    gc.collect()
    gc.freeze()
    try:
        for r in range(rounds):
            for s in range(slices):
                for position, name in enumerate(rotation(names, r, s)):
                    if collect:
                        gc.collect()
                    run.trials.append(Trial(name, r, s, position, by_name[name].measure(s)))
    finally:
        gc.unfreeze()
    return run


def time_call(fn: Callable[[], object]) -> Timing:
    """Wall (``perf_counter``) and CPU (``process_time``: this process, all threads) of *fn*()."""
    cpu, wall = time.process_time(), time.perf_counter()
    fn()
    wall2, cpu2 = time.perf_counter(), time.process_time()
    return Timing(wall2 - wall, cpu2 - cpu)


def rates(
    run: PairedRun, name: str, files_per_slice: Sequence[int], bytes_per_slice: Sequence[int]
) -> dict[str, float]:
    """files/s and MB/s of *name* over all its timed slices (the sum of the files and bytes it
    processed over the sum of its wall seconds), and the same in CPU time."""
    files = size = 0
    for t in run.trials:
        if t.contender == name:
            files += files_per_slice[t.slice]
            size += bytes_per_slice[t.slice]
    wall, cpu = run.total(name), run.total(name, cpu=True)
    return {
        "seconds": wall,
        "cpu_seconds": cpu,
        "files": files,
        "files_per_s": files / wall if wall else 0.0,
        "mb_per_s": size / 1e6 / wall if wall else 0.0,
        "cpu_files_per_s": files / cpu if cpu else 0.0,
    }


def bounds(count: int, size: int) -> list[tuple[int, int]]:
    """[start, stop) of consecutive slices of *size* items over *count* items; a last slice of
    less than half a slice joins the one before it."""
    size = max(1, size)
    cuts = list(range(0, count, size))
    out = [(a, min(a + size, count)) for a in cuts]
    if len(out) > 1 and out[-1][1] - out[-1][0] < size / 2:
        (a, _), (_, b) = out[-2], out[-1]
        out[-2:] = [(a, b)]
    return out


# ------------------------------------------------------------------ workers (--compare)

WORKER = r"""
import gc, json, sys, time
import digestformat as df

texts, docs = [], []


def reply(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


for line in sys.stdin:
    req = json.loads(line)
    op = req["op"]
    try:
        if op == "load":
            texts = []
            for path in req["paths"]:
                with open(path, "rb") as handle:
                    texts.append(handle.read().decode("utf-8"))
            docs = [df.parse(text) for text in texts]
            gc.collect()
            gc.freeze()  # the inputs: out of the collector's walks (see run_paired)
            reply({"file": df.__file__, "version": getattr(df, "__version__", None), "files": len(docs)})
            continue
        part = texts[req["start"] : req["stop"]] if op == "parse" else docs[req["start"] : req["stop"]]
        repeat = req.get("repeat", 1)
        parse, render = df.parse, df.render
        gc.collect()
        cpu, wall = time.process_time(), time.perf_counter()
        for _ in range(repeat):
            if op == "parse":
                for text in part:
                    parse(text)
            elif op == "render":
                for doc in part:
                    render(doc)
            elif op == "render_json":
                for doc in part:
                    render(doc, "json")
            else:
                raise ValueError(f"unknown op {op!r}")
        wall2, cpu2 = time.perf_counter(), time.process_time()
        reply({"wall": wall2 - wall, "cpu": cpu2 - cpu})
    except Exception as exc:
        reply({"error": f"{type(exc).__name__}: {exc}"})
"""


class WorkerError(Exception):
    pass


class Worker:
    """A long-lived process with ``PYTHONPATH`` at one revision's ``src/``: it loads the files
    once (texts in memory, and the documents it parses from them), then times parse or render
    of the slices asked for, in its own process (its own imports, caches and heap)."""

    def __init__(self, label: str, src: Path, env: Mapping[str, str]) -> None:
        self.label = label
        self.src = src
        self.proc = subprocess.Popen(
            [sys.executable, "-c", WORKER],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=dict(env),
        )

    @property
    def pid(self) -> int:
        return self.proc.pid

    def _ask(self, request: dict[str, Any]) -> dict[str, Any]:
        assert self.proc.stdin is not None
        assert self.proc.stdout is not None
        try:
            self.proc.stdin.write(json.dumps(request) + "\n")
            self.proc.stdin.flush()
        except BrokenPipeError:
            raise WorkerError(f"{self.label}: the worker died") from None
        line = self.proc.stdout.readline()
        if not line:
            raise WorkerError(f"{self.label}: the worker died (exit {self.proc.poll()})")
        answer: dict[str, Any] = json.loads(line)
        if "error" in answer:
            raise WorkerError(f"{self.label}: {answer['error']}")
        return answer

    def load(self, paths: Sequence[str]) -> dict[str, Any]:
        """Read and parse the files; check the digestformat it imported is *src*'s."""
        answer = self._ask({"op": "load", "paths": list(paths)})
        where = Path(answer["file"]).resolve()
        if not where.is_relative_to(self.src.resolve()):
            raise WorkerError(f"{self.label}: imported digestformat from {where}, not from {self.src}")
        return answer

    def time(self, op: str, start: int, stop: int, repeat: int = 1) -> Timing:
        answer = self._ask({"op": op, "start": start, "stop": stop, "repeat": repeat})
        return Timing(float(answer["wall"]), float(answer["cpu"]))

    def close(self) -> None:
        if self.proc.stdin is not None:
            with contextlib.suppress(BrokenPipeError):
                self.proc.stdin.close()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        if self.proc.stdout is not None:
            self.proc.stdout.close()


def worker_contender(
    worker: Worker, op: str, cuts: Sequence[tuple[int, int]], repeat: int = 1, name: str | None = None
) -> Contender:
    """*worker* timing *op* on slice s (``cuts[s]``), each file *repeat* times."""

    def measure(s: int) -> Timing:
        start, stop = cuts[s]
        return worker.time(op, start, stop, repeat)

    return Contender(name or worker.label, measure)
