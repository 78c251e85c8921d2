"""A board with a display key, served by `statusboard serve`, in a real Chromium and over plain
HTTP: without the key nothing of the board leaves the server (no page, no panel name, no
websocket); opened once with `?key=…` the TV keeps the board across a reload and a rotation to
another screen, and the key never stays in the address."""

from __future__ import annotations

import socket
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest

from harness.browser import INTERVAL, LOAD_TIMEOUT_MS, MAX_BACKOFF, Dashboard
from netserver_demo import DemoNetServer
from stats_client.panels import ALL_PANELS

pytestmark = pytest.mark.browser

KEY = "tv-lobby-8f3k2m9q"
OTHER = "tv-floor2-1p7x4c8z"
#: What a page of the board would give away: panel names and screen titles.
GIVEAWAYS = [p.wire_name for p in ALL_PANELS] + ["Workload", "Trends", "Unassigned"]


@pytest.fixture(scope="module")
def keyed(chromium_executable: str, netserver: DemoNetServer) -> Iterator[Dashboard]:
    with Dashboard(netserver.url, interval=INTERVAL, max_backoff=MAX_BACKOFF,
                   extra_env={"STATUSBOARD_DISPLAY_KEY": f"{KEY},{OTHER}",
                              "STATUSBOARD_DATABASE_URL": "off"}) as board:
        yield board


def fetch(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=30) as r:  # noqa: S310 (loopback, built here)
            return int(r.status), r.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def websocket_status(url: str, path: str) -> int:
    """The status line of a websocket handshake on `path` without a cookie."""
    where = urlsplit(url)
    with socket.create_connection((where.hostname, where.port), timeout=30) as sock:
        sock.sendall((f"GET {path} HTTP/1.1\r\nHost: {where.netloc}\r\nUpgrade: websocket\r\n"
                      "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                      "Sec-WebSocket-Version: 13\r\n\r\n").encode())
        return int(sock.recv(4096).split(b" ", 2)[1])


def test_without_the_key_nothing_of_the_board_leaves_the_server(keyed: Dashboard) -> None:
    for path in ("/", "/workload", "/_stcore/host-config", "/?key=not-the-key-1234"):
        status, body = fetch(keyed.url + path)
        assert status in (401, 403), path
        assert "This board needs its display key" in body
        assert [g for g in GIVEAWAYS if g in body] == [], path
    assert websocket_status(keyed.url, "/_stcore/stream") == 403
    assert fetch(keyed.url + "/_stcore/health")[0] == 200  # service managers, the offline check


def test_opened_once_with_its_key_a_tv_keeps_the_board(keyed: Dashboard,
                                                       new_page: Any) -> None:
    page = new_page(1920, 1080)
    asked: list[str] = []
    page.on("request", lambda r: asked.append(r.url))
    page.goto(f"{keyed.url}/?key={KEY}", wait_until="domcontentloaded")
    page.wait_for_selector("[data-tile]", timeout=LOAD_TIMEOUT_MS)
    assert page.url == f"{keyed.url}/"  # the key left the address at once
    page.reload(wait_until="domcontentloaded")
    page.wait_for_selector("[data-tile]", timeout=LOAD_TIMEOUT_MS)
    page.goto(f"{keyed.url}/workload", wait_until="domcontentloaded")  # as rotation does
    page.wait_for_selector('[class*="st-key-panel-"]', timeout=LOAD_TIMEOUT_MS)
    assert [u for u in asked if KEY in u] == [f"{keyed.url}/?key={KEY}"]
    cookies = page.context.cookies()
    assert [c["httpOnly"] for c in cookies if c["name"] == "statusboard_display"] == [True]
    assert all(KEY not in c["value"] for c in cookies)
