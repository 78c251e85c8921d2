"""Every duration and number has a sane range: one bad value is one sentence naming the key and
the range, and the rest of the board keeps working (no OverflowError, ValueError or "internal
error" on a screen or in the terminal). The reproduced cases of the hostile-data review."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from board.kiosk import parse_rotate
from stats_client.errors import ConfigurationError
from stats_client.history import HistoryStore
from stats_client.settings import Settings
from statusboard import config


@pytest.mark.parametrize(("var", "raw", "says"), [
    ("STATUSBOARD_INTERVAL", "1e12", "at least 1 and at most 86400"),
    ("STATUSBOARD_MAX_BACKOFF", "1e300", "at most 86400"),
    ("STATUSBOARD_REDRAW", "inf", "at most 86400"),
])
def test_a_knob_out_of_range_is_a_sentence_and_its_default_is_used(
        var: str, raw: str, says: str) -> None:
    loaded = config.load({var: raw})
    (problem,) = [p for p in loaded.problems if p.startswith(var)]
    assert says in problem
    assert loaded.config.interval == config.DEFAULT_INTERVAL


def test_a_timeout_beyond_ten_minutes_is_a_sentence_not_an_internal_error() -> None:
    with pytest.raises(ConfigurationError, match=r"SUPEROFFICE_TIMEOUT .* at most 600"):
        Settings(url="https://crm.example.com/Cust1", timeout=1e10)
    loaded = config.load({"SUPEROFFICE_URL": "https://crm.example.com/Cust1",
                          "SUPEROFFICE_TIMEOUT": "1e10"})
    assert loaded.fatal is not None
    assert "SUPEROFFICE_TIMEOUT" in loaded.fatal


@pytest.mark.parametrize("raw", ["9999999999y", "3000y", "99999999999999999999999s"])
def test_a_retention_of_centuries_is_a_sentence_and_the_default_is_kept(raw: str) -> None:
    loaded = config.parse_config({"history": {"full": raw}}, source="board.toml")
    (problem,) = [p for p in loaded.problems if "[history]" in p]
    assert "longer than 100 years" in problem
    assert loaded.config.retention == config.builtin().retention


@pytest.mark.parametrize(("raw", "rotate"), [("30", 30), ("86400", 86400), ("2200000", 0),
                                             ("1e20", 0)])
def test_rotation_is_at_most_a_day(raw: str, rotate: int) -> None:
    got, problem = parse_rotate(raw, default=0)
    assert got == rotate
    assert (problem is None) == (rotate != 0)
    loaded = config.parse_config({"rotate": int(float(raw))}, source="board.toml")
    assert loaded.config.rotate == rotate


def test_history_since_three_thousand_years_is_one_line(
        tmp_path: Path, run_cli: Callable[..., Any]) -> None:
    url = f"sqlite:///{tmp_path / 'history.sqlite3'}"
    HistoryStore.open(url).close()
    result = run_cli("history", "--since", "3000y", env={"STATUSBOARD_DATABASE_URL": url})
    assert result.status == 2
    assert result.stderr.startswith("error: --since '3000y' is longer than 100 years")
    assert "internal error" not in result.stderr
