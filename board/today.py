"""The Today screen's content, pure: step series from the history store → what each chart draws.

Four charts of a screen quarter each: Open, Unassigned and Unread requests over today (from the
Status tile's counts, panel StatusScreen), each with the same weekday last week dashed where it
was recorded; and Created requests today (the running count NumberOfCreatedRequestsPerDay gives
for today's date) against the average of the same weekday in the weeks before, where those days
were recorded, and the NetServer's own whole-day counts of those days.

    >>> from datetime import UTC
    >>> now = datetime(2026, 11, 25, 9, 30, tzinfo=UTC)
    >>> weekday_name(now)
    'Wednesday'
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd

from statusboard import texts
from statusboard.rules import local_midnight
from statusboard.texts import N_, format_value
from statusboard.texts import gettext as _

#: The Today screen's id (statusboard.toml); its panels are what it needs polled.
TODAY_ID = "today"
STATUS_PANEL = "StatusScreen"
CREATED_PANEL = "NumberOfCreatedRequestsPerDay"
#: The Status tile's counts drawn over the day, in the order of the screen.
COUNTS: tuple[str, ...] = ("Open", "Unassigned", "Unread")
#: The charts' names where a panel's wire name would be, in the order of the screen.
PANELS: tuple[str, ...] = (*(f"today-{c}" for c in COUNTS), "today-Created")
#: How many weeks back the pacing looks for the same weekday.
PACING_WEEKS = 4
#: The chart's "now" moves in steps of this many minutes: a chart is sent again when its data
#: changed or this step passed, not at every poll.
NOW_STEP_MIN = 10

#: Today's line (the data's series name; the chart shows it in the wall's language).
TODAY = "Today"
#: Each chart's title by its count.
TITLES = {"Open": N_("Open requests"), "Unassigned": N_("Unassigned requests"),
          "Unread": N_("Unread requests"), "Created": N_("Created requests today")}
COLUMNS = {"time": "datetime64[ns, UTC]", "value": "float64", "series": "string"}


def weekday_name(now: datetime) -> str:
    """`now`'s weekday in `now`'s zone (pass it in the board's, board.zone), in the wall's
    language."""
    return texts.weekday_long(now)


def now_step(now: datetime) -> datetime:
    """`now` rounded down to NOW_STEP_MIN minutes (on the wall clock, keeping `fold`: in the
    hour repeated when summer time ends, 02:35 of the second pass is 02:30 of that pass)."""
    return now.replace(minute=now.minute - now.minute % NOW_STEP_MIN, second=0, microsecond=0)


@dataclass(frozen=True, slots=True)
class DayChart:
    """One chart of the Today screen: its data [time, value, series] and words."""

    key: str  # "Open", "Unassigned", "Unread", "Created"
    title: str
    subtitle: str
    data: pd.DataFrame
    start: datetime  # the x axis: today's local midnight to the next
    end: datetime
    dashed: tuple[str, ...] = ()  # the series drawn dashed (last week, the average)

    @property
    def panel(self) -> str:
        """Its name where a panel's wire name would be (`.st-key-panel-today-Open`)."""
        return f"today-{self.key}"

    @property
    def digest(self) -> tuple[object, ...]:
        """What the chart shows, hashable: its words and points."""
        return (self.key, self.title, self.subtitle, self.start, self.dashed,
                tuple(self.data.itertuples(index=False, name=None)))


def _empty() -> pd.DataFrame:
    return pd.DataFrame({n: pd.Series([], dtype=d) for n, d in COLUMNS.items()})


def _wall_shift(times: pd.Series, days: int, zone: Any) -> pd.Series:
    """UTC times moved `days` forward on the wall clock of `zone` (a time that does not exist
    there that day moves past the gap; one that exists twice is taken as winter time)."""
    wall = pd.to_datetime(times, utc=True).dt.tz_convert(zone).dt.tz_localize(None)
    moved = (wall + pd.Timedelta(days=days)).dt.tz_localize(
        zone, nonexistent="shift_forward", ambiguous=np.zeros(len(wall), dtype=bool))
    return moved.dt.tz_convert("UTC")


def clip_day(series: pd.DataFrame, start: datetime, end: datetime, *, name: str,
             hold_to: datetime, days: int = 0) -> pd.DataFrame:
    """A step series [time, value] as the points of one line between `start` and `end`
    (moved forward by `days` on the wall clock of `start`'s zone, so that last week's 09:00
    lies over today's 09:00 also across a change of summer time), the last value held to
    `hold_to`: [time, value, series]."""
    values = series.dropna(subset=["value"])
    if values.empty:
        return _empty()
    times = values["time"]
    if days:
        times = _wall_shift(times, days, start.tzinfo)
    inside = times[(times >= pd.Timestamp(start)) & (times <= pd.Timestamp(end))]
    points = list(zip(inside.tolist(), values.loc[inside.index, "value"].tolist(),
                      strict=True))
    before = values[times < pd.Timestamp(start)]
    if not before.empty:
        points.insert(0, (pd.Timestamp(start), float(before["value"].iloc[-1])))
    if not points:
        return _empty()
    if points[-1][0] < pd.Timestamp(hold_to):
        points.append((pd.Timestamp(hold_to), points[-1][1]))
    out = pd.DataFrame({"time": [p[0] for p in points], "value": [p[1] for p in points],
                        "series": name})
    return out.astype(COLUMNS)


def count_chart(label: str, today: pd.DataFrame, last_week: pd.DataFrame, *,
                now: datetime) -> DayChart:
    """One count over today (`today`: its step series since midnight) and, dashed, the same
    weekday last week (`last_week`: the series of that day, in its own time)."""
    start = local_midnight(now)
    end = start + timedelta(days=1)
    shown_now = now_step(now)
    week = timedelta(days=7)
    name = _("Last {weekday}").format(weekday=texts.weekday(start))
    lines = [clip_day(today, start, end, name=TODAY, hold_to=shown_now),
             clip_day(last_week, start, end, name=name, hold_to=end, days=7)]
    data = pd.concat([d for d in lines if not d.empty] or [_empty()], ignore_index=True)
    current = today.dropna(subset=["value"])
    words = []
    if not current.empty:
        words.append(_("now {value}").format(value=format_value(float(current["value"].iloc[-1]))))
    then = last_week.dropna(subset=["value"])
    then = then[then["time"] <= pd.Timestamp(now - week)]
    if not then.empty:
        words.append(_("last {weekday} at this time {value}").format(
            weekday=texts.weekday(start), value=format_value(float(then["value"].iloc[-1]))))
    elif lines[1].empty:
        words.append(_("last {weekday} was not recorded").format(
            weekday=texts.weekday_long(start)))
    title = _(TITLES[label]) if label in TITLES else label
    return DayChart(label, title, " · ".join(words), data, start, end, dashed=(name,))


def same_weekdays(days: Mapping[date, object], today: date,
                  weeks: int = PACING_WEEKS) -> list[date]:
    """The same weekday in the `weeks` weeks before `today`, newest first, that `days` holds."""
    return [d for d in (today - timedelta(days=7 * k) for k in range(1, weeks + 1)) if d in days]


def average_line(lines: Sequence[pd.DataFrame], start: datetime, end: datetime,
                 *, name: str) -> pd.DataFrame:
    """The mean of several step lines (each already over today's axis) every NOW_STEP_MIN
    minutes, where at least one was recorded."""
    grid = pd.date_range(pd.Timestamp(start), pd.Timestamp(end), freq=f"{NOW_STEP_MIN}min")
    columns = []
    for line in lines:
        if line.empty:
            continue
        stepped = line.drop_duplicates("time", keep="last").set_index("time")["value"]
        held = stepped.reindex(stepped.index.union(grid)).ffill().reindex(grid)
        held[(grid < stepped.index[0]) | (grid > stepped.index[-1])] = math.nan
        columns.append(held)
    if not columns:
        return _empty()
    mean = pd.concat(columns, axis=1).mean(axis=1, skipna=True).dropna()
    out = pd.DataFrame({"time": mean.index, "value": mean.to_numpy(), "series": name})
    return out.astype(COLUMNS)


def pacing_chart(today: pd.DataFrame, before: Sequence[tuple[int, pd.DataFrame]],
                 whole_days: Sequence[float], *, now: datetime) -> DayChart:
    """Created requests today (`today`: the running count's step series) against the average
    of the same weekday before (`before`: (weeks back, that day's series in its own time))
    and the whole-day counts the NetServer gives for those days (`whole_days`)."""
    start = local_midnight(now)
    end = start + timedelta(days=1)
    shown_now = now_step(now)
    day = weekday_name(now)
    name = _("Average {weekday}").format(weekday=texts.weekday(start))
    line = clip_day(today, start, end, name=TODAY, hold_to=shown_now)
    shifted = [clip_day(series, start, end, name=name, hold_to=end, days=7 * weeks)
               for weeks, series in before]
    average = average_line(shifted, start, end, name=name)
    data = pd.concat([d for d in (line, average) if not d.empty] or [_empty()],
                     ignore_index=True)
    words = []
    current = today.dropna(subset=["value"])
    if not current.empty:
        words.append(_("{value} so far").format(
            value=format_value(float(current["value"].iloc[-1]))))
    by_now = average[average["time"] <= pd.Timestamp(now)]
    # One sentence about an average earlier weekday: by now, and all day (the NetServer's own
    # counts), so that "all day" is never read as where today will end.
    by_now_text = (format_value(round(by_now["value"].iloc[-1])) if not by_now.empty else None)
    all_day = (format_value(round(sum(whole_days) / len(whole_days))) if whole_days else None)
    if by_now_text is not None and all_day is not None:
        words.append(_("an average {weekday} had {by_now} by now and {all_day} all day").format(
            weekday=day, by_now=by_now_text, all_day=all_day))
    elif by_now_text is not None:
        words.append(_("an average {weekday} had {by_now} by now").format(
            weekday=day, by_now=by_now_text))
    elif all_day is not None:
        words.append(_("an average {weekday} had {all_day} all day").format(
            weekday=day, all_day=all_day))
    else:
        words.append(_("no earlier {weekday} recorded yet").format(weekday=day))
    return DayChart("Created", _(TITLES["Created"]), " · ".join(words), data, start, end,
                    dashed=(name,))
