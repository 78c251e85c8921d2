"""The one client: `open_client(settings)` → `StatisticsClient`, over SOAP or the REST WebAPI.

The client owns what both transports share: the lock, data-set matching, call counting, the
credential and the retry-once after a refused ticket, the status the Connection screen shows,
and the conversion of lower errors (raised `from` the cause). A *wire* (`soap.SoapWire`,
`rest.RestWire`) makes one GetStatistics call with a given credential.

    >>> with open_client(Settings("http://127.0.0.1:8087", ticket="7T:x")) as client:
    ...     frame = client.fetch_frame()          # doctest: +SKIP
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from types import TracebackType
from typing import Protocol

import pandas as pd

from .credentials import Clock, Credential, PasswordLoginCall, Proof, credential_for
from .errors import AuthenticationFailed, StatsClientError
from .frames import DataSet, PanelData, to_frame
from .matching import DatasetMatcher, requested_panels
from .online import utcnow
from .panels import ALL_PANELS, PanelType
from .rest import RestWire
from .settings import CredentialKind, Settings
from .soap import SoapWire

log = logging.getLogger(__name__)

_TRANSPORT_NAMES = {"soap": "SOAP (Services87)", "rest": "REST WebAPI (api/v1)"}


class Wire(Protocol):
    """One way to call GetStatistics on a NetServer (SOAP or REST)."""

    @property
    def endpoint(self) -> str:
        """The address called, for screens and logs (no query, no credentials)."""
        ...

    @property
    def password_login(self) -> PasswordLoginCall | None:
        """How this wire turns a user name and password into a ticket; None: it sends them."""
        ...

    def get_statistics(self, panels: Sequence[PanelType], proof: Proof | None, *,
                       refusal_hint: str, secrets: Sequence[str]) -> tuple[DataSet, ...]:
        """One call; AuthenticationFailed (with `refusal_hint`) when the proof is refused."""
        ...

    def convert_error(self, exc: Exception, secrets: Sequence[str]) -> StatsClientError | None:
        """The `errors` family member for a lower error this wire lets through, or None."""
        ...

    def close(self) -> None: ...


class StatisticsClient:
    """Fetches Status-page statistics from one NetServer; use as a context manager.

    Thread-safe: calls are serialised, so a poller and a Connection screen may share it.
    """

    def __init__(self, settings: Settings, wire: Wire, credential: Credential) -> None:
        self._settings = settings
        self._wire = wire
        self._credential = credential
        self._lock = threading.RLock()
        self._calls = 0
        self._matcher = DatasetMatcher(f"GetStatistics over {settings.transport.upper()}")

    # -- public --------------------------------------------------------------------------------
    def fetch(self, panels: Sequence[PanelType] = ALL_PANELS) -> tuple[PanelData, ...]:
        """The data sets for each requested panel, in the requested order."""
        wanted = requested_panels(panels)
        with self._lock, self._converting():
            return self._matcher.fetch(wanted, self._get_statistics)

    def fetch_frame(self, panels: Sequence[PanelType] = ALL_PANELS) -> pd.DataFrame:
        """`fetch()` as one tidy frame (see `frames.COLUMNS`)."""
        return to_frame(self.fetch(panels))

    @property
    def calls(self) -> int:
        """GetStatistics HTTP calls made so far."""
        return self._calls

    @property
    def endpoint(self) -> str:
        return self._wire.endpoint

    @property
    def credential_kind(self) -> CredentialKind:
        return self._credential.kind

    @property
    def credential(self) -> Credential:
        """The credential in use (tests and the Connection screen read its state)."""
        return self._credential

    @property
    def settings(self) -> Settings:
        return self._settings

    def status_info(self) -> dict[str, str]:
        """What the Connection screen shows: plain strings, never a ticket, token or password.

        Keys: transport ("soap"|"rest"), transport_name, endpoint, credential, ticket_renewal
        (a sentence), ticket_renews_at ("YYYY-MM-DD HH:MM:SS UTC" or ""), context,
        login_service.
        """
        transport = self._settings.transport
        info = {
            "transport": transport,
            "transport_name": _TRANSPORT_NAMES.get(transport, transport),
            "endpoint": self.endpoint,
            "credential": str(self._credential.kind),
            "ticket_renewal": self._credential.renewal,
            "ticket_renews_at": "",
            "context": self._settings.context or "",
            "login_service": "",
        }
        info.update(self._credential.status_info())
        return info

    def close(self) -> None:
        self._wire.close()
        self._credential.close()

    def __enter__(self) -> StatisticsClient:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    def __repr__(self) -> str:
        return (f"StatisticsClient(transport={self._settings.transport!r}, "
                f"endpoint={self.endpoint!r}, credential={str(self.credential_kind)!r}, "
                f"calls={self._calls})")

    # -- fetching ------------------------------------------------------------------------------
    def _get_statistics(self, panels: Sequence[PanelType]) -> tuple[DataSet, ...]:
        """One call; a refused ticket is renewed once (when the credential can) and retried."""
        proof = self._credential.current()  # a refused login raises here, and is not retried
        try:
            return self._call(panels, proof)
        except AuthenticationFailed:
            renewed = self._credential.renew()
            if renewed is None:
                raise
            log.info("The NetServer refused the ticket; obtained a new one and retrying once.")
            return self._call(panels, renewed)

    def _call(self, panels: Sequence[PanelType], proof: Proof | None) -> tuple[DataSet, ...]:
        self._calls += 1
        return self._wire.get_statistics(panels, proof, secrets=self._secrets(),
                                         refusal_hint=self._credential.refusal_hint)

    def _secrets(self) -> tuple[str, ...]:
        return self._settings.secrets + self._credential.secrets()

    @contextmanager
    def _converting(self) -> Iterator[None]:
        """Turn every lower error into one of ours, raised from the original."""
        try:
            yield
        except StatsClientError:
            raise
        except Exception as exc:
            converted = self._wire.convert_error(exc, self._secrets())
            if converted is None:
                raise
            raise converted from exc


def open_client(settings: Settings, *, clock: Clock = utcnow,
                credential: Credential | None = None) -> StatisticsClient:
    """The client for these settings: the one way the CLI, the poller and the tests make one.

    `settings.transport` picks the wire (SOAP or the REST WebAPI); `settings.credential_kind`
    the credential (a system user's key file is read now: a bad one raises ConfigurationError).
    `clock` drives ticket renewal; `credential` shares one (and its ticket) between clients.
    """
    wire: Wire = RestWire(settings) if settings.transport == "rest" else SoapWire(settings)
    try:
        if credential is None:
            credential = credential_for(settings, login=wire.password_login, clock=clock)
    except BaseException:
        wire.close()
        raise
    return StatisticsClient(settings, wire, credential)
