"""Reading a NetServer's verdict: `Succeeded`, `ExceptionInfo`, and whether we were refused.

One classification for both transports (a SOAP `ExceptionInfo`, a REST error body's
`ErrorType`): `refusal_kind(exception_type, message)` says whether who we are was refused,
whether the NetServer failed inside (a database error), or whether the type is unfamiliar;
`exception_error` turns that into the one error a caller raises. Also the SoPrincipal
`AuthenticateUsernamePassword` login that turns a user name and password into a ticket.

    >>> refusal_kind("SuperOffice.CRM.Security.InvalidTicketException", "")
    <Refusal.CREDENTIALS: 'credentials'>
    >>> refusal_kind("SqlException", "Timeout expired")
    <Refusal.SERVICE: 'service'>
    >>> refusal_kind("NullReferenceException", "Object reference not set")
    <Refusal.UNKNOWN: 'unknown'>
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from enum import Enum
from typing import Any

from .errors import AuthenticationFailed, InvalidReply, ServiceError, StatsClientError
from .http import redact


class Refusal(Enum):
    """What a `Succeeded=false` (or a REST error body) says about the call."""

    CREDENTIALS = "credentials"  # the ticket, token or credentials were refused: renew, retry
    SERVICE = "service"  # the NetServer failed inside (a database error): say so, no login
    UNKNOWN = "unknown"  # a type that is neither: one renewal may tell (see `client`)


#: Words in an `ExceptionType` (its last dotted part, any case) that mean "who you are was
#: refused". Only the type decides when there is one: a NetServer message may name a request's
#: "ticket" (that is what Service calls a request) or a "session" without being about our
#: ticket at all.
_AUTH_WORDS = ("session", "security", "credential", "ticket", "authenticat", "login", "logon",
               "applicationtoken")
#: Words in an `ExceptionType` that mean an error inside the NetServer; they win over the above
#: (a "SqlSessionException" is the database's session, not ours).
_SERVICE_WORDS = ("sql", "database")
#: Whole phrases that mean a refused ticket or token, read only when ExceptionType is empty.
_AUTH_PHRASES = re.compile(
    r"\b(?:the )?(?:ticket|session) (?:is |has )?(?:not valid|no longer valid|invalid|expired)\b"
    r"|\binvalid (?:ticket|session|application token|credentials)\b"
    r"|\bapplication token is not valid\b"
    r"|\bno credentials\b"
    r"|\b(?:authentication failed|not authenticated|failed to authenticate)\b",
    re.IGNORECASE,
)


def type_name(exception_type: str | None) -> str:
    """The last part of a (namespace- or nested-) qualified type name, lower case."""
    return re.split(r"[.+]", (exception_type or "").strip())[-1].lower()


def refusal_kind(exception_type: str | None, message: str | None) -> Refusal:
    """Whether an `ExceptionInfo` refused who we are, failed inside, or is unfamiliar.

    Decided by the exception type; the message counts only when the type is empty, and then
    only a whole phrase such as "ticket is not valid" (never a lone word like "ticket"); an
    empty type with any other message is a service error.
    """
    kind = type_name(exception_type)
    if not kind:
        return Refusal.CREDENTIALS if _AUTH_PHRASES.search(message or "") else Refusal.SERVICE
    if is_service_type(kind):
        return Refusal.SERVICE
    if any(word in kind for word in _AUTH_WORDS):
        return Refusal.CREDENTIALS
    return Refusal.UNKNOWN


def is_service_type(exception_type: str | None) -> bool:
    """Whether an `ExceptionType` names an error inside the NetServer (`SqlException`)."""
    kind = type_name(exception_type)
    return any(word in kind for word in _SERVICE_WORDS)


def is_unfamiliar(error: ServiceError) -> bool:
    """Whether a service error's ExceptionType is neither a refusal nor a known service error."""
    return refusal_kind(error.exception_type, error.server_message) is Refusal.UNKNOWN


def exception_error(operation: str, exception_type: str | None, message: str | None, *,
                    secrets: Iterable[str | None], refusal_hint: str,
                    who: str = "The NetServer") -> StatsClientError:
    """The error for a NetServer exception (SOAP `ExceptionInfo`, REST `ErrorType`).

    A refusal of who we are is AuthenticationFailed (with `refusal_hint` saying what to check);
    anything else ServiceError carrying the server's type and message (secrets redacted); the
    client reads an unfamiliar type off it (`is_unfamiliar`).
    """
    secrets = tuple(secrets)
    shown_type = redact(exception_type, secrets) or None
    shown = redact(message, secrets) or None
    said = (shown or "no reason given").rstrip(". ")
    # Classified on the server's own text: redaction could blank out the words that decide.
    verdict = refusal_kind(exception_type, message)
    if verdict is Refusal.CREDENTIALS:
        return refused_error(operation, said, refusal_hint)
    type_part = f" ({shown_type})" if shown_type else ""
    return ServiceError(f"{who} answered {operation} with an error{type_part}: {said}. "
                 "Check the NetServer's log; the request itself was well formed.",
                 exception_type=shown_type, server_message=shown)


def refused_error(operation: str, said: str, refusal_hint: str) -> AuthenticationFailed:
    """The sentence for a refused ticket, token or credentials."""
    return AuthenticationFailed(f"The NetServer refused the credentials for {operation}: "
                                f"{said}. {refusal_hint}")


def check_succeeded(header: Any, *, operation: str, secrets: Iterable[str | None],
                    refusal_hint: str) -> None:
    """Raise when a SOAP reply header says `Succeeded=false` (see `exception_error`)."""
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
    raise exception_error(
        operation, getattr(info, "ExceptionType", None),
        getattr(info, "Message", None) or getattr(info, "FriendlyText", None),
        secrets=secrets, refusal_hint=refusal_hint)


def soprincipal_login(service: Any, *, user: str, password: str, app_token: str | None) -> str:
    """Call SoPrincipal `AuthenticateUsernamePassword` and return the ticket.

    Any refusal of the login is AuthenticationFailed naming the settings to check, whatever
    ExceptionType the NetServer gives, except an error inside it (a database error), which stays
    a ServiceError. `service` is the zeep service proxy; lower errors are left to the caller.
    """
    headers = {"ApplicationToken": app_token} if app_token else {}
    result = service.AuthenticateUsernamePassword(UserName=user, Password=password,
                                                  _soapheaders=headers)
    try:
        check_succeeded(getattr(result, "header", None), operation="AuthenticateUsernamePassword",
                        secrets=(password, app_token), refusal_hint=_login_hint(user))
    except ServiceError as exc:
        if is_service_type(exc.exception_type):
            raise  # the NetServer failed inside (its database): not a matter of settings
        said = (exc.server_message or exc.exception_type or "no reason given").rstrip(". ")
        raise refused_error("AuthenticateUsernamePassword", said, _login_hint(user)) from exc
    body = getattr(result, "body", None)
    if not getattr(body, "AuthenticationSucceeded", False):
        raise AuthenticationFailed(_password_hint(user))
    ticket = getattr(getattr(body, "Credentials", None), "Ticket", None)
    if not ticket:
        raise InvalidReply("The NetServer said the login succeeded but sent no ticket; "
                           "check that SUPEROFFICE_URL is a NetServer.")
    return str(ticket)


def _password_hint(user: str) -> str:
    return (f"The NetServer refused the user name or password for user '{user}'; "
            "check SUPEROFFICE_USER and SUPEROFFICE_PASSWORD.")


def _login_hint(user: str) -> str:
    return (f"Check SUPEROFFICE_USER ('{user}'), SUPEROFFICE_PASSWORD and "
            "SUPEROFFICE_APP_TOKEN.")
