"""Pure tile values: a panel's rows of the tidy frame → big-number tiles, with threshold levels.

Missing data is "n/a", never 0: a wall screen that shows 0 unassigned requests when it
simply has no data is lying.

    >>> t = number_tiles(pd.DataFrame(), key="UnassignedRequests", title="Unassigned")[0]
    >>> (t.text, t.level)
    ('n/a', 'none')
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import pandas as pd

Level = Literal["none", "ok", "amber", "red"]

#: The Status tile's counts as SuperOffice orders them; used when the panel has no data yet.
STATUS_LABELS: tuple[str, ...] = (
    "Open", "Unread", "New information", "Closed", "Postponed", "Unassigned", "Favourites",
)


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

    def cue(self, level: Level) -> str:
        """The text that carries the level for readers who cannot tell the colours apart."""
        limit = self.red if level == "red" else self.amber
        if level not in ("amber", "red") or limit is None:
            return ""
        sign = "≥" if self.direction == "above" else "≤"
        mark = "▲▲" if level == "red" else "▲"
        if self.direction == "below":
            mark = "▼▼" if level == "red" else "▼"
        return f"{mark} {level.upper()} {sign} {format_value(limit)}"


@dataclass(frozen=True, slots=True)
class Tile:
    key: str  # threshold key: the panel's wire name, or "StatusScreen.<label>"
    label: str
    value: float | None
    text: str
    level: Level = "none"
    cue: str = ""
    tooltip: str = ""


def format_value(value: float | None) -> str:
    """Whole numbers with thousands separators, others with one decimal; "n/a" when missing."""
    if value is None or not math.isfinite(value):
        return "n/a"
    if float(value).is_integer():
        return f"{value:,.0f}"
    return f"{value:,.1f}"


def _tile(key: str, label: str, value: float | None, tooltip: str,
          thresholds: Mapping[str, Threshold]) -> Tile:
    rule = thresholds.get(key)
    level: Level = rule.level(value) if rule else "none"
    return Tile(key=key, label=label, value=value, text=format_value(value), level=level,
                cue=rule.cue(level) if rule else "", tooltip=tooltip)


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
        return [_tile(key, title, None, "", thresholds)]
    out: list[Tile] = []
    for n, (_, ds) in enumerate(rows.groupby("dataset", sort=True)):
        first = ds.iloc[0]
        label = title if n == 0 else (_text(first["dataset_label"]) or _text(first["label"]))
        tile_key = key if n == 0 else f"{key}.{label}"
        out.append(_tile(tile_key, label, _number(first["value"]), _text(first["description"]),
                         thresholds))
    return out


def status_tiles(rows: pd.DataFrame, *, key: str = "StatusScreen",
                 thresholds: Mapping[str, Threshold] | None = None,
                 expected: Sequence[str] = STATUS_LABELS) -> list[Tile]:
    """The Status tile's counts, one tile each, in reply order (the expected seven when empty)."""
    thresholds = thresholds or {}
    if rows.empty:
        return [_tile(f"{key}.{label}", label, None, "", thresholds) for label in expected]
    out: list[Tile] = []
    for _, row in rows.sort_values(["dataset", "position"], kind="stable").iterrows():
        label = _text(row["label"]) or f"Count {int(row['position']) + 1}"
        out.append(_tile(f"{key}.{label}", label, _number(row["value"]), _text(row["description"]),
                         thresholds))
    return out


def tile_html(tile: Tile, *, panel: str, stale: bool) -> str:
    """One tile as HTML, with the hooks the browser tests read (see board/__init__.py)."""
    e = html.escape
    classes = "sb-tile sb-stale" if stale else "sb-tile"
    stale_tag = '<span class="sb-stale-tag">STALE</span>' if stale else ""
    cue = f'<div class="sb-tile-cue">{stale_tag}{e(tile.cue)}</div>'
    na = "true" if tile.value is None else "false"
    return (
        f'<div class="{classes}" data-panel="{e(panel)}" data-tile="{e(tile.key)}" '
        f'data-level="{tile.level}" data-na="{na}" data-sb-stale="{str(stale).lower()}" '
        f'title="{e(tile.tooltip)}">'
        f'<div class="sb-tile-label">{e(tile.label)}</div>'
        f'<div class="sb-tile-value" data-long="{str(len(tile.text) > 4).lower()}">'
        f'{e(tile.text)}</div>{cue}</div>'
    )
