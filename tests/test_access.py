"""statusboard.access: display keys at the HTTP layer, driven as the ASGI server drives it (one
scope, receive and send per request), around a small ASGI app that stands for the board.
The whole flow through `statusboard serve` and Chromium is in tests/browser/test_access.py."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from stats_client.errors import ConfigurationError
from statusboard.access import COOKIE, DisplayKeyMiddleware, DisplayKeys, cookie_value

LOBBY, FLOOR = "tv-lobby-8f3k2m9q", "tv-floor2-1p7x4c8z"
BOARD_PAGE = b"<html>StatusScreen UnassignedRequests</html>"


async def board(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """Stands for the board: a page naming panels, a websocket that says hello."""
    if scope["type"] == "websocket":
        await send({"type": "websocket.accept"})
        await send({"type": "websocket.send", "text": "StatusScreen"})
        return
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"text/html")]})
    await send({"type": "http.response.body", "body": BOARD_PAGE})


def call(keys: DisplayKeys, path: str, query: str = "", cookie: str | None = None,
         kind: str = "http") -> tuple[int | None, dict[str, str], bytes, list[str]]:
    """(status, headers, body, message types) of one request through the middleware."""
    headers = [(b"cookie", f"{COOKIE}={cookie}".encode())] if cookie is not None else []
    scope = {"type": kind, "path": path, "query_string": query.encode(), "headers": headers}
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b""}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    # On a thread of its own: a worker that ran browser tests before holds Playwright's sync
    # API, whose event loop counts as running in this thread (asyncio.run would refuse).
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, DisplayKeyMiddleware(board, keys)(scope, receive, send)).result()
    start = next((m for m in sent if m["type"] == "http.response.start"), {})
    got = {k.decode(): v.decode() for k, v in start.get("headers", [])}
    body = b"".join(m.get("body", b"") for m in sent) + \
        "".join(m.get("text", "") for m in sent).encode()
    return start.get("status"), got, body, [m["type"] for m in sent]


@pytest.mark.parametrize(("query", "cookie", "status", "state"), [
    ("", None, 401, "missing"),
    ("key=wrong-key-123456", None, 403, "wrong"),
    (f"key={LOBBY}&key={FLOOR}", None, 403, "wrong"),  # one key at a time
    ("", "forged", 401, "missing"),
    ("", LOBBY, 401, "missing"),  # the key itself is not the cookie
    ("key=wrong-key-123456", cookie_value(LOBBY), 403, "wrong"),
], ids=["no-key", "wrong-key", "two-keys", "forged-cookie", "raw-key-cookie", "wrong-with-cookie"])
def test_without_a_valid_key_nothing_of_the_board_leaves(query: str, cookie: str | None,
                                                         status: int, state: str) -> None:
    got, headers, body, _ = call(DisplayKeys([LOBBY, FLOOR]), "/trends", query, cookie)
    assert got == status
    assert f'data-display-key="{state}"' in body.decode()
    assert b"StatusScreen" not in body
    assert "set-cookie" not in headers
    assert LOBBY.encode() not in body


def test_a_key_sets_the_cookie_and_leaves_the_address_and_a_revoked_one_is_turned_away() -> None:
    keys = DisplayKeys([LOBBY, FLOOR])
    status, headers, _, _ = call(keys, "/trends", f"rotate=60&key={LOBBY}&desk=north")
    assert status == 303
    assert headers["location"] == "/trends?rotate=60&desk=north"  # the key out of the address
    cookie = headers["set-cookie"]
    assert cookie.startswith(f"{COOKIE}={cookie_value(LOBBY)};")
    assert "HttpOnly" in cookie
    assert "SameSite=Strict" in cookie
    assert LOBBY not in cookie
    # With the cookie: the board, and the cookie renewed on every page it opens.
    status, headers, body, _ = call(keys, "/trends", cookie=cookie_value(LOBBY))
    assert (status, body) == (200, BOARD_PAGE)
    assert headers["set-cookie"].startswith(f"{COOKIE}={cookie_value(LOBBY)};")
    # The lobby TV's key revoked (the setting holds the floor's alone): its cookie is refused,
    # the other TV keeps its board.
    revoked = DisplayKeys([FLOOR])
    assert call(revoked, "/", cookie=cookie_value(LOBBY))[0] == 401
    assert call(revoked, "/", cookie=cookie_value(FLOOR))[0] == 200


def test_the_websocket_needs_the_cookie_and_the_health_check_needs_nothing() -> None:
    keys = DisplayKeys([LOBBY])
    _, _, body, types = call(keys, "/_stcore/stream", kind="websocket")
    assert types == ["websocket.close"]
    assert b"StatusScreen" not in body
    _, _, body, types = call(keys, "/_stcore/stream", cookie=cookie_value(LOBBY),
                             kind="websocket")
    assert types == ["websocket.accept", "websocket.send"]
    assert call(keys, "/_stcore/health")[0] == 200
    assert call(DisplayKeys(), "/")[0] == 200  # no key set: everyone


@pytest.mark.parametrize("raw", ["short", "has space inside-123", "tv-lobby-8f3k2m9q,x",
                                 "näive-key-with-umlaut"])
def test_a_key_that_cannot_work_is_a_sentence_without_the_key(raw: str) -> None:
    with pytest.raises(ConfigurationError) as caught:
        DisplayKeys.parse(raw)
    text = str(caught.value)
    assert text.startswith("STATUSBOARD_DISPLAY_KEY: key ")
    assert all(part not in text for part in raw.split(",") if len(part) > 3)


def test_keys_never_show_in_a_repr() -> None:
    assert LOBBY not in repr(DisplayKeys([LOBBY]))
