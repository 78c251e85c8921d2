"""The Connection screen's details behind Streamlit's own OpenID Connect login, in a real
Chromium against `statusboard serve` and a local OpenID provider (oidc-provider-mock): before
the login, each desk's health and a Log in button, no endpoint and no raw data; after it, the
details."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from harness.browser import INTERVAL, LOAD_TIMEOUT_MS, MAX_BACKOFF, Dashboard, free_port
from netserver_demo import DemoNetServer

pytestmark = pytest.mark.browser

ADMIN = "admin@example.com"


@pytest.fixture(scope="module")
def provider() -> Iterator[str]:
    import oidc_provider_mock

    with oidc_provider_mock.run_server_in_thread() as server:
        yield f"http://127.0.0.1:{server.server_port}"


@pytest.fixture(scope="module")
def guarded(chromium_executable: str, netserver: DemoNetServer, provider: str,
            tmp_path_factory: pytest.TempPathFactory) -> Iterator[Dashboard]:
    home = Path(tmp_path_factory.mktemp("home"))
    port = free_port()
    secrets = home / ".streamlit" / "secrets.toml"
    secrets.parent.mkdir()
    secrets.write_text(
        "[auth]\n"
        f'redirect_uri = "http://127.0.0.1:{port}/oauth2callback"\n'
        'cookie_secret = "a-cookie-secret-for-this-test-only"\n'
        'client_id = "statusboard"\nclient_secret = "statusboard-test"\n'
        f'server_metadata_url = "{provider}/.well-known/openid-configuration"\n')
    with Dashboard(netserver.url, interval=INTERVAL, max_backoff=MAX_BACKOFF, port=port,
                   extra_env={"HOME": str(home), "STATUSBOARD_DATABASE_URL": "off"}) as board:
        yield board


def test_the_connection_details_need_a_login(guarded: Dashboard, netserver: DemoNetServer,
                                             new_page: Any) -> None:
    page = new_page(1920, 1080)
    page.goto(f"{guarded.url}/connection", wait_until="domcontentloaded")
    page.wait_for_selector('table[data-connection="health"]', timeout=LOAD_TIMEOUT_MS)
    before = page.content()
    assert f"127.0.0.1:{netserver.port}" not in before
    assert '[data-testid="stDataFrame"]' not in before
    assert page.locator('table[data-connection="true"]').count() == 0
    page.get_by_role("button", name="Log in").click()
    page.wait_for_selector("input[name=sub]", timeout=LOAD_TIMEOUT_MS)  # the provider's form
    page.fill("input[name=sub]", ADMIN)
    page.locator("form [type=submit]").first.click()
    page.wait_for_url(f"{guarded.url}/**", timeout=LOAD_TIMEOUT_MS)
    if "/connection" not in page.url:  # Streamlit returns to the app's first page
        page.goto(f"{guarded.url}/connection", wait_until="domcontentloaded")
    page.wait_for_selector('table[data-connection="true"]', timeout=LOAD_TIMEOUT_MS)
    assert f"127.0.0.1:{netserver.port}" in page.locator('table[data-connection="true"]') \
        .inner_text()
