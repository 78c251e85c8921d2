"""Pure chart builders: one panel's rows of the tidy frame → one themed Altair chart.

No Streamlit here, and nothing random or counted: the same rows always give the same
`chart.to_dict()`, so an unchanged panel produces a byte-identical element that Streamlit
can send as a short reference instead of the whole chart.

What a panel is decides first: a per-day, per-week or per-month panel is a time series
whatever its labels say, and keeps every point (a response-time panel that holds one value per
handler is a comparison of handlers). The data's shape decides the rest. Nothing is dropped
silently: categories past what fits are summed into one "Others (k)" bar, and a missing value
is written "n/a" where its mark would be.

    >>> shape_of(pd.DataFrame({"panel": ["UnassignedRequests"], "dataset": [0],
    ...                        "label": ["Unassigned"], "value": [4.0]}))
    'number'
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any, Literal, TypeVar

import altair as alt
import pandas as pd

from stats_client.panels import PanelKind
from stats_client.periods import Granularity, Period, TimeOrder, time_order
from stats_client.timeline import GRAIN, handler_rows, is_per_handler, panel_of, time_rows
from statusboard import texts
from statusboard.texts import N_, panel_title
from statusboard.texts import gettext as _

from .theme import PALETTE, SERIES, TYPE, apply_theme
from .today import TODAY, DayChart

Shape = Literal["empty", "number", "categories", "timeline", "handlers"]

#: The title of a response-time panel drawn as a comparison of handlers, by its period: the
#: per-day and per-month comparisons side by side must not read the same.
HANDLER_TITLES: dict[Granularity, str] = {
    "day": N_("Response time per day by handler"),
    "week": N_("Response time per week by handler"),
    "month": N_("Response time per month by handler"),
}
HANDLER_TITLE = N_("Response time by handler")  # a panel of no known period

#: What a missing value (NaN) is marked with in the chart's data (`note`); its mark shows
#: `texts` "n/a" in the wall's language.
NA = "n/a"


def no_label() -> str:
    """What a nil label shows."""
    return _("(no label)")


def axis_format(grain: Granularity) -> str:
    """How a period's start is written on the axis (d3 time format; names from the locale)."""
    if grain == "day":
        # TRANSLATORS: a day on a chart's axis (d3 time format: %d day, %b short month).
        return _("%d %b")
    if grain == "week":
        # TRANSLATORS: an ISO week on a chart's axis (d3 time format: %V the week number).
        return _("W%V")
    return "%b"


def vega_locale() -> dict[str, Any]:
    """The Vega number and time locale of the wall's language (CLDR, from Babel): thousands
    separators, decimal mark, month and weekday names on every chart."""
    loc = texts.locale()
    symbols = loc.number_symbols.get("latn", loc.number_symbols)
    days = loc.days["format"]
    months = loc.months["format"]
    sunday_first = [6, 0, 1, 2, 3, 4, 5]  # CLDR counts from Monday, d3 from Sunday
    return {
        "number": {"decimal": symbols["decimal"], "thousands": symbols["group"],
                   "grouping": [3], "currency": ["", ""]},
        "time": {"dateTime": "%a %e %b %Y %X", "date": "%d.%m.%Y",
                 "time": f"%H{texts.time_separator()}%M{texts.time_separator()}%S",
                 "periods": ["AM", "PM"],
                 "days": [str(days["wide"][d]) for d in sunday_first],
                 "shortDays": [str(days["abbreviated"][d]) for d in sunday_first],
                 "months": [str(months["wide"][m]) for m in range(1, 13)],
                 "shortMonths": [str(months["abbreviated"][m]) for m in range(1, 13)]},
    }


C = TypeVar("C", alt.Chart, alt.LayerChart)


def localised(chart: C) -> C:
    """The themed chart with the wall's number and time locale in its config."""
    spec_config = chart.config if isinstance(chart.config, dict) else {}
    out: C = chart.properties(config={**spec_config, "locale": vega_locale()})
    return out

#: Width and height are the whole chart's, title and axes included, in Streamlit and in tests.
FIT: dict[str, str] = {"type": "fit", "contains": "padding"}

# Pixels a chart spends outside its plot area, from the type scale (a line of text is about
# 1.25 times its size): title with its offset and the padding, subtitle, x axis, legend.
_TITLE_PX = round(TYPE["chart_title"] * 1.25) + 12 + 8
_SUBTITLE_PX = round(TYPE["caption"] * 1.25)
_AXIS_PX = round(TYPE["axis"] * 1.25) + 12
_LEGEND_PX = round(TYPE["axis"] * 1.25) + 14
_MIN_PLOT_PX = 60
_BAR_PX = round(TYPE["value"] * 1.35)  # the least height of a bar with its number beside it
# Average widths of a character (Source Sans: about 0.55 of the size, digits a little less).
_CHAR_PX = round(TYPE["axis"] * 0.55)
_LABEL_GAP_PX = 24  # between two axis labels
_Y_AXIS_PX = 5 * _CHAR_PX + 20  # a time chart's value axis ("2,000") and padding
_PAD_PX = 16  # the chart's padding, left and right of the plot
def _dated_label_chars(grain: Granularity) -> int:
    """Characters in an axis label of a period ("14 Nov", "W37", "KW 37"; see axis_format)."""
    if grain == "month":
        return 4
    return len(axis_format(grain).replace("%d", "00").replace("%V", "00").replace("%b", "Nov."))

def shape_of(rows: pd.DataFrame) -> Shape:
    """How a panel's data is drawn: a time panel as a time series (or, for response times given
    per handler, a comparison of handlers); else a number when every data set holds one value,
    and categories otherwise."""
    if rows.empty:
        return "empty"
    panel = panel_of(rows)
    if panel is not None and panel.kind is PanelKind.TIMELINE:
        return "handlers" if is_per_handler(rows) else "timeline"
    if rows.groupby("dataset").size().max() == 1:
        return "number"
    return "categories"


def chart_data(rows: pd.DataFrame, order: TimeOrder | None = None) -> pd.DataFrame:
    """The columns a chart reads: in reply order, or by series then time when `order` (made from
    the labels, nil ones as `NO_LABEL`) parsed, with period bounds when it dated them; `note` is
    "n/a" where the value is missing."""
    values = rows["value"].astype("float64")
    unnamed = [_("Series {n}").format(n=int(n) + 1) for n in rows["dataset"].tolist()]
    out = pd.DataFrame({
        "series": rows["dataset_label"].fillna("").astype(str).where(
            rows["dataset_label"].notna(), pd.Series(unnamed, index=rows.index, dtype=object)),
        "label": rows["label"].fillna(no_label()).astype(str),
        "value": values,
        "description": rows["description"].fillna("").astype(str),
        "order": (rows["dataset"] * 100_000 + rows["position"]).astype("int64"),
        "note": values.map(lambda v: "" if math.isfinite(v) else NA).astype(str),
    }).reset_index(drop=True)
    if order is None or not order.parsed:
        return out
    keys = out["label"]
    rank = {label: n for n, label in enumerate(order.labels)}
    out["order"] = (out["order"] // 100_000 * 100_000 + keys.map(rank)).astype("int64")
    out = out.sort_values("order", kind="stable").reset_index(drop=True)
    if order.periods is not None:
        periods = [order.periods[key] for key in out["label"]]
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


def _plot_height(height: int, *, legend: bool, subtitle: bool, axis: bool = True) -> int:
    spare = (_TITLE_PX + (_AXIS_PX if axis else 0) + (_LEGEND_PX if legend else 0)
             + (_SUBTITLE_PX if subtitle else 0))
    return max(_MIN_PLOT_PX, height - spare)


def _number_px(values: pd.Series, fmt: str) -> int:
    """Pixels of the widest number `fmt` writes for `values` at the value size: a close guess
    of d3's text (Source Sans digits are half the size wide, "," and "." a quarter)."""
    finite = [abs(v) for v in values.tolist() if isinstance(v, float) and math.isfinite(v)]
    top = max(finite, default=0.0)
    if not finite:
        text = NA
    elif fmt == ".3~s" and top >= 1_000:
        text = "10.9M" if top >= 1_000_000 else "10.9k"  # three digits, a point and a suffix
    else:
        text = f"{top:,.1f}" if fmt.endswith(".1f") else f"{top:,.0f}"
    ems = sum(0.5 if c.isdigit() else 0.25 if c in ",." else 0.55 for c in text)
    return math.ceil(ems * TYPE["value"])


def _headroom(values: pd.Series, extra_px: int, plot_px: int) -> alt.Scale | None:
    """A value scale that ends `extra_px` beyond the largest value, so the number written past
    the end of the longest bar stays inside the chart; None when there is nothing to measure."""
    finite = [v for v in values.tolist() if isinstance(v, float) and math.isfinite(v)]
    top = max(finite, default=0.0)
    if top <= 0 or plot_px <= extra_px:
        return None
    return alt.Scale(domainMax=top * plot_px / (plot_px - extra_px), nice=False, zero=True)


def others_label(count: int) -> str:
    """The label of the bar that holds the categories past what fits."""
    return _("Others ({count})").format(count=count)


def fold_others(data: pd.DataFrame, fits: int, *,
                how: Literal["sum", "mean"] = "sum") -> tuple[pd.DataFrame, str | None]:
    """`chart_data` rows with at most `fits` categories: the largest `fits - 1` in reply order,
    then one "Others (k)" bar per series holding the sum (or mean) of the other k; and the
    caption that says so (None when everything fits).

        >>> data = chart_data(pd.DataFrame({"dataset": 0, "dataset_label": "Open",
        ...     "position": range(4), "label": list("abcd"), "value": [5.0, 1.0, 2.0, 3.0],
        ...     "description": None}))
        >>> folded, caption = fold_others(data, 3)
        >>> list(zip(folded["label"], folded["value"])), caption
        ([('a', 5.0), ('d', 3.0), ('Others (2)', 3.0)], 'Top 2 of 4 · Others (2) holds the rest')
    """
    labels = data["label"].drop_duplicates().tolist()
    if len(labels) <= fits:
        return data, None
    per_label = data.groupby("label", sort=False)["value"]
    size = per_label.sum(min_count=1) if how == "sum" else per_label.mean()
    top = set(size.sort_values(ascending=False, kind="stable", na_position="last")
              .head(max(1, fits - 1)).index)
    kept = [label for label in labels if label in top]
    rest = [label for label in labels if label not in top]
    others = data[data["label"].isin(rest)].groupby("series", sort=False)["value"]
    values = others.sum(min_count=1) if how == "sum" else others.mean()
    names = ", ".join(rest[:8]) + (_(" and {count} more").format(count=len(rest) - 8)
                                   if len(rest) > 8 else "")
    label = others_label(len(rest))
    extra = pd.DataFrame({
        "series": values.index.astype(str), "label": label, "value": values.to_numpy("float64"),
        "description": f"{label}: {names}", "order": 10**12 + pd.RangeIndex(len(values)),
        "note": [NA if not math.isfinite(v) else "" for v in values.to_numpy("float64")],
    })
    out = pd.concat([data[data["label"].isin(top)], extra], ignore_index=True)
    caption = (_("Top {kept} of {total} · {others} holds the rest") if how == "sum"
               else _("Top {kept} of {total} · {others} is the mean of the rest"))
    return out, caption.format(kept=len(kept), total=len(labels), others=label)


def _na_layer(base: alt.Chart, **position: Any) -> alt.Chart:
    """"n/a" at the baseline of every row whose value is missing."""
    mark = position.pop("mark", {})
    missing = base.transform_filter(alt.FieldEqualPredicate(field="note", equal=NA))
    layer: alt.Chart = missing.mark_text(text=_("n/a"), color=PALETTE["muted"], **mark).encode(
        **position)
    return layer


def _bars(data: pd.DataFrame, rows: pd.DataFrame, *, title: str, width: int | None, height: int,
          how: Literal["sum", "mean"], note: str | None,
          meta: dict[str, Any]) -> alt.LayerChart:
    several = data["series"].nunique() > 1
    per_label = data["series"].nunique()
    plot_h = _plot_height(height, legend=several, subtitle=True, axis=False)
    fits = max(2, plot_h // (_BAR_PX * per_label))
    data, caption = fold_others(data, fits, how=how)
    labels = data["label"].drop_duplicates().tolist()
    subtitle = _subtitle(rows, " · ".join(n for n in (note, caption) if n) or None)
    fmt = value_format(data["value"])
    # The number at the end of each bar says what an axis would; no axis, no gridlines.
    label_px = min(_label_limit(width), max(len(label) for label in labels) * _CHAR_PX)
    plot_w = (width or 2 * _label_limit(width)) - 2 * _PAD_PX - label_px
    number_px = _number_px(data["value"], fmt) + 12
    y = alt.Y("label:N", sort=labels, title=None,
              axis=alt.Axis(labelLimit=_label_limit(width), ticks=False, domain=False,
                            labelPadding=10))
    x = alt.X("value:Q", title=None, axis=None,
              scale=_headroom(data["value"], number_px, plot_w) or alt.Undefined)
    tooltip = [alt.Tooltip("label:N", title=_("Label")), alt.Tooltip(
        "value:Q", title=_("Value"), format=AXIS_NUMBER),
        alt.Tooltip("description:N", title=_("Description"))]
    enc: dict[str, Any] = {"y": y, "x": x, "tooltip": tooltip}
    if several:
        enc["color"] = alt.Color("series:N", sort=data["series"].unique().tolist(), title=None)
        enc["yOffset"] = alt.YOffset("series:N", sort=data["series"].unique().tolist())
        tooltip.insert(1, alt.Tooltip("series:N", title=_("Series")))
    base = alt.Chart(data).encode(**enc)
    layers = [base.mark_bar(cornerRadiusEnd=3),
              base.mark_text(align="left", dx=6, baseline="middle").encode(
                  text=alt.Text("value:Q", format=fmt))]
    if data["note"].eq(NA).any():
        layers.append(_na_layer(base, mark={"align": "left", "dx": 6, "baseline": "middle"},
                                x=alt.XDatum(0, type="quantitative")))
    chart = alt.LayerChart(layer=layers).properties(
        title=_title(title, subtitle), height=height, width=width or "container", autosize=FIT,
        usermeta={"panel": _panel(rows), "panel_shape": "categories", **meta})
    return localised(apply_theme(chart))


def _label_limit(width: int | None) -> int:
    """The widest a category's name may be, in pixels: under half the chart, then "…"."""
    return int(0.45 * width) if width else 420


def category_chart(rows: pd.DataFrame, *, title: str, width: int | None = None,
                   height: int) -> alt.LayerChart:
    """Horizontal bars in reply order, a number at the end of each (no value axis); several
    data sets are grouped bars coloured by data set. Past what fits, the largest categories are
    kept and the rest summed into one "Others (k)" bar, and the subtitle says so."""
    return _bars(chart_data(rows), rows, title=panel_title(panel_of(rows), title), width=width,
                 height=height, how="sum", note=None, meta={})


def handler_chart(rows: pd.DataFrame, *, title: str, width: int | None = None,
                  height: int) -> alt.LayerChart:
    """A response-time panel given per handler: one bar per handler, titled as a comparison
    (`HANDLER_TITLES`, with its period, in place of the panel's own title). Past what fits, the
    slowest are kept and "Others (k)" holds the mean of the rest."""
    panel = panel_of(rows)
    grain = GRAIN.get(panel) if panel is not None else None
    folded, period = handler_rows(rows, grain)
    if panel is not None and title == panel.title:
        title = _(HANDLER_TITLES[grain]) if grain is not None else _(HANDLER_TITLE)
    elif "handler" not in title.casefold():
        title = _("{title} · by handler").format(title=title)
    return _bars(chart_data(folded), rows, title=title, width=width, height=height, how="mean",
                 note=period, meta={"by": "handler"})


def _mid(period: Period) -> datetime:
    """The middle of a period (UTC): where its tick, point and number go."""
    start = datetime(period.start.year, period.start.month, period.start.day, tzinfo=UTC)
    end = datetime(period.end.year, period.end.month, period.end.day, tzinfo=UTC)
    return start + (end - start) / 2


def thin_labels(values: list[Any], room: int) -> list[Any]:
    """At most `room` of `values` for axis labels, evenly spaced and always with the last (the
    newest period); the data keeps every point.

        >>> thin_labels(list(range(10)), 4)
        [0, 3, 6, 9]
    """
    if room >= len(values):
        return values
    step = math.ceil(len(values) / max(1, room))
    last = len(values) - 1
    return [v for n, v in enumerate(values) if (last - n) % step == 0]


def _label_room(width: int | None, label_px: int, count: int, *, y_axis: bool = True) -> int:
    """How many axis labels of `label_px` fit across the plot; all of them without a width."""
    if width is None:
        return count
    return max(1, (width - (_Y_AXIS_PX if y_axis else 2 * _PAD_PX)) // label_px)


def _numbers_fit(width: int | None, count: int, number_px: int) -> bool:
    """Whether numbers `number_px` wide fit above each of `count` bars side by side; without a
    width, up to 16 bars are assumed to have the room."""
    if width is None:
        return count <= 16
    return number_px + 6 <= (width - 2 * _PAD_PX) / max(1, count)


def timeline_chart(rows: pd.DataFrame, *, title: str, width: int | None = None,
                   height: int) -> alt.Chart | alt.LayerChart:
    """A time panel: every point the server sent, in time order where the labels parse as
    periods (`stats_client.periods`), else in the order sent with the labels as sent. Dated periods
    sit on a UTC time axis (bars spanning each period for one data set, lines with points
    coloured by data set for several); others on an ordered axis. Past what fits, the axis
    labels are thinned, never the data."""
    panel = panel_of(rows)
    grain = GRAIN.get(panel) if panel is not None else None
    title = panel_title(panel, title)
    rows = time_rows(rows, grain)
    order = time_order(rows["label"].fillna(no_label()).tolist(), grain)
    data = chart_data(rows, order)
    several = data["series"].nunique() > 1
    fmt = value_format(data["value"])
    # One series: a number on every bar replaces the value axis, where the numbers fit.
    numbers = not several and _numbers_fit(width, len(data), _number_px(data["value"], fmt))
    if numbers:
        plot_h = _plot_height(height, legend=False, subtitle=bool(_subtitle(rows, None)))
        y = alt.Y("value:Q", title=None, axis=None,
                  scale=_headroom(data["value"], round(TYPE["value"] * 1.25) + 4, plot_h)
                  or alt.Undefined)
    else:
        y = alt.Y("value:Q", title=None, axis=alt.Axis(format=AXIS_NUMBER, tickCount=3))
    tooltip = [alt.Tooltip("label:N", title=_("Period")),
               alt.Tooltip("value:Q", title=_("Value"), format=AXIS_NUMBER),
               alt.Tooltip("description:N", title=_("Description"))]
    meta: dict[str, Any] = {"panel": _panel(rows), "panel_shape": "timeline",
                            "axis": "time" if order.periods is not None else
                            "ordered" if order.parsed else "as sent",
                            "points": len(data)}
    if order.granularity is not None:
        meta["granularity"] = order.granularity
    props: dict[str, Any] = {"title": _title(title, _subtitle(rows, None)), "height": height,
                             "width": width or "container", "autosize": FIT, "usermeta": meta}
    if order.periods is not None and order.granularity is not None:
        # Explicit DateTime ticks: the Vega-Lite in the browser ignores epoch numbers here.
        mids = sorted({_mid(p) for p in order.periods.values()})
        label_px = _dated_label_chars(order.granularity) * _CHAR_PX + _LABEL_GAP_PX
        room = _label_room(width, label_px, len(mids), y_axis=not numbers)
        ticks = [alt.DateTime(year=m.year, month=m.month, date=m.day, hours=m.hour, utc=True)
                 for m in thin_labels(mids, room)]
        axis = alt.Axis(format=axis_format(order.granularity), labelAngle=0, grid=False,
                        values=ticks, labelOverlap="greedy", labelFlush=False)
        # Padding keeps the first and last points (drawn mid-period) clear of the plot's edges.
        x: Any = alt.X("mid:T", title=None, scale=alt.Scale(type="utc", padding=14), axis=axis)
        bar_x: dict[str, Any] = {
            "x": alt.X("start:T", title=None, scale=alt.Scale(type="utc"), axis=axis),
            "x2": alt.X2("end:T")}
    else:
        labels = list(order.labels)
        longest = max((len(label) for label in labels), default=1)
        room = _label_room(width, longest * _CHAR_PX + _LABEL_GAP_PX, len(labels),
                           y_axis=not numbers)
        axis = alt.Axis(labelAngle=0, grid=False, ticks=False, values=thin_labels(labels, room),
                        labelOverlap="greedy", labelLimit=200)
        x = alt.X("label:N", sort=labels, title=None, axis=axis)
        bar_x = {"x": x}
    nas = data["note"].eq(NA).any()
    if several:
        series = data["series"].unique().tolist()
        tooltip.insert(1, alt.Tooltip("series:N", title=_("Series")))
        color = alt.Color("series:N", sort=series, title=None)
        lines = alt.Chart(data).mark_line(point=True).encode(
            x=x, y=y, color=color, tooltip=tooltip, order=alt.Order("order:Q"))
        if not nas:
            line: alt.Chart = lines.properties(**props)
            return localised(apply_theme(line))
        na = _na_layer(alt.Chart(data).encode(tooltip=tooltip), mark={"baseline": "bottom"},
                       x=x, y=alt.YDatum(0, type="quantitative"), color=color)
        return localised(apply_theme(alt.LayerChart(layer=[lines, na]).properties(**props)))
    base = alt.Chart(data).encode(tooltip=tooltip)
    bars = base.mark_bar(stroke=PALETTE["panel"], strokeWidth=3).encode(
        **bar_x, y=y, y2=alt.Y2(datum=0))
    layers: list[alt.Chart] = [bars]
    if numbers:
        layers.append(base.mark_text(baseline="bottom", dy=-4).encode(
            x=x, y=y, text=alt.Text("value:Q", format=fmt)))
    if nas:
        layers.append(_na_layer(base, mark={"baseline": "bottom", "dy": -4}, x=x,
                                y=alt.YDatum(0, type="quantitative")))
    layered: alt.LayerChart = alt.LayerChart(layer=layers).properties(**props)
    return localised(apply_theme(layered))


def build_chart(rows: pd.DataFrame, *, title: str, height: int, width: int | None = None) -> Any:
    """The chart for a panel's rows, chosen by `shape_of`; raises ValueError for tiles.

    `width` and `height` are the whole chart's pixels; no width means the container's."""
    shape = shape_of(rows)
    if shape == "timeline":
        return timeline_chart(rows, title=title, width=width, height=height)
    if shape == "handlers":
        return handler_chart(rows, title=title, width=width, height=height)
    if shape == "categories":
        return category_chart(rows, title=title, width=width, height=height)
    raise ValueError(f"a {shape} panel is drawn as a tile, not a chart")


def _wall(times: pd.Series, zone: Any, fmt: str = "%Y-%m-%dT%H:%M:%SZ") -> pd.Series:
    """UTC times as text of the wall clock in `zone` (for a UTC scale: see day_chart)."""
    return pd.to_datetime(times, utc=True).dt.tz_convert(zone).dt.strftime(fmt)


def day_chart(chart: DayChart, *, width: int | None = None, height: int) -> alt.LayerChart:
    """One chart of the Today screen: today's line solid, last week or the average dashed, on a
    time axis from midnight to midnight (the board server's day), hours as labels."""
    today = _("Today")
    series = [today, *chart.dashed]
    colours = [SERIES[0], *[PALETTE["muted"]] * len(chart.dashed)]
    dashes = [[1, 0], *[[12, 8]] * len(chart.dashed)]
    # Times go to the browser as the board's wall-clock times on a UTC scale, so the axis
    # reads the board's day whatever the time zone of the TV's browser.
    zone = chart.start.tzinfo
    clock = f"%H{texts.time_separator()}%M"
    data = chart.data.assign(time=_wall(chart.data["time"], zone),
                             at=_wall(chart.data["time"], zone, clock),
                             series=chart.data["series"].replace({TODAY: today}))
    axis = alt.Axis(format=clock, labelAngle=0, grid=False, tickCount=6,
                    labelOverlap="greedy", labelFlush=True)
    x = alt.X("time:T", title=None, axis=axis,
              scale=alt.Scale(type="utc", domain=[f"{chart.start:%Y-%m-%dT%H:%M:%S}Z",
                                                  f"{chart.end:%Y-%m-%dT%H:%M:%S}Z"]))
    # Counts: whole-number ticks only (a day of 1s and 2s must not read 1.2, 1.4, …).
    y = alt.Y("value:Q", title=None,
              axis=alt.Axis(format=AXIS_NUMBER, tickCount=4, tickMinStep=1),
              scale=alt.Scale(zero=False))
    lines = alt.Chart(data).mark_line(interpolate="step-after", strokeWidth=4).encode(
        x=x, y=y,
        # One legend for both channels: its symbols are the lines themselves, dashed or not.
        color=alt.Color("series:N", sort=series, title=None,
                        scale=alt.Scale(domain=series, range=colours),
                        legend=alt.Legend(symbolType="stroke", symbolStrokeWidth=4,
                                          symbolSize=900)),
        strokeDash=alt.StrokeDash("series:N", sort=series,
                                  scale=alt.Scale(domain=series, range=dashes)),
        tooltip=[alt.Tooltip("series:N", title=_("Series")),
                 alt.Tooltip("at:N", title=_("Time")),
                 alt.Tooltip("value:Q", title=_("Value"), format=AXIS_NUMBER)])
    # Where today's line ends, a dot: the value now, visible even before the line has two
    # points (a board started minutes ago).
    latest = data[data["series"] == today].tail(1)
    now_dot = alt.Chart(latest).mark_point(filled=True, size=400, color=SERIES[0],
                                           opacity=1).encode(x=x, y=y)
    out = alt.LayerChart(layer=[lines, now_dot]).properties(
        title=_title(chart.title, [chart.subtitle] if chart.subtitle else None),
        width=width or "container", height=height, autosize=FIT,
        usermeta={"panel": chart.panel, "panel_shape": "today",
                  "points": len(chart.data)})
    return localised(apply_theme(out))
