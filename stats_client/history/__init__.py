"""The history store (SQLite or PostgreSQL through SQLAlchemy Core), its retention and the poll
lease. See `store.HistoryStore` for the read API the screens use.

    >>> database_url({"STATUSBOARD_DATABASE_URL": "postgresql://db/status"}, DEFAULT_CONFIG_PATH)
    'postgresql://db/status'
"""

from __future__ import annotations

from .database import (
    CONFIG_ENV,
    DATABASE_URL_ENV,
    DEFAULT_CONFIG_PATH,
    config_path,
    database_url,
    redact,
)
from .lease import Lease
from .retention import Retention, load_retention, parse_duration, parse_time
from .store import HistoryStore, PruneReport, Reading

__all__ = [
    "CONFIG_ENV",
    "DATABASE_URL_ENV",
    "DEFAULT_CONFIG_PATH",
    "HistoryStore",
    "Lease",
    "PruneReport",
    "Reading",
    "Retention",
    "config_path",
    "database_url",
    "load_retention",
    "parse_duration",
    "parse_time",
    "redact",
]
