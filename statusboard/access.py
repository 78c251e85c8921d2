"""Who may see the board, enforced at the HTTP layer (no Streamlit here): display keys.

With `STATUSBOARD_DISPLAY_KEY` set (one key, or several separated by commas: one per TV, so
that one can be revoked), a browser sees the board only after it opened it once with
`?key=<key>`. The server then sets an HttpOnly, SameSite=Strict cookie and redirects to the
same address without the key, so the key never stays in the address bar and is kept across
reloads, screen rotation and the daily reload. Every other visitor gets a plain page that says
the board needs its display key: no page data, no panel name, no websocket. Streamlit's health
check (`/_stcore/health`) stays open, for service managers and the page's own offline check.

The cookie holds a digest of the key, never the key; removing a key from the setting (and
restarting) turns away every browser that was let in with it. Keys and digests are compared
in constant time.

    >>> keys = DisplayKeys.parse("tv-lobby-8f3k2m9q, tv-floor2-1p7x4c8z")
    >>> keys.admits_key("tv-lobby-8f3k2m9q"), keys.admits_key("guess")
    (True, False)
    >>> keys.admits_cookie(cookie_value("tv-floor2-1p7x4c8z"))
    True
    >>> repr(keys)
    'DisplayKeys(2 keys)'
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Awaitable, Callable, Iterable, Mapping, MutableMapping
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode

from stats_client.errors import ConfigurationError

KEY_ENV = "STATUSBOARD_DISPLAY_KEY"
#: The cookie a browser keeps once it was let in.
COOKIE = "statusboard_display"
#: The cookie that names a browser (a display) across its reloads and rotations: a random id,
#: nothing personal, set for every page whether or not keys are in use (DisplayIdMiddleware).
ID_COOKIE = "statusboard_id"
_ID = re.compile(r"[0-9a-f]{16}")


def display_id(raw: object) -> str | None:
    """The display id a cookie carries, or None when it is not one of ours.

        >>> display_id("3f9a0c1d2e4b5a69"), display_id("<script>")
        ('3f9a0c1d2e4b5a69', None)
    """
    return raw if isinstance(raw, str) and _ID.fullmatch(raw) else None


#: The address parameter that carries a key, once.
KEY_PARAM = "key"
#: The one path every visitor may ask for: the health check.
HEALTH_SUFFIX = "/_stcore/health"
#: Long enough not to be guessed, short enough to type into a TV's address bar once.
MIN_KEY_LENGTH = 12
#: Browsers keep a cookie at most 400 days; it is renewed with every page the TV opens.
COOKIE_MAX_AGE_S = 400 * 24 * 3600
_KEY = re.compile(r"[A-Za-z0-9._~-]+")

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


def is_loopback(address: str | None) -> bool:
    """True when a listener on `address` is reachable from this machine only.

        >>> is_loopback("127.0.0.1"), is_loopback("::1"), is_loopback("0.0.0.0"), is_loopback(None)
        (True, True, False, False)
    """
    import ipaddress

    text = (address or "").strip().strip("[]").lower()
    if text == "localhost":
        return True
    try:
        return ipaddress.ip_address(text).is_loopback
    except ValueError:
        return False


def cookie_value(key: str) -> str:
    """What the cookie holds for `key`: a digest of it, never the key itself."""
    return hashlib.sha256(b"statusboard display key\0" + key.encode()).hexdigest()


class DisplayKeys:
    """The display keys in force (no key: everyone may see the board)."""

    __slots__ = ("_digests",)

    def __init__(self, keys: Iterable[str] = ()) -> None:
        self._digests = tuple(cookie_value(k) for k in keys)

    @classmethod
    def parse(cls, raw: str | None) -> DisplayKeys:
        """Keys from the setting's text; ConfigurationError (naming the setting, never a key)
        when one is too short or holds a character an address would mangle."""
        keys = [k.strip() for k in (raw or "").split(",") if k.strip()]
        for n, key in enumerate(keys, 1):
            if len(key) < MIN_KEY_LENGTH or not _KEY.fullmatch(key):
                raise ConfigurationError(
                    f"{KEY_ENV}: key {n} of {len(keys)} must be at least {MIN_KEY_LENGTH} "
                    "letters, digits, dots, dashes, underscores or tildes (it goes into a TV's "
                    "address once); separate several keys with commas.")
        return cls(keys)

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> DisplayKeys:
        return cls.parse(env.get(KEY_ENV))

    @property
    def required(self) -> bool:
        return bool(self._digests)

    def admits_key(self, key: str) -> bool:
        return self.admits_cookie(cookie_value(key))

    def admits_cookie(self, value: str) -> bool:
        # Every digest compared, each in constant time: no early way out to time.
        found = False
        for digest in self._digests:
            found |= hmac.compare_digest(digest, value)
        return found

    def __repr__(self) -> str:
        return f"DisplayKeys({len(self._digests)} keys)"


#: What a visitor without the key sees: nothing of the board.
NEEDS_KEY_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Status board</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{{background:#0b0e14;color:#e6e6e6;font:32px/1.4 system-ui,sans-serif;
display:flex;align-items:center;justify-content:center;height:100vh;margin:0}}
main{{max-width:1100px;padding:48px}}</style></head>
<body><main data-display-key="{state}"><h1>This board needs its display key</h1>
<p>{words}</p></main></body></html>
"""
_WORDS = {
    "missing": "Open the address your administrator gave this screen (it ends with ?key=…) "
               "once; the browser keeps the key from then on.",
    "wrong": "The display key in this address is not valid, or no longer valid. Ask your "
             "administrator for this screen's address.",
}


class DisplayKeyMiddleware:
    """ASGI middleware: the board for browsers with a display key, a plain page for others."""

    def __init__(self, app: ASGIApp, keys: DisplayKeys) -> None:
        self.app = app
        self.keys = keys

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind not in ("http", "websocket") or not self.keys.required:
            await self.app(scope, receive, send)
            return
        path = str(scope.get("path", ""))
        if kind == "http" and path.endswith(HEALTH_SUFFIX):
            await self.app(scope, receive, send)
            return
        query = parse_qsl(scope.get("query_string", b"").decode("latin-1"),
                          keep_blank_values=True)
        offered = [v for k, v in query if k == KEY_PARAM]
        if kind == "websocket":
            if offered or not self._has_cookie(scope):
                await send({"type": "websocket.close", "code": 1008})
                return
            await self.app(scope, receive, send)
            return
        if offered:
            if len(offered) == 1 and self.keys.admits_key(offered[0]):
                rest = urlencode([(k, v) for k, v in query if k != KEY_PARAM])
                await _redirect(send, f"{path}?{rest}" if rest else path,
                                cookie_value(offered[0]))
            else:
                await _refuse(send, "wrong", 403)
            return
        cookie = _cookies(scope).get(COOKIE)
        if cookie is None or not self.keys.admits_cookie(cookie):
            await _refuse(send, "missing", 401)
            return
        if "/_stcore/" in path or "/static/" in path:
            await self.app(scope, receive, send)
            return

        async def renewing(message: Message) -> None:
            # A page the TV opens (every reload, every rotation) keeps its cookie for another
            # 400 days: a board left on for years never loses its key.
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", ()),
                                      (b"set-cookie", _set_cookie(cookie))]
            await send(message)

        await self.app(scope, receive, renewing)

    def _has_cookie(self, scope: Scope) -> bool:
        value = _cookies(scope).get(COOKIE)
        return value is not None and self.keys.admits_cookie(value)


class DisplayIdMiddleware:
    """ASGI middleware: every page a browser opens without our id cookie (or with one that is
    not ours) sets one, and every page renews it for another 400 days, so that a TV is the
    same display across reloads, rotations and restarts of the board (statusboard.displays).
    Streamlit's own paths (`/_stcore/`, static files) are passed through untouched."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = str(scope.get("path", ""))
        if scope["type"] != "http" or scope.get("method") != "GET" or \
                "/_stcore/" in path or "/static/" in path or "/media/" in path:
            await self.app(scope, receive, send)
            return
        value = display_id(_cookies(scope).get(ID_COOKIE)) or secrets.token_hex(8)
        cookie = (f"{ID_COOKIE}={value}; Path=/; Max-Age={COOKIE_MAX_AGE_S}; HttpOnly; "
                  "SameSite=Lax").encode()

        async def naming(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", ()), (b"set-cookie", cookie)]
            await send(message)

        await self.app(scope, receive, naming)


def _cookies(scope: Scope) -> dict[str, str]:
    """The request's cookies, read leniently (each `;`-separated pair split at its first `=`):
    another application's odd cookie on the same host must not hide ours."""
    out: dict[str, str] = {}
    for name, value in scope.get("headers", ()):
        if name.lower() != b"cookie":
            continue
        for pair in value.decode("latin-1").split(";"):
            key, sep, val = pair.strip().partition("=")
            if sep and key and key not in out:
                out[key] = val.strip().strip('"')
    return out


def _set_cookie(value: str) -> bytes:
    return (f"{COOKIE}={value}; Path=/; Max-Age={COOKIE_MAX_AGE_S}; HttpOnly; "
            "SameSite=Strict").encode()


async def _redirect(send: Send, location: str, cookie: str) -> None:
    # The key leaves the address at once: 303 to the same page without it, the cookie set.
    # The path goes back percent-encoded; one a browser could read as another host ("//",
    # a backslash, a control character or space) is never a target: "/" instead.
    path, _, query = location.partition("?")
    target = quote(path, safe="/-._~!$&'()*+,;=:@%") + (f"?{query}" if query else "")
    if not path.startswith("/") or path.startswith("//") or re.search(r"[\\\s\x00-\x1f\x7f]", path):
        target = "/"
    await send({"type": "http.response.start", "status": 303,
                "headers": [(b"location", target.encode("ascii", "replace")),
                            (b"set-cookie", _set_cookie(cookie)),
                            (b"cache-control", b"no-store"),
                            (b"referrer-policy", b"no-referrer"),
                            (b"content-length", b"0")]})
    await send({"type": "http.response.body", "body": b""})


async def _refuse(send: Send, state: str, status: int) -> None:
    body = NEEDS_KEY_PAGE.format(state=state, words=_WORDS[state]).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"text/html; charset=utf-8"),
                            (b"cache-control", b"no-store"),
                            (b"referrer-policy", b"no-referrer"),
                            (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})
