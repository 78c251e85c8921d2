"""The history store (SQLite or PostgreSQL through SQLAlchemy Core), its retention and the poll
lease. See `store.HistoryStore` for the read API the screens use.

    >>> redact("postgresql://board:pw@db/status")
    'postgresql+psycopg://board:***@db/status'
"""

from __future__ import annotations

from .backlog import Backlog, BacklogBound
from .database import redact
from .lease import Lease
from .location import (
    CONFIG_ENV,
    CONFIG_FILE,
    DATA_DIR_ENV,
    DATABASE_URL_ENV,
    Location,
    locate,
    user_data_dir,
)
from .retention import Retention, load_retention, parse_duration, parse_time
from .store import HistoryStore, Letter, PruneReport, Reading, SeenDisplay, Written

__all__ = [
    "CONFIG_ENV",
    "CONFIG_FILE",
    "DATABASE_URL_ENV",
    "DATA_DIR_ENV",
    "Backlog",
    "BacklogBound",
    "HistoryStore",
    "Lease",
    "Letter",
    "Location",
    "PruneReport",
    "Reading",
    "Retention",
    "SeenDisplay",
    "Written",
    "load_retention",
    "locate",
    "parse_duration",
    "parse_time",
    "redact",
    "user_data_dir",
]
