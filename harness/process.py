"""A command-line process as a terminal user runs it: started with Ctrl-C working, stopped with
Ctrl-C.

A process started from a background job (`make test &`, nohup, some CI runners) inherits SIGINT
ignored, and Python then installs no KeyboardInterrupt handler: Ctrl-C would do nothing and the
test would wait for a stop that never comes. `start` gives the child the default disposition, as
a terminal's foreground process has.
"""

from __future__ import annotations

import signal
import subprocess
from typing import Any


def _ctrl_c_works() -> None:  # runs in the child, before exec
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def start(args: list[str], **popen: Any) -> subprocess.Popen[str]:
    """`subprocess.Popen(args, text=True, stdout/stderr piped, **popen)` with Ctrl-C working."""
    return subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=_ctrl_c_works, **popen)


def ctrl_c(proc: subprocess.Popen[str], timeout: float = 120) -> tuple[str, str]:
    """Send Ctrl-C (SIGINT) and wait for the process to end: its remaining stdout and stderr.
    One that does not end within `timeout` seconds (generous: a busy machine) is killed, and
    the test fails saying so, rather than leaving it running."""
    proc.send_signal(signal.SIGINT)
    try:
        return proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        _out, err = proc.communicate()
        raise AssertionError(f"{proc.args!r} did not stop within {timeout:g} s of Ctrl-C; "
                             f"stderr: {err[-2000:]}") from None
