"""What the command line writes is safe to open and to print: a CSV cell that a spreadsheet
would run as a formula gets a leading ' (--raw: as it is), and no label or error text can send
control characters (ESC, BEL) to the terminal. Real exports of a real store."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from harness.history import record
from stats_client import HistoryStore
from stats_client.cli import printable, safe_cell
from stats_client.frames import DataSet, DataValue, PanelData, to_frame
from stats_client.panels import PanelType

HOSTILE = ['=HYPERLINK("http://elsewhere/","click")', "+1+1", "-2+3", "@SUM(A1)",
           "\tTab", "\rReturn", "Plain", "Billing \x1b[31mred\x1b[0m\x07"]
WHEN = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(("cell", "safe"), [
    ("=1+1", "'=1+1"), ("+1", "'+1"), ("-1", "'-1"), ("@x", "'@x"), ("\tx", "'\tx"),
    ("\rx", "'\rx"), ("Support", "Support"), ("Sales › Licences", "Sales › Licences"),
    ("", ""), (3.0, 3.0),
])
def test_a_cell_that_would_be_a_formula_is_text(cell: Any, safe: Any) -> None:
    assert safe_cell(cell) == safe


def test_printable_drops_control_characters() -> None:
    assert printable("a\x1b[31mb\x07c\x00d\n e") == "a[31mbcd e"


@pytest.fixture
def hostile_store(tmp_path: Any) -> str:
    url = f"sqlite:///{tmp_path / 'history.sqlite3'}"
    frame = to_frame([PanelData(PanelType.OpenRequestsPerCategory, (DataSet(
        "Open requests per category", None,
        tuple(DataValue(label, float(n), None) for n, label in enumerate(HOSTILE))),))])
    store = HistoryStore.open(url)
    record(store, [(WHEN, frame)])
    store.close()
    return url


def test_history_csv_is_safe_to_open_and_raw_on_request(
        hostile_store: str, run_cli: Callable[..., Any]) -> None:
    env = {"STATUSBOARD_DATABASE_URL": hostile_store}
    safe = run_cli("history", "--since", "2026-11-25T08:00", "--format", "csv", env=env)
    assert safe.status == 0, safe.stderr
    labels = [row["label"] for row in csv.DictReader(io.StringIO(safe.stdout))]
    assert all(not label.startswith(("=", "+", "-", "@", "\t", "\r")) for label in labels)
    assert "'=HYPERLINK(\"http://elsewhere/\",\"click\")" in labels
    raw = run_cli("history", "--since", "2026-11-25T08:00", "--format", "csv", "--raw", env=env)
    assert {row["label"] for row in csv.DictReader(io.StringIO(raw.stdout))} == set(HOSTILE)


def test_the_table_sends_no_control_character_to_the_terminal(
        hostile_store: str, run_cli: Callable[..., Any]) -> None:
    env = {"STATUSBOARD_DATABASE_URL": hostile_store}
    table = run_cli("history", "--since", "2026-11-25T08:00", env=env)
    assert table.status == 0, table.stderr
    assert "\x1b" not in table.stdout
    assert "\x07" not in table.stdout
    assert "Billing [31mred[0m" in table.stdout
