"""The one client: `open_client(settings)` → `StatisticsClient`, over SOAP or the REST WebAPI.

The client owns what both transports share: the lock, data-set matching, call counting, the
credential and the retry-once after a refused ticket, the status the Connection screen shows,
and the conversion of lower errors (raised `from` the cause). A *wire* (`soap.SoapWire`,
`rest.RestWire`) makes one GetStatistics call with a given credential and keeps its last reply
(`last_reply()`, for `capture`).

Refusals: a ticket refused (see `auth.refusal_kind`) is renewed once and the call retried, when
the credential can renew. An *unfamiliar* ExceptionType gets one renewal and one retry too, with
renewable credentials (user and password, system user): if the retry works, that type is a
refused ticket for the rest of the process (`RefusalMemory`); if not, it is a service error and
is not tried this way again for an hour. Never more than one extra login per `fetch()`.

    >>> with open_client(Settings("http://127.0.0.1:8087", ticket="7T:x")) as client:
    ...     frame = client.fetch_frame()          # doctest: +SKIP
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime, timedelta
from types import TracebackType
from typing import Protocol

import pandas as pd

from .auth import is_unfamiliar, refused_error
from .credentials import Credential, PasswordLoginCall, Proof, credential_for
from .errors import AuthenticationFailed, ServiceError, StatsClientError
from .frames import DataSet, PanelData, to_frame
from .http import Exchange, scrub
from .matching import DatasetMatcher, requested_panels
from .online import Clock, utcnow
from .panels import ALL_PANELS, PanelType
from .rest import RestWire
from .settings import CredentialKind, Settings
from .soap import SoapWire

log = logging.getLogger(__name__)

_TRANSPORT_NAMES = {"soap": "SOAP (Services87)", "rest": "REST WebAPI (api/v1)"}
#: How long an unfamiliar ExceptionType that a renewal did not cure is not tried that way again.
UNFAMILIAR_HOLD = timedelta(hours=1)


class RefusalMemory:
    """What unfamiliar ExceptionTypes turned out to be; thread-safe, one per process.

        >>> memory = RefusalMemory()
        >>> memory.may_try("FooException", datetime(2026, 1, 1))
        True
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._refusals: set[str] = set()
        self._not_until: dict[str, datetime] = {}

    def is_refusal(self, exception_type: str | None) -> bool:
        """Whether a renewal showed that this type refuses tickets."""
        with self._lock:
            return _key(exception_type) in self._refusals

    def may_try(self, exception_type: str | None, now: datetime) -> bool:
        """Whether a renewal may be tried for this type now (not within an hour of failing)."""
        with self._lock:
            until = self._not_until.get(_key(exception_type))
            return until is None or now >= until

    def renewal_helped(self, exception_type: str | None) -> None:
        """A renewal cured it: from now on a refused ticket (said once, in the log)."""
        key = _key(exception_type)
        with self._lock:
            new = key not in self._refusals
            self._refusals.add(key)
            self._not_until.pop(key, None)
        if new:
            log.warning("The NetServer refused the ticket with ExceptionType %r, which the board "
                        "did not know; a new ticket worked, so from now on that type counts as "
                        "a refused ticket.", exception_type)

    def renewal_failed(self, exception_type: str | None, now: datetime) -> None:
        """A renewal did not cure it: a service error, not tried this way for an hour."""
        with self._lock:
            self._not_until[_key(exception_type)] = now + UNFAMILIAR_HOLD

    def __repr__(self) -> str:
        with self._lock:
            return f"RefusalMemory(refusals={sorted(self._refusals)!r})"


def _key(exception_type: str | None) -> str:
    return (exception_type or "").strip().lower()


#: The process's memory of unfamiliar types (`open_client` shares it between clients).
PROCESS_REFUSALS = RefusalMemory()


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

    @property
    def last_exchange(self) -> Exchange | None:
        """The last GetStatistics reply as it came (unscrubbed), or None."""
        ...

    def close(self) -> None: ...


class StatisticsClient:
    """Fetches Status-page statistics from one NetServer; use as a context manager.

    Thread-safe: calls are serialised, so a poller and a Connection screen may share it.
    """

    def __init__(self, settings: Settings, wire: Wire, credential: Credential, *,
                 clock: Clock = utcnow, refusals: RefusalMemory = PROCESS_REFUSALS) -> None:
        self._settings = settings
        self._wire = wire
        self._credential = credential
        self._clock = clock
        self._refusals = refusals
        self._lock = threading.RLock()
        self._calls = 0
        self._renewals_left = 0  # extra logins left in this fetch()
        self._notes: tuple[str, ...] = ()
        self._matcher = DatasetMatcher(f"GetStatistics over {settings.transport.upper()}")

    # -- public --------------------------------------------------------------------------------
    def fetch(self, panels: Sequence[PanelType] = ALL_PANELS) -> tuple[PanelData, ...]:
        """The data sets for each requested panel, in the requested order."""
        wanted = requested_panels(panels)
        with self._lock, self._converting():
            self._renewals_left = 1
            got = self._matcher.fetch(wanted, self._get_statistics)
            capped, self._notes = cap_values(got, self._settings.max_values)
            return capped

    def fetch_frame(self, panels: Sequence[PanelType] = ALL_PANELS) -> pd.DataFrame:
        """`fetch()` as one tidy frame (see `frames.COLUMNS`); what the last fetch cut, in
        sentences, is in the frame's `attrs["notes"]` (the poller's Snapshot.notes)."""
        with self._lock:
            frame = to_frame(self.fetch(panels))
            if self._notes:
                frame.attrs["notes"] = self._notes
            return frame

    @property
    def notes(self) -> tuple[str, ...]:
        """What the last fetch cut (data sets past SUPEROFFICE_MAX_VALUES), in sentences."""
        return self._notes

    def last_reply(self) -> Exchange | None:
        """The last GetStatistics reply as it came (status, Content-Type, body), every secret
        this client knows scrubbed from the body; None before the first."""
        with self._lock:
            exchange = self._wire.last_exchange
            if exchange is None:
                return None
            text = exchange.body.decode("utf-8", "replace")
            return replace(exchange, body=self.scrub(text).encode("utf-8"))

    def scrub(self, text: str) -> str:
        """`text` with every secret this client knows (settings, tickets) replaced by ***."""
        return scrub(text, self._secrets())

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
        except ServiceError as exc:
            if not is_unfamiliar(exc):
                raise
            if self._refusals.is_refusal(exc.exception_type):
                said = (exc.server_message or exc.exception_type or "").rstrip(". ")
                refused = refused_error("GetStatistics", said, self._credential.refusal_hint)
                return self._renew_and_retry(panels, refused)
            return self._try_renewal(panels, exc)
        except AuthenticationFailed as exc:
            return self._renew_and_retry(panels, exc)

    def _renew_and_retry(self, panels: Sequence[PanelType],
                         refused: AuthenticationFailed) -> tuple[DataSet, ...]:
        if self._renewals_left < 1:
            raise refused
        renewed = self._credential.renew()
        if renewed is None:
            raise refused
        self._renewals_left -= 1
        log.info("The NetServer refused the ticket; obtained a new one and retrying once.")
        return self._call(panels, renewed)

    def _try_renewal(self, panels: Sequence[PanelType],
                     unfamiliar: ServiceError) -> tuple[DataSet, ...]:
        """An unfamiliar ExceptionType: one renewal and one retry tell whether it refused the
        ticket (see the module's docstring)."""
        kind, now = unfamiliar.exception_type, self._clock()
        if not (self._renewals_left > 0 and self._credential.can_renew_now()
                and self._refusals.may_try(kind, now)):
            raise unfamiliar
        self._renewals_left -= 1
        log.info("The NetServer answered with an unfamiliar error (%s); renewing the ticket once "
                 "to see whether it was refused.", kind)
        try:
            renewed = self._credential.renew()
            if renewed is None:  # pragma: no cover - can_renew_now() said it would
                raise unfamiliar
            datasets = self._call(panels, renewed)
        except StatsClientError:
            self._refusals.renewal_failed(kind, now)
            raise
        self._refusals.renewal_helped(kind)
        return datasets

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


def cap_values(panels: Sequence[PanelData], limit: int
               ) -> tuple[tuple[PanelData, ...], tuple[str, ...]]:
    """Each data set cut to its first `limit` values, and a sentence for every one cut (the
    board never cuts data silently).

        >>> from stats_client.frames import DataValue
        >>> many = DataSet("Open", None, tuple(DataValue(str(n), n, None) for n in range(5)))
        >>> kept, notes = cap_values([PanelData(PanelType.Hotlist, (many,))], 3)
        >>> len(kept[0].datasets[0].values), notes[0][:48]
        (3, 'Hotlist: the NetServer sent 5 values in its data')
    """
    out: list[PanelData] = []
    notes: list[str] = []
    for item in panels:
        sets = []
        for n, ds in enumerate(item.datasets):
            if len(ds.values) > limit:
                name = f'"{ds.label}"' if ds.label else f"number {n + 1}"
                notes.append(
                    f"{item.panel.wire_name}: the NetServer sent {len(ds.values)} values in its "
                    f"data set {name}; the first {limit} are shown and the rest are left out "
                    "(SUPEROFFICE_MAX_VALUES).")
                ds = replace(ds, values=ds.values[:limit])
            sets.append(ds)
        out.append(replace(item, datasets=tuple(sets)))
    return tuple(out), tuple(notes)


def open_client(settings: Settings, *, clock: Clock = utcnow,
                credential: Credential | None = None,
                refusals: RefusalMemory = PROCESS_REFUSALS) -> StatisticsClient:
    """The client for these settings: the one way the CLI, the poller and the tests make one.

    `settings.transport` picks the wire (SOAP or the REST WebAPI); `settings.credential_kind`
    the credential (a system user's key file is read now: a bad one raises ConfigurationError).
    `clock` drives ticket renewal; `credential` shares one (and its ticket) between clients;
    `refusals` what unfamiliar ExceptionTypes turned out to be (the process's by default).
    """
    wire: Wire = RestWire(settings) if settings.transport == "rest" else SoapWire(settings)
    try:
        if credential is None:
            credential = credential_for(settings, login=wire.password_login, clock=clock)
    except BaseException:
        wire.close()
        raise
    return StatisticsClient(settings, wire, credential, clock=clock, refusals=refusals)
