"""What the Connection screen says about open displays (board/connection.py)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from board.connection import DISPLAYS_SHOWN, display_rows
from harness.clock import T0
from statusboard.metrics import Display


def _display(screen: str, minutes_without_data: int) -> Display:
    drawn = T0 - timedelta(minutes=minutes_without_data)
    return Display(screen=screen, since=T0 - timedelta(hours=1), seen=T0, drawn_at=drawn, seq=1)


@pytest.mark.parametrize("count", [0, 1, DISPLAYS_SHOWN])
def test_every_display_is_listed_while_they_fit(count: int) -> None:
    displays = [_display(f"screen-{n}", n) for n in range(count)]
    assert [row[0] for row in display_rows(displays, T0)] == [d.screen for d in displays]


def test_past_the_box_the_stalest_displays_and_a_count_of_the_rest() -> None:
    """Regression: 20 TVs made the list taller than the screen (the page scrolled)."""
    displays = [_display(f"tv-{n}", n) for n in range(20)]
    rows = display_rows(displays, T0)
    assert len(rows) == DISPLAYS_SHOWN
    assert [row[0] for row in rows[:-1]] == ["tv-19", "tv-18", "tv-17"]  # longest without data
    assert rows[-1] == (f"… and {20 - (DISPLAYS_SHOWN - 1)} more", "", "")


def test_a_named_wall_display_is_listed_with_its_name() -> None:
    named = Display(screen="workload", since=T0, seen=T0, drawn_at=T0, seq=1,
                    display="3f9a0c1d2e4b5a69", name="Support room", wall=True)
    first = Display(screen="", since=T0, seen=T0, drawn_at=T0, seq=1, name="Lobby")
    assert [row[0] for row in display_rows([named, first], T0)] == [
        "workload · Support room", "/ · Lobby"]
