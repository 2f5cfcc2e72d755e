"""The fuzz property in CI: mutated fixtures parse cleanly or fail with DigestError, and round-trip."""

from __future__ import annotations

from hypothesis import given

from fuzzing import check, mutated


@given(mutated())
def test_mutated_fixtures_never_crash_and_round_trip(data: bytes) -> None:
    check(data)
