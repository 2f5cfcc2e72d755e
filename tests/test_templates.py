"""Review posts as real blogs write them: every template generation, line kind and front-matter
defect is read completely, round-trips, and takes a title edit on the title's lines only.

The fixtures (tests/fixtures/review/valid/{template-2026*,echo-*,nested,keywords-plain,fm-*}.md)
are synthetic posts in the structures of a real review blog; tests/fixtures/config/ holds an
invented template and the config file that teaches it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import digestformat as df
from digestformat.cli import run
from digestformat.layouts.vocabulary import equivalent, kind_of

FIXTURES = Path(__file__).parent / "fixtures"
REVIEW = FIXTURES / "review" / "valid"
POSTS = sorted(
    p
    for pattern in ("template-2026*.md", "echo-*.md", "nested.md", "keywords-plain.md", "fm-*.md")
    for p in REVIEW.glob(pattern)
)
GENERATION = {
    "template-2026.md": "numbered",
    "template-2026-crlf.md": "numbered",
    "template-2026-tagged.md": "numbered",
    "template-2026-english.md": "numbered-english",
    "nested.md": "classic-nested",
}
NUMBERED_KINDS = ["key_terms", "motivation", "method_and_results", "conclusion_and_impact"]
CLASSIC_KINDS = ["research_goal", "methodology", "key_results", "implications"]


def _ids(path: Path) -> str:
    return path.name


def test_the_post_fixtures_are_there() -> None:
    assert len(POSTS) == 16


@pytest.mark.parametrize("path", POSTS, ids=_ids)
def test_every_post_is_read_completely(path: Path) -> None:
    data = path.read_bytes()
    assert df.detect(data) == "review"
    doc = df.parse(data)
    assert doc.layout == "review"
    assert doc.template == GENERATION.get(path.name, "classic")
    assert len(doc.papers) == 1
    paper = doc.papers[0]
    assert paper.title
    assert not paper.title.startswith("[논문리뷰]")
    assert doc.date is not None
    assert paper.links["pdf"].startswith("https://arxiv.org/abs/")
    assert paper.arxiv_id is not None
    assert paper.authors
    assert paper.extra == []
    kinds = [section.kind for section in paper.sections]
    assert kinds == (
        NUMBERED_KINDS if doc.template and doc.template.startswith("numbered") else CLASSIC_KINDS
    )
    text = data.decode("utf-8")
    if "**키워드:**" in text or "**키워:**" in text:
        assert len(paper.keywords) >= 2
        assert all("`" not in word for word in paper.keywords)
    else:
        assert paper.keywords == []
    # no warning but the front-matter defects and the missing title
    for warning in doc.warnings:
        assert warning.message.startswith(("front matter", "the front matter has no title")), warning


@pytest.mark.parametrize("path", POSTS, ids=_ids)
def test_every_post_round_trips_directly_and_through_json(path: Path) -> None:
    data = path.read_bytes()
    doc = df.parse(data)
    assert df.render(doc).encode("utf-8") == data
    again = df.parse(df.render(doc, "json"), "json")
    assert again == doc
    assert again.template == doc.template
    assert df.render(again).encode("utf-8") == data


@pytest.mark.parametrize("path", POSTS, ids=_ids)
def test_a_title_edit_changes_only_the_title_lines(path: Path) -> None:
    data = path.read_bytes().decode("utf-8")
    doc = df.parse(data)
    old = doc.papers[0].title
    doc.papers[0].title = "A New Title: Edited"
    after = df.render(doc)
    before_lines, after_lines = data.splitlines(), after.splitlines()
    assert len(before_lines) == len(after_lines)
    changed = [i for i, (a, b) in enumerate(zip(before_lines, after_lines, strict=True)) if a != b]
    assert changed
    for i in changed:
        line = before_lines[i]
        assert old in line or line.startswith("title:"), line
        assert "A New Title: Edited" in after_lines[i]
        assert not line.startswith("excerpt:")
    assert df.parse(after).papers[0].title == "A New Title: Edited"


def test_keywords_edit_rewrites_the_keyword_line_in_its_generation_label() -> None:
    doc = df.parse((REVIEW / "template-2026.md").read_bytes())
    doc.papers[0].keywords = ["A", "B"]
    lines = df.render(doc).splitlines()
    assert "**키워:** `A`, `B`" in lines
    old = df.parse((REVIEW / "echo-h2.md").read_bytes())
    old.papers[0].keywords = ["A"]
    assert "**키워드:** `A`" in df.render(old).splitlines()


def test_plain_keywords_keep_their_spelling_until_edited() -> None:
    data = (REVIEW / "keywords-plain.md").read_text("utf-8")
    line = next(line for line in data.splitlines() if line.startswith("**키워드:**"))
    assert "`" not in line
    doc = df.parse(data)
    assert df.render(doc) == data
    doc.papers[0].keywords.append("Extra")
    assert "`Extra`" in df.render(doc)


def test_a_title_echo_is_not_a_section_and_gives_the_title_when_front_matter_has_none() -> None:
    doc = df.parse((REVIEW / "fm-no-title.md").read_bytes())
    paper = doc.papers[0]
    assert paper.title
    assert doc.trivia.title_in_body
    assert [w.message for w in doc.warnings] == [
        "the front matter has no title: read from its title echo (Jekyll shows the page untitled)"
    ]
    # writing back adds no title key: the bytes come back
    assert df.render(doc).encode() == (REVIEW / "fm-no-title.md").read_bytes()
    with pytest.raises(df.DigestError, match="the front matter has no title"):
        df.parse((REVIEW / "fm-no-title.md").read_bytes(), strict=True)


def test_an_echo_that_differs_from_the_title_is_kept_with_a_warning() -> None:
    data = (REVIEW / "echo-h2.md").read_text("utf-8")
    title = df.parse(data).papers[0].title
    changed = data.replace(f"## {title}\n", "## Another Title Entirely\n")
    doc = df.parse(changed)
    assert doc.papers[0].title == title
    assert [s.kind for s in doc.papers[0].sections] == CLASSIC_KINDS
    assert any("differs from the front matter's title" in w.message for w in doc.warnings)
    assert df.render(doc) == changed


def test_figures_with_caption_lines_stay_in_the_section_body() -> None:
    doc = df.parse((REVIEW / "template-2026-english.md").read_bytes())
    body = doc.papers[0].sections[2].body
    figure = next(i for i, line in enumerate(body.split("\n")) if line.startswith("![Figure"))
    assert body.split("\n")[figure + 1].startswith("*Figure")


def test_converting_from_another_layout_uses_the_default_generation() -> None:
    doc = df.parse((REVIEW / "template-2026.md").read_bytes())
    tagged = df.parse(df.render(doc, "tagged"))
    assert tagged.template is None
    post = df.render(tagged, "review")
    assert "**키워드:**" in post  # written in the default generation (its keyword label)...
    back = df.parse(post)
    assert back == doc  # ...with the content whole: the sections keep their kinds and headings
    assert back.template == "numbered"  # which a reader then recognises by its headings


@pytest.mark.parametrize("target", ["tagged", "translated", "imrad"])
def test_keywords_survive_every_layout(target: str) -> None:
    doc = df.parse((REVIEW / "echo-h2.md").read_bytes())
    other = df.parse(df.render(doc, target))
    assert other.papers[0].keywords == doc.papers[0].keywords


def test_new_kinds_are_equivalent_to_the_older_ones() -> None:
    assert kind_of("2. Motivation & Problem Statement (연구 배경 및 문제 정의)") == "motivation"
    assert kind_of("Motivation & Problem Statement") == "motivation"
    assert kind_of("연구 배경 및 문제 정의") == "motivation"
    assert kind_of("3) Method & Key Results") == "method_and_results"
    assert kind_of("1. Introduction") == "introduction"
    assert kind_of("12345678901. Introduction") is None  # not a rank of up to 9 digits
    assert equivalent("motivation", ["research_goal"]) == "research_goal"
    assert equivalent("method_and_results", ["method"]) == "method"
    assert equivalent("conclusion_and_impact", ["conclusion"]) == "conclusion"


# ------------------------------------------------------------------ a template taught by a config file

INVENTED = FIXTURES / "config" / "invented" / "invented-template.md"


def test_an_invented_template_has_unknown_sections_without_a_config() -> None:
    doc = df.parse(INVENTED.read_bytes())
    assert [s.kind for s in doc.papers[0].sections] == [None, None, None, None]
    assert len(doc.warnings) == 4


def test_a_config_file_teaches_the_invented_template() -> None:
    config = df.find_config(INVENTED)
    assert config.path == INVENTED.parent.resolve() / "digestformat.toml"
    doc = df.parse(INVENTED.read_bytes(), config=config)
    assert [s.kind for s in doc.papers[0].sections] == [
        "research_goal",
        "methodology",
        "experiments",
        "outlook",
    ]
    assert doc.warnings == []
    assert df.render(doc).encode() == INVENTED.read_bytes()
    again = df.parse(df.render(doc, "json"), "json")
    assert again == doc
    df.parse(INVENTED.read_bytes(), strict=True, config=config)  # nothing left to warn about


def test_the_cli_finds_the_config_upward_and_takes_config(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(["convert", str(INVENTED), "--to", "json", "--strict"]) == 0
    assert '"kind": "outlook"' in capsys.readouterr().out
    copy = tmp_path / "post.md"
    copy.write_bytes(INVENTED.read_bytes())
    assert run(["convert", str(copy), "--to", "json", "--strict"]) == 1
    assert "unknown section heading '배경'" in capsys.readouterr().err
    config = INVENTED.parent / "digestformat.toml"
    assert run(["convert", str(copy), "--to", "json", "--strict", "--config", str(config)]) == 0


def test_a_section_headed_as_the_title_is_no_echo_without_header_lines_under_it() -> None:
    """Found by the cross-layout property: a post's only section, headed with its title."""
    body = "<details>\n<summary>더 보기</summary>\n## hidden in HTML\n</details>"
    doc = df.Digest(
        layout="review",
        papers=[
            df.Paper(title="한국어 제목", sections=[df.Section(kind=None, heading="한국어 제목", body=body)])
        ],
    )
    post = df.parse(df.render(doc))
    assert post.papers[0].sections == doc.papers[0].sections
    assert df.parse(df.render(df.parse(df.render(doc, "tagged")), "review")) == doc


def test_a_heading_after_the_authors_is_a_section_not_an_echo() -> None:
    text = (REVIEW / "echo-h2.md").read_text("utf-8")
    title = df.parse(text).papers[0].title
    lines = text.split("\n")
    at = lines.index(f"## {title}")
    authors = next(i for i, line in enumerate(lines) if line.startswith("**저자:**"))
    moved = [
        *lines[:at],
        *lines[at + 2 : authors + 2],
        lines[at],
        "**저자:** Someone Else",
        *lines[authors + 2 :],
    ]
    doc = df.parse("\n".join(moved))
    assert doc.papers[0].sections[0].heading == title  # after the authors: a section
