"""board.tiles: big-number values, "n/a" for missing data, threshold levels and their cues."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from board.tiles import (
    STATUS_LABELS,
    Tile,
    cue_text,
    number_tiles,
    status_tiles,
    tile_html,
)
from stats_client.frames import DataSet, DataValue, PanelData, empty_frame, panel_frame, to_frame
from stats_client.panels import PanelType
from statusboard.rules import Threshold
from statusboard.texts import format_value


@pytest.mark.parametrize(("value", "text"), [
    (0.0, "0"),  # a real zero stays zero …
    (None, "n/a"),  # … but missing data never becomes one
    (math.nan, "n/a"),
    (math.inf, "n/a"),
    (7.0, "7"),
    (1234.0, "1,234"),
    (1.26, "1.3"),
    (-3.0, "-3"),
])
def test_format_value(value: float | None, text: str) -> None:
    assert format_value(value) == text


@pytest.mark.parametrize(("rule", "value", "level"), [
    (Threshold(amber=10, red=20), 9, "ok"),
    (Threshold(amber=10, red=20), 10, "amber"),  # at the limit counts
    (Threshold(amber=10, red=20), 19.5, "amber"),
    (Threshold(amber=10, red=20), 20, "red"),
    (Threshold(amber=10, red=20), None, "none"),
    (Threshold(amber=10, red=20), math.nan, "none"),
    (Threshold(amber=10), 500, "amber"),
    (Threshold(red=5), 4, "ok"),
    (Threshold(red=5), 5, "red"),
    (Threshold(amber=50, red=20, direction="below"), 60, "ok"),
    (Threshold(amber=50, red=20, direction="below"), 50, "amber"),
    (Threshold(amber=50, red=20, direction="below"), 3, "red"),
])
def test_threshold_level(rule: Threshold, value: float | None, level: str) -> None:
    assert rule.level(value) == level


@pytest.mark.parametrize(("rule", "level", "cue"), [
    (Threshold(amber=10, red=20), "amber", "▲ AMBER ≥ 10"),
    (Threshold(amber=10, red=20), "red", "▲▲ RED ≥ 20"),
    (Threshold(amber=10, red=20), "ok", ""),
    (Threshold(amber=2.5, red=1, direction="below"), "amber", "▼ AMBER ≤ 2.5"),
    (Threshold(amber=2.5, red=1, direction="below"), "red", "▼▼ RED ≤ 1"),
])
def test_every_level_has_a_text_cue_beside_its_colour(rule: Threshold, level: str,
                                                      cue: str) -> None:
    assert cue_text(rule, level) == cue  # type: ignore[arg-type]


def one_value(panel: PanelType, value: float, label: str = "x") -> pd.DataFrame:
    ds = DataSet(panel.title, None, (DataValue(label, value, f"{label}: {value:g}"),))
    return to_frame([PanelData(panel, (ds,))])


def test_number_tile_from_a_one_value_panel() -> None:
    rows = one_value(PanelType.UnassignedRequests, 23.0, "Unassigned")
    (tile,) = number_tiles(rows, key="UnassignedRequests", title="Unassigned requests",
                           thresholds={"UnassignedRequests": Threshold(amber=10, red=20)})
    assert tile == Tile("UnassignedRequests", "Unassigned requests", 23.0, "23", "red",
                        "▲▲ RED ≥ 20", "Unassigned: 23",
                        series=("UnassignedRequests", "Unassigned requests", "Unassigned"))


@pytest.mark.parametrize("rows", [pd.DataFrame(), empty_frame()])
def test_a_panel_without_data_is_one_na_tile_never_zero(rows: pd.DataFrame) -> None:
    (tile,) = number_tiles(rows, key="OwnOpenRequests", title="Own open requests",
                           thresholds={"OwnOpenRequests": Threshold(amber=0)})
    assert (tile.text, tile.value, tile.level, tile.cue) == ("n/a", None, "none", "")


def test_a_nan_value_is_na() -> None:
    (tile,) = number_tiles(one_value(PanelType.OwnOpenRequests, math.nan), key="OwnOpenRequests",
                           title="Own")
    assert (tile.text, tile.value) == ("n/a", None)


def test_several_one_value_data_sets_are_several_tiles() -> None:
    sets = (DataSet("Mine", None, (DataValue("Mine", 4.0, None),)),
            DataSet("Team", None, (DataValue("Team", 9.0, None),)))
    rows = to_frame([PanelData(PanelType.OwnOpenRequests, sets)])
    tiles = number_tiles(rows, key="OwnOpenRequests", title="Own open requests")
    assert [(t.key, t.label, t.text) for t in tiles] == [
        ("OwnOpenRequests", "Own open requests", "4"), ("OwnOpenRequests.Team", "Team", "9")]


def test_status_tiles_equal_the_reply(demo_frame: pd.DataFrame) -> None:
    rows = panel_frame(demo_frame, PanelType.StatusScreen)
    tiles = status_tiles(rows, thresholds={"StatusScreen.Unread": Threshold(amber=0)})
    assert [t.label for t in tiles] == list(STATUS_LABELS)
    assert [t.value for t in tiles] == rows["value"].tolist()
    assert [t.text for t in tiles] == [format_value(v) for v in rows["value"]]
    assert {t.key: t.level for t in tiles}["StatusScreen.Unread"] == "amber"
    assert {t.key: t.level for t in tiles}["StatusScreen.Open"] == "none"


def test_status_tiles_without_data_are_the_seven_counts_as_na() -> None:
    tiles = status_tiles(empty_frame())
    assert [(t.label, t.text) for t in tiles] == [(label, "n/a") for label in STATUS_LABELS]


def test_tile_html_carries_the_hooks_and_escapes_markup() -> None:
    tile = Tile("StatusScreen.<b>", "<b>Bold</b> & co", 3.0, "3", "amber", "▲ AMBER ≥ 2", "a<b")
    html = tile_html(tile, panel="StatusScreen", stale=False)
    assert 'data-panel="StatusScreen"' in html
    assert 'data-tile="StatusScreen.&lt;b&gt;"' in html
    assert 'data-level="amber"' in html
    assert 'data-sb-stale="false"' in html
    assert "&lt;b&gt;Bold&lt;/b&gt; &amp; co" in html
    assert "<b>" not in html
    assert "STALE" not in html


def test_a_stale_tile_keeps_its_value_and_says_stale() -> None:
    tile = Tile("UnassignedRequests", "Unassigned", 3.0, "3")
    html = tile_html(tile, panel="UnassignedRequests", stale=True)
    assert 'data-sb-stale="true"' in html
    assert "sb-stale" in html
    assert ">STALE<" in html
    assert ('<div class="sb-tile-value" data-long="false" data-step="number" data-value="3" '
            'title="3">3</div>') in html


@pytest.mark.parametrize("missing", [math.nan, None, pd.NA, math.inf])
def test_a_missing_value_in_a_present_row_is_na_never_zero(missing: object) -> None:
    rows = one_value(PanelType.OwnOpenRequests, 1.0).astype({"value": "object"})
    rows.loc[0, "value"] = missing
    (tile,) = number_tiles(rows, key="OwnOpenRequests", title="Own",
                           thresholds={"OwnOpenRequests": Threshold(amber=0)})
    assert (tile.text, tile.value, tile.level, tile.cue) == ("n/a", None, "none", "")
    assert 'data-na="true"' in tile_html(tile, panel="OwnOpenRequests", stale=False)


def test_a_status_count_without_a_value_is_na_and_the_others_keep_theirs() -> None:
    values = (DataValue("Open", 12.0, None), DataValue("Unread", math.nan, None),
              DataValue("Closed", 0.0, None))
    rows = to_frame([PanelData(PanelType.StatusScreen, (DataSet("Status", None, values),))])
    tiles = status_tiles(rows, thresholds={"StatusScreen.Unread": Threshold(amber=0)})
    assert [(t.label, t.text, t.level) for t in tiles] == [
        ("Open", "12", "none"), ("Unread", "n/a", "none"), ("Closed", "0", "none")]
    assert [t.value is None for t in tiles] == [False, True, False]
