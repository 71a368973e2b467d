"""`quietwatch demo` as a newcomer runs it: sample sites, two crawls, then every dashboard
page on the store it made (AppTest on the real app, no browser needed)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
import streamlit as st
from sqlmodel import Session, func, select
from streamlit.testing.v1 import AppTest

from store.db import make_engine
from store.models import AuditEntry, CrawlProblem, Finding, Listing, Review
from tests.conftest import REPO

pytestmark = pytest.mark.slow

APP = str(REPO / "dashboard" / "app.py")
PAGES = ("overview", "listings", "reviews", "compliance", "health")


def _demo(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("QUIETWATCH_")}
    return subprocess.run(
        [sys.executable, "-m", "quietwatch", "demo", "--dir", str(tmp_path), *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


def _counts(url: str) -> tuple[int, int, int, list[str]]:
    engine = make_engine(url, read_only=True)
    with Session(engine) as s:
        counts = (
            s.exec(select(func.count()).select_from(Review)).one(),
            s.exec(select(func.count()).select_from(Listing)).one(),
            s.exec(select(func.count()).select_from(Finding)).one(),
            [p.message for p in s.exec(select(CrawlProblem)) if p.kind == "shortfall"],
        )
    engine.dispose()
    return counts


def test_demo_populates_a_store_every_page_can_show(tmp_path: Path, monkeypatch) -> None:
    result = _demo(tmp_path, "--no-dashboard")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    db = tmp_path / "data" / "quietwatch.db"
    assert db.exists()
    url = f"sqlite:///{db}"
    reviews, listings, findings, shortfalls = _counts(url)
    assert (reviews, listings, shortfalls) == (47, 4, [])
    assert findings >= 1

    again = _demo(tmp_path, "--no-dashboard")  # a second `make demo`: the same store
    assert again.returncode == 0, again.stdout[-3000:] + again.stderr[-3000:]
    assert "earlier state" not in again.stdout  # the history is already there
    assert _counts(url) == (reviews, listings, findings, [])

    monkeypatch.setenv("QUIETWATCH_DATABASE_URL", url)
    monkeypatch.setenv("QUIETWATCH_CONFIG", str(tmp_path / "quietwatch.toml"))
    st.cache_data.clear()
    at = AppTest.from_file(APP, default_timeout=60).run()
    for page in PAGES:
        at.switch_page(f"views/{page}.py").run()
        assert not at.exception, (page, [e.value for e in at.exception])
    at.switch_page("views/overview.py").run()
    frames = [df.value for df in at.dataframe]
    shown_sites = {str(v) for f in frames for col in f.columns for v in f[col].tolist()}
    assert {"Yelp", "RateMDs"} <= shown_sites, "the overview lists the demo's sites"
    at.switch_page("views/listings.py").run()
    verdicts = dict(
        zip(at.dataframe[0].value["Site"], at.dataframe[0].value["Verdict"], strict=False)
    )
    assert verdicts["RateMDs"] == "Matches"  # its own page is not the clinic's website
    at.switch_page("views/reviews.py").run()
    reply = [b for b in at.button if "Reply" in b.label]
    assert reply, "the Reviews page offers a (blocked) Reply"
    reply[0].click().run()
    engine = make_engine(url, read_only=True)
    with Session(engine) as s:
        audit = s.exec(select(AuditEntry).order_by(AuditEntry.id)).all()
    engine.dispose()
    # Names are kept as initials from the moment they are stored, so no purge had anything
    # to do; the click is in the log.
    assert "privacy_purge" not in [a.action_id for a in audit]
    assert audit[-1].action_id == "reply_to_review" and audit[-1].origin == "dashboard"
    st.cache_data.clear()


def test_a_taken_port_is_reported_before_the_crawl(tmp_path: Path) -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = _demo(tmp_path, "--port", str(port))
    assert result.returncode == 2
    said = " ".join(result.stdout.split())
    assert f"Port {port} on 127.0.0.1 is taken" in said
    assert "make demo PORT=8601" in said and "quietwatch dashboard --port" in said
    assert "Crawling" not in said and not (tmp_path / "data").exists()
