"""RSS 2.0, Atom 1.0 and JSON Feed: valid, read by feedparser, safe, and exact on the way back."""

from __future__ import annotations

import datetime as dt
import gzip
import json
from pathlib import Path
from typing import Any

import feedparser
import pytest
from lxml import etree

import digestformat as df
from digestformat.cli import run
from digestformat.feeds._common import paper_link, plain

FIXTURES = Path(__file__).parent / "fixtures"
SAMPLES = sorted(FIXTURES.glob("*/valid/*.md"))
XML_FEEDS = ("rss", "atom")
FEEDS = (*XML_FEEDS, "jsonfeed")


def _id(path: Path) -> str:
    return str(path.relative_to(FIXTURES))


def _doc(path: Path) -> df.Digest:
    return df.parse(path.read_bytes(), path.parent.parent.name)


@pytest.mark.parametrize("fmt", FEEDS)
@pytest.mark.parametrize("path", SAMPLES, ids=_id)
def test_feed_round_trips_exactly(path: Path, fmt: str) -> None:
    doc = _doc(path)
    feed = df.render(doc, fmt)
    assert df.detect(feed) == fmt
    back = df.parse(feed, fmt)
    assert back == doc
    # the trivia travels too: the feed converts back to the original bytes
    assert df.render(back).encode("utf-8") == path.read_bytes()


def _kst_midnight(doc: df.Digest) -> dt.datetime:
    day = doc.date or dt.date(1970, 1, 1)  # an undated digest's items carry the epoch's date
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.timezone(dt.timedelta(hours=9)))


@pytest.mark.parametrize("fmt", XML_FEEDS)
@pytest.mark.parametrize("path", SAMPLES, ids=_id)
def test_feedparser_reads_feed_cleanly(path: Path, fmt: str) -> None:
    doc = _doc(path)
    parsed: Any = feedparser.parse(df.render(doc, fmt))
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    assert len(parsed.entries) == len(doc.papers)
    expected_when = _kst_midnight(doc).astimezone(dt.UTC).timetuple()[:6]
    for entry, paper in zip(parsed.entries, doc.papers, strict=True):
        assert entry.title == (plain(paper.title) or paper.title)  # the title's text, markup aside
        if paper_link(paper) is not None:
            assert entry.link == paper_link(paper)
        assert tuple(entry.published_parsed[:6]) == expected_when
        assert [t.term for t in entry.get("tags", [])] == paper.tags
        assert [a.name for a in entry.get("authors", []) if a.get("name")] == paper.authors
    assert parsed.feed.title


def test_rss_required_elements_and_order() -> None:
    doc = _doc(FIXTURES / "tagged/valid/sample.md")
    root = etree.fromstring(df.render(doc, "rss").encode())
    assert root.tag == "rss"
    assert root.get("version") == "2.0"
    channel = root.find("channel")
    assert channel is not None
    for name in ("title", "link", "description", "language", "lastBuildDate"):
        assert (channel.findtext(name) or "").strip(), name
    assert channel.findtext("language") == "ko"
    assert channel.findtext("lastBuildDate") == "Mon, 16 Feb 2026 00:00:00 +0900"
    items = channel.findall("item")
    assert len(items) == 5
    content = "{http://purl.org/rss/1.0/modules/content/}encoded"
    for item, paper in zip(items, doc.papers, strict=True):
        tags = [child.tag for child in item]
        assert tags.index("description") < tags.index(content)
        guid = item.find("guid")
        assert guid is not None
        assert guid.text == f"https://arxiv.org/abs/{paper.arxiv_id}"
        assert guid.get("isPermaLink") == "true"
        assert item.findtext("pubDate") == "Mon, 16 Feb 2026 00:00:00 +0900"
        assert [c.text for c in item.findall("category")] == paper.tags


def test_rss_guid_without_arxiv_is_stable_and_not_a_permalink() -> None:
    doc = _doc(FIXTURES / "tagged/valid/sample.md")
    doc.papers[0].arxiv_id = None
    doc.papers[0].url = None
    first = etree.fromstring(df.render(doc, "rss").encode()).find("channel/item/guid")
    second = etree.fromstring(df.render(doc, "rss").encode()).find("channel/item/guid")
    assert first is not None
    assert second is not None
    assert first.get("isPermaLink") == "false"
    assert first.text == second.text
    assert (first.text or "").startswith("urn:digestformat:2026-02-16:")


def test_atom_required_elements() -> None:
    doc = _doc(FIXTURES / "review/valid/sample.md")
    atom = "{http://www.w3.org/2005/Atom}"
    root = etree.fromstring(df.render(doc, "atom").encode())
    assert root.tag == atom + "feed"
    for name in ("id", "title", "updated"):
        assert (root.findtext(atom + name) or "").strip(), name
    assert root.find(f"{atom}author/{atom}name") is not None
    entries = root.findall(atom + "entry")
    assert len(entries) == 1
    for name in ("id", "title", "updated"):
        assert (entries[0].findtext(atom + name) or "").strip(), name
    assert root.findtext(atom + "updated") == "2026-02-16T00:00:00+09:00"


def test_atom_self_link_when_the_feed_url_is_known() -> None:
    doc = _doc(FIXTURES / "imrad/valid/sample.md")
    assert doc.front_matter is not None
    doc.front_matter["feed_url"] = "https://example.org/feed.xml"
    root = etree.fromstring(df.render(doc, "atom").encode())
    links = root.findall("{http://www.w3.org/2005/Atom}link")
    assert any(
        link.get("rel") == "self" and link.get("href") == "https://example.org/feed.xml" for link in links
    )
    rss = etree.fromstring(df.render(doc, "rss").encode())
    self_links = rss.findall("channel/{http://www.w3.org/2005/Atom}link")
    assert [link.get("href") for link in self_links] == ["https://example.org/feed.xml"]
    assert df.parse(df.render(doc, "atom"), "atom") == doc


@pytest.mark.parametrize("path", SAMPLES, ids=_id)
def test_json_feed_follows_the_spec(path: Path) -> None:
    # feedparser 6.0 (the newest release) cannot read JSON Feed: check the 1.1 spec directly
    doc = _doc(path)
    feed = json.loads(df.render(doc, "jsonfeed"))
    assert feed["version"] == "https://jsonfeed.org/version/1.1"
    assert isinstance(feed["title"], str)
    assert feed["title"]
    assert isinstance(feed["items"], list)
    assert len(feed["items"]) == len(doc.papers)
    ids = [item["id"] for item in feed["items"]]
    assert len(set(ids)) == len(ids)
    for item, paper in zip(feed["items"], doc.papers, strict=True):
        assert isinstance(item["id"], str)
        assert item["id"]
        assert "content_html" in item or "content_text" in item
        assert item.get("tags", []) == paper.tags
        assert [a["name"] for a in item.get("authors", [])] == paper.authors
        dt.datetime.fromisoformat(item["date_published"])
        assert all(key in SPEC_ITEM_KEYS or key.startswith("_") for key in item)
    assert all(key in SPEC_FEED_KEYS or key.startswith("_") for key in feed)


SPEC_FEED_KEYS = {
    "version", "title", "home_page_url", "feed_url", "description", "user_comment", "next_url", "icon",
    "favicon", "authors", "language", "expired", "hubs", "items",
}  # fmt: skip
SPEC_ITEM_KEYS = {
    "id", "url", "external_url", "title", "content_html", "content_text", "summary", "image",
    "banner_image", "date_published", "date_modified", "authors", "tags", "language", "attachments",
}  # fmt: skip


HOSTILE = 'Evil ]]> <script>alert(1)</script> & "quotes" <!-- x --> \x0b'


@pytest.mark.parametrize("fmt", FEEDS)
def test_markdown_cannot_break_or_inject_into_the_feed(fmt: str) -> None:
    doc = _doc(FIXTURES / "tagged/valid/sample.md")
    paper = doc.papers[3]
    paper.title = HOSTILE
    paper.tags = ["<b>tag</b>", "]]>"]
    paper.sections[0].body = "<img src=x onerror=alert(1)>\n\n]]> & <![CDATA[ x ]]>\n\n" + HOSTILE
    text = df.render(doc, fmt)
    back = df.parse(text, fmt)
    assert back == doc
    if fmt in XML_FEEDS:
        root = etree.fromstring(text.encode())
        assert not root.findall(".//script")
        assert not root.findall(".//img")
        parsed: Any = feedparser.parse(text)
        assert parsed.bozo == 0
        html = parsed.entries[3].content[0].value
        assert "<img" not in html
        assert "<script" not in html
        assert "&lt;img" in html


@pytest.mark.parametrize(
    ("payload", "what"),
    [
        (
            '<?xml version="1.0"?>\n<!DOCTYPE rss [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
            "<rss><channel><title>&xxe;</title></channel></rss>",
            "DOCTYPE",
        ),
        (
            '<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]>\n'
            "<feed xmlns='http://www.w3.org/2005/Atom'><title>&lol2;</title></feed>",
            "DOCTYPE",
        ),
        ("<rss><!ENTITY x 'y'><channel/></rss>", "ENTITY"),
    ],
    ids=["xxe", "billion-laughs", "entity"],
)
@pytest.mark.parametrize("fmt", XML_FEEDS)
def test_doctype_and_entities_are_refused(payload: str, what: str, fmt: str) -> None:
    with pytest.raises(df.DigestError) as info:
        df.parse(payload, fmt)
    assert f"holds a {what} declaration: refused" in info.value.msg
    assert info.value.line == (1 if what == "ENTITY" else 2)


def test_refusal_names_the_file_in_the_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "evil.xml"
    bad.write_text('<!DOCTYPE rss [<!ENTITY x SYSTEM "file:///etc/passwd">]><rss/>')
    assert run(["convert", str(bad), "--from", "rss", "--to", "json"]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"{bad}:1:1: RSS holds a DOCTYPE declaration: refused")
    assert "Traceback" not in err


def test_gzip_bytes_are_refused_clearly() -> None:
    feed = df.render(_doc(FIXTURES / "tagged/valid/sample.md"), "rss")
    with pytest.raises(df.DigestError, match="gzip-compressed"):
        df.parse(gzip.compress(feed.encode()), "rss")


def test_a_foreign_feed_is_refused_with_a_reason() -> None:
    foreign = "<rss version='2.0'><channel><title>t</title><item><title>x</title></item></channel></rss>"
    with pytest.raises(df.DigestError, match=r"carries no digestformat data \(df:digest\)"):
        df.parse(foreign, "rss")
    with pytest.raises(df.DigestError, match="no '_digestformat' object"):
        df.parse('{"version": "https://jsonfeed.org/version/1.1", "title": "t", "items": []}', "jsonfeed")


def test_malformed_xml_reports_its_place() -> None:
    with pytest.raises(df.DigestError) as info:
        df.parse("<rss>\n<channel>\n</rss>", "rss")
    assert info.value.line == 3
    assert "not well-formed XML" in info.value.msg
