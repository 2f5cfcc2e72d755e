"""Every reader on mutated fixtures and feeds: nothing but a placed DigestError, and what parses renders.

The properties are in tests/fuzzing_readers.py (fuzz/fuzz_readers.py runs them for
as long as you like). A failure prints the input as a bytes literal (the
``Falsifying example``) and the reader it failed in (the notes before it).
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings

from fuzzing_readers import (
    FEEDS,
    check,
    check_front_matter,
    front_matter_markdown,
    mutated,
    mutated_front_matter,
    reencoded_feed,
)

_SETTINGS = settings(
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example],
    print_blob=True,
)


@_SETTINGS
@given(mutated())
def test_every_reader_on_mutated_seeds(data: bytes) -> None:
    check(data)


@_SETTINGS
@given(mutated(kinds=FEEDS))
def test_every_reader_on_mutated_feeds(data: bytes) -> None:
    check(data)


@_SETTINGS
@given(reencoded_feed())
def test_every_reader_on_reencoded_feeds(data: bytes) -> None:
    check(data)


@_SETTINGS
@given(front_matter_markdown())
def test_every_reader_on_markdown_with_mutated_front_matter(data: bytes) -> None:
    check(data)


@_SETTINGS
@given(mutated_front_matter())
def test_front_matter_load_raises_only_front_matter_error(text: str) -> None:
    check_front_matter(text)
