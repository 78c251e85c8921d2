"""The throwaway PostgreSQL cluster of the history tests (a pytest plugin, see tests/conftest.py).

One cluster per test run (`harness.postgres.Cluster`) and one fresh database per test. Without
the server binaries the PostgreSQL tests skip with a reason, unless
STATUSBOARD_REQUIRE_POSTGRES=1 (CI), when they fail.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.postgres import REQUIRE_ENV, Cluster, find_bindir


def _unavailable(reason: str) -> None:
    if os.environ.get(REQUIRE_ENV) == "1":
        pytest.fail(f"{reason}, and {REQUIRE_ENV}=1 requires the PostgreSQL tests to run: "
                    "install Debian's postgresql package.", pytrace=False)
    pytest.skip(f"{reason}; install Debian's postgresql to run the PostgreSQL history tests")


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[Cluster]:
    """One PostgreSQL server for the whole run (skips, or fails under REQUIRE, without one)."""
    bindir = find_bindir()
    if bindir is None:
        _unavailable("no PostgreSQL server binaries (initdb, pg_ctl) found")
    assert bindir is not None
    if os.geteuid() == 0 and shutil.which("runuser") is None:
        _unavailable("running as root without runuser to start PostgreSQL as another user")
    cluster = Cluster(bindir).start()
    try:
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture
def pg_url(pg_cluster: Cluster) -> str:
    """A fresh, empty database on the shared cluster, as a postgresql:// URL."""
    return pg_cluster.create_database()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Each store test twice: a SQLite file, then a PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'history.sqlite3'}"
    cluster: Cluster = request.getfixturevalue("pg_cluster")
    return cluster.create_database()
