"""The REST wire: `POST {site}/api/v1/Agents/CustomerService/GetStatistics`.

The same one call as the SOAP wire, over the HTTP edge, with the credential as a header:
`Bearer <access token>`; `SOTicket <ticket>` with `SO-AppToken` (a configured or system-user
ticket); `Basic` (an onsite user name and password). HTTP, JSON and shape problems become the
`errors` family with a sentence naming what to check.

    >>> RestWire(Settings("http://127.0.0.1:8087", transport="rest")).endpoint
    'http://127.0.0.1:8087/api/v1/Agents/CustomerService/GetStatistics'
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from typing import Any

import requests

from .auth import exception_error
from .credentials import PasswordLoginCall, Proof
from .errors import InvalidReply, StatsClientError
from .frames import DataSet, DataValue
from .http import (
    PLAIN_STATUSES,
    Exchange,
    Peer,
    bounded_request,
    media_type,
    new_session,
    redact,
    status_error,
    unexpected_media,
)
from .panels import PanelType
from .settings import Settings

_JSON_TYPES = ("application/json", "text/json", "application/problem+json")
_NUMBER_WORDS = {"nan": math.nan, "infinity": math.inf, "-infinity": -math.inf,
                 "inf": math.inf, "-inf": -math.inf}


class RestWire:
    """One GetStatistics call over the REST WebAPI with a given credential."""

    #: REST takes the user name and password with every call (Basic): no login to a ticket.
    password_login: PasswordLoginCall | None = None

    def __init__(self, settings: Settings, *, session: requests.Session | None = None) -> None:
        self._settings = settings
        self._own_session = session is None
        self._session = new_session(verify_tls=settings.verify_tls, agent="rest",
                                    session=session)
        self.endpoint = settings.rest_url
        self.peer = Peer(
            "the REST WebAPI", self.endpoint, expects="JSON",
            missing=("Check SUPEROFFICE_URL (a site URL such as https://host/Cust12345), or use "
                     "SUPEROFFICE_TRANSPORT=soap for a NetServer without the REST WebAPI."))
        self.last_exchange: Exchange | None = None

    def get_statistics(self, panels: Sequence[PanelType], proof: Proof | None, *,
                       refusal_hint: str, secrets: Sequence[str]) -> tuple[DataSet, ...]:
        s = self._settings
        headers = {"Accept": "application/json", "Content-Type": "application/json",
                   **self._auth_headers(proof)}
        body = json.dumps({"Functions": [p.wire_name for p in panels]}).encode()
        reply = bounded_request(self._session, "POST", self.endpoint, peer=self.peer,
                                timeout=s.timeout, limit=s.max_reply_bytes, data=body,
                                headers=headers, observe=self._record)
        media = media_type(reply)
        if reply.status_code != 200:
            raise self._http_error(reply.status_code, media, reply.content,
                                   refusal_hint=refusal_hint, secrets=secrets)
        if media not in _JSON_TYPES:
            raise unexpected_media(200, media, self.peer)
        return parse_statistics(reply.content, where=self.endpoint)

    def convert_error(self, exc: Exception, secrets: Sequence[str]) -> StatsClientError | None:
        """Nothing to convert: the edge and `parse_statistics` raise ours already."""
        return None

    def close(self) -> None:
        if self._own_session:
            self._session.close()

    def _record(self, exchange: Exchange) -> None:
        self.last_exchange = exchange

    def _auth_headers(self, proof: Proof | None) -> dict[str, str]:
        if proof is None:
            return {}
        if proof.scheme == "bearer":
            return {"Authorization": f"Bearer {proof.secret}"}
        if proof.scheme == "basic":
            return {"Authorization": f"Basic {proof.sent}"}
        headers = {"Authorization": f"SOTicket {proof.secret}"}
        if self._settings.app_token:
            headers["SO-AppToken"] = self._settings.app_token
        return headers

    def _http_error(self, status: int, media: str, payload: bytes, *, refusal_hint: str,
                    secrets: Sequence[str]) -> StatsClientError:
        kind, message = _error_text(payload, media)
        if (kind or message) and status not in PLAIN_STATUSES:
            # A NetServer exception the WebAPI passed on: classified as SOAP's ExceptionInfo.
            return exception_error("GetStatistics", kind, message, secrets=secrets,
                                   refusal_hint=refusal_hint, who="The REST WebAPI")
        return status_error(status, media, self.peer, refusal_hint=refusal_hint,
                            said=redact(message, secrets))


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
        # The message may quote a server's value: shortened like every server text.
        raise InvalidReply(f"The reply from {where} does not have the shape of GetStatistics "
                           f"data sets ({redact(str(exc), ())}).") from None


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


def _error_text(payload: bytes, media: str) -> tuple[str | None, str | None]:
    """(error type, message) of a WebAPI JSON error body, unredacted; (None, None) when the
    body is not one."""
    if media not in _JSON_TYPES:
        return None, None
    try:
        doc = json.loads(payload)
    except (ValueError, RecursionError):
        return None, None
    if not isinstance(doc, dict):
        return None, None
    message = _field(doc, "Error") or _field(doc, "Message") or _field(doc, "title")
    kind = _field(doc, "ErrorType") or _field(doc, "ExceptionType")
    return (kind if isinstance(kind, str) and kind else None,
            str(message) if isinstance(message, str | int) else None)
