"""The wall screen's settings in AppTest: the TOML file, the environment, secrets, and the one
shared poller (the real client against a demo NetServer over HTTP)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import streamlit as st

from board import runtime
from harness.apptest import notices, tags
from netserver_demo import DemoNetServer
from stats_client.poller import Poller
from statusboard import deployment


def html_of(at: Any) -> str:
    return "\n".join(e.proto.body for e in at.get("html") if not e.proto.body.startswith("<style"))


def everything_on(at: Any) -> str:
    """Every element's content, as text, to look for what must never be on the screen."""
    parts = [html_of(at)]
    for kind in ("markdown", "warning", "error", "info", "exception"):
        parts += [str(e.proto) for e in at.get(kind)]
    parts += [e.value.to_csv() for e in at.dataframe]
    return "\n".join(parts)


def state_of(at: Any) -> str:
    text = html_of(at)
    return text.split('id="freshness" data-state="', 1)[1].split('"', 1)[0]


def no_exceptions(at: Any) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert "Traceback" not in everything_on(at)


@pytest.fixture
def fixed_source(demo_frame: Any) -> Poller:
    poller = Poller(lambda: demo_frame, 30)
    poller.poll_once()
    return poller


# -- statusboard.toml ---------------------------------------------------------------------------
def test_a_broken_config_names_key_and_file_and_the_rest_renders(
        open_screen: Any, fixed_source: Poller, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "wall.toml"
    path.write_text("""
reload_at = "noon"
[[screens]]
id = "desk"
title = "Desk"
panels = ["UnassignedRequests", "OpenRequestsPerFoo", "OpenRequestsPerStatus"]
[thresholds.UnassignedRequests]
amber = "many"
""")
    monkeypatch.setenv("STATUSBOARD_CONFIG", str(path))
    at = open_screen(source=fixed_source)
    no_exceptions(at)
    warning = notices(at)
    for needle in ("wall.toml: screens[0].panels[1]", '"OpenRequestsPerFoo"',
                   "wall.toml: reload_at", "wall.toml: thresholds.UnassignedRequests.amber"):
        assert needle in warning
    text = html_of(at)
    assert '<span class="sb-title">Desk</span>' in text
    assert 'data-panel="UnassignedRequests"' in text
    assert len(at.get("vega_lite_chart")) == 1  # OpenRequestsPerStatus
    assert 'data-reload-at="03:00"' in text  # the default, since "noon" is not a time


def test_a_file_that_is_not_toml_shows_the_built_in_screens(
        open_screen: Any, fixed_source: Poller, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "wall.toml"
    path.write_text("[[screens]\n")
    monkeypatch.setenv("STATUSBOARD_CONFIG", str(path))
    at = open_screen(source=fixed_source)
    no_exceptions(at)
    warning = notices(at)
    assert "wall.toml" in warning
    assert "not valid TOML" in warning
    assert '<span class="sb-title">Status</span>' in html_of(at)
    assert len(at.get("vega_lite_chart")) == 4


def test_a_screen_defined_only_in_the_file_gets_a_page(
        open_screen: Any, fixed_source: Poller, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "wall.toml"
    path.write_text('[[screens]]\ntitle = "Overview"\npanels = ["StatusScreen"]\n'
                    '[[screens]]\nid = "queue"\ntitle = "Queue"\npanels = ["Hotlist"]\n')
    monkeypatch.setenv("STATUSBOARD_CONFIG", str(path))
    at = open_screen(source=fixed_source)
    no_exceptions(at)
    assert '<span class="sb-title">Overview</span>' in html_of(at)
    assert 'data-tile="StatusScreen.Open"' in html_of(at)


# -- the environment ----------------------------------------------------------------------------
def test_a_bad_interval_is_reported_and_the_default_used(
        open_screen: Any, fixed_source: Poller, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STATUSBOARD_INTERVAL", "fast")
    monkeypatch.setenv("STATUSBOARD_MAX_BACKOFF", "0")
    at = open_screen("pages/connection.py", source=fixed_source)
    no_exceptions(at)
    warning = notices(at)
    assert ('STATUSBOARD_INTERVAL must be a number of seconds, at least 1 and at most 86400; '
            'got "fast". The default 30 s is used.') in warning
    assert ('STATUSBOARD_MAX_BACKOFF must be a number of seconds, at least 1 and at most 86400; '
            'got "0".') in warning
    assert "<th>Poll interval</th><td>30 s</td>" in html_of(at)


@pytest.mark.parametrize("where", ["env", "secrets"])
def test_a_configuration_error_is_a_sentence_on_the_screen(
        open_screen: Any, monkeypatch: pytest.MonkeyPatch, where: str) -> None:
    bad = {"SUPEROFFICE_URL": "ftp://netserver/Cust1", "SUPEROFFICE_PASSWORD": "hunter2-secret"}
    if where == "env":
        for key, value in bad.items():
            monkeypatch.setenv(key, value)
        at = open_screen()
    else:
        at = open_screen(secrets=bad)
    no_exceptions(at)
    error = notices(at, "fatal")
    assert "SUPEROFFICE_URL must be an http(s) URL" in error
    assert "Check the SUPEROFFICE_* environment variables" in error
    assert state_of(at) == "error"
    assert "hunter2-secret" not in everything_on(at)
    assert not at.get("vega_lite_chart")


# -- the real thing: client, poller and a demo NetServer with a password -----------------------
@pytest.fixture
def shared_released() -> Iterator[None]:
    """Stops the development deployment dashboard.py starts (no `statusboard serve` here)."""
    yield
    deployment.stop_development()


def test_one_shared_poller_over_http_and_no_secret_on_screen(
        open_screen: Any, shared_released: None, monkeypatch: pytest.MonkeyPatch) -> None:
    password = "s3cret-Pa55word"
    with DemoNetServer(port=0, users={"kiosk": password}) as srv:
        secrets = {"superoffice": {"url": srv.url, "user": "kiosk", "password": password}}
        monkeypatch.setenv("STATUSBOARD_INTERVAL", "600")
        first = open_screen(secrets=secrets)
        no_exceptions(first)
        assert state_of(first) == "fresh"
        assert 'data-seq="1"' in html_of(first)
        # The recorder drives the poller and records to the test's own SQLite file.
        assert 'data-history="ok"' in html_of(first)
        assert "n/a" not in html_of(first)
        calls = srv.call_count("GetStatistics")
        assert calls >= 1
        assert srv.call_count("AuthenticateUsernamePassword") == 1

        # More browsers, more screens: still the one poller, no more calls to the NetServer.
        others = [open_screen(page, secrets=secrets)
                  for page in ("pages/workload.py", "pages/trends.py", "pages/connection.py")]
        assert srv.call_count("GetStatistics") == calls
        connection = others[-1]
        no_exceptions(connection)
        text = html_of(connection)
        assert f"<td>{srv.service_url()}" in text
        assert "user name and password" in text
        assert "<th>History</th><td>sqlite:///" in text
        assert "(this process polls)</td>" in text
        assert f"<th>GetStatistics calls</th><td>{calls}</td>" in text
        for at in (first, *others):
            assert password not in everything_on(at)


def test_a_broken_secrets_file_is_reported_not_silently_ignored(
        open_screen: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        shared_released: None) -> None:
    from streamlit.runtime.secrets import Secrets
    from streamlit.testing.v1.util import patch_config_options

    path = tmp_path / "secrets.toml"
    path.write_text('SUPEROFFICE_URL = "https://netserver/Cust1\nSUPEROFFICE_PASSWORD = "x"\n')
    monkeypatch.setattr(st, "secrets", Secrets())
    with patch_config_options({"secrets.files": [str(path)]}):
        at = open_screen("pages/connection.py")
    no_exceptions(at)
    warning = notices(at)
    assert "The Streamlit secrets file could not be read" in warning
    assert str(path) in warning
    # Without a URL anywhere the board runs on its in-process demo NetServer, and says so.
    assert "DEMO DATA" in html_of(at)
    assert state_of(at) == "demo"
    assert "(demo NetServer in this process, loopback)" in html_of(at)
    assert "<th>Polls made</th><td>1 (1 good)</td>" in html_of(at)


def test_a_screen_notices_when_its_poller_was_replaced() -> None:
    """Regression: fragments keep the runtime of the run that made them; after a change of
    statusboard.toml or secrets replaced the shared poller, a TV without full reruns read the
    stopped one and showed STALE until the nightly reload. The live fragment
    (board.render.render_live) asks for a full run when `replaced` is true."""
    from stats_client.frames import empty_frame
    from statusboard.config import load

    poller = Poller(empty_frame, interval=5)
    rt = runtime.Runtime(source=poller, config=load({}).config)
    assert not rt.replaced, "a poller not started yet (as tests inject) is not replaced"
    poller.start()
    assert not rt.replaced
    poller.stop()
    assert rt.replaced
    injected = runtime.Runtime(source=None, config=load({}).config)
    assert not injected.replaced


def test_the_first_page_opens_on_the_first_attempt_not_on_waiting(
        open_screen: Any, shared_released: None, monkeypatch: pytest.MonkeyPatch) -> None:
    """The shared poller's first attempt is waited for (on a condition, up to
    FIRST_POLL_WAIT_S): a refused password is on the very first screen, not "Waiting for
    data…" until some later redraw."""
    monkeypatch.setattr(deployment, "FIRST_POLL_WAIT_S", 120.0)  # a busy machine is no failure
    with DemoNetServer(port=0, users={"kiosk": "right"}) as srv:
        at = open_screen(secrets={"superoffice": {"url": srv.url, "user": "kiosk",
                                                  "password": "wrong"}})
        no_exceptions(at)
        assert state_of(at) == "error"
        assert "Waiting for data" not in html_of(at)
        assert srv.call_count("AuthenticateUsernamePassword") >= 1


# -- nothing from outside is ever markup ------------------------------------------------------
MARKUP = "![x](http://elsewhere.invalid/p.gif) <img src=http://elsewhere.invalid/q.gif> " \
         "[log in](http://elsewhere.invalid/) **30** :red[x] $x$"


def _no_markup_from(at: Any) -> None:
    """Nothing of MARKUP became an element: no image or link anywhere, no Markdown element."""
    made = [(tag, attrs) for tag, attrs, _ in tags(at) if tag in ("img", "a")]
    assert all(tag == "img" and attrs.get("src", "").startswith("data:")
               for tag, attrs in made), made  # the tiles' sparklines are data: images
    for kind in ("markdown", "warning", "error", "info", "caption"):
        assert not [e for e in at.get(kind) if "elsewhere" in str(e.proto)], kind


@pytest.mark.parametrize(("toml", "where"), [
    (f'[thresholds."{MARKUP}"]\namber = 1\n', "problem"),
    (f'time_zone = "{MARKUP}"\n', "problem"),
    (f'reload_at = "{MARKUP}"\n', "problem"),
    (f'[[screens]]\nid = "status"\ntitle = "{MARKUP}"\npanels = ["{MARKUP}", "StatusScreen"]\n',
     "problem"),
    (f'[[screens]]\nid = "status"\ntitle = "{MARKUP}"\npanels = ["StatusScreen"]\n', "title"),
    (f'[[screens]]\nid = "status"\ntitle = "{MARKUP}"\npanels = []\n', "info"),
], ids=["threshold-key", "time-zone", "reload-at", "panel-name", "screen-title", "no-panels"])
def test_a_hostile_config_value_is_shown_as_text_never_as_markup(
        open_screen: Any, fixed_source: Poller, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        toml: str, where: str) -> None:
    """Regression (issue 17): problem sentences went through st.warning, which reads Markdown,
    and quote the file's keys and values; `![x](…)` in statusboard.toml became a remote image
    on every wall."""
    folder = tmp_path / "[log in](elsewhere) <img src=q.gif> **30**"  # the file's name, too
    folder.mkdir()
    path = folder / "wall.toml"
    path.write_text(toml)
    monkeypatch.setenv("STATUSBOARD_CONFIG", str(path))
    at = open_screen(source=fixed_source)
    no_exceptions(at)
    _no_markup_from(at)
    if where == "info":
        assert folder.name in notices(at, "info")
    elif where == "title":
        (title,) = [text for _, attrs, text in tags(at) if attrs.get("class") == "sb-title"]
        assert title == MARKUP
    else:
        assert "![x](http://elsewhere.invalid/p.gif)" in notices(at, where)  # as text, whole


@pytest.mark.parametrize(("variable", "value"), [
    ("SUPEROFFICE_TRANSPORT", MARKUP),
    ("SUPEROFFICE_CONTEXT", MARKUP),
    ("SUPEROFFICE_ENV", MARKUP),
])
def test_a_hostile_setting_in_the_fatal_sentence_is_text(
        open_screen: Any, monkeypatch: pytest.MonkeyPatch, variable: str, value: str) -> None:
    monkeypatch.setenv("SUPEROFFICE_URL", "https://netserver.example/Cust1")
    monkeypatch.setenv(variable, value)
    at = open_screen()
    no_exceptions(at)
    _no_markup_from(at)
    fatal = notices(at, "fatal")
    assert variable in fatal
    assert "<img src=http://elsewhere.invalid/q.gif>" in fatal  # the text, not an element


def test_a_hostile_error_text_from_the_netserver_is_text_in_the_banner(
        open_screen: Any, demo_frame: Any) -> None:
    """What a NetServer says in its error (ExceptionInfo, a fault string: every error kind's
    sentence takes the same path) reaches the banner and the Connection screen: as text."""
    from stats_client.errors import ServiceError

    calls = iter([demo_frame])

    def fetch() -> Any:
        frame = next(calls, None)
        if frame is None:
            raise ServiceError(f"The NetServer said: {MARKUP}.")
        return frame

    from harness.clock import ManualClock

    clock = ManualClock()
    poller = Poller(fetch, 30, clock=clock)
    poller.poll_once()
    clock.advance(seconds=120)  # past two intervals: stale, with the banner saying why
    poller.poll_once()
    for page in (None, "pages/connection.py"):
        at = open_screen(page, source=poller, clock=clock)
        no_exceptions(at)
        _no_markup_from(at)
        # The whole text, `<img …>` included, is the text of an element (the banner's why,
        # the Connection screen's last error), not an element itself.
        shown = "![x](http://elsewhere.invalid/p.gif) <img src=http://elsewhere.invalid/q.gif>"
        assert any(shown in text for _, _, text in tags(at)), page
