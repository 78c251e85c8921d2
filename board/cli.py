"""`statusboard`: the board's command line.

    $ statusboard serve                       # ./statusboard.toml if there is one, else built-in
    $ statusboard serve --config /etc/statusboard/statusboard.toml --data-dir /var/lib/statusboard
    $ statusboard fetch --format csv          # and capture, history, simulate: as python -m
    $ statusboard --version                   # stats_client, which keeps working
    $ statusboard kiosk-url --base http://board:8501 --screen workload --rotate 60
    http://board:8501/workload?embed=true&rotate=60

`serve` builds the deployment (statusboard.deployment) from the configuration and starts it in
the lifespan of the board's ASGI app (board.app), before the first browser: polling and
recording begin with the server. SIGTERM or Ctrl-C stops it cleanly (exit status 0). A wrong
option is one line on stderr and exit status 2, never a traceback. `kiosk-url` prints the
address a TV opens (deploy/kiosk/ runs Chromium on it), checked against the configuration
`serve` would read.
"""

from __future__ import annotations

import argparse
import errno
import logging
import os
import re
import signal
import socket
import sys
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from board.kiosk import DISPLAY_KEY_ENV, MAX_ROTATE_S, MIN_ROTATE_S, kiosk_url
from stats_client.cli import printable
from stats_client.history import DATABASE_URL_ENV, Retention
from statusboard import __version__
from statusboard.displays import display_name

if TYPE_CHECKING:
    from statusboard.config import BoardConfig, Loaded
    from statusboard.deployment import Options

#: What `statusboard COMMAND …` hands to `python -m stats_client COMMAND …`.
DATA_COMMANDS = ("fetch", "capture", "history", "simulate")
DEFAULT_PORT = 8501
#: Where `kiosk-url` says the board is, unless told (a TV needs the server's name on the network).
DEFAULT_BASE = f"http://localhost:{DEFAULT_PORT}"
#: Loopback unless told otherwise: a TV on another machine needs --address 0.0.0.0.
DEFAULT_ADDRESS = "127.0.0.1"
#: Exit status for a wrong option or setting, as python -m stats_client uses.
USAGE_ERROR = 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="statusboard",
        description="A live wall screen for SuperOffice Customer Service desks.")
    parser.add_argument("--version", action="version", version=f"statusboard {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    serve = commands.add_parser(
        "serve", help="poll, record and serve the board (before any browser opens)",
        description="Start the board: poll the NetServer, record history and serve the "
                    "screens. Stop it with Ctrl-C or SIGTERM.")
    serve.add_argument("--config", metavar="FILE",
                       help="the board's statusboard.toml (default: ./statusboard.toml if "
                            "present, else the built-in layout) [STATUSBOARD_CONFIG]")
    serve.add_argument("--data-dir", dest="data_dir", metavar="DIR",
                       help="where history.sqlite3 lives (default: beside the configuration "
                            "file, else ~/.local/share/statusboard) [STATUSBOARD_DATA_DIR]")
    serve.add_argument("--port", type=_port, default=DEFAULT_PORT,
                       help=f"the TCP port to serve on (default {DEFAULT_PORT})")
    serve.add_argument("--address", default=DEFAULT_ADDRESS,
                       help=f"the address to listen on (default {DEFAULT_ADDRESS}; 0.0.0.0 "
                            "for a TV on another machine, with a display key)")
    serve.add_argument("--public", action="store_true",
                       help="serve beyond this machine with no display key: every screen to "
                            "anyone who can reach the port (see STATUSBOARD_DISPLAY_KEY)")
    told = commands.add_parser(
        "alerts", help="send a test message to the alert targets, or list the rules",
        description="Alerts ([[alerts]] in statusboard.toml, targets in STATUSBOARD_NOTIFY_*): "
                    "`alerts test` sends a test message to each target and says which took "
                    "it; `alerts list` prints the rules and what is firing now.")
    actions = told.add_subparsers(dest="action", required=True, metavar="ACTION")
    for action, words in (("test", "send a test message to each target (or --to one)"),
                          ("list", "print the rules and what each desk has firing now")):
        one = actions.add_parser(action, help=words, description=words)
        one.add_argument("--config", metavar="FILE", help="the board's statusboard.toml")
        if action == "test":
            one.add_argument("--to", metavar="NAME", help="only this target")
    kiosk = commands.add_parser(
        "kiosk-url", help="print the address a TV opens for a screen (deploy/kiosk/)",
        description="Print the address a TV's browser opens: the board's screen with "
                    "embed=true, the rotation, the desk and the display key. The screen and "
                    "desk are checked against the configuration `serve` reads.")
    kiosk.add_argument("--base", default=DEFAULT_BASE, metavar="URL",
                       help="the board as the TV reaches it, such as http://board:8501 "
                            f"(default {DEFAULT_BASE})")
    kiosk.add_argument("--screen", metavar="ID",
                       help="the screen to open (an id of the configuration's [[screens]], "
                            "desks or connection; default: the first screen)")
    kiosk.add_argument("--rotate", metavar="SECONDS",
                       help=f"go on to the next screen every SECONDS ({MIN_ROTATE_S} to "
                            f"{MAX_ROTATE_S}; 0: no rotation; default: the file's rotate)")
    kiosk.add_argument("--desk", metavar="ID",
                       help="show this desk of the configuration's [desks]")
    kiosk.add_argument("--name", metavar="NAME",
                       help="the display's name, as its alerts say it (display-silent), such "
                            "as \"Support room\"")
    kiosk.add_argument("--key", metavar="KEY",
                       help=f"the display key the address carries [{DISPLAY_KEY_ENV}; the "
                            "variable keeps it out of the shell's history]")
    kiosk.add_argument("--config", metavar="FILE",
                       help="the board's statusboard.toml, found as `serve` finds it "
                            "[STATUSBOARD_CONFIG]")
    for name in DATA_COMMANDS:
        commands.add_parser(name, add_help=False,
                            help=f"as `python -m stats_client {name}` (see `{name} --help`)")
    return parser


def main(argv: Sequence[str] | None = None, *, env: Mapping[str, str] | None = None,
         stderr: TextIO | None = None) -> int:
    """Run the command line; returns the exit status."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    err = stderr or sys.stderr
    if args_list and args_list[0] in DATA_COMMANDS:
        from stats_client.cli import main as data_main

        env = dict(os.environ if env is None else env)
        try:
            args_list, env = _for_desk(args_list, env)
        except ValueError as exc:
            _say(err, f"error: {exc}")
            return USAGE_ERROR
        return data_main(args_list, env=env, prog="statusboard")
    args = build_parser().parse_args(args_list)  # usage errors exit 2, as argparse does
    env = os.environ if env is None else env
    if args.command == "alerts":
        return alerts_command(args, env, sys.stdout, err)
    if args.command == "kiosk-url":
        try:
            url = kiosk_address(args, env)
        except ValueError as exc:
            _say(err, f"error: {exc}")
            return USAGE_ERROR
        print(url)
        return 0
    try:
        return serve(args, env, err)
    except (KeyboardInterrupt, Terminated):  # after a clean stop: the server re-raises the signal
        return 0


class Terminated(Exception):
    """SIGTERM arrived: the service manager asks the board to stop (and it has, cleanly)."""


def _terminated(_signum: int, _frame: object) -> None:
    raise Terminated


def _for_desk(argv: list[str], env: dict[str, str]) -> tuple[list[str], dict[str, str]]:
    """`fetch` and `capture` for one of the desks statusboard.toml names (`--desk north`: its
    settings and secrets as the one desk's variables); `history --desk north`: that desk's
    rows. Without --desk and with several desks, a sentence lists them (ValueError)."""
    command, rest = argv[0], argv[1:]
    if command not in ("fetch", "capture", "history"):
        return argv, env
    wanted, rest = _take("--desk", rest)
    named, _ = _take("--config", rest)  # `history --config FILE`: the desks are that file's
    from stats_client.desks import desk_key
    from stats_client.errors import ConfigurationError
    from statusboard import config
    from statusboard.deployment import Options

    options = Options.from_environment(env, config=named)
    secrets, _ = config.read_secrets(options.secrets_files, cwd=options.cwd)
    loaded = config.load(env, secrets, location=options.location)
    desks = {d.id: d for d in loaded.config.desks}
    if not desks:  # one desk: the SUPEROFFICE_* settings (history: its store's desks)
        if wanted is not None and command != "history":
            raise ValueError(f"--desk {wanted}: {loaded.config.source} names no desks, so the "
                             "SUPEROFFICE_* settings are the one desk; leave --desk out.")
        return argv if wanted is None else [command, *rest, "--desk", wanted], env
    if wanted is None:
        if command == "history":
            return argv, env
        raise ValueError(f"{loaded.config.source} names several desks ({', '.join(desks)}); "
                         "choose one with --desk.")
    if wanted not in desks:
        if command == "history":  # a desk of the store, by its own name
            return [command, *rest, "--desk", wanted], env
        raise ValueError(f"--desk {wanted} is not under [desks] in {loaded.config.source}; "
                         f"its desks are: {', '.join(desks)}.")
    merged = config.desk_environment(desks[wanted], env, secrets)
    if command == "history":
        from stats_client.settings import Settings

        try:
            key = desk_key(Settings.from_env(merged))
        except ConfigurationError as exc:
            raise ValueError(f"desk {wanted}: {exc}") from None
        return [command, *rest, "--desk", key], env
    plain = {k: v for k, v in env.items() if not k.startswith("SUPEROFFICE_")}
    return [command, *rest], {**plain, **merged}


def _take(option: str, args: list[str]) -> tuple[str | None, list[str]]:
    """The value of `option` (`--desk x` or `--desk=x`) and the arguments without it."""
    for i, arg in enumerate(args):
        if arg == option and i + 1 < len(args):
            return args[i + 1], args[:i] + args[i + 2:]
        if arg.startswith(option + "="):
            return arg.split("=", 1)[1], args[:i] + args[i + 1:]
    return None, args


def serve(args: argparse.Namespace, env: Mapping[str, str], err: TextIO) -> int:
    from statusboard.deployment import Deployment, Options, history_settings

    # uvicorn stops the server on SIGTERM, then raises the signal again with the handler it
    # found: this one, so that a clean stop is exit status 0, not "killed by SIGTERM".
    signal.signal(signal.SIGTERM, _terminated)
    from stats_client.errors import ConfigurationError
    from statusboard.access import DisplayKeys

    options = Options.from_environment(env, config=args.config, data_dir=args.data_dir)
    where = options.location
    try:
        keys = DisplayKeys.from_env(env)
    except ConfigurationError as exc:
        _say(err, f"error: {exc}")
        return USAGE_ERROR
    problem = _check_config(where.config, where.named) or _check_data_dir(where.data_dir, env) \
        or _check_listener(args.address, args.port) \
        or _check_exposure(args.address, args.port, keys.required, args.public)
    if problem:
        _say(err, f"error: {problem}")
        return USAGE_ERROR
    _log_to(err)
    from board.app import make_app, streamlit_options  # Streamlit only when serving

    history = history_settings(env, where, Retention()).display_url
    who = "with a display key" if keys.required else (
        "to everyone who can reach it" if args.public else "to this machine only")
    _say(err, f"statusboard {__version__}: configuration {where.config or 'built in'}; "
              f"history {history}; serving on http://{args.address}:{args.port} {who}")
    app = make_app(Deployment(options), keys)
    app.run(config=streamlit_options(port=args.port, address=args.address))
    return 0


def alerts_command(args: argparse.Namespace, env: Mapping[str, str], out: TextIO,
                   err: TextIO) -> int:
    """`alerts test`: exit 0 when every target took the test message, 1 when one did not, 2
    for a wrong option; `alerts list`: the rules, and each desk's firing ones from its store."""
    from statusboard import alerts, config
    from statusboard.deployment import Options

    options = Options.from_environment(env, config=args.config)
    problem = _check_config(options.location.config, options.location.named)
    if problem:
        _say(err, f"error: {problem}")
        return USAGE_ERROR
    secrets, _ = config.read_secrets(options.secrets_files, cwd=options.cwd)
    loaded = config.load(env, secrets, location=options.location)
    targets = alerts.targets(env, secrets)
    if args.action == "list":
        return _list_alerts(loaded, env, options, out)
    names = [args.to] if args.to else sorted(targets)
    unknown = [n for n in names if n not in targets]
    if not targets or unknown:
        known = ", ".join(sorted(targets)) or "none"
        _say(err, f"error: {'no alert target' if not targets else 'no target ' + unknown[0]}: "
                  f"set {alerts.NOTIFY_PREFIX}<NAME> to an Apprise URL in the environment, or "
                  f"<name> under [notify] in .streamlit/secrets.toml (targets: {known}).")
        return USAGE_ERROR
    sender = alerts.Sender({n: targets[n] for n in names}, delays=())
    failed = 0
    for name in names:
        status = sender.status[name]
        title, body = alerts.probe_message(loaded.config.public_url, name,
                                           loaded.config.language)
        if sender.deliver(name, title, body, "test"):
            _say(out, f"{name}: delivered ({status.service})")
        else:
            failed += 1
            _say(out, f"{name}: NOT delivered ({status.problem})")
    return 1 if failed else 0


def _list_alerts(loaded: Loaded, env: Mapping[str, str], options: Options,
                 out: TextIO) -> int:
    from stats_client.desks import desk_key
    from stats_client.history import HistoryStore
    from statusboard.deployment import history_settings
    from statusboard.digests import KEY_PREFIX

    cfg = loaded.config
    if not cfg.alerts:
        _say(out, f"No alert rules in {cfg.source} (add [[alerts]] tables).")
    for rule in cfg.alerts:
        repeat = f", again every {rule.repeat_s:g} s" if rule.repeat_s else ""
        watched = rule.panel or ("(every threshold)" if rule.when in ("amber", "red")
                                 else "(wall displays)" if rule.when == "display-silent"
                                 else "")
        _say(out, " ".join(filter(None, (rule.when, watched))) + f" for {rule.hold_s:g} s"
                  f"{repeat} → {', '.join(rule.to)}{' (urgent)' if rule.urgent else ''}")
    for digest in cfg.digests:
        _say(out, f"digest at {digest.at:%H:%M} {digest.days_text} → {', '.join(digest.to)}")
    history = history_settings(env, options.location, cfg.retention)
    if history.url is None:
        _list_digests(cfg, None, {}, out)
        return 0
    for setup in loaded.desks:
        key = desk_key(setup.settings) if setup.settings is not None else "demo"
        try:
            store = HistoryStore.open(history.url, desk=key)
        except Exception as exc:
            _say(out, f"(the history store cannot be read: {exc})")
            return 0
        try:
            state = store.alert_state()
        finally:
            store.close()
        for (name, subject), (since, sent_at, _value, _cleared) in sorted(state.items()):
            if name.startswith(KEY_PREFIX):
                continue
            told = f", told {sent_at:%Y-%m-%d %H:%M}" if sent_at else ", not told yet"
            when = f"since {since:%Y-%m-%d %H:%M}" if since else "cleared"
            _say(out, f"desk {setup.id}: {name} {subject} {when}{told}")
        _list_digests(cfg, setup.id if len(loaded.desks) > 1 else None, state, out)
    return 0


def _list_digests(cfg: BoardConfig, desk: str | None, state: Mapping[tuple[str, str], Any],
                  out: TextIO) -> None:
    """Each digest's next time (on `desk`, by its stored state; None: the only desk)."""
    from statusboard.alerts import Firing
    from statusboard.digests import next_due, sent_dates

    now = datetime.now(cfg.zone)
    kept = {k: Firing(*v) for k, v in state.items()}
    for digest in cfg.digests:
        sent = sent_dates(kept, digest)
        when = next_due(digest, now, sent)
        said = "due now (sent after the next poll)" if when == now else \
            f"next {when:%a %Y-%m-%d %H:%M} ({cfg.zone.key})"
        last = f"; last sent {max(sent)}" if sent else ""
        where = f"desk {desk}: " if desk else ""
        _say(out, f"{where}digest at {digest.at:%H:%M}: {said}{last}")


def kiosk_address(args: argparse.Namespace, env: Mapping[str, str]) -> str:
    """The address `kiosk-url` prints; a wrong option is a ValueError holding one sentence."""
    from statusboard.config import CONNECTION_ID, DESKS_ID, load_config
    from statusboard.deployment import Options

    base = _base(args.base)
    rotate = None if args.rotate is None else _rotate(args.rotate)
    where = Options.from_environment(env, config=args.config).location
    missing = _check_config(where.config, where.named)
    if missing:
        raise ValueError(missing)
    loaded = load_config(where.config, named=where.named)
    if loaded.unread:
        raise ValueError(f"{loaded.unread}; fix it before pointing a TV at the board.")
    config = loaded.config
    desks = [d.id for d in config.desks]
    screens = [s.id for s in config.screens] + ([DESKS_ID] if len(desks) > 1 else [])
    screens.append(CONNECTION_ID)
    screen = screens[0] if args.screen is None else args.screen.strip()
    if screen not in screens:
        raise ValueError(f"--screen {printable(screen)} is not a screen of {config.source}; its "
                         f"screens are: {', '.join(screens)}.")
    desk = None if args.desk is None else args.desk.strip()
    if desk is not None and desk not in desks:
        if not desks:
            raise ValueError(f"--desk {printable(desk)}: {config.source} names no desks "
                             "([desks]), so the board shows its one desk; leave --desk out.")
        raise ValueError(f"--desk {printable(desk)} is not under [desks] in {config.source}; "
                         f"its desks are: {', '.join(desks)}.")
    if args.key is not None and not args.key.strip():
        raise ValueError(f"--key is empty; give the display key, or leave --key out "
                         f"({DISPLAY_KEY_ENV} is read then).")
    key = (args.key if args.key is not None else env.get(DISPLAY_KEY_ENV, "")).strip()
    if "," in key:  # the server's setting may list one key per TV
        raise ValueError(f"{'--key' if args.key is not None else DISPLAY_KEY_ENV} holds several "
                         "display keys; give this TV's own with --key.")
    if key and not re.fullmatch(r"[A-Za-z0-9._~-]+", key):
        raise ValueError("the display key may hold only letters, digits and . _ ~ - (as "
                         f"{DISPLAY_KEY_ENV} does); check --key or {DISPLAY_KEY_ENV}.")
    # The first screen is the board's "/" (dashboard.py's rotation starts there too).
    path = "" if screen == screens[0] and screen in (s.id for s in config.screens) else screen
    name = None
    if args.name is not None:
        name = display_name(args.name)
        if not name:
            raise ValueError("--name must have a letter or digit in it, such as "
                             "--name \"Support room\".")
    return kiosk_url(base, path=path, rotate=rotate, desk=desk, key=key or None, name=name)


def _base(text: str) -> str:
    """The board's address as a TV reaches it: http(s), a host, no query, no user name."""
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(text.strip())
        parts.port  # noqa: B018  # a port that is no number raises here
    except ValueError:
        parts = None
    if parts is not None and (parts.username is not None or parts.password is not None):
        # Not repeated: what comes before the @ may be a password.
        raise ValueError("--base names a user (user@host); give the board's address as the TV "
                         "reaches it, such as http://board.example.com:8501, without one.")
    if (parts is None or parts.scheme not in ("http", "https") or not parts.hostname
            or parts.query or parts.fragment):
        raise ValueError(f"--base {printable(text)} is not the board's address; give it as "
                         "the TV reaches it, such as http://board.example.com:8501 (no query).")
    return text.strip()


def _rotate(text: str) -> int:
    """Seconds per screen, bounded as the file's `rotate` and the address's ?rotate= are."""
    value = text.strip()
    if value in ("0", "off"):
        return 0
    if value.isdigit() and MIN_ROTATE_S <= int(value) <= MAX_ROTATE_S:
        return int(value)
    raise ValueError(f"--rotate must be 0 (no rotation) or a whole number of seconds from "
                     f"{MIN_ROTATE_S} to {MAX_ROTATE_S} (a day); got {printable(value)!r}.")


def _check_config(path: Path | None, named: bool) -> str | None:
    """A sentence when the configuration file named at start does not exist (a typo): the
    board would otherwise serve the built-in layout and keep its history beside a file that
    is not there. A file that breaks while the board runs is a sentence on the screen."""
    if path is None or not named or path.is_file():
        return None
    return (f"the configuration file {path} does not exist; check --config (or "
            "STATUSBOARD_CONFIG), or leave it out for ./statusboard.toml or the built-in layout.")


def _check_data_dir(folder: Path, env: Mapping[str, str]) -> str | None:
    """A sentence when the data folder cannot be made (only used for the SQLite default)."""
    if env.get(DATABASE_URL_ENV, "").strip():
        return None
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as exc:
        return (f"cannot create the data folder {folder} ({exc.strerror}); choose a folder the "
                "board may write to with --data-dir (or STATUSBOARD_DATA_DIR).")
    if not os.access(folder, os.W_OK):
        return (f"the data folder {folder} is not writable; choose another with --data-dir "
                "(or STATUSBOARD_DATA_DIR).")
    return None


def _check_exposure(address: str, port: int, keyed: bool, public: bool) -> str | None:
    """A sentence when the board would show every screen to a network with no display key
    and nobody said that is meant (--public)."""
    from statusboard.access import is_loopback

    if keyed or public or is_loopback(address):
        return None
    return (f"--address {address} serves the board beyond this machine, and no display key is "
            f"set: anyone who can reach port {port} would see every screen. Set "
            "STATUSBOARD_DISPLAY_KEY (each TV opens the board once with ?key=…), or pass "
            "--public to serve it to everyone on purpose.")


def _check_listener(address: str, port: int) -> str | None:
    """A sentence when the board could not listen there (a port in use, an unknown address)."""
    try:
        infos = socket.getaddrinfo(address, port, type=socket.SOCK_STREAM)
    except socket.gaierror:
        return (f"--address {address} is not an address of this machine; use 127.0.0.1 (this "
                "machine only) or 0.0.0.0 (every network).")
    family, kind, proto, _, where = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(where)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                return (f"port {port} is already in use on {address} (another board, or "
                        "another program); stop it or choose another with --port.")
            return f"cannot listen on {address}:{port} ({exc.strerror}); check --address."
    return None


def _port(text: str) -> int:
    if text.isdigit() and 1 <= int(text) <= 65535:
        return int(text)
    raise argparse.ArgumentTypeError(f"must be a TCP port number from 1 to 65535: {text!r}")


def _log_to(err: TextIO) -> None:
    """The board's own log lines (never secrets) on stderr, as the server's are."""
    handler = logging.StreamHandler(err)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    for name in ("statusboard", "stats_client", "board", "netserver_demo"):
        logger = logging.getLogger(name)
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)


def _say(stream: TextIO, line: str) -> None:
    stream.write(printable(line) + "\n")  # one line, nothing that drives the terminal
    stream.flush()


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
