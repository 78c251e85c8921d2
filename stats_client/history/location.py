"""Where a deployment keeps its files: the configuration file in use and the data folder that
holds the SQLite history. Decided from what the caller was told (the command line, the
environment, its working folder), never from where this code is installed.

    >>> loc = locate({}, cwd=Path("/srv/empty"), config="/etc/statusboard/board.toml")
    >>> str(loc.config), str(loc.data_dir), loc.named
    ('/etc/statusboard/board.toml', '/etc/statusboard', True)
    >>> loc.database_url({})
    'sqlite:////etc/statusboard/history.sqlite3'
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

#: The variables that name the configuration file, the data folder and the store.
CONFIG_ENV = "STATUSBOARD_CONFIG"
DATA_DIR_ENV = "STATUSBOARD_DATA_DIR"
DATABASE_URL_ENV = "STATUSBOARD_DATABASE_URL"
#: The configuration file a deployment picks up from its working folder when none is named.
CONFIG_FILE = "statusboard.toml"
#: The SQLite history's file name in the data folder.
DEFAULT_FILE = "history.sqlite3"


@dataclass(frozen=True, slots=True)
class Location:
    """The configuration file in use (None: the built-in layout) and the data folder."""

    config: Path | None
    data_dir: Path
    named: bool = False  # the file was named (--config, STATUSBOARD_CONFIG): missing is wrong

    def database_url(self, env: Mapping[str, str]) -> str:
        """STATUSBOARD_DATABASE_URL, else `history.sqlite3` in the data folder."""
        named = env.get(DATABASE_URL_ENV, "").strip()
        return named or f"sqlite:///{self.data_dir / DEFAULT_FILE}"


def user_data_dir(env: Mapping[str, str]) -> Path:
    """The per-user data folder when there is no configuration file to sit beside:
    $XDG_DATA_HOME/statusboard, else ~/.local/share/statusboard."""
    base = (env.get("XDG_DATA_HOME") or "").strip()
    root = Path(base) if base and Path(base).is_absolute() else Path(
        env.get("HOME") or os.path.expanduser("~")) / ".local" / "share"
    return root / "statusboard"


def locate(env: Mapping[str, str], *, cwd: Path, config: str | None = None,
           data_dir: str | None = None) -> Location:
    """The configuration file: `config` (--config), else STATUSBOARD_CONFIG, else
    `statusboard.toml` in `cwd` when there is one, else None (the built-in layout). The data
    folder: `data_dir` (--data-dir), else STATUSBOARD_DATA_DIR, else the configuration file's
    folder, else the per-user data folder (`user_data_dir`). Relative paths are from `cwd`."""
    named = (config or "").strip() or env.get(CONFIG_ENV, "").strip()
    path: Path | None
    if named:
        path = _absolute(named, cwd)
    else:
        found = cwd / CONFIG_FILE
        path = found if found.is_file() else None
    folder = (data_dir or "").strip() or env.get(DATA_DIR_ENV, "").strip()
    if folder:
        where = _absolute(folder, cwd)
    elif path is not None:
        where = path.parent
    else:
        where = user_data_dir(env)
    return Location(path, where, named=bool(named))


def _absolute(text: str, cwd: Path) -> Path:
    path = Path(text).expanduser()
    return path if path.is_absolute() else cwd / path
