"""`quietwatch listings find-place`: Find Place (legacy) by text and Place Details for the
phone, GET only, against a local server answering in Google's documented shapes."""

from pathlib import Path

import pytest
from click.testing import CliRunner
from pytest_httpserver import HTTPServer

from quietwatch import demo
from quietwatch.cli import main

KEY = "test-find-place-key-9b2c"
QUERY = "Harbour Counselling Collective, 1234 West Broadway, Vancouver"


def _run(tmp_path: Path, httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch, key: bool):
    config = demo.write_config(tmp_path, "http://127.0.0.1:9")
    monkeypatch.setenv("QUIETWATCH_GOOGLE_MAPS_API_BASE", httpserver.url_for(""))
    if key:
        monkeypatch.setenv("GOOGLE_PLACES_API_KEY", KEY)
    else:
        monkeypatch.delenv("GOOGLE_PLACES_API_KEY", raising=False)
    return CliRunner().invoke(main, ["--config", str(config), "listings", "find-place", QUERY])


def test_candidates_with_address_phone_and_the_config_lines(
    tmp_path: Path, httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    httpserver.expect_request(
        "/maps/api/place/findplacefromtext/json",
        method="GET",
        query_string={
            "input": QUERY,
            "inputtype": "textquery",
            "fields": "place_id,name,formatted_address",
            "key": KEY,
        },
    ).respond_with_json(
        {
            "candidates": [
                {
                    "formatted_address": "1234 W Broadway #200, Vancouver, BC V6H 1G6, Canada",
                    "name": "Harbour Counselling Collective",
                    "place_id": "ChIJharbour1",
                },
                {
                    "formatted_address": "1234 W Broadway #310, Vancouver, BC V6H 1G6, Canada",
                    "name": "Harbour Physio",
                    "place_id": "ChIJphysio2",
                },
            ],
            "status": "OK",
        }
    )
    phones = {"ChIJharbour1": "+1 604-555-0123", "ChIJphysio2": "+1 604-555-0999"}
    for place_id, phone in phones.items():
        httpserver.expect_request(
            "/maps/api/place/details/json",
            method="GET",
            query_string={
                "place_id": place_id,
                "fields": "place_id,formatted_phone_number,international_phone_number",
                "key": KEY,
            },
        ).respond_with_json(
            {
                "html_attributions": [],
                "result": {"place_id": place_id, "international_phone_number": phone},
                "status": "OK",
            }
        )
    result = _run(tmp_path, httpserver, monkeypatch, key=True)
    assert result.exit_code == 0, result.output
    out = result.output
    assert "Harbour Counselling Collective\n  1234 W Broadway #200, Vancouver, BC V6H 1G6" in out
    assert "phone: +1 604-555-0123" in out and "phone: +1 604-555-0999" in out
    assert 'url = "https://www.google.com/maps/place/?q=place_id:ChIJharbour1"' in out
    assert 'place_id = "ChIJharbour1"' in out and 'api = "places_legacy"' in out
    assert KEY not in out
    httpserver.check_assertions()
    assert [r.method for r, _ in httpserver.log] == ["GET", "GET", "GET"]


def test_a_refused_key_or_no_key_is_one_plain_line(
    tmp_path: Path, httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    httpserver.expect_request("/maps/api/place/findplacefromtext/json").respond_with_json(
        {
            "candidates": [],
            "error_message": "The provided API key is invalid.",
            "status": "REQUEST_DENIED",
        }
    )
    refused = _run(tmp_path, httpserver, monkeypatch, key=True)
    assert refused.exit_code == 1
    assert "Google refused the key in GOOGLE_PLACES_API_KEY (REQUEST_DENIED" in refused.output
    assert KEY not in refused.output and "Traceback" not in refused.output
    httpserver.clear()
    none = _run(tmp_path / "again", httpserver, monkeypatch, key=False)
    assert none.exit_code == 1 and "add GOOGLE_PLACES_API_KEY" in none.output
    assert httpserver.log == []
