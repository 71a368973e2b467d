"""A store two clinics share: each clinic's pages show its own runs, problems, findings,
audit rows and sources, never the other's (the seeded clinic is the one looked at)."""

from datetime import timedelta

import pytest
import streamlit as st

from dashboard import labels
from store import audit, crud, runs
from store.db import make_engine, session_scope
from store.models import CrawlRun, ListingStatus
from tests.dashboard.helpers import frame, run_page
from tests.dashboard.seed import NOW, RUN1_AT

OTHER = "Kitsilano"  # every row of the other clinic says so in its text


@pytest.fixture
def other_clinic(dashboard_env, db_url):
    """A second clinic in the same store, with a run newer than the seeded clinic's, a
    problem, a finding of each kind and an audit row of its own."""
    engine = make_engine(db_url)
    try:
        with session_scope(engine) as s:
            clinic_id = crud.ensure_clinic(s, key="kitsilano", name=f"{OTHER} Family Counselling")
            url = "https://www.yelp.example/biz/kits"
            listing = crud.ensure_listing(s, clinic_id=clinic_id, site="yelp", url=url)
            reviewed = crud.upsert_reviews(
                s,
                listing_id=listing,
                seen_at=NOW,
                reviews=[{"site_review_id": "k1", "author": "K", "rating": 2, "text": OTHER}],
            ).new[0]
            run = runs.start_run(s, clinic_id=clinic_id, spider="yelp")
            s.get(CrawlRun, run).started_at = NOW - timedelta(minutes=5)
            runs.record_check(s, run_id=run, listing_id=listing, status="gone")
            runs.record_problem(
                s,
                run_id=run,
                listing_id=listing,
                url=url,
                kind="gone",
                message=f"{OTHER}: the listing is gone (404/410)",
            )
            runs.finish_run(s, run_id=run, status="failed", message=f"{OTHER} run", errors=1)
            for kind in ("owner_response", "solicitation", "disclosure"):
                crud.record_finding(
                    s,
                    clinic_id=clinic_id,
                    kind=kind,
                    dedupe_key=f"kits-{kind}",
                    listing_id=listing,
                    review_id=reviewed,
                    excerpt=f"{OTHER} {kind}",
                )
            audit.append(
                s,
                action_id="contact_reviewer",
                rule_set="bcacc",
                rule_version="1.0.0",
                origin="dashboard",
                clinic_id=clinic_id,
                target=f"{OTHER} review",
            )
    finally:
        engine.dispose()
    st.cache_data.clear()
    return clinic_id


def _cells(table) -> str:
    return " ".join(str(cell) for cell in table.to_numpy().ravel())


def test_crawl_health_shows_the_clinics_own_runs_and_problems(dashboard_env, other_clinic):
    at = run_page("health")
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    # Not the other clinic's newer, failed run.
    assert metrics["Latest run"] == labels.run_status("degraded")
    assert (metrics["Sources"], metrics["Failing sources"]) == ("3", "1")
    runs = frame(at, "health-runs")
    assert list(runs["Run"]) == [dashboard_env.runs["latest"], dashboard_env.runs["first"]]
    assert OTHER not in _cells(runs)
    problems = frame(at, "health-problems")
    assert list(problems["Problem"]) == [labels.problem("blocked")]
    assert OTHER not in _cells(problems)


def test_compliance_shows_the_clinics_own_findings_and_audit_rows(dashboard_env, other_clinic):
    at = run_page("compliance")
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics == {
        "Open owner responses": "1",
        "Open disclosures": "1",
        "Open: solicitation in own content": "1",
        "Audit log entries": "1",
    }
    findings = frame(at, "compliance-findings")
    assert len(findings) == 3 and OTHER not in _cells(findings)
    audit = frame(at, "compliance-audit")
    assert OTHER not in _cells(audit)
    assert list(audit["What"]) == [labels.rule("reply_to_review")]


def test_source_health_leaves_out_disabled_listings(dashboard_env, db_url):
    """A listing switched off in the config is not a source: not counted, never stale or
    failing, however its last crawl went."""
    engine = make_engine(db_url)
    try:
        with session_scope(engine) as s:
            off = crud.ensure_listing(
                s,
                clinic_id=dashboard_env.clinic_id,
                site="ratemds",
                url="https://www.ratemds.example/doctor-ratings/1/allura",
                enabled=False,
            )
            run = runs.start_run(s, clinic_id=dashboard_env.clinic_id, spider="ratemds")
            s.get(CrawlRun, run).started_at = RUN1_AT
            runs.record_check(s, run_id=run, listing_id=off, status="blocked")
            crud.close_listing(s, listing_id=off, status=ListingStatus.BLOCKED, at=RUN1_AT)
            runs.finish_run(s, run_id=run, status="failed")
    finally:
        engine.dispose()
    at = run_page("health")
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert (metrics["Sources"], metrics["Failing sources"]) == ("3", "1")
    assert metrics["Not crawled successfully in 48 h"] == "2"
    assert list(frame(at, "health-failing")["Site"]) == [labels.site("healthgrades")]
    assert set(frame(at, "health-stale")["Site"]) == {
        labels.site("google"),
        labels.site("healthgrades"),
    }
