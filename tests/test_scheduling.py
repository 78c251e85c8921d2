"""`make test` shares the tests between two xdist workers so that a browser module (and each of
harness.scheduling.ONE_WORKER_MODULES) runs on one worker: its boards start once. Regression:
with pytest 9.2 the `xdist_group` marks stopped working (pytest-dev/pytest-xdist#1386) and
every browser module ran on both workers, starting its boards twice."""

from __future__ import annotations

import doctest
import os
import subprocess
import sys
from pathlib import Path

import harness.scheduling
from harness.browser import REPO_ROOT


def test_the_examples_hold() -> None:
    assert doctest.testmod(harness.scheduling).failed == 0


def test_a_browser_module_runs_on_one_worker_and_the_rest_spread(tmp_path: Path) -> None:
    tests = tmp_path / "tests"
    (tests / "browser").mkdir(parents=True)
    (tests / "conftest.py").write_text('pytest_plugins = ["harness.scheduling"]\n')
    record = ("import os, pathlib\n"
              "def _record(name):\n"
              "    with open(pathlib.Path(__file__).parents[{up}] / 'ran.txt', 'a') as f:\n"
              "        f.write(f\"{{name}} {{os.environ['PYTEST_XDIST_WORKER']}}\\n\")\n")
    body = "".join(f"def test_{n}():\n    _record('{{module}}')\n" for n in range(12))
    for name in ("test_one", "test_two"):
        (tests / "browser" / f"{name}.py").write_text(
            record.format(up=2) + body.replace("{module}", f"browser/{name}"))
    (tests / "test_plain.py").write_text(record.format(up=1) + body.replace("{module}", "plain"))
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-n", "2", "--dist", "loadgroup", "-q", "-p",
         "no:cacheprovider", "-p", "no:randomly", "tests"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300, check=False)
    assert run.returncode == 0, run.stdout + run.stderr
    workers: dict[str, set[str]] = {}
    for line in (tmp_path / "ran.txt").read_text().splitlines():
        module, worker = line.split()
        workers.setdefault(module, set()).add(worker)
    assert len(workers["browser/test_one"]) == 1, workers
    assert len(workers["browser/test_two"]) == 1, workers
    # The rest is not held together: both workers exist and the plain tests are free to go to
    # either (which ones get them depends on timing; that they may is what is checked).
    assert "plain" in workers
    assert harness.scheduling._worker_unit("tests/test_plain.py::test_0") == (
        "tests/test_plain.py::test_0")
