"""SOAP and REST against the same demo NetServer yield equal frames and the same error kinds."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from pandas.testing import assert_frame_equal

from netserver_demo import DemoNetServer, Fault
from netserver_demo.partner import attach_partner
from stats_client import Settings, StatsClientError
from stats_client.client import open_client
from stats_client.panels import ALL_PANELS, PanelType
from stats_client.poller import Poller

Make = Callable[..., DemoNetServer]
T0 = datetime(2026, 11, 25, 10, 17, tzinfo=UTC)  # a Wednesday morning: a busy desk


class Clock:
    def __init__(self, now: datetime = T0) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def both(settings: Settings, panels: Any = ALL_PANELS) -> tuple[pd.DataFrame, pd.DataFrame]:
    with open_client(settings) as soap, \
            open_client(settings.with_changes(transport="rest")) as rest:
        return soap.fetch_frame(panels), rest.fetch_frame(panels)


@pytest.fixture(scope="module")
def fixed_server() -> Any:
    srv = DemoNetServer(port=0, clock=Clock()).start()
    yield srv
    srv.stop()


@pytest.mark.parametrize("panel", list(PanelType), ids=lambda p: p.wire_name)
def test_every_panel_type_gives_equal_frames_over_both_transports(
        panel: PanelType, fixed_server: DemoNetServer) -> None:
    soap, rest = both(Settings(fixed_server.url), [panel])
    assert_frame_equal(soap, rest)
    if panel is not PanelType.None_:
        assert len(soap) > 0


def test_all_panels_in_one_fetch_are_equal_with_equal_call_counts(
        fixed_server: DemoNetServer) -> None:
    settings = Settings(fixed_server.url)
    with open_client(settings) as soap, \
            open_client(settings.with_changes(transport="rest")) as rest:
        for _ in range(2):  # the second fetch uses the learnt one-call-per-panel split
            assert_frame_equal(soap.fetch_frame(), rest.fetch_frame())
        assert soap.calls == rest.calls


@hypothesis_settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(offset=st.integers(min_value=0, max_value=60 * 24 * 120))
def test_frames_stay_equal_as_the_desk_moves(offset: int) -> None:
    clock = Clock(T0 + timedelta(minutes=offset))
    srv = DemoNetServer(port=0, clock=clock, seed=offset % 5).start()
    try:
        soap, rest = both(Settings(srv.url), ALL_PANELS)
        assert_frame_equal(soap, rest)
    finally:
        srv.stop()


def test_system_user_ticket_gives_equal_frames_over_both_transports(
        key_path: tuple[rsa.RSAPrivateKey, Path]) -> None:
    key, path = key_path
    # Real time on both sides: the login service checks the signed minute against its clock.
    srv = DemoNetServer(port=0, app_token="APP-eq", ticket="7T:only-this-one").start()
    try:
        partner = attach_partner(srv)
        partner.register_app("APP-eq", key.public_key())
        partner.register_tenant("Cust4242", "Board-SYS-eq", "APP-eq")
        settings = Settings(srv.url, app_token="APP-eq", system_user_token="Board-SYS-eq",
                            private_key_path=str(path), context="Cust4242",
                            login_url=partner.login_base)
        panels = (PanelType.StatusScreen, PanelType.OpenRequestsPerUser)
        soap, rest = both(settings, panels)
        # The desk moves with the real clock; compare what does not move within a second.
        assert_frame_equal(soap.drop(columns=["value", "description"]),
                           rest.drop(columns=["value", "description"]))
        assert partner.logins == 2  # one per client: each keeps its own ticket
        assert srv.call_count("GetStatistics") == srv.call_count("REST GetStatistics") == 1
    finally:
        srv.stop()


FAULTS = [f for f in Fault if f is not Fault.NONE]


@pytest.mark.parametrize("fault", FAULTS, ids=lambda f: f.value)
def test_each_fault_gives_the_same_error_kind_over_both_transports(
        fault: Fault, demo_server_factory: Make) -> None:
    srv = demo_server_factory(slow_seconds=2)
    srv.set_fault(fault)
    kinds = []
    for transport in ("soap", "rest"):
        with open_client(Settings(srv.url, transport=transport, timeout=0.4)) as client:
            with pytest.raises(StatsClientError) as info:
                client.fetch_frame((PanelType.StatusScreen,))
            kinds.append(info.value.kind)
    assert kinds[0] == kinds[1], kinds


def test_a_poller_runs_the_same_over_rest(fixed_server: DemoNetServer) -> None:
    with open_client(Settings(fixed_server.url, transport="rest")) as client:
        poller = Poller(client.fetch_frame, interval=30)
        snap = poller.poll_once()
    assert snap.error is None
    assert set(snap.panel_digests) == {p.wire_name for p in ALL_PANELS}


# -- one credential, whatever the transport ------------------------------------------------------
TICKET, APP, PASSWORD = "7T:eq-s3cr3t-ticket", "APP-eq-s3cr3t", "PW-eq-s3cr3t"
CREDENTIALS = [
    # settings, the kind both transports report, REST's Authorization scheme, SOAP logins
    ({}, "none", None, 0),
    ({"ticket": TICKET, "app_token": APP}, "ticket", "SOTicket", 0),
    ({"user": "ingrid", "password": PASSWORD, "app_token": APP}, "user name and password",
     "Basic", 1),
    # Regression: with a ticket and a user name and password, SOAP logged in while REST sent the
    # ticket and called it "user name and password". The ticket here is a wrong one: a call
    # that sent it would be refused.
    ({"ticket": "7T:not-this-one", "user": "ingrid", "password": PASSWORD, "app_token": APP},
     "user name and password", "Basic", 1),
]


@pytest.mark.parametrize(("changes", "kind", "scheme", "logins"), CREDENTIALS,
                         ids=["none", "ticket", "password", "ticket-and-password"])
def test_both_transports_present_the_credential_the_settings_name(
        changes: dict[str, str], kind: str, scheme: str | None, logins: int,
        demo_server_factory: Make) -> None:
    srv = (demo_server_factory(ticket=TICKET, app_token=APP, users={"ingrid": PASSWORD})
           if changes else demo_server_factory())
    settings = Settings(srv.url, **changes)
    assert settings.credential_kind == kind
    panels = (PanelType.StatusScreen,)
    with open_client(settings) as soap, \
            open_client(settings.with_changes(transport="rest")) as rest:
        for client in (soap, rest):
            assert client.fetch_frame(panels).shape[0] > 0
            assert client.credential_kind == kind
            assert client.status_info()["credential"] == kind
            assert f"credential={kind!r}" in repr(client)
            assert all(s not in repr(client) + str(client.status_info())
                       for s in (TICKET, APP, PASSWORD))
        sent = srv.last_request_headers.get("Authorization")
    assert (sent or "").split(" ")[0] == (scheme or "")
    assert srv.call_count("AuthenticateUsernamePassword") == logins
