"""Lenient by default, strict on request: the audit, for every layout and every feed reader.

For each kind of content a reader does not understand, in each layout and
feed, the lenient read keeps it verbatim (the bytes come back, the text is
in the model) with a warning at its line, and the strict read refuses it
with a DigestError at that very place and with that very message. Nothing
is dropped: what a feed reader does not account for is kept in ``extra``,
and the feed written from that document reads back to it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest

import digestformat as df
from digestformat.cli import run

FIXTURES = Path(__file__).parent / "fixtures"
LAYOUTS = ("tagged", "translated", "imrad", "review")
SAMPLE = {layout: (FIXTURES / layout / "valid" / "sample.md").read_text("utf-8") for layout in LAYOUTS}


@dataclass(frozen=True)
class Oddity:
    """Something a reader does not understand, put into a sample."""

    name: str
    lines: str  # the lines to put in, each ending with a newline
    where: str  # "front" (replacing the front matter), "before-paper", "in-paper", "section"
    warning: str  # the start of the warning's message
    kept: str  # where the text is kept: "front_matter_raw", "extra", "paper.extra", "section"


_YAML = "front matter is not valid YAML"
_BOMB = (
    "---\na: &a [x, x]\n"
    + "".join(f"b{i}: &b{i} [*{p}, *{p}]\n" for i, p in enumerate(["a", *(f"b{j}" for j in range(59))]))
    + "---\n"
)
_STRAY = "a line no layout defines"
ODDITIES = (
    Oddity("invalid YAML", "---\ntitle: [unclosed\n---\n", "front", _YAML, "fm"),
    Oddity(
        "duplicate key", "---\ntitle: a\ntitle: b\n---\n", "front", f"{_YAML}: duplicate key 'title'", "fm"
    ),
    Oddity(
        "python tag",
        "---\nx: !!python/object/apply:os.system ['echo hacked']\n---\n",
        "front",
        f"{_YAML}: could not determine a constructor for the tag 'tag:yaml.org,2002:python/",
        "fm",
    ),
    Oddity(
        "alias bomb",
        _BOMB,
        "front",
        f"{_YAML}: aliases expand the front matter past",
        "fm",
    ),
    Oddity(
        "not a mapping", "---\n- a\n- b\n---\n", "front", "front matter is a list: expected a mapping", "fm"
    ),
    Oddity("stray text before the papers", _STRAY + "\n\n", "before-paper", "text before", "extra"),
    Oddity("stray line in a paper", _STRAY + "\n", "in-paper", "a line the layout", "paper.extra"),
    Oddity(
        "unknown section",
        "{marks} 전혀 모르는 섹션\n본문\n\n",
        "section",
        "unknown section heading",
        "section",
    ),
)


def _same_place(error: df.DigestError, warning: df.ParseWarning) -> None:
    """The strict error is the lenient warning: same line, column and message."""
    assert (error.line, error.column, error.msg) == (warning.line, warning.column, warning.message)


def _front_matter_end(lines: list[str]) -> int:
    """Index of the line after the sample's front matter (0 when it has none)."""
    if lines[0] != "---":
        return 0
    return lines.index("---", 1) + 1


def _inject(layout: str, oddity: Oddity) -> tuple[str, int] | None:
    """The sample with the oddity put in, and the line (1-based) its warning names."""
    lines = SAMPLE[layout].split("\n")
    body = _front_matter_end(lines)
    if oddity.where == "front":
        new = oddity.lines.rstrip("\n").split("\n")
        lines[:body] = new
        # The warning names the line of the YAML problem; the test checks it lies inside the block.
        return "\n".join(lines), -len(new)
    if oddity.where == "before-paper":
        if layout == "review":
            return None  # a post's paper starts right after its front matter: see "in-paper"
        at = next(i for i in range(body, len(lines)) if lines[i].startswith(("## 1.", "# 1.")))
    elif oddity.where == "in-paper":
        heading = next((i for i in range(body, len(lines)) if lines[i].startswith(("## 1.", "# 1."))), None)
        at = heading + 1 if heading is not None else body
    else:
        level = {"tagged": "###", "translated": "###", "imrad": "##", "review": "##"}[layout]
        at = next(i for i in range(body, len(lines)) if lines[i].startswith(level + " "))
        lines[at:at] = oddity.lines.format(marks=level).rstrip("\n").split("\n")
        return "\n".join(lines), at + 1
    lines[at:at] = oddity.lines.rstrip("\n").split("\n")
    return "\n".join(lines), at + 1


CASES = [
    pytest.param(layout, oddity, id=f"{layout}-{oddity.name}")
    for layout in LAYOUTS
    for oddity in ODDITIES
    if not (layout == "review" and oddity.where == "before-paper")
]


@pytest.mark.parametrize(("layout", "oddity"), CASES)
def test_lenient_keeps_and_warns_strict_refuses(layout: str, oddity: Oddity) -> None:
    injected = _inject(layout, oddity)
    assert injected is not None
    text, line = injected
    doc = df.parse(text, layout)
    assert df.render(doc) == text, "kept verbatim: the bytes come back"
    assert doc.warnings, "reported"
    first = doc.warnings[0]
    assert first.message.startswith(oddity.warning), first.message
    if line > 0:
        assert first.line == line
    else:
        assert 1 <= first.line <= -line, "inside the front-matter block"
    if oddity.kept == "fm":
        assert doc.front_matter is None
        assert doc.trivia.front_matter_raw == text.split("\n")[:-line]
    elif oddity.kept == "extra":
        assert _STRAY in doc.extra
    elif oddity.kept == "paper.extra":
        assert _STRAY in doc.papers[0].extra
    else:
        assert any(s.kind is None and s.heading == "전혀 모르는 섹션" for p in doc.papers for s in p.sections)
    with pytest.raises(df.DigestError) as raised:
        df.parse(text, layout, strict=True)
    _same_place(raised.value, first)


@pytest.mark.parametrize(("layout", "oddity"), CASES[:: len(ODDITIES) - 1])
def test_the_command_warns_and_strict_exits_1(
    layout: str, oddity: Oddity, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    injected = _inject(layout, oddity)
    assert injected is not None
    path = tmp_path / "odd.md"
    path.write_bytes(injected[0].encode("utf-8"))
    first = df.parse(injected[0], layout).warnings[0]
    assert run(["convert", str(path), "--from", layout, "--to", layout]) == 0
    captured = capsys.readouterr()
    assert captured.out == injected[0]
    assert f"{path}:{first.line}:{first.column}: warning: {first.message}" in captured.err
    assert run(["convert", str(path), "--from", layout, "--to", layout, "--strict"]) == 1
    assert capsys.readouterr().err == f"{path}:{first.line}:{first.column}: {first.message}\n"


# ------------------------------------------------------------------------------ feeds

FEED_EDITS = {
    # format: (the channel's element to add after, the element added, the item to put a comment in)
    "rss": ("<generator>digestformat</generator>", "<webMaster>me@example.com</webMaster>", "<item>"),
    "atom": ("digestformat</generator>", "<rights>CC BY 4.0</rights>", "<entry>"),
}


def _edited_xml(text: str, fmt: str) -> str:
    anchor, added, item = FEED_EDITS[fmt]
    text = text.replace(anchor, anchor + added, 1)
    at = text.index(item) + len(item)
    return text[:at] + "<!-- a note left by a feed tool -->" + text[at:]


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("fmt", ["rss", "atom"])
def test_xml_feed_readers_keep_what_the_df_data_does_not_account_for(layout: str, fmt: str) -> None:
    doc = df.parse(SAMPLE[layout])
    clean = df.render(doc, fmt)
    assert df.parse(clean, fmt).warnings == []
    text = _edited_xml(clean, fmt)
    back = df.parse(text, fmt)
    messages = [w.message for w in back.warnings]
    assert len(messages) == 2, messages
    added = FEED_EDITS[fmt][1]
    if fmt == "atom":  # kept as XML that stands alone: with the namespace it is in
        added = added.replace("<rights>", '<rights xmlns="http://www.w3.org/2005/Atom">')
    assert added in back.extra, "the channel's added element, verbatim"
    assert "<!-- a note left by a feed tool -->" in back.papers[0].extra, "the item's comment, verbatim"
    assert back.papers[1:] == doc.papers[1:]
    # Nothing dropped downstream: the kept lines travel on, and the feed re-read is stable.
    again = df.parse(df.render(back, fmt), fmt)
    assert again == back
    assert added in df.render(back, layout)
    first = back.warnings[0]
    with pytest.raises(df.DigestError) as raised:
        df.parse(text, fmt, strict=True)
    _same_place(raised.value, first)


@pytest.mark.parametrize("layout", LAYOUTS)
def test_json_feed_reader_keeps_what_the_df_data_does_not_account_for(layout: str) -> None:
    doc = df.parse(SAMPLE[layout])
    feed = json.loads(df.render(doc, "jsonfeed"))
    feed["icon"] = "https://example.com/icon.png"
    feed["items"][0]["title"] = "A title edited in the feed"
    text = json.dumps(feed, ensure_ascii=False)
    back = df.parse(text, "jsonfeed")
    assert [w.message.split(" is not")[0] for w in back.warnings] == [
        "JSON Feed member icon",
        "JSON Feed member items[0].title",
    ]
    assert '"icon": "https://example.com/icon.png"' in back.extra
    assert '"title": "A title edited in the feed"' in back.papers[0].extra
    assert back.papers[0].title == doc.papers[0].title, "the df data is what is read"
    assert df.parse(df.render(back, "jsonfeed"), "jsonfeed") == back
    with pytest.raises(df.DigestError) as raised:
        df.parse(text, "jsonfeed", strict=True)
    assert raised.value.msg == back.warnings[0].message


def test_json_reader_refuses_an_unknown_member_in_both_modes() -> None:
    """JSON is the model itself: a member it does not define has no place to be kept,
    so it is refused, lenient or strict, at its path, never dropped."""
    data = json.loads(df.render(df.parse(SAMPLE["tagged"]), "json"))
    data["papers"][0]["comment"] = "added by hand"
    for strict in (False, True):
        with pytest.raises(
            df.DigestError, match=r"JSON \.papers\[0\]\.comment: Extra inputs are not permitted"
        ):
            df.parse(json.dumps(data), "json", strict=strict)
