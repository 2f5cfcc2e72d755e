"""Real Jekyll on a ``_posts/`` folder repaired by ``digestformat check --fix``.

``fixtures/jekyll/site/`` is the smallest site that builds review posts (no posts in it);
``fixtures/jekyll/_posts/`` holds synthetic posts: three without a defect, and one for each
defect below. The tests copy both into ``tmp_path`` and run ``jekyll build`` on the copy: two
builds in this module, the broken folder and the repaired one, about half a second each.

What Jekyll 4.3.1 (Debian's package) does with each defect, which is why the linter flags it:

* a blank line (or spaces) before the first ``---``: no front matter at all, and no message;
  the page is built at the default ``/:year/:month/:day/:title.html``, titled with the
  titleized file slug, the front matter printed as body text (a UTF-8 BOM is harmless);
* ``tags:  - Review`` on one line: ``Error: YAML Exception reading PATH: (<unknown>): block
  sequence entries are not allowed in this context at line L column C``; the build goes on and
  writes the page with an empty title, at a URL made of the build's date and the file name;
* a plain ``permalink:`` scalar whose second line starts at column 0: ``could not find
  expected ':' while scanning a simple key at line L column 1``, with the same outcome;
* ``tags:`` holding ``- [Review]``: no message; Jekyll flattens the list;
* ``:`` then ``[a-z_]+`` in a permalink that names no URL placeholder (``:_Capital``,
  ``:lower``): the whole build stops with exit status 1 and writes nothing; for ``:_`` the
  message is "The URL template doesn't have  or  keys. Check your permalink template!";
* no ``title:``: the page is titled with the titleized file slug, and no message;
* keywords in the body but not in ``tags`` (the 2026 generator wrote ``**키워:**`` lines and
  left ``tags`` holding only ``Review``): no message; the page is simply not tagged.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import lxml.html
import pytest
import yaml

import digestformat
from digestformat._slug import slug
from digestformat.cli import run

if shutil.which("jekyll") is None:
    pytest.skip(
        "jekyll is not installed: apt-get install jekyll (Debian) to run the real-Jekyll tests",
        allow_module_level=True,
    )

FIXTURES = Path(__file__).parent / "fixtures" / "jekyll"
SKELETON = FIXTURES / "site"
POSTS = FIXTURES / "_posts"
PREFIX = "[논문리뷰] "  # what every review post's title starts with
BUILD_TIMEOUT = 300  # seconds; one build of this site takes about half a second

Capture = pytest.CaptureFixture[str]

# Every post in fixtures/jekyll/_posts/: its paper's title, and its defect (None: it has none).
CASES: dict[str, tuple[str, str | None]] = {
    "2025-08-03-Causal-Probing-of-Arithmetic-Circuits-in-Small-Transformers.md": (
        "Causal Probing of Arithmetic Circuits in Small Transformers",
        "tags: holds a nested list, '- [Review]'",
    ),
    "2025-08-03-Sketch-to-Mesh-Diffusion-with-Topology-Aware-Guidance.md": (
        "Sketch-to-Mesh Diffusion with Topology-Aware Guidance",
        "a blank line before the front matter's '---'",
    ),
    "2025-08-04-Harmonic-Priors-for-Low-Bitrate-Neural-Audio-Codecs.md": (
        "Harmonic Priors for Low-Bitrate Neural Audio Codecs",
        None,
    ),
    "2025-08-05-Ledger-Auditing-Data-Provenance-in-Pretraining-Corpora.md": (
        "Ledger: Auditing Data Provenance in Pretraining Corpora",
        "'tags:  - Review' on one line, more items below",
    ),
    "2025-08-07-Adaptive-Token-Budgets-for-Multi-Document-Summarization.md": (
        "Adaptive Token Budgets for Multi-Document Summarization",
        "a plain permalink: scalar broken across two lines, the second at column 0",
    ),
    "2025-08-08-Quiet-Gradients-Detecting-Label-Noise-from-Optimizer-State.md": (
        "Quiet Gradients: Detecting Label Noise from Optimizer State",
        "no title: in the front matter; the title only in a '## Title' echo line",
    ),
    "2025-08-09-Position-Benchmarks-Should-Report-Energy-Alongside-Accuracy.md": (
        "Position: Benchmarks Should Report Energy Alongside Accuracy",
        "':_B' in the permalink: Jekyll reads ':_' as a URL placeholder and stops",
    ),
    "2026-03-13-Counterfactual-Rollouts-Debugging-Policy-Failures-in-Embodied-Agents.md": (
        "Counterfactual Rollouts: Debugging Policy Failures in Embodied Agents",
        "a '**키워:**' keyword line, and 'tags' holding only 'Review' (the generator missed them)",
    ),
    "2026-03-14-GlassBox-Retrieval-Interpretable-Dense-Retrievers-via-Sparse-Concept-Bottlenecks.md": (
        "GlassBox Retrieval: Interpretable Dense Retrievers via Sparse Concept Bottlenecks",
        None,
    ),
}
DEFECTIVE = sorted(name for name, (_, defect) in CASES.items() if defect is not None)
CLEAN = sorted(name for name, (_, defect) in CASES.items() if defect is None)

ANSI = re.compile(r"\x1b\[[0-9;]*m")  # Jekyll colours its messages even into a pipe
DEFECT_LINE = re.compile(
    r"^(?P<path>.+?):(?P<line>\d+):(?P<column>\d+): (?P<code>[A-Z]+[0-9]*) (?P<message>\S.*)$"
)
SUMMARY = re.compile(r"^(?P<files>\d+) files?, (?P<defects>\d+) with defects?, (?P<errors>\d+) errors?$")
HUNK = re.compile(r"^@@ -(?P<old>\d+)(?:,(?P<old_n>\d+))? \+(?P<new>\d+)(?:,(?P<new_n>\d+))? @@")


# ----------------------------------------------------------------------------- helpers


def _site(where: Path) -> Path:
    """A fresh copy of the skeleton with the fixture posts in its ``_posts/``."""
    site = where / "site"
    shutil.copytree(SKELETON, site)
    shutil.copytree(POSTS, site / "_posts")
    assert sorted(p.name for p in (site / "_posts").iterdir()) == sorted(CASES), "CASES and _posts/ differ"
    return site


def _snapshot(posts: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(posts.iterdir())}


def _jekyll(site: Path, *options: str) -> tuple[int, str]:
    """Build *site* into ``site/_site``; the exit status and everything Jekyll printed, uncoloured."""
    done = subprocess.run(
        [
            "jekyll",
            "build",
            "--safe",  # no plugins (there are none): what GitHub Pages runs
            "--disable-disk-cache",  # no .jekyll-cache/ in the source
            "--source",
            str(site),
            "--destination",
            str(site / "_site"),
            *options,
        ],
        cwd=site,
        env={**os.environ, "JEKYLL_ENV": "production"},
        capture_output=True,
        text=True,
        encoding="utf-8",
        errors="replace",
        timeout=BUILD_TIMEOUT,
        check=False,
    )
    return done.returncode, ANSI.sub("", done.stdout + done.stderr)


def _check(argv: list[str], capsys: Capture) -> tuple[int, list[str], list[str]]:
    """``digestformat`` in process: the exit status and the stdout and stderr lines."""
    code = run(argv)
    out, err = capsys.readouterr()
    return code, out.splitlines(), err.splitlines()


def _defects(lines: list[str], names: set[str]) -> dict[str, list[re.Match[str]]]:
    """The ``PATH:LINE:COL: CODE message`` lines, by the file name they name."""
    found: dict[str, list[re.Match[str]]] = {}
    for line in lines:
        match = DEFECT_LINE.match(line)
        if match is None:
            continue
        name = Path(match["path"]).name
        assert name in names, f"a defect line names no post of the folder: {line!r}"
        found.setdefault(name, []).append(match)
    return found


def _summary(out: list[str], err: list[str]) -> re.Match[str] | None:
    """The ``N files, N with defects, N errors`` line that ends stdout or stderr."""
    for lines in (out, err):
        last = [line for line in lines if line.strip()][-1:]
        if last and (match := SUMMARY.match(last[0].strip())):
            return match
    return None


def _front_matter(data: bytes) -> dict[str, Any]:
    """The front matter as YAML reads it; the file must open with ``---`` as Jekyll wants."""
    text = data.decode("utf-8")
    assert text.startswith("---\n"), f"does not start with '---': {text[:40]!r}"
    end = text.find("\n---\n", 3)
    assert end != -1, "the front matter does not end"
    loaded = yaml.safe_load(text[4:end])
    assert isinstance(loaded, dict), f"the front matter is not a mapping: {loaded!r}"
    return loaded


def _page(site_out: Path, permalink: str) -> Path:
    """Where Jekyll writes the page of a post with this ``permalink:``."""
    page = site_out / permalink.lstrip("/")
    if permalink.endswith("/"):
        return page / "index.html"
    return page if page.suffix else page.with_name(page.name + ".html")


def _title(page: Path) -> str | None:
    return lxml.html.fromstring(page.read_text("utf-8")).findtext(".//title")


def _patched(original: str, hunks: list[tuple[int, int, list[str]]]) -> list[str]:
    """*original*'s lines with unified-diff *hunks* (old start, old count, body lines) applied."""
    lines = original.splitlines()
    result: list[str] = []
    at = 0
    for start, count, body in hunks:
        index = start - 1 if count else start
        assert index >= at, "the hunks overlap or are out of order"
        result.extend(lines[at:index])
        for line in body:
            kind, text = (line[:1], line[1:]) if line else (" ", "")
            if kind in " -":
                assert index < len(lines), f"the diff runs past the end of the file: {line!r}"
                assert lines[index] == text, f"the diff does not fit: {line!r}"
                index += 1
            if kind in " +":
                result.append(text)
        at = index
    return result + lines[at:]


def _parse_diff(lines: list[str], names: set[str]) -> dict[str, list[tuple[int, int, list[str]]]]:
    """The hunks of a unified diff, by the post named in each ``+++`` header."""
    files: dict[str, list[tuple[int, int, list[str]]]] = {}
    current: str | None = None
    i = 0
    while i < len(lines):
        line = lines[i]
        i += 1
        if line.startswith("+++ "):
            named = [name for name in names if name in line]
            assert len(named) == 1, f"a diff header names no post, or several: {line!r}"
            current = named[0]
            assert current not in files, f"two diffs for {current}"
            files[current] = []
        elif (hunk := HUNK.match(line)) is not None:
            assert current is not None, f"a hunk before any '+++' header: {line!r}"
            old_n = int(hunk["old_n"] or "1")
            new_n = int(hunk["new_n"] or "1")
            body: list[str] = []
            while old_n > 0 or new_n > 0:
                assert i < len(lines), "the diff ends inside a hunk"
                body_line = lines[i]
                i += 1
                kind = body_line[:1] or " "
                assert kind in " -+\\", f"not a hunk line: {body_line!r}"
                old_n -= int(kind in " -")
                new_n -= int(kind in " +")
                if kind != "\\":
                    body.append(body_line)
            files[current].append((int(hunk["old"]), int(hunk["old_n"] or "1"), body))
    return files


# ----------------------------------------------------------------------------- the tests


def test_the_unrepaired_posts_break_real_jekyll(tmp_path: Path) -> None:
    site = _site(tmp_path)
    code, output = _jekyll(site)
    assert code != 0 or "YAML Exception" in output, f"the fixture posts build cleanly:\n{output}"
    # The crash of the whole build, and which posts YAML rejects on the way:
    assert code == 1, output
    assert "Check your permalink template!" in output, output
    exceptions = [line for line in output.splitlines() if "YAML Exception reading" in line]
    for name in (
        "2025-08-05-Ledger-Auditing-Data-Provenance-in-Pretraining-Corpora.md",
        "2025-08-07-Adaptive-Token-Budgets-for-Multi-Document-Summarization.md",
    ):
        assert any(name in line for line in exceptions), f"no YAML Exception for {name}:\n{output}"
    assert not (site / "_site").exists() or not list((site / "_site").rglob("*.html")), "pages were written"


def test_check_fix_repairs_every_post_for_real_jekyll(tmp_path: Path, capsys: Capture) -> None:
    site = _site(tmp_path)
    posts = site / "_posts"
    names = set(CASES)
    before = _snapshot(posts)

    # 1. check: exit 1, a defect line for every defective post and for no other.
    code, out, err = _check(["check", str(posts)], capsys)
    shown = "\n".join([*out, *err])
    assert code == 1, f"check found no defect (exit {code}):\n{shown}"
    reported = _defects([*out, *err], names)
    assert sorted(reported) == DEFECTIVE, (
        f"missed: {sorted(set(DEFECTIVE) - set(reported))}; "
        f"flagged although Jekyll builds them as they are: {sorted(set(reported) - set(DEFECTIVE))}\n{shown}"
    )
    for name, matches in reported.items():
        count = len(before[name].decode("utf-8").splitlines())
        for match in matches:
            assert 1 <= int(match["line"]) <= count + 1, match[0]
            assert int(match["column"]) >= 1, match[0]
    summary = _summary(out, err)
    assert summary is not None, f"no 'N files, N with defects, N errors' line at the end:\n{shown}"
    assert (int(summary["files"]), int(summary["defects"]), int(summary["errors"])) == (
        len(CASES),
        len(DEFECTIVE),
        0,
    ), summary[0]
    assert _snapshot(posts) == before, "check without --fix wrote to a file"

    # 2. check --fix, then check again: nothing left.
    code, out, err = _check(["check", "--fix", str(posts)], capsys)
    assert code in (0, 1), "\n".join([*out, *err])
    code, out, err = _check(["check", str(posts)], capsys)
    shown = "\n".join([*out, *err])
    assert code == 0, f"defects left after --fix (exit {code}):\n{shown}"
    assert _defects([*out, *err], names) == {}, shown
    if (summary := _summary(out, err)) is not None:
        assert (int(summary["files"]), int(summary["defects"]), int(summary["errors"])) == (len(CASES), 0, 0)

    after = _snapshot(posts)
    for name in CLEAN:
        assert after[name] == before[name], f"--fix changed {name}, which has no defect"
    for name in DEFECTIVE:
        assert after[name] != before[name], f"--fix left {name} as it was"

    # 3. Real Jekyll: no YAML error, no crash, no conflict.
    code, output = _jekyll(site, "--strict-front-matter")
    assert code == 0, output
    assert "YAML Exception" not in output, output
    assert not [line for line in output.splitlines() if "Error" in line], output
    assert "Conflict:" not in output, output

    # 4. Every post has exactly one page, titled with its paper's title.
    built = site / "_site"
    pages: dict[Path, str] = {}
    for name in sorted(CASES):
        page = _page(built, str(_front_matter(after[name])["permalink"]))
        pages.setdefault(page, name)
    assert sorted(pages.values()) == sorted(CASES), f"two posts share a page: {pages}"
    assert sorted(built.rglob("*.html")) == sorted(pages), "pages that no post's permalink names"
    wrong: list[str] = []
    for page, name in pages.items():
        title, _ = CASES[name]
        if not page.is_file():
            wrong.append(f"{name}: no page at {page.relative_to(built)}")
        elif (shown_title := _title(page)) != PREFIX + title:
            wrong.append(f"{name}: the page is titled {shown_title!r}")
        if (front_title := _front_matter(after[name]).get("title")) != PREFIX + title:
            wrong.append(f"{name}: the front matter's title is {front_title!r}")
        papers = digestformat.parse(after[name]).papers
        if (parsed := papers[0].title if papers else None) != title:
            wrong.append(f"{name}: digestformat.parse gives the title {parsed!r}")
    assert not wrong, "\n".join(wrong)


def test_check_diff_prints_the_fix_and_writes_nothing(tmp_path: Path, capsys: Capture) -> None:
    names = set(CASES)
    posts = _site(tmp_path / "diff") / "_posts"
    before = _snapshot(posts)
    code, out, err = _check(["check", "--diff", str(posts)], capsys)
    shown = "\n".join([*out, *err])
    assert code in (0, 1), shown
    assert _snapshot(posts) == before, "check --diff wrote to a file"
    stream = out if any(HUNK.match(line) for line in out) else err
    diffs = _parse_diff(stream, names)
    assert sorted(diffs) == DEFECTIVE, f"diffs for {sorted(diffs)}, expected {DEFECTIVE}:\n{shown}"

    fixed = _site(tmp_path / "fix") / "_posts"
    assert run(["check", "--fix", str(fixed)]) in (0, 1)
    capsys.readouterr()
    for name, hunks in diffs.items():
        assert hunks, f"a diff header for {name} without a hunk"
        want = (fixed / name).read_text("utf-8").splitlines()
        assert _patched(before[name].decode("utf-8"), hunks) == want, (
            f"the diff of {name} is not what --fix does"
        )


# ----------------------------------------------------------------------------- fresh posts from digests

SAMPLES = [
    Path(__file__).parent / "fixtures" / name / "valid" / "sample.md" for name in ("tagged", "translated")
]
INDEX = """---
layout: default
title: Posts
---
<ul class="posts">
{% for post in site.posts %}<li><a href="{{ post.url | relative_url }}">{{ post.title }}</a></li>
{% endfor %}</ul>
"""
"""A home page listing the posts as minima's home does: ``site.posts``, newest first."""


def test_posts_split_from_digests_build_with_links_and_in_rank_order(tmp_path: Path, capsys: Capture) -> None:
    site = tmp_path / "site"
    shutil.copytree(SKELETON, site)
    (site / "index.html").write_text(INDEX, "utf-8")
    # the line fresh posts no longer have: kramdown makes it a table (so the check below means something)
    (site / "legacy.md").write_text(
        "---\n---\n**Upvotes**: 1 | **도입 난이도**: 중 | **신뢰도**: 중\n", "utf-8"
    )
    posts = site / "_posts"
    for sample in SAMPLES:
        code, out, err = _check(["convert", str(sample), "--to", "review", "-o", f"{posts}{os.sep}"], capsys)
        assert code == 0, "\n".join([*out, *err])
    code, output = _jekyll(site, "--strict-front-matter")
    assert code == 0, output
    assert "Error" not in output, output
    built = site / "_site"
    assert lxml.html.fromstring((built / "legacy.html").read_bytes()).findall(".//table"), "no table"

    expected: list[tuple[str, str]] = []  # (permalink, paper title): newest day first, then rank order
    for sample in SAMPLES:
        doc = digestformat.parse(sample.read_bytes())
        for paper in sorted(doc.papers, key=lambda p: p.rank or 0):
            expected.append((f"/ai/review/{doc.date}-{slug(paper.title)}/", paper.title))
        for post in posts.glob(f"{doc.date}-*.md"):
            paper = digestformat.parse(post.read_bytes()).papers[0]
            page = lxml.html.fromstring(
                _page(built, str(_front_matter(post.read_bytes())["permalink"])).read_bytes()
            )
            assert page.findall(".//table") == [], f"{post.name}: a table in the page (a '|' meta line?)"
            assert paper.url is not None
            hrefs = [a.get("href") for a in page.iter("a")]
            assert paper.url in hrefs, f"{post.name}: the URL {paper.url} is no link: {hrefs}"
            url_para = next(p for p in page.iter("p") if p.text_content().startswith("URL:"))
            assert [a.get("href") for a in url_para.iter("a")] == [paper.url]
            assert "Rank" not in page.text_content()
            assert "Upvotes" not in page.text_content()
    expected.sort(key=lambda item: item[0][11:21], reverse=True)  # days newest first; sort is stable
    home = lxml.html.fromstring((built / "index.html").read_bytes())
    listed = [(a.get("href"), a.text_content()) for a in home.iter("a")]
    assert listed == [(link, PREFIX + title) for link, title in expected], listed


def test_with_assets_url_every_image_of_a_post_resolves_to_a_file_of_the_site(
    tmp_path: Path, capsys: Capture
) -> None:
    site = tmp_path / "site"
    shutil.copytree(SKELETON, site)
    thumbnails = set()
    for sample in SAMPLES:
        for paper in digestformat.parse(sample.read_bytes()).papers:
            if paper.thumbnail is not None:
                thumbnails.add(paper.thumbnail.src)
    assert thumbnails, "the samples have thumbnails"
    for src in thumbnails:  # the site's copies of the images, where --assets-url says they are
        image = site / "assets" / src
        image.parent.mkdir(parents=True, exist_ok=True)
        image.write_bytes(b"GIF89a")
    posts = site / "_posts"
    for sample in SAMPLES:
        argv = ["convert", str(sample), "--to", "review", "--assets-url", "/assets", "-o", f"{posts}{os.sep}"]
        code, out, err = _check(argv, capsys)
        assert code == 0, "\n".join([*out, *err])
        assert not any("--assets-url" in line for line in err), err  # no warning: every path was rewritten
    code, output = _jekyll(site, "--strict-front-matter")
    assert code == 0, output
    built = site / "_site"
    seen = 0
    for page_path in built.rglob("*.html"):
        for img in lxml.html.fromstring(page_path.read_bytes()).iter("img"):
            src = img.get("src") or ""
            assert src.startswith("/"), f"{page_path}: {src!r} resolves against the page's permalink"
            assert (built / src.lstrip("/")).is_file(), f"{page_path}: {src} is no file of the site"
            seen += 1
    assert seen >= len(thumbnails)
