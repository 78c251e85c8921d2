"""Browser fixtures: one demo NetServer (clock under the test's control), one `statusboard
serve` and one headless Chromium for the browser tests of each xdist worker, torn down after
its last browser test (package scope: a worker that goes on to the other tests no longer has a
board polling and a browser beside them).

Chromium is STATUSBOARD_CHROMIUM or `chromium` on PATH. Without it these tests skip with a
reason, unless STATUSBOARD_REQUIRE_BROWSER=1 (CI), when they fail.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from board.today import PANELS as TODAY_PANELS
from board.today import TODAY_ID
from harness.browser import (
    CHROMIUM_ENV,
    INTERVAL,
    LOAD_TIMEOUT_MS,
    MAX_BACKOFF,
    REQUIRE_ENV,
    Dashboard,
    DemoClock,
    find_chromium,
    launch_chromium,
)
from netserver_demo import DemoNetServer
from statusboard.config import load


def _unavailable(reason: str) -> None:
    if os.environ.get(REQUIRE_ENV) == "1":
        pytest.fail(f"{reason}, and {REQUIRE_ENV}=1 requires the browser tests to run: install "
                    f"Debian's chromium package or point {CHROMIUM_ENV} at a Chromium binary.",
                    pytrace=False)
    pytest.skip(f"{reason}; install Debian's chromium (or set {CHROMIUM_ENV}) to run the "
                "browser tests")


@pytest.fixture(scope="session")
def chromium_executable() -> str:
    path = find_chromium()
    if path is None:
        named = os.environ.get(CHROMIUM_ENV)
        _unavailable(f"{CHROMIUM_ENV}={named} is not an executable file" if named
                     else "no `chromium` on PATH")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        _unavailable("the playwright Python package is not installed")
    assert path is not None
    return path


@pytest.fixture(scope="package")
def chromium(chromium_executable: str) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = launch_chromium(pw, chromium_executable)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture(scope="package")
def demo_clock() -> DemoClock:
    return DemoClock()


@pytest.fixture(scope="package")
def netserver(demo_clock: DemoClock) -> Iterator[DemoNetServer]:
    srv = DemoNetServer(port=0, seed=42, clock=demo_clock).start()
    try:
        yield srv
    finally:
        srv.stop()


@pytest.fixture(scope="package")
def desk_history(netserver: DemoNetServer, tmp_path_factory: pytest.TempPathFactory) -> str:
    """A history store holding the same weekday last week and today until a minute ago (no
    last snapshot: the board opens on its own first poll), so that the screens show what a
    board that has run for a while shows: tiles' changes and sparklines, the Today screen with
    last week dashed."""
    from datetime import datetime, timedelta

    from harness.history import desk_day, forget_snapshot, record
    from stats_client.client import open_client
    from stats_client.desks import desk_key
    from stats_client.history import HistoryStore
    from stats_client.panels import ALL_PANELS
    from stats_client.settings import Settings
    from statusboard.rules import local_midnight
    from statusboard.zone import server_zone

    with open_client(Settings(url=netserver.url)) as client:
        frame = client.fetch_frame(ALL_PANELS)
    url = f"sqlite:///{tmp_path_factory.mktemp('desk') / 'history.sqlite3'}"
    store = HistoryStore.open(url, desk=desk_key(Settings(url=netserver.url)))  # the board's
    now = datetime.now(server_zone())  # the board's zone: the server's own, as by default
    midnight = local_midnight(now)
    week = timedelta(days=7)
    moments = desk_day(frame, midnight - week, midnight - week + timedelta(hours=23, minutes=50),
                       step=timedelta(minutes=10))
    moments += desk_day(frame, midnight, now - timedelta(minutes=1), step=timedelta(minutes=10))
    record(store, moments)
    forget_snapshot(store)
    store.close()
    return url


@pytest.fixture(scope="package")
def dashboard(chromium_executable: str, netserver: DemoNetServer,
              desk_history: str) -> Iterator[Dashboard]:
    board = Dashboard(netserver.url, interval=INTERVAL, max_backoff=MAX_BACKOFF,
                      extra_env={"STATUSBOARD_DATABASE_URL": desk_history}).start()
    try:
        yield board
    finally:
        board.stop()


@pytest.fixture
def live_netserver(netserver: DemoNetServer, demo_clock: DemoClock) -> Iterator[DemoNetServer]:
    """The session's NetServer, guaranteed up and on real time again after the test."""
    try:
        yield netserver
    finally:
        netserver.clear_fault()
        demo_clock.unfreeze()


@pytest.fixture(scope="package")
def screens() -> dict[str, list[str]]:
    """Screen id → the wire names of its panels, from the shipped statusboard.toml."""
    loaded = load({})
    assert not loaded.problems, loaded.problems
    return {s.id: [slot.panel.wire_name for slot in s.panels] for s in loaded.config.screens}


@pytest.fixture(scope="package")
def drawn(screens: dict[str, list[str]]) -> dict[str, list[str]]:
    """Screen id → the panel containers it draws (`.st-key-panel-<name>`): its panels' wire
    names, or for the Today screen the names of its day charts."""
    return {s: list(TODAY_PANELS) if s == TODAY_ID else panels for s, panels in screens.items()}


def _base_path_probe(msg: Any) -> bool:
    """Opened at /workload, Streamlit's client first tries /workload/_stcore/health and
    host-config (a 404 each) to find the app's base path: expected, not a page error."""
    url = (msg.location or {}).get("url", "")
    return "/_stcore/" in url and "404" in msg.text


@pytest.fixture
def js_errors() -> dict[int, list[str]]:
    """id(page) → uncaught exceptions and console errors of the pages `new_page` made."""
    return {}


@pytest.fixture
def new_page(chromium: Any, js_errors: dict[int, list[str]]) -> Iterator[Callable[..., Any]]:
    """`new_page(width, height)` → a page in its own browser context, closed after the test.
    Its JavaScript errors are collected in `js_errors[id(page)]`."""
    contexts: list[Any] = []

    def make(width: int = 1920, height: int = 1080) -> Any:
        ctx = chromium.new_context(viewport={"width": width, "height": height},
                                   device_scale_factor=1)
        ctx.set_default_timeout(LOAD_TIMEOUT_MS)
        contexts.append(ctx)
        page = ctx.new_page()
        errors = js_errors.setdefault(id(page), [])
        page.on("pageerror", lambda exc: errors.append(f"uncaught: {exc}"))
        page.on("console", lambda msg: errors.append(f"console.{msg.type}: {msg.text[:300]}")
                if msg.type == "error" and not _base_path_probe(msg) else None)
        return page

    yield make
    for ctx in contexts:
        ctx.close()

