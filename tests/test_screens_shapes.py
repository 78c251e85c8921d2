"""Every screen against each shape of data the demo NetServer can speak (issue 8): ISO labels,
week/month words and dotted dates, response times per handler, NaN values.

The frames are fetched over HTTP from a demo NetServer started with `shapes=…`, then drawn in
AppTest by the real screens.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from typing import Any

import pandas as pd
import pytest

from board import charts as board_charts
from harness.apptest import charts, records
from harness.clock import ManualClock
from netserver_demo import SHAPES, DemoNetServer
from stats_client import Poller, Settings, open_client
from stats_client.frames import panel_frame
from statusboard import config

SCREENS = {"status": None, "workload": "pages/workload.py", "trends": "pages/trends.py"}
_FRAMES: dict[str, pd.DataFrame] = {}


@pytest.fixture
def shaped_frame() -> Callable[[str], pd.DataFrame]:
    """`shaped_frame("alt")` → a frame of every panel from a demo NetServer speaking that shape
    (fetched once per shape per test session)."""

    def get(shape: str) -> pd.DataFrame:
        if shape not in _FRAMES:
            with DemoNetServer(port=0, shapes=shape) as srv, \
                    open_client(Settings(srv.url)) as client:
                _FRAMES[shape] = client.fetch_frame()
        return _FRAMES[shape]

    return get


def _open(open_screen: Any, screen: str, frame: pd.DataFrame, clock: ManualClock) -> Any:
    poller = Poller(lambda: frame, 30, clock=clock)
    poller.poll_once()
    at = open_screen(SCREENS[screen], source=poller, clock=clock)
    assert not at.exception, [e.value for e in at.exception]
    return at


@pytest.mark.parametrize("shape", sorted(SHAPES))
@pytest.mark.parametrize("screen", list(SCREENS))
def test_time_panels_keep_every_point_and_nan_shows_as_na(
        open_screen: Any, shaped_frame: Callable[[str], pd.DataFrame], clock: ManualClock,
        shape: str, screen: str) -> None:
    frame = shaped_frame(shape)
    at = _open(open_screen, screen, frame, clock)
    drawn = charts(at)
    configured = config.builtin().screen(screen)
    assert configured is not None
    for slot in configured.panels:
        spec = drawn.get(slot.panel.wire_name)
        if spec is None:  # a number tile
            continue
        rows = panel_frame(frame, slot.panel)
        data = records(spec)
        text = json.dumps(spec).lower()
        if slot.panel in board_charts.GRAIN:
            assert "largest" not in text, slot.panel
            if spec["usermeta"]["panel_shape"] == "timeline":
                # Every point the server sent is drawn, n/a ones included.
                assert spec["usermeta"]["points"] == len(rows), slot.panel
                assert len(data) == len(rows), slot.panel
        missing = [v for v in rows["value"] if isinstance(v, float) and math.isnan(v)]
        if missing:
            assert any(r.get("note") == board_charts.NA for r in data), slot.panel


def test_the_alternative_shapes_really_differ(shaped_frame: Callable[[str], pd.DataFrame]) -> None:
    """Guards the test above from passing on identical data: the variants spell periods
    differently and carry NaN values."""
    labels = {shape: set(shaped_frame(shape)["label"].dropna()) for shape in SHAPES}
    assert len({frozenset(v) for v in labels.values()}) == len(SHAPES)
    for shape in SHAPES:
        if shape != "standard":
            assert shaped_frame(shape)["value"].isna().any(), shape
