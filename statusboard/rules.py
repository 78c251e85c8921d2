"""The product's rules, computed from the configuration: a value's level against its threshold,
since when it has been at that level, what a tile's change is counted from, and whether it is
night. Plain Python and pandas: the poller side (alerts) and the view use the same rules.

    >>> Threshold(amber=10, red=20).level(25)
    'red'
    >>> from datetime import UTC, datetime, time
    >>> Night(dark=time(19), wake=time(7)).covers(datetime(2026, 12, 2, 23, 30, tzinfo=UTC))
    True
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Literal, get_args

import pandas as pd

Level = Literal["none", "ok", "amber", "red"]

#: What a number tile's change is counted against (`compare` in statusboard.toml).
Compare = Literal["1h", "start_of_day", "same_time_last_week"]
COMPARES: tuple[str, ...] = get_args(Compare)
DEFAULT_COMPARE: Compare = "start_of_day"


@dataclass(frozen=True, slots=True)
class Threshold:
    """`amber`/`red` limits; `above` means high values are bad (the usual case)."""

    amber: float | None = None
    red: float | None = None
    direction: Literal["above", "below"] = "above"

    def level(self, value: float | None) -> Level:
        if value is None or not math.isfinite(value):
            return "none"
        if self.direction == "above":
            if self.red is not None and value >= self.red:
                return "red"
            if self.amber is not None and value >= self.amber:
                return "amber"
        else:
            if self.red is not None and value <= self.red:
                return "red"
            if self.amber is not None and value <= self.amber:
                return "amber"
        return "ok"

    def limit(self, level: Level) -> float | None:
        """The limit a value passed to be at `level` (amber or red); None for the others."""
        if level == "red":
            return self.red
        return self.amber if level == "amber" else None


@dataclass(frozen=True, slots=True)
class Night:
    """Outside office hours: dark from `dark` until `wake` (statusboard.toml `night = { from,
    to }`), in the board's time zone; `dark` after `wake` spans midnight, the usual case."""

    dark: time
    wake: time

    def covers(self, moment: datetime) -> bool:
        """True when `moment` (in the board's time zone) is at night."""
        now = moment.time().replace(second=0, microsecond=0, tzinfo=None)
        if self.dark < self.wake:  # a night within one day, e.g. 01:00 to 05:00
            return self.dark <= now < self.wake
        return now >= self.dark or now < self.wake


def local_midnight(now: datetime) -> datetime:
    """The start of `now`'s day in `now`'s time zone: pass `now` in the board's (zone), as
    every `now` of the rules is."""
    return now.replace(hour=0, minute=0, second=0, microsecond=0)


def compare_time(compare: Compare, now: datetime) -> datetime:
    """The moment a tile's change is counted from.

    >>> compare_time("1h", datetime(2026, 11, 25, 9, 30, tzinfo=UTC)).hour
    8
    """
    if compare == "1h":  # an hour of real time, also across a change to or from summer time
        return (now.astimezone(UTC) - timedelta(hours=1)).astimezone(now.tzinfo)
    if compare == "same_time_last_week":
        return now - timedelta(days=7)
    return local_midnight(now)


def stored_time(stamp: pd.Timestamp) -> datetime:
    """A stored time as a datetime; its nanoseconds (the store keeps float seconds) do not
    matter to a rule counted in minutes and are dropped without a warning."""
    moment: datetime = stamp.floor("us").to_pydatetime()
    return moment


def since_level(series: pd.DataFrame, rule: Threshold, level: Level) -> datetime | None:
    """When the value entered `level` and stayed there to the end of the step series
    [time, value]; None when the last value is not at `level` ("red for 14 min")."""
    values = series.dropna(subset=["value"])
    start = None
    for t, v in zip(reversed(values["time"].tolist()), reversed(values["value"].tolist()),
                    strict=True):
        if rule.level(float(v)) != level:
            break
        start = t
    return None if start is None else stored_time(start)


def seconds_between(start: datetime, end: datetime) -> float:
    """Real seconds from `start` to `end` (two times of one zone subtract as wall clocks)."""
    return (end.astimezone(UTC) - start.astimezone(UTC)).total_seconds()
