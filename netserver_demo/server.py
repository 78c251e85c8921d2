"""The demo NetServer: a real HTTP server that answers like SuperOffice NetServer Services87.

    >>> with DemoNetServer(seed=42) as srv:           # doctest: +SKIP
    ...     srv.url                                   # 'http://127.0.0.1:54321'
    ...     srv.set_fault(Fault.SLOW)

Endpoints (under `path_prefix`, matched case-insensitively as IIS does):

    POST /Remote/Services87/CustomerService.svc   GetStatistics
    GET  /Remote/Services87/CustomerService.svc?wsdl   the bundled WSDL, addresses rewritten
    POST /Remote/Services87/SoPrincipal.svc       AuthenticateUsernamePassword
    GET  /Remote/Services87/SoPrincipal.svc?wsdl  the same WSDL

Authentication (only checked when configured):
    app_token set   → a missing or wrong ApplicationToken gets Succeeded=false,
                      ExceptionType "SoApplicationTokenException".
    ticket or users → GetStatistics needs a valid Credentials/Ticket; none or an unknown one gets
                      Succeeded=false, ExceptionType "SoSecurityException"; a ticket revoked by
                      Fault.EXPIRED_TICKET gets "SoSessionExpiredException".
    users           → AuthenticateUsernamePassword checks the password; users=None accepts any
                      non-empty user name (demo). A wrong password is *not* an error: NetServer
                      answers Succeeded=true, AuthenticationSucceeded=false, Response and
                      Credentials nil.

Faults apply to GetStatistics only, except DOWN (the whole port) and SLOW (every SOAP call).
"""

from __future__ import annotations

import base64
import contextlib
import secrets
import socket
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit

from ..panels import PanelType
from . import soap
from .model import CURRENT_HANDLER, HANDLERS, HelpDeskModel

SERVICES = "/remote/services87"
CUSTOMER_SERVICE = "customerservice.svc"
SO_PRINCIPAL = "soprincipal.svc"

#: ExceptionType names the demo server answers with (Succeeded=false).
EXC_APP_TOKEN = "SoApplicationTokenException"  # noqa: S105 - a type name, not a secret
EXC_SECURITY = "SoSecurityException"
EXC_SESSION_EXPIRED = "SoSessionExpiredException"
EXC_SERVICE = "SoDatabaseException"


class Fault(Enum):
    """Fault modes, switchable while the server runs; values are the control port's names."""

    NONE = "none"
    DOWN = "down"  # listening socket closed: connection refused; same port reopened on clear
    SLOW = "slow"  # sleep `slow_seconds` before each SOAP answer
    SOAP_FAULT = "soap-fault"  # HTTP 500 s:Fault (InternalServiceFault)
    SERVICE_ERROR = "service-error"  # Succeeded=false with ExceptionInfo
    EXPIRED_TICKET = "expired-ticket"  # every ticket valid now is revoked once
    MALFORMED = "malformed"  # truncated XML, HTTP 200
    HTML = "html"  # HTTP 200 text/html error page, as a proxy or IIS sends


@dataclass(frozen=True)
class Request:
    """What an `add_route` handler receives."""

    method: str
    path: str  # without the query string
    query: str
    headers: Mapping[str, str]
    body: bytes


#: handler(request) -> (status, headers, body)
RouteHandler = Callable[[Request], tuple[int, Mapping[str, str], bytes]]

_HTML_ERROR = (
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


def _real_clock() -> datetime:
    return datetime.now().astimezone()


def _new_ticket() -> str:
    return "7T:" + base64.b64encode(secrets.token_bytes(24)).decode()


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 64
    owner: DemoNetServer

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that gave up (timeout during SLOW, DOWN closing it) is normal here; the
        # default prints a traceback on stderr, which a demo on a wall must never show.
        exc = sys.exc_info()[1]
        if isinstance(exc, ConnectionError | TimeoutError):
            return
        log = self.owner.log
        if log is not None:
            log(f"demo NetServer: request failed ({type(exc).__name__})")


class _Handler(BaseHTTPRequestHandler):
    server: _HTTPServer
    protocol_version = "HTTP/1.1"  # keep-alive, as IIS; DOWN closes live connections itself
    timeout = 30

    def version_string(self) -> str:
        return "Microsoft-IIS/10.0"

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in two writes; with Nagle on, a keep-alive client's delayed
        # ACK stalls every reply by 40 ms on loopback.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.server.owner._track(self.connection, add=True)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.owner._track(self.connection, add=False)

    def log_message(self, format: str, *args: Any) -> None:
        # Headers and bodies may carry tickets: log only the request line, and only when asked.
        log = self.server.owner.log
        if log is not None:
            log(f"{self.address_string()} {format % args}")

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def _dispatch(self, method: str) -> None:
        owner = self.server.owner
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if length < 0 or length > soap.MAX_REQUEST_BYTES:
            self._send(413, {"Content-Type": "text/plain"}, b"Request too large", close=True)
            return
        body = self.rfile.read(length) if length else b""
        split = urlsplit(self.path)
        req = Request(method, split.path, split.query, dict(self.headers.items()), body)
        try:
            status, headers, payload = owner._handle(req)
        except Exception:  # a bug in the demo must look like a server error, not hang a client
            status, headers, payload = (
                500,
                {"Content-Type": "text/xml; charset=utf-8"},
                soap.internal_service_fault(),
            )
        self._send(status, headers, payload)

    def _send(
        self, status: int, headers: Mapping[str, str], body: bytes, close: bool = False
    ) -> None:
        self.send_response(status)
        for k, v in headers.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        if close:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        self.wfile.write(body)


class DemoNetServer:
    """A demo NetServer on a daemon thread; `start()` returns self; also a context manager."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        seed: int = 42,
        ticket: str | None = None,
        app_token: str | None = None,
        users: Mapping[str, str] | None = None,
        clock: Callable[[], datetime] | None = None,
        path_prefix: str = "",
        extra_values: int = 0,
        slow_seconds: float = 3.0,
        log: Callable[[str], None] | None = None,
    ) -> None:
        self.host = host
        self._requested_port = port
        self.seed = seed
        self.model = HelpDeskModel(seed=seed, extra_values=extra_values)
        self.clock = clock or _real_clock
        prefix = path_prefix.strip("/")
        self.path_prefix = f"/{prefix}" if prefix else ""
        self.slow_seconds = slow_seconds
        self.log = log
        self._fixed_ticket = ticket
        self._app_token = app_token
        self._users = dict(users) if users is not None else None
        self._auth_required = ticket is not None or users is not None
        self._lock = threading.Lock()
        self._issued: set[str] = set()
        self._revoked: set[str] = set()
        self._fixed_revoked = False
        self._fault = Fault.NONE
        self._raw: tuple[bytes, int, str] | None = None
        self._counts: Counter[str] = Counter()
        self._routes: dict[tuple[str, str], RouteHandler] = {}
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._port: int | None = None
        self._connections: set[socket.socket] = set()
        self._wake = threading.Event()  # set on stop so SLOW sleepers return early
        self.last_request_headers: dict[str, str] = {}
        from .rest import attach_rest  # the REST WebAPI twin of GetStatistics (issue 4)

        self.rest = attach_rest(self)

    def __repr__(self) -> str:  # no ticket, token or password
        return (
            f"DemoNetServer(url={self.url if self._port else None!r}, fault={self._fault.value!r})"
        )

    # -- lifecycle -----------------------------------------------------------------------------
    def start(self) -> DemoNetServer:
        """Bind and serve on a daemon thread; returns self."""
        with self._lock:
            if self._httpd is None:
                self._wake.clear()
                self._bind(self._port if self._port is not None else self._requested_port)
        return self

    def _bind(self, port: int) -> None:
        httpd = _HTTPServer((self.host, port), _Handler)
        httpd.owner = self
        self._httpd = httpd
        self._port = httpd.server_address[1]
        self._thread = threading.Thread(
            target=httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"demo-netserver-{self._port}",
            daemon=True,
        )
        self._thread.start()

    def _unbind(self) -> None:
        httpd, thread = self._httpd, self._thread
        self._httpd = self._thread = None
        if httpd is None:
            return
        httpd.shutdown()
        httpd.server_close()
        if thread is not None:
            thread.join(timeout=5)
        # Keep-alive connections would otherwise keep being served after the socket closed.
        for conn in list(self._connections):
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)

    def _track(self, conn: socket.socket, add: bool) -> None:
        with self._lock:
            if add:
                self._connections.add(conn)
            else:
                self._connections.discard(conn)

    def stop(self) -> None:
        """Stop serving and close every connection; safe to call twice."""
        self._wake.set()
        with self._lock:
            self._unbind()

    def __enter__(self) -> DemoNetServer:
        return self.start()

    def __exit__(
        self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._port is None:
            raise RuntimeError("the demo NetServer has not been started")
        return self._port

    @property
    def url(self) -> str:
        """The site URL, e.g. http://127.0.0.1:54321/Cust12345."""
        host = self.host if self.host not in ("0.0.0.0", "::", "") else "127.0.0.1"
        if ":" in host:
            host = f"[{host}]"
        return f"http://{host}:{self.port}{self.path_prefix}"

    def service_url(self, service: str = "CustomerService") -> str:
        return f"{self.url}/Remote/Services87/{service}.svc"

    # -- faults and counters -------------------------------------------------------------------
    @property
    def fault(self) -> Fault:
        return self._fault

    def set_fault(self, fault: Fault | str) -> None:
        """Switch a fault on (a Fault or its control-port name); NONE is clear_fault()."""
        fault = Fault(fault)
        with self._lock:
            was_down = self._fault is Fault.DOWN
            self._fault = fault
            if fault is Fault.EXPIRED_TICKET:
                self._revoked |= self._issued
                self._issued = set()
                self._fixed_revoked = True
            if fault is Fault.NONE:
                self._raw = None
                self._fixed_revoked = False
            if fault is Fault.DOWN and not was_down and self._httpd is not None:
                self._unbind()
            elif was_down and fault is not Fault.DOWN and self._port is not None:
                self._bind(self._port)

    def clear_fault(self) -> None:
        """Back to normal: reopen the port after DOWN, forget serve_raw, accept the fixed ticket."""
        self.set_fault(Fault.NONE)

    def serve_raw(
        self, body: bytes, status: int = 200, content_type: str = "text/xml; charset=utf-8"
    ) -> None:
        """Answer every GetStatistics with exactly these bytes until clear_fault()."""
        with self._lock:
            self._raw = (bytes(body), status, content_type)

    def call_count(self, operation: str) -> int:
        """Requests per operation: GetStatistics, AuthenticateUsernamePassword, wsdl, unknown."""
        with self._lock:
            return self._counts[operation]

    def reset_counts(self) -> None:
        with self._lock:
            self._counts.clear()

    def counts(self) -> dict[str, int]:
        with self._lock:
            return dict(self._counts)

    def add_route(self, method: str, path: str, handler: RouteHandler) -> None:
        """Serve `method path` (exact, case-insensitive, query ignored, no path_prefix added)
        with `handler(request) -> (status, headers, body)`; checked before the SOAP endpoints."""
        self._routes[(method.upper(), path.lower().rstrip("/") or "/")] = handler

    # -- requests ------------------------------------------------------------------------------
    def _count(self, op: str) -> None:
        with self._lock:
            self._counts[op] += 1

    def _handle(self, req: Request) -> tuple[int, Mapping[str, str], bytes]:
        self.last_request_headers = dict(req.headers)
        path = req.path.lower().rstrip("/") or "/"
        route = self._routes.get((req.method, path))
        if route is not None:
            return route(req)
        base = f"{self.path_prefix.lower()}{SERVICES}/"
        service = path[len(base) :] if path.startswith(base) else ""
        if service not in (CUSTOMER_SERVICE, SO_PRINCIPAL):
            return (
                404,
                {"Content-Type": "text/html"},
                b"<html><body><h1>404 - File or directory not found.</h1></body></html>",
            )
        if req.method == "GET":
            if req.query.lower() in ("wsdl", "singlewsdl"):
                self._count("wsdl")
                return 200, {"Content-Type": "text/xml; charset=utf-8"}, self._wsdl(req)
            return 200, {"Content-Type": "text/html; charset=UTF-8"}, _SERVICE_PAGE
        if req.method != "POST":
            return 405, {"Content-Type": "text/plain", "Allow": "GET, POST"}, b"Method not allowed"
        ctype = req.headers.get("Content-Type", "")
        if not ctype.lower().startswith("text/xml"):
            # WCF's answer to a SOAP 1.2 (application/soap+xml) request on a BasicHttpBinding.
            msg = (
                f"Cannot process the message because the content type '{ctype}' was not the "
                "expected type 'text/xml; charset=utf-8'."
            ).encode()
            return 415, {"Content-Type": "text/plain"}, msg
        action = req.headers.get("SOAPAction", "").strip().strip('"')
        if self._fault is Fault.SLOW:
            self._wake.wait(self.slow_seconds)
        expected = (
            soap.GET_STATISTICS_ACTION if service == CUSTOMER_SERVICE else soap.AUTHENTICATE_ACTION
        )
        if action != expected:
            self._count("unknown")
            return 500, _XML, soap.action_not_supported(action)
        try:
            sreq = soap.parse_request(req.body)
        except soap.BadRequest:
            self._count("unknown")
            return 400, _XML, soap.fault_reply("Client", "The request message could not be read.")
        if service == CUSTOMER_SERVICE:
            self._count("GetStatistics")
            return self._get_statistics(sreq)
        self._count("AuthenticateUsernamePassword")
        return self._authenticate(sreq)

    def _wsdl(self, req: Request) -> bytes:
        text = resources.files("stats_client").joinpath("wsdl/services87.wsdl").read_text("utf-8")
        host = req.headers.get("Host")
        site = f"http://{host}{self.path_prefix}" if host else self.url
        for svc in ("CustomerService", "SoPrincipal"):
            text = text.replace(
                f"https://sod.superoffice.com/Cust12345/Remote/Services87/{svc}.svc",
                f"{site}/Remote/Services87/{svc}.svc",
            )
        return text.encode()

    def _token_error(self, sreq: soap.SoapRequest) -> soap.ExceptionInfo | None:
        if self._app_token is not None and sreq.application_token != self._app_token:
            return soap.ExceptionInfo("Application token is not valid", EXC_APP_TOKEN)
        return None

    def _ticket_error(self, ticket: str | None) -> soap.ExceptionInfo | None:
        with self._lock:
            fault = self._fault
            issued = ticket is not None and ticket in self._issued
            revoked = ticket is not None and ticket in self._revoked
            fixed = (
                ticket is not None
                and self._fixed_ticket is not None
                and ticket == self._fixed_ticket
            )
            fixed_ok = fixed and not self._fixed_revoked
        expired = soap.ExceptionInfo(
            "The session has expired: the ticket is no longer valid. Please log in again.",
            EXC_SESSION_EXPIRED,
        )
        if revoked or (fixed and not fixed_ok):
            return expired
        if fault is Fault.EXPIRED_TICKET and not issued:
            # Demo mode checks no tickets, but an expired-ticket fault must still be seen.
            return expired
        if not self._auth_required or issued or fixed_ok:
            return None
        if not ticket:
            return soap.ExceptionInfo(
                "No credentials: a ticket is required to call this service", EXC_SECURITY
            )
        return soap.ExceptionInfo("The ticket is not valid", EXC_SECURITY)

    def _get_statistics(self, sreq: soap.SoapRequest) -> tuple[int, Mapping[str, str], bytes]:
        if sreq.operation != "GetStatistics":
            return 500, _XML, soap.action_not_supported(soap.GET_STATISTICS_ACTION)
        with self._lock:
            raw, fault = self._raw, self._fault
        if raw is not None:
            return raw[1], {"Content-Type": raw[2]}, raw[0]
        if fault is Fault.SOAP_FAULT:
            return 500, _XML, soap.internal_service_fault()
        if fault is Fault.HTML:
            return 200, {"Content-Type": "text/html; charset=utf-8"}, _HTML_ERROR
        err = self._token_error(sreq) or self._ticket_error(sreq.ticket)
        if err is None and fault is Fault.SERVICE_ERROR:
            err = soap.ExceptionInfo(
                "Timeout expired. The timeout period elapsed prior to completion of the operation "
                "or the server is not responding.",
                EXC_SERVICE,
                "The statistics could not be read from the database.",
            )
        if err is not None:
            return 200, _XML, soap.error_reply("GetStatisticsResponse", err)
        try:
            panels = [PanelType.from_wire(f) for f in sreq.functions]
        except ValueError:
            # WCF cannot deserialize an unknown enum member: it is a fault, not Succeeded=false.
            return (
                500,
                _XML,
                soap.fault_reply(
                    "Client",
                    "The formatter threw an exception while trying to deserialize the message.",
                ),
            )
        now = self.clock()
        body = soap.statistics_reply(ds for p in panels for ds in self.model.datasets(p, now))
        if fault is Fault.MALFORMED:
            body = body[: max(1, len(body) // 2)]
        return 200, _XML, body

    def _authenticate(self, sreq: soap.SoapRequest) -> tuple[int, Mapping[str, str], bytes]:
        if sreq.operation != "AuthenticateUsernamePassword":
            return 500, _XML, soap.action_not_supported(soap.AUTHENTICATE_ACTION)
        err = self._token_error(sreq)
        if err is not None:
            return 200, _XML, soap.error_reply("AuthenticateResponse", err)
        user = sreq.user_name or ""
        if self._users is None:
            ok = bool(user)
        else:
            expected = self._users.get(user)
            ok = expected is not None and secrets.compare_digest(
                expected.encode(), (sreq.password or "").encode()
            )
        if not ok:
            return 200, _XML, soap.authenticate_reply(False, None, user, 0, "")
        ticket = _new_ticket()
        with self._lock:
            self._issued.add(ticket)
        full_name = HANDLERS[CURRENT_HANDLER][0]
        return 200, _XML, soap.authenticate_reply(True, ticket, user, 5, full_name)

    # used by tests and the control port
    def wait_until_refused(self, timeout: float = 2.0) -> bool:
        """True once a TCP connect to the port is refused (DOWN has taken effect)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                with socket.create_connection((self.host, self.port), timeout=0.2):
                    pass
            except OSError:
                return True
            time.sleep(0.02)
        return False


_XML = {"Content-Type": "text/xml; charset=utf-8"}
