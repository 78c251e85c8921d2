"""What an office installs (deploy/, Dockerfile, compose.yaml), checked without installing it:
the systemd unit by `systemd-analyze verify` where the tool exists and by its directives always,
the kiosk launcher by running it with a stand-in for Chromium that records how it was started,
the container files by parsing them (this machine builds no images). The commands the files
run are parsed with the board's own command line, so a unit or image that would start the
board with a wrong option fails here, not on the server."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import signal
import stat
import subprocess
from pathlib import Path

import pytest
import yaml
from dockerfile_parse import DockerfileParser

from board.cli import build_parser
from harness.browser import (
    CHROMIUM_ARGS,
    KIOSK_DIR,
    SHARED_CHROMIUM_ARGS,
    TEST_ONLY_CHROMIUM_ARGS,
    read_flags,
)

REPO = Path(__file__).resolve().parents[1]
UNIT = REPO / "deploy" / "statusboard.service"
README = (REPO / "README.md").read_text("utf-8")
DATA_DIR = "/var/lib/statusboard"
#: Names whose values are secrets: never written in a file that is not the secrets' own.
SECRET_NAME = re.compile(r"PASSWORD|PASSWD|TOKEN|TICKET|SECRET|PRIVATE_KEY|DISPLAY_KEY|API_KEY",
                         re.IGNORECASE)
#: A URL with a password in it (scheme://user:password@host).
URL_PASSWORD = re.compile(r"://[^/\s:@]+:[^/\s@]+@")
TIMEOUT_S = 60


# -- the systemd unit ---------------------------------------------------------------------------
def unit_directives(text: str) -> dict[str, dict[str, list[str]]]:
    """section → key → every value given, in order (systemd allows a key again: ExecStart=)."""
    sections: dict[str, dict[str, list[str]]] = {}
    current: dict[str, list[str]] | None = None
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("[") and line.endswith("]"):
            current = sections.setdefault(line[1:-1], {})
            continue
        assert current is not None, f"a directive outside a section: {line!r}"
        assert not line.endswith("\\"), "one directive a line keeps the test's reading honest"
        key, _, value = line.partition("=")
        current.setdefault(key.strip(), []).append(value.strip())
    return sections


@pytest.fixture(scope="module")
def unit() -> dict[str, dict[str, list[str]]]:
    return unit_directives(UNIT.read_text("utf-8"))


def test_the_unit_runs_the_board_as_its_own_user_with_its_secrets_in_a_file(
        unit: dict[str, dict[str, list[str]]]) -> None:
    service = unit["Service"]
    assert service["User"] == ["statusboard"]
    assert service["Group"] == ["statusboard"]
    assert service["EnvironmentFile"] == ["/etc/statusboard/env"]
    assert "Environment" not in service, "settings with secrets belong in the EnvironmentFile"
    assert service["Restart"] == ["on-failure"]
    assert unit["Install"]["WantedBy"] == ["multi-user.target"]
    (command,) = service["ExecStart"]
    argv = shlex.split(command)
    assert argv[0] == "/opt/statusboard/bin/statusboard"
    args = build_parser().parse_args(argv[1:])  # what `statusboard serve` would make of it
    assert args.command == "serve"
    assert args.config == "/etc/statusboard/statusboard.toml"
    assert args.data_dir == DATA_DIR
    assert args.address == "127.0.0.1", "loopback unless the operator says otherwise"


@pytest.mark.parametrize(("key", "value"), [
    ("NoNewPrivileges", "yes"),
    ("ProtectSystem", "strict"),
    ("ProtectHome", "yes"),
    ("PrivateTmp", "yes"),
    ("ReadWritePaths", DATA_DIR),  # the data folder only
    ("StateDirectory", "statusboard"),
    ("UMask", "0077"),
])
def test_the_unit_is_hardened(unit: dict[str, dict[str, list[str]]], key: str,
                              value: str) -> None:
    assert unit["Service"].get(key) == [value]


@pytest.mark.skipif(shutil.which("systemd-analyze") is None,
                    reason="systemd-analyze is not installed (Debian's systemd package); the "
                           "unit's directives are still checked above")
def test_systemd_analyze_verify_finds_nothing_in_the_unit(tmp_path: Path) -> None:
    # A root of its own: the unit in /etc/systemd/system beside the system's own units, and an
    # executable where pip puts the board (verify checks that ExecStart can run).
    root = tmp_path / "root"
    units = root / "etc" / "systemd" / "system"
    units.mkdir(parents=True)
    shutil.copy(UNIT, units / UNIT.name)
    for system_units in (Path("/usr/lib/systemd/system"), Path("/lib/systemd/system")):
        if system_units.is_dir():
            shutil.copytree(system_units, root / "usr" / "lib" / "systemd" / "system",
                            symlinks=True)
            break
    board = root / "opt" / "statusboard" / "bin" / "statusboard"
    board.parent.mkdir(parents=True)
    board.write_text("#!/bin/sh\n")
    board.chmod(0o755)
    done = subprocess.run(["systemd-analyze", "verify", f"--root={root}", str(units / UNIT.name)],
                          capture_output=True, text=True, timeout=TIMEOUT_S, check=False)
    # verify warns about an unknown key or a bad value and still exits 0: any output fails.
    assert (done.returncode, done.stdout + done.stderr) == (0, "")


def test_the_readme_installs_the_unit_with_its_secrets_file_private() -> None:
    for step in ("useradd --system", "install -m 0600 /dev/null /etc/statusboard/env",
                 "/etc/statusboard/statusboard.toml", "systemctl enable --now statusboard",
                 "systemctl status statusboard", "journalctl -u statusboard",
                 'sqlite3 /var/lib/statusboard/history.sqlite3 ".backup', "pg_dump"):
        assert step in README, f"README's Deploying section lacks {step!r}"


# -- the kiosk ----------------------------------------------------------------------------------
def test_the_browser_tests_run_chromium_with_the_kiosks_shared_flags() -> None:
    shared = read_flags(KIOSK_DIR / "chromium-flags")
    kiosk = read_flags(KIOSK_DIR / "kiosk-flags")
    assert shared == SHARED_CHROMIUM_ARGS
    assert (*TEST_ONLY_CHROMIUM_ARGS, *shared) == CHROMIUM_ARGS
    assert shared
    assert kiosk
    assert all(flag.startswith("--") and " " not in flag for flag in (*shared, *kiosk))
    assert set(shared).isdisjoint(kiosk), "a flag is shared or the kiosk's own, not both"
    assert set(TEST_ONLY_CHROMIUM_ARGS).isdisjoint((*shared, *kiosk)), (
        "the test machine's own flags (no sandbox, no GPU) never reach a TV")
    assert "--kiosk" in kiosk


FAKE_CHROMIUM = """\
#!/bin/sh
# Chromium's stand-in: records how the launcher started it; the first start "crashes", the
# second stops the launcher as the service manager would.
n=$(( $(cat "$RECORD/count" 2>/dev/null || echo 0) + 1 ))
echo "$n" > "$RECORD/count"
printf '%s\\n' "$@" > "$RECORD/start-$n"
for arg in "$@"; do
  case "$arg" in
    --user-data-dir=*) test -d "${arg#--user-data-dir=}" && echo yes > "$RECORD/profile-$n";;
  esac
done
if [ "$n" -ge 2 ]; then kill -TERM "$PPID"; fi
exit 3
"""


@pytest.fixture
def fake_chromium(tmp_path: Path) -> tuple[Path, Path]:
    record = tmp_path / "record"
    record.mkdir()
    browser = tmp_path / "chromium"
    browser.write_text(FAKE_CHROMIUM)
    browser.chmod(browser.stat().st_mode | stat.S_IXUSR)
    return browser, record


def run_launcher(env: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    base = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "TMPDIR": str(tmp_path),
            "STATUSBOARD_KIOSK_URL_FILE": str(tmp_path / "no-url-file")}
    return subprocess.run([str(KIOSK_DIR / "statusboard-kiosk")], env={**base, **env},
                          capture_output=True, text=True, timeout=TIMEOUT_S, check=False,
                          stdin=subprocess.DEVNULL)


def test_the_kiosk_launcher_starts_chromium_with_the_shared_flags_and_again_after_a_crash(
        fake_chromium: tuple[Path, Path], tmp_path: Path) -> None:
    browser, record = fake_chromium
    url = "http://board.example.com:8501/?embed=true&rotate=60&key=k%26y"
    done = run_launcher({"STATUSBOARD_KIOSK_URL": url, "RECORD": str(record),
                         "STATUSBOARD_KIOSK_BROWSER": str(browser),
                         "STATUSBOARD_KIOSK_WAIT": "0",
                         "STATUSBOARD_KIOSK_RESTART_DELAY": "0"}, tmp_path)
    assert done.returncode == 0, done.stderr  # SIGTERM: a clean stop
    assert (record / "count").read_text().strip() == "2"  # the crashed browser was started again
    assert "exited with status 3; starting it again" in done.stderr
    shared = read_flags(KIOSK_DIR / "chromium-flags")
    kiosk = read_flags(KIOSK_DIR / "kiosk-flags")
    for n in (1, 2):
        argv = (record / f"start-{n}").read_text().splitlines()
        profile = argv[-2]
        assert argv == [*shared, *kiosk, profile, url]
        assert profile.startswith(f"--user-data-dir={tmp_path}/statusboard-kiosk.")
        assert (record / f"profile-{n}").is_file()  # a fresh profile for each start ...
        assert not Path(profile.split("=", 1)[1]).exists()  # ... removed when it ended


def test_the_kiosk_launcher_reads_the_address_from_its_file(
        fake_chromium: tuple[Path, Path], tmp_path: Path) -> None:
    browser, record = fake_chromium
    url_file = tmp_path / "url"
    url_file.write_text("http://board:8501/workload?embed=true\n")
    done = run_launcher({"STATUSBOARD_KIOSK_URL_FILE": str(url_file), "RECORD": str(record),
                         "STATUSBOARD_KIOSK_BROWSER": str(browser),
                         "STATUSBOARD_KIOSK_WAIT": "0",
                         "STATUSBOARD_KIOSK_RESTART_DELAY": "0"}, tmp_path)
    assert done.returncode == 0, done.stderr
    assert (record / "start-1").read_text().splitlines()[-1] == (
        "http://board:8501/workload?embed=true")


@pytest.mark.parametrize("url", ["", "board:8501/?embed=true", "file:///etc/passwd"])
def test_the_kiosk_launcher_without_a_board_address_is_one_sentence(
        fake_chromium: tuple[Path, Path], tmp_path: Path, url: str) -> None:
    browser, record = fake_chromium
    done = run_launcher({"STATUSBOARD_KIOSK_URL": url, "RECORD": str(record),
                         "STATUSBOARD_KIOSK_BROWSER": str(browser)}, tmp_path)
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1
    assert "statusboard kiosk-url" in done.stderr
    assert not (record / "count").exists()  # no browser started


def test_the_kiosk_box_keeps_the_screen_on_hides_the_pointer_and_installs_every_file() -> None:
    xsession = (KIOSK_DIR / "xsession").read_text()
    for off in ("xset s off", "xset s noblank", "xset -dpms"):
        assert off in xsession
    assert 'exec "$(dirname "$0")/statusboard-kiosk"' in xsession
    install = (KIOSK_DIR / "install-kiosk").read_text()
    assert "startx /opt/statusboard-kiosk/xsession -- -nocursor -s 0 -dpms" in install
    assert "--autologin" in install
    installed = " ".join(line for line in install.splitlines()
                         if line.startswith("install -m"))
    for name in ("statusboard-kiosk", "xsession", "chromium-flags", "kiosk-flags"):
        assert f'"$here/{name}"' in installed, f"install-kiosk does not install {name}"
    for script in ("statusboard-kiosk", "xsession", "install-kiosk"):
        path = KIOSK_DIR / script
        assert os.access(path, os.X_OK), f"{path} is not executable"
        shell = "sh" if script == "xsession" else "bash"
        done = subprocess.run([shell, "-n", str(path)], capture_output=True, text=True,
                              timeout=TIMEOUT_S, check=False)
        assert done.returncode == 0, done.stderr


# -- the container ------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def dockerfile() -> DockerfileParser:
    parsed = DockerfileParser(path=str(REPO / "Dockerfile"))
    parsed.cache_content = True
    return parsed


def final_stage(parsed: DockerfileParser) -> list[dict[str, str]]:
    """The instructions of the image that ships (after the last FROM)."""
    structure = [i for i in parsed.structure if i["instruction"] != "COMMENT"]
    last = max(n for n, i in enumerate(structure) if i["instruction"] == "FROM")
    return structure[last:]


def instructions(parsed: DockerfileParser, name: str) -> list[str]:
    return [i["value"] for i in final_stage(parsed) if i["instruction"] == name]


def test_the_image_is_slim_python_and_runs_as_a_user_that_is_not_root(
        dockerfile: DockerfileParser) -> None:
    assert re.fullmatch(r"python:[^ ]*-slim", dockerfile.baseimage.replace(
        "${PYTHON_VERSION}", dockerfile.args.get("PYTHON_VERSION", ""))), dockerfile.baseimage
    users = instructions(dockerfile, "USER")
    assert users, "no USER: the board would run as root"
    assert users[-1] not in ("root", "0")
    assert not users[-1].startswith(("root:", "0:"))
    (create,) = [r for r in instructions(dockerfile, "RUN") if "useradd" in r]
    assert f"useradd --system --user-group --uid 10001 --home-dir {DATA_DIR}" in " ".join(
        create.split())
    assert users[-1] in create


def test_the_image_serves_the_board_with_its_data_in_a_volume_and_a_health_check(
        dockerfile: DockerfileParser) -> None:
    (volume,) = instructions(dockerfile, "VOLUME")
    assert DATA_DIR in volume
    assert dockerfile.envs["STATUSBOARD_DATA_DIR"] == DATA_DIR
    (health,) = instructions(dockerfile, "HEALTHCHECK")
    assert "http://127.0.0.1:8501/_stcore/health" in health
    assert "--interval=" in health
    assert "--timeout=" in health
    (cmd,) = instructions(dockerfile, "CMD")
    argv = yaml.safe_load(cmd)  # exec form: a JSON list
    assert argv[0] == "statusboard"
    args = build_parser().parse_args(argv[1:])
    assert (args.command, args.port, args.address) == ("serve", 8501, "0.0.0.0")
    assert instructions(dockerfile, "EXPOSE") == ["8501"]


def test_the_image_holds_no_secret(dockerfile: DockerfileParser) -> None:
    named = [*dockerfile.envs, *dockerfile.args]
    assert [n for n in named if SECRET_NAME.search(n) or n.startswith("SUPEROFFICE_")] == []
    values = [*dockerfile.envs.values(), *dockerfile.args.values()]
    assert [v for v in values if URL_PASSWORD.search(v)] == []
    ignored = (REPO / ".dockerignore").read_text().splitlines()
    for private in (".streamlit/secrets.toml", ".env", "*.env", ".venv", ".git", "*.sqlite3"):
        assert private in ignored, f".dockerignore lets {private} into the image's context"


def test_the_image_installs_the_board_as_the_readme_does(dockerfile: DockerfileParser) -> None:
    steps = [step.strip() for run in instructions(dockerfile, "RUN")
             for step in " ".join(run.split()).split("&&")]
    installs = [s for s in steps if "python3 -m venv" in s or "pip install" in s]
    assert installs == ["python3 -m venv /opt/statusboard",
                        "/opt/statusboard/bin/pip install service_status_board-*.whl"]
    for step in installs:
        assert step in README, f"the README does not install the board as the image does: {step}"


@pytest.fixture(scope="module")
def compose() -> dict[str, object]:
    loaded = yaml.safe_load((REPO / "compose.yaml").read_text("utf-8"))
    assert isinstance(loaded, dict)
    return loaded


def _environment(service: dict[str, object]) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    assert isinstance(env, dict)
    return {str(k): str(v) for k, v in env.items()}


def test_compose_runs_several_boards_on_one_postgresql(compose: dict[str, object]) -> None:
    services = compose["services"]
    assert isinstance(services, dict)
    boards = {name: s for name, s in services.items() if s.get("build") == "."}
    assert len(boards) >= 2, "several boards share the store"
    published = []
    for name, board in boards.items():
        url = _environment(board)["STATUSBOARD_DATABASE_URL"]
        assert url.startswith("postgresql://statusboard@postgres:"), (name, url)
        assert board["depends_on"]["postgres"]["condition"] == "service_healthy"
        assert "board.env" in board["env_file"]
        assert any(v.endswith(f":{DATA_DIR}") for v in board["volumes"])
        published += [p.rsplit(":", 2) for p in board["ports"]]
    assert all(host == "${STATUSBOARD_PUBLISH:-127.0.0.1}" for host, _, _ in published)
    assert len({port for _, port, _ in published}) == len(published)
    postgres = services["postgres"]
    assert _environment(postgres)["POSTGRES_PASSWORD_FILE"] == "/run/secrets/db_password"
    assert "db_password" in postgres["secrets"]
    assert "healthcheck" in postgres


def test_compose_writes_no_secret(compose: dict[str, object]) -> None:
    services = compose["services"]
    assert isinstance(services, dict)
    for name, service in services.items():
        for key, value in _environment(service).items():
            assert not URL_PASSWORD.search(value), f"{name}: {key} holds a password"
            if SECRET_NAME.search(key) and not key.endswith("_FILE"):
                assert re.fullmatch(r"\$\{[A-Z_]+:\?[^}]*\}", value), (
                    f"{name}: {key} is written in compose.yaml; it comes from .env")
    secrets = compose["secrets"]
    assert isinstance(secrets, dict)
    assert all("environment" in s or "file" in s for s in secrets.values())


def test_signals_used_by_the_files_are_the_ones_the_board_stops_cleanly_on(
        dockerfile: DockerfileParser, unit: dict[str, dict[str, list[str]]]) -> None:
    # board.cli turns SIGTERM into a clean stop (exit status 0, the poll lease given up).
    assert instructions(dockerfile, "STOPSIGNAL") == [signal.SIGTERM.name]
    assert unit["Service"]["KillSignal"] == [signal.SIGTERM.name]
