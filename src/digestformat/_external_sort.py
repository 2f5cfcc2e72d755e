"""Sorting more lines than should be held: sorted runs in temporary files, merged.

``Sorter`` takes (key, text) pairs and gives them back sorted by key, stably
(pairs of equal keys in the order they were added), holding at most about
``limit`` bytes of them: past that, the pairs held are sorted and written to
an unnamed temporary file (a run), and the runs are merged when read. What
migrate gathers over a whole archive (the journal's lines, the feed's dates,
the joined posts) goes through one, so that its memory does not grow with the
archive. A text holds no newline (JSON, as migrate's are); a key may hold
anything but NUL.
"""

from __future__ import annotations

import heapq
import json
import tempfile
from collections.abc import Iterable, Iterator
from operator import itemgetter
from pathlib import Path
from typing import IO

__all__ = ["Sorter"]

LIMIT = 1 << 20
"""About how many bytes of pairs a Sorter holds before it writes them out (1 MiB)."""
MAX_RUNS = 256
"""Runs (open temporary files) a Sorter keeps before it merges them into one."""
_BLOCK = 1 << 18  # bytes written to a run at a time
_KEY = itemgetter(0)
_STR = json.encoder.encode_basestring  # a key as one line: JSON escapes newlines


class Sorter:
    """(key, text) pairs, sorted by key (descending with *reverse*), in bounded memory."""

    def __init__(
        self, folder: Path | None = None, *, limit: int | None = None, reverse: bool = False
    ) -> None:
        self.folder = folder if folder is not None and folder.is_dir() else None
        self.limit = LIMIT if limit is None else limit
        self.reverse = reverse
        self.held: list[tuple[str, str]] = []
        self.size = 0
        self.runs: list[IO[bytes]] = []
        self.count = 0

    def add(self, key: str, text: str) -> None:
        self.held.append((key, text))
        self.count += 1
        self.size += len(key) + len(text) + 170  # about what a pair of short strings takes
        if self.size > self.limit:
            self._spill()

    def _spill(self) -> None:
        self.held.sort(key=_KEY, reverse=self.reverse)
        self.runs.append(self._run(self.held))
        self.held = []
        self.size = 0
        if len(self.runs) >= MAX_RUNS:  # as many open files as that at most: merged into one
            merged = self._run(heapq.merge(*map(_read, self.runs), key=_KEY, reverse=self.reverse))
            for run in self.runs:
                run.close()
            self.runs = [merged]

    def _run(self, pairs: Iterable[tuple[str, str]]) -> IO[bytes]:
        """*pairs* in a temp file, unnamed where the OS can (O_TMPFILE), else unlinked at once (a
        kill leaves nothing, or a hidden ``.digestformat-sort.*``); closed in ``close``; unbuffered,
        so that a run waiting to be read holds no buffer."""
        run = tempfile.TemporaryFile(buffering=0, prefix=".digestformat-sort.", dir=self.folder)  # noqa: SIM115
        block: list[bytes] = []
        size = 0
        most = max(4096, min(_BLOCK, self.limit))
        for key, text in pairs:
            line = f"{_STR(key)}\0{text}\n".encode()
            block.append(line)
            size += len(line)
            if size >= most:
                _write(run, b"".join(block))
                block, size = [], 0
        _write(run, b"".join(block))
        return run

    def __len__(self) -> int:
        return self.count

    def __iter__(self) -> Iterator[tuple[str, str]]:
        """Every pair, sorted; may be read more than once."""
        self.held.sort(key=_KEY, reverse=self.reverse)
        if not self.runs:
            return iter(list(self.held))
        streams = [_read(run) for run in self.runs]
        return heapq.merge(*streams, list(self.held), key=_KEY, reverse=self.reverse)

    def close(self) -> None:
        for run in self.runs:
            run.close()
        self.runs = []
        self.held = []

    def __enter__(self) -> Sorter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _write(run: IO[bytes], data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[run.write(view) or 0 :]


def _read(run: IO[bytes]) -> Iterator[tuple[str, str]]:
    with open(run.fileno(), "rb", closefd=False) as handle:  # a buffer while it is read only
        handle.seek(0)
        for line in handle:
            key, _, text = line.partition(b"\0")
            yield json.loads(key), text[:-1].decode()
