"""Tickets: where they come from, when they are renewed, and how a refusal is recognised.

A ticket source hands the client the ticket to send and, when the NetServer refuses it, may
obtain a new one. `FixedTicket` is a configured ticket (never renewed); `PasswordLogin` calls
SoPrincipal `AuthenticateUsernamePassword` and caches the ticket until it is refused.

    >>> FixedTicket("7T:abc").current()
    '7T:abc'
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

from .errors import AuthenticationFailed, InvalidReply, ServiceError

#: Parts of an `ExceptionInfo.ExceptionType` name that mean "who you are was refused". Only the
#: type decides when there is one: a NetServer message may name a request's "ticket" (that is
#: what Service calls a request) or a "session" without being about our ticket at all.
_AUTH_TYPES = ("sosecurity", "sosessionexpired", "soapplicationtoken", "authenticat")
#: Whole phrases that mean a refused ticket or token, read only when ExceptionType is empty.
_AUTH_PHRASES = re.compile(
    r"\b(?:the )?(?:ticket|session) (?:is |has )?(?:not valid|no longer valid|invalid|expired)\b"
    r"|\binvalid (?:ticket|session|application token|credentials)\b"
    r"|\bapplication token is not valid\b"
    r"|\bno credentials\b"
    r"|\b(?:authentication failed|not authenticated|failed to authenticate)\b",
    re.IGNORECASE,
)
_REDACTED = "***"


class TicketSource:
    """Base: the ticket to send now, and whether a refused ticket can be replaced."""

    kind = "none"

    def current(self) -> str | None:
        return None

    def renew(self) -> str | None:
        """Forget the refused ticket and obtain another; None when this source cannot."""
        return None

    @property
    def expires_hint(self) -> str | None:
        """When the ticket will be renewed, in words (never the ticket)."""
        return None

    def secrets(self) -> tuple[str, ...]:
        """Values that must never be shown (redacted from server text before display)."""
        return ()


class FixedTicket(TicketSource):
    """A ticket from the configuration; when it is refused, only a person can replace it."""

    kind = "ticket"

    def __init__(self, ticket: str) -> None:
        self._ticket = ticket

    def current(self) -> str | None:
        return self._ticket

    @property
    def expires_hint(self) -> str | None:
        return "set in SUPEROFFICE_TICKET; not renewed automatically"

    def secrets(self) -> tuple[str, ...]:
        return (self._ticket,)

    def __repr__(self) -> str:
        return "FixedTicket(***)"


class PasswordLogin(TicketSource):
    """Obtains a ticket with `login()` on first use and again once it is refused."""

    kind = "user name and password"

    def __init__(self, login: Callable[[], str], *, password: str,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self._login = login
        self._password = password
        self._clock = clock
        self._ticket: str | None = None
        self._obtained_at: datetime | None = None
        self._lock = threading.Lock()
        self.logins = 0  # how many tickets were obtained, for tests and the Connection screen

    def current(self) -> str | None:
        with self._lock:
            if self._ticket is None:
                self._obtain()
            return self._ticket

    def renew(self) -> str | None:
        with self._lock:
            self._ticket = None
            self._obtain()
            return self._ticket

    def _obtain(self) -> None:
        self._ticket = self._login()
        self._obtained_at = self._clock()
        self.logins += 1

    @property
    def expires_hint(self) -> str | None:
        if self._obtained_at is None:
            return "obtained at the first poll; renewed when the NetServer refuses it"
        return (f"obtained {self._obtained_at:%Y-%m-%d %H:%M:%S} UTC; "
                "renewed when the NetServer refuses it")

    def secrets(self) -> tuple[str, ...]:
        return tuple(s for s in (self._password, self._ticket) if s)

    def __repr__(self) -> str:
        return f"PasswordLogin(logins={self.logins})"


# -- reading replies ---------------------------------------------------------------------------
def redact(text: str | None, secrets: Iterable[str | None]) -> str:
    """`text` with every secret replaced, flattened to one line and shortened for display."""
    out = text or ""
    # Longest first, so that a secret containing another is replaced whole. Secrets shorter than
    # three characters are not searched for: replacing every "a" would say nothing and hide all.
    for secret in sorted({s for s in secrets if s and len(s) >= 3}, key=len, reverse=True):
        out = out.replace(secret, _REDACTED)
    out = " ".join(out.split())
    return out[:300] + ("…" if len(out) > 300 else "")


def is_auth_refusal(exception_type: str | None, message: str | None) -> bool:
    """Whether an `ExceptionInfo` says the ticket, token or credentials were refused.

    Decided by the exception type; the message counts only when the type is empty, and then
    only a whole phrase such as "ticket is not valid" (never a lone word like "ticket").
    """
    kind = (exception_type or "").strip().lower()
    if kind:
        return any(marker in kind for marker in _AUTH_TYPES)
    return bool(_AUTH_PHRASES.search(message or ""))


def check_succeeded(header: Any, *, operation: str, secrets: Iterable[str | None],
                    refusal_hint: str) -> None:
    """Raise when the reply header says `Succeeded=false`.

    A refusal of who we are becomes AuthenticationFailed (with `refusal_hint` saying what to
    check); anything else ServiceError carrying `ExceptionInfo.Message` and `.ExceptionType`.
    """
    if header is None:
        raise InvalidReply(f"The {operation} reply has no SOAP header; a NetServer always "
                           "sends one with Succeeded. Check that SUPEROFFICE_URL is a NetServer.")
    succeeded = getattr(header, "Succeeded", None)
    if succeeded is True:
        return
    if succeeded is None:
        raise InvalidReply(f"The {operation} reply has no Succeeded header; check that "
                           "SUPEROFFICE_URL is a NetServer.")
    info = getattr(header, "ExceptionInfo", None)
    secrets = tuple(secrets)
    raw_type = getattr(info, "ExceptionType", None)
    raw_message = getattr(info, "Message", None) or getattr(info, "FriendlyText", None)
    exception_type = redact(raw_type, secrets) or None
    message = redact(raw_message, secrets) or None
    said = (message or "no reason given").rstrip(". ")
    # Classified on the server's own text: redaction could blank out the words that decide.
    if is_auth_refusal(raw_type, raw_message):
        raise AuthenticationFailed(f"The NetServer refused the credentials for {operation}: "
                                   f"{said}. {refusal_hint}")
    type_part = f" ({exception_type})" if exception_type else ""
    raise ServiceError(
        f"The NetServer answered {operation} with an error{type_part}: {said}. "
        "Check the NetServer's log; the request itself was well formed.",
        exception_type=exception_type, server_message=message,
    )


def soprincipal_login(service: Any, *, user: str, password: str, app_token: str | None) -> str:
    """Call SoPrincipal `AuthenticateUsernamePassword` and return the ticket.

    `service` is the zeep service proxy; lower errors are left to the caller to convert.
    """
    headers = {"ApplicationToken": app_token} if app_token else {}
    result = service.AuthenticateUsernamePassword(UserName=user, Password=password,
                                                  _soapheaders=headers)
    secrets = (password, app_token)
    hint = _password_hint(user)
    check_succeeded(getattr(result, "header", None), operation="AuthenticateUsernamePassword",
                    secrets=secrets, refusal_hint=_app_token_hint())
    body = getattr(result, "body", None)
    if not getattr(body, "AuthenticationSucceeded", False):
        raise AuthenticationFailed(hint)
    ticket = getattr(getattr(body, "Credentials", None), "Ticket", None)
    if not ticket:
        raise InvalidReply("The NetServer said the login succeeded but sent no ticket; "
                           "check that SUPEROFFICE_URL is a NetServer.")
    return str(ticket)


def _password_hint(user: str) -> str:
    return (f"The NetServer refused the user name or password for user '{user}'; "
            "check SUPEROFFICE_USER and SUPEROFFICE_PASSWORD.")


def _app_token_hint() -> str:
    return "Check SUPEROFFICE_APP_TOKEN and SUPEROFFICE_USER/SUPEROFFICE_PASSWORD."
