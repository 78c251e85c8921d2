"""A history store written by an earlier version opens with every row kept: the schema version 1
fixture (tests/fixtures/README.md), copied, opened by this version and exported. Version 1 did
not know desks: its rows are the desk "unattributed", kept and exportable, and never read for a
desk (the demo's, or a real NetServer's)."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import sqlalchemy as sa

from stats_client.desks import DEMO, UNATTRIBUTED
from stats_client.history import HistoryStore, schema
from statusboard import deployment

FIXTURES = Path(__file__).resolve().parent / "fixtures"
SINCE = datetime(2026, 11, 1, tzinfo=UTC)


def test_a_version_1_store_opens_with_every_row_kept(tmp_path: Path) -> None:
    copy = tmp_path / "history.sqlite3"
    shutil.copyfile(FIXTURES / "history-v1.sqlite3", copy)
    store = HistoryStore.open(f"sqlite:///{copy}", desk=UNATTRIBUTED)
    try:
        got = store.export(SINCE)
        polls = store.polls(SINCE)
        snap = store.last_snapshot()
        desks = store.desks()
    finally:
        store.close()
    want = pd.read_csv(FIXTURES / "history-v1.export.csv", keep_default_na=False,
                       na_values={"value": [""]})
    columns = ["time", "panel", "dataset_label", "label", "value"]
    got_rows = got.assign(time=[t.isoformat(sep=" ") for t in got["time"]])[columns]
    got_rows = got_rows.fillna({"dataset_label": "", "label": ""})
    assert len(got_rows) == len(want) == 275
    assert got_rows.astype(str).to_dict("records") == want[columns].astype(str).to_dict("records")
    assert set(got["desk"]) == {UNATTRIBUTED}
    assert desks == {UNATTRIBUTED: 275}
    assert len(polls) == 31
    assert list(polls["result"].value_counts().sort_index().items()) == [("connection", 1),
                                                                         ("ok", 30)]
    assert snap is not None
    assert snap.seq == 30
    assert snap.error == "Cannot reach the NetServer (timed out)."


@pytest.mark.parametrize("desk", [DEMO, "https://crm.example.com/cust1"])
def test_rows_from_before_desks_are_never_read_for_a_desk(tmp_path: Path, desk: str) -> None:
    """Regression: a board pointed at a real NetServer opened on the demo's stored snapshot and
    counted its tiles' changes from demo values (and the reverse). Rows nobody can attribute are
    drawn for no desk."""
    copy = tmp_path / "history.sqlite3"
    shutil.copyfile(FIXTURES / "history-v1.sqlite3", copy)
    store = HistoryStore.open(f"sqlite:///{copy}", desk=desk)
    try:
        assert store.last_snapshot() is None
        assert store.snapshot_version() is None
        assert store.first_record_time() is None
        assert store.series("StatusScreen", label="Open", since=SINCE).empty
        assert store.value_at("StatusScreen", label="Open", when=SINCE) is None
        assert store.polls(SINCE).empty
        assert len(store.export(SINCE)) == 275  # the export still has them, by desk
    finally:
        store.close()


def test_the_connection_screen_says_what_became_of_the_older_history(
        tmp_path: Path, open_screen: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    copy = tmp_path / "history.sqlite3"
    shutil.copyfile(FIXTURES / "history-v1.sqlite3", copy)
    monkeypatch.setenv("STATUSBOARD_DATABASE_URL", f"sqlite:///{copy}")
    try:  # demo mode, through the deployment dashboard.py starts under `streamlit run`
        at = open_screen("pages/connection.py")
    finally:
        deployment.stop_development()
    assert not at.exception
    body = "\n".join(e.proto.body for e in at.get("html"))
    assert "<th>Desk</th><td>demo</td>" in body
    assert ("<th>Older history</th><td>275 values from before desks: kept and exportable "
            "(statusboard history --desk unattributed), never drawn for a desk</td>") in body
    assert 'data-desk="demo"' in body


@pytest.mark.parametrize("cut_after", ["columns", "snapshots"])
def test_an_upgrade_cut_short_is_finished_by_the_next_opening(tmp_path: Path,
                                                              cut_after: str) -> None:
    """Regression (review): SQLite runs DDL outside the transaction, so an upgrade that failed
    half-way (a crash, a full disk) left the columns added and the version at 1, and every
    later opening failed on "duplicate column name: desk": history lost for good."""
    import sqlite3

    copy = tmp_path / "history.sqlite3"
    shutil.copyfile(FIXTURES / "history-v1.sqlite3", copy)
    db = sqlite3.connect(copy)
    for name in ("statusboard_series", "statusboard_polls"):
        db.execute(f"ALTER TABLE {name} ADD COLUMN desk TEXT NOT NULL "
                   f"DEFAULT '{UNATTRIBUTED}'")
    db.commit()
    db.close()
    if cut_after == "snapshots":  # the new table made too, still empty
        engine = sa.create_engine(f"sqlite:///{copy}")
        schema.snapshots.create(engine)
        engine.dispose()
    store = HistoryStore.open(f"sqlite:///{copy}", desk=UNATTRIBUTED)
    try:
        assert len(store.export(SINCE)) == 275
        snap = store.last_snapshot()
        assert snap is not None
        assert snap.seq == 30
    finally:
        store.close()


def opened(fixture: str, tmp_path: Path, desk: str) -> tuple[list[dict[str, str]],
                                                             list[dict[str, str]], Any, int]:
    """A copy of `fixture` opened by this version: (its export as rows, the rows the fixture's
    CSV says its version gave, the open store, the schema version it now says). The caller
    closes the store."""
    copy = tmp_path / "history.sqlite3"
    shutil.copyfile(FIXTURES / f"{fixture}.sqlite3", copy)
    store = HistoryStore.open(f"sqlite:///{copy}", desk=desk)
    got = store.export(SINCE)
    with store.engine.connect() as conn:
        version = conn.execute(sa.select(schema.meta.c.value).where(
            schema.meta.c.key == "schema_version")).scalar_one()
    want = pd.read_csv(FIXTURES / f"{fixture}.export.csv", keep_default_na=False,
                       na_values={"value": [""]})
    columns = ["time", "desk", "panel", "dataset_label", "label", "value"]
    got_rows = got.assign(time=[t.isoformat(sep=" ") for t in got["time"]])[columns]
    got_rows = got_rows.fillna({"dataset_label": "", "label": ""})
    return (got_rows.astype(str).to_dict("records"), want[columns].astype(str).to_dict("records"),
            store, int(version))


def test_a_version_2_store_opens_with_every_row_kept(tmp_path: Path) -> None:
    """Desks (version 2) → today's version: every row of every desk kept."""
    got, want, store, version = opened("history-v2", tmp_path, DEMO)
    try:
        desks = store.desks()
        snap = store.last_snapshot()
        polls = store.polls(SINCE)
    finally:
        store.close()
    assert len(got) == len(want) == 713
    assert got == want
    assert desks == {UNATTRIBUTED: 275, DEMO: 219, "https://crm.example.com/cust1": 219}
    assert snap is not None
    assert snap.seq == 5
    assert len(polls) == 5
    assert version == schema.SCHEMA_VERSION


def test_a_version_3_store_opens_with_every_row_kept(tmp_path: Path) -> None:
    """The alerts' state (version 3) → the displays and the outbox (version 4): every row of
    every desk and the alerts' state kept (none cleared at night: a new column)."""
    got, want, store, version = opened("history-v3", tmp_path, "south")
    try:
        desks = store.desks()
        state = store.alert_state()
    finally:
        store.close()
    assert len(got) == len(want) == 932
    assert got == want
    assert desks == {UNATTRIBUTED: 275, DEMO: 219, "https://crm.example.com/cust1": 219,
                     "south": 219}
    at = datetime(2026, 12, 4, 8, 0, tzinfo=UTC)
    assert state == {
        ("red:StatusScreen.Unassigned", "StatusScreen.Unassigned"):
            (at, at + timedelta(minutes=10), 14.0, None),
        ("stale:*", "stale"): (at + timedelta(minutes=30), None, None, None)}
    assert version == schema.SCHEMA_VERSION


def test_a_version_3_postgresql_store_gains_the_displays_and_the_outbox(pg_url: str) -> None:
    """The step from version 3 on PostgreSQL (the fixtures are SQLite): the alerts' state
    gains its column with every row kept, the new tables are made."""
    made = HistoryStore.open(pg_url, desk="south")  # today's tables, then back to version 3
    try:
        with made.engine.begin() as conn:
            schema.outbox.drop(conn)
            schema.displays.drop(conn)
            conn.execute(sa.text("ALTER TABLE statusboard_alerts DROP COLUMN cleared_at"))
            conn.execute(sa.text("INSERT INTO statusboard_alerts (desk, rule, subject, since, "
                                 "sent_at, value) VALUES ('south', 'stale:*', 'stale', 1.0, "
                                 "2.0, NULL)"))
            conn.execute(sa.update(schema.meta).where(schema.meta.c.key == "schema_version")
                         .values(value="3"))
    finally:
        made.close()
    store = HistoryStore.open(pg_url, desk="south")
    try:
        assert store.alert_state() == {("stale:*", "stale"): (
            datetime.fromtimestamp(1.0, UTC), datetime.fromtimestamp(2.0, UTC), None, None)}
        assert store.displays() == {}
        assert store.claim_letters("me", datetime.now(UTC)) == []
    finally:
        store.close()
