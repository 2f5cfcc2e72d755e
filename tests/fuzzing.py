"""The fuzz property, shared by tests/test_fuzz.py (in CI) and fuzz/fuzz_digest.py (for hours).

Inputs are the fixtures' bytes mutated by a few random edits (tokens that
matter to the layouts inserted, spans deleted or repeated, bytes flipped).
For each: parsing raises nothing but DigestError, and whatever parses
renders back to the same bytes — in its detected layout and in every
layout it is read as.
"""

from __future__ import annotations

from pathlib import Path

from hypothesis import strategies as st

import digestformat as df

FIXTURES = Path(__file__).parent / "fixtures"
SEEDS = [path.read_bytes() for path in sorted(FIXTURES.glob("*/valid/*.md"))]
TOKENS = [
    b"\n", b"\r\n", b"\r", b"---\n", b"```\n", b"~~~\n", b"## ", b"### ", b"# ", b"<!--", b"-->",
    b"[", b"]", b"(", b")", b"**", b"|", b"  ", b"\t", b"\xef\xbb\xbf", b"> ", b"- ", b"1. ",
    b"\xf0\x9f\x93\x8c ", b"\xef\xbf\xbd", b"\xef\xb8\x8f", b"\xe2\x80\x8d", b"**Upvotes**: 3",
    b"**\xed\x83\x9c\xea\xb7\xb8**: a, b", b"![x](y)", b"<div>\n", b"    ", b"\\", b"`", b"title: x\n",
    b"===\n", b"&a ", b"*a", b"!!python/object ", b"<!-- digestformat: imrad -->\n", b"\x00", b"\xff",
    b"\xd7\x90", b"\xcc\x81", b"\xf0\x9d\x90\x80",
]  # fmt: skip
LAYOUTS = (None, "tagged", "translated", "imrad", "review")


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    data = bytearray(draw(st.sampled_from(SEEDS)))
    for _ in range(draw(st.integers(1, 8))):
        at = draw(st.integers(0, len(data)))
        op = draw(st.sampled_from(["insert", "delete", "repeat", "flip"]))
        if op == "insert":
            data[at:at] = draw(st.sampled_from(TOKENS))
        elif op == "delete":
            del data[at : at + draw(st.integers(1, 40))]
        elif op == "repeat":
            source = draw(st.integers(0, len(data)))
            data[at:at] = data[source : source + draw(st.integers(1, 200))]
        elif data:
            index = min(at, len(data) - 1)
            data[index] = draw(st.integers(0, 255))
    return bytes(data)


def check(data: bytes) -> None:
    """No exception but DigestError; every parse renders back to the same bytes."""
    for layout in LAYOUTS:
        try:
            doc = df.parse(data, layout)
        except df.DigestError:
            continue
        if doc.layout == "review" and len(doc.papers) > 1:
            continue  # cannot happen from Markdown; a JSON input could
        assert df.render(doc).encode("utf-8") == data, layout
        assert df.render(df.parse(df.render(doc, "json"), "json")).encode("utf-8") == data
