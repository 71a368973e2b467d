"""`quietwatch auth google`: Google's installed-app OAuth flow, for real, against local servers.

The consent page is the one thing a person does; a stand-in browser does it here (it follows
the consent link back to QuietWatch's loopback server with a code, as Google's page would).
The code is exchanged at a local server standing in for Google's OAuth token endpoint (the
client secrets file names it, as Google's own file names Google's), so nothing reaches the
internet.  `--list-locations` then reads the account and location listing, GET only."""

import json
import stat
import threading
import urllib.request
import webbrowser
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import keyring
import pytest
from click.testing import CliRunner
from keyring.backend import KeyringBackend
from pytest_httpserver import HTTPServer

from crawlers import google_business
from quietwatch import demo
from quietwatch.cli import main

ACCOUNT = "accounts/108234567890123456789"
LOCATION = "locations/4567890123456789012"
NOT_AUTHORISED = "Google no longer accepts QuietWatch's authorisation; run quietwatch auth google"


class MemoryKeyring(KeyringBackend):
    """An OS keyring for the test process (this machine has none)."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.entries: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.entries.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.entries[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.entries.pop((service, username), None)


@pytest.fixture
def memory_keyring() -> Iterator[MemoryKeyring]:
    previous = keyring.get_keyring()
    ring = MemoryKeyring()
    keyring.set_keyring(ring)
    yield ring
    keyring.set_keyring(previous)


@pytest.fixture
def token_server() -> Iterator[HTTPServer]:
    server = HTTPServer(host="127.0.0.1", port=0)
    server.start()
    yield server
    server.clear()
    server.stop()


def _config(tmp_path: Path, token_file: str | None) -> Path:
    path = demo.write_config(tmp_path, "http://127.0.0.1:9")
    if token_file:
        with path.open("a", encoding="utf-8") as fh:
            fh.write(f'\n[google]\ntoken_file = "{token_file}"\n')
    return path


class ConsentingBrowser:
    """Opens the consent link the way a person who says yes would end up: Google sends the
    browser to the loopback redirect with a code and the state it was given."""

    def __init__(self) -> None:
        self.opened: list[str] = []

    def open(self, url: str, new: int = 0, autoraise: bool = True) -> bool:
        self.opened.append(url)
        query = parse_qs(urlsplit(url).query)
        back = (
            query["redirect_uri"][0]
            + "?"
            + urlencode(
                {
                    "state": query["state"][0],
                    "code": "4/test-consent-code",
                    "scope": query["scope"][0],
                }
            )
        )
        threading.Thread(target=lambda: urllib.request.urlopen(back, timeout=10).read()).start()
        return True


def test_consent_flow_keeps_the_refresh_token_in_an_owner_only_file(
    tmp_path: Path, token_server: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    token_server.expect_request("/token", method="POST").respond_with_json(
        {
            "access_token": "ya29.fresh-access",
            "expires_in": 3599,
            "refresh_token": "1//fresh-refresh-token",
            "scope": google_business.SCOPE,
            "token_type": "Bearer",
        }
    )
    secrets = tmp_path / "client_secret.json"
    secrets.write_text(
        json.dumps(
            {
                "installed": {
                    "client_id": "1234-test.apps.googleusercontent.com",
                    "client_secret": "GOCSPX-test-secret",
                    "auth_uri": "https://accounts.google.com/o/oauth2/auth",
                    "token_uri": token_server.url_for("/token"),
                    "redirect_uris": ["http://localhost"],
                }
            }
        )
    )
    browser = ConsentingBrowser()
    monkeypatch.setattr(webbrowser, "get", lambda using=None: browser)
    # oauthlib insists on https for the token endpoint; the local stand-in speaks http.
    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")
    config = _config(tmp_path, "secrets/google-token.json")

    result = CliRunner().invoke(
        main, ["--config", str(config), "auth", "google", "--client-secrets", str(secrets)]
    )
    assert result.exit_code == 0, result.output
    token_file = tmp_path / "secrets" / "google-token.json"  # relative to the config's folder
    assert f"keeps its authorisation in {token_file}" in result.output

    consent = parse_qs(urlsplit(browser.opened[0]).query)
    assert consent["scope"] == [google_business.SCOPE]
    assert consent["access_type"] == ["offline"] and consent["prompt"] == ["consent"]
    assert consent["redirect_uri"][0].startswith("http://127.0.0.1:")  # the loopback redirect
    (exchange, _), *more = token_server.log
    assert not more and exchange.method == "POST"
    assert exchange.form["grant_type"] == "authorization_code"
    assert exchange.form["code"] == "4/test-consent-code"

    assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
    kept = json.loads(token_file.read_text())
    assert kept == {
        "refresh_token": "1//fresh-refresh-token",
        "client_id": "1234-test.apps.googleusercontent.com",
        "client_secret": "GOCSPX-test-secret",
        "scopes": [google_business.SCOPE],
    }  # the short-lived access token is not kept


def test_list_locations_from_the_keyring_reads_with_get_only(
    tmp_path: Path,
    httpserver: HTTPServer,
    token_server: HTTPServer,
    memory_keyring: MemoryKeyring,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    token_server.expect_request("/token", method="POST").respond_with_json(
        {"access_token": "ya29.listing-access", "expires_in": 3599, "token_type": "Bearer"}
    )
    auth = {"Authorization": "Bearer ya29.listing-access"}
    httpserver.expect_request("/v1/accounts", headers=auth).respond_with_json(
        {"accounts": [{"name": ACCOUNT, "accountName": "Harbour Counselling", "type": "PERSONAL"}]}
    )
    httpserver.expect_request(f"/v1/{ACCOUNT}/locations", headers=auth).respond_with_json(
        {
            "locations": [
                {
                    "name": LOCATION,
                    "title": "Harbour Counselling Collective",
                    "storefrontAddress": {
                        "regionCode": "CA",
                        "postalCode": "V6H 1G6",
                        "administrativeArea": "BC",
                        "locality": "Vancouver",
                        "addressLines": ["1234 W Broadway #200"],
                    },
                }
            ]
        }
    )
    config = _config(tmp_path, None)  # no token file: the OS keyring
    google_business.TokenStore(clinic_key="harbourview").save(
        {"refresh_token": "1//r", "client_id": "c", "client_secret": "s"}
    )
    assert ("quietwatch", "google-business-profile:harbourview") in memory_keyring.entries
    monkeypatch.setenv("QUIETWATCH_GOOGLE_BUSINESS_API_BASE", httpserver.url_for(""))
    monkeypatch.setenv("QUIETWATCH_GOOGLE_OAUTH_TOKEN_URI", token_server.url_for("/token"))

    result = CliRunner().invoke(
        main, ["--config", str(config), "auth", "google", "--list-locations"]
    )
    assert result.exit_code == 0, result.output
    assert "Harbour Counselling Collective — 1234 W Broadway #200, Vancouver" in result.output
    assert f'location = "{ACCOUNT}/{LOCATION}"' in result.output
    assert [r.method for r, _ in httpserver.log] == ["GET", "GET"]
    assert httpserver.log[1][0].args["readMask"] == "name,title,storefrontAddress"


def test_list_locations_with_a_revoked_token_says_so_plainly(
    tmp_path: Path, token_server: HTTPServer, memory_keyring: MemoryKeyring, monkeypatch
) -> None:
    token_server.expect_request("/token", method="POST").respond_with_json(
        {"error": "invalid_grant", "error_description": "Token has been expired or revoked."},
        status=400,
    )
    config = _config(tmp_path, None)
    google_business.TokenStore(clinic_key="harbourview").save(
        {"refresh_token": "1//revoked", "client_id": "c", "client_secret": "s"}
    )
    monkeypatch.setenv("QUIETWATCH_GOOGLE_BUSINESS_API_BASE", "http://127.0.0.1:9")
    monkeypatch.setenv("QUIETWATCH_GOOGLE_OAUTH_TOKEN_URI", token_server.url_for("/token"))
    result = CliRunner().invoke(
        main, ["--config", str(config), "auth", "google", "--list-locations"]
    )
    assert result.exit_code == 1
    assert NOT_AUTHORISED in result.output and "Traceback" not in result.output


def test_without_a_keyring_or_token_file_it_says_where_to_keep_the_token(
    tmp_path: Path,
) -> None:
    config = _config(tmp_path, None)
    result = CliRunner().invoke(
        main, ["--config", str(config), "auth", "google", "--list-locations"]
    )
    assert result.exit_code == 1
    assert "not authorised yet: run quietwatch auth google --client-secrets FILE" in (result.output)
