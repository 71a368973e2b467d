"""`quietwatch parse`: a saved file through the spider's own callback, and a URL fetched once
with GET through the crawl's guards (a real one-page crawl against a local server)."""

import json
import os
import subprocess
import sys

import pytest
from click.testing import CliRunner
from pytest_httpserver import HTTPServer

from quietwatch.parse_command import parse
from tests.conftest import REPO, shared_fixture

pytestmark = pytest.mark.shared
SAMRA = "ratemds/ratemds_psychologist_Dr-Joti-Samra-Vancouver-BC.html"


def test_parse_a_saved_page_prints_facts_reviews_next_link() -> None:
    result = CliRunner().invoke(parse, [str(shared_fixture(SAMRA)), "--site", "ratemds"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["status"] == "ok" and data["problem"] is None
    assert data["facts"]["region"] == "British Columbia" and data["facts"]["phone"] is None
    assert len(data["reviews"]) == 10 and data["next_url"].endswith("?page=2")


def test_parse_a_saved_wall_says_blocked_and_names_it() -> None:
    wall = shared_fixture("yelp/yelp_blocked_datadome_captcha_2025.html")
    data = json.loads(CliRunner().invoke(parse, [str(wall), "--site", "yelp"]).output)
    assert data["status"] == "blocked" and "DataDome" in data["problem"]


def test_parse_a_missing_file_is_one_clear_line() -> None:
    result = CliRunner().invoke(parse, ["/nonexistent/page.html", "--site", "yelp"])
    assert result.exit_code != 0 and "no such file" in result.output
    assert "Traceback" not in result.output


@pytest.mark.slow
def test_parse_a_url_fetches_once_with_get_and_obeys_robots(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/robots.txt").respond_with_data(
        "User-agent: *\nDisallow: /private/\n", content_type="text/plain"
    )
    httpserver.expect_request("/doctor-ratings/3573157/x.html", method="GET").respond_with_data(
        shared_fixture(SAMRA).read_bytes(), content_type="text/html; charset=utf-8"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("QUIETWATCH_")}

    def run(url: str) -> dict:
        result = subprocess.run(
            [sys.executable, "-m", "quietwatch", "parse", url, "--site", "ratemds"],
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 0, result.stderr[-2000:]
        assert "Traceback" not in result.stderr
        return json.loads(result.stdout)

    data = run(httpserver.url_for("/doctor-ratings/3573157/x.html"))
    assert data["status"] == "ok" and data["facts"]["name"] == "Dr. Joti Samra"
    assert len(data["reviews"]) == 10
    refused = run(httpserver.url_for("/private/doctor.html"))
    assert refused["status"] == "robots"
    fetched = [r.path for r, _ in httpserver.log]
    assert fetched.count("/doctor-ratings/3573157/x.html") == 1
    assert "/private/doctor.html" not in fetched
