"""The SOAP wire: `CustomerService.GetStatistics` over Services87 with zeep.

zeep's transport here is a thin caller of the HTTP edge (`http.bounded_request`): replies are
bounded in size and time, redirects refused, and anything that is not a SOAP reply (an HTML
page, a 401) is refused before zeep parses it. This is the one place where zeep and lxml errors
become the `errors` family, and the one place where zeep objects become plain records.

    >>> SoapWire(Settings("http://127.0.0.1:8087")).endpoint
    'http://127.0.0.1:8087/Remote/Services87/CustomerService.svc'
"""

from __future__ import annotations

import contextlib
import functools
import math
from collections.abc import Sequence
from dataclasses import replace
from importlib import resources
from typing import Any

import lxml.etree
import requests
import zeep
import zeep.exceptions
from zeep.exceptions import DTDForbidden
from zeep.transports import Transport
from zeep.wsdl import Document

from .auth import check_succeeded, soprincipal_login
from .credentials import PasswordLoginCall, Proof
from .errors import ConfigurationError, InvalidReply, StatsClientError
from .frames import DataSet, DataValue
from .http import (
    PLAIN_STATUSES,
    Exchange,
    Observer,
    Peer,
    bounded_request,
    media_type,
    new_session,
    origin,
    redact,
    status_error,
    unreachable,
)
from .panels import PanelType
from .settings import Settings

NS = "http://www.superoffice.net/ws/crm/NetServer/Services87"
CUSTOMER_SERVICE_BINDING = f"{{{NS}}}BasicHttpBinding_CustomerService"
SOPRINCIPAL_BINDING = f"{{{NS}}}BasicHttpBinding_SoPrincipal"
_BINDINGS = {"CustomerService": CUSTOMER_SERVICE_BINDING, "SoPrincipal": SOPRINCIPAL_BINDING}

#: Media types a SOAP 1.1 reply may come with (no Content-Type: zeep assumes text/xml).
_XML_TYPES = frozenset({"text/xml", "application/xml", "application/soap+xml", "multipart/related"})
_DOCTYPE_MARKERS = tuple(
    variant
    for text in ("<!DOCTYPE", "<!doctype")
    for variant in (text.encode("ascii"), text.encode("utf-16-le"), text.encode("utf-16-be"))
)
#: zeep's and lxml's refusals of a reply → our sentence; the first row that matches wins.
_REPLY_ERRORS: tuple[tuple[tuple[type[Exception], ...], str], ...] = (
    ((zeep.exceptions.DTDForbidden, zeep.exceptions.EntitiesForbidden),
     "The reply from {where} carries a document type declaration or entities, which a SOAP "
     "reply never does; it was refused without expanding them. Check that SUPEROFFICE_URL "
     "points at the NetServer itself and not at a proxy."),
    ((zeep.exceptions.ExternalReferenceForbidden,),
     "The reply or WSDL from {where} refers to an external document, which was not fetched. "
     "Unset SUPEROFFICE_USE_SERVER_WSDL to use the bundled WSDL."),
    ((zeep.exceptions.XMLSyntaxError, lxml.etree.XMLSyntaxError),
     "The reply from {where} is not a well-formed SOAP envelope. Check that SUPEROFFICE_URL "
     "points at a NetServer and not at a web page or proxy."),
    # zeep raises these (XMLParseError, ValidationError, float('x')) while deserialising.
    ((zeep.exceptions.Error, ValueError, TypeError, AttributeError, KeyError, IndexError,
      lxml.etree.LxmlError),
     "The reply from {where} does not match the GetStatistics WSDL ({name}). Check that "
     "SUPEROFFICE_URL points at a NetServer of version 8.7 or later."),
)
_HTTP_REFUSAL_HINT = ("Check SUPEROFFICE_APP_TOKEN and the ticket or user name and password.")


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


class LimitedTransport(Transport):
    """zeep's transport over the HTTP edge: bounded replies, no redirects, no body logs.

    zeep's own transport reads whole replies into memory, has no operation timeout by default,
    follows redirects with the body (ticket, password) and logs request bodies at DEBUG.
    `allowed_origin` (scheme://host:port) restricts WSDL and schema loading to the NetServer
    itself, so a server WSDL cannot make us fetch from elsewhere.
    """

    def __init__(self, *, session: requests.Session, peer: Peer, timeout: float,
                 max_reply_bytes: int, allowed_origin: str | None = None) -> None:
        agent = session.headers.get("User-Agent")
        super().__init__(  # type: ignore[no-untyped-call]  # zeep's __init__ has no hints
            cache=None, timeout=timeout, operation_timeout=timeout, session=session)
        # zeep mounts a file:// adapter and sets its own user agent: a reply or WSDL must
        # never reach files, and the edge's session names us.
        self.session.adapters.pop("file://", None)
        if agent is not None:
            self.session.headers["User-Agent"] = agent
        self.peer = peer
        self.max_reply_bytes = max_reply_bytes
        self.allowed_origin = allowed_origin
        self.seconds = timeout
        self.observer: Observer | None = None  # sees SOAP POST replies while set
        #: What an HTTP 401/403 tells to check: the credential's own hint during GetStatistics.
        self.refusal_hint = _HTTP_REFUSAL_HINT

    def post(self, address: str, message: bytes | str,
             headers: dict[str, str]) -> requests.Response:
        # No debug log of `message`: the envelope carries the ticket and the password.
        return self._request("POST", address, soap=True, data=message, headers=headers,
                             observe=self.observer)

    def get(self, address: str, params: dict[str, Any] | None,
            headers: dict[str, str] | None) -> requests.Response:
        return self._request("GET", address, soap=True, params=params, headers=headers)

    def _load_remote_data(self, url: str) -> bytes:
        if self.allowed_origin is not None and origin(url) != self.allowed_origin:
            raise InvalidReply(
                f"The server's WSDL refers to a document on another server ({origin(url)}); "
                "it was not fetched. Unset SUPEROFFICE_USE_SERVER_WSDL to use the bundled WSDL."
            )
        response = self._request("GET", url, soap=False)
        if response.status_code != 200:
            raise status_error(response.status_code, media_type(response, "text/xml"),
                               self._peer_for(url), refusal_hint=_HTTP_REFUSAL_HINT)
        return response.content

    def _request(self, method: str, url: str, *, soap: bool, **kwargs: Any) -> requests.Response:
        peer = self._peer_for(url)

        def soap_or_refused(response: requests.Response) -> None:
            media = media_type(response, "text/xml")
            if response.status_code in PLAIN_STATUSES or (soap and media not in _XML_TYPES):
                raise status_error(response.status_code, media, peer,
                                   refusal_hint=self.refusal_hint)

        response = bounded_request(self.session, method, url, peer=peer, timeout=self.seconds,
                                   limit=self.max_reply_bytes, before_body=soap_or_refused,
                                   **kwargs)
        if soap and has_doctype(response.content):
            # Refused before any parser sees it: no entity, external DTD or bomb is touched.
            raise DTDForbidden("unparsed", None, None)  # type: ignore[no-untyped-call]
        return response

    def _peer_for(self, url: str) -> Peer:
        # The address asked (a WSDL, SoPrincipal), without a query string.
        return replace(self.peer, where=url.split("?", 1)[0])


def has_doctype(body: bytes) -> bool:
    """Whether a reply declares a DTD (in UTF-8 or UTF-16), which no SOAP reply may do."""
    return any(marker in body for marker in _DOCTYPE_MARKERS)


class SoapWire:
    """One GetStatistics call over SOAP with a given ticket; SoPrincipal login for passwords."""


    def __init__(self, settings: Settings, *, session: requests.Session | None = None) -> None:
        self._settings = settings
        self._own_session = session is None
        self.endpoint = settings.display_url
        self.peer = Peer(
            "the NetServer", self.endpoint, expects="a SOAP reply",
            missing=("Check SUPEROFFICE_URL: it should be a site URL such as "
                     "https://host/Cust12345 or the full CustomerService.svc URL."))
        self._transport = LimitedTransport(
            session=new_session(verify_tls=settings.verify_tls, agent="zeep", session=session),
            peer=self.peer, timeout=settings.timeout, max_reply_bytes=settings.max_reply_bytes,
            allowed_origin=origin(settings.site_url) if settings.use_server_wsdl else None,
        )
        self._zeep: zeep.Client | None = None
        self._services: dict[str, Any] = {}
        self.last_exchange: Exchange | None = None

    @property
    def password_login(self) -> PasswordLoginCall | None:
        """SoPrincipal's login: a user name and password → a ticket."""
        return self._login

    def get_statistics(self, panels: Sequence[PanelType], proof: Proof | None, *,
                       refusal_hint: str, secrets: Sequence[str]) -> tuple[DataSet, ...]:
        headers: dict[str, Any] = {}
        if self._settings.app_token:
            headers["ApplicationToken"] = self._settings.app_token
        if proof is not None:
            if proof.scheme != "ticket":  # Settings refuses a bearer token over SOAP
                raise ConfigurationError("Over SOAP, only a ticket proves who we are; set "
                                         "SUPEROFFICE_TRANSPORT=rest for this credential.")
            headers["Credentials"] = {"Ticket": proof.secret}
        functions = {"StatusScreenPanelType": [p.wire_name for p in panels]}
        service = self._service()
        self._transport.observer = self._record
        self._transport.refusal_hint = refusal_hint
        try:
            result = service.GetStatistics(Functions=functions, _soapheaders=headers)
        finally:
            self._transport.observer = None
            self._transport.refusal_hint = _HTTP_REFUSAL_HINT
        check_succeeded(getattr(result, "header", None), operation="GetStatistics",
                        secrets=secrets, refusal_hint=refusal_hint)
        return read_datasets(getattr(result, "body", None))

    def convert_error(self, exc: Exception, secrets: Sequence[str]) -> StatsClientError | None:
        """The `errors` family member for a zeep or lxml error, or None for a programming error.

        The secrets are scrubbed from the lower error first: it stays the `__cause__`.
        """
        scrub_chain(exc, secrets)
        where = self.endpoint
        if isinstance(exc, zeep.exceptions.Fault):
            said = redact(str(exc.message or "no fault string"), secrets)
            return InvalidReply(
                f"The NetServer at {where} answered with a SOAP fault: {said}. "
                "Check the NetServer's log and that SUPEROFFICE_URL names its CustomerService."
            )
        if isinstance(exc, zeep.exceptions.TransportError):
            if exc.content:  # zeep wraps the XML syntax error of a non-empty reply
                return InvalidReply(
                    f"The reply from {where} (HTTP {exc.status_code}) is not well-formed XML; it "
                    "may have been cut off. Check the NetServer and any proxy in front of it."
                )
            return InvalidReply(
                f"The NetServer at {where} answered HTTP {exc.status_code} with no SOAP reply. "
                "Check that SUPEROFFICE_URL points at a NetServer."
            )
        for kinds, sentence in _REPLY_ERRORS:
            if isinstance(exc, kinds):
                return InvalidReply(sentence.format(where=where, name=type(exc).__name__))
        if isinstance(exc, OSError):
            return unreachable(exc, self.peer, self._settings.timeout)
        return None

    def close(self) -> None:
        if self._own_session:
            self._transport.session.close()

    def _record(self, exchange: Exchange) -> None:
        self.last_exchange = exchange

    def _login(self, user: str, password: str) -> str:
        return soprincipal_login(self._service("SoPrincipal"), user=user, password=password,
                                 app_token=self._settings.app_token)

    def _service(self, name: str = "CustomerService") -> Any:
        """The zeep proxy of a Services87 service (CustomerService, SoPrincipal), made once."""
        if name not in self._services:
            client: Any = self._zeep_client()
            self._services[name] = client.create_service(
                _BINDINGS[name], self._settings.service_url(name))
        return self._services[name]

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


# -- zeep objects → records (the only place they are read) -------------------------------------
def read_datasets(body: Any) -> tuple[DataSet, ...]:
    """The data sets of a GetStatistics reply body, as records (no zeep object leaves)."""
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
