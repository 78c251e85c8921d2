"""Which database, and how to talk to it: the URL, the engine, and database errors → ours.

    >>> redact("postgresql://board:s3cret@db.example/status")
    'postgresql+psycopg://board:***@db.example/status'
"""

from __future__ import annotations

import functools
import logging
import os
import sqlite3
from datetime import datetime
from pathlib import Path
from typing import Any

try:
    import fcntl
except ImportError:  # Windows: no flock
    fcntl = None  # type: ignore[assignment]

import sqlalchemy as sa
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError

from ..errors import ConfigurationError, HistoryUnavailable
from .location import DATABASE_URL_ENV

log = logging.getLogger(__name__)

#: How long SQLite waits for another writer, and PostgreSQL for a connection: short, because
#: the poller thread waits too, and the store is retried later anyway.
BUSY_TIMEOUT_S = 2.0
CONNECT_TIMEOUT_S = 5


def parse_url(text: str) -> URL:
    """`sqlite:///path` or `postgresql://…` (psycopg 3) as a SQLAlchemy URL. A second `@`
    before the host is refused: the URL would split inside the password and show the rest of
    it as the host.

        >>> try:
        ...     parse_url("postgresql://board:Sup3r@Secret@db/status")
        ... except ConfigurationError as exc:
        ...     print(str(exc)[-29:])
        user name or password as %40.
    """
    _scheme, sep, rest = text.partition("://")
    if sep and rest.split("/", 1)[0].count("@") > 1:
        raise ConfigurationError(
            f"{DATABASE_URL_ENV} has more than one @ before its host: write an @ in the user "
            "name or password as %40.")
    try:
        url = make_url(text)
    except ArgumentError:
        raise ConfigurationError(
            f"{DATABASE_URL_ENV} is not a database URL; use sqlite:///path/history.sqlite3 or "
            "postgresql://user:password@host/database.") from None
    backend = url.get_backend_name()
    if backend in ("postgresql", "postgres"):
        return url.set(drivername="postgresql+psycopg")
    if backend == "sqlite" and url.get_driver_name() in ("", "pysqlite"):
        if not url.database or url.database == ":memory:":
            raise ConfigurationError(
                f"{DATABASE_URL_ENV} names no SQLite file; use sqlite:///path/history.sqlite3.")
        return url.set(drivername="sqlite")
    raise ConfigurationError(
        f"{DATABASE_URL_ENV} uses {url.drivername!r}; the history store speaks sqlite:/// and "
        "postgresql:// only.")


def redact(url: str | URL) -> str:
    """The URL with its password hidden: the only form that may reach a log or a message."""
    parsed = url if isinstance(url, URL) else parse_url(url)
    return parsed.render_as_string(hide_password=True)


def sqlite_path(url: URL) -> Path | None:
    return Path(url.database).expanduser() if url.get_backend_name() == "sqlite" and url.database \
        else None


def make_engine(url: URL) -> sa.Engine:
    """An engine for `url`: SQLite in WAL mode with a short busy timeout, or psycopg 3."""
    try:
        if url.get_backend_name() == "sqlite":
            path = sqlite_path(url)
            assert path is not None  # parse_url refuses a SQLite URL without a file
            path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            # Private from the start: SQLite gives its -wal and -shm files the database file's
            # mode, and the history says how busy the desk is, hour by hour.
            os.close(os.open(path, os.O_RDWR | os.O_CREAT, 0o600))
            engine = sa.create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_S})
            sa.event.listen(engine, "connect", _sqlite_pragmas)
            return engine
        return sa.create_engine(url, pool_pre_ping=True, pool_size=2, max_overflow=4,
                                connect_args={"connect_timeout": CONNECT_TIMEOUT_S})
    except (NoSuchModuleError, ImportError) as exc:
        raise ConfigurationError(
            f"The database driver for {redact(url)} is not installed; install the project's "
            "dependencies again (SQLAlchemy and psycopg).") from exc
    except OSError as exc:
        raise HistoryUnavailable(
            f"Cannot create the folder of the history file {redact(url)} ({exc.strerror}); "
            f"check the path in {DATABASE_URL_ENV} and its permissions.") from exc


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL: readers never block the writer; NORMAL sync is durable across a process crash
    # (a power cut may lose the last commits, never corrupt the file).
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


_CORRUPT = ("file is not a database", "database disk image is malformed", "file is encrypted")


def is_corrupt(exc: BaseException) -> bool:
    """True for SQLite's "this file is damaged" errors (not for locked, full or missing)."""
    orig = getattr(exc, "orig", exc)
    return isinstance(orig, sqlite3.DatabaseError) and any(
        text in str(orig).lower() for text in _CORRUPT)


class FileUsers:
    """Says that a store has the SQLite file at `path` open, for as long as it has: a shared
    flock on `<file>.lock` (a lock file of its own: a second descriptor on the database file
    would drop SQLite's own locks when closed). A damaged file is moved aside only by a store
    that is `alone()` with it; moved while another process still had it open, that process
    would go on writing into the moved file. Where flock does not exist (Windows), every store
    is alone."""

    def __init__(self, path: Path) -> None:
        self.path = path.with_name(path.name + ".lock")
        self._fd: int | None = None
        if fcntl is not None:
            try:
                self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
                fcntl.flock(self._fd, fcntl.LOCK_SH)
            except OSError as exc:
                self.close()
                raise HistoryUnavailable(
                    f"Cannot open {self.path} ({exc.strerror}), which says which processes use "
                    "the history file; check the folder's permissions.") from exc

    def alone(self) -> bool:
        """True when no other store has the file open (this one then holds it exclusively until
        `share()`): the moment to move it aside."""
        if fcntl is None or self._fd is None:
            return True
        try:
            fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    def share(self) -> None:
        if fcntl is not None and self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_SH)

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


def in_use_elsewhere(path: Path) -> HistoryUnavailable:
    return HistoryUnavailable(
        f"The history file {path} is damaged, and another process (a dashboard, or the "
        "history command) still has it open, so it was left in place; stop the other processes "
        f"that use it (the board then moves it aside to {path.name}.corrupt-<time> and starts "
        "a new one), or move it away yourself.")


def move_aside(path: Path, now: datetime) -> Path:
    """Rename a damaged SQLite file (and its -wal and -shm) to `<name>.corrupt-<UTC time>`."""
    stamp = now.strftime("%Y%m%dT%H%M%SZ")
    target = path.with_name(f"{path.name}.corrupt-{stamp}")
    n = 1
    while target.exists():
        n += 1
        target = path.with_name(f"{path.name}.corrupt-{stamp}-{n}")
    os.replace(path, target)
    for suffix in ("-wal", "-shm"):
        side = path.with_name(path.name + suffix)
        if side.exists():
            os.replace(side, target.with_name(target.name + suffix))
    log.warning("history file %s was damaged; moved it to %s and started a new one",
                path, target.name)
    return target


def unavailable(exc: BaseException, url: URL, doing: str) -> HistoryUnavailable:
    """A database error as one sentence: what failed, the driver's reason, what to check."""
    orig = getattr(exc, "orig", None) or exc
    reason = " ".join(str(orig).split()) or type(orig).__name__
    if len(reason) > 200:
        reason = reason[:197] + "…"
    # The driver's text never holds the password (psycopg names host, port and user only), but
    # the URL's rendering is redacted here once more in case a driver echoes it.
    secret = str(url.password or "")
    if len(secret) >= 4:
        reason = reason.replace(secret, "***")
    if url.get_backend_name() == "sqlite":
        check = "check that the file's disk has room and that no other program holds it locked"
    else:
        check = (f"check {DATABASE_URL_ENV}, that the server is running and reachable, and "
                 "that the user may create tables")
    return HistoryUnavailable(f"could not {doing} {redact(url)} ({reason}); {check}.")


def insert_for(conn: sa.Connection, table: sa.Table) -> Any:
    """The dialect's INSERT, which knows ON CONFLICT (SQLite and PostgreSQL spell it alike)."""
    return _dialect_insert(conn.dialect.name, table)


def _dialect_insert(dialect: str, table: sa.Table) -> Any:
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert(table)
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert(table)


def upsert(conn: sa.Connection, table: sa.Table, rows: list[dict[str, Any]]) -> None:
    """Insert `rows`, replacing the other columns of rows whose primary key exists."""
    if rows:
        conn.execute(_upsert_statement(conn.dialect.name, table), rows)


@functools.cache
def _upsert_statement(dialect: str, table: sa.Table) -> Any:
    # Built once per table: making the statement costs more than running it on SQLite.
    stmt = _dialect_insert(dialect, table)
    keys = [c.name for c in table.primary_key.columns]
    update = {c.name: stmt.excluded[c.name] for c in table.columns if c.name not in keys}
    return stmt.on_conflict_do_update(index_elements=keys, set_=update)
