"""`simulate`: run the demo NetServer in the foreground, with a control port for faults.

python -m netserver_demo --port 8087                   # control port 8088; also
python -m stats_client simulate --port 8087            # the same, through the data side's CLI
curl -X POST http://127.0.0.1:8088/fault/slow          # switch a fault on
curl -X POST http://127.0.0.1:8088/fault/none          # and off again
curl http://127.0.0.1:8088/                            # JSON status with call counts
python -m netserver_demo --shapes alt                  # periods spelt and grouped otherwise
python -m netserver_demo --replay desk.json            # serve a capture file's replies
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
from collections.abc import Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from .replay import Capture, ReplayError, load_capture
from .server import DemoNetServer
from .shapes import SHAPES
from .state import Fault

FAULT_NAMES = tuple(f.value for f in Fault)


class ControlServer:
    """A loopback HTTP endpoint to switch faults on a running DemoNetServer.

    POST /fault/<name>  none, down, slow, soap-fault, service-error, expired-ticket, malformed, html
    GET  /              {"url", "fault", "counts", "faults"}
    """

    def __init__(self, target: DemoNetServer, port: int = 0, host: str = "127.0.0.1") -> None:
        self.target = target
        handler = type("_ControlHandler", (_ControlHandler,), {"target": target})
        self._httpd = _QuietServer((host, port), handler)
        self.port: int = self._httpd.server_address[1]
        self.url = f"http://{host}:{self.port}"
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def start(self) -> ControlServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a control client that hung up is no reason for a traceback


class _ControlHandler(BaseHTTPRequestHandler):
    target: DemoNetServer

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _reply(self, status: int, payload: Mapping[str, object]) -> None:
        body = json.dumps(payload, indent=2).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _status(self) -> dict[str, object]:
        t = self.target
        return {
            "url": t.url,
            "fault": t.fault.value,
            "counts": t.counts(),
            "faults": list(FAULT_NAMES),
        }

    def do_GET(self) -> None:
        if self.path.rstrip("/") in ("", "/status"):
            self._reply(200, self._status())
        else:
            self._reply(404, {"error": "unknown path; try GET / or POST /fault/<name>"})

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(min(length, 65536))
        parts = self.path.strip("/").split("/")
        if len(parts) != 2 or parts[0] != "fault":
            self._reply(404, {"error": "unknown path; try POST /fault/<name>"})
            return
        name = parts[1].lower().replace("_", "-")
        if name not in FAULT_NAMES:
            choices = ", ".join(FAULT_NAMES)
            error = f"unknown fault {parts[1]!r}; expected one of: {choices}"
            self._reply(400, {"error": error})
            return
        self.target.set_fault(name)
        self._reply(200, self._status())


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="simulate",
        description="Run the demo NetServer (NetServer Services87 SOAP over HTTP) with faults.",
    )
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8087, help="port (default 8087; 0 = any free port)")
    p.add_argument("--seed", type=int, default=42, help="seed of the help-desk model (default 42)")
    p.add_argument("--ticket", help="a fixed ticket to accept (then a ticket is required)")
    p.add_argument("--app-token", help="require this ApplicationToken")
    p.add_argument("--user", help="user name for AuthenticateUsernamePassword (with --password)")
    p.add_argument("--password", help="password for --user")
    p.add_argument("--path-prefix", default="", help="site path, e.g. /Cust12345")
    p.add_argument("--desks", type=int, default=1, metavar="N",
                   help="serve N demo desks with different numbers (seeds SEED, SEED+1, …) "
                        "on ports PORT, PORT+2, … (control ports one above each; --port 0: "
                        "any free ports), site paths /Desk1, /Desk2, …; prints a [desks] "
                        "table for statusboard.toml")
    p.add_argument(
        "--control-port", type=int, help="loopback control port (default port+1; -1: none)"
    )
    p.add_argument("--slow-seconds", type=float, default=3.0, help="delay of the slow fault")
    p.add_argument("--extra-values", type=int, default=0, help="pad the category panel")
    p.add_argument("--verbose", action="store_true", help="log each request line on stderr")
    data = p.add_mutually_exclusive_group()
    data.add_argument("--shapes", choices=SHAPES, default="standard",
                      help="how periods are spelt and response times grouped (default standard)")
    data.add_argument("--replay", metavar="FILE",
                      help="serve the replies of a capture file; any credentials are accepted")
    return p


def main(argv: list[str] | None = None) -> int:
    """Run until Ctrl-C; returns the exit status."""
    args = build_parser().parse_args(argv)
    if (args.user is None) != (args.password is None):
        print("simulate: give --user and --password together.", file=sys.stderr)
        return 2
    users = {args.user: args.password} if args.user is not None else None
    replay: Capture | None = None
    if args.replay is not None:
        if args.ticket or args.app_token or users:
            print("simulate: --replay accepts any credentials; give no --ticket, --app-token, "
                  "--user or --password with it.", file=sys.stderr)
            return 2
        try:
            replay = load_capture(args.replay)
        except ReplayError as exc:
            print(f"simulate: {exc}", file=sys.stderr)
            return 2
    if not 1 <= args.desks <= 20:
        print("simulate: --desks must be from 1 to 20.", file=sys.stderr)
        return 2
    if args.desks > 1 and (replay is not None or args.path_prefix):
        print("simulate: --desks serves its own site paths on ports from --port; give no "
              "--replay or --path-prefix with it.", file=sys.stderr)
        return 2
    if args.desks > 1:
        return _several(args, users)
    started = _start(args, args.port, args.seed, args.path_prefix, users, replay)
    if isinstance(started, int):
        return started
    srv, control = started
    auth = []
    if replay is not None:
        auth.append(f"replaying {replay.describe()}; any credentials")
    elif args.shapes != "standard":
        auth.append(f"{args.shapes} shapes")
    if args.ticket or users:
        auth.append("ticket required")
    if args.app_token:
        auth.append("application token required")
    names = "|".join(FAULT_NAMES)
    hint = (
        f"; faults: curl -X POST {control.url}/fault/<{names}>, status: curl {control.url}/"
        if control
        else ""
    )
    print(
        f"Demo NetServer at {srv.url} ({', '.join(auth) or 'no authentication'}){hint}; "
        "Ctrl-C stops.",
        flush=True,
    )
    _wait([(srv, control)])
    return 0


def _start(args: argparse.Namespace, port: int, seed: int, prefix: str,
           users: dict[str, str] | None,
           replay: Capture | None) -> tuple[DemoNetServer, ControlServer | None] | int:
    """One demo NetServer and its control port, or the exit status when one cannot listen."""
    log = (lambda line: print(line, file=sys.stderr)) if args.verbose else None
    srv = DemoNetServer(
        host=args.host,
        port=port,
        seed=seed,
        ticket=args.ticket,
        app_token=args.app_token,
        users=users,
        path_prefix=prefix,
        extra_values=args.extra_values,
        slow_seconds=args.slow_seconds,
        log=log,
        shapes=args.shapes,
        replay=replay,
    )
    try:
        srv.start()
    except OSError as exc:
        print(
            f"simulate: cannot listen on {args.host}:{port} ({exc.strerror}); "
            "is another simulator running? Choose another --port.",
            file=sys.stderr,
        )
        return 3
    control: ControlServer | None = None
    cport = (
        args.control_port if args.control_port is not None else (srv.port + 1 if port else 0)
    )
    if cport >= 0:
        try:
            control = ControlServer(srv, cport).start()
        except OSError as exc:
            srv.stop()
            print(
                f"simulate: cannot open the control port {cport} ({exc.strerror}); "
                "choose another --control-port, or -1 for none.",
                file=sys.stderr,
            )
            return 3
    return srv, control


def _several(args: argparse.Namespace, users: dict[str, str] | None) -> int:
    """--desks N: N demo NetServers, and the [desks] table that points a board at them."""
    args.control_port = None  # one above each desk's port
    running: list[tuple[DemoNetServer, ControlServer | None]] = []
    for i in range(args.desks):
        port = args.port + 2 * i if args.port else 0  # --port 0: any free ports
        started = _start(args, port, args.seed + i, f"/Desk{i + 1}", users, None)
        if isinstance(started, int):
            for srv, control in running:
                if control is not None:
                    control.stop()
                srv.stop()
            return started
        running.append(started)
    print("# statusboard.toml: one table per demo desk (Ctrl-C stops them)")
    for i, (srv, _control) in enumerate(running, start=1):
        print(f'[desks.desk{i}]\nlabel = "Demo desk {i}"\nurl = "{srv.url}"\n')
    sys.stdout.flush()
    _wait(running)
    return 0


def _wait(running: list[tuple[DemoNetServer, ControlServer | None]]) -> None:
    """Serve until Ctrl-C, then stop every server."""
    stop = threading.Event()
    try:
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        for srv, control in running:
            if control is not None:
                control.stop()
            srv.stop()
    print("Demo NetServer stopped.", file=sys.stderr)
