"""`python -m stats_client` against a demo NetServer over HTTP: in process through `main(argv)`
(the `run_cli` fixture), plus two smoke tests of the real `python -m stats_client` process."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from netserver_demo import DemoNetServer, Fault
from stats_client import ALL_PANELS, COLUMNS, PanelType
from stats_client.frames import PanelData, to_frame

REPO = Path(__file__).resolve().parent.parent
CliRunner = Callable[..., Any]  # the `run_cli` fixture (tests/conftest.py)
TICKET = "7T:cli-ticket-SECRET-4711"
APP_TOKEN = "cli-app-SECRET-0815"
USER = "ann"
PASSWORD = "cli-pass-SECRET-1234"
SECRETS = (TICKET, APP_TOKEN, PASSWORD)
NOW = datetime(2026, 11, 26, 9, 15, tzinfo=UTC)


@dataclass
class Run:
    status: int
    stdout: str
    stderr: str


def python_m_stats_client(*args: str, env: dict[str, str]) -> Run:
    """The real `python -m stats_client ARGS` process, with only `env` as its settings."""
    base = {k: v for k, v in os.environ.items() if not k.startswith("SUPEROFFICE_")}
    proc = subprocess.run([sys.executable, "-m", "stats_client", *args], cwd=REPO,
                          env={**base, **env}, capture_output=True, text=True,
                          timeout=300, check=False)
    return Run(proc.returncode, proc.stdout, proc.stderr)


def assert_one_clear_line(run: Any, status: int, *words: str) -> None:
    assert run.status == status, run.stderr
    assert run.stdout == ""
    lines = run.stderr.splitlines()
    assert len(lines) == 1, run.stderr
    assert lines[0].startswith("error: ")
    assert "Traceback" not in run.stderr
    for word in words:
        assert word in lines[0]


@pytest.fixture
def server(demo_server_factory: Callable[..., DemoNetServer]) -> DemoNetServer:
    return demo_server_factory(ticket=TICKET, app_token=APP_TOKEN, users={USER: PASSWORD},
                               clock=lambda: NOW)


def ticket_env(srv: DemoNetServer) -> dict[str, str]:
    return {"SUPEROFFICE_URL": srv.url, "SUPEROFFICE_TICKET": TICKET,
            "SUPEROFFICE_APP_TOKEN": APP_TOKEN}


def expected(srv: DemoNetServer, panels: tuple[PanelType, ...] = ALL_PANELS) -> pd.DataFrame:
    return to_frame(PanelData(p, tuple(srv.model.datasets(p, NOW))) for p in panels)


def test_csv_prints_every_panels_rows(server: DemoNetServer, run_cli: CliRunner) -> None:
    run = run_cli("fetch", "--format", "csv", env=ticket_env(server))
    assert run.status == 0, run.stderr
    assert run.stderr == ""
    frame = pd.read_csv(io.StringIO(run.stdout), dtype=COLUMNS, keep_default_na=False,
                        na_values={c: [""] for c in COLUMNS})
    assert list(frame.columns) == list(COLUMNS)
    want = expected(server)
    assert frame["panel"].unique().tolist() == [p.wire_name for p in ALL_PANELS]
    assert len(frame) == len(want)
    assert frame["value"].tolist() == want["value"].tolist()
    assert frame["label"].tolist() == want["label"].tolist()


def test_json_records_with_options_instead_of_environment(server: DemoNetServer,
                                                         run_cli: CliRunner) -> None:
    run = run_cli("fetch", "--url", server.url, "--user", USER, "--password", PASSWORD,
                  "--app-token", APP_TOKEN, "--format", "json",
                  "--panels", "StatusScreen,102,UserReponseTimePerWeek")
    assert run.status == 0, run.stderr
    records = json.loads(run.stdout)
    panels = (PanelType.StatusScreen, PanelType.UnassignedRequests,
              PanelType.UserReponseTimePerWeek)
    want = expected(server, panels)
    assert len(records) == len(want)
    assert all(list(r) == list(COLUMNS) for r in records)
    assert [r["panel"] for r in records] == want["panel"].tolist()
    assert [r["value"] for r in records] == want["value"].tolist()
    assert {r["dataset"] for r in records if r["panel"] == "UserReponseTimePerWeek"} == {0, 1, 2}


def test_table_is_aligned_text_with_a_heading_per_panel(server: DemoNetServer,
                                                        run_cli: CliRunner) -> None:
    run = run_cli("fetch", "--panels", "OpenRequestsPerStatus,UserReponseTimePerWeek",
                  env=ticket_env(server))
    assert run.status == 0, run.stderr
    lines = run.stdout.splitlines()
    assert "Open requests per status (OpenRequestsPerStatus)" in lines
    assert "Response time per week (UserReponseTimePerWeek)" in lines
    want = expected(server, (PanelType.OpenRequestsPerStatus,))
    rows = lines[lines.index("Open requests per status (OpenRequestsPerStatus)") + 1:][:len(want)]
    assert [r.split()[0] for r in rows] == [str(x).split()[0] for x in want["label"]]
    assert len({len(r) for r in rows}) == 1  # values right-aligned in one column
    series = expected(server, (PanelType.UserReponseTimePerWeek,))["dataset_label"].unique()
    assert all(f"  {name}" in lines for name in series)


@pytest.mark.parametrize(("args", "url_in_env", "words"), [
    # An option given on the command line is named as such (regression: it named the variable).
    (("--url", "ftp://nowhere"), False, ("--url must be an http(s) URL",)),
    ((), False, ("No NetServer URL",)),
    (("--panels", "Nope"), True, ("unknown panel 'Nope'", "OpenRequestsPerCategory")),
    (("--user", USER), True, ("SUPEROFFICE_PASSWORD",)),
], ids=["bad-url", "no-url", "unknown-panel", "user-without-password"])
def test_configuration_errors_exit_2(server: DemoNetServer, args: tuple[str, ...],
                                     url_in_env: bool, words: tuple[str, ...],
                                     run_cli: CliRunner) -> None:
    run = run_cli("fetch", *args, env={"SUPEROFFICE_URL": server.url} if url_in_env else {})
    assert_one_clear_line(run, 2, *words)
    assert server.call_count("GetStatistics") == 0


def test_usage_error_exits_2_without_a_traceback(run_cli: CliRunner) -> None:
    run = run_cli("fetch", "--format", "xml")
    assert run.status == 2
    assert "invalid choice" in run.stderr
    assert "Traceback" not in run.stderr


@pytest.mark.parametrize("command", ["alerts", "serve", "kiosk-url"])
def test_the_boards_commands_asked_of_the_data_side_say_where_they_are(
        run_cli: CliRunner, command: str) -> None:
    run = run_cli(command, "test", "--key", "tv-lobby-8f3k2m9q")
    assert_one_clear_line(run, 2, f"{command} is a command of the board",
                          f"statusboard {command}")
    assert "8f3k2m9q" not in run.stderr  # what followed the command is not said back


def test_stopped_server_exits_3_with_one_line(server: DemoNetServer) -> None:
    """Smoke test of the real process: what an administrator sees when the server is down."""
    env = ticket_env(server)
    url = server.url
    server.stop()
    run = python_m_stats_client("fetch", "--format", "csv", env=env)
    assert_one_clear_line(run, 3, f"Cannot reach the NetServer at {url}", "connection refused",
                          "Check SUPEROFFICE_URL")


def test_slow_server_exits_3_naming_the_timeout(
        demo_server_factory: Callable[..., DemoNetServer], run_cli: CliRunner) -> None:
    srv = demo_server_factory(slow_seconds=5.0)
    srv.set_fault(Fault.SLOW)
    run = run_cli("fetch", "--url", srv.url, "--timeout", "0.5", "--panels", "Hotlist")
    assert_one_clear_line(run, 3, "did not answer within 0.5 s", "raise --timeout")


def test_wrong_password_exits_4(server: DemoNetServer, run_cli: CliRunner) -> None:
    run = run_cli("fetch", env={"SUPEROFFICE_URL": server.url, "SUPEROFFICE_USER": USER,
                                "SUPEROFFICE_PASSWORD": "wrong",
                                "SUPEROFFICE_APP_TOKEN": APP_TOKEN})
    assert_one_clear_line(run, 4, "refused the user name or password for user 'ann'",
                          "SUPEROFFICE_PASSWORD")


@pytest.mark.parametrize(("fault", "status", "words"), [
    (Fault.SERVICE_ERROR, 5, "SoDatabaseException"),
    (Fault.MALFORMED, 6, "not well-formed XML"),
    (Fault.HTML, 6, "HTML page"),
    (Fault.SOAP_FAULT, 6, "SOAP fault"),
    (Fault.EXPIRED_TICKET, 4, "SUPEROFFICE_TICKET"),
])
def test_fault_exit_statuses(server: DemoNetServer, fault: Fault, status: int,
                             words: str, run_cli: CliRunner) -> None:
    server.set_fault(fault)
    run = run_cli("fetch", "--panels", "Hotlist", env=ticket_env(server))
    assert_one_clear_line(run, status, words)


def test_secrets_never_printed(server: DemoNetServer, run_cli: CliRunner) -> None:
    runs = [
        run_cli("fetch", "--format", "json", "--verbose", env=ticket_env(server)),
        run_cli("-v", "fetch", "--url", server.url, "--user", USER, "--password", PASSWORD,
                "--app-token", APP_TOKEN, "--panels", "Hotlist"),
        run_cli("fetch", "--verbose", env={**ticket_env(server),
                                           "SUPEROFFICE_APP_TOKEN": "x" + APP_TOKEN}),
    ]
    server.set_fault(Fault.EXPIRED_TICKET)
    runs.append(run_cli("fetch", "-v", env=ticket_env(server)))
    assert [r.status for r in runs] == [0, 0, 4, 4]
    assert "INFO" in runs[0].stderr  # --verbose logs, and still shows nothing secret
    for run in runs:
        for secret in SECRETS:
            assert secret not in run.stdout + run.stderr


def test_simulate_is_handed_to_the_simulator(run_cli: CliRunner) -> None:
    run = run_cli("simulate", "--help")
    assert run.status == 0
    assert "--port" in run.stdout
    assert "--slow-seconds" in run.stdout


def test_reader_closing_the_pipe_early_is_not_an_error(server: DemoNetServer) -> None:
    """Smoke test of the real process.

    Regression: `fetch | head -1` printed "internal error (BrokenPipeError)"."""
    base = {k: v for k, v in os.environ.items() if not k.startswith("SUPEROFFICE_")}
    proc = subprocess.Popen([sys.executable, "-m", "stats_client", "fetch", "--format", "csv"],
                            cwd=REPO, env={**base, **ticket_env(server)},
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None
    assert proc.stderr is not None
    assert proc.stdout.readline().startswith(b"panel,")
    proc.stdout.close()  # like `head -1` exiting after the first line
    status = proc.wait(timeout=60)
    stderr = proc.stderr.read().decode()
    proc.stderr.close()
    assert stderr == ""
    assert status in (0, 141)
