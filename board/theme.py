"""The one look of the wall screen: palette, type sizes, the Vega-Lite config and the page CSS.

Everything visual is defined here once; charts and tiles only refer to these names.

    >>> PALETTE["amber"], PALETTE["red"]
    ('#E69F00', '#D55E00')
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

import altair as alt

# Okabe–Ito: eight colours that stay distinct for the common colour-vision deficiencies.
# Ordered for a dark background (the dark blue and black come last or not at all).
SERIES: tuple[str, ...] = (
    "#56B4E9",  # sky blue
    "#E69F00",  # orange
    "#009E73",  # bluish green
    "#CC79A7",  # reddish purple
    "#F0E442",  # yellow
    "#D55E00",  # vermillion
    "#0072B2",  # blue
)

PALETTE: dict[str, str] = {
    "background": "#0B0F14",
    "panel": "#151B23",
    "grid": "#2A323C",
    "text": "#F2F5F8",
    "muted": "#AEB7C2",  # 8.6:1 on the panel colour
    "bar": SERIES[0],
    "amber": "#E69F00",  # Okabe–Ito orange
    "red": "#D55E00",  # Okabe–Ito vermillion; always paired with a text cue
    "ok": "#009E73",
    "demo": "#F0E442",
}

C = TypeVar("C", alt.Chart, alt.LayerChart)

CSS_FILE = Path(__file__).with_name("theme.css")

FONT = '"Source Sans", "Source Sans Pro", "Segoe UI", Roboto, sans-serif'

# Sizes in CSS pixels at 1920×1080; the page CSS zooms by 2 on 4K screens.
SIZES: dict[str, int] = {
    "axis_label": 18,
    "axis_title": 18,
    "legend": 18,
    "chart_title": 26,
    "mark_label": 18,
}


def vega_config() -> dict[str, Any]:
    """The Vega-Lite `config` block every chart carries (dark, big type, Okabe–Ito)."""
    text, muted, grid = PALETTE["text"], PALETTE["muted"], PALETTE["grid"]
    return {
        "background": PALETTE["panel"],
        "font": FONT,
        "padding": 8,
        "view": {"stroke": None},
        "title": {"color": text, "fontSize": SIZES["chart_title"], "fontWeight": 600,
                  "anchor": "start", "offset": 12, "subtitleColor": muted,
                  "subtitleFontSize": SIZES["legend"]},
        "axis": {"labelColor": text, "titleColor": muted, "labelFontSize": SIZES["axis_label"],
                 "titleFontSize": SIZES["axis_title"], "titleFontWeight": 400,
                 "gridColor": grid, "domainColor": grid, "tickColor": grid,
                 "labelLimit": 260, "labelPadding": 6},
        "legend": {"labelColor": text, "titleColor": muted, "labelFontSize": SIZES["legend"],
                   "titleFontSize": SIZES["legend"], "symbolSize": 220, "orient": "top",
                   "labelLimit": 220, "title": None, "offset": 6, "padding": 0},
        "range": {"category": list(SERIES)},
        "bar": {"color": PALETTE["bar"]},
        "line": {"strokeWidth": 3},
        "point": {"size": 70, "filled": True},
        "text": {"color": text, "fontSize": SIZES["mark_label"]},
    }


def apply_theme(chart: C) -> C:
    """Attach the config block; the one place the theme meets a chart."""
    themed: C = chart.properties(config=vega_config())
    return themed


def page_css() -> str:
    """The page's <style>: the palette as CSS variables, then board/theme.css."""
    names = ("background", "panel", "grid", "text", "muted", "amber", "red", "ok", "demo")
    variables = "".join(f"--sb-{n}: {PALETTE[n]};" for n in names)
    return f"<style>:root {{ {variables} --sb-font: {FONT}; }}\n{CSS_FILE.read_text()}</style>"
