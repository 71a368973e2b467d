"""A crawl always ends when asked to; no credential follows a redirect to another host; no
configured secret reaches the store, a log line or the screen."""

import http.server
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from scrapy import Request

from crawlers.middlewares import ScopeMiddleware, without_credentials
from store.db import make_engine
from store.secrets import register, scrub
from tests.conftest import REPO
from tests.crawlers.api_crawl import crawl as api_crawl
from tests.crawlers.test_site_crawls import write_config
from tests.hostile.site import OTHER_HOST
from tests.ops.helpers import clean_env

pytestmark = pytest.mark.slow

PLANTED = "QWPLANTEDKEY-9f3c2a7d51e0"  # recognisable anywhere it might leak


class _NeverAnswers(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 (the standard library's name)
        if self.path == "/robots.txt":
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"User-agent: *\nAllow: /\n")
            return
        time.sleep(60)  # a listing that never answers

    def log_message(self, *args: object) -> None:
        pass


def test_sigterm_ends_a_stuck_crawl_within_seconds_and_marks_it_interrupted(tmp_path) -> None:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _NeverAnswers)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    config = write_config(
        tmp_path,
        [("schema_org", f"{base}/a"), ("schema_org", f"{base}/b")],
        download_delay=300,  # the longest the config allows
    )
    crawl = subprocess.Popen(
        [sys.executable, "-m", "quietwatch", "--config", str(config), "crawl", "--no-progress"],
        cwd=REPO,
        env=clean_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        time.sleep(6)  # started, and waiting on a page that never comes
        asked = time.monotonic()
        crawl.send_signal(signal.SIGTERM)
        out, err = crawl.communicate(timeout=60)
        took = time.monotonic() - asked
    finally:
        if crawl.poll() is None:
            crawl.kill()
        server.shutdown()
    assert took < 20, f"the crawl took {took:.0f} s to stop"
    assert crawl.returncode == 1 and "interrupted" in out and "Traceback" not in err
    engine = make_engine(f"sqlite:///{tmp_path / 'data' / 'quietwatch.db'}")
    try:
        with engine.connect() as conn:
            statuses = conn.exec_driver_sql("SELECT status FROM crawlrun").scalars().all()
        assert statuses == ["interrupted"]
    finally:
        engine.dispose()


def test_a_redirect_to_another_host_keeps_the_api_key(tmp_path, httpserver: HTTPServer) -> None:
    other = HTTPServer(host=OTHER_HOST, port=0)
    other.expect_request("/v1/places/ChIJplanted").respond_with_json({"id": "x"})
    other.start()
    try:
        httpserver.expect_request("/v1/places/ChIJplanted").respond_with_data(
            "", status=302, headers={"Location": other.url_for("/v1/places/ChIJplanted")}
        )
        db_url = f"sqlite:///{tmp_path / 'qw.db'}"
        from tests.conftest import migrate

        migrate(db_url)
        result = api_crawl(
            tmp_path,
            db_url,
            [
                {
                    "site": "google",
                    "api": "places_v1",
                    "place_id": "ChIJplanted",
                    "url": "https://www.google.com/maps/place/?q=place_id:ChIJplanted",
                }
            ],
            {
                "GOOGLE_PLACES_API_KEY": PLANTED,
                "QUIETWATCH_GOOGLE_PLACES_API_BASE": httpserver.url_for(""),
            },
        )
        assert other.log == []  # the other host got nothing: no request, so no key
        assert PLANTED not in result.stderr
        engine = make_engine(db_url)
        try:
            with engine.connect() as conn:
                said = conn.exec_driver_sql("SELECT message FROM crawlproblem").scalars().all()
        finally:
            engine.dispose()
        assert any(f"redirected to another host, {OTHER_HOST}" in m for m in said), said
    finally:
        other.clear()
        if other.is_running():
            other.stop()


def test_every_credential_is_taken_off_a_request_redirected_to_another_host() -> None:
    redirected = Request(
        "https://maps.googleapis.com/maps/api/place/details/json?place_id=x&key=" + PLANTED,
        headers={"X-Goog-Api-Key": PLANTED, "Authorization": f"Bearer {PLANTED}"},
        meta={"redirect_urls": ["https://places.googleapis.com/v1/places/x"]},
    )
    cleaned = without_credentials(redirected)
    assert PLANTED not in cleaned.url and "place_id=x" in cleaned.url
    assert not {b"X-Goog-Api-Key", b"Authorization"} & set(cleaned.headers.keys())

    class _Crawler:
        stats = type("S", (), {"inc_value": lambda *a, **k: None})()
        spider = None

    again = ScopeMiddleware(_Crawler()).process_request(redirected)
    assert isinstance(again, Request) and PLANTED not in again.url  # scheduled again, clean


def test_a_planted_key_reaches_no_store_row_log_line_or_screen(tmp_path, httpserver) -> None:
    """An API error that echoes the request (key and all) is stored and printed scrubbed."""
    echo = (
        f"Invalid request https://maps.googleapis.com/x?key={PLANTED}&place_id=p "
        f"with header X-Goog-Api-Key: {PLANTED}"
    )
    httpserver.expect_request("/v1/places/ChIJplanted").respond_with_json(
        {"error": {"code": 400, "message": echo, "status": "INVALID_ARGUMENT"}}, status=400
    )
    db_url = f"sqlite:///{tmp_path / 'qw.db'}"
    from tests.conftest import migrate

    migrate(db_url)
    result = api_crawl(
        tmp_path,
        db_url,
        [
            {
                "site": "google",
                "api": "places_v1",
                "place_id": "ChIJplanted",
                "url": "https://www.google.com/maps/place/?q=place_id:ChIJplanted",
            }
        ],
        {
            "GOOGLE_PLACES_API_KEY": PLANTED,
            "QUIETWATCH_GOOGLE_PLACES_API_BASE": httpserver.url_for(""),
        },
    )
    assert PLANTED not in result.stderr  # the whole DEBUG log
    store = Path(db_url.removeprefix("sqlite:///"))
    everything = b"".join(p.read_bytes() for p in store.parent.glob("qw.db*"))
    assert PLANTED.encode() not in everything  # no row, no WAL frame
    engine = make_engine(db_url)
    try:
        with engine.connect() as conn:
            said = " ".join(conn.exec_driver_sql("SELECT message FROM crawlproblem").scalars())
        assert "Invalid request" in said  # the API's words stay, without the key
    finally:
        engine.dispose()


def test_scrub_masks_registered_secrets_and_credential_shapes() -> None:
    register(PLANTED)
    text = f"GET /x?key={PLANTED}&a=1 Authorization: Bearer abcdefghijk123 {PLANTED}"
    cleaned = scrub(text)
    assert PLANTED not in cleaned and "abcdefghijk123" not in cleaned
    assert cleaned.count("***") >= 3 and "a=1" in cleaned


def test_taking_credentials_off_keeps_everything_else() -> None:
    """Any case of a credential's name goes; blank values, other keys and headers, the
    method and the meta stay; a request with no credential is left as it is."""
    plain = Request("https://example.org/a?x=1&empty=", headers={"Accept": "text/html"})
    assert without_credentials(plain) is plain
    request = Request(
        "https://example.org/a?place_id=x&empty=&API_KEY=k1&Token=k2&sig=k3",
        headers={"cookie": "session=s", "Accept": "application/json"},
        method="HEAD",
        meta={"listing_url": "https://example.org/a"},
    )
    cleaned = without_credentials(request)
    assert cleaned.url == "https://example.org/a?place_id=x&empty="
    assert cleaned.method == "HEAD" and cleaned.meta["listing_url"] == "https://example.org/a"
    assert cleaned.headers.get("Accept") == b"application/json"
    assert "Cookie" not in cleaned.headers and "cookie" not in cleaned.headers
    only_header = Request("https://example.org/a?x=1", headers={"Authorization": "Bearer t"})
    cleaned = without_credentials(only_header)
    assert cleaned is not only_header and cleaned.url == "https://example.org/a?x=1"
    assert "Authorization" not in cleaned.headers
