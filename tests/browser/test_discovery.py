"""Where Chromium is absent the browser tests skip with a reason, unless
STATUSBOARD_REQUIRE_BROWSER=1, when they fail with a sentence. (No browser is started here.)"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from harness.browser import CHROMIUM_ENV, REPO_ROOT, REQUIRE_ENV, find_chromium


def test_find_chromium_prefers_the_named_binary(tmp_path: Path) -> None:
    exe = tmp_path / "my-chromium"
    exe.write_text("#!/bin/sh\n")
    exe.chmod(exe.stat().st_mode | stat.S_IXUSR)
    assert find_chromium({CHROMIUM_ENV: str(exe), "PATH": ""}) == str(exe)
    assert find_chromium({CHROMIUM_ENV: str(tmp_path / "missing")}) is None
    assert find_chromium({CHROMIUM_ENV: str(tmp_path)}) is None  # a directory


def test_find_chromium_refuses_a_file_that_is_not_executable(tmp_path: Path) -> None:
    plain = tmp_path / "chromium"
    plain.write_text("not a program")
    plain.chmod(0o644)
    assert find_chromium({CHROMIUM_ENV: str(plain)}) is None


@pytest.mark.parametrize(("require", "outcome", "says"), [
    ("", "1 skipped", "install Debian's chromium"),
    ("1", "1 error", f"{REQUIRE_ENV}=1 requires the browser tests to run"),
])
def test_without_chromium(tmp_path: Path, require: str, outcome: str, says: str) -> None:
    env = {k: v for k, v in os.environ.items() if k not in (CHROMIUM_ENV, REQUIRE_ENV)}
    env[CHROMIUM_ENV] = str(tmp_path / "no-such-chromium")
    env[REQUIRE_ENV] = require
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-rsE", "-p", "no:cacheprovider",
         "tests/browser/test_screens.py::test_connection_screen"],
        cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=120, check=False)
    out = done.stdout + done.stderr
    assert outcome in out, out
    assert says in out, out
    assert (done.returncode == 0) == (require == ""), out
