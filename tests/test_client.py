"""The SOAP client against the demo NetServer over loopback HTTP: data, tickets, errors, secrets."""

from __future__ import annotations

import logging
import math
import re
import traceback
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest

from netserver_demo import (
    DATASETS_PER_PANEL,
    EXC_APP_TOKEN,
    EXC_SECURITY,
    EXC_SESSION_EXPIRED,
    DemoNetServer,
    Fault,
)
from netserver_demo import soap as demo_soap
from stats_client import (
    ALL_PANELS,
    COLUMNS,
    AuthenticationFailed,
    ConfigurationError,
    InvalidReply,
    NetServerUnreachable,
    PanelType,
    ServiceError,
    Settings,
    StatsClientError,
)
from stats_client.client import open_client
from stats_client.frames import DataSet, DataValue, PanelData, to_frame

TICKET = "7T:fixed-ticket-SECRET-1234"
APP_TOKEN = "APP-TOKEN-SECRET-5678"
USER = "ann"
PASSWORD = "pass-SECRET-9012"
SECRETS = (TICKET, APP_TOKEN, PASSWORD)
FIXED_NOW = datetime(2026, 11, 25, 10, 30, tzinfo=UTC)

MULTI = tuple(p for p in ALL_PANELS if DATASETS_PER_PANEL[p] != 1)
SINGLE = tuple(p for p in ALL_PANELS if DATASETS_PER_PANEL[p] == 1)


@pytest.fixture
def secure_server(demo_server_factory: Callable[..., DemoNetServer]) -> DemoNetServer:
    """A demo NetServer that checks the application token, a fixed ticket and one user."""
    return demo_server_factory(ticket=TICKET, app_token=APP_TOKEN, users={USER: PASSWORD},
                               clock=lambda: FIXED_NOW)


def ticket_settings(srv: DemoNetServer, **changes: object) -> Settings:
    return Settings(srv.url, ticket=TICKET, app_token=APP_TOKEN).with_changes(**changes)


def password_settings(srv: DemoNetServer, **changes: object) -> Settings:
    return Settings(srv.url, user=USER, password=PASSWORD,
                    app_token=APP_TOKEN).with_changes(**changes)


def expected_frame(srv: DemoNetServer, panels: tuple[PanelType, ...]) -> pd.DataFrame:
    """What the demo model holds for these panels at the server's clock, as a frame."""
    now = srv.clock()
    return to_frame(PanelData(p, tuple(srv.model.datasets(p, now))) for p in panels)


# -- data end to end ---------------------------------------------------------------------------
@pytest.mark.parametrize("panel", list(PanelType), ids=lambda p: p.wire_name)
def test_every_panel_type_end_to_end(secure_server: DemoNetServer, panel: PanelType) -> None:
    with open_client(ticket_settings(secure_server)) as client:
        (got,) = client.fetch([panel])
        frame = client.fetch_frame([panel])
    assert got.panel is panel
    assert len(got.datasets) == DATASETS_PER_PANEL[panel]
    pd.testing.assert_frame_equal(frame, expected_frame(secure_server, (panel,)))
    if panel is not PanelType.None_:
        assert len(frame) > 0


def test_all_panels_give_the_models_data_in_request_order(secure_server: DemoNetServer) -> None:
    with open_client(ticket_settings(secure_server)) as client:
        panels = client.fetch()
        frame = client.fetch_frame()
    assert [p.panel for p in panels] == list(ALL_PANELS)
    assert [len(p.datasets) for p in panels] == [DATASETS_PER_PANEL[p] for p in ALL_PANELS]
    assert dict(frame.dtypes.astype(str)) == COLUMNS
    pd.testing.assert_frame_equal(frame, expected_frame(secure_server, ALL_PANELS))


def test_one_call_when_each_function_gets_one_data_set(secure_server: DemoNetServer) -> None:
    with open_client(ticket_settings(secure_server)) as client:
        client.fetch(SINGLE)
        assert client.calls == 1
    assert secure_server.call_count("GetStatistics") == 1


def test_count_mismatch_falls_back_per_function_and_says_so_once(
        secure_server: DemoNetServer, caplog: pytest.LogCaptureFixture) -> None:
    assert MULTI, "the demo model has multi-series panels"
    caplog.set_level(logging.INFO, logger="stats_client.matching")
    with open_client(ticket_settings(secure_server)) as client:
        first = client.fetch()
        first_calls = client.calls
        second = client.fetch()
        second_calls = client.calls - first_calls
    # First poll: one combined call, then one per panel. Later polls remember which panels
    # answer with several data sets: one call for the rest, one each for those.
    assert first_calls == 1 + len(ALL_PANELS)
    assert second_calls == 1 + len(MULTI)
    assert first == second
    assert secure_server.call_count("GetStatistics") == first_calls + second_calls
    notes = [r for r in caplog.records if "one call each" in r.getMessage()]
    assert len(notes) == 1


def test_request_carries_soap11_action_and_headers(secure_server: DemoNetServer) -> None:
    with open_client(ticket_settings(secure_server)) as client:
        client.fetch([PanelType.StatusScreen])
    headers = {k.lower(): v for k, v in secure_server.last_request_headers.items()}
    assert headers["content-type"].startswith("text/xml")
    assert headers["soapaction"].strip('"') == demo_soap.GET_STATISTICS_ACTION


@pytest.mark.parametrize("prefix", ["Cust12345", "a/b"])
def test_site_url_and_full_svc_url_both_work(
        demo_server_factory: Callable[..., DemoNetServer], prefix: str) -> None:
    srv = demo_server_factory(path_prefix=prefix)
    for url in (srv.url, srv.service_url("CustomerService")):
        with open_client(Settings(url)) as client:
            assert client.fetch([PanelType.UnassignedRequests])[0].datasets


def test_server_wsdl_is_used_when_asked(secure_server: DemoNetServer) -> None:
    with open_client(ticket_settings(secure_server, use_server_wsdl=True)) as client:
        frame = client.fetch_frame([PanelType.OpenRequestsPerStatus])
    assert secure_server.call_count("wsdl") == 1
    pd.testing.assert_frame_equal(
        frame, expected_frame(secure_server, (PanelType.OpenRequestsPerStatus,)))


def test_server_wsdl_importing_from_another_host_is_not_followed(
        demo_server_factory: Callable[..., DemoNetServer]) -> None:
    elsewhere = demo_server_factory()
    srv = demo_server_factory()
    wsdl = (
        '<wsdl:definitions xmlns:wsdl="http://schemas.xmlsoap.org/wsdl/" '
        'targetNamespace="urn:x"><wsdl:import namespace="urn:y" '
        f'location="{elsewhere.url}/evil.wsdl"/></wsdl:definitions>'
    ).encode()
    path = "/Remote/Services87/CustomerService.svc"
    srv.add_route("GET", path, lambda req: (200, {"Content-Type": "text/xml"}, wsdl))
    hits: list[str] = []
    elsewhere.add_route("GET", "/evil.wsdl",
                        lambda req: (hits.append(req.path), (200, {}, b""))[1])
    with open_client(Settings(srv.url, use_server_wsdl=True)) as client, \
            pytest.raises(InvalidReply, match="another server") as info:
        client.fetch([PanelType.Hotlist])
    assert hits == []
    assert f"{elsewhere.url.rsplit(':', 1)[0]}" in str(info.value)
    assert "SUPEROFFICE_USE_SERVER_WSDL" in str(info.value)


# -- redirects: never followed, so the body (ticket, password) stays with the NetServer ----------
SVC = "/Remote/Services87/{}.svc"
REDIRECTS = [
    # status, request redirected, settings, what the target must not have received
    (307, ("POST", SVC.format("CustomerService")), ticket_settings, "GetStatistics"),
    (308, ("POST", SVC.format("CustomerService")), ticket_settings, "GetStatistics"),
    (307, ("POST", SVC.format("SoPrincipal")), password_settings,
     "AuthenticateUsernamePassword"),
    (308, ("GET", SVC.format("CustomerService")),
     lambda srv: ticket_settings(srv, use_server_wsdl=True), "wsdl"),
]


@pytest.mark.parametrize(("status", "route", "settings_for", "operation"), REDIRECTS,
                         ids=["post-307", "post-308", "login-307", "wsdl-308"])
def test_redirects_are_refused_and_the_target_gets_nothing(
        demo_server_factory: Callable[..., DemoNetServer], status: int,
        route: tuple[str, str], settings_for: Callable[..., Settings], operation: str) -> None:
    # The target would answer every request properly: a follow would be seen in its counts.
    target = demo_server_factory(ticket=TICKET, app_token=APP_TOKEN, users={USER: PASSWORD})
    srv = demo_server_factory(ticket=TICKET, app_token=APP_TOKEN, users={USER: PASSWORD})
    method, path = route
    location = f"{target.url}{path}?ticket={TICKET}"
    srv.add_route(method, path, lambda req: (status, {"Location": location}, b""))
    with open_client(settings_for(srv)) as client, pytest.raises(InvalidReply) as info:
        client.fetch([PanelType.Hotlist])
    assert target.call_count(operation) == 0
    assert target.counts() == {}
    assert target.last_request_headers == {}
    message = str(info.value)
    assert f"HTTP {status}, a redirect to http://127.0.0.1:{target.port};" in message
    assert "use the final URL in SUPEROFFICE_URL" in message
    assert "?" not in message
    assert all(secret not in message for secret in SECRETS)


def test_nil_response_is_zero_data_sets(demo_server: DemoNetServer) -> None:
    demo_server.serve_raw(demo_soap.statistics_reply([]).replace(
        b"<Response", b'<Response i:nil="true"', 1))
    with open_client(Settings(demo_server.url)) as client:
        (got,) = client.fetch([PanelType.Hotlist])
        frame = client.fetch_frame([PanelType.Hotlist])
    assert got == PanelData(PanelType.Hotlist, ())
    assert frame.empty
    assert dict(frame.dtypes.astype(str)) == COLUMNS


def test_labels_keep_markup_non_ascii_nan_and_infinity(demo_server: DemoNetServer) -> None:
    long_label = "Ø" * 5000
    sent = DataSet("<b>Støtte</b> & co", "séries ☃", (
        DataValue(None, math.nan, "<script>alert(1)</script>"),
        DataValue(long_label, math.inf, None),
        DataValue("日本語", -math.inf, "&amp; literally"),
        DataValue("zero", 0.0, "0"),
        DataValue("tiny", 5e-324, None),
    ))
    demo_server.serve_raw(demo_soap.statistics_reply([sent]))
    with open_client(Settings(demo_server.url)) as client:
        (got,) = client.fetch([PanelType.Hotlist])
    (ds,) = got.datasets
    assert (ds.label, ds.description) == (sent.label, sent.description)
    assert [v.label for v in ds.values] == [v.label for v in sent.values]
    assert [v.description for v in ds.values] == [v.description for v in sent.values]
    values = [v.value for v in ds.values]
    assert math.isnan(values[0])
    assert values[1:] == [math.inf, -math.inf, 0.0, 5e-324]


def test_a_value_that_is_not_a_number_reads_as_nan(demo_server: DemoNetServer) -> None:
    body = demo_soap.statistics_reply([DataSet("s", None, (DataValue("a", 1.0, None),))])
    demo_server.serve_raw(body.replace(b"<Value>1</Value>", b"<Value>many</Value>"))
    with open_client(Settings(demo_server.url)) as client:
        (got,) = client.fetch([PanelType.Hotlist])
    assert math.isnan(got.datasets[0].values[0].value)


# -- reference replies -------------------------------------------------------------------------
def test_reference_success_reply_parses(demo_server: DemoNetServer, reference_dir: Path) -> None:
    demo_server.serve_raw((reference_dir / "example-GetStatistics-response-ok.soap11.xml")
                          .read_bytes())
    with open_client(Settings(demo_server.url)) as client:
        frame = client.fetch_frame([PanelType.OpenRequestsPerCategory])
    assert frame[["label", "value", "description"]].to_dict("list") == {
        "label": ["Support", "Sales"], "value": [12.0, 3.0],
        "description": ["Support: 12", "Sales: 3"],
    }
    assert frame["dataset_label"].unique().tolist() == ["Open requests per category"]
    assert frame["dataset_description"].isna().all()


def test_reference_error_reply_is_a_service_error(demo_server: DemoNetServer,
                                                  reference_dir: Path) -> None:
    demo_server.serve_raw((reference_dir / "example-GetStatistics-response-error.soap11.xml")
                          .read_bytes())
    with open_client(Settings(demo_server.url)) as client, \
            pytest.raises(StatsClientError) as info:
        client.fetch([PanelType.OpenRequestsPerCategory])
    # The ExceptionType decides, and "IllustrativeExceptionType" is no security exception,
    # whatever its message says about a ticket.
    assert type(info.value) is ServiceError
    assert info.value.exception_type == "IllustrativeExceptionType"
    assert info.value.server_message == "Illustrative: ticket not valid"


# -- tickets -----------------------------------------------------------------------------------
def test_fixed_ticket_and_token_are_sent_and_accepted(secure_server: DemoNetServer) -> None:
    with open_client(ticket_settings(secure_server)) as client:
        assert client.fetch([PanelType.UnassignedRequests])
        assert client.credential_kind == "ticket"
        assert "not renewed" in client.status_info()["ticket_renewal"]


def test_password_login_once_then_cached(secure_server: DemoNetServer) -> None:
    with open_client(password_settings(secure_server)) as client:
        assert "first poll" in client.status_info()["ticket_renewal"]
        for _ in range(3):
            client.fetch([PanelType.UnassignedRequests])
        assert client.credential_kind == "user name and password"
        assert "obtained" in client.status_info()["ticket_renewal"]
    assert secure_server.call_count("AuthenticateUsernamePassword") == 1
    assert secure_server.call_count("GetStatistics") == 3


def test_refused_ticket_is_renewed_once_and_the_call_retried(
        secure_server: DemoNetServer, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    with open_client(password_settings(secure_server)) as client:
        before = client.fetch_frame([PanelType.StatusScreen])
        secure_server.set_fault(Fault.EXPIRED_TICKET)
        after = client.fetch_frame([PanelType.StatusScreen])
    pd.testing.assert_frame_equal(before, after)
    assert secure_server.call_count("AuthenticateUsernamePassword") == 2
    assert secure_server.call_count("GetStatistics") == 3  # ok, refused, retried
    assert any("obtained a new one" in r.getMessage() for r in caplog.records)


def test_a_ticket_refused_again_after_renewal_fails_without_looping(
        secure_server: DemoNetServer) -> None:
    refusal = demo_soap.ExceptionInfo("The session has expired", EXC_SESSION_EXPIRED)
    secure_server.serve_raw(demo_soap.error_reply("GetStatisticsResponse", refusal))
    with open_client(password_settings(secure_server)) as client, \
            pytest.raises(AuthenticationFailed, match="session has expired"):
        client.fetch([PanelType.Hotlist])
    assert secure_server.call_count("AuthenticateUsernamePassword") == 2
    assert secure_server.call_count("GetStatistics") == 2


# (ExceptionType, Message, error, logins): a login again only when who we are was refused.
EXCEPTION_INFOS = [
    ("SoDatabaseException", "Invalid column name 'ticket_status'.", ServiceError, 1),
    ("SoDatabaseException", "Session pool exhausted while reading ticket credentials",
     ServiceError, 1),
    ("SoDatabaseException", "The ticket is not valid", ServiceError, 1),
    ("", "Invalid column name 'ticket_status'.", ServiceError, 1),
    ("", "Ticket 4711 is locked by another session", ServiceError, 1),
    (EXC_SESSION_EXPIRED, "The session has expired", AuthenticationFailed, 2),
    (EXC_SECURITY, "Access denied", AuthenticationFailed, 2),
    ("SuperOffice.CRM.Security.SoSecurityException", "", AuthenticationFailed, 2),
    (EXC_APP_TOKEN, "Application token is not valid", AuthenticationFailed, 2),
    ("", "The ticket is not valid", AuthenticationFailed, 2),
    ("", "Application token is not valid", AuthenticationFailed, 2),
]


@pytest.mark.parametrize(("exception_type", "message", "error", "logins"), EXCEPTION_INFOS)
def test_exception_type_decides_between_service_error_and_refused_ticket(
        secure_server: DemoNetServer, exception_type: str, message: str,
        error: type[StatsClientError], logins: int) -> None:
    info = demo_soap.ExceptionInfo(message, exception_type)
    secure_server.serve_raw(demo_soap.error_reply("GetStatisticsResponse", info))
    with open_client(password_settings(secure_server)) as client, \
            pytest.raises(StatsClientError) as raised:
        client.fetch([PanelType.Hotlist])
    assert type(raised.value) is error
    # A service error must not cost a new login (on every poll, for as long as it lasts).
    assert secure_server.call_count("AuthenticateUsernamePassword") == logins
    assert secure_server.call_count("GetStatistics") == logins
    if error is ServiceError:
        assert isinstance(raised.value, ServiceError)
        assert raised.value.server_message == message
        assert raised.value.exit_code == 5


def test_expired_fixed_ticket_is_not_retried(secure_server: DemoNetServer) -> None:
    secure_server.set_fault(Fault.EXPIRED_TICKET)
    with open_client(ticket_settings(secure_server)) as client, \
            pytest.raises(AuthenticationFailed, match="SUPEROFFICE_TICKET") as info:
        client.fetch([PanelType.Hotlist])
    assert "expired" in str(info.value)
    assert secure_server.call_count("GetStatistics") == 1
    assert secure_server.call_count("AuthenticateUsernamePassword") == 0


def test_wrong_password_names_the_user_and_what_to_check(secure_server: DemoNetServer) -> None:
    settings = password_settings(secure_server, password="wrong-password")
    with open_client(settings) as client, pytest.raises(AuthenticationFailed) as info:
        client.fetch([PanelType.Hotlist])
    assert str(info.value) == (
        "The NetServer refused the user name or password for user 'ann'; "
        "check SUPEROFFICE_USER and SUPEROFFICE_PASSWORD."
    )
    assert secure_server.call_count("AuthenticateUsernamePassword") == 1
    assert secure_server.call_count("GetStatistics") == 0


@pytest.mark.parametrize("settings_for", [ticket_settings, password_settings])
def test_wrong_application_token_says_to_check_it(
        secure_server: DemoNetServer, settings_for: Callable[..., Settings]) -> None:
    with open_client(settings_for(secure_server, app_token="WRONG-TOKEN")) as client, \
            pytest.raises(AuthenticationFailed, match="SUPEROFFICE_APP_TOKEN"):
        client.fetch([PanelType.Hotlist])


def test_no_credentials_where_they_are_required(secure_server: DemoNetServer) -> None:
    with open_client(Settings(secure_server.url, app_token=APP_TOKEN)) as client, \
            pytest.raises(AuthenticationFailed, match="Set SUPEROFFICE_TICKET"):
        client.fetch([PanelType.Hotlist])


# -- faults ------------------------------------------------------------------------------------
FAULTS = [
    # fault, error type, words the message must hold
    (Fault.DOWN, NetServerUnreachable, "connection refused"),
    (Fault.SLOW, NetServerUnreachable, "did not answer within 0.3 s"),
    (Fault.SOAP_FAULT, InvalidReply, "SOAP fault"),
    (Fault.SERVICE_ERROR, ServiceError, "SoDatabaseException"),
    (Fault.EXPIRED_TICKET, AuthenticationFailed, "expired"),
    (Fault.MALFORMED, InvalidReply, "not well-formed XML"),
    (Fault.HTML, InvalidReply, "HTML page"),
]


@pytest.mark.parametrize(("fault", "error", "words"), FAULTS, ids=[f[0].value for f in FAULTS])
def test_each_fault_gives_its_error_kind_then_recovers(
        demo_server_factory: Callable[..., DemoNetServer], fault: Fault,
        error: type[StatsClientError], words: str) -> None:
    srv = demo_server_factory(slow_seconds=2.0)
    with open_client(Settings(srv.url, timeout=0.3)) as client:
        client.fetch([PanelType.UnassignedRequests])
        srv.set_fault(fault)
        with pytest.raises(StatsClientError) as info:
            client.fetch([PanelType.UnassignedRequests])
        srv.clear_fault()
        assert client.fetch([PanelType.UnassignedRequests])  # same client, back to normal
    assert type(info.value) is error
    assert words in str(info.value)
    # Lower errors are kept as the cause; an HTML page is refused by its media type before any
    # lower error happens, and service and ticket errors are the NetServer's own verdict.
    lower = fault not in (Fault.HTML, Fault.SERVICE_ERROR, Fault.EXPIRED_TICKET)
    assert (info.value.__cause__ is not None) is lower
    assert "\n" not in str(info.value)


def test_service_error_carries_exception_info(demo_server: DemoNetServer) -> None:
    demo_server.set_fault(Fault.SERVICE_ERROR)
    with open_client(Settings(demo_server.url)) as client, \
            pytest.raises(ServiceError) as info:
        client.fetch([PanelType.Hotlist])
    assert info.value.exception_type == "SoDatabaseException"
    assert (info.value.server_message or "").startswith("Timeout expired.")
    assert info.value.exit_code == 5


HTTP_REPLIES = [
    # status, content type, error type, words
    (401, "text/html", AuthenticationFailed, "HTTP 401"),
    (403, "text/plain", AuthenticationFailed, "HTTP 403"),
    (503, "text/html", NetServerUnreachable, "HTTP 503"),
    (500, "text/html", InvalidReply, "HTML page"),
    (200, "application/json", InvalidReply, "'application/json'"),
    (500, "text/xml", InvalidReply, "with no SOAP reply"),
]


@pytest.mark.parametrize(("status", "ctype", "error", "words"), HTTP_REPLIES)
def test_http_level_replies(demo_server: DemoNetServer, status: int, ctype: str,
                           error: type[StatsClientError], words: str) -> None:
    demo_server.serve_raw(b"<html><body>nope</body></html>" if ctype != "text/xml" else b"",
                          status=status, content_type=ctype)
    with open_client(Settings(demo_server.url)) as client, \
            pytest.raises(StatsClientError) as info:
        client.fetch([PanelType.Hotlist])
    assert type(info.value) is error
    assert words in str(info.value)


def test_wrong_path_names_the_url_to_check(demo_server: DemoNetServer) -> None:
    url = f"{demo_server.url}/NoSuchSite"
    with open_client(Settings(url)) as client, pytest.raises(InvalidReply) as info:
        client.fetch([PanelType.Hotlist])
    assert f"{url}/Remote/Services87/CustomerService.svc" in str(info.value)
    assert "HTTP 404" in str(info.value)
    assert "SUPEROFFICE_URL" in str(info.value)


def test_stopped_server_is_unreachable(demo_server: DemoNetServer) -> None:
    url = demo_server.url
    demo_server.stop()
    with open_client(Settings(url)) as client, pytest.raises(NetServerUnreachable) as info:
        client.fetch([PanelType.Hotlist])
    assert str(info.value) == (
        f"Cannot reach the NetServer at {url}/Remote/Services87/CustomerService.svc: "
        "connection refused. Check SUPEROFFICE_URL and that the server is running."
    )


def test_unknown_panel_number_is_a_configuration_error(demo_server: DemoNetServer) -> None:
    with open_client(Settings(demo_server.url)) as client:
        with pytest.raises(ConfigurationError, match="Unknown panel type"):
            client.fetch([PanelType.Hotlist, 99])  # type: ignore[list-item]
        with pytest.raises(ConfigurationError, match="No panels"):
            client.fetch([])
    assert demo_server.call_count("GetStatistics") == 0


# -- secrets -----------------------------------------------------------------------------------
def test_secrets_never_reach_messages_logs_or_reprs(
        secure_server: DemoNetServer, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    seen: list[str] = []

    def attempt(settings: Settings, fault: Fault | None = None,
                raw: bytes | None = None) -> None:
        secure_server.clear_fault()
        if fault is not None:
            secure_server.set_fault(fault)
        if raw is not None:
            secure_server.serve_raw(raw)
        client = open_client(settings)
        seen.extend([repr(client), str(client), repr(settings)])
        try:
            client.fetch([PanelType.StatusScreen, PanelType.UserReponseTimePerWeek])
        except StatsClientError as exc:
            seen.extend([str(exc), repr(exc), "".join(traceback.format_exception(exc))])
            seen.extend(repr(vars(e)) for e in (exc.__cause__, exc.__context__) if e)
        finally:
            client.close()

    for settings in (ticket_settings(secure_server), password_settings(secure_server)):
        # A server that echoes what it was sent in its error texts must not get it shown.
        sent = " / ".join(s for s in (settings.ticket, settings.password, APP_TOKEN) if s)
        echo = demo_soap.ExceptionInfo(f"Credentials {sent} refused", "SoSecurityException")
        echo_fault = demo_soap.fault_reply("Client", f"cannot read {sent}")
        attempt(settings)
        attempt(settings, Fault.EXPIRED_TICKET)
        for fault in (Fault.SERVICE_ERROR, Fault.SOAP_FAULT, Fault.HTML, Fault.MALFORMED):
            attempt(settings, fault)
        attempt(settings, raw=demo_soap.error_reply("GetStatisticsResponse", echo))
        attempt(settings, raw=echo_fault)
        attempt(settings.with_changes(app_token="WRONG" + APP_TOKEN))
    attempt(password_settings(secure_server, password="x" + PASSWORD))
    seen.extend(r.getMessage() for r in caplog.records)
    seen.extend(str(r.args) for r in caplog.records)
    text = "\n".join(seen)
    assert "***" in text  # the echoed secrets were there, and were replaced
    for secret in SECRETS:
        assert secret not in text
        assert re.sub(r"\W", "", secret) not in re.sub(r"\W", "", text)


def test_repr_has_endpoint_and_kind_but_no_secret(secure_server: DemoNetServer) -> None:
    client = open_client(password_settings(secure_server))
    text = repr(client)
    assert secure_server.url in text
    assert "user name and password" in text
    assert all(s not in text for s in SECRETS)
    assert client.endpoint == f"{secure_server.url}/Remote/Services87/CustomerService.svc"
