"""Shared fixtures: a clean environment, one hand-moved clock, the CLI run in process, demo
NetServers on free loopback ports, and the reference folder."""

from __future__ import annotations

import contextlib
import io
import itertools
import os
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from harness.clock import ManualClock
from harness.receiver import Receiver
from netserver_demo import DemoNetServer

REPO_ROOT = Path(__file__).resolve().parent.parent
#: Every product setting starts with one of these; a developer's shell must not leak into tests.
SCRUBBED_PREFIXES = ("SUPEROFFICE_", "STATUSBOARD_")
#: Knobs of the test run itself (CI sets them), not settings of the product.
RUNNER_VARS = frozenset({"STATUSBOARD_REQUIRE_BROWSER", "STATUSBOARD_CHROMIUM",
                         "STATUSBOARD_UPDATE_SCREENSHOTS", "STATUSBOARD_REQUIRE_POSTGRES"})
#: The throwaway PostgreSQL cluster of the history tests (pg_cluster, pg_url, db_url), and how
#: the tests are shared between xdist's workers.
pytest_plugins = ["pg_cluster", "harness.scheduling"]


_history_files = itertools.count()


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch,
                       tmp_path_factory: pytest.TempPathFactory) -> None:
    """Every test starts with no SUPEROFFICE_* or STATUSBOARD_* setting from the shell, and a
    history store of its own in the session's temporary folder: a board a test starts must
    never write history.sqlite3 into the repository (nor read another test's)."""
    for var in list(os.environ):
        if var.startswith(SCRUBBED_PREFIXES) and var not in RUNNER_VARS:
            monkeypatch.delenv(var)
    path = tmp_path_factory.getbasetemp() / f"history-{next(_history_files)}.sqlite3"
    monkeypatch.setenv("STATUSBOARD_DATABASE_URL", f"sqlite:///{path}")


@pytest.fixture
def clock() -> ManualClock:
    """A `harness.clock.ManualClock` at T0; hand it to a poller, client or demo server."""
    return ManualClock()


@dataclass(frozen=True)
class CliRun:
    status: int
    stdout: str
    stderr: str


@pytest.fixture
def run_cli() -> Callable[..., CliRun]:
    """`run_cli("fetch", "--format", "csv", env={...})` runs `python -m stats_client` in this
    process through `main(argv)`, with only `env` as its environment; argparse's exits count."""
    from stats_client.cli import main

    def run(*args: str, env: Mapping[str, str] | None = None) -> CliRun:
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                status = main(list(args), env=dict(env or {}), stdout=out, stderr=err)
            except SystemExit as exc:  # argparse's usage errors and --help
                status = exc.code if isinstance(exc.code, int) else 1
        return CliRun(status, out.getvalue(), err.getvalue())

    return run


# -- keys: generating an RSA key costs ~0.1-1 s, so one per test session ------------------------
@pytest.fixture(scope="session")
def app_key() -> rsa.RSAPrivateKey:
    """The application's RSA key (the system-user flow signs with it)."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="session")
def other_key() -> rsa.RSAPrivateKey:
    """A second RSA key: the wrong one, or a rogue signer."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="session")
def key_path(app_key: rsa.RSAPrivateKey,
             tmp_path_factory: pytest.TempPathFactory) -> tuple[rsa.RSAPrivateKey, Path]:
    """`app_key` and the PEM (PKCS#8) file holding it, as SUPEROFFICE_PRIVATE_KEY names it."""
    path = tmp_path_factory.mktemp("keys") / "app.pem"
    path.write_bytes(app_key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return app_key, path


@pytest.fixture
def demo_server() -> Iterator[DemoNetServer]:
    """A fresh demo NetServer (seed 42, no authentication) on a free port, stopped afterwards."""
    srv = DemoNetServer(port=0).start()
    try:
        yield srv
    finally:
        srv.stop()


@pytest.fixture
def demo_server_factory() -> Iterator[Callable[..., DemoNetServer]]:
    """`make(**DemoNetServer kwargs)` → a started server; every one is stopped at teardown."""
    started: list[DemoNetServer] = []

    def make(**kwargs: Any) -> DemoNetServer:
        kwargs.setdefault("port", 0)
        srv = DemoNetServer(**kwargs).start()
        started.append(srv)
        return srv

    yield make
    for srv in started:
        srv.stop()


@pytest.fixture
def reference_dir() -> Path:
    """../shared/reference/superoffice next to the repo; tests using it skip when it is absent."""
    path = REPO_ROOT.parent / "shared" / "reference" / "superoffice"
    if not path.is_dir():
        pytest.skip(f"reference folder {path} is absent (optional, outside the repo)")
    return path


# -- the wall screen (AppTest): one real frame, fetched over HTTP, injected into the app --------
@pytest.fixture(scope="session")
def demo_frame() -> Any:
    """A frame of every panel, fetched once from a demo NetServer by the real SOAP client."""
    from stats_client.client import open_client
    from stats_client.panels import ALL_PANELS
    from stats_client.settings import Settings

    with DemoNetServer(port=0) as srv, open_client(Settings(url=srv.url)) as client:
        return client.fetch_frame(ALL_PANELS)


@pytest.fixture
def open_screen() -> Iterator[Callable[..., Any]]:
    """`open_screen(page, source=..., clock=..., demo=..., query=..., secrets=...)` runs
    dashboard.py in AppTest on `page` (e.g. "pages/trends.py"; None = the first screen) with
    `board.runtime.inject(source, ...)` when a source is given; the injection is undone after."""
    from streamlit import config as st_config
    from streamlit.testing.v1 import AppTest

    from board import runtime

    def open_(page: str | None = None, *, source: Any = None, query: dict[str, str] | None = None,
              secrets: dict[str, Any] | None = None, address: str = "127.0.0.1",
              **inject: Any) -> Any:
        # The listener `statusboard serve` has by default (this machine only), unless the
        # test says otherwise: what the Connection screen may show depends on it.
        st_config.set_option("server.address", address)
        if source is not None:
            runtime.inject(source, **inject)
        at = AppTest.from_file(str(REPO_ROOT / "dashboard.py"), default_timeout=30)
        at.query_params.update(query or {})
        if secrets:
            at.secrets.update(secrets)
        at.run()
        if page is not None:
            at.switch_page(page).run()
        return at

    yield open_
    runtime.clear_injection()
    st_config.set_option("server.address", None)


# -- alerts and digests: a board polling a demo NetServer, a webhook that keeps what arrives ----
@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """A json:// webhook on loopback (harness.receiver) that keeps every message posted."""
    r = Receiver()
    yield r
    r.close()


@pytest.fixture
def quick_alerts(monkeypatch: pytest.MonkeyPatch) -> None:
    """Files watched and refused messages retried within a fraction of a second."""
    from statusboard import alerts, deployment

    monkeypatch.setattr(deployment, "WATCH_EVERY_S", 0.1)
    monkeypatch.setattr(alerts, "RETRY_DELAYS_S", (0.05, 0.05))


@pytest.fixture
def started(quick_alerts: None) -> Iterator[Callable[..., Any]]:
    """`start(toml, url, **env)` → a started Deployment of `toml` polling `url` every second
    (no history unless `env` names a store); every one is stopped at teardown."""
    from stats_client.history import Location
    from statusboard.deployment import Deployment, Options

    made: list[Deployment] = []

    def start(toml: Path, url: str, **env: str) -> Deployment:
        dep = Deployment(Options(Location(toml, toml.parent / "data", named=True),
                                 env={"SUPEROFFICE_URL": url, "STATUSBOARD_INTERVAL": "1",
                                      "STATUSBOARD_MAX_BACKOFF": "1",
                                      "STATUSBOARD_DATABASE_URL": "off", **env},
                                 cwd=toml.parent, secrets={}))
        made.append(dep)
        return dep.start()

    yield start
    for dep in made:
        dep.stop()
