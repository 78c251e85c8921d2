"""Reading a SOAP reply's verdict: `Succeeded`, `ExceptionInfo`, and whether we were refused.

Also the SoPrincipal `AuthenticateUsernamePassword` login that turns a user name and password
into a ticket (the SOAP wire offers it to `credentials.PasswordLogin`).

    >>> is_auth_refusal("SoSessionExpiredException", "whatever it says")
    True
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from .errors import AuthenticationFailed, InvalidReply, ServiceError
from .http import redact

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
