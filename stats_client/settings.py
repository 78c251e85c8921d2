"""Frozen connection settings; only the edges (CLI, dashboard) read the environment.

    >>> s = Settings.from_env({"SUPEROFFICE_URL": "https://sod.superoffice.com/Cust12345"})
    >>> s.service_url("CustomerService")
    'https://sod.superoffice.com/Cust12345/Remote/Services87/CustomerService.svc'
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from enum import StrEnum
from urllib.parse import urlsplit, urlunsplit

from . import coerce
from .errors import ConfigurationError

SERVICES_PATH = "/Remote/Services87/"
# What follows the site in an address copied from a browser or the docs: a Services87 `.svc`
# address (or just its folder), or the REST WebAPI's `api/v1/…`. The site is what comes before.
_SVC_RE = re.compile(
    r"(/Remote/Services\d+(/[A-Za-z]+\.svc)?|/api/v\d+(/[^?#]*)?)/*$", re.IGNORECASE)

#: Environment variable for each setting (the CLI option of the same name overrides it).
ENV_VARS: Mapping[str, str] = {
    "url": "SUPEROFFICE_URL",
    "ticket": "SUPEROFFICE_TICKET",
    "app_token": "SUPEROFFICE_APP_TOKEN",
    "user": "SUPEROFFICE_USER",
    "password": "SUPEROFFICE_PASSWORD",
    "timeout": "SUPEROFFICE_TIMEOUT",
    "verify_tls": "SUPEROFFICE_VERIFY_TLS",
    "use_server_wsdl": "SUPEROFFICE_USE_SERVER_WSDL",
    "max_reply_bytes": "SUPEROFFICE_MAX_REPLY_BYTES",
    "max_values": "SUPEROFFICE_MAX_VALUES",
    "allow_plain_http": "SUPEROFFICE_ALLOW_PLAIN_HTTP",
    "transport": "SUPEROFFICE_TRANSPORT",
    "system_user_token": "SUPEROFFICE_SYSTEM_USER_TOKEN",
    "private_key_path": "SUPEROFFICE_PRIVATE_KEY",
    "context": "SUPEROFFICE_CONTEXT",
    "online_env": "SUPEROFFICE_ENV",
    "login_url": "SUPEROFFICE_LOGIN_URL",
    "access_token": "SUPEROFFICE_ACCESS_TOKEN",
}


#: A reply larger than this is refused (SUPEROFFICE_MAX_REPLY_BYTES): the Status page's
#: replies are a few kB, 5,000 values about 1 MB as SOAP.
DEFAULT_MAX_REPLY_BYTES = 4 * 1024 * 1024
MAX_REPLY_BYTES_CAP = 1024 * 1024 * 1024
#: Values kept per data set (SUPEROFFICE_MAX_VALUES); the rest are cut with a sentence.
DEFAULT_MAX_VALUES = 10_000
MAX_VALUES_CAP = 1_000_000


class CredentialKind(StrEnum):
    """Which credential a client presents; the value is what screens and reprs show."""

    NONE = "none"
    TICKET = "ticket"
    USER_PASSWORD = "user name and password"  # noqa: S105 (a kind's name, no password)
    SYSTEM_USER = "system user"
    BEARER = "access token (bearer)"


def _secret() -> str | None:
    """A secret field: excluded from repr() and comparisons."""
    return field(default=None, repr=False, compare=False)


@dataclass(frozen=True, slots=True)
class Settings:
    """Where the NetServer is and how to prove who we are. Secrets are left out of repr()."""

    url: str
    ticket: str | None = _secret()
    user: str | None = None
    password: str | None = _secret()
    app_token: str | None = _secret()
    timeout: float = 10.0
    verify_tls: bool = True
    use_server_wsdl: bool = False
    max_reply_bytes: int = DEFAULT_MAX_REPLY_BYTES
    max_values: int = DEFAULT_MAX_VALUES  # per data set; more are cut, with a sentence
    #: Send a password or the system user's token over plain http:// to another machine.
    allow_plain_http: bool = False
    # SuperOffice Online and the REST WebAPI (issue 4); checked by _check_online().
    transport: str = "soap"  # "soap" | "rest"
    system_user_token: str | None = _secret()
    private_key_path: str | None = None  # a path; the key itself never travels in settings
    context: str | None = None  # the tenant, e.g. Cust12345
    online_env: str | None = None  # sod | stage | online
    login_url: str | None = None  # overrides https://{online_env}.superoffice.com
    access_token: str | None = _secret()

    def __post_init__(self) -> None:
        url = (self.url or "").strip()
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ConfigurationError(
                f"SUPEROFFICE_URL must be an http(s) URL such as https://host/Cust12345; "
                f"got {_redact_url(url)!r}."
            )
        if parts.username or parts.password:
            raise ConfigurationError(
                "SUPEROFFICE_URL must not carry a user name or password; "
                "use SUPEROFFICE_USER and SUPEROFFICE_PASSWORD."
            )
        # Query and fragment are dropped: the service takes none, and a ticket could hide there.
        clean = urlunsplit((parts.scheme, parts.netloc, parts.path.rstrip("/"), "", ""))
        object.__setattr__(self, "url", clean)
        if not (isinstance(self.timeout, int | float) and math.isfinite(self.timeout)
                and 0 < self.timeout <= MAX_TIMEOUT_S):
            raise ConfigurationError(
                "SUPEROFFICE_TIMEOUT must be a positive number of seconds, at most "
                f"{MAX_TIMEOUT_S:g} (a call waits no longer than that).")
        if not 1024 <= self.max_reply_bytes <= MAX_REPLY_BYTES_CAP:
            raise ConfigurationError(
                f"SUPEROFFICE_MAX_REPLY_BYTES must be at least 1024 and at most "
                f"{MAX_REPLY_BYTES_CAP} (1 GiB).")
        if not 1 <= self.max_values <= MAX_VALUES_CAP:
            raise ConfigurationError(
                f"SUPEROFFICE_MAX_VALUES must be a whole number from 1 to {MAX_VALUES_CAP}.")
        _check_secrets(self)
        if bool(self.user) != bool(self.password):
            raise ConfigurationError(
                "SUPEROFFICE_USER and SUPEROFFICE_PASSWORD go together; one of them is missing."
            )
        _check_online(self)
        _check_plain_http(self)

    # -- derived ---------------------------------------------------------------------------
    @property
    def site_url(self) -> str:
        """The site part of the URL (without `/Remote/Services87/….svc` or `/api/v1/…`).

            >>> Settings(url="https://crm.example.com/Cust1/api/v1/Agents/CustomerService/"
            ...               "GetStatistics").site_url
            'https://crm.example.com/Cust1'
        """
        match = _SVC_RE.search(self.url)
        return self.url[: match.start()] if match else self.url

    def service_url(self, service: str) -> str:
        """Full `.svc` address of a Services87 service on this site."""
        return f"{self.site_url}{SERVICES_PATH}{service}.svc"

    @property
    def login_base(self) -> str:
        """The SuperOffice Online login service: SUPEROFFICE_LOGIN_URL, else from the env."""
        if self.login_url:
            return self.login_url
        env = self.online_env or _env_from_host(urlsplit(self.url).hostname or "")
        return f"https://{env or 'online'}.superoffice.com"

    @property
    def rest_url(self) -> str:
        """The REST WebAPI's GetStatistics address on this site."""
        return f"{self.site_url}{REST_STATISTICS_PATH}"

    @property
    def display_url(self) -> str:
        """The endpoint for screens and logs: no query string, no credentials."""
        return _redact_url(self.service_url("CustomerService"))

    @property
    def insecure(self) -> tuple[str, ...]:
        """What is unsafe about how these settings reach the NetServer, in sentences (plain HTTP
        to another machine, TLS verification off); () when nothing is.

            >>> Settings(url="http://crm.example.com/Cust1").insecure[0][:43]
            'SUPEROFFICE_URL is plain http:// to another'
        """
        out = []
        for var, url in (("SUPEROFFICE_URL", self.url), ("SUPEROFFICE_LOGIN_URL", self.login_url)):
            parts = urlsplit(url or "")
            if parts.scheme == "http" and not _loopback(parts.hostname or ""):
                out.append(f"{var} is plain http:// to another machine: credentials and numbers "
                           "travel unencrypted; use https://.")
        if not self.verify_tls:
            out.append("SUPEROFFICE_VERIFY_TLS is off: the board sends its credentials to "
                       "whoever answers at the address; turn it on (the default).")
        return tuple(out)

    @property
    def credential_kind(self) -> CredentialKind:
        """The credential in use, for both transports: the one place that decides.

        `_check_online` allows only a ticket together with a user name and password; then the
        user name and password win (a ticket obtained from them is renewed, a given one is not).
        """
        if self.access_token:
            return CredentialKind.BEARER
        if self.system_user_token:
            return CredentialKind.SYSTEM_USER
        if self.user and self.password:
            return CredentialKind.USER_PASSWORD
        if self.ticket:
            return CredentialKind.TICKET
        return CredentialKind.NONE

    @property
    def secrets(self) -> tuple[str, ...]:
        """Every secret these settings hold, to be redacted from whatever a server says."""
        own = (self.ticket, self.password, self.app_token, self.access_token,
               self.system_user_token)
        return tuple(s for s in own if s)

    def with_changes(self, **changes: object) -> Settings:
        return replace(self, **changes)  # type: ignore[arg-type]

    # -- edges -----------------------------------------------------------------------------
    @classmethod
    def from_env(cls, env: Mapping[str, str], **overrides: object) -> Settings:
        """Build from environment strings; `overrides` (CLI options) win where not None."""
        values: dict[str, object] = {}
        for f in fields(cls):
            raw = overrides.get(f.name)
            if raw is None:
                raw = env.get(ENV_VARS[f.name]) or None
            if raw is None:
                continue
            values[f.name] = _coerce(f.name, raw)
        if "url" not in values:
            raise ConfigurationError(
                "No NetServer URL: set SUPEROFFICE_URL (or --url) to a site URL such as "
                "https://host/Cust12345."
            )
        return cls(**values)  # type: ignore[arg-type]


def _loopback(host: str) -> bool:
    return host == "localhost" or host.startswith("127.") or host == "::1"


def _coerce(name: str, raw: object) -> object:
    if not isinstance(raw, str):
        return raw
    var = ENV_VARS[name]
    if name == "timeout":
        return coerce.seconds(var, raw)  # the range is checked in __post_init__
    if name == "max_reply_bytes":
        return coerce.whole_number(var, raw)
    if name == "max_values":
        return coerce.whole_number(var, raw)
    if name in ("verify_tls", "use_server_wsdl", "allow_plain_http"):
        return coerce.boolean(var, raw)
    return raw.strip()


#: Secret settings and what each one is, for the sentence refusing a stray character.
SECRET_FIELDS: Mapping[str, str] = {
    "ticket": "a ticket", "password": "a password", "app_token": "an application token",
    "access_token": "a bearer token", "system_user_token": "a system user token",
}
REST_STATISTICS_PATH = "/api/v1/Agents/CustomerService/GetStatistics"
#: The longest a call may wait: a socket's timeout overflows far beyond it.
MAX_TIMEOUT_S = 600.0
TRANSPORTS = ("soap", "rest")
ONLINE_ENVS = ("sod", "stage", "online")
_ENV_HOST_RE = re.compile(r"^(sod|stage|online)\d*\.superoffice\.com$", re.IGNORECASE)
_CONTEXT_RE = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")


def _env_from_host(host: str) -> str | None:
    match = _ENV_HOST_RE.match(host)
    return match.group(1).lower() if match else None


def _check_online(s: Settings) -> None:
    """Transport, Online system user and bearer token settings (issue 4)."""
    transport = (s.transport or "").strip().lower()
    if transport not in TRANSPORTS:
        raise ConfigurationError(
            f"SUPEROFFICE_TRANSPORT must be soap or rest; got {s.transport!r}."
        )
    object.__setattr__(s, "transport", transport)
    if s.online_env is not None:
        env = s.online_env.strip().lower()
        if env not in ONLINE_ENVS:
            raise ConfigurationError(
                f"SUPEROFFICE_ENV must be sod, stage or online; got {s.online_env!r}."
            )
        object.__setattr__(s, "online_env", env)
    if s.login_url is not None:
        parts = urlsplit(s.login_url.strip())
        if parts.scheme not in ("http", "https") or not parts.hostname or parts.username:
            raise ConfigurationError(
                "SUPEROFFICE_LOGIN_URL must be an http(s) URL such as "
                f"https://sod.superoffice.com; got {_redact_url(s.login_url)!r}."
            )
        object.__setattr__(s, "login_url", urlunsplit(
            (parts.scheme, parts.netloc, parts.path.rstrip("/"), "", "")))
    if s.context is not None and not _CONTEXT_RE.match(s.context):
        raise ConfigurationError(
            f"SUPEROFFICE_CONTEXT must be a tenant identifier such as Cust12345; got {s.context!r}."
        )
    system_user = bool(s.system_user_token or s.private_key_path)
    if system_user:
        missing = [var for var, value in (
            ("SUPEROFFICE_SYSTEM_USER_TOKEN", s.system_user_token),
            ("SUPEROFFICE_PRIVATE_KEY", s.private_key_path),
            ("SUPEROFFICE_CONTEXT", s.context),
            ("SUPEROFFICE_APP_TOKEN", s.app_token),
        ) if not value]
        if missing:
            raise ConfigurationError(
                "A SuperOffice Online system user needs SUPEROFFICE_SYSTEM_USER_TOKEN, "
                "SUPEROFFICE_PRIVATE_KEY (a file path), SUPEROFFICE_CONTEXT and "
                f"SUPEROFFICE_APP_TOKEN; missing: {', '.join(missing)}."
            )
    kinds = [name for name, on in (
        ("SUPEROFFICE_ACCESS_TOKEN", bool(s.access_token)),
        ("SUPEROFFICE_SYSTEM_USER_TOKEN", system_user),
        ("SUPEROFFICE_TICKET", bool(s.ticket)),
        ("SUPEROFFICE_USER", bool(s.user)),
    ) if on]
    if len(kinds) > 1 and (s.access_token or system_user):
        raise ConfigurationError(
            f"Set one kind of credential only; {' and '.join(kinds)} are both set."
        )
    if s.access_token and transport != "rest":
        raise ConfigurationError(
            "SUPEROFFICE_ACCESS_TOKEN (a bearer token) works only over the REST WebAPI; "
            "set SUPEROFFICE_TRANSPORT=rest."
        )


def _stray(value: str, *, spaces: bool) -> bool:
    """Whether `value` holds whitespace (but plain spaces, when `spaces`) or a control or
    format character (Unicode Cc, Cf: line breaks, tabs, ESC, zero-width marks)."""
    return any((c.isspace() and not (spaces and c == " "))
               or unicodedata.category(c) in ("Cc", "Cf") for c in value)


def _check_secrets(s: Settings) -> None:
    """A secret with a line break, tab or control character in it would end up in an HTTP
    header or a login, and the lower error saying so would quote it: refuse it here, naming
    the setting and never the value. A password may hold plain spaces."""
    for name, what in SECRET_FIELDS.items():
        value = getattr(s, name)
        if value is None:
            continue
        var = ENV_VARS[name]
        if not isinstance(value, str):
            raise ConfigurationError(f"{var} must be text.")
        password = name == "password"
        if _stray(value, spaces=password):
            kinds = ("a line break, tab or other control character" if password
                     else "whitespace or a control character")
            raise ConfigurationError(
                f"{var} holds {kinds}, which {what} never does; set it again without them "
                "(a line break copied along with it is the usual cause). The value is not "
                "shown.")


def _check_plain_http(s: Settings) -> None:
    """A password, or the system user's signed token, goes over plain http:// to another
    machine only when SUPEROFFICE_ALLOW_PLAIN_HTTP says so (loopback, the demo, needs not)."""
    if s.allow_plain_http:
        return
    kind = s.credential_kind
    if kind is CredentialKind.USER_PASSWORD:
        var, url, what = "SUPEROFFICE_URL", s.url, "the password"
    elif kind is CredentialKind.SYSTEM_USER:
        var, url, what = ("SUPEROFFICE_LOGIN_URL", s.login_base,
                          "the system user's signed token")
    else:
        return
    parts = urlsplit(url)
    if parts.scheme == "http" and not _loopback(parts.hostname or ""):
        raise ConfigurationError(
            f"{var} is plain http:// to another machine, so {what} would travel unencrypted; "
            f"use https://, or set SUPEROFFICE_ALLOW_PLAIN_HTTP=true to send it anyway on a "
            "network you trust.")


def _redact_url(url: str) -> str:
    """Drop user info, query and fragment: a ticket can hide in any of them."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<unparseable URL>"
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path, "", ""))
