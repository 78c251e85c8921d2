"""board.geometry: the arrangement of a 1920×1080 screen."""

from __future__ import annotations

import pytest

from board import geometry


@pytest.mark.parametrize(("n", "grid"), [
    (0, (0, 0)), (1, (1, 1)), (2, (2, 1)), (3, (3, 1)), (4, (2, 2)), (5, (2, 3)), (6, (2, 3)),
    (7, (4, 2)), (8, (4, 2)), (9, (3, 3)), (10, (4, 3)), (13, (4, 4)),
])
def test_grid(n: int, grid: tuple[int, int]) -> None:
    assert geometry.grid(n) == grid
    cols, rows = grid
    assert cols * rows >= n


@pytest.mark.parametrize("n", range(1, 10))
@pytest.mark.parametrize("with_tiles", [True, False])
def test_charts_fill_but_never_overflow_the_1080p_canvas(n: int, with_tiles: bool) -> None:
    cols, rows = geometry.grid(n)
    height = geometry.chart_height(rows, with_tiles=with_tiles)
    used = (geometry.MARGIN + geometry.HEADER_H + geometry.GAP
            + ((geometry.TILES_H + geometry.GAP) if with_tiles else 0)
            + rows * height + (rows - 1) * geometry.GAP)
    screen_h, margin = geometry.SCREEN_H, geometry.MARGIN
    assert screen_h - 2 * margin - rows <= used <= screen_h - margin
    width = geometry.chart_width(cols)
    assert cols * width + (cols - 1) * geometry.GAP <= geometry.SCREEN_W - 2 * geometry.SIDE
