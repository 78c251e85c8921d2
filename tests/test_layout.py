"""board.layout: statusboard.toml, checked key by key; the arrangement of a 1920×1080 screen."""

from __future__ import annotations

import itertools
import tomllib
from datetime import time
from pathlib import Path

import pytest

from board import kiosk, layout
from board.layout import DEFAULT, PanelSlot, load_config, parse_config
from board.tiles import Threshold
from stats_client.panels import ALL_PANELS, PanelType

OK_SCREEN = '\n[[screens]]\ntitle = "Fine"\npanels = []'  # so a dropped screen is not the last
SHIPPED = Path(__file__).resolve().parent.parent / "statusboard.toml"


def test_the_shipped_file_is_the_built_in_default_without_problems() -> None:
    loaded = load_config(SHIPPED)
    assert loaded.problems == ()
    assert loaded.config.screens == DEFAULT.screens
    assert dict(loaded.config.thresholds) == dict(DEFAULT.thresholds)
    assert (loaded.config.reload_at, loaded.config.rotate) == (time(3, 0), 0)


def test_every_panel_type_but_none_is_on_some_shipped_screen() -> None:
    assert set(DEFAULT.panels) == set(ALL_PANELS)
    assert PanelType.None_ not in DEFAULT.panels


def test_the_status_screen_recreates_superoffices_status_page() -> None:
    status = DEFAULT.screen("status")
    assert status is not None
    assert [s.panel.name for s in status.panels] == [
        "StatusScreen", "OwnOpenRequests", "UnassignedRequests", "OpenRequestsPerCategory",
        "OpenRequestsPerUser", "NumberOfCreatedRequestsPerWeek", "UserReponseTimePerWeek"]


def test_the_union_of_panels_is_in_first_seen_order_without_repeats() -> None:
    panels = DEFAULT.panels
    assert len(panels) == len(set(panels))
    assert panels[:3] == (PanelType.StatusScreen, PanelType.OwnOpenRequests,
                          PanelType.UnassignedRequests)


def parse(text: str):
    return parse_config(tomllib.loads(text), source="board.toml")


def test_a_full_custom_file() -> None:
    loaded = parse("""
reload_at = "04:30"
rotate = 20
[[screens]]
id = "desk"
title = "The desk"
panels = ["UnassignedRequests", { panel = "Hotlist", title = "Hot requests" }, "3"]
[thresholds."StatusScreen.New information"]
amber = 5
[thresholds.UserResponseTimePerDay]
amber = 4
red = 2
direction = "below"
""")
    assert loaded.problems == ()
    config = loaded.config
    assert config.reload_at == time(4, 30)
    assert config.rotate == 20
    (screen,) = config.screens
    assert (screen.id, screen.title) == ("desk", "The desk")
    assert screen.panels == (
        PanelSlot(PanelType.UnassignedRequests, "Unassigned requests"),
        PanelSlot(PanelType.Hotlist, "Hot requests"),
        PanelSlot(PanelType.OpenRequestsPerUser, "Open requests per handler"))
    assert dict(config.thresholds) == {
        "StatusScreen.New information": Threshold(amber=5),
        "UserResponseTimePerDay": Threshold(amber=4, red=2, direction="below")}
    assert config.source == "board.toml"


@pytest.mark.parametrize(("text", "names"), [
    ('colour = "red"', ["board.toml", "colour", "is not a setting"]),
    ('reload_at = "25:00"', ["board.toml", "reload_at", '"25:00"', "03:00 is used"]),
    ("reload_at = 3", ["reload_at", "HH:MM"]),
    ("rotate = 2", ["rotate", "at least 5"]),
    ('rotate = "often"', ["rotate", '"often"']),
    ("screens = []", ["screens", "non-empty", "built-in screens"]),
    ('[[screens]]\ntitle = "X"\npanels = ["OpenRequestsPerFoo"]',
     ["screens[0].panels[0]", '"OpenRequestsPerFoo"', "unknown panel type", "left out"]),
    ('[[screens]]\ntitle = "X"\npanels = ["None"]', ["screens[0].panels[0]", '"None"']),
    ('[[screens]]\ntitle = "X"\npanels = [42]', ["screens[0].panels[0]", "panel name"]),
    ('[[screens]]\ntitle = "X"\npanels = [{ panel = "Hotlist", size = 2 }]',
     ["screens[0].panels[0].size", "not a panel setting"]),
    ('[[screens]]\ntitle = "X"\nlayout = "grid"\npanels = []', ["screens[0].layout"]),
    ('[[screens]]\npanels = ["Hotlist"]' + OK_SCREEN, ["screens[0].title", "non-empty string"]),
    ('[[screens]]\nid = "Big Screen"\ntitle = "X"\npanels = []' + OK_SCREEN,
     ["screens[0].id", "lower-case"]),
    ('[[screens]]\nid = "connection"\ntitle = "X"\npanels = []' + OK_SCREEN,
     ["screens[0].id", "taken"]),
    ('[[screens]]\ntitle = "X"\npanels = "Hotlist"', ["screens[0].panels", "list"]),
    ("[thresholds.Unassigned]\namber = 1", ["thresholds.Unassigned", "panel name"]),
    ('[thresholds.UnassignedRequests]\namber = "ten"',
     ["thresholds.UnassignedRequests.amber", '"ten"', "number"]),
    ("[thresholds.UnassignedRequests]\namber = true", ["thresholds.UnassignedRequests.amber"]),
    ("[thresholds.UnassignedRequests]\namber = 30\nred = 20",
     ["thresholds.UnassignedRequests", "amber = 30 beyond red = 20"]),
    ('[thresholds.UnassignedRequests]\namber = 1\ndirection = "up"',
     ["thresholds.UnassignedRequests.direction", '"up"']),
    ("[thresholds.UnassignedRequests]\ncolour = 1\namber = 2",
     ["thresholds.UnassignedRequests.colour", "not a threshold setting"]),
    ("[thresholds.UnassignedRequests]", ["thresholds.UnassignedRequests", "neither amber nor red"]),
    ('[thresholds."StatusScreen.Unread"]\nred = "x"', ['thresholds."StatusScreen.Unread".red']),
])
def test_each_wrong_key_or_value_is_one_sentence_naming_key_and_file(
        text: str, names: list[str]) -> None:
    loaded = parse(text)
    assert len(loaded.problems) == 1, loaded.problems
    (problem,) = loaded.problems
    assert problem.startswith("board.toml: ")
    for name in names:
        assert name in problem
    assert problem.endswith(".")


def test_what_is_right_still_applies_beside_what_is_wrong() -> None:
    loaded = parse("""
size = 3
[[screens]]
title = "Mine"
panels = ["Hotlist", "Bogus", "OwnOpenRequests"]
[[screens]]
title = ""
panels = []
[thresholds.UnassignedRequests]
amber = 4
[thresholds.Hotlist]
amber = "x"
""")
    assert len(loaded.problems) == 4
    (screen,) = loaded.config.screens
    assert (screen.id, [s.panel for s in screen.panels]) == (
        "mine", [PanelType.Hotlist, PanelType.OwnOpenRequests])
    assert dict(loaded.config.thresholds) == {"UnassignedRequests": Threshold(amber=4)}


def test_a_file_with_no_usable_screen_shows_the_built_in_screens() -> None:
    loaded = parse('[[screens]]\ntitle = 5\npanels = ["Hotlist"]')
    assert loaded.config.screens == DEFAULT.screens
    assert len(loaded.problems) == 2


@pytest.mark.parametrize(("raw", "expected"), [
    ('"07:05"', time(7, 5)), ('"7:05"', time(7, 5)), ("07:05:00", time(7, 5)),
    ('"off"', None), ('""', None),
])
def test_reload_at_forms(raw: str, expected: time | None) -> None:
    loaded = parse(f"reload_at = {raw}")
    assert loaded.problems == ()
    assert loaded.config.reload_at == expected


def test_broken_toml_gives_the_built_in_layout_and_names_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "board.toml"
    path.write_text('reload_at = "03:00"\n[[screens]\ntitle = "x"\n')
    loaded = load_config(path)
    assert loaded.config.screens == DEFAULT.screens
    (problem,) = loaded.problems
    assert str(path) in problem
    assert "not valid TOML" in problem
    assert "line 2" in problem


def test_a_named_file_that_is_missing_is_a_problem_the_default_file_is_not(
        tmp_path: Path) -> None:
    missing = tmp_path / "nope.toml"
    (problem,) = load_config(missing, named=True).problems
    assert str(missing) in problem
    assert "STATUSBOARD_CONFIG" in problem
    assert load_config(missing, named=False).problems == ()


def test_statusboard_config_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "x.toml"
    path.write_text("rotate = 30\n")
    assert layout.config_path({"STATUSBOARD_CONFIG": str(path)}) == (path, True)
    assert layout.config_path({}) == (layout.DEFAULT_PATH, False)
    assert layout.load_from_env({"STATUSBOARD_CONFIG": str(path)}).config.rotate == 30


@pytest.mark.parametrize(("n", "grid"), [
    (0, (0, 0)), (1, (1, 1)), (2, (2, 1)), (3, (3, 1)), (4, (2, 2)), (5, (3, 2)), (6, (3, 2)),
    (7, (4, 2)), (8, (4, 2)), (9, (3, 3)), (10, (4, 3)), (13, (4, 4)),
])
def test_grid(n: int, grid: tuple[int, int]) -> None:
    assert layout.grid(n) == grid
    cols, rows = grid
    assert cols * rows >= n


@pytest.mark.parametrize("n", range(1, 10))
@pytest.mark.parametrize("with_tiles", [True, False])
def test_charts_fill_but_never_overflow_the_1080p_canvas(n: int, with_tiles: bool) -> None:
    cols, rows = layout.grid(n)
    height = layout.chart_height(rows, with_tiles=with_tiles)
    used = (layout.MARGIN + layout.HEADER_H + layout.GAP
            + ((layout.TILES_H + layout.GAP) if with_tiles else 0)
            + rows * height + (rows - 1) * layout.GAP)
    assert layout.SCREEN_H - 2 * layout.MARGIN - rows <= used <= layout.SCREEN_H - layout.MARGIN
    width = layout.chart_width(cols)
    assert cols * width + (cols - 1) * layout.GAP <= layout.SCREEN_W - 2 * layout.SIDE


@pytest.mark.parametrize(("raw", "default", "seconds", "problem"), [
    (None, 0, 0, False), (None, 30, 30, False), ("20", 0, 20, False), ("12.5", 0, 12, False),
    ("0", 30, 0, False), ("off", 30, 0, False), ("3", 0, 0, True), ("abc", 0, 0, True),
    ("nan", 0, 0, True), ("inf", 0, 0, True), ("-10", 0, 0, True),
])
def test_parse_rotate(raw: str | None, default: int, seconds: int, problem: bool) -> None:
    got, bad = kiosk.parse_rotate(raw, default=default)
    assert got == seconds
    assert (bad is not None) is problem
    if bad:
        assert f"?rotate={raw}" in bad



def test_kiosk_script_schedules_the_reload_and_survives_the_sanitizer() -> None:
    html = kiosk.kiosk_script(time(3, 0))
    assert 'data-reload-at="03:00"' in html
    assert "var hm=[3, 0]" in html
    assert "location.reload()" in html
    assert "--sb-scale" in html
    script = html[html.index("<script>") + len("<script>"):html.index("</script>")]
    # DOMPurify drops a script whose text holds "<" before a letter or digit.
    assert not any(a == "<" and (b.isalnum() or b == "/") for a, b in itertools.pairwise(script))
    assert "location.reload" not in kiosk.kiosk_script(None)
