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


# -- kiosk-url: the address a TV opens (deploy/kiosk/) -----------------------------------------
KIOSK_TOML = """\
[[screens]]
id = "status"
title = "Status"
panels = ["StatusScreen"]

[[screens]]
id = "workload"
title = "Workload"
panels = ["OpenRequestsPerPriority"]

[desks.north]
url = "https://crm.example.com/Cust1"

[desks.south]
url = "https://crm.example.com/Cust2"
"""


@pytest.fixture
def kiosk_toml(tmp_path: Path) -> str:
    toml = tmp_path / "statusboard.toml"
    toml.write_text(KIOSK_TOML)
    return str(toml)


@pytest.mark.parametrize(("args", "url"), [
    ((), "http://localhost:8501/?embed=true"),
    (("--base", "http://board:8501/"), "http://board:8501/?embed=true"),
    (("--base", "http://board:8501", "--screen", "status"), "http://board:8501/?embed=true"),
    (("--base", "https://wall.example.com/board", "--screen", "workload", "--rotate", "60"),
     "https://wall.example.com/board/workload?embed=true&rotate=60"),
    (("--base", "http://board:8501", "--rotate", "off"), "http://board:8501/?embed=true&rotate=0"),
    (("--base", "http://board:8501", "--screen", "desks", "--desk", "south", "--rotate", "5"),
     "http://board:8501/desks?embed=true&rotate=5&desk=south"),
    (("--base", "http://board:8501", "--screen", "connection"),
     "http://board:8501/connection?embed=true"),
    (("--base", "http://board:8501", "--desk", "north", "--key", "tv-lobby-8f3k2m9q"),
     "http://board:8501/?embed=true&desk=north&key=tv-lobby-8f3k2m9q"),
    (("--base", "http://board:8501", "--name", " Support  room "),
     "http://board:8501/?embed=true&display=Support%20room"),
])
def test_kiosk_url_prints_the_address_a_tv_opens(kiosk_toml: str, args: tuple[str, ...],
                                                 url: str) -> None:
    status, out, err = run("kiosk-url", "--config", kiosk_toml, *args)
    assert (status, err) == (0, "")
    assert out == url + "\n"


def test_kiosk_url_refuses_a_name_with_nothing_to_read(kiosk_toml: str) -> None:
    status, out, err = run("kiosk-url", "--config", kiosk_toml, "--name", " \t ")
    assert (status, out) == (2, "")
    one_line(err, "--name must have a letter or digit in it")


def test_kiosk_url_takes_the_display_key_from_the_environment(kiosk_toml: str) -> None:
    env = {"STATUSBOARD_DISPLAY_KEY": " wall-key "}
    status, out, _ = run("kiosk-url", "--config", kiosk_toml, env=env)
    assert (status, out) == (0, "http://localhost:8501/?embed=true&key=wall-key\n")
    status, out, _ = run("kiosk-url", "--config", kiosk_toml, "--key", "given", env=env)
    assert (status, out) == (0, "http://localhost:8501/?embed=true&key=given\n")  # --key wins
    # The server's setting may list a key per TV: which one is this TV's is --key's to say.
    status, out, err = run("kiosk-url", "--config", kiosk_toml,
                           env={"STATUSBOARD_DISPLAY_KEY": "tv-lobby-8f3k2m9q,tv-floor2-1p7x4c8z"})
    assert (status, out) == (2, "")
    one_line(err, "STATUSBOARD_DISPLAY_KEY holds several display keys", "--key")
    assert "8f3k2m9q" not in err


def test_kiosk_url_finds_the_configuration_as_serve_does(kiosk_toml: str) -> None:
    status, out, err = run("kiosk-url", "--screen", "workload", "--desk", "north",
                           env={"STATUSBOARD_CONFIG": kiosk_toml})
    assert status == 0, err
    assert out == "http://localhost:8501/workload?embed=true&desk=north\n"


@pytest.mark.parametrize(("args", "words"), [
    (("--screen", "trends"), ["--screen trends is not a screen", "status, workload, desks, "
                                                                  "connection"]),
    (("--desk", "east"), ["--desk east is not under [desks]", "north, south"]),
    (("--rotate", "4"), ["--rotate must be 0 (no rotation) or a whole number of seconds from 5 "
                         "to 86400", "'4'"]),
    (("--rotate", "86401"), ["--rotate must be"]),
    (("--rotate", "1e3"), ["--rotate must be"]),
    (("--base", "board:8501"), ["--base board:8501 is not the board's address"]),
    (("--base", "http://board:8501/?embed=true"), ["is not the board's address", "no query"]),
    (("--base", "http://board:99999"), ["is not the board's address"]),
    (("--key", " "), ["--key is empty", "STATUSBOARD_DISPLAY_KEY"]),
    (("--key", "tv-1,tv-2"), ["--key holds several display keys", "this TV's own"]),
    (("--key", "k3y&x=1"), ["the display key may hold only letters"]),
])
def test_kiosk_url_wrong_options_are_one_sentence(kiosk_toml: str, args: tuple[str, ...],
                                                  words: list[str]) -> None:
    status, out, err = run("kiosk-url", "--config", kiosk_toml, *args)
    assert (status, out) == (2, "")
    one_line(err, *words)


def test_kiosk_url_never_repeats_a_user_and_password_in_the_base(kiosk_toml: str) -> None:
    status, out, err = run("kiosk-url", "--config", kiosk_toml, "--base",
                           "http://admin:hunter2@board:8501")
    assert (status, out) == (2, "")
    one_line(err, "--base names a user")
    assert "hunter2" not in err


def test_kiosk_url_desk_needs_desks_and_config_must_exist(tmp_path: Path) -> None:
    one_desk = tmp_path / "one.toml"
    one_desk.write_text('[[screens]]\nid = "status"\ntitle = "S"\npanels = ["StatusScreen"]\n')
    status, _, err = run("kiosk-url", "--config", str(one_desk), "--desk", "north")
    assert status == 2
    one_line(err, "--desk north", "names no desks", "leave --desk out")
    status, _, err = run("kiosk-url", "--config", str(one_desk), "--screen", "desks")
    assert status == 2  # one desk: no Desks screen
    one_line(err, "--screen desks is not a screen", "status, connection")
    status, _, err = run("kiosk-url", "--config", str(tmp_path / "typo.toml"))
    assert status == 2
    one_line(err, "typo.toml does not exist", "--config")
    broken = tmp_path / "broken.toml"
    broken.write_text("[[screens]\n")
    status, _, err = run("kiosk-url", "--config", str(broken))
    assert status == 2
    one_line(err, "is not valid TOML", "before pointing a TV at the board")
