"""A dashboard process without the screen, for the history tests' real-process cases.

    python tests/history_worker.py board DATABASE_URL NETSERVER_URL INTERVAL
        polls the demo NetServer through a HistoryRecorder (lease, record, follow) and prints a
        JSON line {"seq", "role", "state", "fetched_at", "attempted_at", "holder", "waiting",
        "left"} whenever its latest snapshot, role, store state or waiting polls change.
    python tests/history_worker.py write DATABASE_URL
        records changing snapshots as fast as it can and prints each committed seq: the test
        kills it in the middle of a write.
"""

from __future__ import annotations

import json
import sys
import time
from datetime import UTC, datetime, timedelta

from stats_client import HistoryRecorder, HistoryStore, Poller, Snapshot
from stats_client.client import open_client
from stats_client.desks import desk_key
from stats_client.frames import DataSet, DataValue, PanelData, to_frame
from stats_client.panels import PanelType
from stats_client.poller import panel_digests
from stats_client.settings import Settings

PANELS = (PanelType.UnassignedRequests, PanelType.OpenRequestsPerCategory)


def say(**fields: object) -> None:
    sys.stdout.write(json.dumps(fields, default=str) + "\n")
    sys.stdout.flush()


def board(database_url: str, netserver_url: str, interval: float) -> None:
    with open_client(Settings(url=netserver_url)) as client:
        poller = Poller(lambda: client.fetch_frame(PANELS), interval)
        # Its desk is its NetServer's: boards for two NetServers on one database each poll.
        recorder = HistoryRecorder(poller, database_url, desk=desk_key(client.settings)).start()
        seen = None
        while True:
            snap, status = recorder.latest(), recorder.status
            now = (snap.seq, snap.attempted_at, status.role, status.state, status.waiting,
                   status.left)
            if now != seen:
                seen = now
                say(seq=snap.seq, role=status.role, state=status.state,
                    fetched_at=snap.fetched_at, attempted_at=snap.attempted_at,
                    holder=recorder.holder, waiting=status.waiting, left=status.left)
            time.sleep(0.05)


def write(database_url: str) -> None:
    store = HistoryStore.open(database_url)
    t0 = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
    seq = 0
    while True:
        seq += 1
        now = t0 + timedelta(seconds=seq)
        frame = to_frame([PanelData(PanelType.OpenRequestsPerCategory, (DataSet(None, None, tuple(
            DataValue(f"category {i}", float(seq + i), None) for i in range(40))),))])
        store.record(Snapshot(seq=seq, frame=frame, fetched_at=now, attempted_at=now,
                              panel_digests=panel_digests(frame), calls=seq), holder="writer")
        say(seq=seq)


if __name__ == "__main__":
    mode, *args = sys.argv[1:]
    if mode == "board":
        board(args[0], args[1], float(args[2]))
    else:
        write(args[0])
