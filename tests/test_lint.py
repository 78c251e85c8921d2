"""The house style is checked by the test run too, so CI catches what `make lint` would."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def _tool(name: str) -> str:
    return shutil.which(name, path=str(Path(sys.executable).parent)) or name


def test_ruff_finds_nothing() -> None:
    out = subprocess.run([_tool("ruff"), "check", "--output-format", "concise", "."], cwd=REPO,
                         capture_output=True, text=True, check=False, timeout=300)
    assert out.returncode == 0, out.stdout + out.stderr


def test_mypy_finds_nothing() -> None:
    """The packages named in pyproject's [tool.mypy] files: stats_client, netserver_demo, board."""
    out = subprocess.run([_tool("mypy")], cwd=REPO, capture_output=True, text=True,
                         check=False, timeout=600)
    assert out.returncode == 0, out.stdout + out.stderr
