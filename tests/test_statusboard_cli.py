"""`statusboard` (board.cli): --version, the data commands handed to `python -m stats_client`,
and `serve`'s wrong options as one line and exit status 2, never a traceback. (`serve` itself
runs in the browser tests and, installed from the wheel, in tests/browser/test_installed.py.)"""

from __future__ import annotations

import contextlib
import io
import socket
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from board.cli import main
from netserver_demo import DemoNetServer
from stats_client.history import HistoryStore
from statusboard import __version__


def run(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            status = main(list(args), env=env or {}, stderr=err)
        except SystemExit as exc:  # argparse's --version, --help and usage errors
            status = exc.code if isinstance(exc.code, int) else 1
    return status, out.getvalue(), err.getvalue()


def one_line(err: str, *words: str) -> None:
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("error: ")
    assert "Traceback" not in err
    for word in words:
        assert word in lines[0]


def test_version() -> None:
    status, out, _ = run("--version")
    assert status == 0
    assert out.strip() == f"statusboard {__version__}"


def test_fetch_is_the_data_sides_fetch(demo_server: DemoNetServer) -> None:
    status, out, err = run("fetch", "--url", demo_server.url, "--panels", "UnassignedRequests",
                           "--format", "csv")
    assert status == 0, err
    header, *rows = out.splitlines()
    assert header.startswith("panel,")
    assert rows
    assert all(r.startswith("UnassignedRequests,") for r in rows)


def test_history_reads_the_data_folder_it_is_given(tmp_path: Path) -> None:
    status, out, err = run("history", "--data-dir", str(tmp_path), "--since", "2h")
    assert status == 2
    assert out == ""
    one_line(err, f"no history at {tmp_path / 'history.sqlite3'}", "--data-dir")
    assert not (tmp_path / "history.sqlite3").exists()  # a wrong folder is not made a store
    HistoryStore.open(f"sqlite:///{tmp_path / 'history.sqlite3'}").close()  # a board's store
    status, out, err = run("history", "--data-dir", str(tmp_path), "--since", "2h",
                           "--format", "csv")
    assert status == 0, err
    assert out.splitlines()[0].startswith("time,")


def test_the_data_commands_usage_names_statusboard() -> None:
    status, out, _ = run("history", "--help")
    assert status == 0
    assert out.startswith("usage: statusboard history")


def test_a_configuration_file_that_is_not_there_is_one_sentence(tmp_path: Path) -> None:
    typo = tmp_path / "statusbaord.toml"
    status, _, err = run("serve", "--config", str(typo))
    assert status == 2
    one_line(err, f"the configuration file {typo} does not exist", "--config")
    assert list(tmp_path.iterdir()) == []  # nothing made beside it


def test_a_port_in_use_is_one_sentence(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        status, out, err = run("serve", "--port", str(port), "--data-dir", str(tmp_path))
    assert status == 2
    assert out == ""
    one_line(err, f"port {port} is already in use", "--port")


def test_a_data_folder_that_cannot_be_made_is_one_sentence(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    status, _, err = run("serve", "--data-dir", str(blocker / "data"))
    assert status == 2
    one_line(err, "cannot create the data folder", str(blocker / "data"), "--data-dir")


def test_an_address_that_is_not_this_machines_is_one_sentence(tmp_path: Path) -> None:
    status, _, err = run("serve", "--address", "no-such-host.invalid", "--data-dir",
                         str(tmp_path))
    assert status == 2
    one_line(err, "--address no-such-host.invalid")


@pytest.mark.parametrize(("address", "key"), [("0.0.0.0", None), ("::", None),
                                               ("0.0.0.0", "short"), ("0.0.0.0", "a b c d e f g")])
def test_beyond_this_machine_without_a_display_key_is_refused(tmp_path: Path, address: str,
                                                             key: str | None) -> None:
    """Anyone who can reach the port would see every screen: a display key, or --public."""
    env = {"STATUSBOARD_DISPLAY_KEY": key} if key is not None else {}
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    status, _, err = run("serve", "--address", address, "--port", str(port), "--data-dir",
                         str(tmp_path), env=env)
    assert status == 2
    if key is None:
        one_line(err, f"--address {address} serves the board beyond this machine",
                 "STATUSBOARD_DISPLAY_KEY", "--public")
    else:
        one_line(err, "STATUSBOARD_DISPLAY_KEY: key 1 of 1 must be at least 12")
        assert key not in err.removeprefix("error: STATUSBOARD_DISPLAY_KEY")


@pytest.mark.parametrize("port", ["0", "70000", "http"])
def test_a_port_that_is_no_port_is_a_usage_error(port: str) -> None:
    status, _, err = run("serve", "--port", port)
    assert status == 2
    assert "TCP port number" in err
    assert "Traceback" not in err


@pytest.fixture
def two_desks(tmp_path: Path,
              demo_server_factory: Callable[..., DemoNetServer]) -> dict[str, Any]:
    north = demo_server_factory(seed=1, users={"kiosk": "north-pw"})
    south = demo_server_factory(seed=2)
    toml = tmp_path / "statusboard.toml"
    toml.write_text(f'[desks.north]\nurl = "{north.url}"\nuser = "kiosk"\n\n'
                    f'[desks.south]\nurl = "{south.url}"\n')
    env = {"STATUSBOARD_CONFIG": str(toml), "SUPEROFFICE_NORTH_PASSWORD": "north-pw",
           "HOME": str(tmp_path)}
    return {"north": north, "south": south, "env": env}


def test_fetch_takes_a_desk_of_the_configuration_with_its_own_secret(
        two_desks: dict[str, Any]) -> None:
    status, out, err = run("fetch", "--desk", "north", "--panels", "UnassignedRequests",
                           "--format", "csv", env=two_desks["env"])
    assert status == 0, err
    assert out.splitlines()[1].startswith("UnassignedRequests,")
    assert two_desks["north"].call_count("AuthenticateUsernamePassword") == 1
    assert two_desks["south"].call_count("GetStatistics") == 0
    assert "north-pw" not in out + err


def test_with_several_desks_fetch_names_them_when_none_is_chosen(
        two_desks: dict[str, Any]) -> None:
    status, out, err = run("fetch", "--format", "csv", env=two_desks["env"])
    assert status == 2
    assert out == ""
    one_line(err, "names several desks (north, south); choose one with --desk")
    status, _, err = run("fetch", "--desk", "east", env=two_desks["env"])
    assert status == 2
    one_line(err, "--desk east is not under [desks]", "north, south")


def test_history_finds_the_desk_in_the_configuration_given_on_the_command_line(
        two_desks: dict[str, Any], tmp_path: Path) -> None:
    env = {k: v for k, v in two_desks["env"].items() if k != "STATUSBOARD_CONFIG"}
    toml = two_desks["env"]["STATUSBOARD_CONFIG"]
    HistoryStore.open(f"sqlite:///{tmp_path / 'history.sqlite3'}").close()
    status, _, err = run("history", "--config", toml, "--desk", "north", "--since", "1h",
                         env=env)
    assert status == 2  # the desk is known by the file, and its store holds nothing of it
    one_line(err, "holds no values of the desk", two_desks["north"].url.lower())
