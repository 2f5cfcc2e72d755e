"""Review posts hold one paper: split, join, and the CLI's --to review -o DIR/."""

from __future__ import annotations

from pathlib import Path

import pytest

import digestformat as df
from digestformat._posts import relative_thumbnails, with_assets_url
from digestformat._slug import slug
from digestformat.cli import run
from digestformat.layouts._units import read_url, write_url
from digestformat.layouts.review import time_for_rank

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


# ----------------------------------------------------------------------------- scalars, URL, time

_SCALARS = ("rank", "upvotes", "difficulty", "reliability")


@pytest.mark.parametrize("name", ["tagged", "translated"])
def test_a_fresh_post_holds_its_scalars_in_the_front_matter(name: str) -> None:
    doc = _doc(FIXTURES / name / "valid/sample.md")
    for paper, post in zip(doc.papers, df.split(doc), strict=True):
        text = df.render(post)
        end = text.index("\n---\n", 3)
        front, body = text[: end + 1], text[end + 5 :]
        assert not any(line.startswith(("**Rank**", "**Upvotes**")) for line in body.split("\n"))
        assert "|" not in "\n".join(line for line in body.split("\n") if line.startswith("**"))
        for key in _SCALARS:
            value = getattr(paper, key)
            assert (f"\n{key}: " in front) == (value is not None), key
        back = df.parse(text, "review")
        assert back == post
        assert back.front_matter is not None
        assert not set(_SCALARS) & set(back.front_matter)
        for key in _SCALARS:
            assert getattr(back.papers[0], key) == getattr(paper, key), key
        assert f"**URL**: <{paper.url}>" in body  # an autolink
        assert back.papers[0].url == paper.url


@pytest.mark.parametrize("name", ["tagged", "translated", "imrad"])
def test_a_paper_rendered_as_a_review_post_and_back_keeps_its_scalars(name: str) -> None:
    doc = _doc(FIXTURES / name / "valid/sample.md")
    for index in range(len(doc.papers)):
        one = doc.model_copy(update={"papers": [doc.papers[index]]})
        text = df.render(one, "review")
        assert "**Rank**:" not in text
        assert "**Upvotes**:" not in text
        again = df.parse(df.render(df.parse(text, "review"), name), name)
        assert again == one


def test_post_times_follow_the_rank_newest_first() -> None:
    doc = _doc(FIXTURES / "tagged/valid/sample.md")
    times = []
    for post in df.split(doc):
        line = next(line for line in df.render(post).split("\n") if line.startswith("date: "))
        times.append((post.papers[0].rank, line))
    assert times[0] == (1, "date: 2026-02-16 23:59:58+0900+0900")
    assert [line for _, line in times] == sorted((line for _, line in times), reverse=True)
    assert [rank for rank, _ in times] == sorted(rank or 0 for rank, _ in times)


def test_time_for_rank_is_the_documented_rule() -> None:
    assert time_for_rank(None) == "00:00:00"
    assert time_for_rank(0) == "23:59:59"
    assert time_for_rank(1) == "23:59:58"
    assert time_for_rank(61) == "23:58:58"
    assert time_for_rank(86399) == "00:00:00"
    assert time_for_rank(10**8) == "00:00:00"


def test_an_existing_posts_lines_stay_as_written() -> None:
    text = (
        '---\ntitle: "[논문리뷰] T"\ndate: 2026-02-16 00:00:00+0900+0900\n---\n'
        "**Rank**: 3\n**URL**: https://example.com/x\n**Upvotes**: 5 | **도입 난이도**: 중 | **신뢰도**: 상\n"
    )
    doc = df.parse(text, "review")
    assert (doc.papers[0].rank, doc.papers[0].url, doc.papers[0].upvotes) == (3, "https://example.com/x", 5)
    assert df.render(doc) == text
    doc.papers[0].rank = 4
    assert "**Rank**: 4\n" in df.render(doc)
    assert "rank:" not in df.render(doc)


def test_a_user_key_named_like_a_scalar_is_kept_apart() -> None:
    doc = df.Digest(
        layout="tagged", front_matter={"rank": "mine"}, papers=[df.Paper(title="T", rank=2, upvotes=7)]
    )
    text = df.render(doc, "review")
    assert "\nrank: 2\n" in text
    assert "front_matter_rank: mine" in text
    back = df.parse(text, "review")
    assert back.front_matter == {"rank": "mine"}
    assert (back.papers[0].rank, back.papers[0].upvotes) == (2, 7)
    hand = '---\ntitle: "[논문리뷰] T"\nrank: 9\n---\n**Rank**: 3\n'
    both = df.parse(hand, "review")  # a body line holds the rank: the key stays a key
    assert both.papers[0].rank == 3
    assert both.front_matter == {"rank": 9}
    assert df.render(both) == hand


@pytest.mark.parametrize(
    ("line", "url"),
    [
        ("**URL**: <https://huggingface.co/papers/1>", "https://huggingface.co/papers/1"),
        ("**URL**: https://huggingface.co/papers/1", "https://huggingface.co/papers/1"),
        ("**URL**: <<https://a.example>>", "<https://a.example>"),
        ("**URL**: <not a link>", "<not a link>"),
    ],
)
def test_the_url_line_reads_the_autolink_and_the_plain_form(line: str, url: str) -> None:
    assert read_url(line) == {"url": url}
    assert read_url(write_url(df.Paper(title="T", url=url)) or "") == {"url": url}


def test_assets_url_puts_relative_thumbnails_under_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sample = FIXTURES / "tagged/valid/sample.md"
    assert run(["convert", str(sample), "--to", "review", "-o", f"{tmp_path / 'a'}/"]) == 0
    err = capsys.readouterr().err
    assert err.count("is a relative path") == len(_doc(sample).papers), err
    url = "https://example.com/assets/"
    assert (
        run(["convert", str(sample), "--to", "review", "-o", f"{tmp_path / 'b'}/", "--assets-url", url]) == 0
    )
    assert "relative path" not in capsys.readouterr().err
    for post in sorted((tmp_path / "b").iterdir()):
        thumb = df.parse(post.read_bytes()).papers[0].thumbnail
        assert thumb is not None
        assert thumb.src.startswith(url + "images/"), thumb.src
    doc = df.Digest(
        layout="tagged",
        papers=[
            df.Paper(title="T", thumbnail=df.Thumbnail(alt="a", src=src))
            for src in ("/x.png", "data:x", "y.png")
        ],
    )
    assert relative_thumbnails(doc) == ["y.png"]
    assert [p.thumbnail.src for p in with_assets_url(doc, "https://h/a").papers if p.thumbnail] == [
        "/x.png",
        "data:x",
        "https://h/a/y.png",
    ]


def test_split_takes_the_assets_url_as_the_command_line_does() -> None:
    doc = df.parse((Path(__file__).parent / "fixtures" / "tagged" / "valid" / "sample.md").read_bytes())
    relative = [p.thumbnail.src for p in doc.papers if p.thumbnail is not None]
    assert relative
    assert all(not src.startswith(("/", "http")) for src in relative)
    posts = df.split(doc, assets_url="https://example.org/assets/")
    got = [post.papers[0].thumbnail.src for post in posts if post.papers[0].thumbnail is not None]
    assert got == [f"https://example.org/assets/{src}" for src in relative]
    for post in posts:
        assert df.parse(df.render(post), "review") == post
    assert [p.papers[0].thumbnail for p in df.split(doc)] == [p.thumbnail for p in doc.papers]
