"""The ``digestformat`` command: a thin shell over the public API.

``run(argv)`` returns the exit code (0 ok, 1 bad input, 2 bad usage) and never
lets a traceback through; ``main()`` is the console entry point.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

from . import _lint
from ._api import FORMATS, detect, find_config, load_config, parse, render
from ._config import Config
from ._io import contained, write_atomic
from ._posts import named_posts
from .archive import MigrateLocked, Options, migrate
from .errors import DigestError
from .model import Digest

__all__ = ["main", "run"]

EXAMPLES = """\
examples:
  digestformat convert 2026-02-16.md --to json          Markdown -> JSON on stdout
  digestformat convert digest.json --to tagged -o out.md JSON -> the tagged layout
  digestformat convert 2026-02-16.md --to review -o _posts/ one review post per paper
  digestformat convert 2026-02-16.md --to rss           RSS 2.0 (also atom, jsonfeed)
  cat post.md | digestformat convert - --to json         read standard input
  digestformat detect _posts/*.md                        PATH<TAB>layout per file
  digestformat check _posts/*.md                         verify every file round-trips
  digestformat schema                                    the JSON Schema of the model

exit status: 0 success, 1 bad input (PATH:LINE:COL: message on stderr), 2 bad usage.
"""


class _UsageError(Exception):
    def __init__(self, parser: argparse.ArgumentParser, message: str) -> None:
        super().__init__(f"{parser.prog}: {message}")
        self.parser = parser


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise _UsageError(self, message)


def _build() -> _Parser:
    parser = _Parser(
        prog="digestformat",
        description="Read, write and convert Markdown digests of AI papers, byte for byte.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    strict_help = "treat every warning as an error"
    config_help = "the config file (default: digestformat.toml or pyproject.toml, found upward)"

    convert = sub.add_parser(
        "convert",
        help="convert one file",
        description="Convert one digest to another format.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    convert.add_argument("input", metavar="INPUT", help="a file, or - for standard input")
    convert.add_argument(
        "--to",
        default="json",
        choices=FORMATS,
        metavar="FORMAT",
        help=f"{', '.join(FORMATS)} (default: json)",
    )
    convert.add_argument(
        "--from",
        dest="source",
        choices=FORMATS,
        metavar="LAYOUT",
        help="the input's format (default: detected)",
    )
    convert.add_argument("-o", "--output", metavar="OUTPUT", help="write here instead of standard output")
    convert.add_argument("--strict", action="store_true", help=strict_help)
    convert.add_argument("--config", metavar="PATH", help=config_help)

    detect_p = sub.add_parser("detect", help="print each file's layout", description="Print PATH<TAB>layout.")
    detect_p.add_argument("inputs", nargs="+", metavar="INPUT")
    detect_p.add_argument("--config", metavar="PATH", help=config_help)

    check = sub.add_parser(
        "check",
        help="find archive defects; --fix repairs them",
        description="Check each file (folders: every *.md below them, but dot-folders, _site/ and "
        "node_modules/): that it round-trips byte for byte, what the parser did not understand, and "
        "the defects that real Jekyll chokes on. Each finding is PATH:LINE:COL: CODE message "
        "(docs/rules.md lists the codes); a summary line ends the report. Exits 1 when anything is "
        "found. It never writes, but with --fix.",
        epilog="examples:\n"
        "  digestformat check _posts                     report, write nothing\n"
        "  digestformat check --diff _posts              the fixes as a unified diff\n"
        "  digestformat check --fix _posts               repair the defective lines in place\n"
        "  digestformat check --select JK --ignore JK005 _posts\n",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    check.add_argument("inputs", nargs="+", metavar="PATH", help="files or folders")
    check.add_argument("--fix", action="store_true", help="rewrite the defective lines in place, atomically")
    check.add_argument("--diff", action="store_true", help="print the diff --fix would make; write nothing")
    check.add_argument("--select", metavar="CODES", help="report only these codes or prefixes (a,b,…)")
    check.add_argument("--ignore", metavar="CODES", default="", help="do not report these codes or prefixes")
    check.add_argument("--strict", action="store_true", help="a file with any parse warning is an error")
    check.add_argument("--config", metavar="PATH", help=config_help)

    sub.add_parser("schema", help="print the JSON Schema of the model", description="Print the JSON Schema.")

    mig = sub.add_parser(
        "migrate",
        help="convert a whole archive folder",
        description="Mirror SRC's tree into DST, converting every digest (.md, .markdown, .json). "
        "Never writes inside SRC, never replaces a file it did not write (unless --force), "
        "writes atomically, and records what it wrote in DST/.digestformat-manifest.jsonl. "
        "Only regular files are read; symbolic links that leave SRC are not followed (but with "
        "--follow-links). One migrate at a time per DST (DST/.digestformat-lock). Exit status: 0 "
        "done, 1 an input failed (or DST is locked by another run), 2 bad usage.",
        epilog="examples:\n"
        "  digestformat migrate _posts --to json --out archive-json\n"
        "  digestformat migrate daily --to review --split --out _posts\n"
        "  digestformat migrate _posts --to tagged --join --out daily\n"
        "  digestformat migrate daily --to rss --out site       one feed of every paper, newest first\n"
        "  digestformat migrate daily --to imrad --out new --resume   pick up where a run stopped\n",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    mig.add_argument("src", metavar="SRC", help="the archive folder")
    mig.add_argument("--to", required=True, choices=FORMATS, metavar="FORMAT", help=", ".join(FORMATS))
    mig.add_argument("--out", required=True, metavar="DST", help="the folder to write into")
    mig.add_argument("--jobs", type=int, default=0, metavar="N", help="worker processes (default: the cores)")
    mig.add_argument("--split", action="store_true", help="one review post per paper (with --to review)")
    mig.add_argument("--join", action="store_true", help="one digest per date from review posts")
    mig.add_argument("--resume", action="store_true", help="skip inputs whose outputs are complete")
    mig.add_argument("--force", action="store_true", help="replace files migrate did not write")
    mig.add_argument("--dry-run", action="store_true", help="say what would be written, write nothing")
    mig.add_argument("--quiet", action="store_true", help="no progress bar and no summary")
    mig.add_argument("--strict", action="store_true", help=strict_help)
    mig.add_argument("--config", metavar="PATH", help=config_help)
    mig.add_argument("--follow-links", action="store_true", help="follow symbolic links that lead out of SRC")
    return parser


def _read(path: str) -> bytes:
    if path == "-":
        return sys.stdin.buffer.read()
    return Path(path).read_bytes()


def _name(path: str) -> str:
    """How messages name an input."""
    return "<stdin>" if path == "-" else path


def _where(path: str, err: DigestError) -> str:
    name = _name(path)
    if err.line is None:
        return f"{name}: {err.msg}"
    return f"{name}:{err.line}:{err.column}: {err.msg}"


def _warn(path: str, doc: Digest) -> None:
    for w in doc.warnings:
        print(f"{_name(path)}:{w.line}:{w.column}: warning: {w.message}", file=sys.stderr)


def _into_folder(output: str | None) -> bool:
    return output is not None and (output.endswith(("/", os.sep)) or Path(output).is_dir())


def _convert(args: argparse.Namespace) -> int:
    path = args.input
    data = _read(path)
    try:
        config = _Configs(args.config).get(path)
        doc = parse(data, args.source, strict=args.strict, config=config)
        _warn(path, doc)
        if args.to == "review" and _into_folder(args.output):
            return _write_posts(doc, Path(args.output))
        text = render(doc, args.to)
    except DigestError as err:
        print(_where(path, err), file=sys.stderr)
        return 1
    out = text.encode("utf-8")
    if args.output is not None and Path(args.output).is_dir():
        message = "is a folder: only --to review writes into a folder (one post per paper)"
        print(f"{args.output}: {message}", file=sys.stderr)
        return 2
    if args.output is None:
        sys.stdout.buffer.write(out)
        sys.stdout.buffer.flush()
    else:
        write_atomic(Path(args.output), out)
    return 0


def _write_posts(doc: Digest, folder: Path) -> int:
    """One review post per paper, as FOLDER/DATE-SLUG.md; a taken name gets -2, -3, ...

    Names are made as migrate --split makes them (cleaned, numbered, contained in FOLDER).
    """
    folder.mkdir(parents=True, exist_ok=True)
    for name, post in named_posts(doc):
        target = contained(folder, name)
        write_atomic(target, render(post).encode("utf-8"))
        print(target)
    return 0


def _detect(args: argparse.Namespace) -> int:
    status = 0
    configs = _Configs(args.config)
    for path in args.inputs:
        try:
            layout = detect(_read(path), config=configs.get(path))
        except DigestError as err:
            print(_where(path, err), file=sys.stderr)
            status = 1
            continue
        print(f"{_name(path)}\t{layout}")
    return status


def _first_difference(a: bytes, b: bytes) -> tuple[int, int]:
    n = min(len(a), len(b))
    i = 0
    while i < n and a[i] == b[i]:
        i += 1
    head = a[:i]
    line = head.count(b"\n") + 1
    column = len(head[head.rfind(b"\n") + 1 :].decode("utf-8", errors="replace")) + 1
    return line, column


def _codes(text: str | None) -> list[str] | None:
    return None if text is None else [code.strip() for code in text.split(",") if code.strip()]


def _check(args: argparse.Namespace) -> int:
    try:
        codes = _lint.selected(_codes(args.select), _codes(args.ignore) or [])
    except DigestError as err:
        raise _UsageError(_build(), err.msg) from None
    configs = _Configs(args.config)
    posts: list[_lint.Post] = []
    for path in _check_inputs(args.inputs):
        data = _read(path)
        reader = functools.partial(parse, strict=args.strict, config=configs.get(path))
        posts.append(_lint.read_post(path, data, reader))
    findings = _lint.check_posts(posts, codes, _round_trip)
    errors = 0
    defective = 0
    fixed = 0
    unknown: dict[str, set[str]] = {}
    for post in posts:
        if post.error is not None:
            print(_where(post.name, post.error), file=sys.stderr)
            errors += 1
            continue
        found = findings[post.name]
        for warning in post.doc.warnings if post.doc is not None else ():
            if warning.message.startswith("unknown section heading "):
                unknown.setdefault(warning.message.split("'")[1], set()).add(post.name)
        if (args.fix or args.diff) and post.name != "-":  # standard input is only reported
            after = _lint.apply(post, found)
            if after is not None:
                if args.diff:
                    sys.stdout.write(_lint.diff(post.name, post.data, after))
                else:
                    write_atomic(Path(post.name), after)
                    fixed += sum(1 for f in found if f.edit is not None)
            if args.fix:
                found = [f for f in found if f.edit is None]
        if args.diff:
            continue
        if found:
            defective += 1
        for f in found:
            print(f"{_name(post.name)}:{f.line}:{f.column}: {f.code} {f.message}")
    if args.diff:
        return 1 if errors or any(findings.values()) else 0
    if unknown:
        print("unknown headings (teach them in a config file: docs/config.md):")
        print("  files  heading")
        for words, names in sorted(unknown.items(), key=lambda item: (-len(item[1]), item[0])):
            print(f"  {len(names):5}  {words}")
    if fixed:
        print(f"fixed {fixed} defect{'s' if fixed != 1 else ''}")
    elif not args.fix and any(f.edit for found in findings.values() for f in found):
        print("(the defects with a fix are repaired by --fix; --diff shows how)")
    n = len(posts)
    print(
        f"{n} file{'s' if n != 1 else ''}, {defective} with defects, "
        f"{errors} error{'s' if errors != 1 else ''}"
    )
    return 1 if errors or defective else 0


def _round_trip(post: _lint.Post) -> _lint.Finding | None:
    """DF001: rendering (directly and through JSON) does not give the file's bytes back."""
    data, doc = post.data, post.doc
    if doc is None:
        return None
    fmt = detect(data)
    direct = render(doc, fmt).encode("utf-8")
    via_json = render(parse(render(doc, "json"), "json"), fmt).encode("utf-8")
    for how, got in (("rendering", direct), ("rendering through JSON", via_json)):
        if got != data:
            line, column = _first_difference(data, got)
            return _lint.Finding(line, column, "DF001", f"{how} does not give the same bytes back")
    return None


_SKIPPED_FOLDERS = frozenset({"_site", "node_modules"})


def _check_inputs(inputs: list[str]) -> list[str]:
    """Files as given; for a folder, every *.md / *.markdown below it, sorted, skipping
    dot-folders, _site/ and node_modules/."""
    out: list[str] = []
    for name in inputs:
        if name == "-" or not Path(name).is_dir():
            out.append(name)
            continue
        for folder, dirs, files in os.walk(name):
            dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d not in _SKIPPED_FOLDERS)
            out.extend(
                os.path.join(folder, f)
                for f in sorted(files)
                if f.endswith((".md", ".markdown")) and not f.startswith(".")
            )
    return out


class _Configs:
    """The config for each input: the one --config names, or the one found upward (per folder)."""

    def __init__(self, named: str | None) -> None:
        self.named = load_config(named) if named is not None else None
        self.found: dict[Path, Config] = {}

    def get(self, path: str) -> Config:
        if self.named is not None:
            return self.named
        folder = Path.cwd() if path == "-" else Path(path).resolve().parent
        config = self.found.get(folder)
        if config is None:
            config = self.found[folder] = find_config(folder)
        return config


def _schema(_: argparse.Namespace) -> int:
    print(json.dumps(Digest.model_json_schema(), indent=2, ensure_ascii=False))
    return 0


def _migrate(args: argparse.Namespace) -> int:
    if args.jobs < 0:
        raise _UsageError(_build(), "--jobs takes a number of workers, 0 or more")
    opts = Options(
        src=Path(args.src),
        dst=Path(args.out),
        to=args.to,
        jobs=args.jobs,
        split=args.split,
        join=args.join,
        resume=args.resume,
        force=args.force,
        dry_run=args.dry_run,
        quiet=args.quiet,
        strict=args.strict,
        config=Path(args.config) if args.config is not None else None,
        follow_links=args.follow_links,
    )
    try:
        summary = migrate(opts)
    except MigrateLocked as err:  # not a usage error: the same command works once the other run ends
        print(f"digestformat migrate: {err.msg}", file=sys.stderr)
        return 1
    except DigestError as err:
        print(f"digestformat migrate: {err.msg}", file=sys.stderr)
        return 2
    return 1 if summary.failed else 0


_COMMANDS = {"convert": _convert, "detect": _detect, "check": _check, "schema": _schema, "migrate": _migrate}


def run(argv: Sequence[str] | None = None) -> int:
    """Run the command line *argv* (without the program name); return the exit code."""
    parser = _build()
    try:
        args = parser.parse_args(argv)
    except _UsageError as err:
        err.parser.print_usage(sys.stderr)
        print(err, file=sys.stderr)
        return 2
    except SystemExit as exc:  # --help
        return int(exc.code or 0)
    try:
        return _COMMANDS[args.command](args)
    except _UsageError as err:
        err.parser.print_usage(sys.stderr)
        print(err, file=sys.stderr)
        return 2
    except OSError as err:
        name = err.filename if err.filename is not None else "?"
        print(f"{name}: {err.strerror or err}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("digestformat: interrupted", file=sys.stderr)
        return 130
    except Exception as err:  # never a traceback: a bug is reported in one line
        kind = type(err).__name__
        print(f"digestformat: internal error ({kind}: {err}); please report it", file=sys.stderr)
        return 1


def main() -> NoReturn:
    """Console entry point."""
    sys.exit(run(sys.argv[1:]))
