"""Time panels read as the NetServer sends them, pure: which period a panel counts in, where
its periods are (labels, or data-set labels), whether a response-time panel is per handler,
its latest period's response time, and a per-day panel's days. Shared by the charts, the Desks
screen and the daily digest (statusboard.digests), so each reads a panel the same way.

    >>> frame = pd.DataFrame({"panel": "UserReponseTimePerWeek", "dataset": [0, 0, 1, 1],
    ...     "dataset_label": ["Ann", "Ann", "Bo", "Bo"], "position": [0, 1, 0, 1],
    ...     "label": ["W48", "W49", "W48", "W49"], "value": [1.0, 2.0, 3.0, 4.0],
    ...     "description": ""})
    >>> response_time(frame)
    Response(value=3.0, period='W49', over=2)
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date

import pandas as pd

from .panels import PanelType
from .periods import Granularity, Period, parse_period, time_order

#: The period of each time panel, from its type: it settles labels such as "2026-11" or "11".
GRAIN: dict[PanelType, Granularity] = {
    PanelType.NumberOfCreatedRequestsPerDay: "day",
    PanelType.NumberOfCreatedRequestsPerWeek: "week",
    PanelType.NumberOfCreatedRequestsPerMonth: "month",
    PanelType.UserResponseTimePerDay: "day",
    PanelType.UserReponseTimePerWeek: "week",
    PanelType.UserResponseTimePerMonth: "month",
}

#: Panels of averages: a comparison of handlers, and their "Others" bar, take the mean.
RESPONSE_TIME = frozenset(
    {PanelType.UserResponseTimePerDay, PanelType.UserReponseTimePerWeek,
     PanelType.UserResponseTimePerMonth})


# Words that say a label is a period, not a person ("This week", "I dag", "Förra månaden").
_PERIOD_WORDS = frozenset((
    "week", "weeks", "uke", "uka", "veke", "vecka", "veckan", "uge", "ugen", "day", "days",
    "today", "yesterday", "dag", "dagen", "dager", "dagar", "idag", "igår", "går", "month",
    "months", "måned", "måneden", "månad", "månaden", "year", "år", "året", "quarter", "kvartal",
    "last", "this", "previous", "current", "forrige", "denne", "förra", "denna", "sidste",
    "woche", "kw", "tag", "tage", "heute", "gestern", "monat", "jahr", "quartal", "letzte",
    "diese", "vorige", "vandaag", "gisteren", "maand", "jaar", "vorige", "deze", "huidige"))
_WORD = re.compile(r"[^\W\d_]+")


def panel_of(rows: pd.DataFrame) -> PanelType | None:
    """The panel type the rows belong to (the tidy frame's `panel` column); None if unknown."""
    if rows.empty or "panel" not in rows:
        return None
    try:
        return PanelType.from_wire(str(rows["panel"].iloc[0]))
    except ValueError:
        return None


def _look_like_names(labels: tuple[str, ...]) -> bool:
    """Labels that name people (or other things), not periods: no digits and no period words."""
    return all(not any(c.isdigit() for c in label)
               and not _PERIOD_WORDS.intersection(_WORD.findall(label.casefold()))
               for label in labels)


def _one_value_per_dataset(rows: pd.DataFrame) -> bool:
    sizes = rows.groupby("dataset").size()
    return len(sizes) >= 2 and int(sizes.max()) == 1


def _one_series(rows: pd.DataFrame, labels: pd.Series, name: object) -> pd.DataFrame:
    """Data sets of one value each as one series `name` whose values are labelled `labels`."""
    return rows.assign(label=labels, position=rows["dataset"], dataset=0,
                       dataset_label=pd.Series([name] * len(rows), index=rows.index,
                                               dtype="string"))


def time_rows(rows: pd.DataFrame, grain: Granularity | None) -> pd.DataFrame:
    """A time panel's rows with the periods in `label`: a server that sends one data set per
    period, each holding one value, has them in the data sets' labels instead."""
    if not _one_value_per_dataset(rows):
        return rows
    if not time_order(rows["dataset_label"].tolist(), grain).parsed:
        return rows
    if time_order(rows["label"].tolist(), grain).parsed:
        return rows
    names = rows["label"].dropna().unique()
    return _one_series(rows, rows["dataset_label"], names[0] if len(names) == 1 else pd.NA)


def handler_rows(rows: pd.DataFrame,
                 grain: Granularity | None) -> tuple[pd.DataFrame, str | None]:
    """A response-time panel's rows as one bar per handler, and the period they cover when the
    reply names one: one data set per handler holding one value is folded into one series."""
    if not _one_value_per_dataset(rows):
        return rows, None
    names = rows["dataset_label"].fillna(rows["label"])
    labels = rows["label"].dropna().unique().tolist()
    period = labels[0] if len(labels) == 1 and time_order(labels, grain).parsed else None
    return _one_series(rows, names, pd.NA), period


def is_per_handler(rows: pd.DataFrame) -> bool:
    """A response-time panel with one value per handler rather than per period: one data set per
    handler holding one value, or labels that are names rather than periods."""
    panel = panel_of(rows)
    if panel not in RESPONSE_TIME or rows.empty:
        return False
    grain = GRAIN[panel]
    rows = time_rows(rows, grain)
    if _one_value_per_dataset(rows):
        return True
    order = time_order(rows["label"].tolist(), grain)
    return not order.parsed and _look_like_names(order.labels)


#: The response-time panels a desk's response time is read from, in order of preference: the
#: first the desk's data holds. The week's is polled whenever there are several desks or a
#: digest (statusboard.config.BoardConfig.panels).
RESPONSE_PANELS = (PanelType.UserReponseTimePerWeek, PanelType.UserResponseTimePerDay,
                   PanelType.UserResponseTimePerMonth)


@dataclass(frozen=True, slots=True)
class Response:
    """A desk's response time: its latest period's value (handlers' values averaged when the
    NetServer gives one per handler), the period, and over how many values."""

    value: float | None
    period: str = ""  # "W49", "2026-12-05"; "" when the values are per handler only
    over: int = 0  # the values averaged; 0 when there is none


def response_rows(frame: pd.DataFrame) -> pd.DataFrame | None:
    """The rows of the first of RESPONSE_PANELS the tidy frame holds; None when it holds none."""
    if frame.empty:
        return None
    for panel in RESPONSE_PANELS:
        rows = frame.loc[frame["panel"] == panel.wire_name].reset_index(drop=True)
        if not rows.empty:
            return rows
    return None


def response_time(rows: pd.DataFrame | None) -> Response:
    """The latest period's response time from a response-time panel's rows (see the module)."""
    if rows is None or rows.empty:
        return Response(None)
    panel = PanelType.from_wire(str(rows["panel"].iloc[0]))
    grain = GRAIN.get(panel)
    if is_per_handler(rows):
        latest, period = rows, ""
    else:
        rows = time_rows(rows, grain)
        order = time_order(rows["label"].tolist(), grain)
        period = order.labels[-1] if order.parsed else \
            str(rows.sort_values("position")["label"].iloc[-1])
        latest = rows[rows["label"].astype(str) == period]
    values = [float(v) for v in latest["value"].tolist()
              if isinstance(v, float | int) and math.isfinite(float(v))]
    if not values:
        return Response(None, period)
    return Response(sum(values) / len(values), period, len(values))


def day_dates(rows: pd.DataFrame) -> dict[date, tuple[str, float | None]]:
    """A per-day panel's rows → date → (label as sent, value), for labels that name a day.

        >>> day_dates(pd.DataFrame({"label": ["2026-12-05", "Total"], "value": [4.0, 9.0]}))
        {datetime.date(2026, 12, 5): ('2026-12-05', 4.0)}
    """
    out: dict[date, tuple[str, float | None]] = {}
    for label, value in zip(rows["label"].tolist(), rows["value"].tolist(), strict=True):
        period = parse_period(label, "day")
        if isinstance(period, Period) and period.granularity == "day":
            number = None if value is None or pd.isna(value) else float(value)
            out[period.start] = (str(label), number)
    return out
