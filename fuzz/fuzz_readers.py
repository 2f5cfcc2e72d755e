"""Fuzz every reader for as long as you like: ``python fuzz/fuzz_readers.py --minutes 10``.

It drives the properties of tests/fuzzing_readers.py (mutated fixtures and feeds
through every reader, strict and lenient; mutated front matter through
``_frontmatter.load``) with Hypothesis's ``fuzz_one_input``, like
fuzz/fuzz_digest.py. Unlike that script it does not stop at the first failure:
it sorts failures into classes (exception type, where it was raised, and the
innermost digestformat frame), shrinks one input per class (deleting spans
while the class stays the same, for at most ``--shrink-seconds`` each), and
prints, per class, the step that failed, the input as a bytes literal and the
traceback's last frames. ``--save DIR`` also writes each class's input there.
The exit status is 1 when anything failed.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fuzzing_readers import (
    FEEDS,
    READERS,
    check,
    check_front_matter,
    front_matter_markdown,
    mutated,
    mutated_front_matter,
    reencoded_feed,
)

T = TypeVar("T", bytes, str)
_SRC = f"{os.sep}digestformat{os.sep}"
_last: list[tuple[str, bytes | str]] = []  # (property, input) of the example being run
_trace: list[str] = []  # its steps


@settings(deadline=None, suppress_health_check=list(HealthCheck), database=None)
@given(st.one_of(mutated(), mutated(kinds=FEEDS), reencoded_feed(), front_matter_markdown()))
def readers_target(data: bytes) -> None:
    _last[:] = [("readers", data)]
    _trace.clear()
    check(data, trace=_trace)


@settings(deadline=None, suppress_health_check=list(HealthCheck), database=None)
@given(mutated_front_matter())
def front_matter_target(text: str) -> None:
    _last[:] = [("front matter", text)]
    _trace.clear()
    check_front_matter(text)


def _origin(exc: BaseException) -> BaseException:
    """The exception that matters: a placeless DigestError's own, not the assertion about it."""
    if isinstance(exc, AssertionError) and exc.__cause__ is not None:
        return exc.__cause__
    return exc


def classify(exc: BaseException, step: str | None = None) -> str:
    """'Type at file:line (innermost digestformat frame)' for the exception that failed; for
    a check of the property's own (a render that does not encode), the *step* it failed in."""
    origin = _origin(exc)
    frames = traceback.extract_tb(origin.__traceback__)
    last = frames[-1] if frames else None
    ours = next((f for f in reversed(frames) if _SRC in f.filename), None)
    name = type(origin).__name__
    if origin is not exc:
        name = f"DigestError without a place ({origin})"
    elif isinstance(exc, AssertionError):
        name = f"AssertionError ({exc})"
    where = f"{_short(last.filename)}:{last.lineno}" if last else "?"
    inner = f" in {_short(ours.filename)}:{ours.lineno} {ours.name}" if ours and ours is not last else ""
    if step is None or last is None or not last.filename.endswith("fuzzing_readers.py"):
        return f"{name} at {where}{inner}"
    return f"{name} at {where} [{re.sub(r'parse[(]data, [^)]*[)]', 'parse(…)', step)}]"


def _short(filename: str) -> str:
    for marker in (_SRC, f"{os.sep}site-packages{os.sep}", f"{os.sep}lib{os.sep}python3"):
        if marker in filename:
            return filename[filename.index(marker) + 1 :]
    return filename


def _run(prop: str, value: bytes | str, readers: tuple[str | None, ...] = READERS) -> tuple[str, str] | None:
    """(class, step) of the failure *value* causes, or None when it passes."""
    trace: list[str] = []
    try:
        if prop == "readers":
            assert isinstance(value, bytes)
            check(value, readers, trace)
        else:
            assert isinstance(value, str)
            check_front_matter(value)
    except Exception as exc:
        step = trace[-1] if trace else prop
        return classify(exc, step), step
    return None


def _layout_of(step: str) -> tuple[str | None, ...]:
    """The reader a step names ('parse(data, 'rss')...' -> ('rss',)), to replay it alone."""
    for layout in READERS:
        if f"parse(data, {layout!r})" in step:
            return (layout,)
    return READERS


def shrink(prop: str, value: T, key: str, seconds: float) -> T:
    """*value* with spans deleted while it still fails in class *key* (for at most *seconds*)."""
    deadline = time.monotonic() + seconds
    found = _run(prop, value)
    readers = _layout_of(found[1]) if found else READERS
    chunk = max(1, len(value) // 2)
    while chunk >= 1 and time.monotonic() < deadline:
        start, progressed = 0, False
        while start < len(value) and time.monotonic() < deadline:
            candidate = value[:start] + value[start + chunk :]
            result = _run(prop, candidate, readers) if candidate else None
            if result is not None and result[0] == key:
                value, progressed = candidate, True
            else:
                start += chunk
        if not progressed:
            chunk //= 2
    return value


@dataclass
class Found:
    count: int = 0
    smallest: bytes | str = b""
    frames: list[str] = field(default_factory=list)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=1.0, help="how long to fuzz (default 1)")
    parser.add_argument("--shrink-seconds", type=float, default=20.0, help="per failure class (default 20)")
    parser.add_argument("--save", type=Path, help="write each class's shrunk input to this folder")
    args = parser.parse_args()
    targets = [readers_target, readers_target, readers_target, front_matter_target]
    fuzzers = [t.hypothesis.fuzz_one_input for t in targets]  # type: ignore[attr-defined]
    deadline = time.monotonic() + args.minutes * 60
    runs = 0
    classes: dict[str, Found] = {}
    while time.monotonic() < deadline:
        try:
            fuzzers[runs % len(fuzzers)](os.urandom(4096))
        except Exception as exc:
            key = classify(exc, _trace[-1] if _trace else None)
            found = classes.setdefault(key, Found())
            found.count += 1
            _prop, value = _last[0]
            if found.count == 1 or len(value) < len(found.smallest):
                found.smallest = value
                frames = traceback.format_exception(_origin(exc))
                found.frames = frames[-4:]
            if found.count == 1:
                print(f"[{runs}] new failure class: {key}", flush=True)
        runs += 1
    print(f"\n{runs} inputs in {args.minutes:g} min: {len(classes)} failure classes\n")
    for number, (key, found) in enumerate(sorted(classes.items(), key=lambda kv: -kv[1].count), 1):
        small: bytes | str
        if isinstance(found.smallest, bytes):
            prop, small = "readers", shrink("readers", found.smallest, key, args.shrink_seconds)
        else:
            prop, small = "front matter", shrink("front matter", found.smallest, key, args.shrink_seconds)
        again = _run(prop, small)
        step = again[1] if again else "?"
        print(f"=== {number}. {key}  ({found.count} inputs)")
        print(f"step: {step}")
        print(f"input ({len(small)} {'bytes' if isinstance(small, bytes) else 'characters'}): {small!r}")
        print("".join(found.frames).rstrip())
        print()
        if args.save is not None:
            args.save.mkdir(parents=True, exist_ok=True)
            data = small if isinstance(small, bytes) else small.encode("utf-8", "surrogatepass")
            (args.save / f"class-{number:02d}.bin").write_bytes(data)
    return 1 if classes else 0


if __name__ == "__main__":
    sys.exit(main())
