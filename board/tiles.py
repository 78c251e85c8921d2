"""Pure tile values: a panel's rows of the tidy frame → big-number tiles, with threshold levels.

Missing data is "n/a", never 0: a wall screen that shows 0 unassigned requests when it
simply has no data is lying.

    >>> t = number_tiles(pd.DataFrame(), key="UnassignedRequests", title="Unassigned")[0]
    >>> (t.text, t.level)
    ('n/a', 'none')
"""

from __future__ import annotations

import base64
import html
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

import pandas as pd

from stats_client.history import Reading
from statusboard import texts
from statusboard.rules import (
    Compare,
    Level,
    Threshold,
    compare_time,
    local_midnight,
    seconds_between,
    since_level,
    stored_time,
)
from statusboard.texts import N_, format_value
from statusboard.texts import gettext as _

from .theme import PALETTE, TYPE

#: The Status tile's counts as SuperOffice orders them; used when the panel has no data yet.
STATUS_LABELS: tuple[str, ...] = (
    "Open", "Unread", "New information", "Closed", "Postponed", "Unassigned", "Favourites",
)


def cue_text(rule: Threshold, level: Level) -> str:
    """The text that carries the level for readers who cannot tell the colours apart."""
    limit = rule.limit(level)
    if limit is None:
        return ""
    sign = "≥" if rule.direction == "above" else "≤"
    mark = "▲▲" if level == "red" else "▲"
    if rule.direction == "below":
        mark = "▼▼" if level == "red" else "▼"
    return f"{mark} {_(LEVEL_WORDS[level])} {sign} {short_value(limit)}"


#: A level in the cue's capitals (its colour's name).
LEVEL_WORDS = {"amber": N_("AMBER"), "red": N_("RED"), "ok": N_("OK"), "none": ""}


@dataclass(frozen=True, slots=True)
class Tile:
    key: str  # threshold key: the panel's wire name, or "StatusScreen.<label>"
    label: str
    value: float | None
    text: str
    level: Level = "none"
    cue: str = ""
    tooltip: str = ""
    #: Where its history is stored: (panel, dataset_label, label) as the history store keys it.
    series: tuple[str, str | None, str | None] = ("", None, None)


#: Where a tile's number has no say of its own: the pixels across the narrowest tile of the
#: built-in Status screen (nine tiles in a row; board.geometry.tile_room).
TILE_ROOM_PX = 158

#: Steps of the type scale a big number may take, largest first (board.theme.TYPE).
VALUE_STEPS = ("number", "number_long", "number_small", "number_least")


def text_ems(text: str) -> float:
    """A close guess of a text's width in ems in the board's font (Source Sans, tabular digits:
    a digit half the size, separators a quarter, letters a little more than half), rounded up
    by a twentieth: a guess that errs, errs on the side of room."""
    return 1.05 * sum(0.5 if c.isdigit() else 0.25 if c in ",. \u00a0\u202f" else
                      0.3 if c in "il|" else 0.58 for c in text)


def tile_text(tile: Tile, room_px: int = TILE_ROOM_PX) -> str:
    """What a tile's big number shows: its text, or the language's compact form of a number
    too long for the tile ("1.2m", "1,2 mill.").

        >>> tile_text(Tile("k", "Open", 1234567.0, "1,234,567")), tile_text(Tile("k", "", 5.0, "5"))
        ('1.2m', '5')
    """
    return value_form(tile, room_px)[0]


_COMPACT = re.compile(r"^([-−]?[\d.,\s\u00a0\u202f]*\d)(.*)$")


def value_form(tile: Tile, room_px: int = TILE_ROOM_PX) -> tuple[str, str]:
    """The big number as shown and its step of the type scale: the exact text at the largest
    step it fits, else the compact form (its word at the label's size) at the largest step
    it fits, the exact text before the compact at the smaller steps; the least step when
    nothing fits better. A number is never wider than its tile."""
    if tile.value is None:
        return tile.text, "number"
    short = texts.compact(tile.value)
    found = _COMPACT.match(short)
    number, unit = (found[1], found[2]) if found else (short, "")
    word_px = (text_ems(unit) + 0.15) * TYPE["tile_label"] if unit else 0.0
    choices = [(tile.text, "number"), (tile.text, "number_long")]
    if unit:  # a language with a short form for this size ("Mio."); German has none for 1000s
        choices += [(short, "number_long"), (short, "number_small")]
    choices += [(tile.text, "number_small"), (tile.text, "number_least")]
    for text, step in choices:
        px = (text_ems(number) * TYPE[step] + word_px if text == short and unit
              else text_ems(text) * TYPE[step])
        if px <= room_px:
            return text, step
    return (short, "number_least") if unit else (tile.text, "number_least")


def value_html(tile: Tile, room_px: int = TILE_ROOM_PX) -> tuple[str, str]:
    """The big number's HTML and its step (value_form): a compact form is its number at the
    step and its word ("mill.", "Mio.") at the label's size.

        >>> value_html(Tile("k", "Open", 1234567.0, "1,234,567"))
        ('<span class="sb-num">1.2</span><span class="sb-unit">m</span>', 'number_long')
    """
    shown, step = value_form(tile, room_px)
    found = _COMPACT.match(shown)
    if shown == tile.text or not found or not found[2]:
        return html.escape(shown), step
    return (f'<span class="sb-num">{html.escape(found[1])}</span>'
            f'<span class="sb-unit">{html.escape(found[2])}</span>', step)


def machine_number(value: float) -> str:
    """A number as the page's hooks carry it, the same in every language: whole numbers without
    separators or exponent, others as Python writes them.

        >>> machine_number(1234567.0), machine_number(2.5)
        ('1234567', '2.5')
    """
    return str(int(value)) if float(value).is_integer() and abs(value) < 2**63 else repr(value)


def _tile(key: str, label: str, value: float | None, tooltip: str,
          thresholds: Mapping[str, Threshold],
          series: tuple[str, str | None, str | None] = ("", None, None)) -> Tile:
    rule = thresholds.get(key)
    level: Level = rule.level(value) if rule else "none"
    return Tile(key=key, label=label, value=value, text=format_value(value), level=level,
                cue=cue_text(rule, level) if rule else "", tooltip=tooltip, series=series)


def _number(value: object) -> float | None:
    """A cell's value as a number; None when it is missing (NaN, None, pd.NA) or not a number."""
    try:
        number = float(value)  # type: ignore[arg-type]  # anything else is caught below
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _text(value: object) -> str:
    return "" if value is None or value is pd.NA or (isinstance(value, float)
                                                     and math.isnan(value)) else str(value)


def number_tiles(rows: pd.DataFrame, *, key: str, title: str,
                 thresholds: Mapping[str, Threshold] | None = None) -> list[Tile]:
    """One tile per data set (each holds one value); one "n/a" tile titled `title` when empty.

    The first tile is titled `title`; further data sets are titled by their own label.
    """
    thresholds = thresholds or {}
    if rows.empty:
        return [_tile(key, title, None, "", thresholds, (key, None, None))]
    out: list[Tile] = []
    for n, (_key, ds) in enumerate(rows.groupby("dataset", sort=True)):
        first = ds.iloc[0]
        label = title if n == 0 else (_text(first["dataset_label"]) or _text(first["label"]))
        tile_key = key if n == 0 else f"{key}.{label}"
        out.append(_tile(tile_key, label, _number(first["value"]), _text(first["description"]),
                         thresholds, (key, _text(first["dataset_label"]) or None,
                                      _text(first["label"]) or None)))
    return out


def status_tiles(rows: pd.DataFrame, *, key: str = "StatusScreen",
                 thresholds: Mapping[str, Threshold] | None = None,
                 expected: Sequence[str] = STATUS_LABELS) -> list[Tile]:
    """The Status tile's counts, one tile each, in reply order (the expected seven when empty)."""
    thresholds = thresholds or {}
    if rows.empty:
        return [_tile(f"{key}.{label}", label, None, "", thresholds, (key, None, label))
                for label in expected]
    out: list[Tile] = []
    for _index, row in rows.sort_values(["dataset", "position"], kind="stable").iterrows():
        label = _text(row["label"]) or _("Count {n}").format(n=int(row["position"]) + 1)
        out.append(_tile(f"{key}.{label}", label, _number(row["value"]), _text(row["description"]),
                         thresholds, (key, None, _text(row["label"]) or None)))
    return out


def tile_html(tile: Tile, *, panel: str, stale: bool, trend: Trend | None = None,
              no_history: str = "", desk: str | None = None,
              room_px: int = TILE_ROOM_PX) -> str:
    """One tile as HTML, with the hooks the browser tests read (see board/__init__.py): the
    change and sparkline of `trend`, or `no_history` (a few words) in their place; `desk`:
    the desk its panel names (`data-desk`), when not the screen's own; `room_px` the pixels
    across its number (board.geometry.tile_room): a number too long for them takes a smaller
    step or its compact form, its exact value in `data-value`."""
    e = html.escape
    stale_word = _("STALE")
    classes = "sb-tile sb-stale" if stale else "sb-tile"
    # A space after the tag: the cue may break there, whatever the length of the word.
    stale_tag = f'<span class="sb-stale-tag">{e(stale_word)}</span> ' if stale else ""
    # Stale, the tag takes the place of how long it has been at its level (the values are
    # old anyway): the cue keeps to its two lines in every language.
    level_for = f" {trend.level_for}" if trend is not None and trend.level_for and not stale \
        else ""
    cue = f'<div class="sb-tile-cue">{stale_tag}{e(tile.cue)}{e(level_for)}</div>'
    na = "true" if tile.value is None else "false"
    attrs = f' data-desk="{e(desk)}"' if desk else ""
    spark = ""
    if trend is not None and trend.delta is not None:
        attrs += f' data-delta="{machine_number(trend.delta)}"'
        change = (f'<div class="sb-tile-delta" data-direction="{trend.direction}">'
                  f'<span class="sb-delta-num">{e(trend.delta_text)}</span> '
                  f'<span class="sb-delta-base">{e(trend.base_text)}</span></div>')
    else:
        change = f'<div class="sb-tile-delta sb-delta-none">{e(no_history)}</div>'
    if trend is not None and trend.spark:
        spark = trend.spark
    shown, step = value_html(tile, room_px)
    exact = "" if tile.value is None else f' data-value="{machine_number(tile.value)}"'
    return (
        f'<div class="{classes}" data-panel="{e(panel)}" data-tile="{e(tile.key)}" '
        f'data-level="{tile.level}" data-na="{na}" data-sb-stale="{str(stale).lower()}"'
        f'{attrs} title="{e(tile.tooltip)}">'
        f'<div class="sb-tile-label">{e(tile.label)}</div>'
        f'<div class="sb-tile-main">{spark}'
        f'<div class="sb-tile-value" data-long="{str(step != "number").lower()}" '
        f'data-step="{step}"{exact} '
        f'title="{e(tile.text)}">{shown}</div></div>{change}{cue}</div>'
    )


# -- history: the change against a comparison, the sparkline, how long at this level ----------
@dataclass(frozen=True, slots=True)
class Trend:
    """What a number tile shows from history: "▲12 since 08:00", a sparkline, "for 14 min"."""

    delta: float | None  # signed change against the base; None when there is no base
    delta_text: str  # "▲12", "▼3", "±0"
    base_text: str  # "today", "since 08:00", "in 1 h", "vs last Wed"
    spark: str = ""  # inline SVG with data-sparkline; "" when nothing to draw
    level_for: str = ""  # "for 14 min" while amber or red

    @property
    def direction(self) -> str:
        if self.delta is None or self.delta == 0:
            return "flat"
        return "up" if self.delta > 0 else "down"


def base_words(compare: Compare, asked: datetime, got: datetime, now: datetime) -> str:
    """How the tile says what it compares with: the comparison's own words, or, when history
    is shorter than it needs, since when the oldest value holds.

    >>> from datetime import UTC
    >>> now = datetime(2026, 11, 25, 9, 30, tzinfo=UTC)
    >>> base_words("start_of_day", compare_time("start_of_day", now),
    ...            now.replace(hour=8, minute=0), now)
    'since 08:00'
    """
    if got <= asked:
        if compare == "1h":
            return _("in 1 h")
        if compare == "same_time_last_week":
            return _("vs last {weekday}").format(
                weekday=texts.weekday(asked.astimezone(now.tzinfo)))
        return _("today")
    return since_words(got, now)


def since_words(when: datetime, now: datetime) -> str:
    """"since 08:00" today, "since Tue 14:05" before today (in `now`'s zone, the board's)."""
    local = when.astimezone(now.tzinfo)
    if local.date() == now.date():
        return _("since {time}").format(time=texts.hm(local))
    return _("since {weekday} {time}").format(weekday=texts.weekday(local),
                                              time=texts.hm(local))


def reading_at(series: pd.DataFrame, when: datetime) -> Reading | None:
    """The value in force at `when` in a step series [time, value]; with less history, the
    oldest value and its time (as `HistoryStore.value_at`); None for an empty series."""
    values = series.dropna(subset=["value"])
    if values.empty:
        return None
    times = values["time"]
    before = values[times <= pd.Timestamp(when)]
    row = before.iloc[-1] if not before.empty else values.iloc[0]
    return Reading(stored_time(row["time"]), float(row["value"]))


def delta_text(delta: float) -> str:
    """The signed change, with an arrow that does not rely on colour.

    >>> delta_text(12), delta_text(-3.5), delta_text(0)
    ('▲12', '▼3.5', '±0')
    """
    if delta == 0:
        return "±0"
    return ("▲" if delta > 0 else "▼") + short_value(abs(delta))


#: The most characters a change or a limit is written out in (a line of caption text).
SHORT_CHARS = 6


def short_value(value: float) -> str:
    """A number in at most SHORT_CHARS characters where it can: its compact form past that."""
    text = format_value(value)
    return text if len(text) <= SHORT_CHARS else texts.compact(value)


def with_current(series: pd.DataFrame, value: float | None, at: datetime | None) -> pd.DataFrame:
    """The series with the tile's live value appended when the store has not caught up with it
    (the poller publishes before the recorder writes)."""
    if value is None or at is None:
        return series
    if not series.empty and series["value"].iloc[-1] == value:
        return series
    point = pd.DataFrame({"time": [pd.Timestamp(at)], "value": [float(value)]})
    if series.empty:
        return point.astype({"value": "float64"})
    return pd.concat([series[series["time"] < pd.Timestamp(at)], point], ignore_index=True)


def level_words(level: Level, since: datetime | None, *, window: datetime,
                first: datetime | None, now: datetime) -> str:
    """"for 14 min" while amber or red, from the history of the value. When the run began
    before the window read, "for over N h"; when it goes back to the oldest value recorded,
    "since 08:00" (the board does not know what came before)."""
    if level not in ("amber", "red") or since is None:
        return ""
    if since <= window:
        return _("for over {duration}").format(duration=texts.duration(
            seconds_between(window, now)))
    if first is not None and since <= first:
        return since_words(since, now)
    return _("for {duration}").format(duration=texts.duration(seconds_between(since, now)))


#: Sparkline box: viewBox units (the SVG is stretched to the tile's width by the CSS).
SPARK_W, SPARK_H = 200, 60


def sparkline_svg(series: pd.DataFrame, *, colour: str = PALETTE["bar"]) -> str:
    """A step line of `series` [time, value] from its first to its last change, as an SVG image
    with `data-sparkline` (its point count). It depends on the values and their times only, so
    it changes only when the data does; "" when there is nothing to draw. (An <img> of a data:
    URI, because Streamlit's HTML sanitiser drops inline <svg>.)

    >>> t = pd.to_datetime(["2026-11-25T08:00Z", "2026-11-25T09:00Z"], utc=True)
    >>> sparkline_svg(pd.DataFrame({"time": t, "value": [1.0, 3.0]}))[:40]
    '<img class="sb-spark" data-sparkline="2"'
    """
    values = series.dropna(subset=["value"])
    if values.empty:
        return ""
    ts = [t.timestamp() for t in values["time"]]
    vs = [float(v) for v in values["value"]]
    t0, t1 = ts[0], ts[-1]
    lo, hi = min(vs), max(vs)
    pad = 4.0

    def x(t: float) -> float:
        return SPARK_W * (t - t0) / (t1 - t0) if t1 > t0 else 0.0

    def y(v: float) -> float:
        if hi == lo:  # a flat day: a low line, not a band through the number
            return SPARK_H - 2 * pad
        return pad + (SPARK_H - 2 * pad) * (hi - v) / (hi - lo)

    path = f"M{x(ts[0]):.1f} {y(vs[0]):.1f}"
    for t, v in zip(ts[1:], vs[1:], strict=True):
        path += f"H{x(t):.1f}V{y(v):.1f}"
    if t1 == t0 or x(ts[-1]) < SPARK_W:
        path += f"H{SPARK_W}"
    # A light area under the line: it sits behind the big number, as a background to it.
    svg = (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {SPARK_W} {SPARK_H}" '
           f'preserveAspectRatio="none"><path d="{path}V{SPARK_H}H0Z" fill="{colour}" '
           f'fill-opacity=".22"/><path d="{path}" fill="none" stroke="{colour}" '
           'stroke-opacity=".8" stroke-width="2" vector-effect="non-scaling-stroke"/></svg>')
    data = base64.b64encode(svg.encode()).decode()
    return (f'<img class="sb-spark" data-sparkline="{len(vs)}" alt="" '
            f'src="data:image/svg+xml;base64,{data}">')


def tile_trend(tile: Tile, series: pd.DataFrame, *, compare: Compare, now: datetime,
               window: datetime, rule: Threshold | None = None, at: datetime | None = None,
               last_week: Reading | None = None) -> Trend | None:
    """A tile's change, sparkline of today and time at its level, from the step series of its
    value since `window` (`at`: when the tile's live value was fetched). `last_week` is the
    store's `value_at` a week back, for `same_time_last_week`. None without any history.

    >>> from datetime import UTC, timedelta
    >>> now = datetime(2026, 11, 25, 9, 30, tzinfo=UTC)
    >>> s = pd.DataFrame({"time": pd.to_datetime(["2026-11-25T08:00Z"], utc=True),
    ...                   "value": [4.0]})
    >>> tr = tile_trend(Tile("k", "Open", 16.0, "16"), s, compare="start_of_day", now=now,
    ...                 window=now - timedelta(hours=24), at=now)
    >>> tr.delta, tr.delta_text, tr.base_text
    (12.0, '▲12', 'since 08:00')
    """
    series = with_current(series, tile.value, at)
    if series.dropna(subset=["value"]).empty:
        return None
    asked = compare_time(compare, now)
    base = last_week if compare == "same_time_last_week" else reading_at(series, asked)
    if base is None:  # a week back, nothing at all was recorded: the oldest value today
        base = reading_at(series, asked)
    midnight = local_midnight(now)
    today = series[series["time"] > pd.Timestamp(midnight)]
    opening = reading_at(series, midnight)
    if opening is not None and opening.time <= midnight:
        today = pd.concat([pd.DataFrame({"time": [pd.Timestamp(midnight)],
                                         "value": [opening.value]}), today], ignore_index=True)
    level_for = ""
    if rule is not None and tile.level in ("amber", "red"):
        first = stored_time(series["time"].iloc[0])
        level_for = level_words(tile.level, since_level(series, rule, tile.level),
                                window=window, first=first, now=now)
    spark = sparkline_svg(today, colour="#000" if tile.level == "red" else PALETTE["bar"])
    if base is None or tile.value is None:
        return Trend(None, "", "", spark, level_for)
    delta = tile.value - base.value
    return Trend(delta, delta_text(delta), base_words(compare, asked, base.time, now), spark,
                 level_for)
