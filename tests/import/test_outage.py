"""``outage.ride_out``, the waiting rule of a worker whose database server went away (docs/team.md
"When the server goes away"), without a server: the waits, the bound, stopping, other errors."""

from __future__ import annotations

import pytest

from parsalink_tui.errors import DatabaseFileError, DatabaseUnavailable
from parsalink_tui.importing import outage
from parsalink_tui.importing.batch import Stopped

LOST = DatabaseUnavailable("postgresql://ann@db/crm: the connection to the database server was lost")


class RawLost(Exception):
    """What a driver raises; the database explains it as DatabaseUnavailable."""


class Db:
    @staticmethod
    def describe_error(exc: BaseException) -> DatabaseFileError | None:
        return LOST if isinstance(exc, RawLost) else None


def failing(times: int, error: Exception = LOST):
    calls = {"n": 0}

    def attempt() -> str:
        calls["n"] += 1
        if calls["n"] <= times:
            raise error
        return "done"

    return attempt, calls


def test_a_lost_connection_is_tried_again_after_growing_waits_and_logged_once(caplog):
    waits: list[float] = []
    attempt, calls = failing(6, RawLost("server closed the connection unexpectedly"))
    with caplog.at_level("DEBUG", logger="parsalink_tui"):
        assert outage.ride_out(Db(), attempt, what="import job j1", wait=lambda s: waits.append(s) or False) == "done"
    assert calls["n"] == 7 and waits == [0.5, 1.0, 2.0, 4.0, 5.0, 5.0]
    warned = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert warned == [("import job j1 paused: postgresql://ann@db/crm: the connection to the database server was "
                       "lost; trying again until the server is back (up to 120 s)")]  # fmt: skip


def test_it_gives_up_after_the_bound_with_one_line_and_raises_the_loss(caplog, monkeypatch):
    monkeypatch.setattr(outage, "OUTAGE_SECONDS", 10.0)
    waits: list[float] = []
    attempt, calls = failing(100)
    with caplog.at_level("WARNING", logger="parsalink_tui"), pytest.raises(DatabaseUnavailable):
        outage.ride_out(Db(), attempt, what="import job j1", wait=lambda s: waits.append(s) or False)
    assert waits == [0.5, 1.0, 2.0, 4.0] and calls["n"] == 5  # 7.5 s waited; 5 more would pass 10
    assert [r.getMessage().split(";")[-1] for r in caplog.records][-1] == " the next worker resumes it"
    assert all(r.exc_info is None for r in caplog.records)


def test_a_stop_while_waiting_is_stopped():
    attempt, calls = failing(1)
    with pytest.raises(Stopped):
        outage.ride_out(Db(), attempt, what="import job j1", wait=lambda s: True)
    assert calls["n"] == 1


@pytest.mark.parametrize("error", [ValueError("bad"), DatabaseFileError("the disk is full")])
def test_any_other_error_is_raised_at_once(error):
    attempt, calls = failing(1, error)
    with pytest.raises(type(error)):
        outage.ride_out(Db(), attempt, what="import job j1", wait=lambda s: pytest.fail("waited"))
    assert calls["n"] == 1
