"""The benchmark's store (bench/dashboard.py), built small: every page renders on it and
shows what was written.  The full-size figures come from `python -m bench.dashboard`."""

import shutil
from pathlib import Path

import pytest
import streamlit as st

from bench.dashboard import (
    CHROMIUM,
    CONFIG,
    FIRST_VISIT,
    PAGES,
    browser_times,
    build_store,
    render_times,
    stored_counts,
)
from tests.conftest import require_or_skip
from tests.dashboard.helpers import frame, run_page

LISTINGS, REVIEWS = 45, 900


@pytest.fixture
def bench_env(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'bench.db'}"
    counts = build_store(url, listings=LISTINGS, reviews=REVIEWS)
    config = tmp_path / "quietwatch.toml"
    config.write_text(CONFIG, encoding="utf-8")
    monkeypatch.setenv("QUIETWATCH_DATABASE_URL", url)
    monkeypatch.setenv("QUIETWATCH_CONFIG", str(config))
    st.cache_data.clear()
    st.cache_resource.clear()
    yield url, config, counts
    st.cache_data.clear()
    st.cache_resource.clear()


def test_the_bench_store_holds_what_it_says(bench_env):
    url, _, counts = bench_env
    assert stored_counts(url) == {"listings": LISTINGS + 20, "reviews": REVIEWS}
    assert counts["listings"] == LISTINGS
    assert counts["reviews"] == REVIEWS
    assert counts["review versions"] == len(range(0, REVIEWS, 31))


def test_every_page_renders_on_the_bench_store(bench_env):
    removed = len(range(0, REVIEWS, 97))
    at = run_page()
    assert not at.exception
    sites = frame(at, "overview-sites")
    assert len(sites) == 9
    assert sites["Reviews held"].sum() == REVIEWS - removed
    assert sites["Removed"].sum() == removed

    at = run_page("listings")
    assert not at.exception
    assert len(frame(at, "listings-table")) == LISTINGS
    assert len(frame(at, "listings-discovered")) == 20

    at = run_page("reviews")
    assert not at.exception
    assert any(f"{REVIEWS:,} review(s) match" in c.value for c in at.caption)
    at.selectbox(key="reviews-edited").set_value("Yes").run()
    assert len(frame(at, "reviews-table")) == len(range(0, REVIEWS, 31))

    at = run_page("compliance")
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Open owner responses"] == str(len(range(0, REVIEWS, 211)))
    assert metrics["Audit log entries"] == "500"

    at = run_page("health")
    assert not at.exception
    assert len(frame(at, "health-failing")) == len(range(0, LISTINGS, 37))
    assert len(frame(at, "health-stale")) == len(range(0, LISTINGS, 53))
    assert len(frame(at, "health-runs")) == 30


def test_the_bench_measures_every_page(bench_env):
    url, config, _ = bench_env
    times = render_times(url, config, repeats=1)
    assert [t.page for t in times] == [
        "Overview",
        "Listings",
        "Reviews",
        "Reviews, filter changed",
        "Compliance",
        "Crawl health",
    ]
    assert all(t.first_s is not None and t.first_s > 0 and t.after_s > 0 for t in times)


@pytest.mark.browser
@pytest.mark.slow
def test_the_browser_bench_times_each_pages_cold_first_load(bench_env):
    """``--browser``: the first visit of a new browser, then each page cold on a dashboard
    started for it, through the sidebar, and reloaded -- every figure a real load."""
    require_or_skip(bool(shutil.which("chromium")) or Path(CHROMIUM).exists(), "Debian chromium")
    url, config, _ = bench_env
    times = browser_times(url, config, repeats=1)
    assert [t.page for t in times] == [
        FIRST_VISIT,
        *(page for title in PAGES for page in (title, f"  {title}, reloaded")),
    ]
    assert all(t.after_s > 0 for t in times)
    cold = [t for t in times[1:] if t.first_s is not None]
    assert [t.page for t in cold] == list(PAGES)
    assert all(t.first_s > 0 and "1 cold loads, each on a new process" in t.note for t in cold)
