"""The package's public surface: sorted, complete, and free of Streamlit."""

from __future__ import annotations

import subprocess
import sys

import stats_client


def test_all_names_exactly_the_public_surface() -> None:
    """Every public name imported into the package is listed once, and every listed name exists.

    (The order is ruff's RUF022 isort-style order, checked by `make lint`.)
    """
    listed = stats_client.__all__
    assert len(listed) == len(set(listed))
    public = {n for n in vars(stats_client) if not n.startswith("_")}
    modules = {n for n in public if type(getattr(stats_client, n)).__name__ == "module"}
    assert set(listed) == public - modules


def test_stats_client_never_imports_streamlit() -> None:
    code = (
        "import sys, stats_client, stats_client.cli, netserver_demo, "
        "stats_client.online, stats_client.freshness\n"
        "print('streamlit' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
