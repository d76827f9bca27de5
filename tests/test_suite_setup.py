"""The test suite's own set-up: the modules kept off each other's cores exist."""

from __future__ import annotations

from tests.conftest import ONE_AT_A_TIME, TESTS


def test_every_one_at_a_time_module_exists() -> None:
    # A renamed module would silently leave the group and run beside another busy one.
    assert sorted(name for name in ONE_AT_A_TIME if not (TESTS / name).is_file()) == []
