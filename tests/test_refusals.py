"""Refusals end to end over HTTP, both transports: which ExceptionType is a refused ticket, which a
service error, what an unfamiliar one turns out to be, and that every failed login is exit 4."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from netserver_demo import DemoNetServer, Fault
from netserver_demo.partner import PartnerFault, PartnerLogin, attach_partner
from netserver_demo.state import ExceptionInfo
from stats_client import AuthenticationFailed, ServiceError, Settings, StatsClientError
from stats_client.auth import Refusal, refusal_kind
from stats_client.client import RefusalMemory, StatisticsClient, open_client
from stats_client.online import AUTHENTICATE_PATH
from stats_client.panels import PanelType

TICKET = "7T:refusals-fixed-SECRET-0042"
APP_TOKEN = "APP-refusals-SECRET-0043"
USER, PASSWORD = "ann", "pw-refusals-SECRET-0044"
SYSTEM_USER_TOKEN = "SYSUSER-refusals-SECRET-0045"
CONTEXT = "Cust12345"
PANELS = (PanelType.StatusScreen,)


@dataclass
class Desk:
    """A demo NetServer that wants credentials, with its partner login service."""

    srv: DemoNetServer
    partner: PartnerLogin
    clock: Any
    key_file: Path

    def settings(self, credential: str, transport: str, **changes: Any) -> Settings:
        values: dict[str, Any] = {"url": self.srv.url, "app_token": APP_TOKEN,
                                  "transport": transport, "timeout": 5}
        if credential == "password":
            values.update(user=USER, password=PASSWORD)
        elif credential == "system user":
            values.update(system_user_token=SYSTEM_USER_TOKEN, private_key_path=str(self.key_file),
                          context=CONTEXT, login_url=self.partner.login_base)
        else:
            values.update(ticket=TICKET)
        values.update(changes)
        return Settings(**values)

    def client(self, credential: str, transport: str, memory: RefusalMemory | None = None,
               **changes: Any) -> StatisticsClient:
        return open_client(self.settings(credential, transport, **changes), clock=self.clock,
                           refusals=memory or RefusalMemory())

    def logins(self) -> int:
        return self.srv.call_count("AuthenticateUsernamePassword") + self.partner.logins


@pytest.fixture
def desk(demo_server_factory: Callable[..., DemoNetServer], clock: Any,
         key_path: tuple[rsa.RSAPrivateKey, Path]) -> Desk:
    srv = demo_server_factory(ticket=TICKET, app_token=APP_TOKEN, users={USER: PASSWORD},
                              clock=clock)
    partner = attach_partner(srv)
    partner.register_app(APP_TOKEN, key_path[0].public_key())
    partner.register_tenant(CONTEXT, SYSTEM_USER_TOKEN, APP_TOKEN)
    return Desk(srv, partner, clock, key_path[1])


# -- the classification ----------------------------------------------------------------------
KINDS = [
    ("SoSessionExpiredException", "", Refusal.CREDENTIALS),
    ("SuperOffice.CRM.Security.SoSecurityException", "", Refusal.CREDENTIALS),
    ("SuperOffice.CRM.Data.SomethingException", "", Refusal.UNKNOWN),  # the namespace says nothing
    ("InvalidTicketException", "", Refusal.CREDENTIALS),
    ("SESSIONTIMEOUTEXCEPTION", "", Refusal.CREDENTIALS),
    ("LoginRequired", "", Refusal.CREDENTIALS),
    ("CredentialsMissing", "", Refusal.CREDENTIALS),
    ("Outer+AuthenticationException", "", Refusal.CREDENTIALS),
    ("SoApplicationTokenException", "", Refusal.CREDENTIALS),
    ("System.Data.SqlClient.SqlException", "the session timed out", Refusal.SERVICE),
    ("SoDatabaseException", "The ticket is not valid", Refusal.SERVICE),
    ("NullReferenceException", "The ticket is not valid", Refusal.UNKNOWN),
    ("", "The ticket is not valid", Refusal.CREDENTIALS),
    ("", "Ticket 4711 is locked by another session", Refusal.SERVICE),
]


@pytest.mark.parametrize(("exception_type", "message", "kind"), KINDS)
def test_the_exception_type_decides(exception_type: str, message: str, kind: Refusal) -> None:
    assert refusal_kind(exception_type, message) is kind


# -- GetStatistics refusals, end to end ----------------------------------------------------------
#: (ExceptionType, calls refused in a row, error or None, extra logins): the credential is one
#: that can renew; the first poll worked; then the NetServer refuses `calls` calls in a row.
GET_STATISTICS = [
    ("SoSessionExpiredException", 1, None, 1),
    ("SuperOffice.CRM.Security.SoSecurityException", 1, None, 1),
    ("InvalidTicketException", 1, None, 1),
    ("SessionTimeoutException", 1, None, 1),
    ("LoginRequired", 1, None, 1),
    ("SoSessionExpiredException", 2, AuthenticationFailed, 1),  # renewed once, no loop
    ("SqlException", 1, ServiceError, 0),  # no login for an error inside the NetServer
    ("SoDatabaseException", 1, ServiceError, 0),
    ("QuirkyStateException", 1, None, 1),  # unfamiliar, a renewal cured it
    ("QuirkyStateException", 2, ServiceError, 1),  # unfamiliar, a renewal did not help
]
#: (credential, transport) pairs that can renew: SoPrincipal over SOAP, the system user on both.
RENEWABLE = [("password", "soap"), ("system user", "soap"), ("system user", "rest")]


def _warm_up(desk: Desk, client: StatisticsClient) -> int:
    """One good poll, then two minutes on (a system user's ticket is then renewable)."""
    client.fetch_frame(PANELS)
    desk.clock.advance(minutes=2)
    client.fetch_frame(PANELS)
    return desk.logins()


@pytest.mark.parametrize(("credential", "transport"), RENEWABLE)
@pytest.mark.parametrize(("exception_type", "calls", "error", "logins"), GET_STATISTICS)
def test_get_statistics_refusals(desk: Desk, credential: str, transport: str,
                                 exception_type: str, calls: int,
                                 error: type[StatsClientError] | None, logins: int) -> None:
    memory = RefusalMemory()
    with desk.client(credential, transport, memory) as client:
        before = _warm_up(desk, client)
        desk.srv.state.refuse_next("GetStatistics", ExceptionInfo("Refused, said the server",
                                                                  exception_type), calls)
        if error is None:
            assert len(client.fetch_frame(PANELS)) > 0
        else:
            with pytest.raises(error) as raised:
                client.fetch_frame(PANELS)
            assert type(raised.value) is error
            assert "said the server" in str(raised.value)
        assert desk.logins() - before == logins
    assert memory.is_refusal(exception_type) == (exception_type.startswith("Quirky")
                                                 and error is None)


@pytest.mark.parametrize(("credential", "transport"), RENEWABLE)
def test_an_unfamiliar_type_that_renewal_did_not_cure_waits_an_hour(
        desk: Desk, credential: str, transport: str) -> None:
    quirk = ExceptionInfo("Something odd", "OddStateException")
    with desk.client(credential, transport) as client:
        before = _warm_up(desk, client)
        for minutes, refused, extra in [(0, 2, 1), (30, 1, 0), (29, 1, 0), (2, 2, 1)]:
            desk.clock.advance(minutes=minutes)
            desk.srv.state.refuse_next("GetStatistics", quirk, refused)
            with pytest.raises(ServiceError, match="OddStateException"):
                client.fetch_frame(PANELS)
            assert desk.logins() - before == extra
            before = desk.logins()
            desk.srv.state.refuse_next("GetStatistics", None)


def test_a_learned_type_is_a_refused_ticket_for_every_client_logged_once(
        desk: Desk, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    memory = RefusalMemory()
    quirk = ExceptionInfo("Nope", "TenantMovedException")
    for transport in ("soap", "soap", "rest"):
        with desk.client("system user", transport, memory) as client:
            _warm_up(desk, client)
            desk.srv.state.refuse_next("GetStatistics", quirk)
            client.fetch_frame(PANELS)
    learned = [r for r in caplog.records if "TenantMovedException" in r.getMessage()
               and r.levelno == logging.WARNING]
    assert len(learned) == 1
    # A fixed ticket cannot be renewed: the learned type is now an authentication error (exit 4).
    for transport in ("soap", "rest"):
        with desk.client("ticket", transport, memory) as client:
            desk.srv.state.refuse_next("GetStatistics", quirk)
            with pytest.raises(AuthenticationFailed, match="SUPEROFFICE_TICKET") as raised:
                client.fetch_frame(PANELS)
            assert raised.value.exit_code == 4


@pytest.mark.parametrize("transport", ["soap", "rest"])
def test_unfamiliar_types_are_not_renewed_with_a_fixed_ticket(desk: Desk, transport: str) -> None:
    with desk.client("ticket", transport) as client:
        desk.srv.state.refuse_next("GetStatistics", ExceptionInfo("Odd", "OddStateException"))
        with pytest.raises(ServiceError) as raised:
            client.fetch_frame(PANELS)
        assert raised.value.exit_code == 5
        assert client.calls == 1
    assert desk.logins() == 0


def test_a_fresh_system_user_ticket_is_not_renewed_for_an_unfamiliar_type(desk: Desk) -> None:
    with desk.client("system user", "rest") as client:
        client.fetch_frame(PANELS)
        desk.srv.state.refuse_next("GetStatistics", ExceptionInfo("Odd", "OddStateException"))
        with pytest.raises(ServiceError):
            client.fetch_frame(PANELS)  # issued moments ago: a renewal would tell nothing
        assert desk.partner.logins == 1
        assert client.fetch_frame(PANELS) is not None  # and no hold was started


# -- login refusals ----------------------------------------------------------------------------
#: (scripted SoPrincipal ExceptionInfo, or a wrong password; error; what the sentence names)
SOPRINCIPAL = [
    (ExceptionInfo("Access denied", "SoSecurityException"), AuthenticationFailed,
     "SUPEROFFICE_PASSWORD"),
    (ExceptionInfo("Computer says no", "LicenseExhaustedException"), AuthenticationFailed,
     "SUPEROFFICE_USER"),
    (ExceptionInfo("Login refused", ""), AuthenticationFailed, "SUPEROFFICE_APP_TOKEN"),
    (ExceptionInfo("Timeout expired", "SqlException"), ServiceError, "Timeout expired"),
    (None, AuthenticationFailed, "SUPEROFFICE_PASSWORD"),  # AuthenticationSucceeded=false
]


@pytest.mark.parametrize(("info", "error", "says"), SOPRINCIPAL)
def test_soprincipal_login_failures(desk: Desk, info: ExceptionInfo | None,
                                    error: type[StatsClientError], says: str) -> None:
    changes = {} if info else {"password": "wrong-password"}
    desk.srv.state.refuse_next("login", info)
    with desk.client("password", "soap", **changes) as client, \
            pytest.raises(error, match=says) as raised:
        client.fetch_frame(PANELS)
    assert type(raised.value) is error
    assert desk.srv.call_count("GetStatistics") == 0
    assert PASSWORD not in str(raised.value)


def _refused_with_status(status: int) -> Callable[[Any], Any]:
    def handler(req: Any) -> Any:
        body = {"IsSuccessful": False, "Token": None, "ErrorMessage": "Unknown application token."}
        return status, {"Content-Type": "application/json"}, json.dumps(body).encode()
    return handler


ONLINE = [
    ("is-successful-false", lambda d: d.partner.set_fault(PartnerFault.REVOKED), "approv"),
    ("unknown-tenant", lambda d: d.partner.set_fault(PartnerFault.UNKNOWN_TENANT),
     "SUPEROFFICE_CONTEXT"),
    ("bad-jwt", lambda d: d.partner.set_fault(PartnerFault.BAD_JWT), "did not verify"),
    ("http-400-refusal", lambda d: d.srv.add_route("POST", AUTHENTICATE_PATH,
                                                   _refused_with_status(400)),
     "SUPEROFFICE_APP_TOKEN"),
    ("http-500-refusal", lambda d: d.srv.add_route("POST", AUTHENTICATE_PATH,
                                                   _refused_with_status(500)),
     "SUPEROFFICE_APP_TOKEN"),
]


@pytest.mark.parametrize(("name", "arrange", "says"), ONLINE, ids=[o[0] for o in ONLINE])
@pytest.mark.parametrize("transport", ["soap", "rest"])
def test_online_login_refusals_are_authentication_errors(
        desk: Desk, transport: str, name: str, arrange: Callable[[Desk], None], says: str) -> None:
    arrange(desk)
    with desk.client("system user", transport) as client, \
            pytest.raises(AuthenticationFailed, match=says) as raised:
        client.fetch_frame(PANELS)
    assert raised.value.exit_code == 4
    assert SYSTEM_USER_TOKEN not in str(raised.value)
    assert name


# -- the command line ----------------------------------------------------------------------------
#: (what is wrong, settings env, transport, exit status, what the line names)
CLI_CASES = [
    ("wrong-ticket", {"SUPEROFFICE_TICKET": "7T:wrong"}, 4, "SUPEROFFICE_TICKET"),
    ("wrong-password", {"SUPEROFFICE_USER": USER, "SUPEROFFICE_PASSWORD": "wrong"}, 4,
     "SUPEROFFICE_PASSWORD"),
    ("database-error", {"SUPEROFFICE_TICKET": TICKET}, 5, "SoDatabaseException"),
]


@pytest.mark.parametrize(("name", "env", "status", "says"), CLI_CASES,
                         ids=[c[0] for c in CLI_CASES])
@pytest.mark.parametrize("transport", ["soap", "rest"])
def test_fetch_exit_status(desk: Desk, run_cli: Callable[..., Any], transport: str, name: str,
                           env: dict[str, str], status: int, says: str) -> None:
    if name == "database-error":
        desk.srv.set_fault(Fault.SERVICE_ERROR)
    run = run_cli("fetch", "--transport", transport, env={
        "SUPEROFFICE_URL": desk.srv.url, "SUPEROFFICE_APP_TOKEN": APP_TOKEN, **env})
    assert run.status == status, run.stderr
    assert run.stderr.startswith("error: ")
    assert len(run.stderr.splitlines()) == 1
    assert says in run.stderr
    assert "Traceback" not in run.stderr
    for secret in (PASSWORD, APP_TOKEN, TICKET):
        assert secret not in run.stderr


def test_an_unfamiliar_type_waits_an_hour_of_the_given_clock() -> None:
    now = datetime(2030, 1, 1, tzinfo=UTC)
    memory = RefusalMemory()
    memory.renewal_failed("OddStateException", now)
    assert not memory.may_try("oddstateexception", now + timedelta(minutes=59))
    assert memory.may_try("OddStateException", now + timedelta(hours=1))


@pytest.mark.parametrize(("credential", "hint"), [
    ("ticket", "Check SUPEROFFICE_TICKET (tickets expire)"),
    ("password", "Check SUPEROFFICE_USER, SUPEROFFICE_PASSWORD"),
    # renewed once, refused again: the Online path's own sentence, which names the context
    ("system user", "check that SUPEROFFICE_CONTEXT names the same tenant"),
])
def test_an_http_refusal_over_soap_names_the_settings_of_the_credential_in_use(
        desk: Desk, credential: str, hint: str) -> None:
    """Regression: HTTP 401 over SOAP named the ticket and password whatever was set."""
    desk.srv.serve_raw(b"<html><body>Unauthorized</body></html>", status=401,
                       content_type="text/html")
    with desk.client(credential, "soap") as client, pytest.raises(AuthenticationFailed) as info:
        client.fetch(PANELS)
    assert hint in str(info.value), str(info.value)
    assert "SUPEROFFICE_PASSWORD" not in str(info.value) or credential == "password"
