"""Review posts hold one paper: split a digest into posts, and join posts back into a digest.

A post follows the conventions of the real review posts: the front matter
``title: "[논문리뷰] …"``, an ``excerpt``, ``categories: [Review]``, ``tags``
led by ``Review``, a ``permalink`` of ``/ai/review/DATE-SLUG/``, the table of
contents switches, ``date`` and ``last_modified_at`` of ``DATE 00:00:00+0900+0900``
(spelled as the real archive spells it) and ``published: true``.

What a post cannot hold natively travels in its front matter so that
:func:`join` gives the digest back: the digest's title (``digest_title``), its
front matter (``digest_front_matter``) and its stray lines (``digest_extra``).
"""

from __future__ import annotations

import datetime as dt
import json
import re

from pydantic import JsonValue

from . import _frontmatter
from ._api import parse, render
from ._io import clean_relative, numbered
from ._slug import slug
from .errors import DigestError
from .layouts.review import CATEGORY, DIGEST_EXTRA, SCALAR_KEYS, STAMP_ZONE, time_for_rank
from .model import Digest, DigestTrivia, Paper

__all__ = ["join", "named_posts", "relative_thumbnails", "slug", "split", "with_assets_url"]

_DIGEST_FRONT_MATTER = "digest_front_matter"


def _quoted(text: str) -> str:
    """A YAML double-quoted scalar (JSON strings are valid YAML)."""
    return json.dumps(text, ensure_ascii=False)


def _scalar(text: str) -> str:
    """*text* as a plain YAML scalar where it reads back as itself, else double-quoted."""
    try:
        if text == text.strip() and _frontmatter.load(f"k: {text}").get("k") == text:
            return text
    except _frontmatter.FrontMatterError:
        pass
    return _quoted(text)


def _front_matter_lines(paper: Paper, day: dt.date | None, extra_keys: dict[str, JsonValue]) -> list[str]:
    date = None if day is None else day.isoformat()
    stamp = f"{date} {time_for_rank(paper.rank)}{STAMP_ZONE}" if date else None
    permalink = f"/ai/review/{date}-{slug(paper.title)}/" if date else f"/ai/review/{slug(paper.title)}/"
    excerpt = f"이 [arXiv]에 게시한 '{paper.title}' 논문에 대한 자세한 리뷰입니다."
    lines = [
        "---",
        f"title: {_quoted('[논문리뷰] ' + paper.title)}",
        f"excerpt: {_quoted(excerpt)}",
        "",
        "categories:",
        f"  - {CATEGORY}",
        "tags:",
        *(f"  - {_scalar(tag)}" for tag in paper.tags),
        "",
        f"permalink: {permalink}",
        "",
        "toc: true",
        "toc_sticky: true",
        "",
        *([f"date: {stamp}", f"last_modified_at: {stamp}"] if stamp else []),
        "published: true",
    ]
    for key in SCALAR_KEYS:  # no body line of their own in a post: rank, upvotes, difficulty, reliability
        value = getattr(paper, key)
        if value is not None:
            lines.append(f"{key}: {value if isinstance(value, int) else _scalar(value)}")
    for key, value in extra_keys.items():
        lines.append(f"{key}: {json.dumps(value, ensure_ascii=False)}")
    lines.append("---")
    return lines


def split(doc: Digest, *, assets_url: str | None = None) -> list[Digest]:
    """One review post per paper of *doc*, in order.

    Each post renders (``render(post)``) as a Jekyll review post; ``join`` of
    the posts gives *doc*'s content back. With *assets_url*, relative thumbnail
    paths are put under it (:func:`with_assets_url`: ``--assets-url`` of the
    command line), so that they resolve from the post's permalink; the posts then
    hold those paths, and ``join`` gives them back so.
    """
    if assets_url is not None:
        doc = with_assets_url(doc, assets_url)
    posts: list[Digest] = []
    extra_keys: dict[str, JsonValue] = {}
    if doc.title is not None:
        extra_keys["digest_title"] = doc.title
    if doc.front_matter is not None:
        extra_keys[_DIGEST_FRONT_MATTER] = dict(doc.front_matter)
    if doc.extra:
        extra_keys[DIGEST_EXTRA] = list(doc.extra)
    if doc.layout == "review" and len(doc.papers) == 1:
        return [doc.model_copy(deep=True)]  # already a post
    for paper in doc.papers:
        # Line endings and BOM are put back on each post below; the text is built with LF.
        plain = DigestTrivia(order=doc.trivia.order, raw=doc.trivia.raw)
        single = doc.model_copy(
            update={"papers": [paper], "front_matter": None, "extra": [], "trivia": plain}
        )
        converted = render(single, "review").split("\n")  # sections and fallbacks, review-shaped
        block = _frontmatter.find(converted)
        body = converted[block[1] + 1 :] if block is not None else converted
        post_paper = parse("\n".join(converted), "review").papers[0]
        post_paper.tags = [CATEGORY, *post_paper.tags]
        text = "\n".join([*_front_matter_lines(post_paper, doc.date, extra_keys), *body])
        post = parse(text, "review")
        post.trivia.newline = doc.trivia.newline
        post.trivia.bom = doc.trivia.bom
        posts.append(post)
    return posts


def named_posts(doc: Digest, folder: str = "") -> list[tuple[str, Digest]]:
    """split(doc) with a file name for each post: FOLDER + DATE-SLUG.md, cleaned, a taken
    name numbered -2, -3, ... (what ``convert -o DIR/`` and ``migrate --split`` write)."""
    named: list[tuple[str, Digest]] = []
    used: set[str] = set()
    for post in split(doc):
        day = post.date.isoformat() if post.date else "undated"
        first = name = clean_relative(f"{folder}{day}-{slug(post.papers[0].title)}.md")
        number = 2
        while name in used:
            name, number = numbered(first, number), number + 1
        used.add(name)
        named.append((name, post))
    return named


def join(docs: list[Digest]) -> Digest:
    """One digest of the papers of review posts of one date, in rank order.

    The result's layout is 'review' (its papers are review-shaped): render it
    with ``to=`` another layout. DigestError when the posts' dates differ.
    """
    return joined(docs, copy=True)


def joined(docs: list[Digest], *, copy: bool) -> Digest:
    """:func:`join`; with ``copy=False`` the result takes the posts' papers themselves (for a
    caller that drops the posts: ``migrate --join`` holds one date's papers once, not twice)."""
    if not docs:
        raise DigestError("nothing to join: expected at least one review post")
    dates = {d.date for d in docs}
    if len(dates) > 1:
        shown = ", ".join(sorted(str(d) for d in dates))
        raise DigestError(f"posts of different dates cannot be joined into one digest: {shown}")
    papers: list[Paper] = []
    for post in docs:
        if post.layout != "review" or len(post.papers) != 1:
            raise DigestError(
                f"expected review posts of one paper each, got a {post.layout} of {len(post.papers)}"
            )
        papers.append(post.papers[0].model_copy(deep=True) if copy else post.papers[0])
    order = sorted(range(len(papers)), key=lambda i: (papers[i].rank is None, papers[i].rank or 0, i))
    first = docs[0]
    front_matter = (first.front_matter or {}).get(_DIGEST_FRONT_MATTER)
    return Digest(
        layout="review",
        date=first.date,
        title=first.title,
        front_matter=front_matter if isinstance(front_matter, dict) else None,
        extra=list(first.extra),
        papers=[papers[i] for i in order],
    )


_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:")


def _is_relative(src: str) -> bool:
    """'images/x.jpg' (Jekyll would resolve it against the post's permalink), not 'https://…',
    '/x.jpg', '//host/x.jpg', 'data:…' or '#…'."""
    return bool(src) and not src.startswith(("/", "#")) and _SCHEME.match(src) is None


def relative_thumbnails(doc: Digest) -> list[str]:
    """The thumbnail sources of *doc*'s papers that are relative paths, in order."""
    return [p.thumbnail.src for p in doc.papers if p.thumbnail is not None and _is_relative(p.thumbnail.src)]


def with_assets_url(doc: Digest, base: str) -> Digest:
    """A copy of *doc* whose relative thumbnail sources are under *base* ('…/' + src).

    For posts: a relative ``![alt](images/x.jpg)`` in a post at ``/ai/review/DATE-SLUG/``
    is resolved by the browser against the permalink, where no image is.
    """
    out = doc.model_copy(deep=True)
    for paper in out.papers:
        thumb = paper.thumbnail
        if thumb is not None and _is_relative(thumb.src):
            thumb.src = base.rstrip("/") + "/" + thumb.src.removeprefix("./")
    return out
