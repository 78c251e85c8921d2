"""Pixel sizes of a screen at 1920×1080 (the 4K layout is the same, zoomed by board.kiosk).

    >>> grid(6), chart_width(2)
    ((2, 3), 934)
"""

from __future__ import annotations

from collections.abc import Sequence

SCREEN_W, SCREEN_H = 1920, 1080  # the canvas (board.kiosk scales it to the viewport)
SIDE = 20  # left and right padding of the page
HEADER_H = 64  # title, demo badge, freshness line (--sb-header-h, its height, in theme.css)
#: Tiles with change and sparkline (--sb-tiles-h, the .sb-tile height): a two-line label, the
#: big number, and four 24 px lines, two for the change and two for the ▲ cue with how long
#: ("▲▲ RED ≥ 20" / "since Mon 18:00"), both of which wrap in the narrow tiles of the Status row.
TILES_H = 297
GAP = 12  # between rows and columns
MARGIN = 12  # top padding of the page, and a little air at the bottom

# Five or six charts go two abreast in three rows: wide charts leave room for labels of a
# size that reads from across the room (a time series gets room for a number on every bar).
_GRID = {1: (1, 1), 2: (2, 1), 3: (3, 1), 4: (2, 2), 5: (2, 3), 6: (2, 3), 7: (4, 2), 8: (4, 2),
         9: (3, 3)}


def grid(n_charts: int) -> tuple[int, int]:
    """(columns, rows) for a screen's charts: wide enough for big labels, else as square
    as a 16:9 screen allows."""
    if n_charts <= 0:
        return 0, 0
    if n_charts in _GRID:
        return _GRID[n_charts]
    return 4, -(-n_charts // 4)


def chart_height(rows: int, *, with_tiles: bool, reserved: int = 0) -> int:
    """Pixels per chart so that `rows` rows (below a tile row, if any, and `reserved` pixels
    of other things, such as the problems box) fill a 1080p screen."""
    if rows <= 0:
        return 0
    free = (SCREEN_H - 2 * MARGIN - HEADER_H - GAP - ((TILES_H + GAP) if with_tiles else 0)
            - reserved)
    return max(160, (free - GAP * (rows - 1)) // rows)


#: The problems box (wrong settings, as sentences): at most this many 24 px lines are shown at
#: once, the rest scroll inside it, so that a typo never pushes the panels off the screen.
PROBLEM_LINES = 3
_LINE = 32  # a 24 px line at line-height 1.3 (theme.css, Streamlit's messages)
_CHARS_PER_LINE = 110  # of a 24 px sentence across the 1880-pixel page (a little under)
_ALERT_PADDING = 34  # the notice box around its text (theme.css .sb-notice: 2 × 16 px and a little)


def problems_height(problems: Sequence[str]) -> int:
    """The problems box's height in pixels (0 without problems)."""
    if not problems:
        return 0
    lines = sum(max(1, -(-len(p) // _CHARS_PER_LINE)) for p in problems)
    return min(lines, PROBLEM_LINES) * _LINE + _ALERT_PADDING


#: The Connection screen's box of open displays (it scrolls inside when many are open).
DISPLAYS_H = 290


def full_height() -> int:
    """Pixels below the header on a 1080p screen."""
    return SCREEN_H - 2 * MARGIN - HEADER_H - GAP


def chart_width(cols: int) -> int:
    """Pixels per chart when `cols` charts share a row of the 1920-pixel canvas."""
    if cols <= 0:
        return 0
    return (SCREEN_W - 2 * SIDE - GAP * (cols - 1)) // cols


#: A tile's border and padding, left and right (theme.css .sb-tile), and a little air.
_TILE_FRAME = 2 * 4 + 2 * 14 + 4


def tile_room(tiles: int) -> int:
    """The pixels a tile's big number has across, in a row of `tiles` tiles of equal share
    (theme.css gives each tile panel as many shares as it has tiles).

        >>> tile_room(9)
        158
    """
    count = max(1, tiles)
    return int((SCREEN_W - 2 * SIDE - GAP * (count - 1)) / count) - _TILE_FRAME
