"""The tables, in SQLAlchemy Core, and the schema version recorded in `meta`.

Times are seconds since the epoch (UTC) as floats: one type on SQLite and PostgreSQL, cheap to
index and to compare. A value that is NaN or absent from a poll is stored as NULL.

    series    one row per (desk, panel, dataset_label, label, occurrence): the catalogue of keys
    changes   full resolution: (series_id, at, value) only when a value changed
    rollups   downsampled (series_id, grain, start, min, max, last); grain 300 s or 86 400 s
    polls     every poll: desk, at, result ("ok" or the error kind), duration_s, holder
    snapshots one row per desk: its last snapshot (frame as JSON) and a version bumped on every
              write
    lease     one row per lease name (one per desk): holder and expiry, on the database's clock
    alerts    one row per (desk, rule, subject) an alert rule watches while it holds or has
              told: since when, when last told, the value, when it cleared at night
              (statusboard.alerts)
    displays  one row per display (a browser, by the id its cookie carries): its name, the
              screen it shows, whether it is a wall display (kiosk), first and last seen, as
              every board process sharing the store saw it (statusboard.displays)
    outbox    one row per alert message and target not yet settled: written with the alert's
              state in one transaction, deleted once the target took it or it was given up;
              what a board killed in between left is sent by the desk's next poller
    meta      key/value; "schema_version"

Every row belongs to a desk (stats_client.desks). Version 2 brought desks: what a version 1
store held is kept under the desk "unattributed" (nothing says which NetServer it came from),
exportable, and never drawn for a desk. Version 3 added the alerts' state, version 4 the
displays and the alerts' outbox (new tables each: no row of an older store changes).
"""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa

from ..desks import UNATTRIBUTED

#: Bumped with each change to the tables below; `MIGRATIONS[n]` brings version n-1 to n.
SCHEMA_VERSION = 4

metadata = sa.MetaData()

meta = sa.Table(
    "statusboard_meta", metadata,
    sa.Column("key", sa.String(64), primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
)

series = sa.Table(
    "statusboard_series", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    # JSON of [desk, panel, dataset_label, label, occurrence] (version 1: without the desk):
    # unique even where labels are NULL.
    sa.Column("key", sa.Text, nullable=False, unique=True),
    sa.Column("panel", sa.Text, nullable=False),
    sa.Column("dataset_label", sa.Text),
    sa.Column("label", sa.Text),
    sa.Column("occurrence", sa.Integer, nullable=False),
    sa.Column("desk", sa.Text, nullable=False, server_default=UNATTRIBUTED),
    sa.Index("statusboard_series_desk_panel", "desk", "panel"),
)

changes = sa.Table(
    "statusboard_changes", metadata,
    sa.Column("series_id", sa.Integer, primary_key=True),
    sa.Column("at", sa.Float, primary_key=True),
    sa.Column("value", sa.Float),
    sa.Index("statusboard_changes_at", "at"),
    sqlite_with_rowid=False,
)

rollups = sa.Table(
    "statusboard_rollups", metadata,
    sa.Column("series_id", sa.Integer, primary_key=True),
    sa.Column("grain", sa.Integer, primary_key=True),
    sa.Column("start", sa.Float, primary_key=True),
    sa.Column("min", sa.Float),
    sa.Column("max", sa.Float),
    sa.Column("last", sa.Float),
    sa.Index("statusboard_rollups_grain_start", "grain", "start"),
    sqlite_with_rowid=False,
)

polls = sa.Table(
    "statusboard_polls", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("at", sa.Float, nullable=False, index=True),
    sa.Column("result", sa.String(32), nullable=False),
    sa.Column("duration_s", sa.Float),
    sa.Column("holder", sa.String(128), nullable=False),
    sa.Column("desk", sa.Text, nullable=False, server_default=UNATTRIBUTED),
    sa.Index("statusboard_polls_desk_at", "desk", "at"),
)

snapshots = sa.Table(
    "statusboard_snapshots", metadata,
    sa.Column("desk", sa.Text, primary_key=True),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("seq", sa.Integer, nullable=False),
    sa.Column("started_at", sa.Float),
    sa.Column("fetched_at", sa.Float),
    sa.Column("attempted_at", sa.Float),
    sa.Column("duration_s", sa.Float),
    sa.Column("calls", sa.Integer, nullable=False),
    sa.Column("failures", sa.Integer, nullable=False),
    sa.Column("error", sa.Text),
    sa.Column("error_kind", sa.String(32)),
    sa.Column("error_since", sa.Float),
    sa.Column("frame", sa.Text, nullable=False),
    sa.Column("holder", sa.String(128), nullable=False),
)

lease = sa.Table(
    "statusboard_lease", metadata,
    sa.Column("name", sa.String(64), primary_key=True),
    sa.Column("holder", sa.String(128), nullable=False),
    sa.Column("expires_at", sa.Float, nullable=False),
)


alerts = sa.Table(
    "statusboard_alerts", metadata,
    sa.Column("desk", sa.Text, primary_key=True),
    sa.Column("rule", sa.String(200), primary_key=True),
    sa.Column("subject", sa.String(200), primary_key=True),
    sa.Column("since", sa.Float),
    sa.Column("sent_at", sa.Float),
    sa.Column("value", sa.Float),
    # When it cleared during quiet (night) hours, its "resolved" held for the morning (v4).
    sa.Column("cleared_at", sa.Float),
)

displays = sa.Table(
    "statusboard_displays", metadata,
    sa.Column("display", sa.String(64), primary_key=True),
    sa.Column("name", sa.String(200)),
    sa.Column("screen", sa.String(200), nullable=False),
    sa.Column("wall", sa.Boolean, nullable=False),
    sa.Column("first_seen", sa.Float, nullable=False),
    sa.Column("last_seen", sa.Float, nullable=False),
)


outbox = sa.Table(
    "statusboard_outbox", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("desk", sa.Text, nullable=False),
    sa.Column("target", sa.String(64), nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("title", sa.Text, nullable=False),
    sa.Column("body", sa.Text, nullable=False),
    sa.Column("queued_at", sa.Float, nullable=False),
    sa.Column("holder", sa.String(128), nullable=False),  # the process sending it
    sa.Index("statusboard_outbox_desk", "desk"),
)


def _to_2(conn: sa.Connection) -> None:
    """Desks: every row keyed by desk. What version 1 held is the desk "unattributed".

    Each step is skipped when it is already done: SQLite runs DDL outside the transaction, so
    an upgrade cut short (a crash, a full disk) leaves some steps done, and the next opening
    finishes the rest (the version is written last)."""
    inspector = sa.inspect(conn)
    for table in (series, polls):
        if "desk" not in {c["name"] for c in inspector.get_columns(table.name)}:
            conn.execute(sa.text(f"ALTER TABLE {table.name} ADD COLUMN desk TEXT NOT NULL "
                                 f"DEFAULT '{UNATTRIBUTED}'"))
    for index in (*series.indexes, *polls.indexes):
        if index.name in ("statusboard_series_desk_panel", "statusboard_polls_desk_at"):
            index.create(conn, checkfirst=True)
    snapshots.create(conn, checkfirst=True)
    if inspector.has_table("statusboard_snapshot"):
        old = sa.Table("statusboard_snapshot", sa.MetaData(), autoload_with=conn)
        for row in conn.execute(sa.select(old)).mappings().all():
            conn.execute(sa.delete(snapshots).where(snapshots.c.desk == UNATTRIBUTED))
            conn.execute(sa.insert(snapshots).values(
                {**{k: v for k, v in row.items() if k != "id"}, "desk": UNATTRIBUTED}))
        old.drop(conn)


def _to_3(conn: sa.Connection) -> None:
    """The alerts' state: a table of its own."""
    alerts.create(conn, checkfirst=True)


def _to_4(conn: sa.Connection) -> None:
    """The displays and the alerts' outbox: tables of their own; the alerts' state gains
    when a condition cleared at night (a column that is NULL for every row kept)."""
    displays.create(conn, checkfirst=True)
    outbox.create(conn, checkfirst=True)
    if "cleared_at" not in {c["name"] for c in sa.inspect(conn).get_columns(alerts.name)}:
        conn.execute(sa.text(f"ALTER TABLE {alerts.name} ADD COLUMN cleared_at FLOAT"))


#: Upgrades: version → a function run inside the upgrade's transaction.
MIGRATIONS: dict[int, Callable[[sa.Connection], None]] = {2: _to_2, 3: _to_3, 4: _to_4}
