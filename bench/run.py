#!/usr/bin/env python3
"""Benchmark digestformat on a synthetic archive built from the test fixtures.

Run from a clone, after ``pip install -e .``::

    python bench/run.py              # 10,000 files, the full run
    python bench/run.py --quick      # 1,000 files, fewer repetitions: a smoke run

See bench/README.md for what each figure means. The exit status is 0 when the
benchmark ran (whether or not the targets were met), 1 on an error, 130 when
interrupted.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import hashlib
import json
import os
import platform
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from types import FrameType
from typing import Any

try:
    from markdown_it import MarkdownIt

    import digestformat as df
    from digestformat import _frontmatter, _text
    from digestformat._scan import Kind, scan
except ImportError as exc:  # pragma: no cover
    sys.exit(f"bench: {exc}: install the project first (pip install -e .)")

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
LAYOUTS = ("tagged", "translated", "imrad", "review")
PACKAGES = (
    "digestformat",
    "markdown-it-py",
    "pydantic",
    "pydantic-core",
    "PyYAML",
    "lxml",
    "tqdm",
)

TARGET_PARSE = 5.0  # ours / markdown-it-py, files per second
TARGET_PANDOC = 20.0  # pandoc (extrapolated) / migrate --jobs 1, wall time
TARGET_JOBS = 1.7  # --jobs 1 / --jobs 2, wall time (on 2 cores)
TARGET_MEMORY = 1.2  # max RSS at N files / at N/10 files

BASE_DATE = dt.date(2023, 1, 2)
SPAN_DAYS = 3 * 365
TITLE_SUFFIXES = ("", "", "", "", " Revisited", " v2", " at Scale", " (Extended Version)", ": A Closer Look")
MB = 1_000_000
MIB = 1024 * 1024


class BenchError(Exception):
    """Something went wrong: the benchmark cannot give its figures."""


# ------------------------------------------------------------------ the synthetic archive


@dataclass(frozen=True, slots=True)
class Fixture:
    name: str
    layout: str
    data: bytes


@dataclass(slots=True)
class Archive:
    root: Path  # the folder given to migrate (holds _posts/)
    small_root: Path  # the first `small` files, for the memory comparison
    rels: list[str]  # paths relative to root, in generation order
    small: int
    bytes_total: int = 0
    per_layout: dict[str, int] = field(default_factory=dict)
    retries: int = 0
    seconds: float = 0.0
    fixtures: int = 0


def load_fixtures(root: Path) -> dict[str, list[Fixture]]:
    """Every valid fixture of every layout that parses as that layout without a warning.

    Fixtures that parse only with warnings (invalid YAML front matter, unknown
    sections, stray lines) are left out: pandoc rejects invalid YAML outright.
    """
    found: dict[str, list[Fixture]] = {}
    for layout in LAYOUTS:
        folder = root / layout / "valid"
        fixtures = []
        for path in sorted(folder.glob("*.md")):
            data = path.read_bytes()
            try:
                doc = df.parse(data, strict=True)  # no warnings: front matter any YAML reader takes
            except df.DigestError:
                continue
            if doc.layout == layout:
                fixtures.append(Fixture(f"{layout}/{path.name}", layout, data))
        if not fixtures:
            raise BenchError(f"no valid {layout} fixture in {folder}: run from a clone of the repository")
        found[layout] = fixtures
    return found


def _vary(fixture: Fixture, rng: random.Random, day: dt.date, titles: bool) -> tuple[df.Digest, bytes]:
    """The fixture with its date moved to *day*, its papers shuffled and renumbered,
    upvotes nudged and (when *titles*) a few words added to some titles."""
    doc = df.parse(fixture.data)
    if doc.date is not None:
        doc.date = day
    papers = list(doc.papers)
    if len(papers) > 1:
        rng.shuffle(papers)
        doc.papers = papers
    for position, paper in enumerate(doc.papers, start=1):
        if paper.rank is not None:
            paper.rank = position
        if paper.upvotes is not None:
            paper.upvotes = max(0, paper.upvotes + rng.randint(-25, 25))
        suffix = rng.choice(TITLE_SUFFIXES)
        if titles and suffix:
            paper.title += suffix
    return doc, df.render(doc).encode("utf-8")


def _valid(doc: df.Digest, blob: bytes, layout: str) -> bool:
    """Does *blob* parse back, as *layout*, to *doc*, and render back to itself?"""
    try:
        again = df.parse(blob)
    except df.DigestError:
        return False
    return again.layout == layout and again == doc and df.render(again).encode("utf-8") == blob


def generate(folder: Path, files: int, small: int, seed: int) -> Archive:
    """Write *files* varied digests under folder/archive/_posts/YYYY/MM/ (a Jekyll tree), the
    first *small* of them also under folder/archive-small/. File i depends only on the seed
    and the files before it, so the small archive is the big one's first files."""
    started = time.perf_counter()
    fixtures = load_fixtures(FIXTURES)
    archive = Archive(folder / "archive", folder / "archive-small", [], small)
    archive.fixtures = sum(len(group) for group in fixtures.values())
    seen: set[bytes] = set()
    made: set[Path] = set()
    for i in range(files):
        layout = LAYOUTS[i % len(LAYOUTS)]
        rng = random.Random(seed * 1_000_003 + i)
        day = BASE_DATE + dt.timedelta(days=rng.randrange(SPAN_DAYS))
        fixture = rng.choice(fixtures[layout])
        blob = b""
        for attempt in range(12):
            if attempt and attempt % 2 == 0:
                fixture = rng.choice(fixtures[layout])  # this one would not vary: take another
            doc, blob = _vary(fixture, rng, day, titles=attempt % 2 == 0)
            key = hashlib.sha256(blob).digest()
            if key not in seen and _valid(doc, blob, layout):
                seen.add(key)
                break
            archive.retries += 1
        else:
            raise BenchError(f"could not make file {i} ({layout}) both valid and unlike the others")
        rel = f"_posts/{day:%Y}/{day:%m}/{day.isoformat()}-{layout}-{i:05d}.md"
        targets = [archive.root] if i >= small else [archive.root, archive.small_root]
        for base in targets:
            path = base / rel
            if path.parent not in made:
                path.parent.mkdir(parents=True, exist_ok=True)
                made.add(path.parent)
            path.write_bytes(blob)
        archive.rels.append(rel)
        archive.bytes_total += len(blob)
        archive.per_layout[layout] = archive.per_layout.get(layout, 0) + 1
    archive.seconds = time.perf_counter() - started
    return archive


# ------------------------------------------------------------------ timing helpers


def best_of(reps: int, fn: Callable[[], object]) -> float:
    """The fastest of *reps* runs of *fn*, in seconds (a full collection before each run)."""
    times = []
    for _ in range(reps):
        gc.collect()
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return min(times)


def rate(count: int, size: int, seconds: float) -> dict[str, float]:
    return {
        "seconds": seconds,
        "files_per_s": count / seconds if seconds else 0.0,
        "mb_per_s": size / MB / seconds if seconds else 0.0,
    }


def target(name: str, value: float | None, bound: float, at_least: bool) -> dict[str, Any]:
    if value is None:
        status = "N/A"
    elif at_least:
        status = "MET" if value >= bound else "MISSED"
    else:
        status = "MET" if value <= bound else "MISSED"
    return {"name": name, "value": value, "bound": bound, "at_least": at_least, "status": status}


# ------------------------------------------------------------------ 2. parsing


def heading_check(texts: Sequence[str], sample: int, seed: int) -> dict[str, Any]:
    """For a sample of files: our scanner's heading lines vs markdown-it-py's heading_open tokens.

    Both see the same lines (BOM and line endings as digestformat splits them); the
    YAML front matter, which CommonMark does not know, is blanked out for markdown-it-py
    and skipped by the scanner (as digestformat does), so line numbers still match.
    """
    md = MarkdownIt()
    rng = random.Random(seed)
    picked = sorted(rng.sample(range(len(texts)), min(sample, len(texts))))
    agree = 0
    differ: list[dict[str, Any]] = []
    for index in picked:
        lines = _text.split(texts[index]).lines
        try:
            block = _frontmatter.find(lines)
        except _frontmatter.FrontMatterError as exc:
            raise BenchError(f"file {index}: front matter: {exc.msg}") from None
        start = 0 if block is None else block[1] + 1
        ours = {
            (start + offset, line.level)
            for offset, line in enumerate(scan(lines, start))
            if line.kind is Kind.HEADING
        }
        masked = [""] * start + lines[start:]
        theirs = {
            (token.map[0], int(token.tag[1:]))
            for token in md.parse("\n".join(masked) + "\n")
            if token.type == "heading_open" and token.map is not None
        }
        if ours == theirs:
            agree += 1
        elif len(differ) < 5:
            differ.append(
                {
                    "file": index,
                    "only_ours": sorted(ours - theirs)[:5],
                    "only_markdown_it": sorted(theirs - ours)[:5],
                }
            )
    return {"sampled": len(picked), "agree": agree, "examples": differ}


def bench_parse(texts: list[str], size: int, reps: int) -> dict[str, Any]:
    md = MarkdownIt()
    parse = df.parse
    md_parse = md.parse

    def ours() -> None:
        for text in texts:
            parse(text)

    def theirs() -> None:
        for text in texts:
            md_parse(text)

    ours_s = best_of(reps, ours)
    theirs_s = best_of(reps, theirs)
    result = {
        "digestformat": rate(len(texts), size, ours_s),
        "markdown_it": rate(len(texts), size, theirs_s),
        "ratio": theirs_s / ours_s if ours_s else 0.0,
        "reps": reps,
        "input": "str, decoded before timing (decoding excluded for both)",
    }
    return result


def bench_render(docs: list[df.Digest], size: int, reps: int) -> dict[str, Any]:
    render = df.render

    def same() -> None:
        for doc in docs:
            render(doc)

    def as_json() -> None:
        for doc in docs:
            render(doc, "json")

    out_size = sum(len(render(doc, "json").encode("utf-8")) for doc in docs)
    return {
        "markdown": rate(len(docs), size, best_of(reps, same)),
        "json": rate(len(docs), out_size, best_of(reps, as_json)),
        "json_bytes": out_size,
        "reps": reps,
    }


# ------------------------------------------------------------------ subprocesses


def migrate_cmd(src: Path, dst: Path, to: str, jobs: int) -> list[str]:
    return [
        sys.executable,
        "-m",
        "digestformat",
        "migrate",
        str(src),
        "--to",
        to,
        "--out",
        str(dst),
        "--jobs",
        str(jobs),
        "--quiet",
    ]


def run_checked(cmd: list[str], what: str) -> None:
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-5:]
        raise BenchError(f"{what} exited {proc.returncode}: " + " | ".join(tail))


def timed_migrate(src: Path, dst: Path, to: str, jobs: int, expect: int) -> float:
    """Wall time of one migrate into a fresh *dst* (removed afterwards)."""
    shutil.rmtree(dst, ignore_errors=True)
    started = time.perf_counter()
    run_checked(migrate_cmd(src, dst, to, jobs), f"migrate --to {to} --jobs {jobs}")
    seconds = time.perf_counter() - started
    written = sum(1 for _ in dst.rglob("*.json"))
    shutil.rmtree(dst, ignore_errors=True)
    if written != expect:
        raise BenchError(f"migrate --to {to} --jobs {jobs} wrote {written} files, expected {expect}")
    return seconds


def bench_migrate(archive: Archive, work: Path, reps: int) -> dict[str, Any]:
    """--jobs 1 and --jobs 2, interleaved (so a change in the machine's load hits both)."""
    times: dict[int, list[float]] = {1: [], 2: []}
    for rep in range(reps):
        for jobs in (1, 2):
            dst = work / f"out-json-j{jobs}-{rep}"
            times[jobs].append(timed_migrate(archive.root, dst, "json", jobs, len(archive.rels)))
    j1, j2 = min(times[1]), min(times[2])
    return {
        "jobs1_s": j1,
        "jobs2_s": j2,
        "ratio": j1 / j2 if j2 else 0.0,
        "runs": {str(k): v for k, v in times.items()},
        "reps": reps,
        "files_per_s_jobs1": len(archive.rels) / j1 if j1 else 0.0,
    }


def bench_pandoc(pandoc: str, archive: Archive, work: Path, subset: int, migrate_s: float) -> dict[str, Any]:
    """pandoc -f commonmark_x -t json FILE > OUT, one process per file, over an evenly spread subset."""
    total = len(archive.rels)
    count = min(subset, total)
    picked = [archive.rels[(k * total) // count] for k in range(count)]
    out = work / "pandoc-out"
    out.mkdir(parents=True, exist_ok=True)
    failed: list[int] = []
    started = time.perf_counter()
    for k, rel in enumerate(picked):
        with open(out / f"{k}.json", "wb") as handle:
            proc = subprocess.run(
                [pandoc, "-f", "commonmark_x", "-t", "json", str(archive.root / rel)],
                stdout=handle,
                stderr=subprocess.DEVNULL,
                check=False,
            )
        if proc.returncode != 0:
            failed.append(k)
    seconds = time.perf_counter() - started
    first_error = None
    if failed:  # outside the timing: say why the first one failed
        rel = picked[failed[0]]
        why = subprocess.run(
            [pandoc, "-f", "commonmark_x", "-t", "json", str(archive.root / rel)],
            capture_output=True,
            text=True,
            check=False,
        )
        first_error = f"{rel}: " + " ".join(why.stderr.split())[:200]
    shutil.rmtree(out, ignore_errors=True)
    if len(failed) == count:
        raise BenchError(f"pandoc failed on every file; {first_error}")
    estimate = seconds * total / count
    return {
        "files": count,
        "failed": len(failed),
        "first_error": first_error,
        "subset_s": seconds,
        "estimate_s": estimate,
        "migrate_jobs1_s": migrate_s,
        "ratio": estimate / migrate_s if migrate_s else 0.0,
    }


_RUSAGE_CHILD = """\
import resource, subprocess, sys
code = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode
kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(code, kib // 1024 if sys.platform == "darwin" else kib)
"""


def _gnu_time(work: Path) -> str | None:
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


def peak_rss_kib(cmd: list[str], work: Path, gnu_time: str | None) -> int:
    """Max resident set size of *cmd* (the largest single process of its tree), in KiB."""
    if gnu_time is not None:
        report = work / "time-report"
        timed = [gnu_time, "-f", "%M", "-o", str(report), *cmd]
        proc = subprocess.run(timed, capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            tail = proc.stderr.strip().splitlines()[-3:]
            raise BenchError(f"{' '.join(cmd[2:5])} exited {proc.returncode}: " + " | ".join(tail))
        return int(report.read_text().strip().splitlines()[-1])
    # A fresh child per run: RUSAGE_CHILDREN is the largest of all the children it waited for.
    proc = subprocess.run(
        [sys.executable, "-c", _RUSAGE_CHILD, *cmd], capture_output=True, text=True, check=False
    )
    try:
        code, kib = (int(part) for part in proc.stdout.split())
    except ValueError:
        raise BenchError(f"memory probe failed: {proc.stderr.strip()[-300:]}") from None
    if code != 0:
        raise BenchError(f"{' '.join(cmd[2:5])} exited {code}")
    return kib


def bench_memory(archive: Archive, work: Path) -> dict[str, Any]:
    gnu_time = _gnu_time(work)
    figures: dict[str, Any] = {
        "method": "/usr/bin/time -f %M" if gnu_time else "getrusage(RUSAGE_CHILDREN) in a fresh child",
        "command": "migrate --to rss --jobs 1 --quiet",
    }
    for key, src, count in (
        ("big", archive.root, len(archive.rels)),
        ("small", archive.small_root, archive.small),
    ):
        dst = work / f"out-rss-{key}"
        shutil.rmtree(dst, ignore_errors=True)
        kib = peak_rss_kib(migrate_cmd(src, dst, "rss", 1), work, gnu_time)
        if not (dst / "feed.xml").is_file():
            raise BenchError(f"migrate --to rss wrote no feed.xml for {count} files")
        shutil.rmtree(dst, ignore_errors=True)
        figures[key] = {"files": count, "max_rss_kib": kib}
    figures["ratio"] = figures["big"]["max_rss_kib"] / figures["small"]["max_rss_kib"]
    return figures


# ------------------------------------------------------------------ machine


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith(("model name", "Model", "cpu model")):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown"


def _git() -> str | None:
    try:
        head = subprocess.run(
            ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=False,
        )
        dirty = subprocess.run(
            ["git", "-C", str(ROOT), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            check=False,
        )
    except OSError:
        return None
    if head.returncode != 0:
        return None
    return head.stdout.strip() + ("+dirty" if dirty.stdout.strip() else "")


def _pandoc_version(pandoc: str | None) -> str | None:
    if pandoc is None:
        return None
    proc = subprocess.run([pandoc, "--version"], capture_output=True, text=True, check=False)
    first = proc.stdout.splitlines()[0] if proc.stdout else ""
    return first.removeprefix("pandoc").strip() or None


def machine(pandoc: str | None) -> dict[str, Any]:
    versions: dict[str, str | None] = {}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    versions["pandoc"] = _pandoc_version(pandoc)
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return {
        "cpu": _cpu_model(),
        "cores": os.cpu_count(),
        "usable_cores": usable,
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "platform": platform.platform(),
        "git": _git(),
        "versions": versions,
        "load_start": list(os.getloadavg()) if hasattr(os, "getloadavg") else None,
    }


# ------------------------------------------------------------------ report


def _n(value: float) -> str:
    return f"{value:,.0f}"


def _row(label: str, value: str, note: str = "") -> None:
    print(f"  {label:<42}{value:>15}{'  ' + note if note else ''}")


def print_report(fig: dict[str, Any]) -> None:
    m = fig["machine"]
    a = fig["archive"]

    def load(key: str) -> str:
        return "/".join(f"{x:.2f}" for x in m[key]) if m.get(key) else "?"

    print()
    print(f"digestformat benchmark: {_n(a['files'])} files, {a['mb']:.1f} MB (1 MB = 10^6 bytes of UTF-8)")
    layouts = ", ".join(f"{k} {_n(v)}" for k, v in a["per_layout"].items())
    print(
        f"  archive: {layouts}; from {a['fixtures']} fixtures, seed {a['seed']}, made in {a['seconds']:.1f} s"
    )
    print(f"  machine: {m['cpu']}, {m['cores']} cores ({m['usable_cores']} usable), {m['python']}")
    print(f"  load average (1/5/15 min): {load('load_start')} at start, {load('load_end')} at end")
    print(f"  work folder: {m.get('workdir', '?')}")
    print(f"  git {m['git'] or '?'}; " + ", ".join(f"{k} {v}" for k, v in m["versions"].items() if v))

    p = fig["parse"]
    print(f"\nparse: all files, str in memory (decoding excluded for both), best of {p['reps']}")
    for label, key in (
        ("digestformat.parse(text)", "digestformat"),
        ("MarkdownIt().parse(text)", "markdown_it"),
    ):
        r = p[key]
        _row(label, f"{_n(r['files_per_s'])} files/s", f"{r['mb_per_s']:7.2f} MB/s")
    h = fig["headings"]
    _row("heading lines, scan() = markdown-it", f"{h['agree']}/{h['sampled']} files")
    if h["agree"] != h["sampled"]:
        print(f"    first differences (file, only ours, only markdown-it): {h['examples']}")

    r = fig["render"]
    print(f"\nrender: all parsed docs, best of {r['reps']} (MB/s of output)")
    for label, key in (("render(doc)", "markdown"), ("render(doc, 'json')", "json")):
        x = r[key]
        _row(label, f"{_n(x['files_per_s'])} files/s", f"{x['mb_per_s']:7.2f} MB/s")

    g = fig["migrate"]
    print(f"\nmigrate --to json, whole archive, wall time, best of {g['reps']}")
    _row("--jobs 1", f"{g['jobs1_s']:.2f} s", f"{_n(g['files_per_s_jobs1'])} files/s")
    _row("--jobs 2", f"{g['jobs2_s']:.2f} s")

    pd = fig["pandoc"]
    if pd is None:
        print("\npandoc not installed: comparison skipped")
    elif pd.get("skipped"):
        print(f"\npandoc: comparison skipped ({pd['skipped']})")
    else:
        print("\npandoc -f commonmark_x -t json FILE > OUT, one process per file, once")
        failed = f"{pd['failed']} failed" if pd["failed"] else ""
        _row(f"{_n(pd['files'])} files (spread over the archive)", f"{pd['subset_s']:.2f} s", failed)
        _row(f"extrapolated to {_n(a['files'])} files", f"{pd['estimate_s']:.2f} s")
        if pd["first_error"]:
            print(f"    first failure: {pd['first_error']}")

    mem = fig["memory"]
    print(f"\npeak memory (max RSS) of {mem['command']}, via {mem['method']}")
    for key in ("big", "small"):
        x = mem[key]
        _row(f"{_n(x['files'])} files", f"{x['max_rss_kib'] / 1024:.1f} MiB")

    print("\ntargets")
    for t in fig["targets"]:
        sign = ">=" if t["at_least"] else "<="
        value = "n/a" if t["value"] is None else f"{t['value']:.2f}x"
        _row(t["name"], value, f"target {sign} {t['bound']:g}x  {t['status']}")
    statuses = [t["status"] for t in fig["targets"]]
    print(f"  {statuses.count('MET')} met, {statuses.count('MISSED')} missed, {statuses.count('N/A')} n/a")


# ------------------------------------------------------------------ main


def _options(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Benchmark digestformat on a synthetic archive.")
    parser.add_argument("--files", type=int, help="files in the archive (default 10,000; 1,000 with --quick)")
    parser.add_argument("--quick", action="store_true", help="1,000 files and fewer repetitions")
    parser.add_argument("--keep", action="store_true", help="keep the temp folder (archive) and print it")
    parser.add_argument("--skip-pandoc", action="store_true", help="leave out the pandoc comparison")
    parser.add_argument("--json", metavar="PATH", help="also write the figures as JSON to PATH")
    parser.add_argument("--seed", type=int, default=2026, help="seed of the archive (default 2026)")
    parser.add_argument(
        "--workdir",
        metavar="DIR",
        help="where the archive and outputs go (default: /dev/shm when it is a writable tmpfs, so the "
        "figures measure digestformat rather than the disk; else the system temp folder)",
    )
    parser.add_argument(
        "--pandoc-files", type=int, help="files given to pandoc (default 300; 100 with --quick)"
    )
    parser.add_argument(
        "--sample", type=int, help="files in the heading check (default 500; 200 with --quick)"
    )
    args = parser.parse_args(argv)
    args.files = args.files if args.files is not None else (1_000 if args.quick else 10_000)
    args.pandoc_files = args.pandoc_files or (100 if args.quick else 300)
    args.sample = args.sample or (200 if args.quick else 500)
    if args.files < 10:
        parser.error("--files: at least 10")
    if args.pandoc_files < 1 or args.sample < 1:
        parser.error("--pandoc-files and --sample: at least 1")
    return args


def _stage(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def bench(args: argparse.Namespace, work: Path) -> dict[str, Any]:
    reps = 2 if args.quick else 3
    migrate_reps = 1 if args.quick else 2
    pandoc = None if args.skip_pandoc else shutil.which("pandoc")
    fig: dict[str, Any] = {"machine": machine(pandoc), "options": {"quick": args.quick, "files": args.files}}
    fig["machine"]["workdir"] = f"{work} ({_filesystem(work)})"

    _stage(f"generating {args.files:,} files in {work}")
    archive = generate(work, args.files, max(1, args.files // 10), args.seed)
    fig["archive"] = {
        "files": len(archive.rels),
        "bytes": archive.bytes_total,
        "mb": archive.bytes_total / MB,
        "per_layout": archive.per_layout,
        "seed": args.seed,
        "retries": archive.retries,
        "seconds": archive.seconds,
        "small_files": archive.small,
        "fixtures": archive.fixtures,
    }

    texts = [(archive.root / rel).read_bytes().decode("utf-8") for rel in archive.rels]
    size = archive.bytes_total
    _stage("heading check")
    fig["headings"] = heading_check(texts, args.sample, args.seed)
    _stage(f"parse: digestformat vs markdown-it-py, best of {reps}")
    fig["parse"] = bench_parse(texts, size, reps)
    docs = [df.parse(text) for text in texts]
    _stage(f"render, best of {reps}")
    fig["render"] = bench_render(docs, size, reps)
    del docs, texts
    gc.collect()

    _stage(f"migrate --to json --jobs 1 / --jobs 2, best of {migrate_reps}")
    fig["migrate"] = bench_migrate(archive, work, migrate_reps)

    if args.skip_pandoc:
        fig["pandoc"] = {"skipped": "--skip-pandoc"}
    elif pandoc is None:
        _stage("pandoc not installed: comparison skipped")
        fig["pandoc"] = None
    else:
        _stage(f"pandoc on {min(args.pandoc_files, args.files)} files")
        fig["pandoc"] = bench_pandoc(pandoc, archive, work, args.pandoc_files, fig["migrate"]["jobs1_s"])

    _stage(f"peak memory, migrate --to rss on {args.files:,} and {archive.small:,} files")
    fig["memory"] = bench_memory(archive, work)

    fig["machine"]["load_end"] = list(os.getloadavg()) if hasattr(os, "getloadavg") else None
    pd = fig["pandoc"]
    two_cores = (fig["machine"]["usable_cores"] or 1) >= 2
    fig["targets"] = [
        target("parse: digestformat / markdown-it-py", fig["parse"]["ratio"], TARGET_PARSE, True),
        target(
            "pandoc (extrapolated) / migrate --jobs 1",
            pd["ratio"] if pd and "ratio" in pd else None,
            TARGET_PANDOC,
            True,
        ),
        target(
            "migrate --jobs 1 / --jobs 2",
            fig["migrate"]["ratio"] if two_cores else None,
            TARGET_JOBS,
            True,
        ),
        target(
            f"max RSS, {args.files:,} / {archive.small:,} files",
            fig["memory"]["ratio"],
            TARGET_MEMORY,
            False,
        ),
    ]
    return fig


def _filesystem(path: Path) -> str:
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


def _workdir(chosen: str | None) -> str | None:
    """The folder for the temp archive: --workdir, else /dev/shm if usable, else the default."""
    if chosen:
        return chosen
    shm = Path("/dev/shm")
    if shm.is_dir() and os.access(shm, os.W_OK):
        return str(shm)
    return None


def _on_signal(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def main(argv: Sequence[str] | None = None) -> int:
    args = _options(argv)
    signal.signal(signal.SIGTERM, _on_signal)
    work = Path(tempfile.mkdtemp(prefix="digestformat-bench-", dir=_workdir(args.workdir)))
    try:
        fig = bench(args, work)
        print_report(fig)
        if args.json:
            Path(args.json).write_text(json.dumps(fig, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
            print(f"\nfigures written to {args.json}")
    except BenchError as exc:
        print(f"bench: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("bench: interrupted", file=sys.stderr)
        return 130
    except OSError as exc:
        print(f"bench: error: {exc}", file=sys.stderr)
        return 1
    finally:
        if args.keep:
            print(f"kept {work} (archive in {work / 'archive'})", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
