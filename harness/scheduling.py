"""How `make test` (pytest-xdist, `--dist loadgroup`) shares the tests between its workers: a
pytest plugin (tests/conftest.py loads it).

    >>> _worker_unit("tests/browser/test_live.py::test_data_seq_follows_the_polls")
    'tests/browser/test_live.py'
    >>> _worker_unit("tests/test_config.py::test_defaults")
    'tests/test_config.py::test_defaults'
"""

from __future__ import annotations

from typing import Any

import pytest

#: Test modules whose tests run on one xdist worker (their module fixtures start boards or
#: clusters once): every browser module, and these.
ONE_WORKER_MODULES = frozenset({"tests/test_outage.py"})


def _worker_unit(nodeid: str) -> str:
    """The unit the scheduler hands to one worker: the module for a browser test or one of
    ONE_WORKER_MODULES, else the test itself."""
    module = nodeid.split("::", 1)[0]
    if module.startswith("tests/browser/") or module in ONE_WORKER_MODULES:
        return module
    return nodeid


def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """Under `make test` (pytest-xdist, --dist loadgroup) each browser test module, and each of
    ONE_WORKER_MODULES, runs on one worker, so its module fixtures (boards, a PostgreSQL)
    start once; every other test goes wherever a worker is free; the session's board and
    Chromium start once on each worker that runs a browser test.

    Our own scheduler, not `xdist_group` marks: with pytest ≥ 9.2 xdist no longer sees a
    group in the node id (pytest-dev/pytest-xdist#1386), and a browser module ran on both
    workers, starting its boards twice. Regression: tests/test_scheduling.py."""
    if config.getvalue("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class ModuleUnits(LoadScopeScheduling):  # type: ignore[misc]
        def _split_scope(self, nodeid: str) -> str:
            return _worker_unit(nodeid)

    return ModuleUnits(config, log)
