"""Pure chart builders: one panel's rows of the tidy frame → one themed Altair chart.

No Streamlit here, and nothing random or counted: the same rows always give the same
`chart.to_dict()`, so an unchanged panel produces a byte-identical element that Streamlit
can send as a short reference instead of the whole chart.

    >>> shape_of(pd.DataFrame({"dataset": [0], "label": ["Unassigned"], "value": [4.0]}))
    'number'
"""

from __future__ import annotations

import calendar
import math
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, Literal

import altair as alt
import pandas as pd

from .theme import PALETTE, apply_theme

Shape = Literal["empty", "number", "categories", "timeline"]
Granularity = Literal["day", "week", "month"]

_DAY = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_WEEK = re.compile(r"^(\d{4})-W(\d{1,2})$")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")

#: How a period's start is written on the axis.
AXIS_FORMAT: dict[Granularity, str] = {"day": "%d %b", "week": "W%V", "month": "%b"}

#: Width and height are the whole chart's, title and axes included, in Streamlit and in tests.
FIT: dict[str, str] = {"type": "fit", "contains": "padding"}

# Pixels a chart spends outside its plot area: title, x axis, padding (legend added apart).
_TITLE_PX, _AXIS_PX, _LEGEND_PX, _MIN_PLOT_PX = 52, 40, 40, 60
_BAR_PX = 26  # the least height a horizontal bar with an 18 px label needs


@dataclass(frozen=True, slots=True)
class Period:
    start: date
    end: date  # exclusive
    granularity: Granularity


def parse_period(label: object) -> Period | None:
    """A period label ("2026-11-27", "2026-W48", "2026-11") as dates; None when it is not one."""
    if not isinstance(label, str):
        return None
    text = label.strip()
    try:
        if m := _DAY.match(text):
            start = date(int(m[1]), int(m[2]), int(m[3]))
            return Period(start, start + timedelta(days=1), "day")
        if m := _WEEK.match(text):
            start = date.fromisocalendar(int(m[1]), int(m[2]), 1)
            return Period(start, start + timedelta(days=7), "week")
        if m := _MONTH.match(text):
            year, month = int(m[1]), int(m[2])
            start = date(year, month, 1)
            days = calendar.monthrange(year, month)[1]
            return Period(start, start + timedelta(days=days), "month")
    except ValueError:  # 2026-13, 2026-W60, 2026-02-30
        return None
    return None


def parse_periods(labels: list[object]) -> list[Period] | None:
    """Periods for every label when all parse and share one granularity; else None."""
    periods = [parse_period(label) for label in labels]
    if not periods or any(p is None for p in periods):
        return None
    kinds = {p.granularity for p in periods if p is not None}
    return [p for p in periods if p is not None] if len(kinds) == 1 else None


def shape_of(rows: pd.DataFrame) -> Shape:
    """How a panel's data is drawn: a number when every data set holds one value, a time axis
    when every label is a period, categories otherwise."""
    if rows.empty:
        return "empty"
    if rows.groupby("dataset").size().max() == 1:
        return "number"
    if parse_periods(rows["label"].tolist()) is not None:
        return "timeline"
    return "categories"


def chart_data(rows: pd.DataFrame) -> pd.DataFrame:
    """The columns a chart reads, in reply order, with period bounds for a time axis."""
    out = pd.DataFrame({
        "series": rows["dataset_label"].fillna("").astype(str).where(
            rows["dataset_label"].notna(), "Series " + (rows["dataset"] + 1).astype(str)),
        "label": rows["label"].fillna("(no label)").astype(str),
        "value": rows["value"].astype("float64"),
        "description": rows["description"].fillna("").astype(str),
        "order": (rows["dataset"] * 100_000 + rows["position"]).astype("int64"),
    }).reset_index(drop=True)
    periods = parse_periods(rows["label"].tolist())
    if periods is not None:
        out["start"] = [f"{p.start.isoformat()}T00:00:00Z" for p in periods]
        out["end"] = [f"{p.end.isoformat()}T00:00:00Z" for p in periods]
        out["mid"] = [f"{_mid(p):%Y-%m-%dT%H:%M:%S}Z" for p in periods]
    return out


def value_format(values: pd.Series) -> str:
    """d3 format for the numbers on marks: whole numbers without decimals, others with one,
    and three significant digits with a k/M suffix from 10,000 up (so neighbours don't touch)."""
    finite = [v for v in values.tolist() if isinstance(v, float) and math.isfinite(v)]
    if finite and max(abs(v) for v in finite) >= 10_000:
        return ".3~s"
    return ",.0f" if all(float(v).is_integer() for v in finite) else ",.1f"


#: d3 format for axis ticks: no trailing zeros (2.0 → 2, 2.5 → 2.5, 2000 → 2,000).
AXIS_NUMBER = ",~f"


def _subtitle(rows: pd.DataFrame, extra: str | None) -> list[str] | None:
    notes = [str(d) for d in rows["dataset_description"].dropna().unique()[:1]]
    if extra:
        notes.append(extra)
    return [" · ".join(notes)] if notes else None


def _panel(rows: pd.DataFrame) -> str:
    return str(rows["panel"].iloc[0])


def _title(title: str, subtitle: list[str] | None) -> alt.Title:
    return alt.Title(title, subtitle=subtitle) if subtitle else alt.Title(title)


def _plot_height(height: int, *, legend: bool, subtitle: bool) -> int:
    spare = _TITLE_PX + _AXIS_PX + (_LEGEND_PX if legend else 0) + (24 if subtitle else 0)
    return max(_MIN_PLOT_PX, height - spare)


def category_chart(rows: pd.DataFrame, *, title: str, width: int | None = None,
                   height: int) -> alt.LayerChart:
    """Horizontal bars in reply order, a number at the end of each; several data sets are
    grouped bars coloured by data set. Past what fits, the largest categories are kept."""
    data = chart_data(rows)
    several = data["series"].nunique() > 1
    per_label = data["series"].nunique()
    fits = max(2, _plot_height(height, legend=several, subtitle=True) // (_BAR_PX * per_label))
    labels = data["label"].drop_duplicates().tolist()
    note = None
    if len(labels) > fits:
        top = (data.groupby("label", sort=False)["value"].sum()
               .sort_values(ascending=False, kind="stable").head(fits).index)
        keep = [label for label in labels if label in set(top)]
        note = f"largest {len(keep)} of {len(labels)}"
        data = data[data["label"].isin(keep)].reset_index(drop=True)
        labels = keep
    subtitle = _subtitle(rows, note)
    fmt = value_format(data["value"])
    y = alt.Y("label:N", sort=labels, title=None,
              axis=alt.Axis(labelLimit=300, ticks=False, domain=False))
    x = alt.X("value:Q", title=None, axis=alt.Axis(format=AXIS_NUMBER, tickCount=4, grid=True))
    tooltip = [alt.Tooltip("label:N", title="Label"), alt.Tooltip("value:Q", title="Value",
               format=AXIS_NUMBER), alt.Tooltip("description:N", title="Description")]
    enc: dict[str, Any] = {"y": y, "x": x, "tooltip": tooltip}
    if several:
        enc["color"] = alt.Color("series:N", sort=data["series"].unique().tolist(), title=None)
        enc["yOffset"] = alt.YOffset("series:N", sort=data["series"].unique().tolist())
        tooltip.insert(1, alt.Tooltip("series:N", title="Series"))
    base = alt.Chart(data).encode(**enc)
    bars = base.mark_bar(cornerRadiusEnd=3)
    text = base.mark_text(align="left", dx=6, baseline="middle").encode(
        text=alt.Text("value:Q", format=fmt))
    chart = alt.LayerChart(layer=[bars, text]).properties(
        title=_title(title, subtitle), height=height, width=width or "container", autosize=FIT,
        usermeta={"panel": _panel(rows), "panel_shape": "categories"})
    return apply_theme(chart)


def _mid(period: Period) -> datetime:
    """The middle of a period (UTC): where its tick, point and number go."""
    start = datetime(period.start.year, period.start.month, period.start.day, tzinfo=UTC)
    end = datetime(period.end.year, period.end.month, period.end.day, tzinfo=UTC)
    return start + (end - start) / 2


def timeline_chart(rows: pd.DataFrame, *, title: str, width: int | None = None,
                   height: int) -> alt.Chart | alt.LayerChart:
    """Periods on a UTC time axis, one tick in the middle of each period: bars spanning each
    period for one data set, lines with points coloured by data set for several."""
    data = chart_data(rows)
    periods = parse_periods(rows["label"].tolist())
    if periods is None:
        raise ValueError("timeline_chart needs period labels")
    grain = periods[0].granularity
    several = data["series"].nunique() > 1
    subtitle = _subtitle(rows, None)
    fmt = value_format(data["value"])
    # Explicit DateTime ticks: the Vega-Lite in the browser ignores epoch numbers here.
    ticks = [alt.DateTime(year=m.year, month=m.month, date=m.day, hours=m.hour, utc=True)
             for m in sorted({_mid(p) for p in periods})]
    axis = alt.Axis(format=AXIS_FORMAT[grain], labelAngle=0, grid=False,
                    values=ticks, labelOverlap="greedy", labelFlush=False)
    # Padding keeps the first and last points (drawn mid-period) clear of the plot's edges.
    x_mid = alt.X("mid:T", title=None, scale=alt.Scale(type="utc", padding=14), axis=axis)
    y = alt.Y("value:Q", title=None, axis=alt.Axis(format=AXIS_NUMBER, tickCount=4))
    tooltip = [alt.Tooltip("label:N", title="Period"),
               alt.Tooltip("value:Q", title="Value", format=AXIS_NUMBER),
               alt.Tooltip("description:N", title="Description")]
    props: dict[str, Any] = {
        "title": _title(title, subtitle),
        "height": height,
        "width": width or "container",
        "autosize": FIT,
        "usermeta": {"panel": _panel(rows), "panel_shape": "timeline", "granularity": grain},
    }
    if several:
        series = data["series"].unique().tolist()
        tooltip.insert(1, alt.Tooltip("series:N", title="Series"))
        chart = alt.Chart(data).mark_line(point=True).encode(
            x=x_mid, y=y, color=alt.Color("series:N", sort=series, title=None), tooltip=tooltip,
            order=alt.Order("order:Q"))
        line: alt.Chart = chart.properties(**props)
        return apply_theme(line)
    base = alt.Chart(data).encode(tooltip=tooltip)
    bars = base.mark_bar(stroke=PALETTE["panel"], strokeWidth=3).encode(
        x=alt.X("start:T", title=None, scale=alt.Scale(type="utc"), axis=axis),
        x2=alt.X2("end:T"), y=y, y2=alt.Y2(datum=0))
    layers: list[alt.Chart] = [bars]
    # Numbers on top of the bars only while they can fit side by side.
    if len(data) <= 16:
        layers.append(base.mark_text(baseline="bottom", dy=-4).encode(
            x=x_mid, y=y, text=alt.Text("value:Q", format=fmt)))
    layered: alt.LayerChart = alt.LayerChart(layer=layers).properties(**props)
    return apply_theme(layered)


def build_chart(rows: pd.DataFrame, *, title: str, height: int, width: int | None = None) -> Any:
    """The chart for a panel's rows, chosen by `shape_of`; raises ValueError for tiles.

    `width` and `height` are the whole chart's pixels; no width means the container's."""
    shape = shape_of(rows)
    if shape == "timeline":
        return timeline_chart(rows, title=title, width=width, height=height)
    if shape == "categories":
        return category_chart(rows, title=title, width=width, height=height)
    raise ValueError(f"a {shape} panel is drawn as a tile, not a chart")
