"""The demo NetServer over real loopback HTTP: envelopes, panels, auth, faults, control, CLI."""

from __future__ import annotations

import base64
import http.client
import json
import os
import re
import socket
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import jwt
import pytest
import requests
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from lxml import etree

from harness import process, wait_for
from netserver_demo import (
    DATASETS_PER_PANEL,
    EXC_APP_TOKEN,
    EXC_SECURITY,
    EXC_SERVICE,
    EXC_SESSION_EXPIRED,
    STATUS_TILE,
    DemoNetServer,
    DemoState,
    Fault,
    HelpDeskModel,
    PartnerFault,
    attach_partner,
    soap,
)
from netserver_demo.cli import ControlServer
from stats_client import (
    AUTHENTICATE_PATH,
    CONTEXT_CLAIM,
    ISSUER,
    JWKS_PATH,
    SERIAL_CLAIM,
    TICKET_CLAIM,
)
from stats_client.frames import DataSet, DataValue
from stats_client.panels import ALL_PANELS, PanelType

NS = "http://www.superoffice.net/ws/crm/NetServer/Services87"
ENV = "http://schemas.xmlsoap.org/soap/envelope/"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
WSDL_NS = "http://schemas.xmlsoap.org/wsdl/"
SOAP_BIND = "http://schemas.xmlsoap.org/wsdl/soap/"
GS_ACTION = f"{NS}/CustomerService/GetStatistics"
AUTH_ACTION = f"{NS}/SoPrincipal/AuthenticateUsernamePassword"
Q = f"{{{NS}}}"
# A Friday morning: office hours, so the desk is busy.
FRIDAY_10 = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)


def fixed(at: datetime) -> Callable[[], datetime]:
    return lambda: at


def stats_envelope(
    functions: list[str], ticket: str | None = None, token: str | None = None
) -> bytes:
    """A request as zeep writes it, wsa:* headers included (the server must ignore them)."""
    headers = []
    if token is not None:
        headers.append(f"<ns0:ApplicationToken>{token}</ns0:ApplicationToken>")
    if ticket is not None:
        headers.append(f"<ns0:Credentials><ns0:Ticket>{ticket}</ns0:Ticket></ns0:Credentials>")
    headers.append(
        f'<wsa:Action xmlns:wsa="http://www.w3.org/2005/08/addressing">{GS_ACTION}</wsa:Action>'
    )
    funcs = "".join(
        f"<ns0:StatusScreenPanelType>{f}</ns0:StatusScreenPanelType>" for f in functions
    )
    return (
        f'<soap-env:Envelope xmlns:soap-env="{ENV}" xmlns:ns0="{NS}">'
        f"<soap-env:Header>{''.join(headers)}</soap-env:Header>"
        f"<soap-env:Body><ns0:GetStatistics><ns0:Functions>{funcs}</ns0:Functions>"
        "</ns0:GetStatistics></soap-env:Body></soap-env:Envelope>"
    ).encode()


def auth_envelope(user: str, password: str, token: str | None = None) -> bytes:
    header = f"<ns0:ApplicationToken>{token}</ns0:ApplicationToken>" if token is not None else ""
    return (
        f'<soap-env:Envelope xmlns:soap-env="{ENV}" xmlns:ns0="{NS}">'
        f"<soap-env:Header>{header}</soap-env:Header><soap-env:Body>"
        f"<ns0:AuthenticateUsernamePassword><ns0:UserName>{user}</ns0:UserName>"
        f"<ns0:Password>{password}</ns0:Password></ns0:AuthenticateUsernamePassword>"
        "</soap-env:Body></soap-env:Envelope>"
    ).encode()


def post(
    srv: DemoNetServer,
    body: bytes,
    action: str = GS_ACTION,
    service: str = "CustomerService",
    content_type: str = "text/xml; charset=utf-8",
    timeout: float = 5,
) -> requests.Response:
    return requests.post(
        srv.service_url(service),
        data=body,
        headers={"Content-Type": content_type, "SOAPAction": f'"{action}"'},
        timeout=timeout,
    )


def get_stats(srv: DemoNetServer, functions: list[str], **kw: str | None) -> etree._Element:
    resp = post(srv, stats_envelope(functions, **kw))
    assert resp.status_code == 200, resp.text[:300]
    assert resp.headers["Content-Type"] == "text/xml; charset=utf-8"
    return etree.fromstring(resp.content)


def succeeded(root: etree._Element) -> bool:
    text = root.findtext(f"{{{ENV}}}Header/{Q}Succeeded")
    assert text in ("true", "false")
    return text == "true"


def exception_type(root: etree._Element) -> str | None:
    return root.findtext(f"{{{ENV}}}Header/{Q}ExceptionInfo/{Q}ExceptionType")


def datasets(root: etree._Element) -> list[etree._Element]:
    return root.findall(f"{{{ENV}}}Body/{Q}GetStatisticsResponse/{Q}Response/{Q}StatisticsDataSet")


def values(ds: etree._Element) -> list[tuple[str | None, float]]:
    return [
        (v.findtext(f"{Q}Label"), float(v.findtext(f"{Q}Value") or "nan"))
        for v in ds.findall(f"{Q}Values/{Q}StatisticsDataValue")
    ]


def is_nil(el: etree._Element | None) -> bool:
    return el is not None and el.get(f"{{{XSI}}}nil") == "true" and len(el) == 0


@cache
def schema() -> etree.XMLSchema:
    """The bundled WSDL's own xs:schema, strict."""
    text = resources.files("stats_client").joinpath("wsdl/services87.wsdl").read_bytes()
    wsdl = etree.fromstring(text)
    xs = wsdl.find(f"{{{WSDL_NS}}}types/{{http://www.w3.org/2001/XMLSchema}}schema")
    assert xs is not None
    # Serializing the subtree carries the tns: declaration of wsdl:definitions along.
    return etree.XMLSchema(etree.fromstring(etree.tostring(xs)))


def assert_valid(root: etree._Element) -> None:
    """Each header and the body element validate against the WSDL's schema."""
    parts = [*root.find(f"{{{ENV}}}Header"), *root.find(f"{{{ENV}}}Body")]
    assert parts
    for part in parts:
        doc = etree.ElementTree(etree.fromstring(etree.tostring(part)))
        assert schema().validate(doc), (etree.QName(part).localname, schema().error_log)


# -- panels ------------------------------------------------------------------------------------


@pytest.mark.parametrize("panel", list(PanelType), ids=lambda p: p.wire_name)
def test_every_panel_answers_with_its_documented_datasets(
    demo_server_factory: Callable[..., DemoNetServer], panel: PanelType
) -> None:
    srv = demo_server_factory(clock=fixed(FRIDAY_10))
    root = get_stats(srv, [panel.wire_name])
    assert succeeded(root)
    sets = datasets(root)
    assert len(sets) == DATASETS_PER_PANEL[panel]
    for ds in sets:
        vals = values(ds)
        if panel is PanelType.None_:
            assert vals == []
        else:
            assert vals, f"{panel.wire_name} has no values"
            assert all(v >= 0 for _, v in vals)
            assert all(label for label, _ in vals)
    assert_valid(root)


def test_all_panels_in_one_call_concatenate_in_request_order(demo_server: DemoNetServer) -> None:
    names = [p.wire_name for p in ALL_PANELS]
    root = get_stats(demo_server, names)
    sets = datasets(root)
    assert len(sets) == sum(DATASETS_PER_PANEL[p] for p in ALL_PANELS)
    expected_labels = [
        ds.label
        for p in ALL_PANELS
        for ds in HelpDeskModel(seed=42).datasets(p, FRIDAY_10)  # labels do not depend on time
    ]
    assert [ds.findtext(f"{Q}Label") for ds in sets] == expected_labels
    # Asking twice for a panel answers twice, in the order asked.
    root = get_stats(demo_server, ["StatusScreen", "UnassignedRequests", "StatusScreen"])
    assert [ds.findtext(f"{Q}Label") for ds in datasets(root)] == [
        "Status",
        "Unassigned requests",
        "Status",
    ]


@pytest.mark.parametrize("panel", [p for p in ALL_PANELS if DATASETS_PER_PANEL[p] > 1])
def test_response_time_panels_have_one_dataset_per_handler(
    demo_server: DemoNetServer, panel: PanelType
) -> None:
    sets = datasets(get_stats(demo_server, [panel.wire_name]))
    names = [ds.findtext(f"{Q}Label") for ds in sets]
    assert len(names) == len(set(names)) == 3
    assert len({tuple(label for label, _ in values(ds)) for ds in sets}) == 1  # same periods


def test_envelope_is_shaped_like_wcf(demo_server: DemoNetServer) -> None:
    resp = post(demo_server, stats_envelope(["OpenRequestsPerCategory"]))
    assert resp.headers["Content-Type"] == "text/xml; charset=utf-8"
    root = etree.fromstring(resp.content)
    assert root.tag == f"{{{ENV}}}Envelope"
    header = root.find(f"{{{ENV}}}Header")
    assert [etree.QName(h).localname for h in header] == [
        "ExceptionInfo",
        "ExtraInfo",
        "Succeeded",
        "TimeZone",
    ]
    for name in ("ExceptionInfo", "ExtraInfo", "TimeZone"):
        assert is_nil(header.find(f"{Q}{name}")), name
    assert header.findtext(f"{Q}Succeeded") == "true"
    (ds,) = datasets(root)
    assert [etree.QName(c).localname for c in ds] == [
        "TableRight",
        "FieldProperties",
        "Label",
        "Values",
        "Description",
    ]
    value = ds.find(f"{Q}Values/{Q}StatisticsDataValue")
    assert [etree.QName(c).localname for c in value] == [
        "TableRight",
        "FieldProperties",
        "Label",
        "Value",
        "Description",
    ]
    assert is_nil(value.find(f"{Q}TableRight"))
    assert re.fullmatch(r"\d+", value.findtext(f"{Q}Value") or "")
    assert re.fullmatch(r"Support: \d+ open requests?", value.findtext(f"{Q}Description") or "")


def test_reply_headers_match_the_reference_reply(
    demo_server: DemoNetServer, reference_dir: Path
) -> None:
    ref = etree.parse(str(reference_dir / "example-GetStatistics-response-ok.soap11.xml"))
    assert_valid(ref.getroot())  # the validator itself agrees with the reference
    ours = get_stats(demo_server, ["OpenRequestsPerCategory"])

    def shape(root: etree._Element) -> list[str]:
        return [h.tag for h in root.find(f"{{{ENV}}}Header")]

    assert shape(ours) == shape(ref.getroot())


def test_large_reply_pads_the_category_panel(
    demo_server_factory: Callable[..., DemoNetServer],
) -> None:
    srv = demo_server_factory(extra_values=5000)
    (ds,) = datasets(get_stats(srv, ["OpenRequestsPerCategory"]))
    assert len(values(ds)) >= 5000
    # The other panels are not padded.
    (ds,) = datasets(get_stats(srv, ["OpenRequestsPerPriority"]))
    assert len(values(ds)) == 4


# -- the model ---------------------------------------------------------------------------------


def panel_values(model: HelpDeskModel, panel: PanelType, now: datetime) -> dict[str, float]:
    (ds,) = model.datasets(panel, now)
    return {v.label or "": v.value for v in ds.values}


@pytest.mark.parametrize(
    "now",
    [FRIDAY_10, FRIDAY_10 + timedelta(hours=13), FRIDAY_10 + timedelta(days=1, hours=5)],
    ids=["friday-10", "friday-23", "saturday-15"],
)
def test_panels_agree_with_each_other(now: datetime) -> None:
    m = HelpDeskModel(seed=7)
    status = panel_values(m, PanelType.StatusScreen, now)
    assert list(status) == list(STATUS_TILE)
    total = status["Open"]
    for panel in (
        PanelType.OpenRequestsPerCategory,
        PanelType.OpenRequestsPerTopCategory,
        PanelType.OpenRequestsPerPriority,
        PanelType.OpenRequestsPerStatus,
        PanelType.OpenRequestsPerOrigin,
    ):
        assert sum(panel_values(m, panel, now).values()) == total, panel.wire_name
    per_user = sum(panel_values(m, PanelType.OpenRequestsPerUser, now).values())
    per_group = sum(panel_values(m, PanelType.OpenRequestsPerUserGroup, now).values())
    assert per_user == per_group == total - status["Unassigned"]
    assert panel_values(m, PanelType.UnassignedRequests, now) == {
        "Unassigned": status["Unassigned"]
    }
    assert status["Postponed"] == panel_values(m, PanelType.OpenRequestsPerStatus, now)["Postponed"]
    own = panel_values(m, PanelType.OwnOpenRequests, now)
    assert own == {"Åse Øvrebø": panel_values(m, PanelType.OpenRequestsPerUser, now)["Åse Øvrebø"]}


@pytest.mark.parametrize(
    ("panel", "count", "pattern", "last"),
    [
        (PanelType.NumberOfCreatedRequestsPerDay, 14, r"\d{4}-\d\d-\d\d", "2026-11-27"),
        (PanelType.NumberOfCreatedRequestsPerWeek, 12, r"\d{4}-W\d\d", "2026-W48"),
        (PanelType.NumberOfCreatedRequestsPerMonth, 12, r"\d{4}-\d\d", "2026-11"),
        (PanelType.UserResponseTimePerDay, 14, r"\d{4}-\d\d-\d\d", "2026-11-27"),
        (PanelType.UserReponseTimePerWeek, 12, r"\d{4}-W\d\d", "2026-W48"),
        (PanelType.UserResponseTimePerMonth, 12, r"\d{4}-\d\d", "2026-11"),
    ],
)
def test_timeline_labels_are_periods_oldest_first(
    panel: PanelType, count: int, pattern: str, last: str
) -> None:
    for ds in HelpDeskModel().datasets(panel, FRIDAY_10):
        labels = [v.label or "" for v in ds.values]
        assert len(labels) == count
        assert all(re.fullmatch(pattern, label) for label in labels)
        assert labels == sorted(labels)
        assert labels[-1] == last


def test_created_requests_follow_the_week() -> None:
    (ds,) = HelpDeskModel().datasets(PanelType.NumberOfCreatedRequestsPerDay, FRIDAY_10)
    by_day = {datetime.fromisoformat(v.label or "").weekday(): v.value for v in ds.values[:-1]}
    weekend = max(by_day[5], by_day[6])
    assert all(by_day[d] > 2 * weekend for d in range(5))
    (weeks,) = HelpDeskModel().datasets(PanelType.NumberOfCreatedRequestsPerWeek, FRIDAY_10)
    full_weeks = [v.value for v in weeks.values[:-1]]
    assert min(full_weeks) > 0.7 * max(full_weeks)  # a season, not chaos


def test_same_seed_and_time_give_the_same_reply(
    demo_server_factory: Callable[..., DemoNetServer],
) -> None:
    names = [p.wire_name for p in ALL_PANELS]
    a = demo_server_factory(seed=42, clock=fixed(FRIDAY_10))
    b = demo_server_factory(seed=42, clock=fixed(FRIDAY_10))
    c = demo_server_factory(seed=43, clock=fixed(FRIDAY_10))
    body = stats_envelope(names)
    assert post(a, body).content == post(b, body).content == post(a, body).content
    assert post(a, body).content != post(c, body).content


def test_the_desk_moves_between_polls() -> None:
    m = HelpDeskModel()
    # At office hours the Status tile changes within a few minutes of polling every 10 s.
    seen = {
        tuple(m.status_counts(FRIDAY_10 + timedelta(seconds=10 * i)).values()) for i in range(30)
    }
    assert len(seen) > 1
    later = FRIDAY_10 + timedelta(hours=3)
    for panel in (PanelType.OpenRequestsPerCategory, PanelType.Hotlist, PanelType.StatusScreen):
        assert m.datasets(panel, FRIDAY_10) != m.datasets(panel, later), panel.wire_name


def test_clock_time_zone_sets_the_day(demo_server_factory: Callable[..., DemoNetServer]) -> None:
    oslo_morning = datetime(2026, 11, 27, 0, 30, tzinfo=timezone(timedelta(hours=1)))
    srv = demo_server_factory(clock=fixed(oslo_morning))
    (ds,) = datasets(get_stats(srv, ["NumberOfCreatedRequestsPerDay"]))
    assert values(ds)[-1][0] == "2026-11-27"


# -- the wire format ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (12.0, "12"),
        (0.0, "0"),
        (1.5, "1.5"),
        (-3.25, "-3.25"),
        (float("nan"), "NaN"),
        (float("inf"), "INF"),
        (float("-inf"), "-INF"),
        (1e20, "1e+20"),
    ],
)
def test_doubles_are_written_as_xs_double(value: float, text: str) -> None:
    assert soap.format_double(value) == text


@pytest.mark.parametrize(
    "label",
    ["<b>bold</b> & co", "Åse Øvrebø", "a]]>b", "\"quoted\" 'single'", "x" * 5000, "", None],
    ids=["markup", "non-ascii", "cdata-end", "quotes", "long", "empty", "nil"],
)
def test_labels_survive_the_wire(label: str | None) -> None:
    reply = soap.statistics_reply([DataSet(label, label, (DataValue(label, 1.0, label),))])
    root = etree.fromstring(reply)
    (ds,) = datasets(root)
    v = ds.find(f"{Q}Values/{Q}StatisticsDataValue")
    for el in (ds.find(f"{Q}Label"), ds.find(f"{Q}Description"), v.find(f"{Q}Label")):
        if label is None:
            assert is_nil(el)
        else:
            assert (el.text or "") == label
    assert_valid(root)


# -- protocol errors ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("service", "action"),
    [
        ("CustomerService", f"{NS}/CustomerService/GetTicket"),
        ("CustomerService", AUTH_ACTION),
        ("SoPrincipal", GS_ACTION),
        ("CustomerService", ""),
    ],
    ids=["unknown-op", "auth-on-customer", "stats-on-principal", "no-action"],
)
def test_unknown_action_is_an_action_not_supported_fault(
    demo_server: DemoNetServer, service: str, action: str
) -> None:
    resp = post(demo_server, stats_envelope(["StatusScreen"]), action=action, service=service)
    assert resp.status_code == 500
    root = etree.fromstring(resp.content)
    fault = root.find(f"{{{ENV}}}Body/{{{ENV}}}Fault")
    assert fault is not None
    assert (fault.findtext("faultcode") or "").endswith(":ActionNotSupported")
    assert "ContractFilter mismatch" in (fault.findtext("faultstring") or "")
    assert demo_server.call_count("GetStatistics") == 0


def test_soap12_content_type_is_refused_like_wcf(demo_server: DemoNetServer) -> None:
    resp = post(demo_server, stats_envelope(["StatusScreen"]), content_type="application/soap+xml")
    assert resp.status_code == 415


def test_unknown_panel_name_is_a_fault(demo_server: DemoNetServer) -> None:
    resp = post(demo_server, stats_envelope(["NoSuchPanel"]))
    assert resp.status_code == 500
    assert etree.fromstring(resp.content).find(f"{{{ENV}}}Body/{{{ENV}}}Fault") is not None


@pytest.mark.parametrize(
    "body",
    [
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
        b'<soap-env:Envelope xmlns:soap-env="http://schemas.xmlsoap.org/soap/envelope/">'
        b"<soap-env:Body><x>&e;</x></soap-env:Body></soap-env:Envelope>",
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
        b'<soap-env:Envelope xmlns:soap-env="http://schemas.xmlsoap.org/soap/envelope/">'
        b"<soap-env:Body><x>&b;</x></soap-env:Body></soap-env:Envelope>",
        b"<not-closed>",
        b"<Envelope><Body/></Envelope>",
    ],
    ids=["xxe", "entities", "malformed", "not-soap"],
)
def test_hostile_or_broken_requests_are_refused(demo_server: DemoNetServer, body: bytes) -> None:
    resp = post(demo_server, body)
    assert resp.status_code == 400
    assert b"root:" not in resp.content
    assert demo_server.call_count("GetStatistics") == 0


def test_oversized_request_is_refused(demo_server: DemoNetServer) -> None:
    resp = post(demo_server, b"<a>" + b"x" * (soap.MAX_REQUEST_BYTES + 1) + b"</a>")
    assert resp.status_code == 413


def test_unknown_path_is_404(demo_server: DemoNetServer) -> None:
    resp = requests.post(f"{demo_server.url}/Remote/Services87/Nope.svc", data=b"x", timeout=5)
    assert resp.status_code == 404


# -- WSDL --------------------------------------------------------------------------------------


@pytest.mark.parametrize("prefix", ["", "/Cust12345"])
@pytest.mark.parametrize("service", ["CustomerService", "SoPrincipal"])
def test_wsdl_is_served_with_this_servers_addresses(
    demo_server_factory: Callable[..., DemoNetServer], prefix: str, service: str
) -> None:
    srv = demo_server_factory(path_prefix=prefix)
    assert srv.url.endswith(f":{srv.port}{prefix}")
    resp = requests.get(srv.service_url(service) + "?wsdl", timeout=5)
    assert resp.status_code == 200
    wsdl = etree.fromstring(resp.content)
    locations = [a.get("location") for a in wsdl.iter(f"{{{SOAP_BIND}}}address")]
    assert locations == [srv.service_url("CustomerService"), srv.service_url("SoPrincipal")]
    assert srv.call_count("wsdl") == 1


# -- authentication ----------------------------------------------------------------------------

AUTH_CASES = [
    # (server kwargs, request ticket, request token, succeeded, ExceptionType)
    ({}, None, None, True, None),
    ({}, "anything", "anything", True, None),
    ({"ticket": "7T:good"}, "7T:good", None, True, None),
    ({"ticket": "7T:good"}, None, None, False, EXC_SECURITY),
    ({"ticket": "7T:good"}, "7T:bad", None, False, EXC_SECURITY),
    ({"app_token": "tok"}, None, "tok", True, None),
    ({"app_token": "tok"}, None, None, False, EXC_APP_TOKEN),
    ({"app_token": "tok"}, None, "nope", False, EXC_APP_TOKEN),
    ({"app_token": "tok", "ticket": "7T:good"}, "7T:good", "tok", True, None),
    ({"app_token": "tok", "ticket": "7T:good"}, "7T:good", "nope", False, EXC_APP_TOKEN),
    ({"users": {"ase": "pw"}}, None, None, False, EXC_SECURITY),
    ({"users": {"ase": "pw"}}, "7T:made-up", None, False, EXC_SECURITY),
]


@pytest.mark.parametrize(("kwargs", "ticket", "token", "ok", "exc_type"), AUTH_CASES)
def test_ticket_and_application_token_checks(
    demo_server_factory: Callable[..., DemoNetServer],
    kwargs: dict[str, object],
    ticket: str | None,
    token: str | None,
    ok: bool,
    exc_type: str | None,
) -> None:
    srv = demo_server_factory(**kwargs)
    root = get_stats(srv, ["StatusScreen"], ticket=ticket, token=token)
    assert succeeded(root) is ok
    assert exception_type(root) == exc_type
    if ok:
        assert len(datasets(root)) == 1
    else:
        assert datasets(root) == []
        assert root.findtext(f"{{{ENV}}}Header/{Q}ExceptionInfo/{Q}Message")
        assert_valid(root)


def authenticate(
    srv: DemoNetServer, user: str, password: str, token: str | None = None
) -> etree._Element:
    resp = post(
        srv, auth_envelope(user, password, token), action=AUTH_ACTION, service="SoPrincipal"
    )
    assert resp.status_code == 200
    return etree.fromstring(resp.content)


def auth_body(root: etree._Element) -> etree._Element:
    el = root.find(f"{{{ENV}}}Body/{Q}AuthenticateResponse")
    assert el is not None
    return el


def test_authenticate_issues_a_ticket_that_works(
    demo_server_factory: Callable[..., DemoNetServer],
) -> None:
    srv = demo_server_factory(users={"ase": "s3cret"}, app_token="tok")
    root = authenticate(srv, "ase", "s3cret", token="tok")
    assert succeeded(root)
    assert_valid(root)
    body = auth_body(root)
    assert body.findtext(f"{Q}AuthenticationSucceeded") == "true"
    assert body.findtext(f"{Q}Response/{Q}Associate") == "ase"
    assert body.findtext(f"{Q}Response/{Q}FullName") == "Åse Øvrebø"
    ticket = body.findtext(f"{Q}Credentials/{Q}Ticket") or ""
    assert re.fullmatch(r"7T:[A-Za-z0-9+/=]{16,}", ticket)
    assert succeeded(get_stats(srv, ["StatusScreen"], ticket=ticket, token="tok"))
    # Every login gets its own ticket.
    other = auth_body(authenticate(srv, "ase", "s3cret", token="tok"))
    assert other.findtext(f"{Q}Credentials/{Q}Ticket") != ticket


@pytest.mark.parametrize(("user", "password"), [("ase", "wrong"), ("bob", "s3cret"), ("", "")])
def test_wrong_password_is_authentication_succeeded_false(
    demo_server_factory: Callable[..., DemoNetServer], user: str, password: str
) -> None:
    srv = demo_server_factory(users={"ase": "s3cret"})
    root = authenticate(srv, user, password)
    assert succeeded(root)  # NetServer answers the call; the login itself failed
    body = auth_body(root)
    assert body.findtext(f"{Q}AuthenticationSucceeded") == "false"
    assert is_nil(body.find(f"{Q}Credentials"))
    assert is_nil(body.find(f"{Q}Response"))
    assert_valid(root)


def test_authenticate_checks_the_application_token(
    demo_server_factory: Callable[..., DemoNetServer],
) -> None:
    srv = demo_server_factory(users={"ase": "s3cret"}, app_token="tok")
    root = authenticate(srv, "ase", "s3cret", token="nope")
    assert not succeeded(root)
    assert exception_type(root) == EXC_APP_TOKEN


def test_demo_mode_accepts_any_user(demo_server: DemoNetServer) -> None:
    body = auth_body(authenticate(demo_server, "anyone", "anything"))
    assert body.findtext(f"{Q}AuthenticationSucceeded") == "true"


# -- faults ------------------------------------------------------------------------------------


def test_down_refuses_connections_and_clear_reopens_the_same_port(
    demo_server: DemoNetServer,
) -> None:
    port = demo_server.port
    demo_server.set_fault(Fault.DOWN)
    with pytest.raises(requests.ConnectionError):
        post(demo_server, stats_envelope(["StatusScreen"]), timeout=2)
    assert demo_server.wait_until_refused()
    demo_server.clear_fault()
    assert demo_server.port == port
    assert succeeded(get_stats(demo_server, ["StatusScreen"]))


def test_down_also_closes_kept_alive_connections(demo_server: DemoNetServer) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", demo_server.port, timeout=2)
    path = "/Remote/Services87/CustomerService.svc"
    headers = {"Content-Type": "text/xml; charset=utf-8", "SOAPAction": GS_ACTION}
    conn.request("POST", path, stats_envelope(["StatusScreen"]), headers)
    assert conn.getresponse().read()
    demo_server.set_fault(Fault.DOWN)

    def again() -> bytes:
        conn.request("POST", path, stats_envelope(["StatusScreen"]), headers)
        return conn.getresponse().read()

    with pytest.raises((ConnectionError, http.client.HTTPException, OSError)):
        again()
    conn.close()


def test_slow_delays_the_answer(demo_server_factory: Callable[..., DemoNetServer]) -> None:
    srv = demo_server_factory(slow_seconds=0.4)
    srv.set_fault(Fault.SLOW)
    root = get_stats(srv, ["StatusScreen"])  # slow, but it answers
    assert succeeded(root)
    with pytest.raises(requests.Timeout):  # the delay: a client waiting less gives up
        post(srv, stats_envelope(["StatusScreen"]), timeout=0.1)


def test_a_client_giving_up_prints_no_traceback(
    demo_server_factory: Callable[..., DemoNetServer], capfd: pytest.CaptureFixture[str]
) -> None:
    # A large reply, so that writing it to the socket the client closed fails.
    srv = demo_server_factory(slow_seconds=0.2, extra_values=20000)
    srv.set_fault(Fault.SLOW)
    with pytest.raises(requests.Timeout):
        post(srv, stats_envelope(["OpenRequestsPerCategory"]), timeout=0.05)
    # The handler has written (and failed) once the server holds no connection any more.
    wait_for(lambda: srv.open_connections == 0, what="the server to finish the reply")
    assert "Traceback" not in capfd.readouterr().err


def test_soap_fault_is_http_500_with_s_fault(demo_server: DemoNetServer) -> None:
    demo_server.set_fault(Fault.SOAP_FAULT)
    resp = post(demo_server, stats_envelope(["StatusScreen"]))
    assert resp.status_code == 500
    assert resp.headers["Content-Type"] == "text/xml; charset=utf-8"
    fault = etree.fromstring(resp.content).find(f"{{{ENV}}}Body/{{{ENV}}}Fault")
    assert fault is not None
    assert fault.findtext("faultcode") == "a:InternalServiceFault"


def test_service_error_is_succeeded_false(demo_server: DemoNetServer) -> None:
    demo_server.set_fault(Fault.SERVICE_ERROR)
    root = get_stats(demo_server, ["StatusScreen"])
    assert not succeeded(root)
    assert exception_type(root) == EXC_SERVICE
    assert_valid(root)


def test_malformed_is_truncated_xml(demo_server: DemoNetServer) -> None:
    demo_server.set_fault(Fault.MALFORMED)
    resp = post(demo_server, stats_envelope(["StatusScreen"]))
    assert resp.status_code == 200
    assert resp.content.startswith(b"<s:Envelope")
    with pytest.raises(etree.XMLSyntaxError):
        etree.fromstring(resp.content)


def test_html_is_an_error_page_with_status_200(demo_server: DemoNetServer) -> None:
    demo_server.set_fault(Fault.HTML)
    resp = post(demo_server, stats_envelope(["StatusScreen"]))
    assert resp.status_code == 200
    assert resp.headers["Content-Type"].startswith("text/html")
    assert b"<html" in resp.content


def test_expired_ticket_revokes_issued_tickets_once(
    demo_server_factory: Callable[..., DemoNetServer],
) -> None:
    srv = demo_server_factory(users={"ase": "pw"})

    def login() -> str:
        return auth_body(authenticate(srv, "ase", "pw")).findtext(f"{Q}Credentials/{Q}Ticket") or ""

    old = login()
    srv.set_fault(Fault.EXPIRED_TICKET)
    root = get_stats(srv, ["StatusScreen"], ticket=old)
    assert not succeeded(root)
    assert exception_type(root) == EXC_SESSION_EXPIRED
    new = login()  # re-authenticating recovers while the fault is still on
    assert succeeded(get_stats(srv, ["StatusScreen"], ticket=new))
    srv.clear_fault()
    assert exception_type(get_stats(srv, ["StatusScreen"], ticket=old)) == EXC_SESSION_EXPIRED


def test_expired_ticket_refuses_the_fixed_ticket_until_cleared(
    demo_server_factory: Callable[..., DemoNetServer],
) -> None:
    srv = demo_server_factory(ticket="7T:fixed")
    srv.set_fault(Fault.EXPIRED_TICKET)
    assert (
        exception_type(get_stats(srv, ["StatusScreen"], ticket="7T:fixed")) == EXC_SESSION_EXPIRED
    )
    srv.clear_fault()
    assert succeeded(get_stats(srv, ["StatusScreen"], ticket="7T:fixed"))


def test_expired_ticket_is_seen_in_demo_mode_too(demo_server: DemoNetServer) -> None:
    demo_server.set_fault(Fault.EXPIRED_TICKET)
    assert exception_type(get_stats(demo_server, ["StatusScreen"])) == EXC_SESSION_EXPIRED


@pytest.mark.parametrize("fault", [f for f in Fault if f not in (Fault.NONE, Fault.DOWN)])
def test_faults_leave_authentication_and_wsdl_alone(
    demo_server_factory: Callable[..., DemoNetServer], fault: Fault
) -> None:
    srv = demo_server_factory(slow_seconds=0.05)
    srv.set_fault(fault)
    assert requests.get(srv.service_url() + "?wsdl", timeout=5).status_code == 200
    body = auth_body(authenticate(srv, "ase", "pw"))
    assert body.findtext(f"{Q}AuthenticationSucceeded") == "true"
    srv.clear_fault()
    assert succeeded(get_stats(srv, ["StatusScreen"]))


def test_serve_raw_answers_exact_bytes_until_cleared(demo_server: DemoNetServer) -> None:
    raw = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e "boom">]><x>&e;</x>'
    demo_server.serve_raw(raw, status=203, content_type="application/xml")
    for _ in range(2):
        resp = post(demo_server, stats_envelope(["StatusScreen"]))
        assert (resp.status_code, resp.content) == (203, raw)
        assert resp.headers["Content-Type"] == "application/xml"
    demo_server.clear_fault()
    assert succeeded(get_stats(demo_server, ["StatusScreen"]))


# -- counters, headers, routes, concurrency -----------------------------------------------------


def test_counts_and_last_request_headers(demo_server: DemoNetServer) -> None:
    get_stats(demo_server, ["StatusScreen"])
    get_stats(demo_server, ["Hotlist"])
    authenticate(demo_server, "a", "b")
    assert demo_server.call_count("GetStatistics") == 2
    assert demo_server.call_count("AuthenticateUsernamePassword") == 1
    assert demo_server.last_request_headers["SOAPAction"] == f'"{AUTH_ACTION}"'
    demo_server.reset_counts()
    assert demo_server.call_count("GetStatistics") == 0


def test_add_route_serves_extra_endpoints(demo_server: DemoNetServer) -> None:
    seen = []

    def handler(req: object) -> tuple[int, dict[str, str], bytes]:
        seen.append(req)
        return 201, {"Content-Type": "application/json"}, b'{"ok": true}'

    demo_server.add_route("POST", "/api/v1/Agents/Test", handler)
    resp = requests.post(f"{demo_server.url}/api/v1/agents/test?x=1", data=b"hi", timeout=5)
    assert (resp.status_code, resp.json()) == (201, {"ok": True})
    assert seen[0].body == b"hi"
    assert seen[0].query == "x=1"


def test_many_concurrent_requests(demo_server: DemoNetServer) -> None:
    errors: list[BaseException] = []
    names = [p.wire_name for p in ALL_PANELS]

    def worker() -> None:
        try:
            for _ in range(3):
                assert succeeded(get_stats(demo_server, names))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert errors == []
    assert demo_server.call_count("GetStatistics") == 48


def test_secrets_stay_out_of_logs_and_repr(
    demo_server_factory: Callable[..., DemoNetServer],
) -> None:
    lines: list[str] = []
    srv = demo_server_factory(
        ticket="7T:SECRET-T", app_token="SECRET-A", users={"u": "SECRET-P"}, log=lines.append
    )
    get_stats(srv, ["StatusScreen"], ticket="7T:SECRET-T", token="SECRET-A")
    authenticate(srv, "u", "SECRET-P", token="SECRET-A")
    assert lines  # the log is on
    assert "SECRET" not in "\n".join(lines) + repr(srv)


def test_start_and_stop_are_idempotent_and_free_the_port() -> None:
    for _ in range(3):
        with DemoNetServer() as srv:
            assert srv.port > 0
            port = srv.port
        srv.stop()
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection(("127.0.0.1", port), timeout=5).close()


# -- control port and command line ---------------------------------------------------------------


def test_control_port_switches_faults(demo_server: DemoNetServer) -> None:
    control = ControlServer(demo_server).start()
    try:
        resp = requests.post(f"{control.url}/fault/soap-fault", timeout=5)
        assert resp.status_code == 200
        assert resp.json()["fault"] == "soap-fault"
        assert demo_server.fault is Fault.SOAP_FAULT
        assert post(demo_server, stats_envelope(["StatusScreen"])).status_code == 500
        status = requests.get(f"{control.url}/", timeout=5).json()
        assert status["counts"]["GetStatistics"] == 1
        bad = requests.post(f"{control.url}/fault/explode", timeout=5)
        assert bad.status_code == 400
        assert "expected one of" in bad.json()["error"]
        requests.post(f"{control.url}/fault/none", timeout=5)
        assert demo_server.fault is Fault.NONE
    finally:
        control.stop()


def test_simulate_command_runs_and_stops_cleanly_on_ctrl_c() -> None:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = process.start("netserver_demo", ["--port", "0", "--ticket", "7T:cli-secret"],
                         env=env)
    try:
        line = proc.stdout.readline() if proc.stdout else ""
        urls = re.findall(r"http://127\.0\.0\.1:\d+", line)
        assert len(urls) >= 2, line
        site, control = urls[0], urls[1]
        assert "7T:cli-secret" not in line
        reply = requests.post(
            f"{site}/Remote/Services87/CustomerService.svc",
            data=stats_envelope(["StatusScreen"], ticket="7T:cli-secret"),
            headers={"Content-Type": "text/xml; charset=utf-8", "SOAPAction": GS_ACTION},
            timeout=5,
        )
        assert succeeded(etree.fromstring(reply.content))
        requests.post(f"{control}/fault/down", timeout=5)
        with pytest.raises(requests.ConnectionError):
            requests.get(site, timeout=2)
        assert json.loads(requests.get(control, timeout=5).text)["fault"] == "down"
    finally:
        out, err = process.ctrl_c(proc)
    assert proc.returncode == 0
    assert "Traceback" not in err
    assert "7T:cli-secret" not in out + err


def test_simulate_refuses_a_user_without_password(capsys: pytest.CaptureFixture[str]) -> None:
    from netserver_demo import main

    assert main(["--port", "0", "--user", "ase"]) == 2
    assert "--password" in capsys.readouterr().err


# -- the shared state: one rule per credential, whichever route asks ---------------------------
@pytest.mark.parametrize(("kwargs", "fault", "ticket", "expected"), [
    ({}, Fault.NONE, None, None),  # demo mode checks no ticket
    ({}, Fault.EXPIRED_TICKET, "7T:any", EXC_SESSION_EXPIRED),  # but the fault is still seen
    ({"ticket": "7T:fixed"}, Fault.NONE, "7T:fixed", None),
    ({"ticket": "7T:fixed"}, Fault.NONE, None, EXC_SECURITY),
    ({"ticket": "7T:fixed"}, Fault.NONE, "7T:other", EXC_SECURITY),
    ({"ticket": "7T:fixed"}, Fault.EXPIRED_TICKET, "7T:fixed", EXC_SESSION_EXPIRED),
    ({"users": {"ase": "pw"}}, Fault.NONE, "issued", None),
    ({"users": {"ase": "pw"}}, Fault.EXPIRED_TICKET, "issued", EXC_SESSION_EXPIRED),
], ids=["demo", "demo-expired", "fixed", "none", "unknown", "fixed-expired", "issued",
        "issued-expired"])
def test_state_ticket_refusals(kwargs: dict[str, Any], fault: Fault, ticket: str | None,
                               expected: str | None) -> None:
    state = DemoState(**kwargs)
    if ticket == "issued":
        ticket = state.issue_ticket()
    state.set_fault(fault)
    info = state.ticket_refusal(ticket)
    assert (info.exception_type if info else None) == expected
    assert ticket is None or ticket not in repr(state)


@pytest.mark.parametrize(("users", "user", "password", "ok"), [
    (None, "anyone", "", True),
    (None, "", "pw", False),
    ({"ase": "pw"}, "ase", "pw", True),
    ({"ase": "pw"}, "ase", "PW", False),
    ({"ase": "pw"}, "bob", "pw", False),
], ids=["demo-any", "demo-empty", "right", "wrong", "unknown"])
def test_state_password_check(users: dict[str, str] | None, user: str, password: str,
                              ok: bool) -> None:
    assert DemoState(users=users).password_ok(user, password) is ok


def test_state_app_token_and_counters() -> None:
    state = DemoState(app_token="app")
    assert state.app_token_refusal("app") is None
    refusal = state.app_token_refusal(None)
    assert refusal is not None
    assert refusal.exception_type == EXC_APP_TOKEN
    assert DemoState().app_token_refusal(None) is None
    state.count("GetStatistics")
    state.count("GetStatistics")
    assert state.counts() == {"GetStatistics": 2}
    state.reset_counts()
    assert state.call_count("GetStatistics") == 0


def test_a_ticket_issued_over_soap_is_valid_over_rest_and_both_count_in_one_place(
    demo_server_factory: Callable[..., DemoNetServer],
) -> None:
    srv = demo_server_factory(users={"ase": "pw"})
    ticket = auth_body(authenticate(srv, "ase", "pw")).findtext(f"{Q}Credentials/{Q}Ticket")
    assert ticket in srv.state.issued_tickets()
    reply = requests.post(f"{srv.url}{srv.rest.path}", json={"Functions": ["StatusScreen"]},
                          headers={"Authorization": f"SOTicket {ticket}"}, timeout=5)
    assert reply.status_code == 200
    assert srv.counts() == srv.state.counts() == {
        "AuthenticateUsernamePassword": 1, "REST GetStatistics": 1}
    srv.set_fault(Fault.EXPIRED_TICKET)
    assert srv.state.issued_tickets() == frozenset()


# -- the partner login: RS256 JWTs issued with PyJWT, verifiable with the published JWKS ------
def _signed(token: str, key: rsa.RSAPrivateKey, when: datetime) -> str:
    message = f"{token}.{when.astimezone(UTC):%Y%m%d%H%M}"
    signature = key.sign(message.encode(), padding.PKCS1v15(), hashes.SHA256())
    return f"{message}.{base64.b64encode(signature).decode()}"


def _partner_login(srv: DemoNetServer, signed: str) -> dict[str, Any]:
    body = {"ContextIdentifier": "Cust12345", "ApplicationToken": "app",
            "SignedSystemToken": signed}
    reply = requests.post(f"http://127.0.0.1:{srv.port}{AUTHENTICATE_PATH}", json=body, timeout=5)
    assert reply.status_code == 200
    return dict(reply.json())


@pytest.mark.parametrize("fault", [PartnerFault.NONE, PartnerFault.BAD_JWT])
def test_partner_jwt_verifies_with_the_published_jwks_only_when_it_should(
    fault: PartnerFault, app_key: rsa.RSAPrivateKey,
    demo_server_factory: Callable[..., DemoNetServer],
) -> None:
    srv = demo_server_factory(clock=fixed(FRIDAY_10))
    partner = attach_partner(srv, serial="4711")
    partner.register_app("app", app_key.public_key())
    partner.register_tenant("Cust12345", "sys-token", "app")
    partner.set_fault(fault)
    answer = _partner_login(srv, _signed("sys-token", app_key, FRIDAY_10))
    assert answer["IsSuccessful"] is True
    token = answer["Token"]
    jwks = requests.get(f"http://127.0.0.1:{srv.port}{JWKS_PATH}", timeout=5).json()
    (jwk,) = jwks["keys"]
    assert {jwk["kid"], jwk["use"], jwk["alg"], jwk["kty"]} == {partner.kid, "sig", "RS256", "RSA"}
    assert jwt.get_unverified_header(token)["kid"] == partner.kid
    options: dict[str, Any] = {"verify_exp": False, "verify_nbf": False, "verify_iat": False}
    key = jwt.PyJWK(jwk).key
    if fault is PartnerFault.BAD_JWT:
        with pytest.raises(jwt.InvalidSignatureError):
            jwt.decode(token, key, algorithms=["RS256"], audience="spn:4711", options=options)
        return
    claims = jwt.decode(token, key, algorithms=["RS256"], audience="spn:4711", issuer=ISSUER,
                        options=options)
    assert claims[CONTEXT_CLAIM] == "Cust12345"
    assert claims[SERIAL_CLAIM] == "4711"
    assert claims[TICKET_CLAIM] in srv.state.issued_tickets()
    assert claims["exp"] - claims["iat"] == 6 * 3600
    assert partner.logins == 1
    assert srv.call_count("PartnerSystemUserAuthenticate") == srv.call_count("jwks") == 1


def test_partner_refuses_a_bad_signature_and_issues_nothing(
    app_key: rsa.RSAPrivateKey, demo_server_factory: Callable[..., DemoNetServer],
) -> None:
    srv = demo_server_factory(clock=fixed(FRIDAY_10))
    partner = attach_partner(srv)
    partner.register_app("app", app_key.public_key())
    partner.register_tenant("Cust12345", "sys-token", "app")
    # A signature of another token, sent with ours.
    signed = _signed("sys-tokeX", app_key, FRIDAY_10).replace("sys-tokeX", "sys-token", 1)
    answer = _partner_login(srv, signed)
    assert answer == {"IsSuccessful": False, "Token": None,
                      "ErrorMessage": "The signature of the signed system token could not be "
                                      "verified."}
    assert srv.state.issued_tickets() == frozenset()
    assert partner.logins == 0


def test_simulate_desks_serves_several_desks_and_prints_their_table() -> None:
    """`simulate --desks 3`: three demo desks with different numbers, and the [desks] table
    that points a board at them (so the Desks screen can be seen without a NetServer)."""
    import tomllib

    from stats_client.client import open_client
    from stats_client.desks import desk_key
    from stats_client.panels import PanelType
    from stats_client.settings import Settings

    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = process.start("netserver_demo", ["--port", "0", "--desks", "3"], env=env)
    try:
        assert proc.stdout is not None
        lines = [proc.stdout.readline() for _ in range(1 + 4 * 3)]
        table = tomllib.loads("".join(lines))["desks"]
        assert list(table) == ["desk1", "desk2", "desk3"]
        assert table["desk2"]["label"] == "Demo desk 2"
        frames = []
        for desk in table.values():
            settings = Settings(url=desk["url"])
            with open_client(settings) as client:
                frames.append(client.fetch_frame((PanelType.StatusScreen,))["value"].tolist())
        assert len({desk_key(Settings(url=d["url"])) for d in table.values()}) == 3
        assert len({tuple(f) for f in frames}) == 3  # seeds 42, 43, 44: different numbers
    finally:
        _out, err = process.ctrl_c(proc)
    assert proc.returncode == 0
    assert "Traceback" not in err
