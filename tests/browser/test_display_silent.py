"""A TV that stops reporting is one message, in a real Chromium against `statusboard serve`:
a wall display (the kiosk address, named with `&display=`) is one display across its reloads
(its id cookie), and once it is closed the board tells the `display-silent` rule's target once,
and "reports again" once when it is back. (The rule's pieces: tests/test_displays.py.)"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from harness.browser import INTERVAL, MAX_BACKOFF, Dashboard, open_screen, wait_for
from harness.receiver import Receiver
from netserver_demo import DemoNetServer
from stats_client.history import HistoryStore

pytestmark = pytest.mark.browser

RULE = """\
[[alerts]]
when = "display-silent"
for = "0s"
to = ["ops"]
"""


@pytest.fixture(scope="module")
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.close()


@pytest.fixture(scope="module")
def board(chromium_executable: str, netserver: DemoNetServer, receiver: Receiver,
          tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Dashboard, str]]:
    here = Path(tmp_path_factory.mktemp("silent"))
    (here / "statusboard.toml").write_text(RULE)
    store = f"sqlite:///{here / 'history.sqlite3'}"
    with Dashboard(netserver.url, interval=INTERVAL, max_backoff=MAX_BACKOFF, redraw=1,
                   extra_env={"STATUSBOARD_CONFIG": str(here / "statusboard.toml"),
                              "STATUSBOARD_DATABASE_URL": store,
                              "STATUSBOARD_NOTIFY_OPS": receiver.url}) as b:
        yield b, store


def displays(store_url: str) -> dict[str, Any]:
    store = HistoryStore.open(store_url, desk="demo")
    try:
        return store.displays()
    finally:
        store.close()


def test_a_tv_that_stops_reporting_is_told_once_and_back_once(
        board: tuple[Dashboard, str], new_page: Any, screens: dict[str, list[str]],
        receiver: Receiver, js_errors: dict[int, list[str]]) -> None:
    dashboard, store = board
    page = new_page()
    address = "workload?embed=true&display=Support%20room"
    open_screen(page, dashboard, address, screens["workload"])
    page.reload()  # as the daily reload, or a rotation, does: still the same display
    open_screen(page, dashboard, address, screens["workload"])
    wait_for(lambda: any(d.name == "Support room" for d in displays(store).values()), 60,
             what="the TV in the board's store")
    (tv,) = displays(store).values()
    assert (tv.wall, tv.screen) == (True, "workload")
    assert receiver.messages == []  # reporting: nothing to tell
    context = page.context
    page.close()  # switched off
    wait_for(lambda: receiver.messages, 60, what="the display-silent message")
    assert receiver.titles() == ["Display Support room stopped reporting"]
    assert "(/workload) has not reported since" in receiver.messages[0]["message"]
    again = context.new_page()  # switched on again: the same browser, the same display
    open_screen(again, dashboard, address, screens["workload"])
    wait_for(lambda: len(receiver.messages) >= 2, 60, what="the display back")
    assert receiver.titles() == ["Display Support room stopped reporting",
                                 "Resolved: Display Support room reports again"]
    assert len(displays(store)) == 1
    assert js_errors[id(page)] == []
