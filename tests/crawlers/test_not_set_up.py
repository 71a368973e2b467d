"""A source with no key or token is "not set up", not failed: `quietwatch crawl` (a
subprocess) with Google and Facebook sources and no keys at all exits 0 when the other
sources were read, says once per site what to set up, and the Crawl health page (the real
Streamlit app) shows those sources neither failing nor stale."""

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import streamlit as st
from sqlmodel import Session, select
from streamlit.testing.v1 import AppTest

from quietwatch import demo
from quietwatch.demo.server import SampleServer
from quietwatch.monitor import stale_sources
from store.db import make_engine
from store.models import CrawlProblem, CrawlRun, ListingCheck, ListingRead
from tests.conftest import REPO
from tests.dashboard.conftest import APP

pytestmark = pytest.mark.slow

GOOGLE = "Google: not set up — add GOOGLE_PLACES_API_KEY or run quietwatch auth google; see README"
FACEBOOK = "Facebook: not set up — add FACEBOOK_PAGE_TOKEN; see README"
PLACE = "https://www.google.com/maps/place/?q=place_id:ChIJharbourview"
BUSINESS = "https://www.google.com/maps/place/?q=place_id:ChIJharbourview-owner"
PAGE = "https://www.facebook.com/harbourviewcounselling"


def _config(directory: Path, base_url: str) -> Path:
    clinic = "\n".join(f'{k} = "{v}"' for k, v in demo.CLINIC.items())
    path = directory / "quietwatch.toml"
    path.write_text(
        f"""[clinic]
{clinic}

[[sources]]
site = "yelp"
url = "{base_url}{demo.YELP_PATH}"

[[sources]]
site = "google"
api = "places_legacy"
url = "{PLACE}"
place_id = "ChIJharbourview"

[[sources]]
site = "google"
api = "places_v1"
url = "{PLACE}&v1"
place_id = "ChIJharbourview"

[[sources]]
site = "google"
api = "business_profile"
url = "{BUSINESS}"
location = "accounts/108234567890123456789/locations/4567890123456789012"

[[sources]]
site = "facebook"
api = "graph"
url = "{PAGE}"
page_id = "104729811234567"

[database]
data_dir = "data"

[crawl]
download_delay = 0
""",
        encoding="utf-8",
    )
    return path


def test_no_keys_at_all_exits_0_and_says_what_is_not_set_up(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = SampleServer(lambda p: None).start()
    server.resolve = demo.resolver(server.base_url, lambda: 1)
    try:
        config = _config(tmp_path, server.base_url)
        secrets = ("YELP_API_KEY", "GOOGLE_PLACES_API_KEY", "FACEBOOK_PAGE_TOKEN")
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith("QUIETWATCH_") and k not in secrets
        }
        result = subprocess.run(
            [sys.executable, "-m", "quietwatch", "--config", str(config), "crawl", "--no-progress"],
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
    finally:
        server.stop()
    out = result.stdout
    assert result.returncode == 0, out + result.stderr[-3000:]
    # Once each, though three Google sources (three spiders) were not set up.
    assert out.count(GOOGLE) == 1 and out.count(FACEBOOK) == 1, out
    assert "could not be read" not in out and "stale" not in out, out
    assert "errors: 0" in out

    db_url = f"sqlite:///{tmp_path / 'data' / 'quietwatch.db'}"
    engine = make_engine(db_url)
    with Session(engine) as s:
        statuses = {c.status for c in s.exec(select(ListingCheck))}
        assert statuses == {"ok", "not_set_up"}
        assert {r.status for r in s.exec(select(CrawlRun))} == {"ok"}
        kinds = {p.kind for p in s.exec(select(CrawlProblem))}
        assert kinds == {"not_set_up"}, kinds  # no error-rate or stale check about them
    engine.dispose()

    monkeypatch.setenv("QUIETWATCH_DATABASE_URL", db_url)
    monkeypatch.setenv("QUIETWATCH_CONFIG", str(config))
    st.cache_data.clear()
    st.cache_resource.clear()
    try:
        at = AppTest.from_file(APP, default_timeout=60).run()
        at.switch_page("views/health.py").run()
        assert not at.exception
        metrics = {m.label: m.value for m in at.metric}
        assert metrics["Failing sources"] == "0"
        stale = next(v for k, v in metrics.items() if k.startswith("Not crawled successfully"))
        assert stale == "0"
    finally:
        st.cache_data.clear()
        st.cache_resource.clear()


def test_a_source_not_set_up_for_weeks_is_not_overdue() -> None:
    """The after-crawl stale check skips a source that was never asked (or can no longer
    give anything), however long ago it was listed; a failing one is overdue."""
    now = datetime(2026, 11, 25, tzinfo=UTC)
    listed = now - timedelta(days=30)
    rows = [
        ListingRead(id=i, site=site, url=f"https://{site}.example/", created_at=listed, **status)
        for i, (site, status) in enumerate(
            (
                ("google", {"last_status": "not_set_up"}),
                ("facebook", {"last_status": "unavailable"}),
                ("yelp", {"last_status": "error"}),
            )
        )
    ]
    checks = stale_sources(rows, timedelta(hours=48), now, run_id=1)
    assert [c.url for c in checks] == ["https://yelp.example/"]
