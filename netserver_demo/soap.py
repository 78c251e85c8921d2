"""SOAP 1.1 on the wire, as a WCF BasicHttpBinding endpoint writes it: request parsing and replies.

Requests are parsed with a hardened lxml parser (no DTD, no entities, no network). Replies are
written as text, because a 5,000-value reply must cost milliseconds, not a tree build.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from xml.sax.saxutils import escape

from lxml import etree

from ..frames import DataSet

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


@dataclass(frozen=True)
class ExceptionInfo:
    message: str
    exception_type: str
    friendly_text: str | None = None


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
