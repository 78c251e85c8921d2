"""board.kiosk: screen rotation from the URL, the scheduled reload and the scaling script."""

from __future__ import annotations

import itertools
from datetime import time

import pytest

from board import kiosk
from statusboard.config import Night


@pytest.mark.parametrize(("raw", "default", "seconds", "problem"), [
    (None, 0, 0, False), (None, 30, 30, False), ("20", 0, 20, False), ("12.5", 0, 12, False),
    ("0", 30, 0, False), ("off", 30, 0, False), ("3", 0, 0, True), ("abc", 0, 0, True),
    ("nan", 0, 0, True), ("inf", 0, 0, True), ("-10", 0, 0, True),
])
def test_parse_rotate(raw: str | None, default: int, seconds: int, problem: bool) -> None:
    got, bad = kiosk.parse_rotate(raw, default=default)
    assert got == seconds
    assert (bad is not None) is problem
    if bad:
        assert bad == ("?rotate must be a number of seconds, at least 5 and at most 86400; "
                       f'got "{raw}". Rotation is off.')


def script_of(html: str) -> str:
    script = html[html.index("<script>") + len("<script>"):html.index("</script>")]
    # DOMPurify drops a script whose text holds "<" before a letter or digit.
    assert not any(a == "<" and (b.isalnum() or b == "/") for a, b in itertools.pairwise(script))
    return script


def test_kiosk_script_schedules_the_reload_and_survives_the_sanitizer() -> None:
    html = kiosk.kiosk_script(time(3, 0), zone="Europe/Oslo")
    assert 'data-reload-at="03:00"' in html
    assert 'data-time-zone="Europe/Oslo"' in html
    assert "var wait=10800-" in html  # 03:00 in seconds; tests/browser/test_zone.py runs it
    assert "location.reload()" in html
    assert "--sb-scale" in html
    script_of(html)
    assert "location.reload" not in kiosk.kiosk_script(None)


@pytest.mark.parametrize(("night", "minutes", "hhmm"), [
    (Night(time(19), time(7)), "DARK=1140,WAKE=420", ("19:00", "07:00")),
    (Night(time(0, 30), time(6, 5)), "DARK=30,WAKE=365", ("00:30", "06:05")),
])
def test_night_script_carries_its_hours_in_minutes_and_survives_the_sanitizer(
        night: Night, minutes: str, hhmm: tuple[str, str]) -> None:
    html = kiosk.night_script(night)
    assert minutes in script_of(html)
    assert f'data-night-from="{hhmm[0]}" data-night-to="{hhmm[1]}"' in html
    assert f"DRIFT={kiosk.NIGHT_DRIFT_PX},STEP={kiosk.NIGHT_STEP_PX}" in html
