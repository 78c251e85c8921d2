"""The credential a client presents: one type, one kind per configuration, built from `Settings`.

    kind (settings.CredentialKind)   credential          sends (the wire decides the header)
    none                             Credential          nothing
    ticket                           FixedCredential     the configured ticket, never renewed
    user name and password           PasswordLogin       a ticket from SoPrincipal (SOAP), renewed
                                     FixedCredential     user name and password (REST, Basic)
    system user                      SystemUserTicket    a SuperOffice Online ticket, renewed
    access token (bearer)            FixedCredential     the token (REST only)

A credential hands the wire a `Proof` (what to send), may renew it once the NetServer refuses
it, and says in words when it is renewed and what to check when refused, never the secret.

    >>> credential_for(Settings("http://127.0.0.1:8087", ticket="7T:abc")).current()
    Proof(scheme='ticket')
"""

from __future__ import annotations

import base64
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal

from .errors import ConfigurationError
from .online import Clock, SystemUserAuth, load_private_key, utcnow
from .settings import CredentialKind, Settings

#: Logs in with a user name and password and answers a ticket (SOAP's SoPrincipal).
PasswordLoginCall = Callable[[str, str], str]
#: How a proof is sent: a NetServer ticket, an OAuth bearer token, or Basic user:password.
Scheme = Literal["ticket", "bearer", "basic"]


#: What to check when the NetServer refuses a credential of each kind.
REFUSAL_HINTS: Mapping[CredentialKind, str] = {
    CredentialKind.NONE: ("Set SUPEROFFICE_TICKET, or SUPEROFFICE_USER and SUPEROFFICE_PASSWORD, "
                          "and SUPEROFFICE_APP_TOKEN (or a system user, or "
                          "SUPEROFFICE_ACCESS_TOKEN over REST)."),
    CredentialKind.TICKET: ("Check SUPEROFFICE_TICKET (tickets expire) and "
                            "SUPEROFFICE_APP_TOKEN."),
    CredentialKind.USER_PASSWORD: ("Check SUPEROFFICE_USER, SUPEROFFICE_PASSWORD and "
                                   "SUPEROFFICE_APP_TOKEN."),
    CredentialKind.SYSTEM_USER: ("Check SUPEROFFICE_CONTEXT and that the tenant still approves "
                                 "the application."),
    CredentialKind.BEARER: "Check SUPEROFFICE_ACCESS_TOKEN (access tokens expire after a while).",
}


@dataclass(frozen=True, slots=True)
class Proof:
    """What goes on the wire to say who we are; the secret is left out of repr()."""

    scheme: Scheme
    secret: str = field(repr=False)

    @property
    def sent(self) -> str:
        """The secret as it goes in a header: Basic's user:password in base64, else as it is."""
        if self.scheme == "basic":
            return base64.b64encode(self.secret.encode()).decode("ascii")
        return self.secret


class Credential:
    """No credential (a demo or an open NetServer): sends nothing, renews nothing.

    The base of every credential, and the one representation of "none".
    """

    kind = CredentialKind.NONE

    @property
    def refusal_hint(self) -> str:
        """What to check when the NetServer refuses this credential."""
        return REFUSAL_HINTS[self.kind]

    def current(self) -> Proof | None:
        """What to send now (obtaining a ticket first when there is none yet)."""
        return None

    def renew(self) -> Proof | None:
        """The NetServer refused what was sent: something new to send, or None (cannot)."""
        return None

    def can_renew_now(self) -> bool:
        """Whether `renew()` would log in again at once (to try a renewal on a hunch)."""
        return False

    @property
    def renewal(self) -> str:
        """When the ticket is renewed, in words (never the ticket); "" when nothing is."""
        return ""

    def secrets(self) -> tuple[str, ...]:
        """Values obtained at run time that must never be shown (tickets)."""
        return ()

    def status_info(self) -> dict[str, str]:
        """Extra lines for the Connection screen (see `client.StatisticsClient.status_info`)."""
        return {}

    def close(self) -> None:
        """Let go of any session the credential holds."""

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class FixedCredential(Credential):
    """A secret from the configuration (a ticket, an access token, REST's Basic user:password),
    sent as it is and never renewed: when refused, only a person can help."""

    def __init__(self, kind: CredentialKind, proof: Proof, *, renewal: str) -> None:
        self.kind = kind
        self._proof = proof
        self._renewal = renewal

    def current(self) -> Proof | None:
        return self._proof

    @property
    def renewal(self) -> str:
        return self._renewal

    def secrets(self) -> tuple[str, ...]:
        # The configured secret is in Settings.secrets; Basic's base64 form is not.
        return (self._proof.sent,) if self._proof.sent != self._proof.secret else ()

    def __repr__(self) -> str:
        return f"FixedCredential(kind={str(self.kind)!r})"


class PasswordLogin(Credential):
    """Obtains a ticket with `login(user, password)` on first use and again once it is refused."""

    kind = CredentialKind.USER_PASSWORD

    def __init__(self, login: PasswordLoginCall, user: str, password: str, *,
                 clock: Clock = utcnow) -> None:
        self._login = login
        self._user = user
        self._password = password
        self._clock = clock
        self._ticket: str | None = None
        self._obtained_at: datetime | None = None
        self._lock = threading.Lock()
        self.logins = 0  # how many tickets were obtained, for tests and the Connection screen

    def current(self) -> Proof | None:
        with self._lock:
            if self._ticket is None:
                self._obtain()
            return self._proof()

    def renew(self) -> Proof | None:
        with self._lock:
            self._ticket = None
            self._obtain()
            return self._proof()

    def can_renew_now(self) -> bool:
        return True

    def _obtain(self) -> None:
        self._ticket = self._login(self._user, self._password)
        self._obtained_at = self._clock()
        self.logins += 1

    def _proof(self) -> Proof | None:
        return None if self._ticket is None else Proof("ticket", self._ticket)

    @property
    def renewal(self) -> str:
        if self._obtained_at is None:
            return "obtained at the first poll; renewed when the NetServer refuses it"
        return (f"obtained {self._obtained_at.astimezone(UTC):%Y-%m-%d %H:%M:%S} UTC; "
                "renewed when the NetServer refuses it")

    def secrets(self) -> tuple[str, ...]:
        return (self._ticket,) if self._ticket else ()

    def __repr__(self) -> str:
        return f"PasswordLogin(logins={self.logins})"


class SystemUserTicket(Credential):
    """A SuperOffice Online system-user ticket, cached and renewed by `SystemUserAuth`."""

    kind = CredentialKind.SYSTEM_USER

    def __init__(self, auth: SystemUserAuth) -> None:
        self.auth = auth
        self._last: str | None = None

    def current(self) -> Proof | None:
        self._last = self.auth.ticket()
        return Proof("ticket", self._last)

    def renew(self) -> Proof | None:
        """The NetServer refused the ticket we sent last: a new one, or AuthenticationFailed."""
        self._last = self.auth.refused(self._last or "")
        return Proof("ticket", self._last)

    def can_renew_now(self) -> bool:
        return self.auth.may_renew_at_once()

    @property
    def renewal(self) -> str:
        holding = self.auth.holding_until
        if holding is not None:
            return (f"refused by the NetServer; next login attempt at "
                    f"{holding.astimezone(UTC):%Y-%m-%d %H:%M} UTC")
        renews = self.auth.renews_at
        if renews is None:
            return "obtained at the first poll from the SuperOffice Online login service"
        return f"renewed at {renews.astimezone(UTC):%Y-%m-%d %H:%M} UTC (tickets live 6 hours)"

    def secrets(self) -> tuple[str, ...]:
        return (self._last,) if self._last else ()

    def status_info(self) -> dict[str, str]:
        info = self.auth.status_info()
        return {key: info[key] for key in ("ticket_renews_at", "login_service")}

    def close(self) -> None:
        self.auth.close()

    def __repr__(self) -> str:
        return f"SystemUserTicket(context={self.auth.context!r}, logins={self.auth.logins})"


def credential_for(settings: Settings, *, login: PasswordLoginCall | None = None,
                   clock: Clock = utcnow) -> Credential:
    """The credential `settings.credential_kind` names.

    `login` is the wire's way to turn a user name and password into a ticket (SOAP); without
    one, they are sent as they are (REST's Basic). A system user's key file is read now.
    """
    kind = settings.credential_kind
    s = settings
    if kind is CredentialKind.BEARER and s.access_token:
        return FixedCredential(kind, Proof("bearer", s.access_token),
                               renewal="set in SUPEROFFICE_ACCESS_TOKEN; not renewed automatically")
    if kind is CredentialKind.SYSTEM_USER:
        return SystemUserTicket(system_user_auth(s, clock=clock))
    if kind is CredentialKind.USER_PASSWORD and s.user and s.password:
        if login is not None:
            return PasswordLogin(login, s.user, s.password, clock=clock)
        return FixedCredential(kind, Proof("basic", f"{s.user}:{s.password}"),
                               renewal="no ticket: each call sends the user name and password "
                                       "(Basic)")
    if kind is CredentialKind.TICKET and s.ticket:
        return FixedCredential(kind, Proof("ticket", s.ticket),
                               renewal="set in SUPEROFFICE_TICKET; not renewed automatically")
    return Credential()


def system_user_auth(settings: Settings, *, clock: Clock = utcnow) -> SystemUserAuth:
    """The system-user ticket service for these settings; reads the private key file now.

    A missing, unreadable or invalid key file is a ConfigurationError naming
    SUPEROFFICE_PRIVATE_KEY and the path (never the key).
    """
    token, key_path = settings.system_user_token, settings.private_key_path
    context, app_token = settings.context, settings.app_token
    if not (token and key_path and context and app_token):  # Settings validates; defensive
        raise ConfigurationError(
            "A system user needs SUPEROFFICE_SYSTEM_USER_TOKEN, SUPEROFFICE_PRIVATE_KEY, "
            "SUPEROFFICE_CONTEXT and SUPEROFFICE_APP_TOKEN."
        )
    return SystemUserAuth(
        system_user_token=token, private_key=load_private_key(key_path), app_token=app_token,
        context=context, login_base=settings.login_base, timeout=settings.timeout,
        verify_tls=settings.verify_tls, clock=clock,
    )
