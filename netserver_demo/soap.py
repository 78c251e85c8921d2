"""NetServer Services87 over SOAP 1.1, as a WCF BasicHttpBinding endpoint answers it.

    POST {site}/Remote/Services87/CustomerService.svc        GetStatistics
    GET  {site}/Remote/Services87/CustomerService.svc?wsdl   the bundled WSDL, addresses rewritten
    POST {site}/Remote/Services87/SoPrincipal.svc            AuthenticateUsernamePassword
    GET  {site}/Remote/Services87/SoPrincipal.svc?wsdl       the same WSDL

Requests are parsed with a hardened lxml parser (no DTD, no entities, no network). Replies are
written as text, because a 5,000-value reply must cost milliseconds, not a tree build.

Authentication (only checked when configured; the rules are `DemoState`'s):
    app_token set   → a missing or wrong ApplicationToken gets Succeeded=false,
                      ExceptionType "SoApplicationTokenException".
    ticket or users → GetStatistics needs a valid Credentials/Ticket; none or an unknown one gets
                      Succeeded=false, ExceptionType "SoSecurityException"; a ticket revoked by
                      Fault.EXPIRED_TICKET gets "SoSessionExpiredException".
    users           → AuthenticateUsernamePassword checks the password; users=None accepts any
                      non-empty user name (demo). A wrong password is *not* an error: NetServer
                      answers Succeeded=true, AuthenticationSucceeded=false, Response and
                      Credentials nil.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib import resources
from xml.sax.saxutils import escape

from lxml import etree

from stats_client import DataSet, PanelType

from .model import CURRENT_HANDLER, HANDLERS
from .request import Reply, Request
from .source import DataSource, answer_statistics
from .state import SERVICE_ERROR, DemoState, ExceptionInfo, Fault

NS = "http://www.superoffice.net/ws/crm/NetServer/Services87"
SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
ACTION_BASE = NS
GET_STATISTICS_ACTION = f"{NS}/CustomerService/GetStatistics"
AUTHENTICATE_ACTION = f"{NS}/SoPrincipal/AuthenticateUsernamePassword"
MAX_REQUEST_BYTES = 1_000_000


class BadRequest(Exception):
    """The request is not a SOAP 1.1 envelope we can read."""


@dataclass
class SoapRequest:
    operation: str  # local name of the body's first element
    application_token: str | None = None
    ticket: str | None = None
    functions: list[str] = field(default_factory=list)
    user_name: str | None = None
    password: str | None = None

    def __repr__(self) -> str:  # never show the secrets
        return f"SoapRequest(operation={self.operation!r}, functions={self.functions!r})"


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )


def _text(el: etree._Element | None) -> str | None:
    if el is None or el.get(f"{{{XSI}}}nil") == "true":
        return None
    return el.text or ""


def parse_request(body: bytes) -> SoapRequest:
    """Read the parts of a request the demo server needs; BadRequest when it is not SOAP 1.1."""
    if len(body) > MAX_REQUEST_BYTES:
        raise BadRequest("request too large")
    try:
        root = etree.fromstring(body, _parser())
    except etree.XMLSyntaxError as exc:
        raise BadRequest(f"not well-formed XML: {exc}") from None
    if root.getroottree().docinfo.doctype:
        raise BadRequest("DTDs are not allowed")
    if root.tag != f"{{{SOAP_ENV}}}Envelope":
        raise BadRequest(f"expected a SOAP 1.1 Envelope, got {etree.QName(root).localname!r}")
    header = root.find(f"{{{SOAP_ENV}}}Header")
    body_el = root.find(f"{{{SOAP_ENV}}}Body")
    if body_el is None or len(body_el) == 0:
        raise BadRequest("the Envelope has no Body element")
    op_el = body_el[0]
    req = SoapRequest(operation=etree.QName(op_el).localname)
    if header is not None:
        # wsa:* and anything else foreign is ignored, as WCF does with headers it does not know.
        req.application_token = _text(header.find(f"{{{NS}}}ApplicationToken"))
        req.ticket = _text(header.find(f"{{{NS}}}Credentials/{{{NS}}}Ticket"))
    funcs = op_el.find(f"{{{NS}}}Functions")
    if funcs is not None:
        req.functions = [
            (f.text or "").strip() for f in funcs.findall(f"{{{NS}}}StatusScreenPanelType")
        ]
    req.user_name = _text(op_el.find(f"{{{NS}}}UserName"))
    req.password = _text(op_el.find(f"{{{NS}}}Password"))
    return req


# -- replies ---------------------------------------------------------------------------------

_NIL = f' xmlns:i="{XSI}" i:nil="true"'


def _s(tag: str, value: str | None) -> str:
    if value is None:
        return f'<{tag} i:nil="true"/>'
    return f"<{tag}>{escape(value)}</{tag}>"


def format_double(v: float) -> str:
    """xs:double as .NET writes it: NaN, INF, -INF, integers without a fraction."""
    if math.isnan(v):
        return "NaN"
    if math.isinf(v):
        return "INF" if v > 0 else "-INF"
    if v == int(v) and abs(v) < 1e15:
        return str(int(v))
    return repr(v)


def _headers(succeeded: bool, exc: ExceptionInfo | None) -> str:
    if exc is None:
        info = f'<ExceptionInfo xmlns="{NS}"{_NIL}/>'
    else:
        info = (
            f'<ExceptionInfo xmlns="{NS}" xmlns:i="{XSI}">'
            f"<Message>{escape(exc.message)}</Message>"
            "<StackTrace/>"
            f"<FriendlyText>{escape(exc.friendly_text or exc.message)}</FriendlyText>"
            f"<ExceptionType>{escape(exc.exception_type)}</ExceptionType>"
            "<Source>SuperOffice.Services.Implementation</Source>"
            '<InnerException i:nil="true"/>'
            '<Parameters i:nil="true"/>'
            "</ExceptionInfo>"
        )
    return (
        "<s:Header>"
        f"{info}"
        f'<ExtraInfo xmlns="{NS}"{_NIL}/>'
        f'<Succeeded xmlns="{NS}">{"true" if succeeded else "false"}</Succeeded>'
        f'<TimeZone xmlns="{NS}"{_NIL}/>'
        "</s:Header>"
    )


def _envelope(headers: str, body: str) -> bytes:
    return (
        f'<s:Envelope xmlns:s="{SOAP_ENV}">{headers}<s:Body>{body}</s:Body></s:Envelope>'
    ).encode()


def statistics_reply(datasets: Iterable[DataSet]) -> bytes:
    """GetStatisticsResponse with Succeeded=true."""
    parts: list[str] = [f'<GetStatisticsResponse xmlns="{NS}"><Response xmlns:i="{XSI}">']
    add = parts.append
    for ds in datasets:
        add('<StatisticsDataSet><TableRight i:nil="true"/><FieldProperties i:nil="true"/>')
        add(_s("Label", ds.label))
        add("<Values>")
        for v in ds.values:
            add(
                '<StatisticsDataValue><TableRight i:nil="true"/><FieldProperties i:nil="true"/>'
                f"{_s('Label', v.label)}<Value>{format_double(v.value)}</Value>"
                f"{_s('Description', v.description)}</StatisticsDataValue>"
            )
        add("</Values>")
        add(_s("Description", ds.description))
        add("</StatisticsDataSet>")
    add("</Response></GetStatisticsResponse>")
    return _envelope(_headers(True, None), "".join(parts))


def error_reply(response_element: str, exc: ExceptionInfo) -> bytes:
    """Succeeded=false with ExceptionInfo and an empty response element, as NetServer answers."""
    return _envelope(_headers(False, exc), f'<{response_element} xmlns="{NS}"/>')


def authenticate_reply(
    succeeded: bool, ticket: str | None, associate: str, associate_id: int, full_name: str
) -> bytes:
    """AuthenticateResponse; a refused password is AuthenticationSucceeded=false, not a fault."""
    if succeeded and ticket is not None:
        # A few SoPrincipalCarrier fields, in the published order; a NetServer sends ~25.
        principal = (
            "<Response><UserType>InternalAssociate</UserType>"
            f"{_s('Associate', associate)}<AssociateId>{associate_id}</AssociateId>"
            f"<IsPerson>true</IsPerson><PersonId>{associate_id + 100}</PersonId>"
            "<CountryId>578</CountryId><HomeCountryId>578</HomeCountryId>"
            "<ContactId>2</ContactId><GroupId>1</GroupId>"
            f"{_s('RoleName', 'Customer service')}"
            '<Licenses i:nil="true"/>'
            f"{_s('FullName', full_name)}{_s('EMailAddress', None)}"
            "</Response>"
            f"<Credentials><Ticket>{escape(ticket)}</Ticket></Credentials>"
            "<AuthenticationSucceeded>true</AuthenticationSucceeded>"
        )
    else:
        principal = (
            '<Response i:nil="true"/><Credentials i:nil="true"/>'
            "<AuthenticationSucceeded>false</AuthenticationSucceeded>"
        )
    body = f'<AuthenticateResponse xmlns="{NS}" xmlns:i="{XSI}">{principal}</AuthenticateResponse>'
    return _envelope(_headers(True, None), body)


ADDRESSING_NONE = "http://schemas.microsoft.com/ws/2005/05/addressing/none"
WCF_DISPATCHER = (
    "http://schemas.microsoft.com/net/2005/12/windowscommunicationfoundation/dispatcher"
)


def fault_reply(code: str, message: str, *, code_ns: str | None = None) -> bytes:
    """A SOAP 1.1 s:Fault as WCF writes it (sent with HTTP 500); `code_ns` qualifies the code."""
    if code_ns:
        faultcode = f'<faultcode xmlns:a="{code_ns}">a:{escape(code)}</faultcode>'
    else:
        faultcode = f"<faultcode>s:{escape(code)}</faultcode>"
    text = f'<faultstring xml:lang="en-US">{escape(message)}</faultstring>'
    body = f"<s:Fault>{faultcode}{text}</s:Fault>"
    return _envelope("", body)


def action_not_supported(action: str) -> bytes:
    return fault_reply(
        "ActionNotSupported",
        f"The message with Action '{action}' cannot be processed at the receiver, due to a "
        "ContractFilter mismatch at the EndpointDispatcher. This may be because of either a "
        "contract mismatch (mismatched Actions between sender and receiver) or a "
        "binding/security mismatch between the sender and the receiver.  Check that sender and "
        "receiver have the same contract and the same binding (including security requirements, "
        "e.g. Message, Transport, None).",
        code_ns=ADDRESSING_NONE,
    )


INTERNAL_ERROR_TEXT = (
    "The server was unable to process the request due to an internal error.  For more "
    "information about the error, either turn on IncludeExceptionDetailInFaults (either from "
    "ServiceBehaviorAttribute or from the <serviceDebug> configuration behavior) on the server "
    "in order to send the exception information back to the client, or turn on tracing as per "
    "the Microsoft .NET Framework SDK documentation and inspect the server trace logs."
)


def internal_service_fault() -> bytes:
    """What WCF sends for an unhandled exception when exception details are off."""
    return fault_reply("InternalServiceFault", INTERNAL_ERROR_TEXT, code_ns=WCF_DISPATCHER)


# -- the endpoint ----------------------------------------------------------------------------

SERVICES = "/remote/services87"
CUSTOMER_SERVICE = "customerservice.svc"
SO_PRINCIPAL = "soprincipal.svc"
XML = {"Content-Type": "text/xml; charset=utf-8"}

HTML_ERROR = (
    b'<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN" '
    b'"http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd">\r\n'
    b'<html xmlns="http://www.w3.org/1999/xhtml"><head>'
    b"<title>Service Unavailable</title></head><body>"
    b"<h1>Service Unavailable</h1><p>HTTP Error 503. The service is unavailable.</p>"
    b"<p>The site is being updated; please try again in a few minutes.</p></body></html>"
)
_SERVICE_PAGE = (
    b"<html><head><title>Service</title></head>"
    b"<body><p>You have created a service.</p></body></html>"
)
_NOT_FOUND = b"<html><body><h1>404 - File or directory not found.</h1></body></html>"


def bundled_wsdl() -> str:
    # The very WSDL the client bundles: one contract for both sides.
    return resources.files("stats_client").joinpath("wsdl/services87.wsdl").read_text("utf-8")


class SoapEndpoint:
    """CustomerService and SoPrincipal under `path_prefix`, matched case-insensitively as IIS does.

    Faults apply to GetStatistics only, except SLOW (every SOAP call)."""

    def __init__(self, state: DemoState, source: DataSource, path_prefix: str) -> None:
        self.state = state
        self.source = source
        self.path_prefix = path_prefix

    def __repr__(self) -> str:
        return f"SoapEndpoint(path_prefix={self.path_prefix!r})"

    def handle(self, req: Request, site: str) -> Reply:
        """Answer `req`; `site` is the server's URL, used when the request names no Host."""
        path = req.path.lower().rstrip("/") or "/"
        base = f"{self.path_prefix.lower()}{SERVICES}/"
        service = path[len(base) :] if path.startswith(base) else ""
        if service not in (CUSTOMER_SERVICE, SO_PRINCIPAL):
            return 404, {"Content-Type": "text/html"}, _NOT_FOUND
        if req.method == "GET":
            if req.query.lower() in ("wsdl", "singlewsdl"):
                self.state.count("wsdl")
                return 200, XML, self._wsdl(req, site)
            return 200, {"Content-Type": "text/html; charset=UTF-8"}, _SERVICE_PAGE
        if req.method != "POST":
            return 405, {"Content-Type": "text/plain", "Allow": "GET, POST"}, b"Method not allowed"
        ctype = req.header("Content-Type")
        if not ctype.lower().startswith("text/xml"):
            # WCF's answer to a SOAP 1.2 (application/soap+xml) request on a BasicHttpBinding.
            msg = (
                f"Cannot process the message because the content type '{ctype}' was not the "
                "expected type 'text/xml; charset=utf-8'."
            ).encode()
            return 415, {"Content-Type": "text/plain"}, msg
        action = req.header("SOAPAction").strip().strip('"')
        self.state.pause_if_slow()
        expected = GET_STATISTICS_ACTION if service == CUSTOMER_SERVICE else AUTHENTICATE_ACTION
        if action != expected:
            self.state.count("unknown")
            return 500, XML, action_not_supported(action)
        try:
            sreq = parse_request(req.body)
        except BadRequest:
            self.state.count("unknown")
            return 400, XML, fault_reply("Client", "The request message could not be read.")
        if service == CUSTOMER_SERVICE:
            self.state.count("GetStatistics")
            return self._get_statistics(sreq)
        self.state.count("AuthenticateUsernamePassword")
        return self._authenticate(sreq)

    def _wsdl(self, req: Request, site: str) -> bytes:
        host = req.header("Host")
        if host:
            site = f"http://{host}{self.path_prefix}"
        text = bundled_wsdl()
        for svc in ("CustomerService", "SoPrincipal"):
            text = text.replace(
                f"https://sod.superoffice.com/Cust12345/Remote/Services87/{svc}.svc",
                f"{site}/Remote/Services87/{svc}.svc",
            )
        return text.encode()

    def _get_statistics(self, sreq: SoapRequest) -> Reply:
        if sreq.operation != "GetStatistics":
            return 500, XML, action_not_supported(GET_STATISTICS_ACTION)
        state = self.state
        raw, fault = state.raw("soap"), state.fault
        if raw is not None:
            return raw[1], {"Content-Type": raw[2]}, raw[0]
        if fault is Fault.SOAP_FAULT:
            return 500, XML, internal_service_fault()
        if fault is Fault.HTML:
            return 200, {"Content-Type": "text/html; charset=utf-8"}, HTML_ERROR
        err = (state.scripted_refusal("GetStatistics")
               or state.app_token_refusal(sreq.application_token)
               or state.ticket_refusal(sreq.ticket))
        if err is None and fault is Fault.SERVICE_ERROR:
            err = SERVICE_ERROR
        if err is not None:
            return 200, XML, error_reply("GetStatisticsResponse", err)
        try:
            panels = [PanelType.from_wire(f) for f in sreq.functions]
        except ValueError:
            # WCF cannot deserialize an unknown enum member: it is a fault, not Succeeded=false.
            text = "The formatter threw an exception while trying to deserialize the message."
            return 500, XML, fault_reply("Client", text)
        return answer_statistics(self.source, "soap", panels, state.clock(), statistics_reply,
                                 XML["Content-Type"], fault is Fault.MALFORMED)

    def _authenticate(self, sreq: SoapRequest) -> Reply:
        if sreq.operation != "AuthenticateUsernamePassword":
            return 500, XML, action_not_supported(AUTHENTICATE_ACTION)
        err = self.state.scripted_refusal("login") or self.state.app_token_refusal(
            sreq.application_token)
        if err is not None:
            return 200, XML, error_reply("AuthenticateResponse", err)
        user = sreq.user_name or ""
        if not self.state.password_ok(user, sreq.password or ""):
            return 200, XML, authenticate_reply(False, None, user, 0, "")
        ticket = self.state.issue_ticket()
        full_name = HANDLERS[CURRENT_HANDLER][0]
        return 200, XML, authenticate_reply(True, ticket, user, 5, full_name)
