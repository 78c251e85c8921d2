"""Resources (issue 17): a cap on the values of one data set, applied with a sentence on the
screen and in the CLI, never silently; the reply-size limit's default."""

from __future__ import annotations

from typing import Any

import pytest

from harness.apptest import no_exceptions, notices, text_of
from netserver_demo import DemoNetServer
from stats_client import Settings, open_client
from stats_client.panels import PanelType
from stats_client.poller import Poller

CAP = 3


def test_a_data_set_past_the_cap_is_cut_with_a_sentence_on_the_screen(open_screen: Any) -> None:
    cut = [PanelType.OpenRequestsPerCategory, PanelType.OpenRequestsPerUserGroup]
    with DemoNetServer() as srv, open_client(Settings(url=srv.url, max_values=CAP)) as client:
        poller = Poller(lambda: client.fetch_frame(cut), 30)
        snap = poller.poll_once()
    assert snap.error is None
    sizes = snap.frame.groupby(["panel", "dataset"]).size()
    assert sizes.max() == CAP
    assert {note.split(":")[0] for note in snap.notes} == {p.wire_name for p in cut}
    at = open_screen("pages/workload.py", source=poller)
    no_exceptions(at)
    shown = notices(at)
    assert "OpenRequestsPerCategory: the NetServer sent " in shown
    assert (f"the first {CAP} are shown and the rest are left out (SUPEROFFICE_MAX_VALUES)"
            in shown), shown
    assert 'data-notice="problem"' in text_of(at)


@pytest.mark.parametrize(("env", "warned"), [
    ({"SUPEROFFICE_MAX_VALUES": str(CAP)}, True),
    ({}, False),  # the default (10,000) holds every data set of the demo
])
def test_the_cli_says_what_it_cut(run_cli: Any, env: dict[str, str], warned: bool) -> None:
    with DemoNetServer() as srv:
        run = run_cli("fetch", "--format", "csv", "--panels", "OpenRequestsPerCategory",
                      env={"SUPEROFFICE_URL": srv.url, **env})
    assert run.status == 0, run.stderr
    rows = run.stdout.strip().splitlines()[1:]
    if warned:
        assert len(rows) == CAP
        (line,) = run.stderr.splitlines()
        assert line.startswith("warning: OpenRequestsPerCategory: the NetServer sent ")
    else:
        assert len(rows) > CAP
        assert run.stderr == ""


def test_a_reply_past_the_default_limit_is_refused_with_the_setting_named() -> None:
    """The default is a few MiB (Settings.max_reply_bytes, 4 MiB): a demo desk of ~40,000
    extra values is a larger SOAP reply than that."""
    from stats_client import InvalidReply

    assert Settings("https://crm.example.com/Cust1").max_reply_bytes == 4 * 1024 * 1024
    with DemoNetServer(extra_values=40_000) as srv, open_client(Settings(url=srv.url)) as client, \
            pytest.raises(InvalidReply, match="SUPEROFFICE_MAX_REPLY_BYTES"):
        client.fetch_frame([PanelType.OpenRequestsPerCategory])


def test_capture_says_what_it_cut_in_the_file_and_on_the_terminal(run_cli: Any,
                                                                  tmp_path: Any) -> None:
    import json

    out = tmp_path / "desk.json"
    with DemoNetServer() as srv:
        run = run_cli("capture", "--out", str(out), "--panels", "OpenRequestsPerCategory",
                      env={"SUPEROFFICE_URL": srv.url, "SUPEROFFICE_MAX_VALUES": str(CAP)})
    assert run.status == 0, run.stderr
    (panel,) = json.loads(out.read_text("utf-8"))["panels"]
    assert len(panel["rows"]) == CAP
    (note,) = panel["values_cut"]
    assert note.startswith("OpenRequestsPerCategory: the NetServer sent ")
    assert f"warning: {note}" in run.stderr.splitlines()
