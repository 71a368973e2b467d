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
from store.models import AuditEntry, Finding, Listing, Review
from tests.conftest import REPO

pytestmark = pytest.mark.slow

APP = str(REPO / "dashboard" / "app.py")
PAGES = ("overview", "listings", "reviews", "compliance", "health")


def test_demo_populates_a_store_every_page_can_show(tmp_path: Path, monkeypatch) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("QUIETWATCH_")}
    result = subprocess.run(
        [sys.executable, "-m", "quietwatch", "demo", "--dir", str(tmp_path), "--no-dashboard"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    db = tmp_path / "data" / "quietwatch.db"
    assert db.exists()
    url = f"sqlite:///{db}"
    engine = make_engine(url, read_only=True)
    with Session(engine) as s:
        assert s.exec(select(func.count()).select_from(Review)).one() == 47
        assert s.exec(select(func.count()).select_from(Listing)).one() == 4
        assert s.exec(select(func.count()).select_from(Finding)).one() >= 1
    engine.dispose()

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
    assert {"yelp", "ratemds"} <= shown_sites, "the overview lists the demo's sites"
    at.switch_page("views/reviews.py").run()
    reply = [b for b in at.button if "Reply" in b.label]
    assert reply, "the Reviews page offers a (blocked) Reply"
    reply[0].click().run()
    engine = make_engine(url, read_only=True)
    with Session(engine) as s:
        assert s.exec(select(func.count()).select_from(AuditEntry)).one() == 1
    engine.dispose()
    st.cache_data.clear()
