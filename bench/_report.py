"""The printed report of ``bench/run.py`` (the figures themselves: ``--json``)."""

from __future__ import annotations

from typing import Any

from _archive import ROOT
from _machine import BUSY_CORES

_BUSY = BUSY_CORES


def _n(value: float) -> str:
    return f"{value:,.0f}"


def _row(label: str, value: str, note: str = "") -> None:
    print(f"  {label:<44}{value:>15}{'  ' + note if note else ''}")


def spread(s: dict[str, Any] | None, unit: str = "x") -> str:
    """'4.59x [4.40-4.75] (3.91..5.20, n=150)': median [quartiles] (min..max, n)."""
    if not s:
        return "n/a"
    return (
        f"{s['median']:.2f}{unit} [{s['q1']:.2f}-{s['q3']:.2f}] ({s['min']:.2f}..{s['max']:.2f}, n={s['n']})"
    )


def _load(x: float | None) -> str:
    if x is None:
        return "other load unknown (no /proc/stat)"
    return f"other load {x:.2f} cores" + (" (BUSY)" if x > _BUSY else "")


def _header(fig: dict[str, Any]) -> None:
    m = fig["machine"]

    def load(key: str) -> str:
        return "/".join(f"{x:.2f}" for x in m[key]) if m.get(key) else "?"

    print(f"  machine: {m['cpu']}, {m['cores']} cores ({m['usable_cores']} usable), {m['python']}")
    print(f"  load average (1/5/15 min): {load('load_start')} at start, {load('load_end')} at end")
    if "other_load_cores" in m:
        took = f"; the run took {m['run_seconds'] / 60:.1f} minutes" if "run_seconds" in m else ""
        print(
            f"  over the whole run: {_load(m['other_load_cores'])} (machine busy time less ours, "
            f"/proc/stat){took}"
        )
    if "workdir" in m:
        print(f"  work folder: {m['workdir']}")
    src = m["digestformat_from"]
    mine = src == str(ROOT / "src")
    print(f"  digestformat imported from {src}" + ("" if mine else f"  (NOT this checkout's {ROOT / 'src'})"))
    print(f"  git {m['git'] or '?'}; " + ", ".join(f"{k} {v}" for k, v in m["versions"].items() if v))


def _method(rounds: int) -> None:
    print(
        "\nEvery comparison is paired: the contenders run the same slice back to back, the order rotating,\n"
        f"every slice {rounds} times; 'A / B' is the median of the per-slice ratios time(A) / time(B),\n"
        "[quartiles] (min..max, n = slices x rounds). Rates are totals over the same slices."
    )


def _rates(block: dict[str, Any], labels: dict[str, str]) -> None:
    print(f"  {'':<44}{'files/s':>15}{'MB/s':>9}{'files per CPU-s':>17}")
    for key, label in labels.items():
        r = block["rates"].get(key)
        if r is None:
            continue
        print(f"  {label:<44}{_n(r['files_per_s']):>15}{r['mb_per_s']:>9.2f}{_n(r['cpu_files_per_s']):>17}")


PARSERS = {
    "digestformat": "digestformat.parse(text)",
    "markdown-it-py": "MarkdownIt().parse(text)",
    "mistune": "mistune, create_markdown(renderer=None)",
    "digestformat (again)": "digestformat.parse(text), control",
}


def print_report(fig: dict[str, Any]) -> None:
    a = fig["archive"]
    print()
    print(f"digestformat benchmark: {_n(a['files'])} files, {a['mb']:.1f} MB (1 MB = 10^6 bytes of UTF-8)")
    layouts = ", ".join(f"{k} {_n(v)}" for k, v in a["per_layout"].items())
    print(
        f"  archive: {layouts}; from {a['fixtures']} fixtures, seed {a['seed']}, made in {a['seconds']:.1f} s"
    )
    _header(fig)
    p = fig["parse"]
    _method(p["rounds"])

    print(
        f"\nparse: the archive, str in memory (decoding excluded), {p['slices']} slices of "
        f"{p['slice_files']} files x {p['rounds']} rounds; {_load(p['load']['other_load_cores'])}"
    )
    _rates(p, PARSERS)
    for name, ratio in p["ratios"].items():
        print(f"  {name} / digestformat: {spread(ratio['wall'])}; CPU {spread(ratio['cpu'])}")
    for name, why in p["skipped"].items():
        print(f"  {name}: skipped, {why}")
    h = fig["headings"]
    print(f"  heading lines, scan() = markdown-it: {h['agree']}/{h['sampled']} files")
    if h["agree"] != h["sampled"]:
        print(f"    first differences (file, only ours, only markdown-it): {h['examples']}")

    print(
        "\nparse: each real sample (tests/fixtures/LAYOUT/valid/sample.md), the file parsed again and again"
    )
    for layout, block in fig["samples"].items():
        r = block["rates"]["digestformat"]
        print(
            f"  {layout}: {block['bytes']:,} bytes, x{block['repeat']} per slice, "
            f"{block['slices']} slices x {block['rounds']} rounds; digestformat "
            f"{_n(r['files_per_s'])} files/s, {r['mb_per_s']:.2f} MB/s; "
            f"{_load(block['load']['other_load_cores'])}"
        )
        for name, ratio in block["ratios"].items():
            print(f"    {name} / digestformat: {spread(ratio['wall'])}; CPU {spread(ratio['cpu'])}")

    r = fig["render"]
    print(
        f"\nrender: every parsed document, {r['slices']} slices x {r['rounds']} rounds (MB/s of output); "
        f"{_load(r['load']['other_load_cores'])}"
    )
    _rates(r, {"render(doc)": "render(doc)", "render(doc, 'json')": "render(doc, 'json')"})

    _print_jobs(fig["jobs"])
    _print_pandoc(fig["pandoc"], a["files"])
    for key in ("memory", "memory_big"):
        if key in fig:
            _print_memory(fig[key])
    _print_targets(fig["targets"])


def _print_jobs(g: dict[str, Any]) -> None:
    print(
        f"\nmigrate --to json over the archive: --jobs 1 vs --jobs 2, alternating, {g['rounds']} rounds each"
    )
    print(f"  {'round':<7}{'':<10}{'wall s':>9}{'CPU s':>9}  other load (cores)")
    for run in g["runs"]:
        load = "?" if run["other_load_cores"] is None else f"{run['other_load_cores']:.2f}"
        print(
            f"  {run['round']:<7}{run['jobs']:<10}{run['wall_s']:>9.2f}{run['cpu_s'] or 0:>9.2f}  {load}"
            + ("  BUSY" if run["busy"] else "")
        )
    for name in ("--jobs 1", "--jobs 2"):
        x = g[name]
        print(
            f"  {name}: median {x['wall_s']:.2f} s wall, {x['cpu_s']:.2f} s CPU, "
            f"{_n(x['files_per_s'])} files/s"
        )
    busy = sum(1 for run in g["runs"] if run["busy"])
    print(f"  --jobs 1 / --jobs 2, wall, all rounds: {spread(g['ratio'])}")
    if g["ratio_quiet"]:
        print(f"  --jobs 1 / --jobs 2, wall, quiet rounds only: {spread(g['ratio_quiet'])}")
    else:
        print("  --jobs 1 / --jobs 2, quiet rounds only: none (every round had a busy run)")
    print(f"  CPU of --jobs 2 / CPU of --jobs 1 (the pool's overhead): {spread(g['cpu_ratio'])}")
    if busy:
        print(
            f"  {busy} of {len(g['runs'])} runs had other load > {g['busy_above_cores']} cores: another "
            "process held (part of) the second core, and --jobs 2 could not have it all"
        )
    else:
        print(f"  no run had other load > {g['busy_above_cores']} cores: the second core was ours")


def _print_pandoc(pd: dict[str, Any], files: int) -> None:
    if "skipped" in pd:
        print(f"\npandoc: comparison skipped ({pd['skipped']})")
        return
    print(
        "\npandoc -f commonmark_x -t json FILE vs python -m digestformat convert FILE --to json:\n"
        f"  a process per file for both, {pd['files']} files spread over the archive, "
        f"{pd['slices']} slices x {pd['rounds']} rounds"
    )
    for name, r in pd["rates"].items():
        ms = r["seconds"] / r["files"] * 1000
        cpu = r["cpu_seconds"] / r["files"] * 1000
        _row(name, f"{ms:.1f} ms/file", f"{cpu:.1f} ms CPU/file")
    print(f"  pandoc / digestformat convert: {spread(pd['ratio'])}; CPU {spread(pd['cpu_ratio'])}")
    if pd["failed"]:
        print(f"  pandoc failed {pd['failed']} times; first failure: {pd['first_error']}")
    if "vs_migrate" in pd:
        print(
            f"  pandoc extrapolated to {_n(files)} files: {pd['extrapolated_s']:.1f} s, vs migrate --jobs 1 "
            f"{pd['migrate_jobs1_s']:.1f} s: {pd['vs_migrate']:.1f}x wall, {pd['vs_migrate_cpu']:.1f}x CPU "
            "(derived from two sections, not paired)"
        )


def _print_memory(mem: dict[str, Any]) -> None:
    big, small = mem["big_files"], mem["small_files"]
    print(f"\npeak memory (max RSS) of migrate --to F --jobs 1 --quiet, via {mem['method']}")
    print(f"  {'--to':<12}{_n(big) + ' files':>16}{_n(small) + ' files':>16}{'ratio':>9}")
    for to, row in mem["formats"].items():
        ratio = "n/a" if row["ratio"] is None else f"{row['ratio']:.2f}x"
        print(f"  {to:<12}{row['big_kib'] / 1024:>12.1f} MiB{row['small_kib'] / 1024:>12.1f} MiB{ratio:>9}")


def _print_targets(targets: list[dict[str, Any]]) -> None:
    print("\ntargets")
    for t in targets:
        sign = ">=" if t["at_least"] else "<="
        value = "n/a" if t["value"] is None else f"{t['value']:.2f}x"
        note = f" ({t['note']})" if t.get("note") else ""
        _row(t["name"], value, f"target {sign} {t['bound']:g}x  {t['status']}{note}")
    statuses = [t["status"] for t in targets]
    print(f"  {statuses.count('MET')} met, {statuses.count('MISSED')} missed, {statuses.count('N/A')} n/a")


def print_compare(fig: dict[str, Any]) -> None:
    a = fig["archive"]
    rev = fig["rev"]
    print()
    print(
        f"this checkout vs {rev} ({fig['rev_commit'][:12]}): "
        f"{_n(a['files'])} files, {a['bytes'] / 1e6:.1f} MB"
    )
    print(f"  archive made by {a['made_by']}, seed {a['seed']}")
    _header(fig)
    for label, w in fig.get("workers", {}).items():
        print(f"  worker '{label}': digestformat {w['version']} from {w['digestformat']}")
    rounds = fig["parse"]["rounds"]
    _method(rounds)
    print(f"'{rev} / this' above 1: this checkout is faster. Each revision in a worker process of its own;")
    print("MB/s counts the Markdown files (the input) for all three.")
    for op in ("parse", "render", "render_json"):
        block = fig[op]
        print(
            f"\n{block['what']}: {block['slices']} slices x {block['rounds']} rounds, each file "
            f"x{block.get('repeat', 1)} per slice; "
            f"{_load(block['load']['other_load_cores'])}"
        )
        _rates(block, {label: label for label in block["rates"]})
        print(f"  {rev} / this: {spread(block['speedup'])}; CPU {spread(block['speedup_cpu'])}")
        if block.get("control"):
            print(f"  control, {rev} (again) / {rev}: {spread(block['control'])}")
    g = fig["migrate"]
    print("\nmigrate --to json --jobs 1 over the archive, a subprocess per revision, alternating")
    if "error" in g:
        print(f"  failed: {g['error']}")
        return
    for label in (k for k in g if isinstance(g[k], dict) and "wall_s" in g[k]):
        print(f"  {label}: median {g[label]['wall_s']:.2f} s, {_n(g[label]['files_per_s'])} files/s")
    print(f"  {rev} / this: {spread(g['speedup'])}; CPU {spread(g['speedup_cpu'])}")
    if g.get("control"):
        print(f"  control, {rev} (again) / {rev}: {spread(g['control'])}")
    print(f"  {g['busy_runs']} of {g['runs']} runs had other load > {_BUSY} cores")
