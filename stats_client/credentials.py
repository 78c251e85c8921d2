"""Which credential a client presents, built from settings; shared by the SOAP and REST clients.

    ticket sources (auth.TicketSource)      FixedTicket, PasswordLogin (SOAP), SystemUserTicket
    REST only                               Bearer access token, Basic user name and password

`status_info()` describes the connection for the Connection screen in plain strings, never
the secrets.

    >>> describe_transport("rest")
    'REST WebAPI (api/v1)'
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import requests

from .auth import TicketSource
from .online import SystemUserAuth, load_private_key, utcnow
from .settings import Settings

Clock = Callable[[], datetime]

_TRANSPORT_NAMES = {"soap": "SOAP (Services87)", "rest": "REST WebAPI (api/v1)"}


class SystemUserTicket(TicketSource):
    """A SuperOffice Online system-user ticket, cached and renewed by `SystemUserAuth`."""

    kind = "system user"

    def __init__(self, auth: SystemUserAuth, *, secrets: tuple[str, ...] = ()) -> None:
        self.auth = auth
        self._last: str | None = None
        self._secrets = secrets

    def current(self) -> str | None:
        self._last = self.auth.ticket()
        return self._last

    def renew(self) -> str | None:
        """The NetServer refused the ticket we sent last: a new one, or AuthenticationFailed."""
        self._last = self.auth.refused(self._last or "")
        return self._last

    @property
    def expires_hint(self) -> str | None:
        holding = self.auth.holding_until
        if holding is not None:
            return (f"refused by the NetServer; next login attempt at "
                    f"{holding.astimezone(UTC):%Y-%m-%d %H:%M} UTC")
        renews = self.auth.renews_at
        if renews is None:
            return "obtained at the first poll from the SuperOffice Online login service"
        return f"renewed at {renews.astimezone(UTC):%Y-%m-%d %H:%M} UTC (tickets live 6 hours)"

    def secrets(self) -> tuple[str, ...]:
        return tuple(s for s in (*self._secrets, self._last) if s)

    def __repr__(self) -> str:
        return f"SystemUserTicket(context={self.auth.context!r}, logins={self.auth.logins})"


def system_user_auth(settings: Settings, *, clock: Clock = utcnow,
                     session: requests.Session | None = None) -> SystemUserAuth:
    """The system-user ticket service for these settings; reads the private key file now.

    A missing, unreadable or invalid key file is a ConfigurationError naming
    SUPEROFFICE_PRIVATE_KEY and the path (never the key).
    """
    token, key_path = settings.system_user_token, settings.private_key_path
    context, app_token = settings.context, settings.app_token
    if not (token and key_path and context and app_token):  # Settings validates; defensive
        from .errors import ConfigurationError

        raise ConfigurationError(
            "A system user needs SUPEROFFICE_SYSTEM_USER_TOKEN, SUPEROFFICE_PRIVATE_KEY, "
            "SUPEROFFICE_CONTEXT and SUPEROFFICE_APP_TOKEN."
        )
    return SystemUserAuth(
        system_user_token=token, private_key=load_private_key(key_path), app_token=app_token,
        context=context, login_base=settings.login_base, timeout=settings.timeout,
        verify_tls=settings.verify_tls, clock=clock, session=session,
    )


def system_user_source(settings: Settings, *, clock: Clock = utcnow,
                       session: requests.Session | None = None) -> SystemUserTicket:
    """A ticket source for SOAP or REST clients configured with a system user."""
    auth = system_user_auth(settings, clock=clock, session=session)
    secrets = tuple(s for s in (settings.system_user_token, settings.app_token) if s)
    return SystemUserTicket(auth, secrets=secrets)


def describe_transport(transport: str) -> str:
    return _TRANSPORT_NAMES.get(transport, transport)


def status_info(settings: Settings, tickets: TicketSource | None, *, endpoint: str,
                credential_kind: str) -> dict[str, str]:
    """What the Connection screen shows: plain strings, never a ticket, token or password.

    Keys: transport ("soap"|"rest"), transport_name, endpoint, credential, ticket_renewal
    (a sentence), ticket_renews_at ("YYYY-MM-DD HH:MM:SS UTC" or ""), context, login_service.
    """
    info = {
        "transport": settings.transport,
        "transport_name": describe_transport(settings.transport),
        "endpoint": endpoint,
        "credential": credential_kind,
        "ticket_renewal": "",
        "ticket_renews_at": "",
        "context": settings.context or "",
        "login_service": "",
    }
    if isinstance(tickets, SystemUserTicket):
        extra = tickets.auth.status_info()
        info["ticket_renews_at"] = extra["ticket_renews_at"]
        info["login_service"] = extra["login_service"]
    if tickets is not None:
        info["ticket_renewal"] = tickets.expires_hint or ""
    elif credential_kind.startswith("access token"):
        info["ticket_renewal"] = "set in SUPEROFFICE_ACCESS_TOKEN; not renewed automatically"
    elif credential_kind == "user name and password":
        info["ticket_renewal"] = "no ticket: each call sends the user name and password (Basic)"
    return info
