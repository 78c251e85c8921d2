"""The REST WebAPI transport: `POST {site}/api/v1/Agents/CustomerService/GetStatistics`.

Same interface and same frames as the SOAP client (`client.StatsClient`): `fetch`,
`fetch_frame`, `calls`, `endpoint`, `credential_kind`, `status_info`, `close`.

    >>> with RestClient(Settings("http://127.0.0.1:8087", transport="rest")) as c:
    ...     frame = c.fetch_frame()                        # doctest: +SKIP

Credentials, by what the settings hold: `Bearer <access token>`; `SOTicket <ticket>` with
`SO-AppToken` (a configured ticket or a system-user ticket, renewed when refused); `Basic` (onsite
user name and password). Replies are read within `timeout` and `max_reply_bytes`; HTTP, JSON and
shape problems become the `errors` family with a sentence naming what to check.
"""

from __future__ import annotations

import base64
import json
import logging
import math
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from types import TracebackType
from typing import Any, Protocol

import pandas as pd
import requests

from .auth import FixedTicket, TicketSource, redact
from .credentials import status_info, system_user_source
from .errors import (
    AuthenticationFailed,
    InvalidReply,
    NetServerUnreachable,
    ServiceError,
    StatsClientError,
)
from .frames import DataSet, DataValue, PanelData, to_frame
from .matching import DatasetMatcher, requested_panels
from .online import utcnow
from .panels import ALL_PANELS, PanelType
from .settings import Settings
from .transport import read_body, redirect_refusal

log = logging.getLogger(__name__)

_JSON_TYPES = ("application/json", "text/json", "application/problem+json")
_NUMBER_WORDS = {"nan": math.nan, "infinity": math.inf, "-infinity": -math.inf,
                 "inf": math.inf, "-inf": -math.inf}


class StatisticsClient(Protocol):
    """What both transports offer; the poller, CLI and dashboard use only this."""

    @property
    def calls(self) -> int: ...
    @property
    def endpoint(self) -> str: ...
    @property
    def credential_kind(self) -> str: ...
    def fetch(self, panels: Sequence[PanelType] = ...) -> tuple[PanelData, ...]: ...
    def fetch_frame(self, panels: Sequence[PanelType] = ...) -> pd.DataFrame: ...
    def status_info(self) -> dict[str, str]: ...
    def close(self) -> None: ...


class RestClient:
    """Fetches Status-page statistics over the REST WebAPI; thread-safe; a context manager."""

    transport = "rest"

    def __init__(self, settings: Settings, *, session: requests.Session | None = None,
                 tickets: TicketSource | None = None,
                 clock: Callable[[], datetime] = utcnow) -> None:
        self._settings = settings
        self._own_session = session is None
        self._session = session or requests.Session()
        self._session.verify = settings.verify_tls
        # Redirects are refused in `_call` (allow_redirects=False), so that the Authorization
        # header is never sent anywhere else. No max_redirects=0 here: requests would raise
        # TooManyRedirects for any 3xx even when not following it, losing the status.
        self._session.headers["User-Agent"] = "service-status-board (rest)"
        self._tickets = tickets if tickets is not None else self._ticket_source(clock)
        self._lock = threading.RLock()
        self._calls = 0
        self._matcher = DatasetMatcher("The REST WebAPI")

    # -- public --------------------------------------------------------------------------------
    def fetch(self, panels: Sequence[PanelType] = ALL_PANELS) -> tuple[PanelData, ...]:
        """The data sets for each requested panel, in the requested order."""
        wanted = requested_panels(panels)
        with self._lock:
            return self._matcher.fetch(wanted, self._get_statistics)

    def fetch_frame(self, panels: Sequence[PanelType] = ALL_PANELS) -> pd.DataFrame:
        """`fetch()` as one tidy frame (see `frames.COLUMNS`)."""
        return to_frame(self.fetch(panels))

    @property
    def calls(self) -> int:
        """GetStatistics HTTP calls made so far."""
        return self._calls

    @property
    def endpoint(self) -> str:
        return self._settings.rest_url

    @property
    def credential_kind(self) -> str:
        return self._settings.credential_kind

    @property
    def settings(self) -> Settings:
        return self._settings

    @property
    def tickets(self) -> TicketSource | None:
        return self._tickets

    def status_info(self) -> dict[str, str]:
        """Transport, endpoint, credential kind and ticket renewal, as plain strings."""
        return status_info(self._settings, self._tickets, endpoint=self.endpoint,
                           credential_kind=self.credential_kind)

    def close(self) -> None:
        if self._own_session:
            self._session.close()
        auth = getattr(self._tickets, "auth", None)
        if auth is not None:
            auth.close()

    def __enter__(self) -> RestClient:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    def __repr__(self) -> str:
        return (f"RestClient(endpoint={self.endpoint!r}, credential={self.credential_kind!r}, "
                f"calls={self._calls})")

    # -- fetching --------------------------------------------------------------------------------
    def _get_statistics(self, panels: Sequence[PanelType]) -> tuple[DataSet, ...]:
        """One call; a refused ticket is renewed once (when its source can) and retried."""
        ticket = self._tickets.current() if self._tickets is not None else None
        try:
            return self._call(panels, ticket)
        except AuthenticationFailed:
            if self._tickets is None or ticket is None:
                raise
            renewed = self._tickets.renew()
            if renewed is None:
                raise
            log.info("The REST WebAPI refused the ticket; obtained a new one and retrying once.")
            return self._call(panels, renewed)

    def _call(self, panels: Sequence[PanelType], ticket: str | None) -> tuple[DataSet, ...]:
        s = self._settings
        headers = {"Accept": "application/json", "Content-Type": "application/json"}
        headers.update(self._auth_headers(ticket))
        body = json.dumps({"Functions": [p.wire_name for p in panels]}).encode()
        self._calls += 1
        deadline = time.monotonic() + s.timeout
        try:
            response = self._session.post(s.rest_url, data=body, headers=headers,
                                          timeout=s.timeout, stream=True,
                                          allow_redirects=False)
            try:
                refusal = redirect_refusal(response, s.rest_url, where="The REST WebAPI",
                                           check="use the final URL in SUPEROFFICE_URL")
                if refusal is not None:
                    raise refusal
                status = response.status_code
                media = _media_type(response)
                payload = read_body(
                    response, limit=s.max_reply_bytes, deadline=deadline,
                    too_large=lambda: _too_large(s.max_reply_bytes),
                    too_slow=lambda: NetServerUnreachable(
                        f"The REST WebAPI at {self.endpoint} did not finish its reply within "
                        f"{s.timeout:g} s; GetStatistics can be slow on a large desk: raise "
                        "SUPEROFFICE_TIMEOUT."))
            finally:
                response.close()
        except requests.RequestException as exc:
            raise self._unreachable(exc) from exc
        if status != 200:
            raise self._http_error(status, media, payload)
        if media not in _JSON_TYPES:
            what = "an HTML page" if "html" in media else f"'{media or 'untyped'}' content"
            raise InvalidReply(f"The REST WebAPI at {self.endpoint} answered with {what} instead "
                               "of JSON. Check that SUPEROFFICE_URL is the tenant's site URL "
                               "and not a web page or proxy.")
        return parse_statistics(payload, where=self.endpoint)

    # -- credentials -----------------------------------------------------------------------------
    def _ticket_source(self, clock: Callable[[], datetime]) -> TicketSource | None:
        s = self._settings
        if s.access_token:
            return None
        if s.system_user_token:
            return system_user_source(s, clock=clock)
        if s.ticket:
            return FixedTicket(s.ticket)
        return None  # Basic user name and password, or no credentials (demo)

    def _auth_headers(self, ticket: str | None) -> dict[str, str]:
        s = self._settings
        if s.access_token:
            return {"Authorization": f"Bearer {s.access_token}"}
        if ticket:
            headers = {"Authorization": f"SOTicket {ticket}"}
            if s.app_token:
                headers["SO-AppToken"] = s.app_token
            return headers
        if s.user and s.password:
            pair = base64.b64encode(f"{s.user}:{s.password}".encode()).decode("ascii")
            return {"Authorization": f"Basic {pair}"}
        return {}

    def _secrets(self) -> tuple[str, ...]:
        s = self._settings
        own = (s.ticket, s.password, s.app_token, s.access_token, s.system_user_token)
        extra = self._tickets.secrets() if self._tickets is not None else ()
        return tuple(x for x in own if x) + extra

    # -- errors ----------------------------------------------------------------------------------
    def _unreachable(self, exc: requests.RequestException) -> StatsClientError:
        where = self.endpoint
        if isinstance(exc, requests.exceptions.SSLError):
            return NetServerUnreachable(
                f"Cannot reach the REST WebAPI at {where}: the TLS handshake failed. Check the "
                "server's certificate, or SUPEROFFICE_VERIFY_TLS for a test server.")
        if isinstance(exc, requests.exceptions.Timeout):
            return NetServerUnreachable(
                f"The REST WebAPI at {where} did not answer within "
                f"{self._settings.timeout:g} s; GetStatistics can be slow on a large desk: "
                "check that the server is running, or raise SUPEROFFICE_TIMEOUT.")
        text = repr(exc).lower()
        reason = ("connection refused" if "refused" in text else
                  "the connection was closed in the middle of the reply"
                  if any(w in text for w in ("reset", "aborted", "disconnected", "incomplete",
                                             "prematurely", "chunked")) else
                  "the host name does not resolve"
                  if any(w in text for w in ("resolve", "getaddrinfo", "name or service"))
                  else "the connection failed")
        return NetServerUnreachable(f"Cannot reach the REST WebAPI at {where}: {reason}. Check "
                                    "SUPEROFFICE_URL and that the server is running.")

    def _http_error(self, status: int, media: str, payload: bytes) -> StatsClientError:
        where = self.endpoint
        said = _error_text(payload, media, self._secrets())
        said_part = f" ({said[1]})" if said[1] else ""
        if status in (401, 403):
            what = "refused the credentials" if status == 401 else "refused access"
            return AuthenticationFailed(
                f"The REST WebAPI at {where} {what} (HTTP {status}){said_part}. "
                f"{self._refusal_hint()}")
        if status in (404, 405):
            return InvalidReply(
                f"No REST WebAPI GetStatistics at {where} (HTTP {status}). Check SUPEROFFICE_URL "
                "(a site URL such as https://host/Cust12345), or use SUPEROFFICE_TRANSPORT=soap "
                "for a NetServer without the REST WebAPI.")
        if status in (502, 503, 504):
            return NetServerUnreachable(
                f"The REST WebAPI at {where} is unavailable (HTTP {status} from the server or a "
                "proxy in front of it). Check that the NetServer is running.")
        if said[0] is not None:
            return ServiceError(
                f"The REST WebAPI answered GetStatistics with an error ({said[0]}){said_part}. "
                "Check the NetServer's log; the request itself was well formed.",
                exception_type=said[0], server_message=said[1] or None)
        what = "an HTML page" if "html" in media else f"'{media or 'untyped'}' content"
        return InvalidReply(f"The REST WebAPI at {where} answered HTTP {status} with {what}. "
                            "Check the NetServer's log and that SUPEROFFICE_URL is its site URL.")

    def _refusal_hint(self) -> str:
        kind = self.credential_kind
        if kind.startswith("access token"):
            return "Check SUPEROFFICE_ACCESS_TOKEN (access tokens expire after a while)."
        if kind == "system user":
            return ("Check SUPEROFFICE_CONTEXT and that the tenant still approves the "
                    "application.")
        if kind == "ticket":
            return "Check SUPEROFFICE_TICKET (tickets expire) and SUPEROFFICE_APP_TOKEN."
        if kind == "user name and password":
            return "Check SUPEROFFICE_USER and SUPEROFFICE_PASSWORD."
        return ("Set SUPEROFFICE_ACCESS_TOKEN, a system user, SUPEROFFICE_TICKET, or "
                "SUPEROFFICE_USER and SUPEROFFICE_PASSWORD.")


# -- JSON → records ------------------------------------------------------------------------------


def parse_statistics(payload: bytes, *, where: str) -> tuple[DataSet, ...]:
    """A GetStatistics JSON reply (an array of data sets) → records; InvalidReply otherwise."""
    try:
        doc = json.loads(payload)
    except (ValueError, RecursionError):
        raise InvalidReply(f"The reply from {where} is not valid JSON. Check that "
                           "SUPEROFFICE_URL is the tenant's site URL.") from None
    if doc is None:
        return ()
    if not isinstance(doc, list):
        raise InvalidReply(f"The reply from {where} is not a list of data sets as "
                           "GetStatistics returns. Check that SUPEROFFICE_URL is a NetServer "
                           "site with the REST WebAPI.")
    try:
        return tuple(_dataset(ds) for ds in doc)
    except (TypeError, ValueError, OverflowError) as exc:
        raise InvalidReply(f"The reply from {where} does not have the shape of GetStatistics "
                           f"data sets ({exc}).") from None


def _field(obj: Mapping[str, Any], name: str) -> Any:
    if name in obj:
        return obj[name]
    low = name.lower()  # JSON casing varies with the WebAPI's serializer settings
    for key, value in obj.items():
        if isinstance(key, str) and key.lower() == low:
            return value
    return None


def _dataset(ds: Any) -> DataSet:
    if ds is None:
        return DataSet(None, None, ())
    if not isinstance(ds, Mapping):
        raise TypeError("a data set is not an object")
    values = _field(ds, "Values")
    if values is None:
        values = []
    if not isinstance(values, list):
        raise TypeError("Values is not a list")
    return DataSet(_text(_field(ds, "Label")), _text(_field(ds, "Description")),
                   tuple(_value(v) for v in values))


def _value(v: Any) -> DataValue:
    if v is None:
        return DataValue(None, math.nan, None)
    if not isinstance(v, Mapping):
        raise TypeError("a value is not an object")
    return DataValue(_text(_field(v, "Label")), _number(_field(v, "Value")),
                     _text(_field(v, "Description")))


def _number(raw: Any) -> float:
    if raw is None:
        return math.nan
    if isinstance(raw, bool):
        raise TypeError("Value is a boolean, not a number")
    if isinstance(raw, int | float):
        return float(raw)
    if isinstance(raw, str):
        word = raw.strip().lower()
        if word in _NUMBER_WORDS:
            return _NUMBER_WORDS[word]
        return float(word)
    raise TypeError("Value is not a number")


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, dict | list):
        raise TypeError("a label or description is not text")
    return str(value)


def _error_text(payload: bytes, media: str, secrets: Sequence[str]) -> tuple[str | None, str]:
    """(error type, message) from a WebAPI JSON error body; (None, "") when it is not one."""
    if media not in _JSON_TYPES:
        return None, ""
    try:
        doc = json.loads(payload)
    except (ValueError, RecursionError):
        return None, ""
    if not isinstance(doc, dict):
        return None, ""
    message = _field(doc, "Error") or _field(doc, "Message") or _field(doc, "title")
    kind = _field(doc, "ErrorType") or _field(doc, "ExceptionType")
    message_text = redact(str(message), secrets) if isinstance(message, str | int) else ""
    kind_text = redact(str(kind), secrets) if isinstance(kind, str) and kind else None
    if kind_text is None and message_text:
        kind_text = "error"
    return kind_text, message_text


def _media_type(response: requests.Response) -> str:
    content_type = response.headers.get("Content-Type") or ""
    return content_type.split(";", 1)[0].strip().lower()


def _too_large(limit: int) -> InvalidReply:
    return InvalidReply(
        f"The REST WebAPI's reply is larger than {limit} bytes and was refused; "
        "raise SUPEROFFICE_MAX_REPLY_BYTES if the desk really is that large."
    )
