"""What tests and benchmarks share to drive the board for real: waiting on a condition, a clock
for the demo NetServer, `streamlit run dashboard.py` as a subprocess and headless Chromium.

Not part of the product (not shipped); `make test` and `make bench` put the repository on the path.

    >>> wait_for(lambda: 42, timeout=1)
    42
"""

from __future__ import annotations

from .waiting import wait_for

__all__ = ["wait_for"]
