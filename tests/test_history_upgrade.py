"""A history store written by an earlier version opens with every row kept: the schema version 1
fixture (tests/fixtures/README.md), copied, opened by this version and exported."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from stats_client.history import HistoryStore

FIXTURES = Path(__file__).resolve().parent / "fixtures"
SINCE = datetime(2026, 11, 1, tzinfo=UTC)


def test_a_version_1_store_opens_with_every_row_kept(tmp_path: Path) -> None:
    copy = tmp_path / "history.sqlite3"
    shutil.copyfile(FIXTURES / "history-v1.sqlite3", copy)
    store = HistoryStore.open(f"sqlite:///{copy}")
    try:
        got = store.export(SINCE)
        polls = store.polls(SINCE)
        snap = store.last_snapshot()
    finally:
        store.close()
    want = pd.read_csv(FIXTURES / "history-v1.export.csv", keep_default_na=False,
                       na_values={"value": [""]})
    columns = ["time", "panel", "dataset_label", "label", "value"]
    got_rows = got.assign(time=[t.isoformat(sep=" ") for t in got["time"]])[columns]
    got_rows = got_rows.fillna({"dataset_label": "", "label": ""})
    assert len(got_rows) == len(want) == 275
    assert got_rows.astype(str).to_dict("records") == want[columns].astype(str).to_dict("records")
    assert len(polls) == 31
    assert list(polls["result"].value_counts().sort_index().items()) == [("connection", 1),
                                                                         ("ok", 30)]
    assert snap is not None
    assert snap.seq == 30
    assert snap.error == "Cannot reach the NetServer (timed out)."
