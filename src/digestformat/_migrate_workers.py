"""A migration's inputs one at a time, in worker processes, and the pool that runs them.

Workers only read and convert, and never write: ``_prepare`` gives an input's
outputs as bytes, still unnamed in DST, or "skipped" when ``resume`` finds its
recorded hash and outputs unchanged; ``_read_one`` gives its date and JSON (for
``--join`` and feeds). Whatever goes wrong with one input (any exception) is that
input's ``_Result``, failed with a one-line message (``_failure``).
``_pool_map`` gives the results in task order, taking the tasks as it needs them,
a bounded number of batches in flight; a worker that dies fails only the input
that killed it.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import ctypes
import dataclasses
import functools
import gc
import itertools
import os
import signal
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ._api import load_config, parse, render
from ._config import Config
from ._io import InputRefused
from ._migrate_inputs import _read_input
from ._migrate_journal import _HELD, _JOURNAL_FDS, _Journal, _sha
from ._posts import named_posts
from .errors import DigestError
from .model import Digest

if TYPE_CHECKING:
    from .archive import Options


@functools.lru_cache(maxsize=8)
def _config_at(path: Path | None) -> Config | None:
    return None if path is None else load_config(path)


def _parse(data: bytes, opts: Options) -> Digest:
    """An input as the run reads it: strict or not, with the run's config."""
    return parse(data, strict=opts.strict, config=_config_at(opts.config))


def _where(rel: str, err: DigestError) -> str:
    if err.line is None:
        return f"{rel}: {err.msg}"
    return f"{rel}:{err.line}:{err.column}: {err.msg}"


def _failure(rel: str, exc: BaseException) -> str:
    """The one-line message for what went wrong with input *rel*."""
    if isinstance(exc, DigestError):
        return _where(rel, exc)
    if isinstance(exc, InputRefused):
        return f"{rel}: {exc}: skipped"
    if isinstance(exc, OSError):
        return f"{rel}: cannot read: {exc.strerror or exc}"
    text = str(exc)
    return f"{rel}: internal error ({type(exc).__name__}{': ' + text if text else ''})"


# ------------------------------------------------------------------ one input (runs in a worker)


@dataclass(frozen=True, slots=True)
class _Task:
    rel: str
    path: str = ""  # what to open ('' : SRC / rel)
    link: bool = False
    out: str = ""  # the mirrored output name (mirror mode)
    shared: bool = False  # its output folder is another folder's too (see _migrate_names)


@dataclass(slots=True)
class _Result:
    rel: str
    status: str  # "converted", "skipped", "failed"; "ready" (converted, not yet written)
    message: str = ""
    outputs: list[str] = field(default_factory=list)
    date: str | None = None
    payload: str = ""  # join and feed passes carry text back
    entry: dict[str, Any] | None = None  # the input's last journal line
    line: str = ""  # the same, as the manifest keeps it (when written in this run)
    sha: str = ""
    blobs: list[tuple[str, bytes]] = field(default_factory=list)  # "ready": (name, bytes) to write
    shas: list[str] = field(default_factory=list)  # "ready": each blob's SHA-256, made in the worker
    warnings: list[str] = field(default_factory=list)

    def __reduce__(self) -> tuple[type[_Result], tuple[Any, ...]]:
        """Sent back from a worker as its fields in order: less to pickle than a slotted object."""
        return _Result, tuple(getattr(self, name) for name in _RESULT_FIELDS)


_RESULT_FIELDS = tuple(f.name for f in dataclasses.fields(_Result))


_STATE: dict[str, Any] = {}


def _init(opts: Options, journal: _Journal, parent: int | None = None) -> None:
    _STATE["opts"] = opts
    _STATE["journal"] = journal
    if parent is not None:  # a worker: it never writes the parent's part file, nor its held lines
        _JOURNAL_FDS.clear()
        _HELD.clear()
        _die_with_parent(parent)


def _die_with_parent(parent: int) -> None:
    """Linux: a worker gets SIGKILL when the migrate that started it (*parent*) dies, even by
    SIGKILL. A parent that died between the fork and this call sent no signal: the worker,
    whose parent is then another process, ends at once."""
    if sys.platform != "linux":
        return
    with contextlib.suppress(OSError, AttributeError):  # best effort
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    if os.getppid() != parent:
        os._exit(1)


def _warnings(rel: str, doc: Digest) -> list[str]:
    """*doc*'s parse warnings as the run prints them: ``PATH:LINE:COL: warning: message``."""
    return [f"{rel}:{w.line}:{w.column}: warning: {w.message}" for w in doc.warnings]


def _outputs_for(task: _Task, data: bytes, opts: Options) -> tuple[list[tuple[str, bytes]], list[str]]:
    """(output name, made safe; bytes) for one input, and its parse warnings."""
    doc = _parse(data, opts)
    warnings = _warnings(task.rel, doc)
    if opts.split:
        folder = task.rel.rsplit("/", 1)[0] + "/" if "/" in task.rel else ""
        posts = named_posts(doc, folder)
        return [(name, render(post).encode("utf-8")) for name, post in posts], warnings
    return [(task.out, render(doc, opts.to).encode("utf-8"))], warnings


def _guarded(fn: Callable[[_Task], _Result], task: _Task) -> _Result:
    """*fn* of one input, whatever it raises reported as that input's failure."""
    try:
        return fn(task)
    except Exception as exc:  # one input's bug, MemoryError, RecursionError: that input fails
        return _Result(task.rel, "failed", _failure(task.rel, exc))


def _prepare_any(task: _Task, *, may_skip: bool = True) -> _Result:
    """Read and convert one input; write nothing (the parent does)."""
    opts: Options = _STATE["opts"]
    journal: _Journal = _STATE["journal"]
    try:
        data = _read_input(task, opts)
    except (InputRefused, OSError) as exc:
        return _Result(task.rel, "failed", _failure(task.rel, exc))
    digest = _sha(data)
    if opts.resume and may_skip:
        entry = journal.done.get(task.rel)
        if entry is not None and entry.get("sha") == digest and _outputs_intact(opts.dst, entry):
            return _Result(task.rel, "skipped", outputs=[o["path"] for o in entry["outputs"]], entry=entry)
    try:
        blobs, warnings = _outputs_for(task, data, opts)
    except DigestError as err:
        return _Result(task.rel, "failed", _where(task.rel, err))
    shas = [_sha(blob) for _, blob in blobs]
    return _Result(task.rel, "ready", sha=digest, blobs=blobs, shas=shas, warnings=warnings)


def _prepare(task: _Task) -> _Result:
    """Read and convert one input (in a worker); any failure is that input's."""
    return _guarded(_prepare_any, task)


def _outputs_intact(dst: Path, entry: dict[str, Any]) -> bool:
    for out in entry.get("outputs", []):
        try:
            if _sha((dst / out["path"]).read_bytes()) != out.get("sha"):
                return False
        except (OSError, KeyError, TypeError):
            return False
    return True


def _read_any(task: _Task) -> _Result:
    """Parse only: the date and the JSON of an input (for --join and feeds); for --join, an
    input that is not a review post (one paper) fails."""
    opts: Options = _STATE["opts"]
    try:
        doc = _parse(_read_input(task, opts), opts)
    except (DigestError, InputRefused, OSError) as exc:
        return _Result(task.rel, "failed", _failure(task.rel, exc))
    if opts.join and (doc.layout != "review" or len(doc.papers) != 1):
        return _Result(
            task.rel, "failed", f"{task.rel}: --join joins review posts: this is a {doc.layout} digest"
        )
    payload = render(doc, "json") if opts.join else ""
    return _Result(
        task.rel,
        "converted",
        date=None if doc.date is None else doc.date.isoformat(),
        payload=payload,
        warnings=_warnings(task.rel, doc),
    )


def _read_one(task: _Task) -> _Result:
    """Parse one input (in a worker); any failure is that input's."""
    return _guarded(_read_any, task)


# ------------------------------------------------------------------ the pool


def _died(batch: list[_Task], exc: BaseException) -> list[_Result]:
    return [
        _Result(t.rel, "failed", f"{t.rel}: internal error (a worker process died: {exc})") for t in batch
    ]


def _pool_map(
    fn: Callable[[_Task], _Result], tasks: Iterable[_Task], opts: Options, journal: _Journal
) -> Iterator[tuple[_Task, _Result]]:
    """Each task with its result, in task order; the tasks are taken as they are needed and at
    most a few batches are in flight, so memory stays flat.

    *fn* reports its own failures; should a worker die (killed, a crash in C), the
    batches it left unfinished are run again one input at a time, each alone in a
    worker, so that only the input that kills a worker fails.
    """
    jobs = opts.jobs or os.cpu_count() or 1
    source = iter(tasks)
    ahead = list(itertools.islice(source, jobs * 8 * _CHUNK if jobs > 1 else 0))  # to size batches by
    if jobs <= 1 or len(ahead) <= 1:
        _init(opts, journal)
        for task in itertools.chain(ahead, source):
            yield task, fn(task)
        return
    chunk = max(1, min(_CHUNK, len(ahead) // (jobs * 8)))  # 8 batches a worker, when there are few
    feed = _batches(itertools.chain(ahead, source), chunk)
    gc.freeze()  # what the workers inherit is never scanned by their collector: pages stay shared
    try:
        yield from _pooled(fn, feed, jobs, opts, journal)
    finally:
        gc.unfreeze()


def _pooled(
    fn: Callable[[_Task], _Result], feed: Iterator[list[_Task]], jobs: int, opts: Options, journal: _Journal
) -> Iterator[tuple[_Task, _Result]]:
    while True:
        redo: list[list[_Task]] = []
        with cf.ProcessPoolExecutor(
            max_workers=jobs, initializer=_init, initargs=(opts, journal, os.getpid())
        ) as pool:
            pending: list[tuple[list[_Task], cf.Future[list[_Result]] | None]] = []
            for batch in feed:
                pending.append((batch, _submit(pool, fn, batch)))
                if len(pending) >= jobs * 3:
                    break
            while pending:
                batch, future = pending.pop(0)
                try:
                    if future is None:
                        raise cf.BrokenExecutor
                    results = future.result()
                except cf.BrokenExecutor:
                    redo = [batch, *(b for b, _ in pending)]
                    break
                except Exception as exc:  # a result that cannot be sent back, say
                    results = [_Result(t.rel, "failed", _failure(t.rel, exc)) for t in batch]
                nxt = next(feed, None)
                if nxt is not None:
                    pending.append((nxt, _submit(pool, fn, nxt)))
                yield from zip(batch, results, strict=True)
            else:
                return
        for batch in redo:  # the pool broke: what it left unfinished, one input at a time
            for task in batch:
                yield from zip([task], _alone(fn, task, opts, journal), strict=True)


_CHUNK = 64
"""Inputs per batch sent to a worker (fewer when there are few: every worker gets some)."""


def _batches(tasks: Iterator[_Task], size: int) -> Iterator[list[_Task]]:
    while batch := list(itertools.islice(tasks, size)):
        yield batch


def _submit(
    pool: cf.ProcessPoolExecutor, fn: Callable[[_Task], _Result], batch: list[_Task]
) -> cf.Future[list[_Result]] | None:
    """The future of *batch*, or None when the pool is broken already."""
    try:
        return pool.submit(_run_batch, fn, batch)
    except cf.BrokenExecutor:
        return None


def _alone(fn: Callable[[_Task], _Result], task: _Task, opts: Options, journal: _Journal) -> list[_Result]:
    """*fn* of one task in a worker of its own: a worker that dies fails that task only."""
    with cf.ProcessPoolExecutor(
        max_workers=1, initializer=_init, initargs=(opts, journal, os.getpid())
    ) as pool:
        try:
            return pool.submit(_run_batch, fn, [task]).result()
        except cf.BrokenExecutor as exc:
            return _died([task], exc)
        except Exception as exc:
            return [_Result(task.rel, "failed", _failure(task.rel, exc))]


def _run_batch(fn: Callable[[_Task], _Result], batch: list[_Task]) -> list[_Result]:
    return [fn(task) for task in batch]
