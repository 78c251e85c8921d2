"""Settings: URLs, the environment, validation messages that name the variable, no secrets shown."""

from __future__ import annotations

import traceback
from typing import Any

import pytest

from stats_client import ConfigurationError, Settings
from stats_client.settings import ENV_VARS

SITE = "https://sod.superoffice.com/Cust12345"
SVC = f"{SITE}/Remote/Services87/CustomerService.svc"


@pytest.mark.parametrize(("url", "service_url"), [
    (SITE, SVC),
    (f"{SITE}/", SVC),
    (f"  {SITE}  ", SVC),
    (SVC, SVC),
    (f"{SITE}/Remote/Services88/CustomerService.svc", SVC),
    (f"{SITE}/remote/services87/customerservice.svc", SVC),
    ("http://127.0.0.1:8087", "http://127.0.0.1:8087/Remote/Services87/CustomerService.svc"),
    (f"{SITE}?ticket=abc#frag", SVC),
])
def test_site_or_service_url(url: str, service_url: str) -> None:
    s = Settings(url)
    assert s.service_url("CustomerService") == service_url
    assert s.service_url("SoPrincipal") == service_url.replace("CustomerService", "SoPrincipal")
    assert s.display_url == service_url


@pytest.mark.parametrize(("url", "words"), [
    ("", "SUPEROFFICE_URL must be an http(s) URL"),
    ("sod.superoffice.com/Cust12345", "SUPEROFFICE_URL must be an http(s) URL"),
    ("ftp://host/x", "SUPEROFFICE_URL must be an http(s) URL"),
    ("https:///nohost", "SUPEROFFICE_URL must be an http(s) URL"),
    ("https://bob:hunter2@host/Cust1", "must not carry a user name or password"),
])
def test_bad_urls_name_the_variable(url: str, words: str) -> None:
    with pytest.raises(ConfigurationError, match=words.replace("(", r"\(").replace(")", r"\)")) \
            as info:
        Settings(url)
    assert "hunter2" not in str(info.value)


def test_a_secret_in_the_url_query_is_not_repeated() -> None:
    with pytest.raises(ConfigurationError) as info:
        Settings("ftp://host/x?ticket=7T:SECRET")
    assert "SECRET" not in str(info.value)


@pytest.mark.parametrize(("changes", "words"), [
    ({"timeout": 0}, "SUPEROFFICE_TIMEOUT"),
    ({"timeout": -1.0}, "SUPEROFFICE_TIMEOUT"),
    ({"timeout": float("nan")}, "SUPEROFFICE_TIMEOUT"),
    ({"timeout": float("inf")}, "SUPEROFFICE_TIMEOUT"),
    ({"max_reply_bytes": 10}, "SUPEROFFICE_MAX_REPLY_BYTES"),
    ({"user": "ann"}, "SUPEROFFICE_PASSWORD go together"),
    ({"password": "pw"}, "SUPEROFFICE_PASSWORD go together"),
])
def test_invalid_values_name_the_variable(changes: dict[str, object], words: str) -> None:
    with pytest.raises(ConfigurationError, match=words):
        Settings(SITE, **changes)  # type: ignore[arg-type]


def test_from_env_reads_every_variable() -> None:
    env = {
        "SUPEROFFICE_URL": SITE, "SUPEROFFICE_TICKET": "7T:t", "SUPEROFFICE_APP_TOKEN": "app",
        "SUPEROFFICE_TIMEOUT": "2.5", "SUPEROFFICE_VERIFY_TLS": "no",
        "SUPEROFFICE_USE_SERVER_WSDL": "yes", "SUPEROFFICE_MAX_REPLY_BYTES": "4096",
    }
    s = Settings.from_env(env)
    assert (s.url, s.ticket, s.app_token, s.timeout) == (SITE, "7T:t", "app", 2.5)
    assert (s.verify_tls, s.use_server_wsdl, s.max_reply_bytes) == (False, True, 4096)
    assert s.credential_kind == "ticket"


def test_options_override_the_environment_and_none_means_not_given() -> None:
    env = {"SUPEROFFICE_URL": SITE, "SUPEROFFICE_USER": "env-user",
           "SUPEROFFICE_PASSWORD": "env-pw"}
    s = Settings.from_env(env, url="http://127.0.0.1:1", user="cli-user", password=None)
    assert (s.url, s.user, s.password) == ("http://127.0.0.1:1", "cli-user", "env-pw")
    assert s.credential_kind == "user name and password"


def test_defaults() -> None:
    s = Settings.from_env({"SUPEROFFICE_URL": SITE})
    assert (s.timeout, s.verify_tls, s.use_server_wsdl) == (10.0, True, False)
    assert s.max_reply_bytes >= 1024 * 1024
    assert s.credential_kind == "none"


def test_empty_variables_count_as_unset() -> None:
    s = Settings.from_env({"SUPEROFFICE_URL": SITE, "SUPEROFFICE_TICKET": "",
                           "SUPEROFFICE_TIMEOUT": ""})
    assert (s.ticket, s.timeout) == (None, 10.0)


@pytest.mark.parametrize(("env", "words"), [
    ({}, "No NetServer URL: set SUPEROFFICE_URL"),
    ({"SUPEROFFICE_URL": SITE, "SUPEROFFICE_TIMEOUT": "soon"}, "SUPEROFFICE_TIMEOUT must be a"),
    ({"SUPEROFFICE_URL": SITE, "SUPEROFFICE_VERIFY_TLS": "maybe"}, "SUPEROFFICE_VERIFY_TLS"),
    ({"SUPEROFFICE_URL": SITE, "SUPEROFFICE_MAX_REPLY_BYTES": "1e6"},
     "SUPEROFFICE_MAX_REPLY_BYTES must be a whole number"),
])
def test_from_env_errors_name_the_variable(env: dict[str, str], words: str) -> None:
    with pytest.raises(ConfigurationError, match=words):
        Settings.from_env(env)


def test_secrets_stay_out_of_repr_and_equality() -> None:
    a = Settings(SITE, ticket="7T:SECRET-TICKET", app_token="SECRET-APP",
                 user="ann", password="SECRET-PW")
    text = repr(a) + str(a)
    assert "ann" in text
    assert all(s not in text for s in ("SECRET-TICKET", "SECRET-APP", "SECRET-PW"))
    assert a == a.with_changes(password="other", ticket=None)


def test_settings_are_frozen() -> None:
    s = Settings(SITE)
    with pytest.raises(AttributeError):
        s.url = "http://elsewhere"  # type: ignore[misc]


@pytest.mark.parametrize(("kwargs", "says"), [
    ({"url": "https://crm.example.com/Cust1"}, []),
    ({"url": "http://127.0.0.1:8087"}, []),  # loopback: the demo, a tunnel
    ({"url": "http://localhost/Cust1"}, []),
    ({"url": "http://crm.example.com/Cust1"}, ["SUPEROFFICE_URL is plain http://"]),
    ({"url": "https://crm.example.com/Cust1", "verify_tls": False},
     ["SUPEROFFICE_VERIFY_TLS is off"]),
    ({"url": "https://sod.superoffice.com/Cust1", "login_url": "http://login.example.com"},
     ["SUPEROFFICE_LOGIN_URL is plain http://"]),
], ids=["https", "loopback", "localhost", "http", "tls-off", "login-http"])
def test_insecure_transport_is_said_out_loud(kwargs: dict[str, Any], says: list[str]) -> None:
    got = Settings(**kwargs).insecure
    assert [s[:len(w)] for s, w in zip(got, says, strict=True)] == says


# -- secrets with a stray character; passwords over plain http (issue 17) --------------------
STRAY = [
    # setting, value (the secret), other settings it needs
    ("ticket", "7T:abc-secret\nX-Injected: 1", {"transport": "rest"}),
    ("ticket", "7T:abc-secret\r", {}),
    ("ticket", "7T:abc secret", {}),
    ("access_token", "8A:bearer-secret\t", {"transport": "rest"}),
    ("app_token", "app-secret\x1b[2J", {"user": "sam", "password": "pw-secret"}),
    ("password", "pw-secret\n", {"user": "sam"}),
    ("password", "pw-secret\u200b", {"user": "sam"}),  # a zero-width space (Unicode Cf)
    ("system_user_token", "sys-secret\x00", {"private_key_path": "/k.pem", "context": "Cust1",
                                             "app_token": "app"}),
]


@pytest.mark.parametrize(("name", "secret", "others"), STRAY,
                         ids=[f"{n}-{i}" for i, (n, _, _) in enumerate(STRAY)])
def test_a_secret_with_whitespace_or_a_control_character_is_refused_by_its_name(
        name: str, secret: str, others: dict[str, str]) -> None:
    """Regression (issue 17): a REST ticket holding a line break was reported as "the
    connection failed", while the chained exception held `SOTicket <secret>` in clear."""
    with pytest.raises(ConfigurationError) as caught:
        Settings(url=SITE, **{name: secret, **others})
    err = caught.value
    assert str(err).startswith(ENV_VARS[name])
    assert "The value is not shown" in str(err)
    for text in (str(err), repr(err), "".join(traceback.format_exception(err))):
        assert secret.strip() not in text
    assert err.__cause__ is None


def test_a_password_may_hold_plain_spaces() -> None:
    assert Settings(url=SITE, user="sam", password="correct horse battery").password


@pytest.mark.parametrize(("kwargs", "refused"), [
    ({"url": "http://crm.example.com/Cust1", "user": "sam", "password": "pw"}, "SUPEROFFICE_URL"),
    ({"url": "https://sod.superoffice.com/Cust1", "system_user_token": "t",
      "private_key_path": "/k.pem", "context": "Cust1", "app_token": "a",
      "login_url": "http://login.example.com"}, "SUPEROFFICE_LOGIN_URL"),
    ({"url": "http://127.0.0.1:8087", "user": "sam", "password": "pw"}, None),  # the demo
    ({"url": "http://localhost/Cust1", "user": "sam", "password": "pw"}, None),
    ({"url": "http://crm.example.com/Cust1", "user": "sam", "password": "pw",
      "allow_plain_http": True}, None),
    ({"url": "http://crm.example.com/Cust1", "ticket": "7T:t"}, None),  # said in `insecure`
], ids=["password", "system-user", "loopback", "localhost", "opted-in", "ticket"])
def test_a_password_over_plain_http_to_another_machine_needs_the_opt_in(
        kwargs: dict[str, Any], refused: str | None) -> None:
    if refused is None:
        assert Settings(**kwargs).url
        return
    with pytest.raises(ConfigurationError) as caught:
        Settings(**kwargs)
    assert str(caught.value).startswith(f"{refused} is plain http:// to another machine")
    assert "SUPEROFFICE_ALLOW_PLAIN_HTTP=true" in str(caught.value)


def test_the_opt_in_and_the_limits_come_from_the_environment() -> None:
    s = Settings.from_env({"SUPEROFFICE_URL": "http://crm.example.com/Cust1",
                           "SUPEROFFICE_USER": "sam", "SUPEROFFICE_PASSWORD": "pw",
                           "SUPEROFFICE_ALLOW_PLAIN_HTTP": "true",
                           "SUPEROFFICE_MAX_VALUES": "200",
                           "SUPEROFFICE_MAX_REPLY_BYTES": "65536"})
    assert (s.allow_plain_http, s.max_values, s.max_reply_bytes) == (True, 200, 65536)
    assert Settings(SITE).max_reply_bytes == 4 * 1024 * 1024
    with pytest.raises(ConfigurationError, match=r"^SUPEROFFICE_MAX_VALUES must be"):
        Settings(SITE, max_values=0)
