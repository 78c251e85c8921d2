"""`python -m stats_client capture`: the file's format, replaying it gives the same frame, no secret
of any credential kind ever lands in it, and --anonymise keeps numbers and periods."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from harness.clock import ManualClock
from netserver_demo import DemoNetServer
from netserver_demo.model import HANDLERS
from netserver_demo.partner import attach_partner
from netserver_demo.request import Request
from stats_client import ALL_PANELS, PanelKind, PanelType, Settings
from stats_client.capture import FORMAT, json_records
from stats_client.client import open_client

TICKET = "7T:capture-fixed-SECRET-0101"
APP_TOKEN = "APP-capture-SECRET-0102"
USER, PASSWORD = "ann", "pw&<capture>-SECRET-0103"
BEARER = "BEARER-capture-SECRET-0104"
SYSTEM_USER_TOKEN = "SYSUSER-capture-SECRET-0105"
CONTEXT = "Cust12345"
Run = Callable[..., Any]


def _read(path: Path) -> dict[str, Any]:
    doc = json.loads(path.read_text("utf-8"))
    assert isinstance(doc, dict)
    return doc


def _env(srv: DemoNetServer, transport: str, **extra: str) -> dict[str, str]:
    return {"SUPEROFFICE_URL": srv.url, "SUPEROFFICE_TRANSPORT": transport, **extra}


@pytest.mark.parametrize("transport", ["soap", "rest"])
def test_capture_then_replay_gives_the_same_frame_for_every_panel(
        demo_server: DemoNetServer, run_cli: Run, tmp_path: Path, transport: str) -> None:
    out = tmp_path / "desk.json"
    run = run_cli("capture", "--out", str(out), env=_env(demo_server, transport))
    assert run.status == 0, run.stderr
    doc = _read(out)
    assert (doc["format"], doc["version"], doc["transport"], doc["anonymised"]) == (
        FORMAT, 1, transport, False)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d", doc["captured_at"])
    assert [p["panel"] for p in doc["panels"]] == [p.wire_name for p in ALL_PANELS]
    assert list(tmp_path.iterdir()) == [out]  # written by rename: no temporary file left
    replay = demo_server.rest.serve_raw if transport == "rest" else demo_server.serve_raw
    with open_client(Settings(demo_server.url, transport=transport)) as client:
        for entry in doc["panels"]:
            assert entry["http_status"] == 200
            assert entry["transport"] == transport
            assert set(entry["rows"][0]) == {"panel", "dataset", "dataset_label",
                                             "dataset_description", "position", "label",
                                             "value", "description"}
            assert sum(d["values"] for d in entry["datasets"] if d) == len(entry["rows"])
            replay(entry["body"].encode(), entry["http_status"], entry["content_type"])
            frame = client.fetch_frame([PanelType.from_wire(entry["panel"])])
            assert json_records(frame) == entry["rows"]


def _echo(srv: DemoNetServer, soap_path: str) -> None:
    """Make the server echo whatever credentials it was sent into a value's label."""
    def soap_echo(req: Request) -> Any:
        status, headers, body = srv.soap.handle(req, srv.url)
        sent = re.findall(rb"<(?:\w+:)?(?:Ticket|ApplicationToken)>([^<]*)<", req.body)
        return status, headers, re.sub(rb"<Label>[^<]*</Label>",
                                       b"<Label>" + b" ".join(sent) + b"</Label>", body, count=2)

    def rest_echo(req: Request) -> Any:
        status, headers, body = srv.rest.handle(req)
        sent = " ".join(req.header(h) for h in ("Authorization", "SO-AppToken"))
        doc = json.loads(body)
        doc[0]["Label"] = doc[0]["Values"][0]["Label"] = sent
        return status, headers, json.dumps(doc).encode()

    srv.add_route("POST", soap_path, soap_echo)
    srv.add_route("POST", srv.rest.path, rest_echo)


#: (credential kind, transport, settings variables besides the URL)
KINDS = [
    ("ticket", "soap", {"SUPEROFFICE_TICKET": TICKET, "SUPEROFFICE_APP_TOKEN": APP_TOKEN}),
    ("ticket", "rest", {"SUPEROFFICE_TICKET": TICKET, "SUPEROFFICE_APP_TOKEN": APP_TOKEN}),
    ("user and password", "soap", {"SUPEROFFICE_USER": USER, "SUPEROFFICE_PASSWORD": PASSWORD,
                                   "SUPEROFFICE_APP_TOKEN": APP_TOKEN}),
    ("user and password", "rest", {"SUPEROFFICE_USER": USER, "SUPEROFFICE_PASSWORD": PASSWORD}),
    ("bearer", "rest", {"SUPEROFFICE_ACCESS_TOKEN": BEARER}),
    ("system user", "soap", {}),
    ("system user", "rest", {}),
]


@pytest.mark.parametrize(("kind", "transport", "env"), KINDS)
def test_no_secret_of_any_credential_kind_reaches_the_file(
        demo_server_factory: Callable[..., DemoNetServer], run_cli: Run, tmp_path: Path,
        key_path: tuple[rsa.RSAPrivateKey, Path], kind: str, transport: str,
        env: dict[str, str]) -> None:
    srv = demo_server_factory(ticket=TICKET, app_token=APP_TOKEN, users={USER: PASSWORD})
    srv.rest.add_access_token(BEARER)
    _echo(srv, "/Remote/Services87/CustomerService.svc")
    if kind == "system user":
        partner = attach_partner(srv)
        partner.register_app(APP_TOKEN, key_path[0].public_key())
        partner.register_tenant(CONTEXT, SYSTEM_USER_TOKEN, APP_TOKEN)
        env = {"SUPEROFFICE_SYSTEM_USER_TOKEN": SYSTEM_USER_TOKEN, "SUPEROFFICE_CONTEXT": CONTEXT,
               "SUPEROFFICE_PRIVATE_KEY": str(key_path[1]), "SUPEROFFICE_APP_TOKEN": APP_TOKEN,
               "SUPEROFFICE_LOGIN_URL": partner.login_base}
    out = tmp_path / "desk.json"
    run = run_cli("capture", "--out", str(out), "--panels", "StatusScreen,Hotlist",
                  env=_env(srv, transport, **env))
    assert run.status == 0, run.stderr
    text = out.read_text("utf-8")
    assert "***" in text  # the echo was there, and was scrubbed
    secrets = [TICKET, APP_TOKEN, PASSWORD, BEARER, SYSTEM_USER_TOKEN,
               base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode(),
               *srv.state.issued_tickets()]
    for secret in secrets:
        for spelt in (secret, json.dumps(secret)[1:-1], secret.replace("&", "&amp;")
                      .replace("<", "&lt;").replace(">", "&gt;")):
            assert spelt not in text
    assert "Authorization" not in text
    assert "SO-AppToken" not in text


@pytest.mark.parametrize("transport", ["soap", "rest"])
def test_anonymise_gives_stable_pseudonyms_and_keeps_numbers_and_periods(
        demo_server_factory: Callable[..., DemoNetServer], run_cli: Run, tmp_path: Path,
        transport: str) -> None:
    # Two captures taken moments apart: from a demo held still, or its numbers move between
    # them (189.8 != 189.9 on a fresh clone).
    demo_server = demo_server_factory(clock=ManualClock())
    plain, anon = tmp_path / "plain.json", tmp_path / "anon.json"
    for path, extra in ((plain, ()), (anon, ("--anonymise",))):
        run = run_cli("capture", "--out", str(path), *extra, env=_env(demo_server, transport))
        assert run.status == 0, run.stderr
    before, after = _read(plain), _read(anon)
    assert after["anonymised"] is True
    text = anon.read_text("utf-8")
    for full_name, _login in HANDLERS:
        assert full_name not in text
    replay = demo_server.rest.serve_raw if transport == "rest" else demo_server.serve_raw
    with open_client(Settings(demo_server.url, transport=transport)) as client:
        for old, new in zip(before["panels"], after["panels"], strict=True):
            assert [r["value"] for r in old["rows"]] == [r["value"] for r in new["rows"]]
            kind = PanelType.from_wire(new["panel"]).kind
            if kind is PanelKind.TIMELINE:
                assert [r["label"] for r in old["rows"]] == [r["label"] for r in new["rows"]]
            replay(new["body"].encode(), 200, new["content_type"])
            frame = client.fetch_frame([PanelType.from_wire(new["panel"])])
            assert json_records(frame) == new["rows"]  # body, rows agree
    per_user = next(p for p in after["panels"] if p["panel"] == "OpenRequestsPerUser")
    assert all(re.fullmatch(r"Name \d+", r["label"]) for r in per_user["rows"])
    # The same name gets the same pseudonym wherever it appears in the file.
    pairs = {(o["label"], n["label"]) for po, pn in zip(before["panels"], after["panels"],
                                                          strict=True)
             for o, n in zip(po["rows"], pn["rows"], strict=True)
             if o["label"] != n["label"]}
    assert len({o for o, _ in pairs}) == len(pairs) == len({n for _, n in pairs})


@pytest.mark.parametrize(("out", "says"), [
    ("missing-folder/desk.json", "does not exist"),
    (".", "is a directory"),
])
def test_a_bad_out_path_is_one_line_with_exit_2(demo_server: DemoNetServer, run_cli: Run,
                                                tmp_path: Path, out: str, says: str) -> None:
    run = run_cli("capture", "--out", str(tmp_path / out), env=_env(demo_server, "soap"))
    assert run.status == 2
    assert len(run.stderr.splitlines()) == 1
    assert says in run.stderr
    assert demo_server.call_count("GetStatistics") == 0


@pytest.mark.parametrize("transport", ["soap", "rest"])
def test_capture_errors_exit_as_fetch_does(demo_server_factory: Callable[..., DemoNetServer],
                                           run_cli: Run, tmp_path: Path, transport: str) -> None:
    srv = demo_server_factory(ticket=TICKET)
    out = tmp_path / "desk.json"
    run = run_cli("capture", "--out", str(out),
                  env=_env(srv, transport, SUPEROFFICE_TICKET="7T:wrong"))
    assert run.status == 4
    assert run.stderr.startswith("error: ")
    assert not out.exists()


def test_rows_keep_nan_as_null() -> None:
    frame = pd.DataFrame({"value": [float("nan"), 1.0], "label": pd.Series([None, "x"],
                                                                          dtype="string")})
    assert json_records(frame) == [{"value": None, "label": None}, {"value": 1.0, "label": "x"}]


@pytest.mark.parametrize("captured_over", ["soap", "rest"])
@pytest.mark.parametrize("replayed_over", ["soap", "rest"])
def test_capture_replay_fetch_gives_the_captured_frame(
        demo_server_factory: Callable[..., DemoNetServer], run_cli: Run, tmp_path: Path,
        clock: Any, captured_over: str, replayed_over: str) -> None:
    """The user's round trip: `capture`, then `simulate --replay FILE`, then the board fetches:
    the same rows as captured, for every panel, whichever transport did which part."""
    from netserver_demo import load_capture

    desk = demo_server_factory(clock=clock)
    out = tmp_path / "desk.json"
    assert run_cli("capture", "--out", str(out), env=_env(desk, captured_over)).status == 0
    captured = [row for entry in _read(out)["panels"] for row in entry["rows"]]
    replay = demo_server_factory(replay=load_capture(out))
    with open_client(Settings(replay.url, transport=replayed_over)) as client:
        assert json_records(client.fetch_frame(ALL_PANELS)) == captured  # one call, rebuilt
        for panel in ALL_PANELS:  # one call per panel: the captured body itself when it can
            rows = [row for row in captured if row["panel"] == panel.wire_name]
            assert json_records(client.fetch_frame([panel])) == rows


NAME = "Åse Øvrebø"


def _net_escapes(text: str) -> str:
    """JSON \\u escapes in capitals, as .NET spells them (Python's own are in small letters)."""
    return re.sub(r"\\u([0-9a-f]{4})", lambda m: "\\u" + m[1].upper(), json.dumps(text)[1:-1])


def _char_refs(text: str) -> str:
    """XML character references for every non-ASCII letter."""
    return "".join(c if c.isascii() else f"&#x{ord(c):X};" for c in text)


# transport, how the server spells the name, where else it puts it (None: nowhere), kept
RESPELT = [
    ("rest", _net_escapes, None, True),
    ("soap", _char_refs, None, True),
    # A longer text holding the name, where the client reads nothing: an extra key of a
    # data set (REST), a SOAP header of its own.
    ("rest", _net_escapes, lambda body: body.replace(
        '"Description": null}]', f'"Description": null, "Note": "{NAME} was here"}}]', 1),
     False),
    ("soap", _char_refs, lambda body: body.replace(
        "</s:Header>", f"<Note>{_char_refs(NAME)} was here</Note></s:Header>", 1), False),
]


@pytest.mark.parametrize(("transport", "spell", "elsewhere", "kept"), RESPELT,
                         ids=["json-escapes", "xml-char-refs", "json-extra-text",
                              "xml-extra-text"])
def test_an_anonymised_body_is_rebuilt_from_the_parsed_reply_or_left_out(
        demo_server: DemoNetServer, run_cli: Run, tmp_path: Path, transport: str,
        spell: Callable[[str], str], elsewhere: Callable[[str], str] | None,
        kept: bool) -> None:
    """Regression (review, issue 17): .NET writes "\\u00D8vreb\\u00F8", XML may write
    "&#xD8;"; the anonymiser replaced names only in their own spelling and kept them in a file
    marked anonymised. The body is now rebuilt from the parsed document (every spelling of a
    label is its text), then checked: a name left anywhere else drops the body, said so."""
    plain = tmp_path / "plain.json"
    run = run_cli("capture", "--out", str(plain), "--panels", "OpenRequestsPerUser",
                  env=_env(demo_server, transport))
    assert run.status == 0, run.stderr
    (captured,) = _read(plain)["panels"]
    body = captured["body"]
    assert NAME in body
    respelt = body.replace(NAME, spell(NAME))
    if elsewhere is not None:
        respelt = elsewhere(respelt)
        assert respelt != body.replace(NAME, spell(NAME))
    serve = demo_server.rest.serve_raw if transport == "rest" else demo_server.serve_raw
    serve(respelt.encode())
    out = tmp_path / "anon.json"
    run = run_cli("capture", "--out", str(out), "--panels", "OpenRequestsPerUser",
                  "--anonymise", env=_env(demo_server, transport))
    assert run.status == 0, run.stderr
    text = out.read_text("utf-8")
    for spelling in (NAME, spell(NAME), spell(NAME).lower(), "Vreb", "vreb"):
        assert spelling not in text
    (panel,) = _read(out)["panels"]
    assert all(re.fullmatch(r"Name \d+", r["label"]) for r in panel["rows"])
    if kept:
        assert "body_dropped" not in panel
        serve(panel["body"].encode(), 200, panel["content_type"])  # the rebuilt body replays
        with open_client(Settings(demo_server.url, transport=transport)) as client:
            frame = client.fetch_frame([PanelType.OpenRequestsPerUser])
        assert json_records(frame) == panel["rows"]
    else:
        assert panel["body"] is None
        assert "left out" in panel["body_dropped"]
    from netserver_demo.replay import load_capture  # the file replays, from body or rows

    replay = load_capture(out)
    assert (replay.panels[PanelType.OpenRequestsPerUser].body is None) is not kept
