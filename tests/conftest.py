"""Shared fixtures: demo NetServers on free loopback ports, and the reference folder."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from stats_client.simulator import DemoNetServer

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
