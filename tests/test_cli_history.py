"""`python -m stats_client history`: export what was recorded, prune, one-line errors."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from harness.clock import ManualClock
from stats_client import HistoryStore, Poller
from stats_client.frames import DataSet, DataValue, PanelData, to_frame
from stats_client.panels import PanelType

RunCli = Callable[..., Any]


def desk(unassigned: float, own: float = 2.0) -> pd.DataFrame:
    return to_frame([
        PanelData(PanelType.UnassignedRequests,
                  (DataSet("Unassigned", None, (DataValue("Unassigned", unassigned, None),)),)),
        PanelData(PanelType.OwnOpenRequests,
                  (DataSet("Own", None, (DataValue("Own", own, None),)),)),
    ])


def record(url: str, clock: ManualClock, *values: float) -> list[datetime]:
    """One poll per value, a minute apart; the times the values were fetched."""
    frames = [desk(v) for v in values]
    poller = Poller(lambda: frames.pop(0), interval=30, clock=clock)
    store = HistoryStore.open(url)
    times = []
    try:
        for _ in values:
            clock.advance(minutes=1)
            store.record(poller.poll_once())
            times.append(clock())
    finally:
        store.close()
    return times


def test_export_gives_the_old_and_the_new_value_with_their_times(
        db_url: str, clock: ManualClock, run_cli: RunCli) -> None:
    first, _same, changed = record(db_url, clock, 4, 4, 9)
    env = {"STATUSBOARD_DATABASE_URL": db_url}
    result = run_cli("history", "--since", "2026-11-25T09:00", "--until", "2026-11-25T10:00",
                     "--panels", "UnassignedRequests", "--format", "csv", env=env)
    assert (result.status, result.stderr) == (0, "")
    got = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [(r["time"], r["label"], r["value"]) for r in got] == [
        (first.isoformat(), "Unassigned", "4.0"), (changed.isoformat(), "Unassigned", "9.0")]

    as_json = json.loads(run_cli("history", "--since", "2026-11-25T09:00",
                                 "--format", "json", env=env).stdout)
    assert {r["panel"] for r in as_json} == {"UnassignedRequests", "OwnOpenRequests"}
    assert set(as_json[0]) == {"time", "desk", "panel", "dataset_label", "label", "value"}
    assert {r["desk"] for r in as_json} == {"demo"}

    table = run_cli("history", "export", "--since", "2026-11-25T09:00", env=env).stdout
    assert table.splitlines()[0].split() == ["time", "desk", "panel", "dataset_label", "label",
                                             "value"]
    assert len(table.splitlines()) == 4


def test_since_a_duration_and_the_default_file_beside_the_configuration(
        tmp_path: Path, run_cli: RunCli) -> None:
    config = tmp_path / "statusboard.toml"
    record(f"sqlite:///{tmp_path / 'history.sqlite3'}",
           ManualClock(datetime.now(UTC) - timedelta(hours=1)), 5)
    env = {"STATUSBOARD_CONFIG": str(config)}
    recent = run_cli("history", "--since", "2h", "--format", "json", env=env)
    assert [r["value"] for r in json.loads(recent.stdout)] == [5.0, 2.0]
    assert run_cli("history", "--since", "10m", env=env).stdout == "(no data)\n"


def test_prune_applies_the_configured_retention(tmp_path: Path, run_cli: RunCli) -> None:
    config = tmp_path / "statusboard.toml"
    config.write_text('[history]\nfull = "1h"\ncompare = "start_of_day"\n', "utf-8")
    record(f"sqlite:///{tmp_path / 'history.sqlite3'}",
           ManualClock(datetime.now(UTC) - timedelta(hours=3)), 5, 6)
    result = run_cli("history", "prune", env={"STATUSBOARD_CONFIG": str(config)})
    assert result.status == 0, result.stderr
    assert "3 values into 5-minute aggregates" in result.stdout


@pytest.mark.parametrize(("args", "env", "status", "says"), [
    (["history"], {}, 2, "history needs --since"),
    (["history", "--since", "yesterday"], {}, 2, "--since 'yesterday' is neither"),
    (["history", "--since", "2h", "--panels", "Nope"], {}, 2, "unknown panel"),
    (["history", "--since", "2h"], {"STATUSBOARD_DATABASE_URL": "mysql://h/db"}, 2,
     "sqlite:/// and postgresql://"),
    (["history", "--since", "2h"],
     {"STATUSBOARD_DATABASE_URL": "postgresql://board:s3cret@127.0.0.1:1/status"}, 7,
     "could not open the history store postgresql+psycopg://board:***@127.0.0.1:1/status"),
], ids=["no-since", "bad-since", "bad-panel", "bad-url", "unreachable"])
def test_errors_are_one_line_with_the_kinds_status(
        args: list[str], env: dict[str, str], status: int, says: str, tmp_path: Path,
        run_cli: RunCli) -> None:
    env = {"STATUSBOARD_CONFIG": str(tmp_path / "statusboard.toml"), **env}
    result = run_cli(*args, env=env)
    assert result.status == status
    assert result.stderr.count("\n") == 1
    assert says in result.stderr
    assert "s3cret" not in result.stderr + result.stdout
