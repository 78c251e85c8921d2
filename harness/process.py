"""A command-line process as a terminal user runs it: started with Ctrl-C working, stopped with
Ctrl-C.

A process started from a background job (`make test &`, nohup, some CI runners) inherits SIGINT
ignored, and Python then installs no KeyboardInterrupt handler: Ctrl-C would do nothing and the
test would wait for a stop that never comes. `start` gives the child Python's own Ctrl-C
handler, as a terminal's foreground process has.
"""

from __future__ import annotations

import signal
import subprocess
import sys
from typing import Any

#: Runs a module as `python -m` does, with Ctrl-C raising KeyboardInterrupt whatever the
#: disposition inherited (set in the child itself: no preexec_fn, unsafe with threads).
_RUN_MODULE = ("import runpy, signal, sys;"
               " signal.signal(signal.SIGINT, signal.default_int_handler);"
               " sys.argv[0] = sys.argv[1]; del sys.argv[1];"
               " runpy.run_module(sys.argv[0], run_name='__main__', alter_sys=True)")


def start(module: str, args: list[str], **popen: Any) -> subprocess.Popen[str]:
    """`python -m module args…` with Ctrl-C working, text stdout and stderr piped."""
    return subprocess.Popen([sys.executable, "-c", _RUN_MODULE, module, *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **popen)


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
