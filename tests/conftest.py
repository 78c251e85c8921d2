"""Shared fixtures: demo NetServers on free loopback ports, and the reference folder."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from netserver_demo import DemoNetServer

REPO_ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def demo_server() -> Iterator[DemoNetServer]:
    """A fresh demo NetServer (seed 42, no authentication) on a free port, stopped afterwards."""
    srv = DemoNetServer(port=0).start()
    try:
        yield srv
    finally:
        srv.stop()


@pytest.fixture
def demo_server_factory() -> Iterator[Callable[..., DemoNetServer]]:
    """`make(**DemoNetServer kwargs)` → a started server; every one is stopped at teardown."""
    started: list[DemoNetServer] = []

    def make(**kwargs: Any) -> DemoNetServer:
        kwargs.setdefault("port", 0)
        srv = DemoNetServer(**kwargs).start()
        started.append(srv)
        return srv

    yield make
    for srv in started:
        srv.stop()


@pytest.fixture
def reference_dir() -> Path:
    """../shared/reference/superoffice next to the repo; tests using it skip when it is absent."""
    path = REPO_ROOT.parent / "shared" / "reference" / "superoffice"
    if not path.is_dir():
        pytest.skip(f"reference folder {path} is absent (optional, outside the repo)")
    return path


# -- the wall screen (AppTest): one real frame, fetched over HTTP, injected into the app --------
@pytest.fixture(scope="session")
def demo_frame() -> Any:
    """A frame of every panel, fetched once from a demo NetServer by the real SOAP client."""
    from stats_client.client import open_client
    from stats_client.panels import ALL_PANELS
    from stats_client.settings import Settings

    with DemoNetServer(port=0) as srv, open_client(Settings(url=srv.url)) as client:
        return client.fetch_frame(ALL_PANELS)


@pytest.fixture
def open_screen(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., Any]]:
    """`open_screen(page, source=..., clock=..., demo=..., query=..., secrets=...)` runs
    dashboard.py in AppTest on `page` (e.g. "pages/trends.py"; None = the first screen) with
    `board.runtime.inject(source, ...)` when a source is given; the injection is undone after."""
    from streamlit.testing.v1 import AppTest

    from board import runtime

    for var in ("SUPEROFFICE_URL", "SUPEROFFICE_TICKET", "SUPEROFFICE_USER",
                "SUPEROFFICE_PASSWORD", "SUPEROFFICE_APP_TOKEN", "STATUSBOARD_INTERVAL",
                "STATUSBOARD_CONFIG", "STATUSBOARD_MAX_BACKOFF", "STATUSBOARD_REDRAW"):
        monkeypatch.delenv(var, raising=False)

    def open_(page: str | None = None, *, source: Any = None, query: dict[str, str] | None = None,
              secrets: dict[str, Any] | None = None, **inject: Any) -> Any:
        if source is not None:
            runtime.inject(source, **inject)
        at = AppTest.from_file(str(REPO_ROOT / "dashboard.py"), default_timeout=30)
        at.query_params.update(query or {})
        if secrets:
            at.secrets.update(secrets)
        at.run()
        if page is not None:
            at.switch_page(page).run()
        return at

    yield open_
    runtime.clear_injection()
