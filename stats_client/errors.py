"""One small family of errors, each with a sentence a person can act on.

    StatsClientError                 base; `.kind` names the member, `.exit_code` the CLI status
    ├── ConfigurationError           a setting is missing or wrong (exit 2)
    ├── NetServerUnreachable         cannot connect, or timed out (exit 3)
    ├── AuthenticationFailed         the ticket, user/password or token was refused (exit 4)
    ├── ServiceError                 the NetServer answered Succeeded=false (exit 5)
    ├── InvalidReply                 the reply is not what the WSDL promises (exit 6)
    └── HistoryUnavailable           the history database cannot be opened, read or written (exit 7)

Messages never contain a ticket, token, password or key: they are built from fixed text and
from server-supplied text only.
"""

from __future__ import annotations


class StatsClientError(Exception):
    """Base of the family. `str(err)` is a full sentence naming the cause and what to check."""

    kind: str = "error"
    exit_code: int = 1

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r})"


class ConfigurationError(StatsClientError):
    """A setting is missing or malformed; the message names the setting."""

    kind = "configuration"
    exit_code = 2


class NetServerUnreachable(StatsClientError):
    """The NetServer could not be reached: refused, unresolvable, TLS failure or timeout."""

    kind = "connection"
    exit_code = 3


class AuthenticationFailed(StatsClientError):
    """The NetServer refused the credentials."""

    kind = "authentication"
    exit_code = 4


class ServiceError(StatsClientError):
    """The NetServer answered `Succeeded=false`; carries its `ExceptionInfo`."""

    kind = "service"
    exit_code = 5

    def __init__(self, message: str, *, exception_type: str | None = None,
                 server_message: str | None = None) -> None:
        super().__init__(message)
        self.exception_type = exception_type
        self.server_message = server_message


class InvalidReply(StatsClientError):
    """The reply is not what the WSDL promises (HTML page, fault, bad XML, DTD, too big)."""

    kind = "invalid-reply"
    exit_code = 6


class HistoryUnavailable(StatsClientError):
    """The history store cannot be used: unreachable, locked, full, corrupt or too new.

    Polling and live data never depend on it; the message never carries the URL's password."""

    kind = "history"
    exit_code = 7
