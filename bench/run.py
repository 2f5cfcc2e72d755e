#!/usr/bin/env python3
"""Benchmark digestformat on a synthetic archive built from the test fixtures, measured paired.

Run from a clone, after ``pip install -e .``::

    python bench/run.py                  # 10,000 files, the full run (5-10 minutes)
    python bench/run.py --quick          # 1,000 files, fewer rounds: a smoke run (about a minute)
    python bench/run.py --compare REV    # this checkout against another git revision

Every comparison is paired (``bench/_paired.py``): the contenders run the same slice of files back
to back, the order rotating, and the median of the per-slice ratios is reported with its spread.
See bench/README.md for the method and what each figure means. The exit status is 0 when the
benchmark ran (whether or not the targets were met), 1 on an error, 130 when interrupted.
"""

from __future__ import annotations

import argparse
import importlib
import json
import math
import os
import random
import shutil
import signal
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from types import FrameType
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

try:
    from markdown_it import MarkdownIt

    import digestformat as df
    from digestformat import _frontmatter, _text
    from digestformat._scan import Kind, scan
except ImportError as exc:  # pragma: no cover
    sys.exit(f"bench: {exc}: install the project first (pip install -e .)")

import _machine as mach
import _report
from _archive import FIXTURES, LAYOUTS, ROOT, Archive, BenchError, Fixture, generate, load_fixtures
from _paired import Contender, PairedRun, bounds, rates, run_paired, summary, time_call
from _processes import DF_SRC, bench_jobs, bench_memory, bench_pandoc

__all__ = ["FIXTURES", "LAYOUTS", "ROOT", "Archive", "BenchError", "Fixture", "generate", "load_fixtures"]

try:
    from digestformat._names import FORMATS
except ImportError:  # pragma: no cover - an older digestformat
    FORMATS = ("tagged", "translated", "imrad", "review", "json", "rss", "atom", "jsonfeed")

TARGET_PARSE = 6.0  # markdown-it-py's time / ours, median of the per-slice ratios
AIM_PARSE = 8.0
TARGET_PANDOC = 20.0  # pandoc's time (extrapolated) / migrate --jobs 1's, wall
TARGET_JOBS = 1.7  # migrate --jobs 1's wall time / --jobs 2's (on 2 cores)
TARGET_MEMORY = 1.2  # max RSS at N files / at N/10 files
MB = 1_000_000


def target(name: str, value: float | None, bound: float, at_least: bool, note: str = "") -> dict[str, Any]:
    if value is None:
        status = "N/A"
    elif at_least:
        status = "MET" if value >= bound else "MISSED"
    else:
        status = "MET" if value <= bound else "MISSED"
    return {
        "name": name,
        "value": value,
        "bound": bound,
        "at_least": at_least,
        "status": status,
        "note": note,
    }


def _stage(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# ------------------------------------------------------------------ in-process comparisons


def _parsers() -> dict[str, Callable[[str], object] | str]:
    """The parse contenders: a callable, or why it is skipped."""
    found: dict[str, Callable[[str], object] | str] = {
        "digestformat": df.parse,
        "markdown-it-py": MarkdownIt().parse,
    }
    try:
        mistune = importlib.import_module("mistune")
        found["mistune"] = mistune.create_markdown(renderer=None)  # the AST: block and inline tokens
    except ImportError:
        found["mistune"] = "not installed (pip install mistune)"
    return found


def _loop(fn: Callable[[Any], object], part: Sequence[Any]) -> Callable[[], None]:
    def body() -> None:
        for item in part:
            fn(item)

    return body


def _contender(name: str, fn: Callable[[Any], object], parts: Sequence[Sequence[Any]]) -> Contender:
    return Contender(name, lambda s: time_call(_loop(fn, parts[s])))


def paired_in_process(
    fns: dict[str, Callable[[Any], object]],
    parts: Sequence[Sequence[Any]],
    sizes: Sequence[int],
    rounds: int,
    reference: str,
) -> tuple[PairedRun, dict[str, Any]]:
    """Every function over every part (a slice), paired; figures against *reference*."""
    contenders = [_contender(name, fn, parts) for name, fn in fns.items()]
    with mach.Section() as section:
        run = run_paired(contenders, len(parts), rounds)
    counts = [len(p) for p in parts]
    out: dict[str, Any] = {
        "slices": len(parts),
        "rounds": rounds,
        "slice_files": max(counts),
        "rates": {name: rates(run, name, counts, sizes) for name in fns},
        "ratios": {},
        "load": section.figures(),
    }
    for name in fns:
        if name != reference:
            out["ratios"][name] = {
                "wall": summary(run.ratios(name, reference)),
                "cpu": summary(run.ratios(name, reference, cpu=True)),
            }
    return run, out


def bench_parse(texts: list[str], rounds: int, slice_files: int, control: bool) -> dict[str, Any]:
    found = _parsers()
    fns = {k: v for k, v in found.items() if callable(v)}
    if control:
        fns["digestformat (again)"] = df.parse
    cuts = bounds(len(texts), slice_files)
    parts = [texts[a:b] for a, b in cuts]
    sizes = [sum(len(t.encode("utf-8")) for t in part) for part in parts]
    run, out = paired_in_process(fns, parts, sizes, rounds, "digestformat")
    out["skipped"] = {k: v for k, v in found.items() if isinstance(v, str)}
    out["trials"] = run.as_dict()["trials"]
    return out


def bench_samples(rounds: int, slices: int, slice_bytes: int, control: bool) -> dict[str, Any]:
    """Each of the four real samples (tests/fixtures/LAYOUT/valid/sample.md), parsed over and over."""
    found = _parsers()
    fns = {k: v for k, v in found.items() if callable(v)}
    if control:
        fns["digestformat (again)"] = df.parse
    out: dict[str, Any] = {}
    for layout in LAYOUTS:
        path = FIXTURES / layout / "valid" / "sample.md"
        data = path.read_bytes()
        text = data.decode("utf-8")
        repeat = max(1, math.ceil(slice_bytes / len(data)))
        parts = [[text] * repeat for _ in range(slices)]
        _, figures = paired_in_process(fns, parts, [len(data) * repeat] * slices, rounds, "digestformat")
        figures.update({"file": str(path.relative_to(ROOT)), "bytes": len(data), "repeat": repeat})
        out[layout] = figures
    return out


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


def bench_render(docs: list[df.Digest], rounds: int, slice_files: int) -> dict[str, Any]:
    cuts = bounds(len(docs), slice_files)
    parts = [docs[a:b] for a, b in cuts]
    md_sizes = [sum(len(df.render(d).encode("utf-8")) for d in p) for p in parts]
    json_sizes = [sum(len(df.render(d, "json").encode("utf-8")) for d in p) for p in parts]
    fns: dict[str, Callable[[Any], object]] = {
        "render(doc)": df.render,
        "render(doc, 'json')": lambda d: df.render(d, "json"),
    }
    run, out = paired_in_process(fns, parts, md_sizes, rounds, "render(doc)")
    counts = [len(p) for p in parts]
    out["rates"]["render(doc, 'json')"] = rates(run, "render(doc, 'json')", counts, json_sizes)
    out["json_bytes"] = sum(json_sizes)
    out["ratios"] = {}  # not a contest: two rates measured the same way
    return out


# ------------------------------------------------------------------ the run


def _options(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Benchmark digestformat on a synthetic archive, paired.")
    add = parser.add_argument
    add(
        "--files",
        type=int,
        help="files in the archive (default 10,000; 1,000 with --quick; 4,000 with --compare)",
    )
    add("--quick", action="store_true", help="1,000 files and fewer rounds: a smoke run")
    add("--compare", metavar="REV", help="only compare this checkout with git revision REV, paired")
    add("--control", action="store_true", help="also a contender against itself: the method's own spread")
    add("--big", action="store_true", help="also peak memory at 50,000 vs 10,000 files (a few more minutes)")
    add("--keep", action="store_true", help="keep the temp folder (archive) and print it")
    add("--skip-pandoc", action="store_true", help="leave out the pandoc comparison")
    add("--json", metavar="PATH", help="also write every figure as JSON to PATH")
    add("--seed", type=int, default=2026, help="seed of the archive (default 2026)")
    add("--workdir", metavar="DIR", help="where the archive and outputs go (default: /dev/shm if writable)")
    add("--rounds", type=int, help="rounds of every slice (default 3; 2 with --quick)")
    add("--slice", type=int, help="files per slice (default 200; 100 with --quick)")
    add("--sample-slices", type=int, help="slices per sample file (default 10; 6 with --quick)")
    add("--jobs-rounds", type=int, help="rounds of migrate --jobs 1 / --jobs 2 (default 4; 3 with --quick)")
    add("--pandoc-files", type=int, help="files given to pandoc and convert (default 60; 20 with --quick)")
    add("--sample", type=int, help="files in the heading check (default 500; 200 with --quick)")
    add(
        "--formats",
        help=f"comma-separated --to formats of the memory figures (default all: {','.join(FORMATS)})",
    )
    args = parser.parse_args(argv)
    quick = args.quick
    args.files = args.files or (1_000 if quick else 4_000 if args.compare else 10_000)
    args.rounds = args.rounds or (2 if quick else 3)
    args.slice = args.slice or (100 if quick else 200)
    args.sample_slices = args.sample_slices or (6 if quick else 10)
    args.jobs_rounds = args.jobs_rounds or (3 if quick else 4)
    args.pandoc_files = args.pandoc_files or (20 if quick else 60)
    args.sample = args.sample or (200 if quick else 500)
    args.formats = (
        [f.strip() for f in args.formats.split(",") if f.strip()] if args.formats else list(FORMATS)
    )
    unknown = sorted(set(args.formats) - set(FORMATS))
    if unknown:
        parser.error(f"--formats: unknown {', '.join(unknown)} (known: {', '.join(FORMATS)})")
    if args.files < 10:
        parser.error("--files: at least 10")
    if min(args.rounds, args.slice, args.sample_slices, args.jobs_rounds, args.pandoc_files, args.sample) < 1:
        parser.error(
            "--rounds, --slice, --sample-slices, --jobs-rounds, --pandoc-files, --sample: at least 1"
        )
    return args


def _archive_figures(archive: Archive, seed: int) -> dict[str, Any]:
    return {
        "files": len(archive.rels),
        "bytes": archive.bytes_total,
        "mb": archive.bytes_total / MB,
        "per_layout": archive.per_layout,
        "seed": seed,
        "retries": archive.retries,
        "seconds": archive.seconds,
        "small_files": archive.small,
        "fixtures": archive.fixtures,
    }


def bench(args: argparse.Namespace, work: Path) -> dict[str, Any]:
    pandoc = None if args.skip_pandoc else shutil.which("pandoc")
    fig: dict[str, Any] = {"machine": mach.machine(pandoc, str(DF_SRC)), "options": vars(args).copy()}
    fig["machine"]["workdir"] = f"{work} ({mach.filesystem(work)})"
    started = time.perf_counter()
    with mach.Section() as total:
        _sections(args, work, fig, pandoc)
    fig["machine"]["load_end"] = mach.load_average()
    fig["machine"]["other_load_cores"] = total.other_load
    fig["machine"]["run_seconds"] = time.perf_counter() - started
    fig["targets"] = targets(fig)
    return fig


def _sections(args: argparse.Namespace, work: Path, fig: dict[str, Any], pandoc: str | None) -> None:
    # the children's .pyc, written once before anything is timed (see mach.child_env)
    mach.run_process([sys.executable, "-m", "digestformat", "--version"], mach.child_env(DF_SRC))

    _stage(f"generating {args.files:,} files in {work}")
    archive = generate(work, args.files, max(1, args.files // 10), args.seed)
    fig["archive"] = _archive_figures(archive, args.seed)
    texts = [(archive.root / rel).read_bytes().decode("utf-8") for rel in archive.rels]

    _stage("heading check")
    fig["headings"] = heading_check(texts, args.sample, args.seed)
    _stage(f"parse, paired: {len(texts):,} files in slices of {args.slice}, {args.rounds} rounds")
    fig["parse"] = bench_parse(texts, args.rounds, args.slice, args.control)
    _stage("parse, paired: each of the four sample files")
    fig["samples"] = bench_samples(
        args.rounds, args.sample_slices, 100_000 if args.quick else 200_000, args.control
    )
    _stage("render, paired")
    docs = [df.parse(text) for text in texts]
    fig["render"] = bench_render(docs, args.rounds, args.slice)
    del docs, texts

    _stage(f"migrate --to json --jobs 1 / --jobs 2, {args.jobs_rounds} rounds")
    fig["jobs"] = bench_jobs(archive, work, args.jobs_rounds)
    if pandoc is None:
        fig["pandoc"] = {"skipped": "--skip-pandoc" if args.skip_pandoc else "pandoc not installed"}
    else:
        _stage(f"pandoc vs digestformat convert, a process per file, {args.pandoc_files} files")
        slice_files = 5 if args.quick else 10
        fig["pandoc"] = bench_pandoc(
            pandoc, archive, work, count=args.pandoc_files, slice_files=slice_files, rounds=2
        )

    gnu = mach.gnu_time(work)
    fig["machine"]["gnu_time"] = gnu is not None
    _stage(
        f"peak memory, migrate --jobs 1 --to {','.join(args.formats)}: "
        f"{args.files:,} vs {archive.small:,} files"
    )
    fig["memory"] = bench_memory(archive, work, args.formats, gnu)
    if args.big:
        shutil.rmtree(archive.root, ignore_errors=True)
        shutil.rmtree(archive.small_root, ignore_errors=True)
        _stage("generating 50,000 files (--big)")
        big = generate(work / "big", 50_000, 10_000, args.seed)
        _stage("peak memory: 50,000 vs 10,000 files")
        fig["memory_big"] = bench_memory(big, work, args.formats, gnu)
        shutil.rmtree(work / "big", ignore_errors=True)


def targets(fig: dict[str, Any]) -> list[dict[str, Any]]:
    out = []

    def parse_target(name: str, block: dict[str, Any]) -> dict[str, Any]:
        ratio = block["ratios"].get("markdown-it-py", {})
        wall, cpu = ratio.get("wall"), ratio.get("cpu")
        note = f"aim {AIM_PARSE:g}x" + (f"; in CPU time {cpu['median']:.2f}x" if cpu else "")
        return target(name, wall["median"] if wall else None, TARGET_PARSE, True, note)

    out.append(parse_target("parse: markdown-it-py / digestformat, archive", fig["parse"]))
    for layout, block in fig["samples"].items():
        out.append(parse_target(f"parse: the same, {layout} sample.md", block))
    jobs = fig["jobs"]
    two_cores = (fig["machine"]["usable_cores"] or 1) >= 2
    chosen = jobs["ratio_quiet"] or jobs["ratio"]
    quiet = jobs["ratio_quiet"]["n"] if jobs["ratio_quiet"] else 0
    which = f"{quiet} quiet round{'s' * (quiet != 1)}" if quiet else "all rounds, none quiet"
    if jobs["cpu_ratio"]:
        which += f"; CPU --jobs 2 / --jobs 1 {jobs['cpu_ratio']['median']:.2f}x"
    out.append(
        target(
            "migrate --jobs 1 / --jobs 2, wall",
            chosen["median"] if chosen and two_cores else None,
            TARGET_JOBS,
            True,
            which if two_cores else "one usable core",
        )
    )
    pd = fig["pandoc"]
    if "rates" in pd:
        estimate = pd["rates"]["pandoc"]["seconds"] / pd["rates"]["pandoc"]["files"] * fig["archive"]["files"]
        pd["extrapolated_s"] = estimate
        pd["migrate_jobs1_s"] = jobs["--jobs 1"]["wall_s"]
        pd["vs_migrate"] = estimate / jobs["--jobs 1"]["wall_s"]
        cpu_estimate = (
            pd["rates"]["pandoc"]["cpu_seconds"] / pd["rates"]["pandoc"]["files"] * fig["archive"]["files"]
        )
        pd["vs_migrate_cpu"] = cpu_estimate / jobs["--jobs 1"]["cpu_s"]
        note = f"derived, not paired; in CPU time {pd['vs_migrate_cpu']:.1f}x"
        out.append(
            target(
                "pandoc (extrapolated) / migrate --jobs 1, wall", pd["vs_migrate"], TARGET_PANDOC, True, note
            )
        )
    else:
        out.append(
            target("pandoc (extrapolated) / migrate --jobs 1, wall", None, TARGET_PANDOC, True, pd["skipped"])
        )
    for key in ("memory", "memory_big"):
        if key not in fig:
            continue
        mem = fig[key]
        for to, row in mem["formats"].items():
            name = f"max RSS --to {to}, {mem['big_files']:,} / {mem['small_files']:,} files"
            out.append(target(name, row["ratio"], TARGET_MEMORY, False))
    return out


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
        if args.compare:
            import _compare  # noqa: PLC0415 - only --compare needs it

            fig = _compare.compare(args, work)
            _report.print_compare(fig)
        else:
            fig = bench(args, work)
            _report.print_report(fig)
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
