"""Several desks on one board, in AppTest over real demo NetServers: [desks] in statusboard.toml,
each desk's secret from its own variable, the Desks screen with one desk down (only that one
says so), ?desk= and a screen's own desk, a secret written in the file refused."""

from __future__ import annotations

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
    assert body.count('data-na="false"') == 6  # north's and west's three counts
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
