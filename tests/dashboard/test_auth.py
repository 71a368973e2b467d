"""Exposure (issue 10, item 16): beyond loopback the dashboard requires OpenID Connect
sign-in; the audit and case-log rows name the signed-in person."""

from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from dashboard import auth, launch
from store.config import is_loopback, parse_config
from tests.dashboard.conftest import APP
from tests.dashboard.helpers import audit_rows, texts
from tests.dashboard.seed import CONFIG_TOML

SECRETS = """[auth]
redirect_uri = "https://quietwatch.clinic.example/oauth2callback"
cookie_secret = "a-long-random-string-for-the-test-only-0123456789"
client_id = "quietwatch"
client_secret = "not-a-real-secret"
server_metadata_url = "https://login.clinic.example/.well-known/openid-configuration"
"""


@pytest.mark.parametrize(
    ("host", "loopback"),
    [("127.0.0.1", True), ("127.0.0.2", True), ("localhost", True), ("::1", True),
     ("0.0.0.0", False), ("192.168.1.20", False), ("::", False), ("clinic-pc", False)],
)  # fmt: skip
def test_what_counts_as_loopback(host, loopback):
    assert is_loopback(host) is loopback


def test_what_sign_in_needs(tmp_path: Path):
    secrets = tmp_path / "secrets.toml"
    assert "does not exist" in auth.auth_problem(secrets)
    secrets.write_text('[auth]\nredirect_uri = "https://x.example/oauth2callback"\n')
    problem = auth.auth_problem(secrets)
    assert "cookie_secret, client_id, client_secret, server_metadata_url missing" in problem
    secrets.write_text(SECRETS.replace("/oauth2callback", "/back"))
    assert "must end in /oauth2callback" in auth.auth_problem(secrets)
    secrets.write_text(SECRETS)
    assert auth.auth_problem(secrets) is None
    assert "no [auth.okta] section" in auth.auth_problem(secrets, "okta")


def test_the_launcher_checks_the_secrets_beside_the_config(tmp_path: Path):
    config = parse_config(CONFIG_TOML.replace("{names}", "as_shown"), tmp_path / "q.toml")
    assert launch.exposure_problem(config, "127.0.0.1") is None
    assert "sign-in first" in launch.exposure_problem(config, "0.0.0.0")
    (tmp_path / ".streamlit").mkdir()
    (tmp_path / ".streamlit" / "secrets.toml").write_text(SECRETS)
    assert launch.exposure_problem(config, "0.0.0.0") is None
    command = launch.streamlit_command(config, "sqlite:////x.db")
    assert command[command.index("--secrets.files") + 1] == str(
        tmp_path / ".streamlit" / "secrets.toml"
    )


@pytest.fixture
def exposed(dashboard_env, tmp_path, monkeypatch):
    """The app as if bound to 0.0.0.0, with sign-in configured beside the config."""
    from streamlit import config as st_config

    (tmp_path / ".streamlit").mkdir(exist_ok=True)
    (tmp_path / ".streamlit" / "secrets.toml").write_text(SECRETS)
    previous = st_config.get_option("server.address")
    st_config.set_option("server.address", "0.0.0.0")
    yield dashboard_env
    st_config.set_option("server.address", previous)


def _app(user: dict | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    if user is not None:
        at.user = user
    return at


def test_exposed_and_signed_out_shows_nothing_but_sign_in(exposed):
    at = _app({"is_logged_in": False}).run()
    assert not at.exception
    assert [b.label for b in at.button] == ["Sign in"]
    assert len(at.dataframe) == 0 and "Overview" not in [h.value for h in at.header]


def test_exposed_without_sign_in_configured_shows_how_to(exposed, tmp_path):
    (tmp_path / ".streamlit" / "secrets.toml").unlink()
    at = _app({"is_logged_in": True, "email": "pat@clinic.example"}).run()
    assert not at.exception
    assert at.error[0].value.startswith("The dashboard is reachable from the network")
    assert any("reverse proxy" in t for t in texts(at))
    assert len(at.dataframe) == 0


def test_a_signed_in_person_is_named_in_the_audit_row(exposed, db_url):
    at = _app({"is_logged_in": True, "email": "pat@clinic.example", "name": "Pat"}).run()
    assert not at.exception
    at.button(key="blocked-review_request-overview").click().run()
    assert not at.exception
    assert audit_rows(db_url)[-1]["user"] == "pat@clinic.example"
    assert any(c.value.startswith("Signed in as pat@clinic") for c in at.sidebar.caption)


def test_locally_the_os_user_is_named(dashboard_env, db_url):
    at = _app().run()
    at.button(key="blocked-review_request-overview").click().run()
    assert audit_rows(db_url)[-1]["user"] == auth.os_user()
    st.cache_data.clear()
