"""The poll lease: a leader row with an expiry, so exactly one process polls.

One row per lease name in `statusboard_lease`. Taking it is one UPDATE that succeeds only when
the row is ours or expired (or one INSERT when there is no row), so two processes can never both
win. Expiry is judged on the database's clock, so dashboards on several machines need not agree
on the time; tests pass a `clock` instead. The holder renews it more often than it expires;
a holder that dies stops renewing and another process takes over once `ttl` has passed.

    >>> import tempfile, pathlib
    >>> from stats_client.history import HistoryStore
    >>> store = HistoryStore.open(f"sqlite:///{pathlib.Path(tempfile.mkdtemp()) / 'h.sqlite3'}")
    >>> a, b = Lease(store.engine, ttl=30, holder="a"), Lease(store.engine, ttl=30, holder="b")
    >>> a.try_acquire(), b.try_acquire(), a.held
    (True, False, True)
    >>> a.release(); b.try_acquire()
    True
    >>> store.close()
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa

from .database import insert_for, unavailable
from .schema import lease as table


def default_holder() -> str:
    """A name for this process that says where it runs: host, pid and a random tail."""
    return f"{socket.gethostname()[:64]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class Lease:
    """`try_acquire()` takes or renews the lease; `held` says whether the last call won."""

    def __init__(self, engine: sa.Engine, name: str = "poller", *, ttl: float,
                 holder: str | None = None, clock: Callable[[], float] | None = None) -> None:
        if ttl <= 0:
            raise ValueError("a lease needs a positive ttl")
        self.engine = engine
        self.name = name
        self.ttl = float(ttl)
        self.holder = holder or default_holder()
        self._clock = clock
        self.held = False

    def _now(self, conn: sa.Connection) -> Any:
        """The current time in seconds since the epoch, as SQL (the database's clock)."""
        if self._clock is not None:
            return sa.literal(self._clock(), sa.Float)
        if conn.dialect.name == "postgresql":
            return sa.cast(sa.extract("epoch", sa.func.clock_timestamp()), sa.Float)
        return (sa.func.julianday("now") - 2440587.5) * 86400.0

    def try_acquire(self) -> bool:
        """Take the lease if it is free, expired or already ours (then it is renewed)."""
        c = table.c
        try:
            with self.engine.begin() as conn:
                now = self._now(conn)
                won = conn.execute(
                    sa.update(table)
                    .where(c.name == self.name, sa.or_(c.holder == self.holder, c.expires_at < now))
                    .values(holder=self.holder, expires_at=now + self.ttl)).rowcount == 1
                if not won:
                    won = conn.execute(
                        insert_for(conn, table)
                        .values(name=self.name, holder=self.holder, expires_at=now + self.ttl)
                        .on_conflict_do_nothing(index_elements=["name"])
                        .returning(c.name)).first() is not None
        except sa.exc.SQLAlchemyError as exc:
            self.held = False
            raise unavailable(exc, self.engine.url, "take the poll lease in") from exc
        self.held = won
        return won

    def keep(self, conn: sa.Connection) -> bool:
        """Within the caller's transaction: renew the lease if it is still ours, and say so.
        A write that starts with this is atomic with the check (the lease row stays locked
        until it commits, so no other process can take the lease in between)."""
        c = table.c
        now = self._now(conn)
        kept = conn.execute(sa.update(table).where(c.name == self.name, c.holder == self.holder)
                            .values(expires_at=now + self.ttl)).rowcount == 1
        self.held = kept
        return kept

    def release(self) -> None:
        """Give the lease up now (on a clean stop), so another process need not wait for it."""
        if not self.held:
            return
        self.held = False
        try:
            with self.engine.begin() as conn:
                conn.execute(sa.delete(table).where(table.c.name == self.name,
                                                    table.c.holder == self.holder))
        except sa.exc.SQLAlchemyError:
            pass  # it expires by itself

    def current_holder(self) -> str | None:
        """Who holds the lease now (unexpired), or None."""
        with self.engine.connect() as conn:
            return conn.execute(sa.select(table.c.holder).where(
                table.c.name == self.name, table.c.expires_at >= self._now(conn))).scalar()

    def __repr__(self) -> str:
        return f"Lease({self.name!r}, holder={self.holder!r}, held={self.held})"
