"""Several desks on one board, in AppTest over real demo NetServers: [desks] in statusboard.toml,
each desk's secret from its own variable, the Desks screen with one desk down (only that one
says so), ?desk= and a screen's own desk, a secret written in the file refused."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from harness.apptest import notices, text_of
from netserver_demo import DemoNetServer, Fault
from statusboard import deployment

PASSWORD = "north-Secret-pw"


@pytest.fixture
def board(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
          demo_server_factory: Callable[..., DemoNetServer]) -> Iterator[dict[str, Any]]:
    """Three desks: north needs a password (from SUPEROFFICE_NORTH_PASSWORD), south is down,
    west has a screen of its own."""
    north = demo_server_factory(seed=1, users={"kiosk": PASSWORD})
    south = demo_server_factory(seed=2)
    west = demo_server_factory(seed=3)
    south.set_fault(Fault.DOWN)
    assert south.wait_until_refused(60)
    toml = tmp_path / "statusboard.toml"
    toml.write_text(f"""
[[screens]]
id = "status"
title = "Status"
panels = ["StatusScreen", "UnassignedRequests"]

[[screens]]
id = "trends"
title = "West"
desk = "west"
panels = ["StatusScreen"]

[[screens]]
id = "workload"
title = "Side by side"
panels = ["UnassignedRequests", {{ panel = "UnassignedRequests", desk = "west" }},
          {{ panel = "StatusScreen", desk = "south" }},
          {{ panel = "OpenRequestsPerUser", desk = "west" }},
          {{ panel = "OpenRequestsPerUser", desk = "nowhere" }}]

[desks.north]
label = "North"
url = "{north.url}"
user = "kiosk"

[desks.south]
label = "South"
url = "{south.url}"

[desks.west]
label = "West"
url = "{west.url}"
password = "written-in-the-file"
""")
    monkeypatch.setenv("STATUSBOARD_CONFIG", str(toml))
    monkeypatch.setenv("STATUSBOARD_INTERVAL", "600")
    monkeypatch.setenv("STATUSBOARD_MAX_BACKOFF", "600")
    monkeypatch.setenv("SUPEROFFICE_NORTH_PASSWORD", PASSWORD)
    try:
        yield {"north": north, "south": south, "west": west}
    finally:
        deployment.stop_development()


def rows(at: Any) -> dict[str, str]:
    """The Desks screen's rows: label → data-state."""
    return dict(re.findall(r'<tr data-desk-row="([^"]+)" data-state="([^"]+)"', text_of(at)))


def test_the_desks_screen_has_a_row_per_desk_and_only_the_one_down_says_so(
        board: dict[str, Any], open_screen: Any) -> None:
    at = open_screen("pages/desks.py")
    assert not at.exception, [e.value for e in at.exception]
    assert rows(at) == {"North": "fresh", "South": "error", "West": "fresh"}
    body = text_of(at)
    assert "NO DATA — NetServer unreachable since" in body  # in south's own row
    # North's and west's three counts and response time (their week's, averaged over the
    # demo's handlers: the week panel is polled for the Desks screen though no screen shows it).
    assert body.count('class="sb-desk-count" data-level') == 9
    assert body.count('data-na="false"') == 8
    assert re.findall(r'data-response="(\d+)" data-na="false">[0-9.,]+<span class="sb-desk-'
                      r'period">W\d+</span>', body) == ["3", "3"]
    assert PASSWORD not in body
    assert board["north"].call_count("AuthenticateUsernamePassword") == 1


def test_a_desk_is_chosen_by_the_address_or_by_the_screen(
        board: dict[str, Any], open_screen: Any) -> None:
    first = open_screen()  # the first desk
    assert 'data-desk="north"' in text_of(first)
    assert "Status · North" in text_of(first)
    chosen = open_screen(query={"desk": "west"})
    assert 'data-desk="west"' in text_of(chosen)
    assert "Status · West" in text_of(chosen)
    own = open_screen("pages/trends.py")  # its screen names the desk
    assert 'data-desk="west"' in text_of(own)


def tiles(at: Any) -> list[tuple[str, str, str, str]]:
    """Every tile: (data-tile, data-desk or "", label, value)."""
    return [(key, desk, label, value) for key, desk, label, value in re.findall(
        r'data-tile="([^"]+)"(?:[^>]*?data-desk="([^"]+)")?[^>]*>'
        r'<div class="sb-tile-label">([^<]*)</div>.*?<div class="sb-tile-value"[^>]*>([^<]*)<',
        text_of(at))]


def test_a_panel_names_its_desk_and_shows_only_that_desks_numbers(
        board: dict[str, Any], open_screen: Any) -> None:
    """North's screen with west's and (down) south's panels beside its own: each drawn from its
    own desk, led by its label; south's stale or empty alone; a panel of a desk the board does
    not have left out with a sentence, never drawn from another desk."""
    at = open_screen("pages/workload.py")
    assert not at.exception, [e.value for e in at.exception]
    dep = deployment._development
    assert dep is not None
    value = {name: dep.state.desks[name].latest().frame.query(
        "panel == 'UnassignedRequests'")["value"].iloc[0] for name in ("north", "west")}
    found = tiles(at)
    assert ("UnassignedRequests", "", "Unassigned requests", f"{value['north']:g}") in found
    assert ("UnassignedRequests", "west", "West · Unassigned requests",
            f"{value['west']:g}") in found
    south = [t for t in found if t[1] == "south"]
    assert south
    assert all(label.startswith("South · ") and text == "n/a"
                         for _, _, label, text in south)
    charts = [c.spec for c in at.get("vega_lite_chart")]
    assert len(charts) == 1
    assert "West · Open requests per handler" in str(
        json.loads(charts[0]))
    warnings = notices(at)
    assert ('panel OpenRequestsPerUser has desk = "nowhere", which is not under [desks] '
            "(desks: north, south, west); the panel was left out.") in warnings


def test_a_secret_in_the_file_and_an_unknown_desk_in_the_address_are_sentences(
        board: dict[str, Any], open_screen: Any) -> None:
    at = open_screen(query={"desk": "![x](http://elsewhere/p.gif)"})
    warnings = notices(at)
    assert ("desks.west.password is a secret and does not belong in" in warnings)
    assert "SUPEROFFICE_WEST_PASSWORD" in warnings
    assert "written-in-the-file" not in warnings
    assert ("The address asks for a desk this board does not have (?desk=); its desks are: "
            "north, south, west.") in warnings
    assert "elsewhere" not in warnings
    # No numbers under a desk the address did not ask for (they would be another desk's).
    assert not at.get("vega_lite_chart")
    assert 'data-na="false"' not in text_of(at)


def test_a_desk_named_like_a_variable_of_the_one_desk_is_refused(tmp_path: Path) -> None:
    from statusboard.config import parse_config

    loaded = parse_config({"desks": {"login": {"url": "https://a.example/x"},
                                     "x": {"url": "https://b.example/x"},
                                     "x-login": {"url": "https://c.example/x"}}},
                          source="board.toml")
    assert [d.id for d in loaded.config.desks] == ["x"]
    assert "SUPEROFFICE_LOGIN_URL" in loaded.problems[0]
    assert "SUPEROFFICE_X_LOGIN_URL" in loaded.problems[1]  # desk x's login service


def test_the_connection_screen_lists_every_desk_without_a_secret(
        board: dict[str, Any], open_screen: Any) -> None:
    at = open_screen("pages/connection.py")
    assert not at.exception, [e.value for e in at.exception]
    body = text_of(at)
    for name in ("north", "south", "west"):
        assert f"<th>Desk {name}</th>" in body
    assert f"{board['north'].service_url()} · SOAP" in body
    assert "user name and password" in body
    assert PASSWORD not in body


def test_a_desks_row_shows_each_counts_level_and_change_and_says_what_they_are() -> None:
    import pandas as pd

    from board.desks import desk_row, desks_html
    from board.tiles import Trend
    from statusboard.rules import Threshold

    status = pd.DataFrame({"panel": "StatusScreen", "dataset": 0, "dataset_label": "Status",
                           "position": [0, 1, 2], "label": ["Open", "Unassigned", "Unread"],
                           "value": [312.0, 4.0, 0.0], "description": ""})
    row = desk_row("North", status, thresholds={"StatusScreen.Open": Threshold(amber=200,
                                                                               red=300)},
                   state="fresh", words="Updated 14:03",
                   trends={"StatusScreen.Open": Trend(12, "▲12", "today", level_for="for 14 min"),
                           "StatusScreen.Unread": Trend(None, "", "")})
    body = desks_html([row], compare="since the start of the day")
    cells = re.findall(r'<td class="sb-desk-count" data-level="(\w+)" data-na="false">(.*?)</td>',
                       body)
    assert cells[0] == ("red", '312<span class="sb-desk-delta" data-direction="up">▲12</span>'
                        '<span class="sb-desk-cue">for 14 min</span>')
    assert cells[1:] == [("none", "4"), ("none", "0")]  # no rule, no change: the number alone
    assert "▲▼ change since the start of the day" in body
    assert "handlers' values averaged" not in body  # no response time here


@pytest.mark.parametrize("auth", [False, True], ids=["no-login", "login-configured"])
def test_an_anonymous_visitor_sees_each_desks_health_and_no_detail(
        board: dict[str, Any], open_screen: Any, auth: bool) -> None:
    """A board that listens beyond this machine: the Connection screen tells a visitor who is
    not logged in whether each desk's data is fresh, never where it polls, how, or where the
    history is; with a login configured, a button to log in."""
    secrets = {"auth": {"redirect_uri": "http://board:8501/oauth2callback",
                        "cookie_secret": "not-a-real-secret-for-tests",
                        "client_id": "board", "client_secret": "x",
                        "server_metadata_url": "http://127.0.0.1:9/.well-known/"
                                               "openid-configuration"}} if auth else None
    at = open_screen("pages/connection.py", address="0.0.0.0", secrets=secrets)
    assert not at.exception, [e.value for e in at.exception]
    body = text_of(at)
    assert 'data-connection="health"' in body
    for label in ("North", "South", "West"):
        assert f"<th>Desk</th><td>{label}</td>" in body
    assert "NO DATA — NetServer unreachable since" in body  # south's health
    for srv in board.values():
        assert f"127.0.0.1:{srv.port}" not in body
    assert "sqlite" not in body
    assert "user name and password" not in body
    assert not at.get("arrow_data_frame")  # no raw frame
    buttons = [b.label for b in at.button]
    if auth:
        assert buttons == ["Log in"]
    else:
        assert buttons == []
        assert "configure [auth] (OpenID Connect) in .streamlit/secrets.toml" in body


def test_a_visitor_from_elsewhere_reads_the_kind_of_a_failure_not_where_the_board_polls(
        demo_server_factory: Callable[..., DemoNetServer], monkeypatch: pytest.MonkeyPatch,
        open_screen: Any) -> None:
    """Regression (review): the stale banner put the NetServer's address (and its own error
    text) on every screen, for every visitor."""
    down = demo_server_factory(seed=4)
    down.set_fault(Fault.DOWN)
    assert down.wait_until_refused(60)
    monkeypatch.setenv("SUPEROFFICE_URL", down.url)
    try:
        far = text_of(open_screen(address="0.0.0.0"))
        near = text_of(open_screen(address="127.0.0.1"))
    finally:
        deployment.stop_development()
    assert "NetServer unreachable (the details are on the Connection screen)." in far
    assert f"127.0.0.1:{down.port}" not in far
    assert f"127.0.0.1:{down.port}" in near  # the board's own machine: the whole sentence
