"""The ``digestformat`` command: a thin shell over the public API.

``run(argv)`` returns the exit code (0 ok, 1 bad input, 2 bad usage) and never
lets a traceback through; ``main()`` is the console entry point.

Start-up: this module imports only the standard library and digestformat's own light
modules (errors, _names, _version); each command imports what it uses when it runs, so
``--help``, ``--version`` and usage errors load none of pydantic, PyYAML, lxml,
markdown-it-py or tqdm (tests/test_startup.py).
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import shutil
import sys
import textwrap
from collections.abc import Sequence
from pathlib import Path

from ._names import FORMATS
from .errors import DigestError

TYPE_CHECKING = False  # not typing's: importing typing alone costs ~8 ms (mypy knows the name)
if TYPE_CHECKING:
    from typing import NoReturn

    from . import _lint
    from ._config import Config
    from .model import Digest

__all__ = ["main", "run"]

EXAMPLES = """\
examples:
  digestformat convert 2026-02-16.md --to json          Markdown -> JSON on stdout
  digestformat convert digest.json -t tagged -o out.md  JSON -> the tagged layout
  digestformat convert 2026-02-16.md -t review -o _posts/  one review post per paper
  digestformat convert 2026-02-16.md --to rss           RSS 2.0 (also atom, jsonfeed)
  digestformat convert _posts --to json -o json/        a folder, mirrored into json/
  cat post.md | digestformat convert - --to json        read standard input
  digestformat detect _posts                            PATH<TAB>layout per file
  digestformat check _posts                             verify every file round-trips
  digestformat schema                                   the JSON Schema of the model

exit status: 0 success, 1 bad input (PATH:LINE:COL: message on stderr), 2 bad usage.
"""

_MAX_WIDTH = 100
"""No help line is wider than this, however wide the terminal."""


class _UsageError(Exception):
    def __init__(self, parser: argparse.ArgumentParser, message: str) -> None:
        super().__init__(f"{parser.prog}: {message}")
        self.parser = parser


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise _UsageError(self, message)


class _Formatter(argparse.HelpFormatter):
    """At most 100 columns; a description's paragraphs filled, an example block kept as written."""

    def __init__(self, prog: str) -> None:
        width = min(_MAX_WIDTH, shutil.get_terminal_size().columns - 2)
        super().__init__(prog, width=max(width, 40))

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        paragraphs = []
        for para in text.strip("\n").split("\n\n"):
            lines = para.split("\n")
            if lines[0].endswith(":") or any(line.startswith(" ") for line in lines):
                paragraphs.append("\n".join(indent + line for line in lines))
            else:
                words = " ".join(para.split())
                filled = textwrap.fill(words, width, initial_indent=indent, subsequent_indent=indent)
                paragraphs.append(filled)
        return "\n\n".join(paragraphs) + "\n"


def _walk_options(parser: argparse.ArgumentParser, what: str) -> None:
    parser.add_argument(
        "--include",
        action="append",
        default=[],
        metavar="GLOB",
        help=f"in {what}, take only the paths this glob matches (repeatable)",
    )
    parser.add_argument(
        "--exclude",
        action="append",
        default=[],
        metavar="GLOB",
        help=f"in {what}, leave out the paths this glob matches (repeatable)",
    )


def _build() -> _Parser:
    # Here, not at the top: the package is initialised by the time a parser is built.
    from . import __version__

    parser = _Parser(
        prog="digestformat",
        description="Read, write and convert Markdown digests of AI papers, byte for byte.",
        epilog=EXAMPLES,
        formatter_class=_Formatter,
    )
    parser.add_argument("--version", action="version", version=f"digestformat {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    strict_help = "treat every warning as an error"
    config_help = "the config file (default: digestformat.toml or pyproject.toml, found upward)"
    folders = (
        "Folders: every *.md and *.markdown below them, but dot-folders, _site/ and node_modules/; "
        "--include/--exclude GLOB match the path relative to the folder given (** spans folders)."
    )

    convert = sub.add_parser(
        "convert",
        help="convert files",
        description="Convert digests to another format. One input goes to standard output, or to "
        "-o FILE; several inputs or a folder need -o DIR/ (a trailing slash, or an existing folder), "
        "which receives each input under its own name (a folder's tree mirrored), or with --to review "
        "one post per paper. A named -o FILE is replaced; a file that -o DIR/ would replace is not, "
        "without --force. " + folders,
        epilog=EXAMPLES,
        formatter_class=_Formatter,
    )
    convert.add_argument(
        "inputs", nargs="+", metavar="INPUT", help="files or folders, or - for standard input"
    )
    convert.add_argument(
        "-t",
        "--to",
        default="json",
        choices=FORMATS,
        metavar="FORMAT",
        help=f"{', '.join(FORMATS)} (default: json)",
    )
    convert.add_argument(
        "-f",
        "--from",
        dest="source",
        choices=FORMATS,
        metavar="LAYOUT",
        help="the inputs' format (default: detected)",
    )
    convert.add_argument(
        "-o",
        "--output",
        metavar="OUTPUT",
        help="a file, a folder (DIR/), or - (standard output, the default)",
    )
    convert.add_argument("--force", action="store_true", help="replace files in -o DIR/")
    convert.add_argument(
        "--assets-url",
        metavar="URL",
        help="with --to review: put relative thumbnail paths under URL (without it: a warning)",
    )
    convert.add_argument(
        "--content-only",
        action="store_true",
        help="with --to json: no trivia, no warnings (exact in content, not in bytes)",
    )
    convert.add_argument("--strict", action="store_true", help=strict_help)
    convert.add_argument("--config", metavar="PATH", help=config_help)
    _walk_options(convert, "folders")

    detect_p = sub.add_parser(
        "detect",
        help="print each file's layout",
        description="Print PATH<TAB>layout for each file. " + folders,
        epilog="examples:\n"
        "  digestformat detect 2026-02-16.md             2026-02-16.md<TAB>tagged\n"
        "  digestformat detect _posts --exclude 'drafts' every post but drafts/\n",
        formatter_class=_Formatter,
    )
    detect_p.add_argument(
        "inputs", nargs="+", metavar="INPUT", help="files or folders, or - for standard input"
    )
    detect_p.add_argument("--config", metavar="PATH", help=config_help)
    _walk_options(detect_p, "folders")

    check = sub.add_parser(
        "check",
        help="find archive defects; --fix repairs them",
        description="Check each file: that it round-trips byte for byte, what the parser did not "
        "understand, and the defects that real Jekyll chokes on. Each finding is PATH:LINE:COL: CODE "
        "message (docs/rules.md lists the codes); a summary line ends the report. Exits 1 when "
        "anything is found. It never writes, but with --fix. " + folders,
        epilog="examples:\n"
        "  digestformat check _posts                     report, write nothing\n"
        "  digestformat check --diff _posts              the fixes as a unified diff\n"
        "  digestformat check --fix _posts               repair the defective lines in place\n"
        "  digestformat check --select JK --ignore JK005 _posts\n"
        "  digestformat check _posts --include '2026-*'  only this year's posts\n",
        formatter_class=_Formatter,
    )
    check.add_argument("inputs", nargs="+", metavar="PATH", help="files or folders")
    check.add_argument("--fix", action="store_true", help="rewrite the defective lines in place, atomically")
    check.add_argument("--diff", action="store_true", help="print the diff --fix would make; write nothing")
    check.add_argument("--select", metavar="CODES", help="report only these codes or prefixes (a,b,…)")
    check.add_argument("--ignore", metavar="CODES", default="", help="do not report these codes or prefixes")
    check.add_argument("--strict", action="store_true", help="a file with any parse warning is an error")
    check.add_argument("--config", metavar="PATH", help=config_help)
    _walk_options(check, "folders")

    sub.add_parser(
        "schema",
        help="print the JSON Schema of the model",
        description="Print the JSON Schema of the model.",
        epilog="examples:\n  digestformat schema > schema.json\n",
        formatter_class=_Formatter,
    )

    mig = sub.add_parser(
        "migrate",
        help="convert a whole archive folder",
        description="Mirror SRC's tree into DST, converting every digest (.md, .markdown, .json; "
        "dot-folders, _site/ and node_modules/ skipped; --include/--exclude GLOB match the path "
        "relative to SRC). Never writes inside SRC, never replaces a file it did not write (unless "
        "--force), writes atomically, and records what it wrote in DST/.digestformat-manifest.jsonl. "
        "Only regular files are read; symbolic links that leave SRC are not followed (but with "
        "--follow-links). Each parse warning is PATH:LINE:COL: warning: message (-q: not printed, "
        "still counted). One migrate at a time per DST (DST/.digestformat-lock). Exit status: 0 "
        "done, 1 an input failed (or DST is locked by another run), 2 bad usage.",
        epilog="examples:\n"
        "  digestformat migrate _posts --to json -o archive-json\n"
        "  digestformat migrate daily --to review --split -o _posts\n"
        "  digestformat migrate _posts --to tagged --join -o daily\n"
        "  digestformat migrate daily --to rss -o site       one feed of every paper, newest first\n"
        "  digestformat migrate daily --to imrad -o new --resume   pick up where a run stopped\n"
        "  digestformat migrate _posts -t json -o out --exclude 'drafts/**'\n",
        formatter_class=_Formatter,
    )
    mig.add_argument("src", metavar="SRC", help="the archive folder")
    mig.add_argument("-t", "--to", required=True, choices=FORMATS, metavar="FORMAT", help=", ".join(FORMATS))
    mig.add_argument("-o", "--out", required=True, metavar="DST", help="the folder to write into")
    mig.add_argument("--jobs", type=int, default=0, metavar="N", help="worker processes (default: the cores)")
    mig.add_argument("--split", action="store_true", help="one review post per paper (with --to review)")
    mig.add_argument("--join", action="store_true", help="one digest per date from review posts")
    mig.add_argument("--resume", action="store_true", help="skip inputs whose outputs are complete")
    mig.add_argument("--force", action="store_true", help="replace files migrate did not write")
    mig.add_argument("--dry-run", action="store_true", help="say what would be written, write nothing")
    mig.add_argument("-q", "--quiet", action="store_true", help="no progress bar, warnings or summary")
    mig.add_argument("--strict", action="store_true", help=strict_help)
    mig.add_argument("--config", metavar="PATH", help=config_help)
    mig.add_argument("--follow-links", action="store_true", help="follow symbolic links that lead out of SRC")
    _walk_options(mig, "SRC")

    exp = sub.add_parser(
        "export",
        help="write the archive as data: Parquet, CSV or SQLite",
        description="Write one row per paper of every digest in SRC (files or folders; .md, .markdown "
        "and .json) to OUT: a Parquet dataset partitioned by year (a folder), a CSV file, or an SQLite "
        "database with a full-text index (docs/data.md). OUT is written beside itself under a temporary "
        "name, then renamed: a failure leaves no half-written OUT. An existing OUT is refused without "
        "--force. A file that cannot be read is reported (PATH:LINE:COL: message), the rest is "
        "exported, and the exit status is 1. " + folders,
        epilog="examples:\n"
        "  digestformat export _posts -o papers.db --to sqlite\n"
        "  digestformat export daily _posts -o papers/ --to parquet --exclude drafts\n"
        "  digestformat export _posts -o papers.csv --to csv --force\n",
        formatter_class=_Formatter,
    )
    exp.add_argument("inputs", nargs="+", metavar="SRC", help="files or folders")
    exp.add_argument(
        "-o", "--output", required=True, metavar="OUT", help="the file (or Parquet folder) to write"
    )
    exp.add_argument(
        "-t",
        "--to",
        required=True,
        choices=("parquet", "csv", "sqlite"),
        metavar="FORMAT",
        help="parquet, csv or sqlite",
    )
    exp.add_argument("--force", action="store_true", help="replace an existing OUT")
    exp.add_argument(
        "--jobs",
        type=int,
        default=1,
        metavar="N",
        help="processes parsing the files (0: the cores; default 1)",
    )
    exp.add_argument("--strict", action="store_true", help=strict_help)
    _walk_options(exp, "folders")

    srch = sub.add_parser(
        "search",
        help="full-text search of an exported SQLite database",
        description="Print the papers of DB (written by export --to sqlite) that QUERY matches, best "
        "first (FTS5 bm25 over title, keywords and section bodies): one line DATE  RANK  TITLE  URL "
        "each ('-' for a missing value). QUERY is FTS5 query syntax: words (all must occur), "
        '"a phrase", OR, NOT, prefix*. Exit status 1 when nothing matches.',
        epilog="examples:\n"
        "  digestformat search papers.db 'reward model'\n"
        "  digestformat search papers.db '강화학습 OR RLHF' --limit 5 --json\n",
        formatter_class=_Formatter,
    )
    srch.add_argument("db", metavar="DB", help="the database export --to sqlite wrote")
    srch.add_argument("query", metavar="QUERY", help="an FTS5 query")
    srch.add_argument("--json", action="store_true", help="a JSON array of objects instead of lines")
    srch.add_argument("--limit", type=int, default=20, metavar="N", help="at most N results (default: 20)")
    return parser


def _usage(command: str, message: str) -> _UsageError:
    """A usage error of *command*: its usage line, then ``digestformat COMMAND: message``."""
    parser = _build()
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    sub: argparse.ArgumentParser = commands.choices[command]
    return _UsageError(sub, message)


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
    return output not in (None, "-") and (output.endswith(("/", os.sep)) or Path(output).is_dir())


def _os_error(path: str, err: OSError) -> str:
    name = err.filename if err.filename is not None else _name(path)
    return f"{name}: {err.strerror or err}"


class _Inputs:
    """The files the command line names: files as given, a folder's files as walked.

    Each is (PATH as messages name it, its path relative to the folder given, or its
    file name). A folder that cannot be read is reported, and ``failed`` is set.
    """

    def __init__(self, names: Sequence[str], args: argparse.Namespace) -> None:
        self.items: list[tuple[str, str]] = []
        self.folders = False
        self.failed = False
        for name in names:
            if name == "-" or not Path(name).is_dir():
                self.items.append((name, "-" if name == "-" else Path(name).name))
                continue
            self.folders = True
            from . import _walk

            for rel in _walk.walk(name, include=args.include, exclude=args.exclude, on_error=self._error):
                self.items.append((os.path.join(name, *rel.split("/")), rel))

    def _error(self, err: OSError) -> None:
        print(_os_error("?", err), file=sys.stderr)
        self.failed = True


_SUFFIXES = {"json": ".json", "jsonfeed": ".json", "rss": ".xml", "atom": ".xml"}


def _mirror_name(rel: str, to: str) -> str:
    stem = rel.rsplit(".", 1)[0] if "." in rel.rsplit("/", 1)[-1] else rel
    return stem + _SUFFIXES.get(to, ".md")


def _convert(args: argparse.Namespace) -> int:
    from ._api import parse, render
    from ._io import write_atomic
    from ._posts import named_posts, relative_thumbnails, with_assets_url

    output = None if args.output in (None, "-") else args.output
    folder = Path(output) if output is not None and _into_folder(output) else None
    inputs = _Inputs(args.inputs, args)
    if folder is None and (len(args.inputs) > 1 or inputs.folders):
        raise _usage("convert", "several inputs (or a folder) are written into a folder: give -o DIR/")
    if folder is not None and args.to != "review" and "-" in args.inputs:
        raise _usage("convert", "standard input has no name to write into a folder: give -o FILE")
    if args.content_only and args.to != "json":
        raise _usage("convert", f"--content-only writes JSON: use it with --to json, not --to {args.to}")
    configs = _Configs(args.config)
    writer = _FolderWriter(folder, args.force) if folder is not None else None
    status = 1 if inputs.failed else 0
    for path, rel in inputs.items:
        try:
            doc = parse(_read(path), args.source, strict=args.strict, config=configs.get(path))
            _warn(path, doc)
            if args.to == "review" and args.assets_url:
                doc = with_assets_url(doc, args.assets_url)
            elif args.to == "review" and doc.layout != "review":
                for src in relative_thumbnails(doc):
                    print(
                        f"{_name(path)}: warning: thumbnail '{src}' is a relative path, which a post "
                        "resolves against its permalink: give --assets-url URL",
                        file=sys.stderr,
                    )
            if writer is None:
                out = render(doc, args.to, content_only=args.content_only).encode("utf-8")
                if output is None:
                    sys.stdout.buffer.write(out)
                    sys.stdout.buffer.flush()
                else:
                    write_atomic(Path(output), out)
                continue
            if args.to == "review":
                prefix = rel.rsplit("/", 1)[0] + "/" if "/" in rel else ""
                blobs = [(name, render(post)) for name, post in named_posts(doc, prefix)]
            else:
                blobs = [(_mirror_name(rel, args.to), render(doc, args.to, content_only=args.content_only))]
            encoded = [(name, text.encode("utf-8")) for name, text in blobs]
            ok = writer.write(path, encoded, show=args.to == "review")
        except DigestError as err:
            print(_where(path, err), file=sys.stderr)
            ok = False
        except OSError as err:
            if isinstance(err, BrokenPipeError):
                raise
            print(_os_error(path, err), file=sys.stderr)
            ok = False
        except ValueError as err:  # an output name that would leave -o DIR/ (through a link)
            print(f"{_name(path)}: unsafe output name: {err}", file=sys.stderr)
            ok = False
        if not ok:
            status = 1
    return status


class _FolderWriter:
    """Writes outputs into ``-o DIR/``: each name made safe and kept inside DIR; a name an
    earlier input of this run took gets -2, -3, ...; a file already there is replaced only
    with --force (the command did not write it)."""

    def __init__(self, folder: Path, force: bool) -> None:
        self.folder = folder
        self.force = force
        self.taken: dict[str, str] = {}  # casefolded name -> the input that has it
        self.made = False

    def write(self, path: str, blobs: list[tuple[str, bytes]], *, show: bool) -> bool:
        from ._io import clean_relative, contained, numbered, write_atomic

        if not self.made:
            self.folder.mkdir(parents=True, exist_ok=True)
            self.made = True
        targets: list[tuple[Path, bytes]] = []
        mine: set[str] = set()
        for name, blob in blobs:
            final, number = clean_relative(name), 2
            first = final
            while final.casefold() in self.taken or final.casefold() in mine:
                final, number = numbered(first, number), number + 1
            if final != first:
                other = _name(self.taken.get(first.casefold(), path))
                message = f"{first} is also the output of {other}: written as {final}"
                print(f"{_name(path)}: {message}", file=sys.stderr)
            mine.add(final.casefold())
            target = contained(self.folder, final)
            if os.path.lexists(target) and not self.force:
                print(f"{target} exists: use --force to replace it", file=sys.stderr)
                return False
            targets.append((target, blob))
        for name in mine:
            self.taken[name] = path
        for target, blob in targets:
            target.parent.mkdir(parents=True, exist_ok=True)
            write_atomic(target, blob)
            if show:
                print(target)
        return True


def _detect(args: argparse.Namespace) -> int:
    from ._api import detect

    inputs = _Inputs(args.inputs, args)
    status = 1 if inputs.failed else 0
    configs = _Configs(args.config)
    for path, _ in inputs.items:
        try:
            layout = detect(_read(path), config=configs.get(path))
        except DigestError as err:
            print(_where(path, err), file=sys.stderr)
            status = 1
            continue
        except OSError as err:
            if isinstance(err, BrokenPipeError):
                raise
            print(_os_error(path, err), file=sys.stderr)
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
    from . import _lint
    from ._api import parse
    from ._io import write_atomic

    try:
        codes = _lint.selected(_codes(args.select), _codes(args.ignore) or [])
    except DigestError as err:
        raise _usage("check", err.msg) from None
    configs = _Configs(args.config)
    posts: list[_lint.Post] = []
    inputs = _Inputs(args.inputs, args)
    unreadable = 1 if inputs.failed else 0
    for path, _ in inputs.items:
        try:
            data = _read(path)
        except OSError as err:
            print(_os_error(path, err), file=sys.stderr)
            unreadable += 1
            continue
        reader = functools.partial(parse, strict=args.strict, config=configs.get(path))
        posts.append(_lint.read_post(path, data, reader))
    findings = _lint.check_posts(posts, codes, _round_trip)
    errors = unreadable
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
    n = len(posts) + unreadable
    print(
        f"{n} file{'s' if n != 1 else ''}, {defective} with defects, "
        f"{errors} error{'s' if errors != 1 else ''}"
    )
    return 1 if errors or defective else 0


def _round_trip(post: _lint.Post) -> _lint.Finding | None:
    """DF001: rendering (directly and through JSON) does not give the file's bytes back."""
    from . import _lint
    from ._api import detect, parse, render

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


class _Configs:
    """The config for each input: the one --config names, or the one found upward (per folder)."""

    def __init__(self, named: str | None) -> None:
        from ._api import load_config

        self.named = load_config(named) if named is not None else None
        self.found: dict[Path, Config] = {}

    def get(self, path: str) -> Config:
        if self.named is not None:
            return self.named
        folder = Path.cwd() if path == "-" else Path(path).resolve().parent
        config = self.found.get(folder)
        if config is None:
            from ._api import find_config

            config = self.found[folder] = find_config(folder)
        return config


def _schema(_: argparse.Namespace) -> int:
    from .model import Digest

    print(json.dumps(Digest.model_json_schema(), indent=2, ensure_ascii=False))
    return 0


def _migrate(args: argparse.Namespace) -> int:
    if args.jobs < 0:
        raise _usage("migrate", "--jobs takes a number of workers, 0 or more")
    from .archive import MigrateLocked, Options, migrate

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
        include=tuple(args.include),
        exclude=tuple(args.exclude),
    )
    try:
        summary = migrate(opts, keep_lists=False)  # what it printed, and the outputs: not kept
    except MigrateLocked as err:  # not a usage error: the same command works once the other run ends
        print(f"digestformat migrate: {err.msg}", file=sys.stderr)
        return 1
    except DigestError as err:
        print(f"digestformat migrate: {err.msg}", file=sys.stderr)
        return 2
    return 1 if summary.failed else 0


def _failure(path: Path, err: DigestError) -> str:
    name = str(path)
    if err.line is not None:
        return f"{name}:{err.line}:{err.column}: {err.msg}"
    return err.msg if err.msg.startswith(f"{name}: ") else f"{name}: {err.msg}"


def _export(args: argparse.Namespace) -> int:
    if args.jobs < 0:
        raise _usage("export", "--jobs takes a number of workers, 0 or more")
    # pyarrow's default allocator (jemalloc) keeps what it frees, so the peak grew with the
    # archive (1.22 from 1k to 10k files); the system's gives it back (1.07). Set before
    # pyarrow loads, for this process only; a user's own setting wins.
    os.environ.setdefault("ARROW_DEFAULT_MEMORY_POOL", "system")
    from . import _export as export
    from ._walk import INCLUDE

    out = Path(args.output.rstrip("/") or args.output)
    if os.path.lexists(out) and not args.force:
        print(f"{out} exists: use --force to replace it", file=sys.stderr)
        return 1
    include = tuple(args.include) or INCLUDE
    try:
        result = export.export(
            args.inputs,
            out,
            args.to,
            include=include,
            exclude=args.exclude,
            strict=args.strict,
            force=args.force,
            jobs=args.jobs,
        )
    except ImportError as err:
        print(f"digestformat export: {err}", file=sys.stderr)
        return 1
    for path, failure in result.failed:
        print(_failure(path, failure), file=sys.stderr)
    return 1 if result.failed else 0


def _search(args: argparse.Namespace) -> int:
    if args.limit < 1:
        raise _usage("search", "--limit takes a number of results, 1 or more")
    from . import _export as export

    try:
        found = export.search(args.db, args.query, limit=args.limit)
    except DigestError as err:
        print(f"digestformat search: {err.msg}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(found, indent=2, ensure_ascii=False))
    else:
        for hit in found:
            cells = [hit["date"], hit["rank"], hit["title"], hit["url"]]
            print("  ".join("-" if cell is None else str(cell) for cell in cells))
    return 0 if found else 1


_COMMANDS = {
    "convert": _convert,
    "detect": _detect,
    "check": _check,
    "schema": _schema,
    "migrate": _migrate,
    "export": _export,
    "search": _search,
}


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
    except BrokenPipeError:  # the reader went away (| head): nothing more to say
        _silence_stdout()
        return _BROKEN_PIPE
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


_BROKEN_PIPE = 141
"""The exit status when standard output's reader went away: 128 + SIGPIPE, as a shell says."""


def _silence_stdout() -> None:
    """Point standard output at the null device, so that the flush at exit cannot fail
    again (what the Python docs advise for SIGPIPE)."""
    try:
        fd = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):  # not a real file (a test's capture)
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, fd)
    finally:
        os.close(devnull)


def main() -> NoReturn:
    """Console entry point."""
    code = run(sys.argv[1:])
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        _silence_stdout()
        code = _BROKEN_PIPE
    sys.exit(code)
