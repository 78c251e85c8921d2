"""Shape variants: the same seeded desk, spelt and grouped as other NetServers might send it.

Nobody has documented how a real NetServer labels its time panels or groups its response times,
so the demo can answer in a few plausible ways (`DemoNetServer(shapes="alt")`,
`simulate --shapes alt`). Every variant is the model's data relabelled and regrouped: the same
seed and time give the same reply, and the numbers agree with the standard shape.

    standard  the demo's own: ISO labels (2026-11-27, 2026-W48, 2026-11); response times one data
              set per handler, one value per period
    alt       days 27.11.2026, weeks "Week 48", months "November" (English, no year); each
              response-time panel is one data set labelled with the current period ("Week 48"),
              one value per handler (labels are handler names), and a handler with no replies
              yet has the value NaN
    nordic    days 2026-11-27T00:00:00 (.NET's DateTime), weeks "Uke 48", months "nov 2026"
              (Norwegian); response times stay one data set per handler, and the last handler
              has no replies in the current period: NaN
    hostile   alt's spellings, and every other label (categories, handlers, series, a number
              panel's) and every description is dressed as markup that would fetch from or
              link to another host if a board drew it as Markdown or HTML (`<img src=…>`,
              `![x](…)`, `[x](…)`, `<a href=…>`); the Status tile's counts and the periods stay
              as they are. For testing what a board does with a NetServer's texts.

    >>> from datetime import datetime, timezone
    >>> from .model import HelpDeskModel
    >>> alt = Shaped(HelpDeskModel(seed=42), "alt")
    >>> now = datetime(2026, 11, 27, 10, tzinfo=timezone.utc)
    >>> [v.label for v in alt.datasets(PanelType.NumberOfCreatedRequestsPerWeek, now)[0].values][-1]
    'Week 48'
    >>> (ds,) = alt.datasets(PanelType.UserReponseTimePerWeek, now); ds.label, ds.values[-1].value
    ('Week 48', nan)
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime

from stats_client import DataSet, DataValue, PanelType

from .model import HANDLERS, HelpDeskModel
from .source import DataSource, Transport
from .state import RawReply

# fmt: off
_EN_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
              "September", "October", "November", "December")
_NB_MONTHS = ("jan", "feb", "mar", "apr", "mai", "jun", "jul", "aug", "sep", "okt", "nov", "des")
# fmt: on

_DAYS = {PanelType.NumberOfCreatedRequestsPerDay, PanelType.UserResponseTimePerDay}
_WEEKS = {PanelType.NumberOfCreatedRequestsPerWeek, PanelType.UserReponseTimePerWeek}
_MONTHS = {PanelType.NumberOfCreatedRequestsPerMonth, PanelType.UserResponseTimePerMonth}
_RESPONSE = {
    PanelType.UserResponseTimePerDay,
    PanelType.UserReponseTimePerWeek,
    PanelType.UserResponseTimePerMonth,
}


@dataclass(frozen=True)
class Spelling:
    """How one variant writes a day, an ISO week (year, week) and a month (year, month), and
    whether response times come as one data set per handler or one value per handler."""

    day: Callable[[date], str]
    week: Callable[[int, int], str]
    month: Callable[[int, int], str]
    per_handler_values: bool


SPELLINGS: dict[str, Spelling | None] = {
    "standard": None,  # the model as it is
    "alt": Spelling(
        day=lambda d: f"{d:%d.%m.%Y}",
        week=lambda _y, w: f"Week {w}",
        month=lambda _y, m: _EN_MONTHS[m - 1],
        per_handler_values=True,
    ),
    "nordic": Spelling(
        day=lambda d: f"{d.isoformat()}T00:00:00",
        week=lambda _y, w: f"Uke {w}",
        month=lambda y, m: f"{_NB_MONTHS[m - 1]} {y}",
        per_handler_values=False,
    ),
}
SPELLINGS["hostile"] = SPELLINGS["alt"]
#: Where the hostile variant's markup points: a host that is never the board's.
HOSTILE_HOST = "elsewhere.invalid"
_HOSTILE = (
    "<img src=http://{host}/{n}.gif>{label}",
    "![{label}](http://{host}/{n}.gif)",
    "[{label}](http://{host}/{n})",
    "<a href=http://{host}/{n}>{label}</a>",
)
#: The variant names, `standard` first.
SHAPES: tuple[str, ...] = tuple(SPELLINGS)


def respell(panel: PanelType, iso_label: str, spelling: Spelling) -> str:
    """The model's ISO period label of a time panel in `spelling`."""
    if panel in _DAYS:
        return spelling.day(date.fromisoformat(iso_label))
    if panel in _WEEKS:
        year, week = iso_label.split("-W")
        return spelling.week(int(year), int(week))
    year, month = iso_label.split("-")
    return spelling.month(int(year), int(month))


class Shaped:
    """The model's data sets in the shape variant `name` (one of SHAPES), a `DataSource` that
    records nothing; ValueError names the choices."""

    def __init__(self, model: HelpDeskModel, name: str = "standard") -> None:
        if name not in SPELLINGS:
            raise ValueError(f"unknown shape variant {name!r}; expected one of: "
                             f"{', '.join(SHAPES)}")
        self.model = model
        self.name = name
        self.spelling = SPELLINGS[name]

    def __repr__(self) -> str:
        return f"Shaped(seed={self.model.seed}, name={self.name!r})"

    def recorded(self, transport: Transport, panels: Sequence[PanelType]) -> RawReply | None:
        return None

    def datasets(self, panel: PanelType, now: datetime) -> tuple[DataSet, ...]:
        sets = self._shaped(panel, now)
        if self.name != "hostile" or panel is PanelType.StatusScreen:
            return sets
        # A time panel's value labels are periods, and so is alt's response-time data set's.
        timed = panel in _DAYS | _WEEKS | _MONTHS
        return tuple(_hostile(ds, labels=not timed or panel in _RESPONSE, label=not timed)
                     for ds in sets)

    def _shaped(self, panel: PanelType, now: datetime) -> tuple[DataSet, ...]:
        sets = self.model.datasets(panel, now)
        spelling = self.spelling
        if spelling is None or panel not in _DAYS | _WEEKS | _MONTHS:
            return sets
        sets = tuple(_relabel(panel, ds, spelling) for ds in sets)
        if panel not in _RESPONSE:
            return sets
        if spelling.per_handler_values:
            return (_per_handler(sets),)
        # The last handler has not answered anyone in the current period.
        *rest, last = sets
        *values, current = last.values
        silent = DataValue(current.label, math.nan, f"{last.label}, {current.label}: no replies")
        return (*rest, DataSet(last.label, last.description, (*values, silent)))


def _relabel(panel: PanelType, ds: DataSet, spelling: Spelling) -> DataSet:
    values = []
    for v in ds.values:
        label = v.label if v.label is None else respell(panel, v.label, spelling)
        text = v.description
        if text is not None and v.label is not None and label is not None:
            text = text.replace(v.label, label)
        values.append(DataValue(label, v.value, text))
    return DataSet(ds.label, ds.description, tuple(values))


def _per_handler(sets: Sequence[DataSet]) -> DataSet:
    """One value per handler for the current period; the first handler not charted has no
    replies (NaN)."""
    period = sets[0].values[-1].label
    values = [DataValue(ds.label, ds.values[-1].value, ds.values[-1].description) for ds in sets]
    charted = {ds.label for ds in sets}
    silent = next(name for name, _group in HANDLERS if name not in charted)
    values.append(DataValue(silent, math.nan, f"{silent}, {period}: no replies"))
    return DataSet(period, sets[0].description, tuple(values))


def _dressed(text: str | None, n: int) -> str | None:
    """`text` dressed as one of the hostile variant's pieces of markup (None stays None)."""
    if text is None:
        return None
    return _HOSTILE[n % len(_HOSTILE)].format(host=HOSTILE_HOST, n=n, label=text)


def _hostile(ds: DataSet, *, labels: bool, label: bool) -> DataSet:
    """Every description dressed as markup, and the values' `labels` and the data set's own
    `label` unless they are periods (still unique)."""
    values = tuple(DataValue(_dressed(v.label, n) if labels else v.label,
                             v.value, _dressed(v.description, n + 1))
                   for n, v in enumerate(ds.values))
    return DataSet(_dressed(ds.label, 2) if label else ds.label, _dressed(ds.description, 3),
                   values)


class Scaled:
    """Another source's data sets with every count multiplied by `factor` (response times,
    which are hours, stay): a desk of millions of requests, for the screens' longest numbers
    (`DemoNetServer(scale=12345)`)."""

    def __init__(self, source: DataSource, factor: int) -> None:
        self.source = source
        self.factor = factor

    def __repr__(self) -> str:
        return f"Scaled({self.source!r}, {self.factor})"

    def recorded(self, transport: Transport, panels: Sequence[PanelType]) -> RawReply | None:
        return None

    def datasets(self, panel: PanelType, now: datetime) -> tuple[DataSet, ...]:
        sets = self.source.datasets(panel, now)
        if panel in _RESPONSE:
            return sets
        return tuple(replace(ds, values=tuple(
            replace(v, value=v.value * self.factor) if math.isfinite(v.value) else v
            for v in ds.values)) for ds in sets)
