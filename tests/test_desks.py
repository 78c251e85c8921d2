"""Desks: every number knows which desk it came from. The desk's key (stats_client.desks), and
one history store shared by several desks, the demo's among them, where each reads and polls
only its own: real demo NetServers over HTTP, real SQLite files and PostgreSQL databases."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest

from harness.clock import ManualClock
from harness.waiting import wait_for
from netserver_demo import DemoNetServer
from stats_client import HistoryRecorder, HistoryStore, Poller
from stats_client.client import open_client
from stats_client.desks import DEMO, desk_key, lease_name
from stats_client.history import Lease, Location
from stats_client.panels import PanelType
from stats_client.settings import Settings
from statusboard.deployment import Deployment, Options

EPOCH = datetime(2020, 1, 1, tzinfo=UTC)


@pytest.mark.parametrize(("one", "other"), [
    # The same site over SOAP and over REST, and by its .svc address: one desk.
    ({"url": "https://crm.example.com/Cust1"},
     {"url": "https://crm.example.com/Cust1", "transport": "rest"}),
    ({"url": "https://crm.example.com/Cust1"},
     {"url": "https://crm.example.com/Cust1/Remote/Services87/CustomerService.svc"}),
    # An address copied from the REST docs or the Services87 folder: the site, one desk; and
    # the REST wire then calls the site's own api/v1 (not api/v1/api/v1).
    ({"url": "https://crm.example.com/Cust1", "transport": "rest"},
     {"url": "https://crm.example.com/Cust1/api/v1/Agents/CustomerService/GetStatistics",
      "transport": "rest"}),
    ({"url": "https://crm.example.com/Cust1"}, {"url": "https://crm.example.com/Cust1/api/v1/"}),
    ({"url": "https://crm.example.com/Cust1"},
     {"url": "https://crm.example.com/Cust1/Remote/Services87"}),
    # Case of scheme, host and path, the default port, a trailing slash: one desk.
    ({"url": "https://crm.example.com/Cust1"}, {"url": "HTTPS://CRM.Example.com:443/cust1/"}),
    ({"url": "http://crm.example.com/Cust1"}, {"url": "http://crm.example.com:80/Cust1"}),
    # A new password, or another credential: the same desk.
    ({"url": "https://crm.example.com/Cust1", "user": "a", "password": "one"},
     {"url": "https://crm.example.com/Cust1", "ticket": "7T:x"}),
    # The Online tenant when the URL already ends with it: no second name for it.
    ({"url": "https://sod.superoffice.com/Cust12345"},
     {"url": "https://sod.superoffice.com/Cust12345", "context": "Cust12345"}),
], ids=["soap-rest", "svc", "rest-address", "rest-folder", "services-folder",
        "case-port-slash", "http-port", "credentials", "context"])
def test_one_site_is_one_desk(one: dict[str, str], other: dict[str, str]) -> None:
    assert desk_key(Settings(**one)) == desk_key(Settings(**other))  # type: ignore[arg-type]


@pytest.mark.parametrize("url", [
    "https://crm.example.com/Cust1",
    "https://crm.example.com/Cust1/api/v1/Agents/CustomerService/GetStatistics",
    "https://crm.example.com/Cust1/api/v1/",
    "https://crm.example.com/Cust1/Remote/Services87",
    "https://crm.example.com/Cust1/Remote/Services87/CustomerService.svc",
])
def test_every_copied_address_calls_the_sites_own_endpoints(url: str) -> None:
    settings = Settings(url=url)
    assert settings.rest_url == \
        "https://crm.example.com/Cust1/api/v1/Agents/CustomerService/GetStatistics"
    assert settings.service_url("CustomerService") == \
        "https://crm.example.com/Cust1/Remote/Services87/CustomerService.svc"


@pytest.mark.parametrize(("one", "other"), [
    ("https://crm.example.com/Cust1", "https://crm.example.com/Cust2"),
    ("https://crm.example.com/Cust1", "https://crm.example.com:8443/Cust1"),
    ("https://crm.example.com/Cust1", "http://crm.example.com/Cust1"),
    ("https://crm.example.com/Cust1", "https://other.example.com/Cust1"),
], ids=["tenant", "port", "scheme", "host"])
def test_other_sites_are_other_desks(one: str, other: str) -> None:
    assert desk_key(Settings(url=one)) != desk_key(Settings(url=other))
    assert lease_name(desk_key(Settings(url=one))) != lease_name(desk_key(Settings(url=other)))


def test_the_online_tenant_names_a_desk_the_url_does_not() -> None:
    shared = "https://online.example.com/api"
    assert desk_key(Settings(url=shared, context="Cust1")) != \
        desk_key(Settings(url=shared, context="Cust2"))


def test_two_desks_on_one_store_each_poll_and_read_only_their_own(
        db_url: str, demo_server_factory: Callable[..., DemoNetServer],
        clock: ManualClock) -> None:
    """Regression: two boards for two NetServers on one database shared one lease and one
    snapshot, so one showed the other's desk as its own."""
    north, south = demo_server_factory(seed=1), demo_server_factory(seed=2)
    recorders = {}
    for srv in (north, south):
        settings = Settings(url=srv.url)
        client = open_client(settings)
        poller = Poller(lambda c=client: c.fetch_frame((PanelType.StatusScreen,)), 30,
                        clock=clock)
        recorders[srv] = HistoryRecorder(poller, db_url, desk=desk_key(settings), clock=clock)
    try:
        for recorder in recorders.values():
            recorder.tick()
        for srv, recorder in recorders.items():
            assert recorder.status.role == "polling"  # each holds its own desk's lease
            assert srv.call_count("GetStatistics") == 1
        store_n = HistoryStore.open(db_url, desk=recorders[north].desk)
        store_s = HistoryStore.open(db_url, desk=recorders[south].desk)
        try:
            for store, srv in ((store_n, north), (store_s, south)):
                snap = store.last_snapshot()
                assert snap is not None
                own = recorders[srv].poller.latest().frame
                pd.testing.assert_frame_equal(snap.frame.reset_index(drop=True),
                                              own.reset_index(drop=True))
                assert len(store.polls(EPOCH)) == 1
            for store, srv in ((store_n, north), (store_s, south)):
                own = recorders[srv].poller.latest().frame
                value = own.loc[own["label"] == "Open", "value"].iloc[0]
                assert store.series("StatusScreen", label="Open",
                                    since=EPOCH)["value"].tolist() == [value]
            assert set(store_n.desks()) == {recorders[north].desk, recorders[south].desk}
            holders = {Lease(store_n.engine, lease_name(r.desk), ttl=45).current_holder()
                       for r in recorders.values()}
            assert holders == {r.holder for r in recorders.values()}
        finally:
            store_n.close()
            store_s.close()
    finally:
        for recorder in recorders.values():
            recorder.stop()


def test_demo_then_real_on_one_file_each_opens_only_on_its_own(
        tmp_path: Path, demo_server: DemoNetServer) -> None:
    """Regression: `make run` (demo), then the same checkout pointed at a NetServer: the real
    board opened on the demo's stored snapshot and counted its tiles from demo values."""
    def run(env: dict[str, str]) -> tuple[str, int]:
        dep = Deployment(Options(Location(None, tmp_path), env={"STATUSBOARD_INTERVAL": "30",
                                                                **env}, cwd=tmp_path))
        dep.start()
        try:
            desk = dep.state.desk
            assert desk is not None
            wait_for(lambda: desk.recorder.recorded >= 1, what="a recorded poll")
            return desk.id, desk.latest().seq
        finally:
            dep.stop()

    assert run({}) == (DEMO, 1)  # the demo desk, its first poll
    real = desk_key(Settings(url=demo_server.url))
    # A real desk on the same file: its own first poll, not the demo's stored snapshot.
    assert run({"SUPEROFFICE_URL": demo_server.url}) == (real, 1)
    # Each opens again on its own stored snapshot (then polls), never the other's.
    for desk in (DEMO, real):
        store = HistoryStore.open(f"sqlite:///{tmp_path / 'history.sqlite3'}", desk=desk)
        try:
            snap = store.last_snapshot()
            assert snap is not None
            assert snap.seq == 1
            assert len(store.polls(EPOCH)) == 1
        finally:
            store.close()


def test_a_desk_prunes_its_own_rows_and_leaves_the_others(tmp_path: Path,
                                                          demo_frame: pd.DataFrame) -> None:
    """Regression (review): every desk's recorder pruned every desk's rows, with its own
    retention (a second board on one database pruned the first board's desks)."""
    from datetime import timedelta

    from harness.history import record

    url = f"sqlite:///{tmp_path / 'history.sqlite3'}"
    old = datetime(2026, 1, 5, tzinfo=UTC)
    for desk in ("north", "south"):
        store = HistoryStore.open(url, desk=desk)
        record(store, [(old, demo_frame), (old + timedelta(minutes=1), demo_frame)])
        store.close()
    north = HistoryStore.open(url, desk="north")
    try:
        before = north.desks()
        report = north.prune(old + timedelta(days=30))
        after = north.desks()
    finally:
        north.close()
    assert report.to_five_minutes > 0
    assert after["south"] == before["south"]  # untouched
    south = HistoryStore.open(url, desk="south")
    try:
        assert len(south.polls(EPOCH)) == 2
    finally:
        south.close()
