"""The one look of the wall screen: palette, type sizes, the Vega-Lite config and the page CSS.

Everything visual is defined here once; charts and tiles only refer to these names.

    >>> PALETTE["amber"], PALETTE["red"]
    ('#E69F00', '#D55E00')
"""

from __future__ import annotations

import functools
from importlib import resources
from typing import Any, TypeVar

import altair as alt

from . import geometry

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

CSS_FILE = resources.files("board").joinpath("theme.css")  # package data, in the wheel too

FONT = '"Source Sans", "Source Sans Pro", "Segoe UI", Roboto, sans-serif'

# The type scale, in CSS pixels on the 1920×1080 canvas (board.kiosk scales the canvas, so a 4K
# screen shows each twice as large). The one place text sizes are set: charts read it here, the
# page CSS as --sb-type-<name> variables. Nothing on a data screen is below `floor`, the size
# that reads from five metres (the browser test tests/browser/test_readable.py holds it).
TYPE: dict[str, int] = {
    "floor": 24,  # the least any text on a data screen may be
    "caption": 24,  # chart subtitles and captions, the ▲ cue, STALE tags, warnings
    "axis": 26,  # axis labels and legends
    "value": 28,  # the number beside or on top of a bar
    "tile_label": 28,  # what a big number counts
    "freshness": 30,  # "Updated 03:18:40, 2 s ago"
    "chart_title": 32,
    "badge": 28,  # DEMO DATA
    "banner_small": 26,  # the stale banner's last line
    "banner_why": 30,
    "banner": 38,
    "screen_title": 44,
    "desk_count": 56,  # a desk's headline count on the Desks screen
    "number_least": 40,  # the last resort of a big number (a language with no short form)
    "number_small": 52,  # a big number that even its compact form does not fit at number_long
    "number_long": 68,  # a big number too wide for its tile at `number`
    "number": 92,  # the big numbers
    "night_clock": 180,  # the dim clock of night mode (board.kiosk.night_script)
}

#: The least text size on a data screen, in CSS pixels at 1920×1080.
MIN_TEXT_PX = TYPE["floor"]

def vega_config() -> dict[str, Any]:
    """The Vega-Lite `config` block every chart carries (dark, big type, Okabe–Ito)."""
    text, muted, grid = PALETTE["text"], PALETTE["muted"], PALETTE["grid"]
    return {
        "background": PALETTE["panel"],
        "font": FONT,
        "padding": 8,
        "view": {"stroke": None},
        "title": {"color": text, "fontSize": TYPE["chart_title"], "fontWeight": 600,
                  "anchor": "start", "offset": 8, "subtitleColor": muted,
                  "subtitleFontSize": TYPE["caption"]},
        "axis": {"labelColor": text, "titleColor": muted, "labelFontSize": TYPE["axis"],
                 "titleFontSize": TYPE["axis"], "titleFontWeight": 400,
                 "gridColor": grid, "domainColor": grid, "tickColor": grid,
                 "labelLimit": 260, "labelPadding": 6},
        "legend": {"labelColor": text, "titleColor": muted, "labelFontSize": TYPE["axis"],
                   "titleFontSize": TYPE["axis"], "symbolSize": 220, "orient": "top",
                   "labelLimit": 220, "title": None, "titleOrient": "left", "offset": 6,
                   "padding": 0},
        "range": {"category": list(SERIES)},
        "bar": {"color": PALETTE["bar"]},
        "line": {"strokeWidth": 3},
        "point": {"size": 70, "filled": True},
        "text": {"color": text, "fontSize": TYPE["value"]},
    }


#: Options for vega-embed, carried in the spec (Streamlit honours `usermeta.embedOptions`):
#: SVG, so that every chart text is an element whose size the browser can report, and which
#: stays sharp when the canvas is scaled up on a 4K screen.
EMBED_OPTIONS: dict[str, Any] = {"renderer": "svg"}


def apply_theme(chart: C) -> C:
    """Attach the config block and the embed options; the one place the theme meets a chart."""
    meta = chart.usermeta if isinstance(chart.usermeta, dict) else {}
    themed: C = chart.properties(config=vega_config(),
                                 usermeta={**meta, "embedOptions": dict(EMBED_OPTIONS)})
    return themed


@functools.cache
def page_css() -> str:
    """The page's <style>: the palette as CSS variables, then board/theme.css (built once per
    process: it is the same for every run)."""
    names = ("background", "panel", "grid", "text", "muted", "amber", "red", "ok", "demo")
    variables = "".join(f"--sb-{n}: {PALETTE[n]};" for n in names)
    variables += "".join(f"--sb-type-{n.replace('_', '-')}: {px}px;" for n, px in TYPE.items())
    variables += f"--sb-tiles-h: {geometry.TILES_H}px; --sb-header-h: {geometry.HEADER_H}px;"
    return f"<style>:root {{ {variables} --sb-font: {FONT}; }}\n{CSS_FILE.read_text()}</style>"
