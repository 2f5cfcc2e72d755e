"""``digestformat check``: findings, the summary, --fix, --diff, --select/--ignore, and
docs/rules.md kept in step with the rule table."""

from __future__ import annotations

import datetime as dt
import io
import re
import shutil
import sys
from pathlib import Path

import pytest
import yaml

import digestformat as df
from digestformat import _frontmatter, _lint
from digestformat.cli import run

FIXTURES = Path(__file__).parent / "fixtures"
REVIEW = FIXTURES / "review" / "valid"
RULES_DOC = Path(__file__).parent.parent / "docs" / "rules.md"
FINDING = re.compile(
    r"^(?P<path>.+?):(?P<line>\d+):(?P<column>\d+): (?P<code>[A-Z]{2}\d{3}) (?P<message>.+)$"
)

Capture = pytest.CaptureFixture[str]

# fixture -> the codes check must report for it (default rules)
EXPECTED: dict[str, set[str]] = {
    "fm-blank-line.md": {"JK001"},
    "fm-indented-fence.md": {"JK001"},
    "fm-tags-on-key-line.md": {"JK002"},
    "fm-broken-scalar.md": {"JK003"},
    "fm-nested-tags.md": {"JK004", "JK005"},
    "fm-no-title.md": {"JK006"},
    "fm-permalink-colon.md": {"JK008"},
    "template-2026.md": {"JK005"},
    "template-2026-english.md": {"JK005"},
    "echo-h2.md": set(),
    "template-2026-tagged.md": set(),
    "nested.md": set(),
}


def _findings(out: str) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for line in out.splitlines():
        match = FINDING.match(line)
        if match:
            found.setdefault(Path(match["path"]).name, set()).add(match["code"])
    return found


@pytest.fixture
def posts(tmp_path: Path) -> Path:
    folder = tmp_path / "_posts"
    folder.mkdir()
    for name in EXPECTED:
        shutil.copyfile(REVIEW / name, folder / name)
    return folder


def test_check_reports_each_defect_with_its_code_and_a_summary(posts: Path, capsys: Capture) -> None:
    assert run(["check", str(posts)]) == 1
    out = capsys.readouterr().out
    assert _findings(out) == {name: codes for name, codes in EXPECTED.items() if codes}
    assert out.splitlines()[-1] == f"{len(EXPECTED)} files, 9 with defects, 0 errors"


def test_check_fix_repairs_only_the_defective_files_and_keeps_their_content(
    posts: Path, capsys: Capture
) -> None:
    before = {p.name: p.read_bytes() for p in posts.iterdir()}
    assert run(["check", "--fix", str(posts)]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[-1] == f"{len(EXPECTED)} files, 0 with defects, 0 errors"
    assert run(["check", str(posts)]) == 0
    capsys.readouterr()
    for name, codes in EXPECTED.items():
        after = (posts / name).read_bytes()
        if not codes:
            assert after == before[name], name
            continue
        assert after != before[name], name
        old, new = df.parse(before[name]), df.parse(after)
        assert new.warnings == [], (name, new.warnings)
        assert new.trivia.front_matter_raw is not None
        assert new.trivia.front_matter_raw[0] == "---"
        assert new.date == old.date
        (o,), (n,) = old.papers, new.papers
        assert (n.title, n.authors, n.keywords, n.links, n.sections) == (
            o.title,
            o.authors,
            o.keywords,
            o.links,
            o.sections,
        )
        assert set(o.tags) <= set(n.tags)
        assert set(n.keywords) <= {*n.tags, "Review"}
        # only front-matter lines changed: the body after the closing fence is as it was
        assert _body(after) == _body(before[name]), name


def _body(data: bytes) -> bytes:
    block = _frontmatter.find(data.decode("utf-8").split("\n"))
    assert block is not None
    return b"\n".join(data.split(b"\n")[block[1] + 1 :])


def test_check_diff_prints_the_fix_and_writes_nothing(posts: Path, capsys: Capture) -> None:
    before = {p.name: p.read_bytes() for p in posts.iterdir()}
    assert run(["check", "--diff", str(posts)]) == 1
    out = capsys.readouterr().out
    assert f"--- {posts / 'fm-blank-line.md'}" in out
    assert "-tags:  - Review" in out
    assert {p.name: p.read_bytes() for p in posts.iterdir()} == before


def test_select_and_ignore(posts: Path, capsys: Capture) -> None:
    assert run(["check", "--select", "JK001,JK008", str(posts)]) == 1
    found = _findings(capsys.readouterr().out)
    assert found == {
        "fm-blank-line.md": {"JK001"},
        "fm-indented-fence.md": {"JK001"},
        "fm-permalink-colon.md": {"JK008"},
    }
    assert run(["check", "--ignore", "JK", str(posts)]) == 1  # the parser's own warnings remain
    assert set().union(*_findings(capsys.readouterr().out).values()) == {"DF002"}
    assert run(["check", "--ignore", "JK,DF002", str(posts)]) == 0
    assert _findings(capsys.readouterr().out) == {}


def test_an_unknown_code_is_bad_usage(posts: Path, capsys: Capture) -> None:
    assert run(["check", "--select", "XX9", str(posts)]) == 2
    assert "unknown rule code 'XX9'" in capsys.readouterr().err


def test_optional_rules_run_when_selected(tmp_path: Path, capsys: Capture) -> None:
    post = tmp_path / "2026-03-13-x.md"
    shutil.copyfile(REVIEW / "template-2026-tagged.md", post)
    assert run(["check", str(post)]) == 0
    capsys.readouterr()
    assert run(["check", "--select", "JK101", str(post)]) == 1
    out = capsys.readouterr().out
    assert f"{post}:20:1: JK101 'date' writes its zone twice ('+0900+0900'); Jekyll reads the first" in out
    assert run(["check", "--select", "JK101", "--fix", str(post)]) == 0
    capsys.readouterr()
    assert "date: 2026-03-13 00:00:00+0900\n" in post.read_text("utf-8")
    assert df.parse(post.read_bytes()).date == dt.date(2026, 3, 13)


def test_duplicate_permalinks_across_the_archive(tmp_path: Path, capsys: Capture) -> None:
    for name in ("a.md", "b.md", "c.md"):
        shutil.copyfile(REVIEW / "echo-h2.md", tmp_path / name)
    names = ("a.md", "b.md", "c.md")
    assert run(["check", str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert _findings(out) == {"b.md": {"JK009"}, "c.md": {"JK009"}}
    assert run(["check", "--fix", str(tmp_path)]) == 0
    capsys.readouterr()
    links = {str((df.parse((tmp_path / n).read_bytes()).front_matter or {})["permalink"]) for n in names}
    assert len(links) == 3


def test_a_missing_date_comes_from_the_file_name(tmp_path: Path, capsys: Capture) -> None:
    text = (REVIEW / "echo-h2.md").read_text("utf-8")
    text = "".join(line for line in text.splitlines(keepends=True) if not line.startswith("date:"))
    post = tmp_path / "2025-08-03-x.md"
    post.write_text(text, "utf-8")
    assert run(["check", str(post)]) == 1
    assert " JK007 no 'date' in the front matter; the file name gives 2025-08-03" in capsys.readouterr().out
    assert run(["check", "--fix", str(post)]) == 0
    assert df.parse(post.read_bytes()).date == dt.date(2025, 8, 3)


def test_one_edit_repairs_a_permalink_that_is_broken_and_holds_a_placeholder(tmp_path: Path) -> None:
    text = (REVIEW / "fm-broken-scalar.md").read_text("utf-8")
    text = text.replace("Diversity_in_\n", "Diversity:_in_\n", 1)
    post = tmp_path / "p.md"
    post.write_text(text, "utf-8")
    assert run(["check", "--fix", str(post)]) == 0
    fixed = df.parse(post.read_bytes())
    link = (fixed.front_matter or {})["permalink"]
    assert (
        link == "/ai/review/2025-8-7-Measuring_Source_Diversity_in_Retrieval-Augmented_Generation_Pipelines/"
    )
    assert fixed.warnings == []


def test_unknown_headings_are_counted_and_a_config_teaches_them(tmp_path: Path, capsys: Capture) -> None:
    invented = FIXTURES / "config" / "invented" / "invented-template.md"
    for name in ("one.md", "two.md"):
        shutil.copyfile(invented, tmp_path / name)
    assert run(["check", str(tmp_path)]) == 1
    out = capsys.readouterr().out.splitlines()
    at = out.index("unknown headings (teach them in a config file: docs/config.md):")
    assert out[at + 1 : at + 6] == [
        "  files  heading",
        "      2  배경",
        "      2  실험",
        "      2  접근 방식",
        "      2  한계와 전망",
    ]
    config = invented.parent / "digestformat.toml"
    assert (
        run(["check", "--config", str(config), "--ignore", "JK009", str(tmp_path)]) == 0
    )  # copies: one permalink
    assert capsys.readouterr().out == "2 files, 0 with defects, 0 errors\n"


def test_folders_skip_dot_folders_site_and_node_modules(tmp_path: Path, capsys: Capture) -> None:
    for folder in (".git", "_site", "node_modules", "posts"):
        (tmp_path / folder).mkdir()
        shutil.copyfile(REVIEW / "fm-blank-line.md", tmp_path / folder / "x.md")
    (tmp_path / "posts" / "notes.txt").write_text("not markdown")
    assert run(["check", str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert _findings(out) == {"x.md": {"JK001"}}
    assert out.splitlines()[-1] == "1 file, 1 with defects, 0 errors"


# ------------------------------------------------------------------ docs/rules.md


def test_every_rule_is_documented_with_an_example() -> None:
    doc = RULES_DOC.read_text("utf-8")
    headed = re.findall(r"^## ([A-Z]{2}\d{3}) ", doc, flags=re.MULTILINE)
    assert headed == list(_lint.CODES)
    for code in _lint.CODES:
        section = doc.split(f"## {code} ", 1)[1].split("\n## ", 1)[0]
        assert re.search(rf"^\S+:\d+:\d+: {code} \S", section, flags=re.MULTILINE), code
        optional = "(optional)" in section.splitlines()[0]
        assert optional == (code in _lint.OPTIONAL), code


def test_the_pre_commit_hook_runs_check() -> None:
    hooks = yaml.safe_load((RULES_DOC.parent.parent / ".pre-commit-hooks.yaml").read_text("utf-8"))
    assert {hook["id"]: hook["entry"] for hook in hooks} == {
        "digestformat-check": "digestformat check",
        "digestformat-fix": "digestformat check --fix",
    }


def test_check_reads_standard_input_and_never_fixes_it(
    monkeypatch: pytest.MonkeyPatch, capsys: Capture
) -> None:
    data = (REVIEW / "fm-blank-line.md").read_bytes()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
    assert run(["check", "--fix", "-"]) == 1
    out = capsys.readouterr().out
    assert out.startswith("<stdin>:1:1: JK001 1 blank line before the front matter's '---'")
    assert out.endswith("1 file, 1 with defects, 0 errors\n")


def test_keywords_already_in_the_tags_in_another_case_are_not_missing(
    tmp_path: Path, capsys: Capture
) -> None:
    text = (REVIEW / "template-2026.md").read_text("utf-8")
    doc = df.parse(text)
    tags = "".join(f"  - {word.upper()}\n" for word in doc.papers[0].keywords)
    post = tmp_path / "p.md"
    post.write_text(text.replace("tags:\n  - Review\n", "tags:\n  - Review\n" + tags, 1), "utf-8")
    assert run(["check", str(post)]) == 0
    assert capsys.readouterr().out == "1 file, 0 with defects, 0 errors\n"
