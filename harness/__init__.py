"""What tests and benchmarks share to drive the board for real: waiting on a condition, a clock
for the demo NetServer, `streamlit run dashboard.py` as a subprocess and headless Chromium.

Not part of the product (not shipped); `make test` and `make bench` put the repository on the path.

    >>> wait_for(lambda: 42, timeout=1)
    42
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

__all__ = ["wait_for"]


def wait_for(predicate: Callable[[], Any], timeout: float = 60, interval: float = 0.05,
             what: str = "condition") -> Any:
    """Poll `predicate` until it returns something truthy; TimeoutError naming `what` if not.

    The timeout is a generous bound against hanging, not a measurement: a busy machine only
    makes the wait longer.
    """
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise TimeoutError(f"{what} did not happen within {timeout:g} s")
        time.sleep(interval)
