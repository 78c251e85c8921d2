"""A freshly started dashboard whose first visitors open a screen other than "/": what happens
to a wall of TVs when the server restarts under them.

Regression: with the screens in a folder named `pages/`, Streamlit ran pages/trends.py as a
v1 multipage script (without dashboard.py) until some browser had opened "/", so these screens
showed "This app has encountered an error", and went on doing so after a reload.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from harness.browser import INTERVAL, MAX_BACKOFF, Dashboard, open_screen
from netserver_demo import DemoNetServer

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def cold_dashboard(chromium_executable: str) -> Iterator[Dashboard]:
    """A dashboard of its own that no browser has opened yet."""
    with DemoNetServer(port=0, seed=7) as srv, \
            Dashboard(srv.url, interval=INTERVAL, max_backoff=MAX_BACKOFF) as board:
        yield board


def test_first_visitors_on_other_screens_see_them(
        cold_dashboard: Dashboard, new_page: Any, screens: dict[str, list[str]],
        js_errors: dict[int, list[str]]) -> None:
    wanted = ["trends", "workload"]
    pages = {screen: new_page() for screen in wanted}
    for screen, page in pages.items():  # both at once, before any browser has seen "/"
        page.goto(f"{cold_dashboard.url}/{screen}", wait_until="commit")
    for screen, page in pages.items():
        open_screen(page, cold_dashboard, screen, screens[screen])
        assert page.locator('[data-testid="stException"]').count() == 0
        assert js_errors[id(page)] == [], js_errors[id(page)]
    assert "Traceback" not in cold_dashboard.log_tail(200)
    assert "KeyError" not in cold_dashboard.log_tail(200)
