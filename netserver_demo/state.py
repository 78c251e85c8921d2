"""The demo NetServer's shared state: tickets, application token, users, the fault, counters.

Every route (SOAP, REST, the partner login) reads and changes the server through this one
object, so each rule — which ticket is valid, which password is right — is written once.

    >>> state = DemoState(app_token="app")
    >>> ticket = state.issue_ticket()
    >>> state.ticket_refusal(ticket) is None
    True
    >>> state.set_fault(Fault.EXPIRED_TICKET)
    <Fault.NONE: 'none'>
    >>> state.ticket_refusal(ticket).exception_type
    'SoSessionExpiredException'
"""

from __future__ import annotations

import base64
import secrets
import threading
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import Enum

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
class ExceptionInfo:
    """A NetServer refusal: what SOAP puts in ExceptionInfo and REST in its JSON error."""

    message: str
    exception_type: str
    friendly_text: str | None = None


SESSION_EXPIRED = ExceptionInfo(
    "The session has expired: the ticket is no longer valid. Please log in again.",
    EXC_SESSION_EXPIRED,
)
SERVICE_ERROR = ExceptionInfo(
    "Timeout expired. The timeout period elapsed prior to completion of the operation "
    "or the server is not responding.",
    EXC_SERVICE,
    "The statistics could not be read from the database.",
)

#: A canned reply served instead of GetStatistics: (body, status, content type).
RawReply = tuple[bytes, int, str]


def real_clock() -> datetime:
    return datetime.now().astimezone()


def new_ticket() -> str:
    """A fresh NetServer-shaped ticket ("7T:" and random bytes)."""
    return "7T:" + base64.b64encode(secrets.token_bytes(24)).decode()


def _same(a: str, b: str) -> bool:
    return secrets.compare_digest(a.encode(), b.encode())


class DemoState:
    """Thread-safe; no HTTP. `ticket` and `users` make tickets required (else demo mode);
    `accept_any` (replay) accepts every login, whatever the user name."""

    def __init__(
        self,
        *,
        ticket: str | None = None,
        app_token: str | None = None,
        users: Mapping[str, str] | None = None,
        clock: Callable[[], datetime] | None = None,
        slow_seconds: float = 3.0,
        accept_any: bool = False,
    ) -> None:
        self.clock = clock or real_clock
        #: Replay: any or no ticket, token, password or access token is accepted.
        self.accept_any = accept_any
        self.slow_seconds = slow_seconds
        self.app_token = app_token
        self._fixed_ticket = ticket
        self._users = dict(users) if users is not None else None
        self.auth_required = ticket is not None or users is not None
        self._lock = threading.Lock()
        self._issued: set[str] = set()
        self._revoked: set[str] = set()
        self._fixed_revoked = False
        self._fault = Fault.NONE
        self._raw: dict[str, RawReply] = {}
        self._counts: Counter[str] = Counter()
        self._wake = threading.Event()  # set on stop so SLOW sleepers return early
        self._scripted: dict[str, tuple[ExceptionInfo, int]] = {}  # see refuse_next()

    def __repr__(self) -> str:  # no ticket, token or password
        return f"DemoState(fault={self._fault.value!r}, auth_required={self.auth_required})"

    # -- the fault -----------------------------------------------------------------------------
    @property
    def fault(self) -> Fault:
        return self._fault

    def set_fault(self, fault: Fault | str) -> Fault:
        """Switch to `fault` (NONE clears); returns the fault it replaced.

        EXPIRED_TICKET revokes every ticket valid now, once; NONE forgets the raw replies of
        both transports and accepts the fixed ticket again."""
        fault = Fault(fault)
        with self._lock:
            was, self._fault = self._fault, fault
            if fault is Fault.EXPIRED_TICKET:
                self._revoked |= self._issued
                self._issued = set()
                self._fixed_revoked = True
            if fault is Fault.NONE:
                self._raw.clear()
                self._fixed_revoked = False
        return was

    def pause_if_slow(self) -> None:
        """Under Fault.SLOW wait `slow_seconds`, or until the server stops."""
        if self._fault is Fault.SLOW:
            self._wake.wait(self.slow_seconds)

    def wake(self, stopping: bool) -> None:
        """Release SLOW sleepers when the server stops; arm the wait again when it starts."""
        if stopping:
            self._wake.set()
        else:
            self._wake.clear()

    # -- canned replies ------------------------------------------------------------------------
    def serve_raw(self, transport: str, reply: RawReply | None) -> None:
        """Answer every GetStatistics on `transport` ("soap", "rest") with `reply`; None stops."""
        with self._lock:
            if reply is None:
                self._raw.pop(transport, None)
            else:
                self._raw[transport] = reply

    def raw(self, transport: str) -> RawReply | None:
        with self._lock:
            return self._raw.get(transport)

    # -- counters ------------------------------------------------------------------------------
    def count(self, operation: str) -> None:
        with self._lock:
            self._counts[operation] += 1

    def call_count(self, operation: str) -> int:
        with self._lock:
            return self._counts[operation]

    def counts(self) -> dict[str, int]:
        with self._lock:
            return dict(self._counts)

    def reset_counts(self) -> None:
        with self._lock:
            self._counts.clear()

    # -- credentials ---------------------------------------------------------------------------
    def issue_ticket(self) -> str:
        """A new ticket that SOAP and REST accept until Fault.EXPIRED_TICKET revokes it."""
        ticket = new_ticket()
        with self._lock:
            self._issued.add(ticket)
        return ticket

    def issued_tickets(self) -> frozenset[str]:
        """Every ticket issued and still valid (tests check none of them leaks)."""
        with self._lock:
            return frozenset(self._issued)

    def password_ok(self, user: str, password: str) -> bool:
        """Without `users` any non-empty user name is accepted (demo); with `accept_any` any."""
        if self.accept_any:
            return True
        if self._users is None:
            return bool(user)
        expected = self._users.get(user)
        return expected is not None and _same(expected, password)

    def app_token_refusal(self, token: str | None) -> ExceptionInfo | None:
        if self.app_token is not None and (token is None or not _same(token, self.app_token)):
            return ExceptionInfo("Application token is not valid", EXC_APP_TOKEN)
        return None

    def ticket_refusal(self, ticket: str | None) -> ExceptionInfo | None:
        """Why `ticket` may not call GetStatistics, or None when it may."""
        with self._lock:
            fault = self._fault
            issued = ticket is not None and ticket in self._issued
            revoked = ticket is not None and ticket in self._revoked
            fixed = ticket is not None and self._fixed_ticket is not None and _same(
                ticket, self._fixed_ticket)
            fixed_ok = fixed and not self._fixed_revoked
        if revoked or (fixed and not fixed_ok):
            return SESSION_EXPIRED
        if fault is Fault.EXPIRED_TICKET and not issued:
            # Demo mode checks no tickets, but an expired-ticket fault must still be seen.
            return SESSION_EXPIRED
        if not self.auth_required or issued or fixed_ok:
            return None
        if not ticket:
            return ExceptionInfo(
                "No credentials: a ticket is required to call this service", EXC_SECURITY
            )
        return ExceptionInfo("The ticket is not valid", EXC_SECURITY)

    # -- scripted refusals (independent of the fault) ------------------------------------------
    def refuse_next(self, operation: str, info: ExceptionInfo | None, calls: int = 1) -> None:
        """Answer the next `calls` requests of `operation` with `info` (None stops).

        "GetStatistics": SOAP Succeeded=false, REST HTTP 500 with ErrorType; "login": SoPrincipal
        Succeeded=false. Checked before any credential, so any ExceptionType can be tried.
        """
        with self._lock:
            if info is None or calls < 1:
                self._scripted.pop(operation, None)
            else:
                self._scripted[operation] = (info, calls)

    def scripted_refusal(self, operation: str) -> ExceptionInfo | None:
        """The scripted refusal for this request of `operation`, if any (counted down)."""
        with self._lock:
            info, left = self._scripted.get(operation, (None, 0))
            if info is None:
                return None
            if left > 1:
                self._scripted[operation] = (info, left - 1)
            else:
                del self._scripted[operation]
            return info
