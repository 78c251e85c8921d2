"""`python -m stats_client fetch|capture|history|simulate`: the data side from a terminal.

    $ python -m stats_client fetch --url http://127.0.0.1:8087 --format csv
    $ python -m stats_client capture --out desk.json --anonymise
    $ python -m stats_client history --since 2h --format csv
    $ python -m stats_client simulate --port 8087

Every option of `fetch` can come from the environment (SUPEROFFICE_URL, SUPEROFFICE_TICKET,
SUPEROFFICE_APP_TOKEN, SUPEROFFICE_USER, SUPEROFFICE_PASSWORD); the option wins. On failure
the CLI prints one line on stderr and exits with the error kind's status (see `errors`).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import math
import os
import re
import sys
import unicodedata
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, TextIO

import pandas as pd

from .errors import ConfigurationError, StatsClientError
from .panels import ALL_PANELS, PanelType
from .settings import ENV_VARS, Settings

FORMATS = ("table", "csv", "json")

#: Sub-commands that hand the rest of the command line to another module's main(argv).
_DELEGATED: dict[str, tuple[str, str]] = {
    "simulate": ("netserver_demo", "run the demo NetServer (see `simulate --help`)"),
}


def build_parser(prog: str = "python -m stats_client") -> argparse.ArgumentParser:
    """The whole command line; one place to add options (the transport, say)."""
    parser = argparse.ArgumentParser(
        prog=prog,
        description="Fetch SuperOffice Customer Service statistics, or run the demo NetServer.",
    )
    parser.add_argument("--verbose", "-v", action="store_true",
                        help="log what the client does (never secrets) on stderr")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    fetch = commands.add_parser(
        "fetch", help="call CustomerService.GetStatistics once and print the tidy rows",
        description="Call CustomerService.GetStatistics once and print one row per value.",
    )
    add_connection_options(fetch)
    fetch.add_argument("--panels", metavar="NAME,NAME",
                       help="panel types by wire name or number (default: every panel but None)")
    add_output_options(fetch)

    add_history_parser(commands)

    capture = commands.add_parser(
        "capture", help="call GetStatistics once per panel and write the replies to a JSON file",
        description="Call GetStatistics once per panel type and write the raw replies (secrets "
                    "scrubbed), their rows and data sets to one JSON file, for replay.",
    )
    add_connection_options(capture)
    capture.add_argument("--out", required=True, metavar="FILE", help="the JSON file to write")
    capture.add_argument("--panels", metavar="NAME,NAME",
                         help="panel types by wire name or number (default: every panel but None)")
    capture.add_argument("--anonymise", "--anonymize", action="store_true",
                         help="replace person names and free-text labels with stable pseudonyms; "
                              "numbers and periods stay")
    capture.add_argument("--verbose", "-v", action="store_true", default=argparse.SUPPRESS,
                         help=argparse.SUPPRESS)

    for name, (_module, summary) in _DELEGATED.items():
        commands.add_parser(name, help=summary, add_help=False)
    return parser


def add_history_parser(commands: Any) -> None:
    """`history [export] --since …` and `history prune`: the history store from a terminal."""
    history = commands.add_parser(
        "history", help="export the recorded values, or apply the retention now (prune)",
        description="Export the values the board recorded (time, panel, dataset_label, label, "
                    "value), or prune the store. The store is STATUSBOARD_DATABASE_URL, else "
                    "history.sqlite3 in the data folder: --data-dir, else beside the "
                    "configuration file (--config, STATUSBOARD_CONFIG, or ./statusboard.toml), "
                    "else the per-user data folder, as for `statusboard serve`.",
    )
    history.add_argument("action", nargs="?", choices=("export", "prune"), default="export",
                         help="export (default) or prune")
    history.add_argument("--since", metavar="2h|2026-11-27T08:00",
                         help="a duration back from now, or an ISO time (UTC unless given)")
    history.add_argument("--until", metavar="TIME", help="the end, like --since; default now")
    history.add_argument("--panels", metavar="NAME,NAME",
                         help="panel types by wire name or number (default: all)")
    history.add_argument("--desk", metavar="DESK",
                         help="the desk whose values to export, or all (default: the only "
                              "desk the store holds)")
    history.add_argument("--config", metavar="FILE",
                         help="the board's statusboard.toml [STATUSBOARD_CONFIG]")
    history.add_argument("--data-dir", dest="data_dir", metavar="DIR",
                         help="the board's data folder [STATUSBOARD_DATA_DIR]")
    add_output_options(history)


def add_output_options(parser: argparse.ArgumentParser) -> None:
    """--format, and --verbose accepted after the sub-command too."""
    parser.add_argument("--format", choices=FORMATS, default="table",
                        help="table (aligned text), csv or json (records); default table")
    parser.add_argument("--raw", action="store_true",
                        help="CSV: write cells as they are (by default a cell that a spreadsheet "
                             "would run as a formula, =… +… -… @…, gets a leading ')")
    parser.add_argument("--verbose", "-v", action="store_true", default=argparse.SUPPRESS,
                        help=argparse.SUPPRESS)


def add_connection_options(parser: argparse.ArgumentParser) -> None:
    """The options that become `Settings`; each defaults to its environment variable."""
    group = parser.add_argument_group("connection (each also read from the environment)")
    group.add_argument("--url", help="site URL such as https://host/Cust12345 [SUPEROFFICE_URL]")
    group.add_argument("--ticket", help="a NetServer ticket [SUPEROFFICE_TICKET]")
    group.add_argument("--app-token", dest="app_token",
                       help="the application token [SUPEROFFICE_APP_TOKEN]")
    group.add_argument("--user", help="user name, to obtain a ticket [SUPEROFFICE_USER]")
    group.add_argument("--password",
                       help="password (prefer the variable: options show in `ps`) "
                            "[SUPEROFFICE_PASSWORD]")
    group.add_argument("--timeout", type=_positive_float, metavar="SECONDS",
                       help="seconds per call, default 10 [SUPEROFFICE_TIMEOUT]")
    group.add_argument("--transport", choices=("soap", "rest"), type=str.lower,
                       help="SOAP (Services87) or the REST WebAPI, default soap "
                            "[SUPEROFFICE_TRANSPORT]")


#: The board's own commands (board.cli), which the data side does not have.
BOARD_COMMANDS = ("serve", "alerts", "kiosk-url")


def main(argv: Sequence[str] | None = None, *, env: Mapping[str, str] | None = None,
         stdout: TextIO | None = None, stderr: TextIO | None = None,
         prog: str = "python -m stats_client") -> int:
    """Run the CLI; returns the exit status (0, or the error kind's `exit_code`). `prog`: how
    usage lines name the command (`statusboard` hands its data commands here)."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    out = stdout or sys.stdout
    err = stderr or sys.stderr
    delegated = _delegated(args_list)
    if delegated is not None:
        return delegated
    if args_list and args_list[0] in BOARD_COMMANDS:  # asked of the data side: say where it is
        # Only the command's name is said back: what follows may hold a key (kiosk-url --key).
        print(f"error: {args_list[0]} is a command of the board: run `statusboard "
              f"{args_list[0]} …` (from a clone: .venv/bin/statusboard {args_list[0]} …).",
              file=err)
        return 2
    args = build_parser(prog).parse_args(args_list)  # usage errors exit 2, as argparse does
    with _logging_to(err, enabled=args.verbose):
        return _run(args, env, out, err)


@contextlib.contextmanager
def _logging_to(err: TextIO, *, enabled: bool) -> Iterator[None]:
    """With --verbose, the client's log lines go to `err` for this one run (never secrets).

    A handler on our own logger, removed afterwards, rather than logging.basicConfig: the root
    logger may already be configured (by the embedding program or a test runner).
    """
    if not enabled:
        yield
        return
    logger = logging.getLogger("stats_client")
    handler = logging.StreamHandler(err)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    previous = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(previous)


def _run(args: argparse.Namespace, env: Mapping[str, str] | None, out: TextIO,
         err: TextIO) -> int:
    """The chosen command, with every error turned into one line and an exit status."""
    try:
        if args.command == "fetch":
            return fetch(args, os.environ if env is None else env, out, err)
        if args.command == "capture":
            return capture(args, os.environ if env is None else env, err)
        if args.command == "history":
            return history(args, os.environ if env is None else env, out)
        raise ConfigurationError(f"Unknown command {args.command!r}.")  # pragma: no cover
    except StatsClientError as exc:
        _say(err, f"error: {_in_options(str(exc), args)}")
        return exc.exit_code
    except KeyboardInterrupt:
        _say(err, "interrupted")
        return 130
    except BrokenPipeError:
        # The reader went away (`fetch | head`): stop quietly, as Unix tools do on SIGPIPE.
        # Point stdout at devnull so the interpreter's final flush does not complain again.
        with contextlib.suppress(OSError, ValueError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), out.fileno())
        return 141
    except Exception as exc:  # a bug: still one line on a terminal, the traceback with -v
        if args.verbose:
            logging.getLogger(__name__).exception("internal error")
        _say(err, f"internal error ({type(exc).__name__}); run again with --verbose and report it")
        return 1


def fetch(args: argparse.Namespace, env: Mapping[str, str], out: TextIO, err: TextIO) -> int:
    """The `fetch` command: settings from options and environment, one fetch, one print (and
    on `err` a line for each data set cut at SUPEROFFICE_MAX_VALUES)."""
    panels = parse_panels(args.panels)
    settings = Settings.from_env(env, **settings_overrides(args))
    from .client import open_client  # zeep is only imported when a fetch really happens

    with open_client(settings) as client:
        frame = client.fetch_frame(panels)
    for note in client.notes:
        _say(err, f"warning: {note}")
    write(frame, out, args)
    return 0


def capture(args: argparse.Namespace, env: Mapping[str, str], err: TextIO) -> int:
    """The `capture` command: one GetStatistics per panel, one JSON file written atomically."""
    from pathlib import Path

    from .capture import capture as capture_panels
    from .capture import check_writable, write_capture
    from .client import open_client

    panels = parse_panels(args.panels)
    out = Path(args.out)
    check_writable(out)  # before any call: a typo in --out must not cost a round of calls
    settings = Settings.from_env(env, **settings_overrides(args))
    with open_client(settings) as client:
        doc = capture_panels(client, panels, anonymise=args.anonymise)
    write_capture(doc, out)
    for entry in doc["panels"]:
        for note in entry.get("values_cut", ()):
            _say(err, f"warning: {note}")
    _say(err, f"wrote {len(doc['panels'])} panels to {out}")
    return 0


def history(args: argparse.Namespace, env: Mapping[str, str], out: TextIO) -> int:
    """The `history` command: export recorded values, or prune with the configured retention."""
    from pathlib import Path

    from .history import HistoryStore, load_retention, locate, parse_time

    now = datetime.now(UTC)
    where = locate(env, cwd=Path.cwd(), config=args.config, data_dir=args.data_dir)
    url = where.database_url(env)
    if args.action == "prune":
        _check_recorded(url)
        store = HistoryStore.open(url, retention=load_retention(where.config), now=now)
        try:
            report = store.prune(now, every_desk=True)
        finally:
            store.close()
        out.write(f"pruned {store.url}: {report.to_five_minutes} values into 5-minute "
                  f"aggregates, {report.to_daily} aggregates into days, {report.deleted} rows "
                  "deleted\n")
        return 0
    if not args.since:
        raise ConfigurationError("history needs --since, such as --since 2h or "
                                 "--since 2026-11-27T08:00.")
    since = parse_time(args.since, now, what="--since")
    until = parse_time(args.until, now, what="--until") if args.until else None
    panels = None if args.panels is None else [p.wire_name for p in parse_panels(args.panels)]
    _check_recorded(url)
    store = HistoryStore.open(url, now=now)
    try:
        frame = store.export(since, until, panels, desks=_chosen_desks(store, args.desk))
    finally:
        store.close()
    # Whole seconds (polls are at least a second apart): the store keeps float seconds, whose
    # nanosecond digits only look precise.
    frame = frame.assign(time=[t.floor("s").isoformat() for t in frame["time"]])
    (write_history_table if args.format == "table" else write)(frame, out, args)
    return 0


def _chosen_desks(store: Any, desk: str | None) -> list[str] | None:
    """`--desk`: one desk, or "all"; without it, the store's only desk, else a sentence that
    lists them (history from before desks is the desk "unattributed")."""
    if desk == "all":
        return None
    held = store.desks()
    if desk is not None:
        if desk not in held:
            raise ConfigurationError(
                f"The history at {store.url} holds no values of the desk {desk!r}; it holds: "
                f"{', '.join(held) or 'nothing yet'}.")
        return [desk]
    if len(held) > 1:
        raise ConfigurationError(
            f"The history at {store.url} holds several desks: {', '.join(held)}; choose one "
            "with --desk, or --desk all for every one.")
    return None


def _check_recorded(url: str) -> None:
    """A SQLite history that does not exist is a wrong folder, not an empty history: say so
    rather than make an empty file there."""
    from .history.database import parse_url, sqlite_path

    path = sqlite_path(parse_url(url))
    if path is not None and not path.is_file():
        raise ConfigurationError(
            f"There is no history at {path}: no board has recorded there. Check --data-dir "
            "or --config (or STATUSBOARD_DATA_DIR, STATUSBOARD_CONFIG, "
            "STATUSBOARD_DATABASE_URL): the board keeps history.sqlite3 in its data folder.")


def _in_options(sentence: str, args: argparse.Namespace) -> str:
    """`sentence` naming the options given on the command line where it names the variables
    they stand for ("--url must be an http(s) URL", not SUPEROFFICE_URL, when --url was given)."""
    for name, value in settings_overrides(args).items():
        if value is not None and name in ENV_VARS:
            sentence = re.sub(rf"\b{ENV_VARS[name]}\b", f"--{name.replace('_', '-')}", sentence)
    return sentence


def settings_overrides(args: argparse.Namespace) -> dict[str, Any]:
    """CLI options that override the environment (None means: not given)."""
    return {name: getattr(args, name, None)
            for name in ("url", "ticket", "app_token", "user", "password", "timeout",
                         "transport")}


def parse_panels(text: str | None) -> tuple[PanelType, ...]:
    """`--panels` as panel types; every panel but None when not given."""
    if text is None:
        return ALL_PANELS
    names = [part for part in (p.strip() for p in text.split(",")) if part]
    if not names:
        raise ConfigurationError(_panel_choices("--panels is empty"))
    panels: list[PanelType] = []
    for name in names:
        try:
            panels.append(PanelType.from_wire(name))
        except ValueError:
            raise ConfigurationError(_panel_choices(f"--panels: unknown panel {name!r}")) from None
    return tuple(panels)


def _panel_choices(lead: str) -> str:
    choices = ", ".join(p.wire_name for p in ALL_PANELS)
    return f"{lead}; use names or numbers from: {choices}."


# -- output -----------------------------------------------------------------------------------
#: What makes a spreadsheet read a cell as a formula (OWASP's list for CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """A text cell that a spreadsheet would run as a formula, with a leading ' (shown as
    text); anything else as it is.

    >>> safe_cell("=1+1"), safe_cell("Support"), safe_cell(-3.0)
    ("'=1+1", 'Support', -3.0)
    """
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def write_csv(frame: pd.DataFrame, out: TextIO, *, raw: bool = False) -> None:
    """RFC 4180 CSV: CRLF line ends, so that a CR or LF inside a label is quoted. Text cells
    that would start a formula in Excel or LibreOffice get a leading ' unless `raw`."""
    if not raw:
        frame = frame.copy()
        for name in frame.columns:
            if not pd.api.types.is_numeric_dtype(frame[name]):
                frame[name] = frame[name].map(safe_cell, na_action="ignore")
    frame.to_csv(out, index=False, lineterminator="\r\n")


def write_json(frame: pd.DataFrame, out: TextIO) -> None:
    """Records with the tidy columns; nil and NaN become null (JSON has no NaN)."""
    from .capture import json_records

    json.dump(json_records(frame), out, ensure_ascii=False, indent=1)
    out.write("\n")


def write_table(frame: pd.DataFrame, out: TextIO) -> None:
    """Readable aligned text: a heading per panel, one line per value."""
    if frame.empty:
        out.write("(no data)\n")
        return
    for wire_name, rows in frame.groupby("panel", sort=False, observed=True):
        panel = PanelType.from_wire(str(wire_name))
        out.write(f"{panel.title} ({panel.wire_name})\n")
        several = rows["dataset"].nunique() > 1
        for _ds, ds_rows in rows.groupby("dataset", sort=True):
            if several:
                out.write(f"  {_text(ds_rows['dataset_label'].iloc[0]) or '(unnamed series)'}\n")
            indent = "    " if several else "  "
            labels = [_text(v) or "(no label)" for v in ds_rows["label"]]
            values = [_number(v) for v in ds_rows["value"]]
            lw = max(map(len, labels))
            vw = max(map(len, values))
            for label, value in zip(labels, values, strict=True):
                out.write(f"{indent}{label:<{lw}}  {value:>{vw}}\n")
        out.write("\n")


def write_history_table(frame: pd.DataFrame, out: TextIO,
                        _args: argparse.Namespace | None = None) -> None:
    """Recorded values as aligned columns: time, desk, panel, series, label, value."""
    if frame.empty:
        out.write("(no data)\n")
        return
    rows = [(str(r.time), _text(r.desk) or "", str(r.panel), _text(r.dataset_label) or "",
             _text(r.label) or "", _number(r.value)) for r in frame.itertuples(index=False)]
    rows.insert(0, ("time", "desk", "panel", "dataset_label", "label", "value"))
    widths = [max(len(row[i]) for row in rows) for i in range(6)]
    for row in rows:
        cells = [cell.ljust(w) for cell, w in zip(row[:5], widths, strict=False)]
        out.write("  ".join([*cells, row[5].rjust(widths[5])]) + "\n")


def write(frame: pd.DataFrame, out: TextIO, args: argparse.Namespace) -> None:
    """The frame in the format `--format` chose (CSV made safe to open unless `--raw`)."""
    if args.format == "csv":
        write_csv(frame, out, raw=args.raw)
    elif args.format == "json":
        write_json(frame, out)
    else:
        write_table(frame, out)


def _text(value: Any) -> str | None:
    return None if value is None or value is pd.NA else printable(str(value))


def printable(text: str) -> str:
    """`text` for a terminal line: control characters (ESC, BEL, …) dropped, runs of white
    space as one space, so that no label or error text can drive the terminal."""
    return " ".join("".join(c for c in text if unicodedata.category(c) != "Cc"
                            or c.isspace()).split())


def _number(value: float) -> str:
    if not math.isfinite(value):
        return "n/a"
    return f"{value:.0f}" if value == int(value) else f"{value:.2f}"


# -- plumbing ---------------------------------------------------------------------------------
def _delegated(argv: list[str]) -> int | None:
    """Hand `simulate …` to its module's main(); None when the command is not delegated."""
    rest = list(argv)
    while rest and rest[0] in ("--verbose", "-v"):
        rest.pop(0)
    if not rest or rest[0] not in _DELEGATED:
        return None
    module_name, _summary = _DELEGATED[rest[0]]
    import importlib  # the simulator is only imported when asked for

    module = importlib.import_module(module_name)
    status = module.main(rest[1:])
    return int(status or 0)


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"must be a positive number of seconds: {text!r}")
    return value


def _say(stream: TextIO, line: str) -> None:
    stream.write(printable(line) + "\n")
    stream.flush()


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
