"""The board's site: the files Streamlit serves the board from. In the repository they are its
top level (dashboard.py, pages/, .streamlit/config.toml and the built-in statusboard.toml); the
wheel ships the same files as the package data of `statusboard_app` (pyproject.toml maps that
package to the repository's top level), so an installed board needs no checkout.

    >>> entry_script().name, builtin_config().name
    ('dashboard.py', 'statusboard.toml')
"""

from __future__ import annotations

import functools
import importlib.util
from pathlib import Path

#: The package whose data the site is (a namespace package: no code of its own).
SITE_PACKAGE = "statusboard_app"


@functools.cache
def site_dir() -> Path:
    """The folder holding dashboard.py, pages/, .streamlit/ and statusboard.toml."""
    spec = importlib.util.find_spec(SITE_PACKAGE)
    for entry in (spec.submodule_search_locations or []) if spec is not None else []:
        folder = Path(entry)
        if (folder / "dashboard.py").is_file():
            return folder
    raise FileNotFoundError(
        f"The board's own files ({SITE_PACKAGE}: dashboard.py, pages/, statusboard.toml) are "
        "not installed; install the board again (pip install service-status-board, or "
        "`make run` in a clone).")


def entry_script() -> Path:
    return site_dir() / "dashboard.py"


def builtin_config() -> Path:
    """The shipped statusboard.toml: the built-in layout, and the example to copy."""
    return site_dir() / "statusboard.toml"


def streamlit_config() -> Path:
    """The wall screen's Streamlit settings (theme, caching, no file watcher)."""
    return site_dir() / ".streamlit" / "config.toml"
