"""The SOAP client for `CustomerService.GetStatistics`: zeep, headers, tickets, typed errors.

This is the one place where requests, zeep and lxml errors become the `errors` family, and the
one place where zeep objects become plain records (no zeep object leaves this module).

    >>> with open_client(Settings("http://127.0.0.1:8087", ticket="7T:x")) as client:
    ...     frame = client.fetch_frame()          # doctest: +SKIP
"""

from __future__ import annotations

import contextlib
import functools
import logging
import math
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from importlib import resources
from types import TracebackType
from typing import Any

import lxml.etree
import pandas as pd
import requests
import zeep
import zeep.exceptions
from zeep.wsdl import Document

from .auth import (
    FixedTicket,
    PasswordLogin,
    TicketSource,
    check_succeeded,
    redact,
    soprincipal_login,
)
from .errors import (
    AuthenticationFailed,
    InvalidReply,
    NetServerUnreachable,
    StatsClientError,
)
from .frames import DataSet, DataValue, PanelData, to_frame
from .matching import DatasetMatcher, requested_panels
from .panels import ALL_PANELS, PanelType
from .rest import RestClient
from .settings import Settings
from .transport import HttpReplyError, LimitedTransport, origin

log = logging.getLogger(__name__)

NS = "http://www.superoffice.net/ws/crm/NetServer/Services87"
CUSTOMER_SERVICE_BINDING = f"{{{NS}}}BasicHttpBinding_CustomerService"
SOPRINCIPAL_BINDING = f"{{{NS}}}BasicHttpBinding_SoPrincipal"


def zeep_settings() -> zeep.Settings:
    """Parse settings for every reply and WSDL: strict XML, no DTD, no entities, no fetches."""
    # strict: a malformed reply is refused, not half-read in lxml's recover mode.
    return zeep.Settings(strict=True, xml_huge_tree=False, forbid_dtd=True,
                         forbid_entities=True, forbid_external=True)


@functools.cache
def bundled_document() -> Document:
    """The bundled WSDL, parsed once per process (about 50 ms) and shared by every client."""
    wsdl = resources.files("stats_client").joinpath("wsdl/services87.wsdl")
    with resources.as_file(wsdl) as path:
        # The bundled file imports nothing, so this transport never touches the network.
        transport: Any = zeep.Transport()  # type: ignore[no-untyped-call]
        return Document(str(path), transport, settings=zeep_settings())


class StatsClient:
    """Fetches Status-page statistics from one NetServer; use as a context manager.

    Thread-safe: calls are serialised, so a poller and a Connection screen may share it.
    """

    transport = "soap"

    def __init__(self, settings: Settings, *, session: requests.Session | None = None,
                 tickets: TicketSource | None = None) -> None:
        self._settings = settings
        self._transport = LimitedTransport(
            timeout=settings.timeout, max_reply_bytes=settings.max_reply_bytes,
            verify_tls=settings.verify_tls, session=session,
            allowed_origin=origin(settings.site_url) if settings.use_server_wsdl else None,
        )
        self._zeep: zeep.Client | None = None
        self._statistics: Any = None
        self._principal: Any = None
        self._tickets = tickets if tickets is not None else self._ticket_source()
        self._lock = threading.RLock()
        self._calls = 0
        self._matcher = DatasetMatcher("GetStatistics")

    # -- public ----------------------------------------------------------------------------
    def fetch(self, panels: Sequence[PanelType] = ALL_PANELS) -> tuple[PanelData, ...]:
        """The data sets for each requested panel, in the requested order."""
        wanted = requested_panels(panels)
        with self._lock, self._converting():
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
        return self._settings.display_url

    @property
    def credential_kind(self) -> str:
        return self._tickets.kind

    @property
    def ticket_expires_hint(self) -> str | None:
        return self._tickets.expires_hint

    @property
    def settings(self) -> Settings:
        return self._settings

    def status_info(self) -> dict[str, str]:
        """Transport, endpoint, credential kind and ticket renewal as plain strings (no secrets)."""
        from .credentials import status_info

        return status_info(self._settings, self._tickets, endpoint=self.endpoint,
                           credential_kind=self.credential_kind)

    def close(self) -> None:
        if self._transport._close_session:
            self._transport.session.close()
        auth = getattr(self._tickets, "auth", None)  # a system user's login session
        if auth is not None:
            auth.close()

    def __enter__(self) -> StatsClient:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    def __repr__(self) -> str:
        return (f"StatsClient(endpoint={self.endpoint!r}, credential={self.credential_kind!r}, "
                f"calls={self._calls})")

    # -- fetching --------------------------------------------------------------------------
    def _get_statistics(self, panels: Sequence[PanelType]) -> tuple[DataSet, ...]:
        """One GetStatistics call; asks for a new ticket once when the ticket is refused."""
        ticket = self._tickets.current()  # a refused login raises here, and is not retried
        try:
            return self._get_statistics_once(panels, ticket)
        except AuthenticationFailed:
            ticket = self._tickets.renew()
            if ticket is None:
                raise
            log.info("The NetServer refused the ticket; obtained a new one and retrying once.")
            return self._get_statistics_once(panels, ticket)

    def _get_statistics_once(self, panels: Sequence[PanelType],
                             ticket: str | None) -> tuple[DataSet, ...]:
        service = self._service()
        headers: dict[str, Any] = {}
        if self._settings.app_token:
            headers["ApplicationToken"] = self._settings.app_token
        if ticket:
            headers["Credentials"] = {"Ticket": ticket}
        functions = {"StatusScreenPanelType": [p.wire_name for p in panels]}
        self._calls += 1
        result = service.GetStatistics(Functions=functions, _soapheaders=headers)
        check_succeeded(getattr(result, "header", None), operation="GetStatistics",
                        secrets=self._secrets(), refusal_hint=self._refusal_hint())
        return _datasets(getattr(result, "body", None))

    def _service(self) -> Any:
        if self._statistics is None:
            client: Any = self._zeep_client()
            self._statistics = client.create_service(
                CUSTOMER_SERVICE_BINDING, self._settings.service_url("CustomerService"))
        return self._statistics

    def _principal_service(self) -> Any:
        if self._principal is None:
            client: Any = self._zeep_client()
            self._principal = client.create_service(
                SOPRINCIPAL_BINDING, self._settings.service_url("SoPrincipal"))
        return self._principal

    def _zeep_client(self) -> zeep.Client:
        if self._zeep is None:
            settings = zeep_settings()
            if self._settings.use_server_wsdl:
                url = f"{self._settings.service_url('CustomerService')}?wsdl"
                # WCF splits its WSDL into ?wsdl=wsdl0 and ?xsd=xsd0 imports; the transport
                # allows those from the NetServer's own origin only.
                settings.forbid_external = False
                transport: Any = self._transport
                document = Document(url, transport, settings=settings)
            else:
                document = bundled_document()
            self._zeep = zeep.Client(  # type: ignore[no-untyped-call]
                document, transport=self._transport, settings=zeep_settings())
        return self._zeep

    def _ticket_source(self) -> TicketSource:
        s = self._settings
        if s.system_user_token:
            from .credentials import system_user_source

            return system_user_source(s)
        if s.user and s.password:
            user, password = s.user, s.password
            return PasswordLogin(
                lambda: soprincipal_login(self._principal_service(), user=user,
                                          password=password, app_token=s.app_token),
                password=password)
        if s.ticket:
            return FixedTicket(s.ticket)
        return TicketSource()

    def _secrets(self) -> tuple[str, ...]:
        s = self._settings
        extra = tuple(x for x in (s.ticket, s.password, s.app_token) if x)
        return self._tickets.secrets() + extra

    def _refusal_hint(self) -> str:
        kind = self._tickets.kind
        if kind == "ticket":
            return "Check SUPEROFFICE_TICKET (tickets expire) and SUPEROFFICE_APP_TOKEN."
        if kind == "user name and password":
            return ("Check SUPEROFFICE_USER, SUPEROFFICE_PASSWORD and SUPEROFFICE_APP_TOKEN.")
        if kind == "system user":
            return ("Check SUPEROFFICE_CONTEXT and that the tenant still approves the "
                    "application.")
        return ("Set SUPEROFFICE_TICKET, or SUPEROFFICE_USER and SUPEROFFICE_PASSWORD, "
                "and SUPEROFFICE_APP_TOKEN.")

    # -- errors ----------------------------------------------------------------------------
    @contextmanager
    def _converting(self) -> Iterator[None]:
        """Turn every lower error into one of ours, raised from the original."""
        try:
            yield
        except StatsClientError:
            raise
        except Exception as exc:
            secrets = self._secrets()
            scrub_chain(exc, secrets)
            converted = convert_error(exc, self._settings, secrets)
            if converted is None:
                raise
            raise converted from exc


def open_client(settings: Settings) -> StatsClient | RestClient:
    """The client for these settings (the factory the poller and the CLI use).

    `settings.transport` picks SOAP (`StatsClient`) or the REST WebAPI (`RestClient`); both
    offer fetch, fetch_frame, calls, endpoint, credential_kind, status_info and close.
    """
    if settings.transport == "rest":
        return RestClient(settings)
    return StatsClient(settings)


# -- error conversion --------------------------------------------------------------------------
def convert_error(exc: BaseException, settings: Settings,
                  secrets: Sequence[str] = ()) -> StatsClientError | None:
    """The `errors` family member for a lower error, or None for a programming error."""
    where = settings.display_url
    if isinstance(exc, HttpReplyError):
        return _http_error(exc, settings)
    if isinstance(exc, requests.exceptions.SSLError):
        return NetServerUnreachable(
            f"Cannot reach the NetServer at {where}: the TLS handshake failed (certificate not "
            "trusted or not valid for this host). Check the server's certificate, or "
            "SUPEROFFICE_VERIFY_TLS for a test server."
        )
    if isinstance(exc, requests.exceptions.Timeout):
        return NetServerUnreachable(
            f"The NetServer at {where} did not answer within {settings.timeout:g} s; check that "
            "it is running and not overloaded, or raise SUPEROFFICE_TIMEOUT."
        )
    if isinstance(exc, requests.exceptions.ConnectionError
                  | requests.exceptions.ChunkedEncodingError):
        return NetServerUnreachable(
            f"Cannot reach the NetServer at {where}: {_connection_reason(exc)}. "
            "Check SUPEROFFICE_URL and that the server is running."
        )
    if isinstance(exc, requests.exceptions.RequestException):
        return NetServerUnreachable(
            f"Cannot reach the NetServer at {where}: {type(exc).__name__}. "
            "Check SUPEROFFICE_URL and that the server is running."
        )
    if isinstance(exc, zeep.exceptions.Fault):
        said = redact(str(exc.message or "no fault string"), secrets)
        return InvalidReply(
            f"The NetServer at {where} answered with a SOAP fault: {said}. "
            "Check the NetServer's log and that SUPEROFFICE_URL names its CustomerService."
        )
    if isinstance(exc, zeep.exceptions.DTDForbidden | zeep.exceptions.EntitiesForbidden):
        return InvalidReply(
            f"The reply from {where} carries a document type declaration or entities, which "
            "a SOAP reply never does; it was refused without expanding them. Check that "
            "SUPEROFFICE_URL points at the NetServer itself and not at a proxy."
        )
    if isinstance(exc, zeep.exceptions.ExternalReferenceForbidden):
        return InvalidReply(
            f"The reply or WSDL from {where} refers to an external document, which was not "
            "fetched. Unset SUPEROFFICE_USE_SERVER_WSDL to use the bundled WSDL."
        )
    if isinstance(exc, zeep.exceptions.TransportError):
        if exc.content:  # zeep wraps the XML syntax error of a non-empty reply
            return InvalidReply(
                f"The reply from {where} (HTTP {exc.status_code}) is not well-formed XML; it may "
                "have been cut off. Check the NetServer and any proxy in front of it."
            )
        return InvalidReply(
            f"The NetServer at {where} answered HTTP {exc.status_code} with no SOAP reply. "
            "Check that SUPEROFFICE_URL points at a NetServer."
        )
    if isinstance(exc, zeep.exceptions.XMLSyntaxError | lxml.etree.XMLSyntaxError):
        return InvalidReply(
            f"The reply from {where} is not a well-formed SOAP envelope. Check that "
            "SUPEROFFICE_URL points at a NetServer and not at a web page or proxy."
        )
    if isinstance(exc, zeep.exceptions.Error | ValueError | TypeError | AttributeError
                  | KeyError | IndexError | lxml.etree.LxmlError):
        # zeep raises these (XMLParseError, ValidationError, float('x')) while deserialising.
        return InvalidReply(
            f"The reply from {where} does not match the GetStatistics WSDL "
            f"({type(exc).__name__}). Check that SUPEROFFICE_URL points at a NetServer of "
            "version 8.7 or later."
        )
    if isinstance(exc, OSError):
        return NetServerUnreachable(
            f"Cannot reach the NetServer at {where}: {exc.strerror or type(exc).__name__}. "
            "Check SUPEROFFICE_URL and that the server is running."
        )
    return None


def scrub_chain(exc: BaseException, secrets: Sequence[str]) -> None:
    """Redact secrets from a lower exception and its causes, which tracebacks will show.

    A server may echo a ticket in a fault string; zeep keeps the whole reply on its errors.
    """
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if any(s and s in repr(current.args) for s in secrets):
            current.args = tuple(redact(a, secrets) if isinstance(a, str) else "***"
                                 for a in current.args)
        for name in ("message", "content", "detail"):
            value = getattr(current, name, None)
            if value is None:
                continue
            text = (value if isinstance(value, str) else
                    value.decode("utf-8", "replace") if isinstance(value, bytes) else
                    lxml.etree.tostring(value, encoding="unicode")
                    if isinstance(value, lxml.etree._Element) else "")
            if any(s and s in text for s in secrets):
                with contextlib.suppress(AttributeError, TypeError):
                    setattr(current, name, redact(text, secrets) if name == "message" else None)
        current = current.__cause__ or current.__context__


def _http_error(exc: HttpReplyError, settings: Settings) -> StatsClientError:
    where = exc.url.split("?", 1)[0]  # built from Settings, which refuses user info in URLs
    status = exc.status
    if status in (401, 403, 407):
        return AuthenticationFailed(
            f"The NetServer at {where} refused access (HTTP {status}). Check "
            "SUPEROFFICE_APP_TOKEN and the ticket or user name and password."
        )
    if status in (404, 405):
        return InvalidReply(
            f"No SOAP service at {where} (HTTP {status}). Check SUPEROFFICE_URL: it should be a "
            "site URL such as https://host/Cust12345 or the full CustomerService.svc URL."
        )
    if status in (502, 503, 504):
        return NetServerUnreachable(
            f"The NetServer at {where} is unavailable (HTTP {status} from the server or a "
            "proxy in front of it). Check that the NetServer is running."
        )
    what = "an HTML page" if "html" in exc.media_type else f"'{exc.media_type}' content"
    return InvalidReply(
        f"The NetServer at {where} answered HTTP {status} with {what} instead of a SOAP reply. "
        "Check that SUPEROFFICE_URL points at a NetServer and not at a web page or proxy."
    )


def _connection_reason(exc: BaseException) -> str:
    text = repr(exc).lower()
    if "refused" in text:
        return "connection refused"
    if any(s in text for s in ("name or service not known", "nodename nor servname",
                               "getaddrinfo", "nameresolution", "name resolution")):
        return "the host name does not resolve"
    if any(s in text for s in ("reset", "aborted", "remotedisconnected", "broken pipe",
                               "incompleteread", "prematurely", "chunked")):
        return "the connection was closed in the middle of the reply"
    if "unreachable" in text:
        return "the network is unreachable"
    return "the connection failed"


# -- zeep objects → records (the only place they are read) -------------------------------------
def _datasets(body: Any) -> tuple[DataSet, ...]:
    response = getattr(body, "Response", None)
    if response is None:  # nil Response: the NetServer has nothing for these functions
        return ()
    return tuple(_dataset(ds) for ds in (getattr(response, "StatisticsDataSet", None) or ()))


def _dataset(ds: Any) -> DataSet:
    if ds is None:  # a nil StatisticsDataSet keeps its place, with no values
        return DataSet(None, None, ())
    values = getattr(getattr(ds, "Values", None), "StatisticsDataValue", None) or ()
    return DataSet(_text(ds.Label), _text(ds.Description), tuple(_value(v) for v in values))


def _value(v: Any) -> DataValue:
    if v is None:  # nil value: keep its position, show as n/a
        return DataValue(None, math.nan, None)
    number = v.Value
    return DataValue(_text(v.Label), math.nan if number is None else float(number),
                     _text(v.Description))


def _text(value: Any) -> str | None:
    # zeep reads an empty element (<Label/>) as None, like i:nil: both become a missing label.
    return None if value is None else str(value)
