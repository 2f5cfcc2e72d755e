"""Review posts hold one paper: split, join, and the CLI's --to review -o DIR/."""

from __future__ import annotations

from pathlib import Path

import pytest

import digestformat as df
from digestformat._slug import slug
from digestformat.cli import run

FIXTURES = Path(__file__).parent / "fixtures"
SAMPLES = sorted(FIXTURES.glob("*/valid/sample.md"))


def _doc(path: Path) -> df.Digest:
    return df.parse(path.read_bytes(), path.parent.parent.name)


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.parent.parent.name)
def test_split_then_join_gives_the_digest_back(path: Path) -> None:
    doc = _doc(path)
    posts = df.split(doc)
    assert len(posts) == len(doc.papers)
    for post in posts:
        assert post.layout == "review"
        assert len(post.papers) == 1
        assert df.parse(df.render(post), "review") == post
    joined = df.join(posts)
    if doc.layout == "review":
        # A post is already split: it comes back as itself, and joins to a digest of its paper.
        assert posts == [doc]
        assert joined.papers == doc.papers
        return
    assert df.parse(df.render(joined, doc.layout), doc.layout) == doc


def test_posts_follow_the_sample_conventions() -> None:
    doc = _doc(FIXTURES / "tagged/valid/sample.md")
    post = df.split(doc)[3]
    text = df.render(post)
    title = doc.papers[3].title
    assert text.startswith(f'---\ntitle: "[논문리뷰] {title}"\n')
    assert f"excerpt: \"이 [arXiv]에 게시한 '{title}' 논문에 대한 자세한 리뷰입니다.\"\n" in text
    assert "\ncategories:\n  - Review\ntags:\n  - Review\n  - MLLM\n" in text
    expected_slug = (
        "Zooming-without-Zooming-Region-to-Image-Distillation-for-Fine-Grained-Multimodal-Perception"
    )
    assert f"\npermalink: /ai/review/2026-02-16-{expected_slug}/\n" in text
    # rank 4: 23:59:59 minus 4 seconds
    assert "\ndate: 2026-02-16 23:59:55+0900+0900\nlast_modified_at: 2026-02-16 23:59:55+0900+0900\n" in text
    assert "\npublished: true\n" in text


def test_the_sample_post_slug_matches_its_permalink() -> None:
    doc = _doc(FIXTURES / "review/valid/sample.md")
    assert doc.front_matter is not None
    permalink = doc.front_matter["permalink"]
    assert permalink == f"/ai/review/{doc.date}-{slug(doc.papers[0].title)}/"


def test_join_refuses_posts_of_different_dates() -> None:
    posts = df.split(_doc(FIXTURES / "tagged/valid/sample.md"))
    other = df.split(_doc(FIXTURES / "translated/valid/sample.md"))
    with pytest.raises(df.DigestError, match="different dates"):
        df.join([posts[0], other[0]])
    with pytest.raises(df.DigestError, match="nothing to join"):
        df.join([])


def test_join_orders_by_rank_and_drops_the_review_category_tag() -> None:
    posts = df.split(_doc(FIXTURES / "tagged/valid/sample.md"))
    joined = df.join(list(reversed(posts)))
    assert [p.rank for p in joined.papers] == [1, 2, 3, 4, 5]
    assert joined.papers[0].tags == ["RAG"]


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("Zooming without Zooming: Region-to-Image", "Zooming-without-Zooming-Region-to-Image"),
        ("../../etc/passwd", "etc-passwd"),
        ("a/b\\c", "a-bc"),
        ("%2e%2e/x", "2e2e-x"),
        ("\x00nul", "nul"),
        ("논문 제목: 테스트", "논문-제목-테스트"),
        ("", "untitled"),
        ("x" * 300, "x" * 120),
    ],
)
def test_slugs_hold_no_path(title: str, expected: str) -> None:
    assert slug(title) == expected


def test_cli_writes_one_post_per_paper(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "posts"
    assert run(["convert", str(FIXTURES / "tagged/valid/sample.md"), "--to", "review", "-o", f"{out}/"]) == 0
    files = sorted(out.iterdir())
    assert len(files) == 5
    assert all(f.name.startswith("2026-02-16-") and f.suffix == ".md" for f in files)
    assert all(f.resolve().parent == out.resolve() for f in files)
    posts = [df.parse(f.read_bytes()) for f in files]
    assert {p.papers[0].rank for p in posts} == {1, 2, 3, 4, 5}
    assert capsys.readouterr().out.count("\n") == 5


def test_cli_gives_colliding_posts_distinct_names(tmp_path: Path) -> None:
    doc = _doc(FIXTURES / "tagged/valid/sample.md")
    doc.papers[1].title = doc.papers[0].title
    source = tmp_path / "in.json"
    source.write_text(df.render(doc, "json"))
    out = tmp_path / "posts"
    assert run(["convert", str(source), "--to", "review", "-o", f"{out}/"]) == 0
    names = sorted(f.name for f in out.iterdir())
    stem = "2026-02-16-Less-is-Enough-Synthesizing-Diverse-Data-in-Feature-Space-of-LLMs"
    assert f"{stem}.md" in names
    assert f"{stem}-2.md" in names


def test_cli_refuses_a_multi_paper_review_on_stdout(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["convert", str(FIXTURES / "tagged/valid/sample.md"), "--to", "review"]) == 1
    assert "holds one paper" in capsys.readouterr().err
