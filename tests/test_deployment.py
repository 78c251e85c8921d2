"""statusboard.deployment: one deployment polls and records with no screen and no Streamlit,
puts an edited configuration or secrets file in force by itself, and on stop writes its last
poll and gives up the lease. Against real demo NetServers over HTTP and real SQLite files."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from harness.waiting import wait_for
from netserver_demo import DemoNetServer
from stats_client.history import HistoryStore, Location
from statusboard import deployment
from statusboard.deployment import Deployment, Options

REPO = Path(__file__).resolve().parent.parent
SCREEN = '[[screens]]\nid = "status"\ntitle = "{title}"\npanels = [{panels}]\n'


@pytest.fixture(autouse=True)
def _quick_watch(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(deployment, "WATCH_EVERY_S", 0.1)


@pytest.fixture
def started() -> Iterator[Callable[..., Deployment]]:
    """`start(options)` → a started deployment; every one is stopped at teardown."""
    made: list[Deployment] = []

    def start(options: Options, **kwargs: object) -> Deployment:
        dep = Deployment(options)
        made.append(dep)
        return dep.start(**kwargs)  # type: ignore[arg-type]

    yield start
    for dep in made:
        dep.stop()


def options(tmp_path: Path, url: str | None, *, history: bool = True,
            config: Path | None = None, **env: str) -> Options:
    base = {"STATUSBOARD_INTERVAL": "1", "STATUSBOARD_MAX_BACKOFF": "1", **env}
    if url is not None:
        base["SUPEROFFICE_URL"] = url
    if not history:
        base["STATUSBOARD_DATABASE_URL"] = "off"
    return Options(Location(config, tmp_path / "data", named=config is not None), env=base,
                   cwd=tmp_path)


def screens(path: Path, title: str, *panels: str) -> None:
    path.write_text(SCREEN.format(title=title, panels=", ".join(f'"{p}"' for p in panels)))


_NO_STREAMLIT = """
import json, sys
from pathlib import Path
from stats_client.history import Location
from statusboard.deployment import Deployment, Options
data = Path(sys.argv[2])
dep = Deployment(Options(Location(None, data), env={"SUPEROFFICE_URL": sys.argv[1],
                                                    "STATUSBOARD_INTERVAL": "1"}, cwd=data))
dep.start(wait_first_poll=60)
desk = dep.state.desk
desk.poller.wait_until(lambda snap: snap.seq > 0, 60)
import time
deadline = time.monotonic() + 60
while desk.recorder.recorded < 1 and time.monotonic() < deadline:
    time.sleep(0.05)
print(json.dumps({"seq": desk.latest().seq, "recorded": desk.recorder.recorded, "desk": desk.id,
                  "streamlit": sorted(m for m in sys.modules if m.split(".")[0] == "streamlit")}))
dep.stop()
"""


def test_a_deployment_polls_and_records_with_no_screen_and_no_streamlit(
        demo_server: DemoNetServer, tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, "-c", _NO_STREAMLIT, demo_server.url, str(tmp_path)],
                          cwd=REPO, capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stderr
    got = json.loads(proc.stdout)
    assert got["streamlit"] == []
    assert got["seq"] >= 1
    assert got["recorded"] >= 1
    assert got["desk"].startswith(demo_server.url.lower())
    store = HistoryStore.open(f"sqlite:///{tmp_path / 'history.sqlite3'}", desk=got["desk"])
    try:
        assert store.last_snapshot() is not None  # a restart opens on it
    finally:
        store.close()


def test_polling_begins_at_start_and_stop_releases_the_lease_for_the_next(
        demo_server: DemoNetServer, tmp_path: Path,
        started: Callable[..., Deployment]) -> None:
    first = started(options(tmp_path, demo_server.url), wait_first_poll=60)
    assert deployment.running() is first
    desk = first.state.desk
    assert desk is not None
    assert desk.recorder.status.role == "polling"
    wait_for(lambda: desk.recorder.recorded >= 1, what="the first poll recorded")
    first.stop()
    first.stop()  # twice is harmless
    assert deployment.running() is None
    assert desk.poller.stopped
    calls = demo_server.call_count("GetStatistics")
    # The lease was given up on stop: the next deployment on the same store polls at once,
    # rather than following a holder that is gone until its lease expires.
    second = started(options(tmp_path, demo_server.url), wait_first_poll=60)
    other = second.state.desk
    assert other is not None
    wait_for(lambda: demo_server.call_count("GetStatistics") > calls,
             what="the second deployment's own poll")
    assert other.recorder.status.role == "polling"


def test_an_edited_file_is_in_force_at_once_and_desks_are_rebuilt_only_when_needed(
        demo_server: DemoNetServer, tmp_path: Path,
        started: Callable[..., Deployment]) -> None:
    from board import runtime

    toml = tmp_path / "statusboard.toml"
    screens(toml, "Desk", "StatusScreen")
    dep = started(options(tmp_path, demo_server.url, history=False, config=toml))
    desk = dep.state.desk
    page = runtime.of(dep)  # what a page drew
    assert page.config.screens[0].title == "Desk"
    assert not page.replaced

    screens(toml, "Support desk", "StatusScreen")  # a title: the same desk polls on
    wait_for(lambda: dep.state.config.screens[0].title == "Support desk",
             what="the edited title in force")
    assert dep.state.desk is desk
    assert not desk.poller.stopped
    assert page.replaced  # open pages run again and draw the new title

    screens(toml, "Support desk", "StatusScreen", "Hotlist")  # a panel: polled from now on
    wait_for(lambda: dep.state.desk is not desk, what="a desk polling the new panels")
    wait_for(lambda: desk.poller.stopped, what="the old desk stopped")
    new = dep.state.desk
    assert new is not None
    assert "Hotlist" in [p.wire_name for p in new.panels]

    toml.write_text("rotate = 3\n")  # a wrong value: a sentence, the rest applies
    wait_for(lambda: dep.state.problems, what="the problem of the edited file")
    assert "rotate" in dep.state.problems[0]
    assert str(toml.name) in dep.state.problems[0]


def test_a_secrets_file_written_later_points_the_board_at_its_netserver(
        demo_server_factory: Callable[..., DemoNetServer], tmp_path: Path,
        started: Callable[..., Deployment]) -> None:
    """No URL anywhere: demo mode. The NetServer in .streamlit/secrets.toml of the working
    folder, saved later, is polled from then on, with no restart."""
    password = "secret-Pa55-in-a-file"
    real = demo_server_factory(users={"kiosk": password})
    dep = started(options(tmp_path, None, history=False), wait_first_poll=60)
    assert dep.state.desk is not None
    assert dep.state.desk.demo
    folder = tmp_path / ".streamlit"
    folder.mkdir()
    (folder / "secrets.toml").write_text(
        f'[superoffice]\nurl = "{real.url}"\nuser = "kiosk"\npassword = "{password}"\n')
    wait_for(lambda: dep.state.desk is not None and not dep.state.desk.demo,
             what="the desk of the secrets file")
    desk = dep.state.desk
    assert desk is not None
    desk.poller.wait_until(lambda snap: snap.seq > 0, 60)
    assert real.call_count("AuthenticateUsernamePassword") >= 1
    assert password not in repr(dep.state)
    assert password not in repr(desk.connection())


def test_a_broken_secrets_file_is_a_sentence_naming_it(
        tmp_path: Path, started: Callable[..., Deployment]) -> None:
    (tmp_path / ".streamlit").mkdir()
    broken = tmp_path / ".streamlit" / "secrets.toml"
    broken.write_text('SUPEROFFICE_URL = "https://netserver/Cust1\n')
    dep = started(options(tmp_path, None, history=False))
    (problem,) = dep.state.problems
    assert str(broken) in problem
    assert "could not be read" in problem
    assert dep.state.desk is not None
    assert dep.state.desk.demo


def test_a_credential_the_client_cannot_use_is_fatal_not_a_crash(
        tmp_path: Path, started: Callable[..., Deployment]) -> None:
    dep = started(options(tmp_path, "ftp://netserver/Cust1", history=False))
    assert dep.state.desk is None
    assert dep.state.fatal is not None
    assert "SUPEROFFICE_URL" in dep.state.fatal


def test_a_file_broken_while_running_keeps_what_was_read_and_says_so_in_the_log(
        demo_server: DemoNetServer, tmp_path: Path, started: Callable[..., Deployment],
        caplog: pytest.LogCaptureFixture) -> None:
    """Regression (review): an editor half-way through saving, or a typo in the TOML, threw
    the board's own layout away for the built-in one (and restarted the poller); and problems
    reached only the screen, never the log an unattended board's operator reads."""
    toml = tmp_path / "statusboard.toml"
    screens(toml, "Own layout", "StatusScreen")
    dep = started(options(tmp_path, demo_server.url, history=False, config=toml))
    desk = dep.state.desk
    with caplog.at_level("WARNING", logger="statusboard"):
        toml.write_text('[[screens]]\ntitle = "half-saved\n')
        wait_for(lambda: dep.state.problems, what="the problem of the broken file")
    (problem,) = dep.state.problems
    assert "is not valid TOML" in problem
    assert problem.endswith("the configuration read before stays in force.")
    assert dep.state.config.screens[0].title == "Own layout"
    assert dep.state.desk is desk  # polling went on undisturbed
    assert [r.getMessage() for r in caplog.records if r.levelname == "WARNING"] == [problem]


def test_no_secret_in_the_reprs_of_what_runs(tmp_path: Path) -> None:
    password, db_password, ticket = "Hunter2-pw", "S3cret-db", "7T:tick-et"
    opts = Options.from_environment(
        {"SUPEROFFICE_URL": "https://crm.example.com/Cust1", "SUPEROFFICE_PASSWORD": password,
         "SUPEROFFICE_USER": "u",
         "STATUSBOARD_DATABASE_URL": f"postgresql://board:{db_password}@db/status"},
        cwd=tmp_path, secrets={"SUPEROFFICE_TICKET": ticket})
    history = deployment.history_settings(opts.env, opts.location, deployment.Retention())
    plan = deployment.Plan("", "key", 30.0, (), None, history)  # what a desk keeps
    text = repr(opts) + repr(history) + repr(plan)
    for secret in (password, db_password, ticket):
        assert secret not in text
    assert "board:***@db" in repr(history)


def test_a_new_label_keeps_the_desk_polling(demo_server_factory: Callable[..., DemoNetServer],
                                            tmp_path: Path,
                                            started: Callable[..., Deployment]) -> None:
    """Regression (review): a label-only edit stopped the desk and built it again."""
    north = demo_server_factory(seed=1)
    toml = tmp_path / "statusboard.toml"
    toml.write_text(f'[desks.north]\nlabel = "North"\nurl = "{north.url}"\n')
    dep = started(options(tmp_path, None, history=False, config=toml))
    desk = dep.state.desks["north"]
    toml.write_text(f'[desks.north]\nlabel = "Nord"\nurl = "{north.url}"\n')
    wait_for(lambda: dep.state.labels.get("north") == "Nord", what="the new label in force")
    assert dep.state.desks["north"] is desk
    assert desk.label == "Nord"
    assert not desk.poller.stopped


def test_two_ids_for_one_site_poll_it_once_and_say_so(
        demo_server_factory: Callable[..., DemoNetServer], tmp_path: Path,
        started: Callable[..., Deployment]) -> None:
    """A site is one desk: a second [desks] table for it (here by its REST address) is that
    desk's sentence, and the site is polled and stored once, under the first id."""
    site = demo_server_factory(seed=1)
    toml = tmp_path / "statusboard.toml"
    toml.write_text(f'[desks.north]\nurl = "{site.url}"\n'
                    f'[desks.again]\nurl = "{site.url}/api/v1/"\ntransport = "rest"\n')
    dep = started(options(tmp_path, None, history=False, config=toml))
    assert list(dep.state.desks) == ["north"]
    assert dep.state.failed["again"].startswith(
        "Desk again polls the same site as desk north (http://127.0.0.1:")
    assert dep.state.names == ("north", "again")


def test_plain_http_to_another_machine_is_logged_and_on_the_connection_screen(
        tmp_path: Path, started: Callable[..., Deployment],
        caplog: pytest.LogCaptureFixture) -> None:
    from board.connection import connection_rows
    from stats_client.poller import Snapshot

    with caplog.at_level("WARNING", logger="statusboard"):
        dep = started(options(tmp_path, "http://crm.example.invalid/Cust1", history=False))
    desk = dep.state.desk
    assert desk is not None
    said = [r.getMessage() for r in caplog.records if "plain http://" in r.getMessage()]
    assert len(said) == 1
    rows = dict(connection_rows(desk.connection(), Snapshot(), interval=1, demo=False,
                                source="built in"))
    assert rows["Not secure"].startswith("SUPEROFFICE_URL is plain http:// to another machine")


def test_the_history_buffer_is_set_in_the_history_table_and_reported_in_the_metrics(
        demo_server: DemoNetServer, tmp_path: Path,
        started: Callable[..., Deployment]) -> None:
    from prometheus_client import generate_latest

    from stats_client.history import BacklogBound

    toml = tmp_path / "statusboard.toml"
    screens(toml, "Desk", "StatusScreen")
    with toml.open("a") as f:
        f.write("[history]\nbuffer_polls = 500\nbuffer_mb = 8\n")
    dep = started(options(tmp_path, demo_server.url, config=toml))
    desk = dep.state.desk
    assert desk is not None
    assert dep.state.problems == ()
    assert desk.recorder.backlog.bound == BacklogBound(polls=500, bytes=8 * 2**20)
    wait_for(lambda: desk.recorder.recorded > 0, what="a poll recorded")
    text = generate_latest(dep.metrics.registry).decode()
    label = f'{{desk="{desk.key}"}}'
    assert f"statusboard_history_available{label} 1.0" in text
    assert f"statusboard_history_waiting_polls{label} 0.0" in text
    assert f"statusboard_history_oldest_waiting_seconds{label} 0.0" in text
