"""The router: clinic choice, missing database, bad config, read-only engine."""

import pytest
import sqlalchemy as sa
import streamlit as st

from store import crud
from store.db import make_engine, session_scope
from tests.dashboard.conftest import write_config
from tests.dashboard.helpers import frame, run_page, select_row, texts


@pytest.mark.parametrize("page", [None, "listings", "reviews", "compliance", "health"])
def test_every_page_renders(dashboard_env, page):
    at = run_page(page)
    assert not at.exception
    assert not at.error


def test_a_second_clinic_can_be_chosen(dashboard_env, db_url):
    engine = make_engine(db_url)
    with session_scope(engine) as s:
        other = crud.ensure_clinic(s, key="other", name="Another Practice", phone="250-555-0000")
        listing = crud.ensure_listing(
            s, clinic_id=other, site="bing", url="https://bing.example/other"
        )
        crud.upsert_reviews(
            s,
            listing_id=listing,
            seen_at=crud.utcnow(),
            reviews=[{"site_review_id": "b1", "author": "Q", "rating": 3, "text": "other clinic"}],
        )
    engine.dispose()
    st.cache_data.clear()
    at = run_page("reviews")
    selector = at.sidebar.selectbox(key="clinic_id")
    assert selector.value == dashboard_env.clinic_id  # the config's clinic by default
    assert len(frame(at, "reviews-table")) == 6
    selector.set_value(other).run()
    assert not at.exception
    assert list(frame(at, "reviews-table")["Text"]) == ["other clinic"]
    at.switch_page("views/overview.py").run()
    assert "Another Practice" in texts(at)


def test_one_clinic_needs_no_selector(dashboard_env):
    at = run_page()
    assert len(at.sidebar.selectbox) == 0


def test_missing_database_is_explained(tmp_path, monkeypatch):
    monkeypatch.setenv("QUIETWATCH_DATABASE_URL", f"sqlite:///{tmp_path / 'none.db'}")
    monkeypatch.delenv("QUIETWATCH_CONFIG", raising=False)
    monkeypatch.chdir(tmp_path)
    st.cache_resource.clear()
    at = run_page()
    assert not at.exception
    assert at.error[0].value == "No QuietWatch database yet."
    assert any("quietwatch init" in t for t in texts(at))
    assert not (tmp_path / "none.db").exists()  # a reader never creates the database


def test_bad_config_is_one_clear_message(db_url, tmp_path, monkeypatch):
    bad = tmp_path / "bad.toml"
    bad.write_text('[clinic]\nname = "X"\n[dashboard]\nport = "many"\n', encoding="utf-8")
    monkeypatch.setenv("QUIETWATCH_DATABASE_URL", db_url)
    monkeypatch.setenv("QUIETWATCH_CONFIG", str(bad))
    st.cache_resource.clear()
    at = run_page()
    assert not at.exception
    assert at.error[0].value == "The configuration file cannot be used:"
    assert any("bad.toml" in t for t in texts(at))


def test_the_dashboard_engine_cannot_write(dashboard_env, db_url):
    from dashboard import data

    engine = data.read_engine(db_url)
    with pytest.raises(sa.exc.OperationalError, match="readonly"), engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM review"))


@pytest.mark.postgres
def test_every_page_renders_on_postgresql(pg_url, tmp_path, monkeypatch):
    """The shared-install backend: read-only transactions for the pages, the audit row
    written through the guardrail."""
    from dashboard import data
    from tests.dashboard.seed import seed

    seeded = seed(pg_url)
    monkeypatch.setenv("QUIETWATCH_DATABASE_URL", pg_url)
    monkeypatch.setenv("QUIETWATCH_CONFIG", str(write_config(tmp_path)))
    st.cache_data.clear()
    st.cache_resource.clear()
    try:
        for page in (None, "listings", "reviews", "compliance", "health"):
            at = run_page(page)
            assert not at.exception, page
            assert not at.error, page
        assert len(frame(at, "health-runs")) == 2
        at = run_page("reviews")
        assert len(frame(at, "reviews-table")) == 6
        at.button(key=f"blocked-reply_to_review-review-{seeded.reviews['y4']}").click().run()
        assert not at.exception
        at.switch_page("views/compliance.py").run()
        audit = frame(at, "compliance-audit")
        assert list(audit["What"]) == ["Reply publicly to a review"] * 2
        assert list(audit["From"]) == ["Dashboard", "Command line"]
        # The case log on PostgreSQL: recorded through the page, read back as the case.
        found = frame(at, "compliance-findings")
        finding_id = int(found.iloc[0]["ID"])
        select_row(at, "compliance-findings", column="ID", value=finding_id)
        at.radio(key=f"case-{finding_id}-status").set_value("acknowledged")
        at.button(key=f"FormSubmitter:case-{finding_id}-Record in the case log").click().run()
        assert not at.exception
        assert frame(at, "compliance-findings").set_index("ID").loc[finding_id, "Case"] == (
            "Acknowledged"
        )
        engine = data.read_engine(pg_url)
        with pytest.raises(sa.exc.InternalError, match="read-only"), engine.begin() as conn:
            conn.execute(sa.text("DELETE FROM review"))
    finally:
        st.cache_data.clear()
        st.cache_resource.clear()


def _add_review(db_url: str, listing_id: int, text: str) -> None:
    engine = make_engine(db_url)
    with session_scope(engine) as s:
        crud.upsert_reviews(
            s,
            listing_id=listing_id,
            seen_at=crud.utcnow(),
            reviews=[{"site_review_id": text, "author": "N", "rating": 4, "text": text}],
        )
    engine.dispose()


def test_query_results_are_cached_for_the_configured_time(
    dashboard_env, db_url, tmp_path, monkeypatch
):
    config = write_config(tmp_path)
    config.write_text(
        config.read_text().replace("cache_ttl_seconds = 0", "cache_ttl_seconds = 300")
    )
    monkeypatch.setenv("QUIETWATCH_CONFIG", str(config))
    at = run_page("reviews")
    assert len(frame(at, "reviews-table")) == 6
    _add_review(db_url, dashboard_env.listings["google"], "arrived after the first load")
    at.run()
    assert len(frame(at, "reviews-table")) == 6  # within the TTL: the cached answer
    at.sidebar.button(key="refresh").click().run()
    assert not at.exception
    assert len(frame(at, "reviews-table")) == 7  # "Refresh data" forgets the cache


def test_a_ttl_of_zero_reads_afresh_every_time(dashboard_env, db_url):
    at = run_page("reviews")
    _add_review(db_url, dashboard_env.listings["google"], "arrived after the first load")
    at.run()
    assert len(frame(at, "reviews-table")) == 7
