"""Frozen connection settings; only the edges (CLI, dashboard) read the environment.

    >>> s = Settings.from_env({"SUPEROFFICE_URL": "https://sod.superoffice.com/Cust12345"})
    >>> s.service_url("CustomerService")
    'https://sod.superoffice.com/Cust12345/Remote/Services87/CustomerService.svc'
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from urllib.parse import urlsplit, urlunsplit

from .errors import ConfigurationError

SERVICES_PATH = "/Remote/Services87/"
_SVC_RE = re.compile(r"/Remote/Services\d+/[A-Za-z]+\.svc$", re.IGNORECASE)

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
}


def _secret() -> str | None:
    """A secret field: excluded from repr() and comparisons."""
    return field(default=None, repr=False, compare=False)  # type: ignore[no-any-return]


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
    max_reply_bytes: int = 20 * 1024 * 1024

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
                and self.timeout > 0):
            raise ConfigurationError("SUPEROFFICE_TIMEOUT must be a positive number of seconds.")
        if self.max_reply_bytes < 1024:
            raise ConfigurationError("SUPEROFFICE_MAX_REPLY_BYTES must be at least 1024.")
        if bool(self.user) != bool(self.password):
            raise ConfigurationError(
                "SUPEROFFICE_USER and SUPEROFFICE_PASSWORD go together; one of them is missing."
            )

    # -- derived ---------------------------------------------------------------------------
    @property
    def site_url(self) -> str:
        """The site part of the URL (without `/Remote/Services87/….svc`)."""
        match = _SVC_RE.search(self.url)
        return self.url[: match.start()] if match else self.url

    def service_url(self, service: str) -> str:
        """Full `.svc` address of a Services87 service on this site."""
        return f"{self.site_url}{SERVICES_PATH}{service}.svc"

    @property
    def display_url(self) -> str:
        """The endpoint for screens and logs: no query string, no credentials."""
        return _redact_url(self.service_url("CustomerService"))

    @property
    def credential_kind(self) -> str:
        """Which credential is in use, in words, never the credential itself."""
        if self.user:
            return "user name and password"
        if self.ticket:
            return "ticket"
        return "none"

    def with_changes(self, **changes: object) -> Settings:
        return replace(self, **changes)  # type: ignore[arg-type]

    # -- edges -----------------------------------------------------------------------------
    @classmethod
    def from_env(cls, env: Mapping[str, str], **overrides: object) -> Settings:
        """Build from environment-style strings; `overrides` (e.g. CLI options) win when not None."""
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


def _coerce(name: str, raw: object) -> object:
    if not isinstance(raw, str):
        return raw
    var = ENV_VARS[name]
    if name == "timeout":
        try:
            return float(raw)
        except ValueError:
            raise ConfigurationError(f"{var} must be a number of seconds; got {raw!r}.") from None
    if name == "max_reply_bytes":
        try:
            return int(raw)
        except ValueError:
            raise ConfigurationError(f"{var} must be a whole number of bytes; got {raw!r}.") from None
    if name in ("verify_tls", "use_server_wsdl"):
        low = raw.strip().lower()
        if low in ("1", "true", "yes", "on"):
            return True
        if low in ("0", "false", "no", "off"):
            return False
        raise ConfigurationError(f"{var} must be true or false; got {raw!r}.")
    return raw.strip()


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
