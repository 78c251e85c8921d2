"""statusboard.config: statusboard.toml checked key by key, the STATUSBOARD_* knobs, the NetServer
settings from secrets and the environment: one frozen configuration plus the problems found."""

from __future__ import annotations

import tomllib
from datetime import time
from pathlib import Path
from typing import Any

import pytest

from stats_client.history import Location
from stats_client.panels import ALL_PANELS, PanelType
from statusboard import config, site
from statusboard.config import PanelSlot, builtin, load_config, parse_config
from statusboard.rules import Night, Threshold

OK_SCREEN = '\n[[screens]]\ntitle = "Fine"\npanels = []'  # so a dropped screen is not the last
SHIPPED = Path(__file__).resolve().parent.parent / "statusboard.toml"


def test_the_shipped_file_is_the_built_in_default_without_problems() -> None:
    loaded = load_config(SHIPPED)
    assert loaded.problems == ()
    assert site.builtin_config().read_bytes() == SHIPPED.read_bytes()  # one file, shipped
    assert loaded.config.screens == builtin().screens
    assert dict(loaded.config.thresholds) == dict(builtin().thresholds)
    assert load_config(None).config.screens == builtin().screens  # no file: the built-in
    assert (loaded.config.reload_at, loaded.config.rotate) == (time(3, 0), 0)
    assert loaded.config.night is None  # night mode is off unless the file turns it on


def test_every_panel_type_but_none_is_on_some_shipped_screen() -> None:
    assert set(builtin().panels) == set(ALL_PANELS)
    assert PanelType.None_ not in builtin().panels


def test_the_status_screen_recreates_superoffices_status_page() -> None:
    status = builtin().screen("status")
    assert status is not None
    assert [s.panel.name for s in status.panels] == [
        "StatusScreen", "OwnOpenRequests", "UnassignedRequests", "OpenRequestsPerCategory",
        "OpenRequestsPerUser", "NumberOfCreatedRequestsPerWeek", "UserReponseTimePerWeek"]


def test_the_union_of_panels_is_in_first_seen_order_without_repeats() -> None:
    panels = builtin().panels
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
    ("rotate = 2", ["rotate", "from 5 to 86400"]),
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
    assert loaded.config.screens == builtin().screens
    assert len(loaded.problems) == 2


@pytest.mark.parametrize(("raw", "expected"), [
    ('"07:05"', time(7, 5)), ('"7:05"', time(7, 5)), ("07:05:00", time(7, 5)),
    ('"off"', None), ('""', None),
])
def test_reload_at_forms(raw: str, expected: time | None) -> None:
    loaded = parse(f"reload_at = {raw}")
    assert loaded.problems == ()
    assert loaded.config.reload_at == expected


@pytest.mark.parametrize(("raw", "expected"), [
    ('{ from = "19:00", to = "07:00" }', Night(time(19), time(7))),  # over midnight: the usual
    ('{ from = "7:30", to = "8:15" }', Night(time(7, 30), time(8, 15))),
    ("{ from = 22:00:00, to = 06:30:00 }", Night(time(22), time(6, 30))),  # TOML local times
    ('{ from = " 00:00 ", to = "23:59" }', Night(time(0), time(23, 59))),
    ('"off"', None),
])
def test_night_forms(raw: str, expected: Night | None) -> None:
    loaded = parse(f"night = {raw}")
    assert loaded.problems == ()
    assert loaded.config.night == expected


@pytest.mark.parametrize(("raw", "names"), [
    ('"19:00-07:00"', ["night", '"19:00-07:00"', "must be a table", "night mode is off"]),
    ("true", ["night", "True", "must be a table"]),
    ('{ from = "19:00" }', ["night.to", "is missing", "night mode is off"]),
    ('{ to = "07:00" }', ["night.from", "is missing"]),
    ('{ from = "25:00", to = "07:00" }', ["night.from", '"25:00"', "HH:MM", "night mode is off"]),
    ('{ from = "19:00", to = "7" }', ["night.to", '"7"', "not a time of day"]),
    ('{ from = "7pm", to = "07:00" }', ["night.from", '"7pm"']),
    ('{ from = 19, to = "07:00" }', ["night.from", "= 19 ", "not a time of day"]),
    ('{ from = "19:00", to = "19:00" }', ["night", "from = to = 19:00", "night mode is off"]),
    ('{ from = "19:00", to = "07:00:00" }', ["night.to", '"07:00:00"']),
])
def test_a_wrong_night_is_one_sentence_and_night_mode_stays_off(raw: str,
                                                                 names: list[str]) -> None:
    loaded = parse(f"night = {raw}")
    (problem,) = loaded.problems
    assert problem.startswith("board.toml: night")
    for name in names:
        assert name in problem
    assert loaded.config.night is None


def test_an_unknown_night_key_is_ignored_and_the_rest_applies() -> None:
    loaded = parse('night = { from = "19:00", to = "07:00", days = "weekdays" }')
    assert loaded.problems == ("board.toml: night.days is not a night setting (expected from "
                               "and to); it was ignored.",)
    assert loaded.config.night == Night(time(19), time(7))


def test_broken_toml_gives_the_built_in_layout_and_names_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "board.toml"
    path.write_text('reload_at = "03:00"\n[[screens]\ntitle = "x"\n')
    loaded = load_config(path)
    assert loaded.config.screens == builtin().screens
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
    assert config.load({"STATUSBOARD_CONFIG": str(path)}).config.rotate == 30
    where = Location(path, tmp_path, named=True)
    assert config.load({}, location=where).config.rotate == 30
    assert config.load({}, location=Location(None, tmp_path)).config.rotate == 0  # built-in


# -- the STATUSBOARD_* knobs ---------------------------------------------------------------------
@pytest.mark.parametrize(("raw", "interval", "problem"), [
    (None, 30.0, None), ("5", 5.0, None), ("1", 1.0, None), ("2.5", 2.5, None), ("", 30.0, None),
    ("0.5", 30.0, 'at least 1 and at most 86400; got "0.5"'), ("0", 30.0, 'got "0"'),
    ("-3", 30.0, 'got "-3"'), ("1e12", 30.0, 'got "1e12"'),
    ("abc", 30.0, 'got "abc"'), ("nan", 30.0, 'got "nan"'), ("inf", 30.0, 'got "inf"'),
])
def test_the_interval(raw: str | None, interval: float, problem: str | None) -> None:
    loaded = config.load({} if raw is None else {"STATUSBOARD_INTERVAL": raw})
    assert loaded.config.interval == interval
    if problem is None:
        assert loaded.problems == ()
    else:
        (sentence,) = loaded.problems
        assert sentence.startswith("STATUSBOARD_INTERVAL must be a number of seconds")
        assert problem in sentence
        assert sentence.endswith("The default 30 s is used.")


@pytest.mark.parametrize(("env", "backoff", "redraw", "problems"), [
    ({}, None, 5.0, []),
    ({"STATUSBOARD_INTERVAL": "4"}, None, 2.0, []),
    ({"STATUSBOARD_MAX_BACKOFF": "2", "STATUSBOARD_REDRAW": "0.5"}, 2.0, 0.5, []),
    ({"STATUSBOARD_MAX_BACKOFF": "0"}, None, 5.0, ["STATUSBOARD_MAX_BACKOFF"]),
    ({"STATUSBOARD_REDRAW": "0.1", "STATUSBOARD_INTERVAL": "2"}, None, 1.0,
     ["STATUSBOARD_REDRAW"]),
    ({"STATUSBOARD_REDRAW": "x", "STATUSBOARD_MAX_BACKOFF": "y"}, None, 5.0,
     ["STATUSBOARD_MAX_BACKOFF", "STATUSBOARD_REDRAW"]),
])
def test_the_backoff_and_redraw_knobs(env: dict[str, str], backoff: float | None, redraw: float,
                                      problems: list[str]) -> None:
    loaded = config.load(env)
    assert (loaded.config.max_backoff, loaded.config.redraw) == (backoff, redraw)
    assert [p.split(" ", 1)[0] for p in loaded.problems] == problems
    assert all(p.endswith("is used.") for p in loaded.problems)


@pytest.mark.parametrize(("interval", "redraw"), [(1, 1.0), (2, 1.0), (5, 2.5), (30, 5.0),
                                                  (600, 5.0)])
def test_panels_redraw_soon_after_a_poll_but_not_more_than_needed(interval: float,
                                                                   redraw: float) -> None:
    assert config.default_redraw(interval) == redraw


def test_knobs_and_the_file_are_one_frozen_configuration(tmp_path: Path) -> None:
    path = tmp_path / "x.toml"
    path.write_text("rotate = 30\nreload_at = \"never\"\n")
    loaded = config.load({"STATUSBOARD_CONFIG": str(path), "STATUSBOARD_INTERVAL": "12"})
    assert (loaded.config.rotate, loaded.config.reload_at, loaded.config.interval) == (30, None, 12)
    with pytest.raises(AttributeError):
        loaded.config.interval = 1  # type: ignore[misc]


# -- the NetServer settings: secrets, then the environment ---------------------------------------
@pytest.mark.parametrize(("env", "secrets", "expected"), [
    ({}, {}, {}),
    ({"SUPEROFFICE_URL": "https://e"}, {}, {"SUPEROFFICE_URL": "https://e"}),
    ({}, {"SUPEROFFICE_URL": "https://s", "OTHER": "x"}, {"SUPEROFFICE_URL": "https://s"}),
    ({}, {"superoffice": {"url": "https://t", "ticket": "7T:abc"}},
     {"SUPEROFFICE_URL": "https://t", "SUPEROFFICE_TICKET": "7T:abc"}),
    ({"SUPEROFFICE_URL": "https://e"}, {"SUPEROFFICE_URL": "https://s",
                                        "SUPEROFFICE_USER": "u"},
     {"SUPEROFFICE_URL": "https://e", "SUPEROFFICE_USER": "u"}),  # the environment wins
    ({"SUPEROFFICE_URL": ""}, {"SUPEROFFICE_URL": "https://s"}, {"SUPEROFFICE_URL": "https://s"}),
])
def test_secrets_then_environment(env: dict[str, str], secrets: dict[str, Any],
                                  expected: dict[str, str]) -> None:
    assert config.merged_env(env, secrets) == expected


@pytest.mark.parametrize(("env", "secrets", "url", "fatal"), [
    ({}, {}, None, None),  # demo mode
    ({}, {"superoffice": {"url": "https://t/Cust1"}}, "https://t/Cust1", None),
    ({"SUPEROFFICE_URL": "ftp://t/Cust1"}, {}, None, "SUPEROFFICE_URL must be an http(s) URL"),
    ({"SUPEROFFICE_URL": "https://t/Cust1", "SUPEROFFICE_TIMEOUT": "soon"}, {}, None,
     'SUPEROFFICE_TIMEOUT must be a number of seconds; got "soon".'),
])
def test_the_netserver_settings_or_why_not(env: dict[str, str], secrets: dict[str, Any],
                                           url: str | None, fatal: str | None) -> None:
    loaded = config.load(env, secrets)
    assert (loaded.netserver.url if loaded.netserver else None) == url
    assert (loaded.fatal or "").startswith(fatal or "")
    assert (loaded.fatal is None) is (fatal is None)
    assert loaded.problems == ()


@pytest.mark.parametrize(("table", "words"), [
    ('[history]\nfull = "soon"\n', "[history] is not usable"),
    ('[history]\nforever = "2y"\n', "no setting 'forever'"),
    ('history = 3\n', "[history] must be a table"),
])
def test_a_wrong_history_table_is_one_sentence_and_the_default_retention(table: str,
                                                                          words: str) -> None:
    """[history] is read with the rest of the file (once per run), not parsed a second time."""
    import tomllib

    from stats_client.history import Retention

    loaded = config.parse_config(tomllib.loads(table), source="s.toml")
    assert loaded.config.retention == Retention()
    assert len(loaded.problems) == 1
    assert words in loaded.problems[0]
    assert "default retention" in loaded.problems[0]


def test_the_history_table_sets_the_retention() -> None:
    import tomllib
    from datetime import timedelta

    loaded = config.parse_config(tomllib.loads('[history]\nfull = "24h"\n'), source="s.toml")
    assert loaded.problems == ()
    assert loaded.config.retention.full == timedelta(hours=24)
