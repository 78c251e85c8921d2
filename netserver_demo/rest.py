"""The demo NetServer's REST WebAPI: `POST {site}/api/v1/Agents/CustomerService/GetStatistics`.

The same help-desk model, clock and faults as the SOAP endpoint, so both transports carry the
same data for the same seed and time. Authorization as the WebAPI takes it:

    SOTicket <ticket> + SO-AppToken   the server's tickets (fixed, SoPrincipal or partner-issued)
    Bearer <access token>             tokens registered with `add_access_token()`
    Basic <user:password>             the server's `users` (any non-empty user when users=None)

Refusals are HTTP 401 with a JSON error body; `Fault.SERVICE_ERROR` is HTTP 500 with a JSON
error (as the WebAPI reports a NetServer exception); `Fault.SOAP_FAULT` an IIS HTML 500 page.

    >>> srv = DemoNetServer().start(); srv.rest.add_access_token("t")   # doctest: +SKIP
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import secrets
import threading

from stats_client import REST_STATISTICS_PATH, DataSet, PanelType

from .request import Reply, Request
from .source import DataSource, answer_statistics
from .state import EXC_APP_TOKEN, EXC_SECURITY, SERVICE_ERROR, DemoState, ExceptionInfo, Fault

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


def _error(status: int, message: str, error_type: str) -> Reply:
    body = json.dumps({"Error": message, "ErrorType": error_type}).encode()
    headers = dict(_JSON)
    if status == 401:
        headers["WWW-Authenticate"] = 'SOTicket, Bearer, Basic realm="SuperOffice"'
    return status, headers, body


def _refused(info: ExceptionInfo | None) -> Reply | None:
    return None if info is None else _error(401, info.message, info.exception_type)


class RestEndpoint:
    """The REST GetStatistics route of one demo server; its raw replies and access tokens."""

    def __init__(self, state: DemoState, source: DataSource, path_prefix: str) -> None:
        self.state = state
        self.source = source
        self._lock = threading.Lock()
        self._access_tokens: set[str] = set()
        self.path = f"{path_prefix}{REST_STATISTICS_PATH}"

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
        self.state.serve_raw("rest", (bytes(body), status, content_type))

    def clear_raw(self) -> None:
        self.state.serve_raw("rest", None)

    # -- the route -----------------------------------------------------------------------------
    def handle(self, req: Request) -> Reply:
        state = self.state
        state.count(OPERATION)
        fault = state.fault
        state.pause_if_slow()
        raw = state.raw("rest")
        if raw is not None:
            return raw[1], {"Content-Type": raw[2]}, raw[0]
        if fault is Fault.SOAP_FAULT:
            return 500, {"Content-Type": "text/html"}, _IIS_500
        if fault is Fault.HTML:
            page = b"<html><body><h1>Service Unavailable</h1></body></html>"
            return 200, {"Content-Type": "text/html; charset=utf-8"}, page
        scripted = state.scripted_refusal("GetStatistics")
        if scripted is not None:
            return _error(500, scripted.message, scripted.exception_type)
        refusal = self._refusal(req)
        if refusal is not None:
            return refusal
        if fault is Fault.SERVICE_ERROR:
            return _error(500, SERVICE_ERROR.message, SERVICE_ERROR.exception_type)
        try:
            doc = json.loads(req.body or b"{}")
            names = doc.get("Functions") if isinstance(doc, dict) else None
            if not isinstance(names, list):
                raise ValueError("Functions is not a list")
            panels = [PanelType.from_wire(str(n)) for n in names]
        except (ValueError, AttributeError):
            return _error(400, "The request is invalid: Functions must be a list of "
                          "StatusScreenPanelType names.", "ArgumentException")
        return answer_statistics(self.source, "rest", panels, state.clock(), datasets_json,
                                 _JSON["Content-Type"], fault is Fault.MALFORMED)

    def _refusal(self, req: Request) -> Reply | None:
        state = self.state
        auth = req.header("Authorization")
        scheme, _, value = auth.partition(" ")
        scheme = scheme.lower()
        value = value.strip()
        if scheme == "soticket":
            if state.app_token_refusal(req.header("SO-AppToken")) is not None:
                return _error(401, "Application token is not valid", EXC_APP_TOKEN)
            return _refused(state.ticket_refusal(value or None))
        if scheme == "bearer":
            with self._lock:
                ok = state.accept_any or any(secrets.compare_digest(value.encode(), t.encode())
                                             for t in self._access_tokens)
            return None if ok else _error(401, "The access token is not valid or has expired",
                                          EXC_SECURITY)
        if scheme == "basic":
            try:
                user, _, password = base64.b64decode(value, validate=True).decode().partition(":")
            except (binascii.Error, UnicodeDecodeError, ValueError):
                return _error(401, "The Basic credentials could not be read", EXC_SECURITY)
            return None if state.password_ok(user, password) else _error(
                401, "Unknown user name or wrong password", EXC_SECURITY)
        if auth:
            return _error(401, "Unsupported authorization scheme", EXC_SECURITY)
        info = state.ticket_refusal(None)
        with self._lock:
            bearer_only = bool(self._access_tokens)
        if info is None and bearer_only:
            return _error(401, "No credentials: a ticket or access token is required",
                          EXC_SECURITY)
        return _refused(info)
