"""Public-safe screens (board.privacy, `hotlist` and `handlers` in statusboard.toml): from the
demo NetServer's real replies, no request title and no handler's name reaches a screen that
says so — not in a label, a series, a tooltip or a chart spec — and the numbers stay true."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from board.privacy import ALL_HANDLERS, HOT_REQUESTS, shown_rows
from harness.apptest import text_of
from netserver_demo import DemoNetServer
from netserver_demo.model import HANDLERS, TITLES
from stats_client.client import open_client
from stats_client.frames import panel_frame
from stats_client.panels import ALL_PANELS, PanelType
from stats_client.settings import Settings
from statusboard.config import Privacy, parse_config

NAMES = [full for full, _login in HANDLERS] + [part for full, _ in HANDLERS
                                               for part in full.split() if len(part) > 3]


@pytest.fixture(scope="module")
def frame() -> Iterator[pd.DataFrame]:
    with DemoNetServer(port=0, seed=42) as srv, open_client(Settings(url=srv.url)) as client:
        yield client.fetch_frame(ALL_PANELS)


def leaks(rows: pd.DataFrame) -> list[str]:
    text = rows.astype(str).to_csv()
    return [n for n in NAMES if n in text] + [t for t in TITLES if t in text]


@pytest.mark.parametrize(("hotlist", "handlers"), [
    ("counts", "initials"), ("counts", "hidden"), ("titles", "initials"), ("titles", "hidden")])
def test_no_name_and_no_title_where_the_screen_says_so(frame: pd.DataFrame, hotlist: str,
                                                       handlers: str) -> None:
    privacy = Privacy(hotlist, handlers)
    for panel in ALL_PANELS:
        rows = shown_rows(panel_frame(frame, panel), panel, privacy)
        if panel is PanelType.OwnOpenRequests:
            # One number, drawn as a tile titled "Own open requests": its label (the user) is
            # never drawn (the AppTest below reads the page) and keys the tile's history.
            assert len(rows) == 1
            rows = rows.drop(columns="label")
        found = [n for n in leaks(rows) if n in NAMES or hotlist == "counts"]
        assert found == [], (panel, found)


def test_the_numbers_stay_true(frame: pd.DataFrame) -> None:
    hot = panel_frame(frame, PanelType.Hotlist)
    counted = shown_rows(hot, PanelType.Hotlist, Privacy("counts", "names"))
    assert counted[["label", "value"]].values.tolist() == [[HOT_REQUESTS, float(len(hot))]]
    per_user = panel_frame(frame, PanelType.OpenRequestsPerUser)
    hidden = shown_rows(per_user, PanelType.OpenRequestsPerUser, Privacy("titles", "hidden"))
    assert hidden[["label", "value"]].values.tolist() == [[ALL_HANDLERS,
                                                          per_user["value"].sum()]]
    initials = shown_rows(per_user, PanelType.OpenRequestsPerUser, Privacy("titles", "initials"))
    assert initials["value"].tolist() == per_user["value"].tolist()
    assert initials["label"].is_unique
    week = panel_frame(frame, PanelType.UserReponseTimePerWeek)
    one = shown_rows(week, PanelType.UserReponseTimePerWeek, Privacy("titles", "hidden"))
    assert set(one["dataset_label"]) == {ALL_HANDLERS}
    assert one["value"].tolist() == pytest.approx(
        week.groupby("label", sort=False)["value"].mean().tolist())
    assert shown_rows(week, PanelType.UserReponseTimePerWeek, Privacy()) is week  # as sent


def test_a_wrong_mode_is_a_sentence_and_the_boards_is_used() -> None:
    loaded = parse_config({"handlers": "initials", "screens": [
        {"id": "lobby", "title": "Lobby", "panels": ["Hotlist"], "hotlist": "count",
         "handlers": "hidden"}]}, source="board.toml")
    assert loaded.problems == ('board.toml: screens[0].hotlist = "count" must be one of: '
                               '"titles", "counts"; the board\'s setting is used.',)
    lobby = loaded.config.screens[0]
    assert loaded.config.privacy(lobby) == Privacy("titles", "hidden")
    assert loaded.config.privacy(None) == Privacy("titles", "initials")


def test_a_public_screen_draws_no_name_in_apptest(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                  open_screen: Any,
                                                  demo_server: DemoNetServer) -> None:
    toml = tmp_path / "statusboard.toml"
    toml.write_text('hotlist = "counts"\nhandlers = "initials"\n[[screens]]\nid = "status"\n'
                    'title = "Lobby"\npanels = ["Hotlist", "OpenRequestsPerUser", '
                    '"UserReponseTimePerWeek", "OwnOpenRequests"]\n')
    monkeypatch.setenv("STATUSBOARD_CONFIG", str(toml))
    monkeypatch.setenv("SUPEROFFICE_URL", demo_server.url)
    from statusboard import deployment

    try:
        at = open_screen()
        assert not at.exception, [e.value for e in at.exception]
        page = text_of(at) + " ".join(json.dumps(c.spec) for c in at.get("vega_lite_chart"))
        page = json.loads(json.dumps(page))  # one spelling for names the specs escape
        assert [n for n in NAMES if n in page] == []
        assert [t for t in TITLES if t in page] == []
        assert 'data-tile="Hotlist"' in page  # the Hotlist as one number
    finally:
        deployment.stop_development()
