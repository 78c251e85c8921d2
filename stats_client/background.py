"""One daemon thread that runs a loop until told to stop; the poller and the history recorder
are both one.

    >>> class Idle(Background):
    ...     def _run(self) -> None:
    ...         self._stop.wait()
    >>> idle = Idle("idle").start()
    >>> idle.running, idle.stop(), idle.running
    (True, None, False)
"""

from __future__ import annotations

import threading
from typing import Self


class Background:
    """`start()` runs `_run()` on a daemon thread (once), `stop()` sets `_stop` and joins it.

    `_run` must return soon after `_stop` is set: wait on it (`self._stop.wait(seconds)`)
    rather than sleeping.
    """

    def __init__(self, name: str) -> None:
        self._name = name
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def _run(self) -> None:
        raise NotImplementedError

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> Self:
        if not self.running:
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, name=self._name, daemon=True)
            self._thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
