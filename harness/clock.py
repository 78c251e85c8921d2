"""A clock the test moves by hand, for pollers, clients and the demo NetServer (`clock=`)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

#: Where a ManualClock starts unless told otherwise: a Wednesday morning, a busy desk.
T0 = datetime(2026, 11, 25, 9, 30, tzinfo=UTC)


class ManualClock:
    """`clock()` is the time; it moves only when told: `clock.advance(minutes=5)`.

    >>> clock = ManualClock()
    >>> clock.advance(seconds=30) - T0
    datetime.timedelta(seconds=30)
    """

    def __init__(self, now: datetime = T0) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now
