"""The demo NetServer's REST WebAPI: `POST {site}/api/v1/Agents/CustomerService/GetStatistics`.

The same help-desk model, clock and faults as the SOAP endpoint, so both transports carry the
same data for the same seed and time. Authorization as the WebAPI takes it:

    SOTicket <ticket> + SO-AppToken   the server's tickets (fixed, SoPrincipal or partner-issued)
    Bearer <access token>             tokens registered with `add_access_token()`
    Basic <user:password>             the server's `users` (any non-empty user when users=None)

Refusals are HTTP 401 with a JSON error body; `Fault.SERVICE_ERROR` is HTTP 500 with a JSON
error (as the WebAPI reports a NetServer exception); `Fault.SOAP_FAULT` an IIS HTML 500 page.

    >>> srv = DemoNetServer().start(); rest = attach_rest(srv)        # doctest: +SKIP
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import secrets
import threading
from collections.abc import Mapping

from ..frames import DataSet
from ..panels import PanelType
from ..settings import REST_STATISTICS_PATH
from .server import EXC_SECURITY, EXC_SERVICE, DemoNetServer, Fault, Request

OPERATION = "REST GetStatistics"
_JSON = {"Content-Type": "application/json; charset=utf-8"}
_IIS_500 = (
    b"<!DOCTYPE html><html><head><title>500 - Internal server error.</title></head><body>"
    b"<h2>500 - Internal server error.</h2><h3>There is a problem with the resource you are "
    b"looking for, and it cannot be displayed.</h3></body></html>"
)


def _number(v: float) -> float | str:
    # Newtonsoft writes non-finite doubles as strings by default; JSON has no NaN.
    if math.isnan(v):
        return "NaN"
    if math.isinf(v):
        return "Infinity" if v > 0 else "-Infinity"
    return v


def datasets_json(datasets: list[DataSet]) -> bytes:
    """Data sets as the WebAPI serializes StatisticsDataSet[] (PascalCase, nulls kept)."""
    doc: list[dict[str, object]] = [
        {
            "TableRight": None,
            "FieldProperties": {},
            "Label": ds.label,
            "Values": [
                {"TableRight": None, "FieldProperties": {}, "Label": v.label,
                 "Value": _number(v.value), "Description": v.description}
                for v in ds.values
            ],
            "Description": ds.description,
        }
        for ds in datasets
    ]
    return json.dumps(doc, ensure_ascii=False).encode("utf-8")


def _error(status: int, message: str, error_type: str) -> tuple[int, Mapping[str, str], bytes]:
    body = json.dumps({"Error": message, "ErrorType": error_type}).encode()
    headers = dict(_JSON)
    if status == 401:
        headers["WWW-Authenticate"] = 'SOTicket, Bearer, Basic realm="SuperOffice"'
    return status, headers, body


class RestEndpoint:
    """The REST GetStatistics route of one demo server."""

    def __init__(self, server: DemoNetServer) -> None:
        self.server = server
        self._lock = threading.Lock()
        self._access_tokens: set[str] = set()
        self._raw: tuple[bytes, int, str] | None = None
        self.path = f"{server.path_prefix}{REST_STATISTICS_PATH}"

    def __repr__(self) -> str:
        return f"RestEndpoint(path={self.path!r})"

    def add_access_token(self, token: str) -> None:
        """Accept `Bearer <token>` from now on."""
        with self._lock:
            self._access_tokens.add(token)

    def revoke_access_token(self, token: str) -> None:
        with self._lock:
            self._access_tokens.discard(token)

    def serve_raw(self, body: bytes, status: int = 200,
                  content_type: str = "application/json; charset=utf-8") -> None:
        """Answer every REST GetStatistics with exactly these bytes until `clear_raw()`."""
        with self._lock:
            self._raw = (bytes(body), status, content_type)

    def clear_raw(self) -> None:
        with self._lock:
            self._raw = None

    # -- the route -----------------------------------------------------------------------------
    def handle(self, req: Request) -> tuple[int, Mapping[str, str], bytes]:
        srv = self.server
        srv._count(OPERATION)
        fault = srv.fault
        if fault is Fault.SLOW:
            srv._wake.wait(srv.slow_seconds)
        with self._lock:
            raw = self._raw
        if raw is not None:
            return raw[1], {"Content-Type": raw[2]}, raw[0]
        if fault is Fault.SOAP_FAULT:
            return 500, {"Content-Type": "text/html"}, _IIS_500
        if fault is Fault.HTML:
            page = b"<html><body><h1>Service Unavailable</h1></body></html>"
            return 200, {"Content-Type": "text/html; charset=utf-8"}, page
        refusal = self._refusal(req.headers)
        if refusal is not None:
            return refusal
        if fault is Fault.SERVICE_ERROR:
            return _error(500, "Timeout expired. The timeout period elapsed prior to completion "
                          "of the operation or the server is not responding.", EXC_SERVICE)
        try:
            doc = json.loads(req.body or b"{}")
            names = doc.get("Functions") if isinstance(doc, dict) else None
            if not isinstance(names, list):
                raise ValueError("Functions is not a list")
            panels = [PanelType.from_wire(str(n)) for n in names]
        except (ValueError, AttributeError):
            return _error(400, "The request is invalid: Functions must be a list of "
                          "StatusScreenPanelType names.", "ArgumentException")
        now = srv.clock()
        body = datasets_json([ds for p in panels for ds in srv.model.datasets(p, now)])
        if fault is Fault.MALFORMED:
            body = body[: max(1, len(body) // 2)]
        return 200, _JSON, body

    def _refusal(self, headers: Mapping[str, str]) -> tuple[int, Mapping[str, str], bytes] | None:
        srv = self.server
        auth = _header(headers, "Authorization")
        scheme, _, value = auth.partition(" ")
        scheme = scheme.lower()
        value = value.strip()
        if scheme == "soticket":
            app_token = srv._app_token
            if app_token is not None and _header(headers, "SO-AppToken") != app_token:
                return _error(401, "Application token is not valid",
                              "SoApplicationTokenException")
            info = srv._ticket_error(value or None)
            return None if info is None else _error(401, info.message, info.exception_type)
        if scheme == "bearer":
            with self._lock:
                ok = any(secrets.compare_digest(value.encode(), t.encode())
                         for t in self._access_tokens)
            return None if ok else _error(401, "The access token is not valid or has expired",
                                          EXC_SECURITY)
        if scheme == "basic":
            try:
                user, _, password = base64.b64decode(value, validate=True).decode().partition(":")
            except (binascii.Error, UnicodeDecodeError, ValueError):
                return _error(401, "The Basic credentials could not be read", EXC_SECURITY)
            users = srv._users
            if users is None:
                ok = bool(user)
            else:
                expected = users.get(user)
                ok = expected is not None and secrets.compare_digest(expected.encode(),
                                                                     password.encode())
            return None if ok else _error(401, "Unknown user name or wrong password",
                                          EXC_SECURITY)
        if auth:
            return _error(401, "Unsupported authorization scheme", EXC_SECURITY)
        info = srv._ticket_error(None)
        with self._lock:
            bearer_only = bool(self._access_tokens)
        if info is None and bearer_only:
            return _error(401, "No credentials: a ticket or access token is required",
                          EXC_SECURITY)
        return None if info is None else _error(401, info.message, info.exception_type)


def _header(headers: Mapping[str, str], name: str) -> str:
    low = name.lower()
    for key, value in headers.items():
        if key.lower() == low:
            return value
    return ""


def attach_rest(server: DemoNetServer) -> RestEndpoint:
    """Serve the REST GetStatistics endpoint on `server` (under its path prefix)."""
    endpoint = RestEndpoint(server)
    server.add_route("POST", endpoint.path, endpoint.handle)
    return endpoint

