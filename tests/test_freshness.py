"""Freshness in words: fresh, stale past two intervals, error before any data, demo."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from stats_client.freshness import assess, format_age
from stats_client.poller import Snapshot

T0 = datetime(2026, 11, 27, 14, 3, 22, tzinfo=UTC)
OSLO = ZoneInfo("Europe/Oslo")


@pytest.mark.parametrize(
    ("age", "error", "demo", "state"),
    [
        (0, None, False, "fresh"),
        (12, None, False, "fresh"),
        (60, None, False, "fresh"),  # exactly two intervals is still fresh
        (61, None, False, "stale"),
        (61, "Cannot reach the NetServer: connection refused.", False, "stale"),
        (12, None, True, "demo"),
        (61, None, True, "stale"),  # demo data goes stale like any other
        (45, "Cannot reach the NetServer: connection refused.", False, "fresh"),
    ],
)
def test_states(age: int, error: str | None, demo: bool, state: str) -> None:
    snap = Snapshot(seq=3, fetched_at=T0, error=error)
    # Times are told in now's zone (the board's): 15:03:22 in Oslo for T0, 14:03:22 UTC.
    f = assess(snap, now=(T0 + timedelta(seconds=age)).astimezone(OSLO), interval=30, demo=demo)
    assert f.state == state
    assert f.age_s == pytest.approx(age)
    assert f.headline.startswith("Updated 15:03:22, ")
    if state == "stale":
        assert f.problem is not None
        assert "Data is from 15:03" in f.problem
        if error:
            assert error in f.problem
    else:
        assert f.problem is None


def test_no_data_yet_and_failing_is_error_with_the_reason() -> None:
    snap = Snapshot(error="The NetServer refused the ticket.", error_kind="authentication")
    f = assess(snap, now=T0, interval=30, demo=False)
    assert f.state == "error"
    assert f.age_s is None
    assert f.problem == "The NetServer refused the ticket."


def test_no_data_yet_and_no_error_is_waiting() -> None:
    f = assess(Snapshot(), now=T0, interval=30, demo=False)
    assert f.state == "fresh"
    assert f.problem is None
    assert "Waiting" in f.headline


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0, "0 s ago"), (12, "12 s ago"), (89, "89 s ago"), (90, "1 min ago"), (3599, "59 min ago"),
     (5400, "1 h 30 min ago"), (3 * 86400, "3 days ago"), (-5, "0 s ago")],
)
def test_format_age(seconds: float, text: str) -> None:
    assert format_age(seconds) == text


@pytest.mark.parametrize(("waited", "state"), [(0, "fresh"), (60, "fresh"), (61, "error")])
def test_a_first_poll_that_never_ends_turns_to_error(waited: int, state: str) -> None:
    """Regression: with no data and no error yet, the screen said "fresh" for ever."""
    snap = Snapshot(started_at=T0)
    f = assess(snap, now=(T0 + timedelta(seconds=waited)).astimezone(OSLO), interval=30,
               demo=False)
    assert f.state == state
    if state == "error":
        assert f.problem is not None
        assert f.problem.startswith("No data since 15:03")
