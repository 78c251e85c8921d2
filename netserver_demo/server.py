"""The demo NetServer: a real HTTP server that answers like SuperOffice NetServer Services87.

    >>> with DemoNetServer(seed=42) as srv:           # doctest: +SKIP
    ...     srv.url                                   # 'http://127.0.0.1:54321'
    ...     srv.set_fault(Fault.SLOW)

It composes the routes: SOAP (`soap.SoapEndpoint`, the fallback for every path no route
claims), the REST WebAPI twin (`rest.RestEndpoint`, `srv.rest`), and whatever `add_route` adds
(the partner login, tests' own handlers). The routes share one `DemoState` (`srv.state`).

Faults apply to GetStatistics only, except DOWN (the whole port) and SLOW (every call).
"""

from __future__ import annotations

import contextlib
import socket
import sys
import threading
import time
from collections.abc import Callable, Mapping
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit

from . import soap
from .model import HelpDeskModel
from .replay import Capture
from .request import Reply, Request, RouteHandler
from .rest import RestEndpoint
from .shapes import Scaled, Shaped
from .source import DataSource
from .state import DemoState, Fault


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
    """A demo NetServer on a daemon thread; `start()` returns self; also a context manager.

    `shapes` names a shape variant of the model (`shapes.SHAPES`); `replay` serves a capture
    (`replay.load_capture`) instead, accepting any credentials."""

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
        shapes: str = "standard",
        replay: Capture | None = None,
        scale: int = 1,
    ) -> None:
        if replay is not None and (ticket or app_token or users or shapes != "standard"):
            raise ValueError("a replay accepts any credentials and has its own shapes: give no "
                             "ticket, app_token, users or shapes with replay")
        self.host = host
        self._requested_port = port
        self.seed = seed
        self.model = HelpDeskModel(seed=seed, extra_values=extra_values)
        #: What GetStatistics answers from: the model in a shape variant, or the capture.
        self.source: DataSource = replay if replay is not None else Shaped(self.model, shapes)
        if scale != 1:  # every count multiplied: a desk of millions (shapes.Scaled)
            self.source = Scaled(self.source, scale)
        prefix = path_prefix.strip("/")
        self.path_prefix = f"/{prefix}" if prefix else ""
        self.log = log
        self.state = DemoState(
            ticket=ticket, app_token=app_token, users=users, clock=clock,
            slow_seconds=slow_seconds, accept_any=replay is not None,
        )
        self.soap = soap.SoapEndpoint(self.state, self.source, self.path_prefix)
        self.rest = RestEndpoint(self.state, self.source, self.path_prefix)
        self._lock = threading.Lock()
        self._routes: dict[tuple[str, str], RouteHandler] = {}
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._port: int | None = None
        self._connections: set[socket.socket] = set()
        self.last_request_headers: dict[str, str] = {}
        self.add_route("POST", self.rest.path, self.rest.handle)

    def __repr__(self) -> str:  # no ticket, token or password
        return (
            f"DemoNetServer(url={self.url if self._port else None!r}, fault={self.fault.value!r})"
        )

    @property
    def clock(self) -> Callable[[], datetime]:
        """The server's time, shared by every route."""
        return self.state.clock

    @property
    def slow_seconds(self) -> float:
        return self.state.slow_seconds

    # -- lifecycle -----------------------------------------------------------------------------
    def start(self) -> DemoNetServer:
        """Bind and serve on a daemon thread; returns self."""
        with self._lock:
            if self._httpd is None:
                self.state.wake(stopping=False)
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
        self.state.wake(stopping=True)
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
        return self.state.fault

    def set_fault(self, fault: Fault | str) -> None:
        """Switch a fault on (a Fault or its control-port name); NONE is clear_fault()."""
        with self._lock:
            fault = Fault(fault)
            was_down = self.state.set_fault(fault) is Fault.DOWN
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
        """Answer every SOAP GetStatistics with exactly these bytes until clear_fault()."""
        self.state.serve_raw("soap", (bytes(body), status, content_type))

    def call_count(self, operation: str) -> int:
        """Requests per operation: GetStatistics, AuthenticateUsernamePassword, wsdl, unknown,
        REST GetStatistics, PartnerSystemUserAuthenticate, jwks."""
        return self.state.call_count(operation)

    def reset_counts(self) -> None:
        self.state.reset_counts()

    def counts(self) -> dict[str, int]:
        return self.state.counts()

    def add_route(self, method: str, path: str, handler: RouteHandler) -> None:
        """Serve `method path` (exact, case-insensitive, query ignored, no path_prefix added)
        with `handler(request) -> (status, headers, body)`; checked before the SOAP endpoints."""
        self._routes[(method.upper(), path.lower().rstrip("/") or "/")] = handler

    # -- requests ------------------------------------------------------------------------------
    def _handle(self, req: Request) -> Reply:
        self.last_request_headers = dict(req.headers)
        route = self._routes.get((req.method, req.path.lower().rstrip("/") or "/"))
        if route is not None:
            return route(req)
        return self.soap.handle(req, self.url)

    @property
    def open_connections(self) -> int:
        """Client connections being served now (a test waits for 0 after a client gave up)."""
        with self._lock:
            return len(self._connections)

    def nagle_off(self) -> list[bool]:
        """Whether each client connection being served has Nagle off (TCP_NODELAY), as
        `_Handler.setup` sets it: one flag per open connection."""
        with self._lock:
            return [bool(c.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
                    for c in self._connections]

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
