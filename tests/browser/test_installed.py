"""The board as a user installs it: a real wheel built from the repository's tracked files, a
real venv outside the checkout, a real `statusboard serve` started in an empty folder with a
statusboard.toml of its own, and a real Chromium.

The server polls and records before any browser connects, the first page opens on the recorded
data, SIGTERM stops it cleanly (exit status 0, the poll lease released), and a second server on
the same data folder polls again. One wheel and one venv for the module; nothing downloaded.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import sysconfig
import tempfile
import tomllib
import urllib.request
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

import pytest

from harness.browser import FRESHNESS_JS, OUTPUT_DIR, REPO_ROOT, TILES_JS, free_port
from harness.waiting import wait_for
from netserver_demo import DemoNetServer

pytestmark = pytest.mark.browser

#: Generous bounds against hanging, never measurements.
BUILD_TIMEOUT_S = 300
START_TIMEOUT_S = 60
STOP_TIMEOUT_S = 30

TITLE = "Wheel Desk"
STATUS_PANELS = ["StatusScreen", "UnassignedRequests"]
CONFIG = f"""\
# A board of its own, in a folder that is not the repository.
[[screens]]
id = "status"
title = "{TITLE}"
panels = {json.dumps(STATUS_PANELS)}

[[screens]]
id = "load"
title = "Wheel Load"
panels = ["OpenRequestsPerPriority"]
"""

#: What the new venv's Python imports, and from where.
PROBE = """\
import json, board, stats_client, statusboard
from statusboard import site
print(json.dumps({"statusboard": statusboard.__file__, "board": board.__file__,
                  "stats_client": stats_client.__file__, "site": str(site.site_dir()),
                  "version": statusboard.__version__}))
"""

#: A tile's number as the board writes it: digits, with thousands separators or a decimal point.
NUMBER = re.compile(r"\d[\d,.\s\u00a0\u202f]*")


def _clean_env(**extra: str) -> dict[str, str]:
    """This process's environment without the board's settings, Python's path overrides or
    pip's own settings (nothing of the shell or the checkout reaches the installed board), plus
    `extra`."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("SUPEROFFICE_", "STATUSBOARD_", "PIP_"))
           and k not in ("PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "VIRTUAL_ENV")}
    env.update(extra)
    return env


def _run(args: Sequence[str | Path], *, cwd: Path,
         env: Mapping[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run a command to its end; a failing one fails the test with its output."""
    argv = [str(a) for a in args]
    done = subprocess.run(argv, cwd=cwd, env=dict(env or _clean_env()), capture_output=True,
                          text=True, stdin=subprocess.DEVNULL, timeout=BUILD_TIMEOUT_S,
                          check=False)
    assert done.returncode == 0, (f"{' '.join(argv)} exited with status {done.returncode}:\n"
                                  f"{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return done


def _pip(*args: str | Path, cwd: Path) -> None:
    """This Python's pip, offline, with no configuration file of the machine's."""
    _run([sys.executable, "-m", "pip", "--disable-pip-version-check", "--no-cache-dir", *args],
         cwd=cwd, env=_clean_env(PIP_CONFIG_FILE=os.devnull))


def _tracked() -> list[str]:
    listed = _run(["git", "-C", REPO_ROOT, "ls-files", "-z"], cwd=REPO_ROOT).stdout
    return [name for name in listed.split("\0") if name]


@dataclass(frozen=True)
class Installed:
    venv: Path
    python: Path
    statusboard: Path
    version: str  # pyproject.toml's, as built
    site_files: tuple[str, ...]  # the board's site as tracked: dashboard.py, pages/…
    empty: Path  # a folder with nothing in it, the working folder of the probes


@pytest.fixture(scope="module")
def installed() -> Iterator[Installed]:
    """The board's wheel, built from a copy of the tracked files (deleted once built), installed
    into a new venv outside the repository; the dependencies are this environment's, reached
    through a .pth file, so nothing is downloaded."""
    with tempfile.TemporaryDirectory(prefix="statusboard-wheel-",
                                     ignore_cleanup_errors=True) as tmp:
        root = Path(tmp).resolve()
        assert not root.is_relative_to(REPO_ROOT), f"{root} is inside the repository"
        empty = root / "empty"
        empty.mkdir()
        tracked = _tracked()
        copy, dist = root / "src", root / "dist"
        try:
            for name in tracked:
                source = REPO_ROOT / name
                if source.is_file():  # not one deleted in the working tree
                    (copy / name).parent.mkdir(parents=True, exist_ok=True)
                    shutil.copy2(source, copy / name)
            version = tomllib.loads((copy / "pyproject.toml").read_text("utf-8"))[
                "project"]["version"]
            _pip("wheel", "--no-deps", "--no-build-isolation", "--no-index", "-w", dist, copy,
                 cwd=empty)
        finally:
            shutil.rmtree(copy, ignore_errors=True)
        assert not copy.exists()
        wheels = sorted(dist.glob("*.whl"))
        assert [w.name for w in wheels] == [f"service_status_board-{version}-py3-none-any.whl"]

        venv = root / "venv"
        _run([sys.executable, "-m", "venv", "--without-pip", venv], cwd=empty)
        python = venv / "bin" / "python"
        _pip("--python", python, "install", "--no-deps", "--no-index", wheels[0], cwd=empty)
        site_packages = Path(_run(
            [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            cwd=empty).stdout.strip())
        assert site_packages.is_relative_to(venv), site_packages
        ours = dict.fromkeys([sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]])
        (site_packages / "statusboard_test_dependencies.pth").write_text(
            "".join(f"{path}\n" for path in ours), "utf-8")

        site_files = ("dashboard.py", "statusboard.toml", ".streamlit/config.toml",
                      *(n for n in tracked if n.startswith("pages/") and n.endswith(".py")))
        yield Installed(venv, python, venv / "bin" / "statusboard", version, site_files, empty)


def test_the_wheel_installs_the_board_into_the_new_venv(installed: Installed) -> None:
    got = json.loads(_run([installed.python, "-c", PROBE], cwd=installed.empty).stdout)
    for name in ("statusboard", "board", "stats_client", "site"):
        where = Path(got[name]).resolve()
        assert where.is_relative_to(installed.venv), (
            f"{name} resolves to {where}, not inside the new venv {installed.venv}")
        assert not where.is_relative_to(REPO_ROOT), f"{name} resolves to {where}, the checkout"
    site = Path(got["site"])
    missing = [name for name in installed.site_files if not (site / name).is_file()]
    assert missing == [], f"the wheel's site ({site}) lacks {missing}"
    assert got["version"] == installed.version

    version = _run([installed.statusboard, "--version"], cwd=installed.empty).stdout
    assert version.strip() == f"statusboard {installed.version}"


# -- the installed server ----------------------------------------------------------------------
class Server:
    """`<venv>/bin/statusboard serve` in its own process group, its output in a log file under
    test-output/; whatever is left of it is killed on leaving the `with` block."""

    def __init__(self, statusboard: Path, *, config: Path, data_dir: Path, cwd: Path,
                 env: Mapping[str, str], name: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = OUTPUT_DIR / f"installed-statusboard-{name}-{self.port}.log"
        self._argv = [str(statusboard), "serve", "--config", str(config), "--data-dir",
                      str(data_dir), "--port", str(self.port), "--address", "127.0.0.1"]
        self._cwd = cwd
        self._env = dict(env)
        self.proc: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Server:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("wb") as log:
            self.proc = subprocess.Popen(self._argv, cwd=self._cwd, env=self._env, stdout=log,
                                         stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                         start_new_session=True)
        return self

    def __exit__(self, t: type[BaseException] | None, e: BaseException | None,
                 tb: TracebackType | None) -> None:
        proc = self.proc
        if proc is not None and proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(STOP_TIMEOUT_S)

    def running(self) -> bool:
        """True while it runs; a server that exited fails the test, with its log."""
        assert self.proc is not None
        if self.proc.poll() is not None:
            raise AssertionError(f"statusboard serve exited with status {self.proc.returncode}; "
                                 f"see {self.log_path}:\n{self.log_tail()}")
        return True

    def healthy(self) -> bool:
        self.running()
        try:
            # http://127.0.0.1 only: the URL is built above, never from input.
            with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=1) as r:  # noqa: S310
                return bool(r.status == 200)
        except OSError:
            return False

    def terminate(self) -> int:
        """SIGTERM to the process group; its exit status. One that does not end within
        STOP_TIMEOUT_S is killed and fails the test."""
        assert self.proc is not None
        self.running()
        os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            return self.proc.wait(STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(STOP_TIMEOUT_S)
            raise AssertionError(f"statusboard serve did not stop within {STOP_TIMEOUT_S} s of "
                                 f"SIGTERM; see {self.log_path}:\n{self.log_tail()}") from None

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


@dataclass(frozen=True)
class History:
    """What the board's history.sqlite3 holds, read with plain sqlite3."""

    last_poll_id: int
    ok_polls: int
    snapshot_seq: int | None  # the last snapshot's, None before the first
    lease_holders: tuple[str, ...]  # every row of statusboard_lease, expired or not

    def polls_since(self, path: Path) -> list[tuple[str, str]]:
        """(result, holder) of every poll logged after this reading."""
        with _connect(path) as db:
            return db.execute("SELECT result, holder FROM statusboard_polls WHERE id > ? "
                              "ORDER BY id", (self.last_poll_id,)).fetchall()


@contextlib.contextmanager
def _connect(path: Path) -> Iterator[sqlite3.Connection]:
    # mode=rw: never creates the file the board is to create.
    db = sqlite3.connect(f"{path.as_uri()}?mode=rw", uri=True, timeout=10)
    try:
        yield db
    finally:
        db.close()


def read_history(path: Path) -> History | None:
    """None until the board has created the file and its tables."""
    if not path.is_file():
        return None
    try:
        with _connect(path) as db:
            last, ok = db.execute("SELECT COALESCE(MAX(id), 0), "
                                  "COALESCE(SUM(result = 'ok'), 0) FROM statusboard_polls"
                                  ).fetchone()
            seq = db.execute("SELECT seq FROM statusboard_snapshots").fetchone()
            holders = db.execute("SELECT holder FROM statusboard_lease").fetchall()
    except sqlite3.OperationalError:  # no such table yet, or busy
        return None
    return History(int(last), int(ok), None if seq is None else int(seq[0]),
                   tuple(h for (h,) in holders))


def test_installed_board_polls_before_any_browser_and_restarts_cleanly(
        installed: Installed, netserver: DemoNetServer, new_page: Callable[..., Any],
        js_errors: dict[int, list[str]]) -> None:
    with tempfile.TemporaryDirectory(prefix="statusboard-desk-",
                                     ignore_cleanup_errors=True) as tmp:
        desk = Path(tmp).resolve()
        assert list(desk.iterdir()) == []
        assert not desk.is_relative_to(REPO_ROOT)
        config = desk / "statusboard.toml"
        config.write_text(CONFIG, "utf-8")
        data = desk / "data"
        history = data / "history.sqlite3"
        env = _clean_env(SUPEROFFICE_URL=netserver.url, STATUSBOARD_INTERVAL="2",
                         STATUSBOARD_MAX_BACKOFF="2", PYTHONUNBUFFERED="1")
        serve: dict[str, Any] = {"config": config, "data_dir": data, "cwd": desk, "env": env}
        calls_before = netserver.call_count("GetStatistics")

        with Server(installed.statusboard, name="first", **serve) as first:
            # No browser has connected: polling and recording begin with the server.
            recorded: History = wait_for(
                lambda: first.running() and (h := read_history(history)) is not None
                and h.ok_polls > 0 and h.snapshot_seq is not None and h.snapshot_seq > 0
                and len(h.lease_holders) == 1 and h,
                START_TIMEOUT_S, 0.2, f"a poll and a last snapshot recorded in {history}")
            assert netserver.call_count("GetStatistics") > calls_before
            (holder,) = recorded.lease_holders
            wait_for(first.healthy, START_TIMEOUT_S, 0.2, f"/_stcore/health on {first.url}")

            # The first screen opens on the recorded data at once: the first #freshness the
            # page shows already counts good polls.
            page = new_page(1920, 1080)
            page.goto(f"{first.url}/", wait_until="domcontentloaded")
            page.wait_for_selector("#freshness", state="attached")
            shown = page.evaluate(FRESHNESS_JS)
            assert shown["seq"] > 0, f"the first page showed no data: {shown}; {first.log_path}"
            page.wait_for_function(
                """(want) => want.every(p =>
                     document.querySelector(`.sb-tile[data-panel="${p}"] .sb-tile-value`))""",
                arg=STATUS_PANELS)
            tiles: dict[str, str] = page.evaluate(TILES_JS)
            assert any(k.startswith("StatusScreen.") for k in tiles), tiles
            assert "UnassignedRequests" in tiles, tiles
            not_numbers = {k: v for k, v in tiles.items() if not NUMBER.fullmatch(v or "")}
            assert not_numbers == {}, f"tiles without a number: {not_numbers}"
            header = page.locator(".sb-header")
            assert header.is_visible()
            assert TITLE in header.inner_text(), header.inner_text()
            assert page.locator(".sb-demo").count() == 0, "demo data, not the test's NetServer"
            assert js_errors[id(page)] == [], js_errors[id(page)]

            exits = {"first": first.terminate()}
        stopped = read_history(history)
        assert stopped is not None
        assert holder not in stopped.lease_holders, (
            f"the first server's poll lease ({holder}) was not released: "
            f"statusboard_lease holds {stopped.lease_holders}")

        with Server(installed.statusboard, name="second", **serve) as second:
            polls = wait_for(lambda: second.running() and stopped.polls_since(history),
                             START_TIMEOUT_S, 0.2, "a poll of the second server in the poll log")
            assert all(h != holder for _result, h in polls), polls
            exits["second"] = second.terminate()

    # Last, so that everything above is checked whatever the exit statuses.
    assert exits == {"first": 0, "second": 0}, (
        f"statusboard serve ended on SIGTERM with {_described(exits)}, not exit status 0, "
        "after a clean shutdown (deployment stopped, lease released): uvicorn's "
        "Server.capture_signals, which st.App.run uses, raises the captured SIGTERM again once "
        "the server has shut down, and board.cli.main only turns KeyboardInterrupt (SIGINT) "
        "into 0. A product bug (board/cli.py promises status 0 on SIGTERM); logs: "
        f"{OUTPUT_DIR}/installed-statusboard-*.log")


def _described(exits: Mapping[str, int]) -> str:
    return ", ".join(f"{name}: " + (f"killed by {signal.Signals(-status).name}" if status < 0
                                    else f"status {status}") for name, status in exits.items())
