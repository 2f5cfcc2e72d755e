"""The benchmark's synthetic archive: the test fixtures parsed, varied and rendered back.

``generate(folder, files, small, seed)`` is the entry point (``bench/run.py`` re-exports it, and
other scripts, old revisions' among them, call ``run.generate`` with these arguments).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
import time
from dataclasses import dataclass, field
from pathlib import Path

import digestformat as df

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
LAYOUTS = ("tagged", "translated", "imrad", "review")

ATTEMPTS = 12  # variants of a file tried before its number goes into a title
BASE_DATE = dt.date(2023, 1, 2)
SPAN_DAYS = 3 * 365
TITLE_SUFFIXES = ("", "", "", "", " Revisited", " v2", " at Scale", " (Extended Version)", ": A Closer Look")


class BenchError(Exception):
    """Something went wrong: the benchmark cannot give its figures."""


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


def _vary(
    fixture: Fixture, rng: random.Random, day: dt.date, titles: bool, tag: str = ""
) -> tuple[df.Digest, bytes]:
    """The fixture with its date moved to *day*, its papers shuffled and renumbered,
    upvotes nudged, (when *titles*) a few words added to some titles, and *tag* to the first."""
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
    if tag and doc.papers:
        doc.papers[0].title += tag
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
        for attempt in range(ATTEMPTS + 4):
            if attempt and attempt % 2 == 0:
                fixture = rng.choice(fixtures[layout])  # this one would not vary: take another
            # past ATTEMPTS, the file's number in a title: past ~30,000 files, some fixtures
            # (no date, one paper, no upvotes) have no unused variant left. Files that were
            # made within ATTEMPTS are as they always were.
            tag = f" (No. {i})" if attempt >= ATTEMPTS else ""
            doc, blob = _vary(fixture, rng, day, titles=attempt % 2 == 0, tag=tag)
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
