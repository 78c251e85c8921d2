"""Capture → replay → fetch: a capture file's replies served again, over real loopback HTTP.

The capture is written here as `python -m stats_client capture` will write it: for each panel,
the raw reply of a one-panel request, and the rows and data sets the real client read from it.
"""

from __future__ import annotations

import json
import math
import os
import re
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import requests

from harness import process
from netserver_demo import Capture, DemoNetServer, ReplayError, load_capture, main, soap
from stats_client import (
    ALL_PANELS,
    REST_STATISTICS_PATH,
    PanelType,
    Settings,
    open_client,
    to_frame,
)

NOW = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)  # a Friday at office hours
CAPTURED = (*ALL_PANELS, PanelType.None_)  # None answers with one empty data set


def post(srv: DemoNetServer, transport: str, functions: list[str],
         headers: dict[str, str] | None = None) -> requests.Response:
    """One GetStatistics request as the clients send it; `headers` adds credentials."""
    if transport == "rest":
        return requests.post(srv.url + REST_STATISTICS_PATH, json={"Functions": functions},
                             headers=headers, timeout=10)
    funcs = "".join(f"<ns0:StatusScreenPanelType>{f}</ns0:StatusScreenPanelType>"
                    for f in functions)
    body = (f'<s:Envelope xmlns:s="{soap.SOAP_ENV}" xmlns:ns0="{soap.NS}"><s:Body>'
            f"<ns0:GetStatistics><ns0:Functions>{funcs}</ns0:Functions></ns0:GetStatistics>"
            "</s:Body></s:Envelope>")
    return requests.post(srv.service_url(), data=body.encode(), timeout=10, headers={
        "Content-Type": "text/xml; charset=utf-8", "SOAPAction": soap.GET_STATISTICS_ACTION,
        **(headers or {})})


def _plain(value: Any) -> Any:
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return None
    return value.item() if hasattr(value, "item") else value


def capture_doc(srv: DemoNetServer, transport: str) -> dict[str, Any]:
    """A version 1 capture of every panel of `srv` over `transport`."""
    panels = []
    with open_client(Settings(url=srv.url, transport=transport)) as client:
        for panel in CAPTURED:
            reply = post(srv, transport, [panel.wire_name])
            (data,) = client.fetch([panel])
            rows = [{k: _plain(v) for k, v in row.items()}
                    for row in to_frame([data]).to_dict("records")]
            panels.append({
                "panel": panel.wire_name, "transport": transport, "time": NOW.isoformat(),
                "http_status": reply.status_code,
                "content_type": reply.headers["Content-Type"],
                "body": reply.content.decode("utf-8"), "rows": rows,
                "datasets": [{"label": ds.label, "description": ds.description,
                              "values": len(ds.values)} for ds in data.datasets],
            })
    return {"format": "service-status-board capture", "version": 1,
            "captured_at": NOW.isoformat(), "transport": transport, "anonymised": False,
            "panels": panels}


def write(tmp_path: Path, doc: object, name: str = "desk.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(doc, ensure_ascii=False), "utf-8")
    return path


@pytest.fixture
def soap_capture(demo_server_factory: Callable[..., DemoNetServer]) -> dict[str, Any]:
    return capture_doc(demo_server_factory(clock=lambda: NOW), "soap")


def fetch(srv: DemoNetServer, transport: str, panels: tuple[PanelType, ...]) -> Any:
    with open_client(Settings(url=srv.url, transport=transport)) as client:
        return client.fetch(panels)


# -- the round trip ----------------------------------------------------------------------------
@pytest.mark.parametrize("shapes", ["standard", "alt", "nordic"])
@pytest.mark.parametrize("captured_over", ["soap", "rest"])
def test_capture_replay_fetch_gives_the_same_frame(
    demo_server_factory: Callable[..., DemoNetServer], tmp_path: Path, shapes: str,
    captured_over: str,
) -> None:
    original = demo_server_factory(clock=lambda: NOW, shapes=shapes)
    expected = fetch(original, captured_over, CAPTURED)
    capture = load_capture(write(tmp_path, capture_doc(original, captured_over)))
    replay = demo_server_factory(replay=capture)
    for transport in ("soap", "rest"):
        got = fetch(replay, transport, CAPTURED)
        pd.testing.assert_frame_equal(to_frame(got), to_frame(expected))
        # Empty data sets leave no row: their number and labels are compared here.
        assert [[(ds.label, ds.description) for ds in p.datasets] for p in got] == [
            [(ds.label, ds.description) for ds in p.datasets] for p in expected]


@pytest.mark.parametrize("transport", ["soap", "rest"])
def test_one_panel_over_its_own_transport_is_the_captured_reply_byte_for_byte(
    demo_server_factory: Callable[..., DemoNetServer], tmp_path: Path, transport: str,
) -> None:
    doc = capture_doc(demo_server_factory(clock=lambda: NOW, shapes="alt"), transport)
    doc["panels"][0].update(http_status=503, content_type="text/plain; charset=utf-8",
                            body="Désolé: the desk is asleep")  # a captured error, served as is
    replay = demo_server_factory(replay=load_capture(write(tmp_path, doc)))
    for item in doc["panels"]:
        reply = post(replay, transport, [item["panel"]])
        assert reply.status_code == item["http_status"]
        assert reply.headers["Content-Type"] == item["content_type"]
        assert reply.content == item["body"].encode("utf-8")


def test_other_requests_are_rebuilt_from_the_rows_in_request_order(
    demo_server_factory: Callable[..., DemoNetServer], soap_capture: dict[str, Any],
    tmp_path: Path,
) -> None:
    replay = demo_server_factory(replay=load_capture(write(tmp_path, soap_capture)))
    order = [PanelType.StatusScreen, PanelType.Hotlist, PanelType.OpenRequestsPerCategory]
    reply = post(replay, "rest", [p.wire_name for p in order]).json()  # soap capture, REST ask
    assert [ds["Label"] for ds in reply] == ["Status", "Hotlist", "Open requests per category"]
    soap_reply = post(replay, "soap", [order[0].wire_name, order[1].wire_name])
    assert soap_reply.content != soap_capture["panels"][-2]["body"].encode()  # written anew
    assert soap_reply.content.count(b"<StatisticsDataSet>") == 2


@pytest.mark.parametrize("transport", ["soap", "rest"])
def test_a_panel_not_captured_answers_with_no_data_set(
    demo_server_factory: Callable[..., DemoNetServer], soap_capture: dict[str, Any],
    tmp_path: Path, transport: str,
) -> None:
    soap_capture["panels"] = [p for p in soap_capture["panels"] if p["panel"] == "Hotlist"]
    replay = demo_server_factory(replay=load_capture(write(tmp_path, soap_capture)))
    hotlist, status = fetch(replay, transport, (PanelType.Hotlist, PanelType.StatusScreen))
    assert len(hotlist.datasets) == 1
    assert status.datasets == ()


def test_rows_without_a_datasets_summary_rebuild_the_data_sets_they_name(
    demo_server_factory: Callable[..., DemoNetServer], soap_capture: dict[str, Any],
    tmp_path: Path,
) -> None:
    for item in soap_capture["panels"]:
        del item["datasets"]
    replay = demo_server_factory(replay=load_capture(write(tmp_path, soap_capture)))
    panels = (PanelType.UserReponseTimePerWeek, PanelType.OwnOpenRequests)
    got = fetch(replay, "rest", panels)
    assert [len(p.datasets) for p in got] == [3, 1]
    (none,) = fetch(replay, "rest", (PanelType.None_,))
    assert none.datasets == ()  # an empty data set with no rows cannot be seen without the summary


# -- what is accepted ----------------------------------------------------------------------------
def test_replay_accepts_any_or_no_credentials(
    demo_server_factory: Callable[..., DemoNetServer], soap_capture: dict[str, Any],
    tmp_path: Path,
) -> None:
    replay = demo_server_factory(replay=load_capture(write(tmp_path, soap_capture)))
    for headers in ({"Authorization": "Bearer made-up"}, {"Authorization": "SOTicket 7T:x",
                    "SO-AppToken": "whatever"}, {"Authorization": "Basic Og=="}, {}):
        assert post(replay, "rest", ["StatusScreen"], headers).status_code == 200
    for settings in (Settings(url=replay.url, user="", password=""),
                     Settings(url=replay.url, user="anyone", password="wrong", app_token="x"),
                     Settings(url=replay.url, ticket="7T:made-up", transport="rest")):
        with open_client(settings) as client:
            assert len(client.fetch_frame([PanelType.StatusScreen])) == 7


def test_replay_refuses_credentials_it_would_not_check(soap_capture: dict[str, Any],
                                                       tmp_path: Path) -> None:
    capture = load_capture(write(tmp_path, soap_capture))
    with pytest.raises(ValueError, match="any credentials"):
        DemoNetServer(replay=capture, ticket="7T:x")
    with pytest.raises(ValueError, match="shapes"):
        DemoNetServer(replay=capture, shapes="alt")


def test_capture_repr_and_description_are_short(soap_capture: dict[str, Any],
                                                tmp_path: Path) -> None:
    capture = load_capture(write(tmp_path, soap_capture))
    assert isinstance(capture, Capture)
    assert len(repr(capture)) < 200
    assert capture.describe().endswith("18 panels captured over soap at 2026-11-27T10:00:00+00:00")


# -- bad files: one sentence naming the file, never a traceback ----------------------------------
def _drop(path: tuple[Any, ...]) -> Callable[[dict[str, Any]], None]:
    def edit(doc: dict[str, Any]) -> None:
        *parents, last = path
        target: Any = doc
        for key in parents:
            target = target[key]
        del target[last]
    return edit


def _set(path: tuple[Any, ...], value: object) -> Callable[[dict[str, Any]], None]:
    def edit(doc: dict[str, Any]) -> None:
        *parents, last = path
        target: Any = doc
        for key in parents:
            target = target[key]
        target[last] = value
    return edit


HOTLIST = 15  # index of Hotlist in CAPTURED

BAD_EDITS = [
    ("wrong version", _set(("version",), 2), "it is version 2"),
    ("version as text", _set(("version",), "1"), 'version is "1", expected an integer'),
    ("not a capture", _set(("format",), "something else"), "not a service-status-board capture"),
    ("no format", _drop(("format",)), "(no format)"),
    ("missing key", _drop(("panels", 0, "rows", 0, "value")), "panels[0].rows[0].value is missing"),
    ("missing body", _drop(("panels", 2, "body")), "panels[2].body is missing"),
    ("bad transport", _set(("transport",), "ftp"), 'transport is "ftp"'),
    ("bad time", _set(("panels", 1, "time"), "yesterday"), "expected an ISO 8601 time"),
    ("bad status", _set(("panels", 1, "http_status"), 99), "http_status is 99"),
    ("unknown panel", _set(("panels", 1, "panel"), "Weather"), "not a StatusScreenPanelType"),
    ("no panels", _set(("panels",), []), "expected a list of at least one panel"),
    ("row of another panel", _set(("panels", 0, "rows", 1, "panel"), "Hotlist"),
     'panels[0].rows[1].panel is "Hotlist"'),
    ("text value", _set(("panels", 0, "rows", 0, "value"), "12"), "expected a number or null"),
    ("position gap", _drop(("panels", HOTLIST, "rows", 0)), "positions of data set 0"),
    ("summary disagrees", _set(("panels", 0, "datasets", 0, "values"), 99), "says 99 values"),
    ("row disagrees", _set(("panels", 0, "rows", 1, "dataset_label"), "Other"),
     "another label or description"),
    ("panel twice", lambda doc: doc["panels"].append(doc["panels"][0]), "a second time"),
    ("not an object", lambda doc: doc["panels"].__setitem__(0, 3), "panels[0] is 3"),
]


@pytest.mark.parametrize(("edit", "expected"), [(e, x) for _, e, x in BAD_EDITS],
                         ids=[name for name, _, _ in BAD_EDITS])
def test_a_bad_capture_gets_one_sentence(
    soap_capture: dict[str, Any], tmp_path: Path, edit: Callable[[dict[str, Any]], None],
    expected: str,
) -> None:
    edit(soap_capture)
    path = write(tmp_path, soap_capture)
    with pytest.raises(ReplayError) as info:
        load_capture(path)
    message = str(info.value)
    assert expected in message
    assert str(path) in message
    assert "\n" not in message
    assert info.value.__cause__ is None


@pytest.mark.parametrize(("content", "expected"), [
    (b'{"format": "service-status-board capture", "version": 1, "panels": [{"pa',
     "not complete JSON (truncated or damaged?)"),
    (b"", "not complete JSON"),
    (b"\xff\xfe{}", "not UTF-8 text"),
    (b"[1, 2]", "the file is [1, 2], expected a JSON object"),
    (b"[" * 100_000, "nested too deeply"),
], ids=["truncated", "empty", "not-utf8", "a-list", "deep"])
def test_a_broken_file_gets_one_sentence(tmp_path: Path, content: bytes, expected: str) -> None:
    path = tmp_path / "broken.json"
    path.write_bytes(content)
    with pytest.raises(ReplayError, match=re.escape(expected)) as info:
        load_capture(path)
    assert "\n" not in str(info.value)
    assert str(path) in str(info.value)


def test_a_missing_file_gets_one_sentence(tmp_path: Path) -> None:
    with pytest.raises(ReplayError, match=r"Cannot read the capture file .*nothing\.json: No such"):
        load_capture(tmp_path / "nothing.json")


def test_a_truncated_capture_of_a_real_reply_gets_one_sentence(
    soap_capture: dict[str, Any], tmp_path: Path
) -> None:
    text = json.dumps(soap_capture)
    path = tmp_path / "cut.json"
    path.write_text(text[: len(text) // 2], "utf-8")
    with pytest.raises(ReplayError, match="truncated or damaged"):
        load_capture(path)


# -- the command ---------------------------------------------------------------------------------
@pytest.mark.parametrize(("args", "expected"), [
    (["--replay", "{missing}"], "simulate: Cannot read the capture file"),
    (["--replay", "{bad}"], "simulate: The capture file"),
    (["--replay", "{bad}", "--ticket", "7T:x"], "simulate: --replay accepts any credentials"),
])
def test_simulate_replay_refuses_a_bad_file_in_one_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, args: list[str], expected: str,
) -> None:
    (tmp_path / "bad.json").write_text('{"format": "service-status-board capture", "vers')
    paths = {"missing": tmp_path / "missing.json", "bad": tmp_path / "bad.json"}
    argv = ["--port", "0", "--control-port", "-1", *(a.format(**paths) for a in args)]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith(expected)
    assert err.count("\n") == 1
    assert "Traceback" not in err


def test_simulate_shapes_and_replay_exclude_each_other(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["--shapes", "alt", "--replay", "x.json"])
    assert info.value.code == 2
    assert "not allowed with argument" in capsys.readouterr().err


def test_simulate_replay_serves_the_capture(soap_capture: dict[str, Any], tmp_path: Path) -> None:
    path = write(tmp_path, soap_capture)
    proc = process.start("netserver_demo", ["--port", "0", "--control-port", "-1",
                                            "--replay", str(path)],
                         env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        line = proc.stdout.readline() if proc.stdout else ""
        assert "replaying" in line, line
        assert "18 panels captured over soap" in line, line
        (site,) = re.findall(r"http://127\.0\.0\.1:\d+", line)
        with open_client(Settings(url=site, transport="rest")) as client:
            frame = client.fetch_frame([PanelType.StatusScreen])
        assert frame["label"].tolist()[0] == "Open"
    finally:
        _out, err = process.ctrl_c(proc)
    assert proc.returncode == 0
    assert "Traceback" not in err
