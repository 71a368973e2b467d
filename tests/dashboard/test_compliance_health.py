"""Compliance (findings, their cases, the audit log, exports) and Crawl health pages."""

import csv
import io

import streamlit as st
from sqlmodel import Session

from dashboard import report
from guardrail.enforce import explain
from store import queries
from store.db import make_engine
from tests.dashboard.helpers import audit_rows, cells, frame, run_page, select_row, texts


def test_compliance_findings_open_first_with_the_verdict_columns_first(dashboard_env):
    at = run_page("compliance")
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics == {
        "Open owner responses": "1",
        "Open disclosures": "1",
        "Open: solicitation in own content": "1",
        "Audit log entries": "1",
    }
    found = frame(at, "compliance-findings")
    assert list(found.columns[:4]) == ["Case", "Severity", "Kind", "Excerpt"]
    assert set(found["Case"]) == {"Open"}
    assert set(found["Kind"]) == {
        "Owner response on a review",
        "Solicitation in own content",
        "Review discloses too much",
    }
    by_kind = found.set_index("Kind")
    assert by_kind.loc["Owner response on a review", "Excerpt"] == "Thank you for coming in!"
    assert by_kind.loc["Owner response on a review", "Site"] == "Yelp"
    assert by_kind.loc["Solicitation in own content", "Site"] == "Own website"
    assert by_kind.loc["Solicitation in own content", "Rule"] == (
        "Send a review request or run a review campaign"  # the catalogue's title, not an id
    )
    assert "None" not in cells(at)
    audit = frame(at, "compliance-audit")
    assert list(audit["What"]) == ["Reply publicly to a review"]
    assert list(audit["From"]) == ["Command line"]
    labels = {b.key: b.label for b in at.get("download_button")}
    assert labels == {
        "export-findings": "Findings and their cases (CSV)",
        "export-audit": "Audit log (CSV)",
        "export-report": "Printable report (HTML)",
    }


def test_the_kind_filter_follows_the_overview_link(dashboard_env):
    from streamlit.testing.v1 import AppTest

    from tests.dashboard.conftest import APP

    at = AppTest.from_file(APP, default_timeout=60).run()
    at.switch_page("views/compliance.py")
    at.query_params["kind"] = "disclosure"
    at.run()
    assert set(frame(at, "compliance-findings")["Kind"]) == {"Review discloses too much"}


def _record(at, finding_id: int, status: str, note: str) -> None:
    at.radio(key=f"case-{finding_id}-status").set_value(status)
    at.text_area(key=f"case-{finding_id}-note").input(note)
    at.button(key=f"FormSubmitter:case-{finding_id}-Record in the case log").click().run()
    assert not at.exception


def test_a_finding_acknowledged_keeps_its_history_after_a_reload_and_in_the_csv(
    dashboard_env, db_url
):
    at = run_page("compliance")
    found = frame(at, "compliance-findings").set_index("Kind")
    finding_id = int(found.loc["Owner response on a review", "ID"])
    select_row(at, "compliance-findings", column="ID", value=finding_id)
    assert any("Nothing recorded yet" in c.value for c in at.caption)
    _record(at, finding_id, "acknowledged", "asked the front desk who posted it")
    assert any("Recorded as case entry" in s.value for s in at.success)

    st.cache_data.clear()
    at = run_page("compliance")  # a reload: a new session
    select_row(at, "compliance-findings", column="ID", value=finding_id)
    history = frame(at, f"case-history-{finding_id}")
    assert list(history["What happened"]) == ["Acknowledged"]
    assert list(history["Note"]) == ["asked the front desk who posted it"]
    assert history.iloc[0]["By"]  # the OS user (or the signed-in one)
    found = frame(at, "compliance-findings").set_index("ID")
    assert found.loc[finding_id, "Case"] == "Acknowledged"

    _record(at, finding_id, "resolved", "the response was deleted")
    # The exports get what the page reads (AppTest keeps no downloadable file; the browser
    # test downloads the CSV for real).
    engine = make_engine(db_url, read_only=True)
    with Session(engine) as s:
        found = queries.findings(s, clinic_id=dashboard_env.clinic_id)
        history = queries.case_log(s, clinic_id=dashboard_env.clinic_id)
    engine.dispose()
    rows = list(csv.DictReader(io.StringIO(report.findings_csv(found, history))))
    row = next(r for r in rows if r["id"] == str(finding_id))
    assert row["case_status"] == "resolved"
    assert "Acknowledged" in row["case_history"] and "asked the front desk" in row["case_history"]
    assert "Resolved" in row["case_history"] and "the response was deleted" in row["case_history"]
    page = report.printable_html(
        clinic=queries_clinic(db_url),
        findings=found,
        audit=[],
        generated_at=found[0].first_seen_at,
        case_log=history,
    )
    assert "the response was deleted" in page
    # Closed: it leaves the open list (and shows again with "Closed ones too").
    assert finding_id not in set(frame(at, "compliance-findings")["ID"])
    at.toggle(key="compliance-closed").set_value(True).run()
    assert finding_id in set(frame(at, "compliance-findings")["ID"])


def test_a_click_elsewhere_appears_in_the_audit_log(dashboard_env):
    at = run_page()
    at.button(key="blocked-offer_incentive-overview").click().run()
    at.switch_page("views/compliance.py").run()
    assert not at.exception
    audit = frame(at, "compliance-audit")
    assert list(audit["What"]) == [
        "Offer anything in return for a review",
        "Reply publicly to a review",
    ]
    assert list(audit["From"]) == ["Dashboard", "Command line"]


def test_crawl_health(dashboard_env):
    at = run_page("health")
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Latest run"] == "Degraded (fields vanished)"
    assert metrics["Failing sources"] == "1"
    assert metrics["Not crawled successfully in 48 h"] == "2"
    runs = frame(at, "health-runs")
    assert list(runs.columns[:2]) == ["Status", "Errors"]
    assert list(runs["Status"]) == ["Degraded (fields vanished)", "Completed"]
    assert list(runs["Duration (s)"]) == [90.0, 42.0]
    assert list(runs["Pages"]) == [4, 3]
    assert list(runs["Errors"]) == [1, 0]
    degraded = frame(at, "health-degraded")
    assert list(degraded["Vanished fields"]) == ["yelp:published_at"]
    assert set(frame(at, "health-stale")["Site"]) == {"Google", "Healthgrades"}
    failing = frame(at, "health-failing")
    assert list(failing["Site"]) == ["Healthgrades"]
    assert list(failing["Latest status"]) == ["Blocked by the site"]
    assert list(failing["Message"]) == ["CAPTCHA page"]
    problems = frame(at, "health-problems")
    assert list(problems["Problem"]) == ["Blocked by the site"]
    assert "None" not in cells(at)


def test_a_review_widget_is_blocked_and_audited(dashboard_env, db_url):
    at = run_page("compliance")
    button = at.button(key="blocked-reuse_review_as_testimonial-compliance")
    assert button.label == "Review widget on the website — blocked"
    button.click().run()
    assert not at.exception
    row = audit_rows(db_url)[-1]
    assert (row["action_id"], row["origin"], row["target"], row["clinic_id"]) == (
        "reuse_review_as_testimonial",
        "dashboard",
        "the clinic's website",
        dashboard_env.clinic_id,
    )
    expected = explain("reuse_review_as_testimonial")
    assert expected.explanation in texts(at)
    assert expected.allowed_instead in texts(at)
    # The new row is on the page at once (the click cleared the cache).
    assert list(frame(at, "compliance-audit")["What"])[0] == (
        "Reuse a review as a testimonial (website, social post, brochure, badge, widget)"
    )
    assert {m.label: m.value for m in at.metric}["Audit log entries"] == "2"


def queries_clinic(db_url: str):
    engine = make_engine(db_url, read_only=True)
    try:
        with Session(engine) as s:
            return queries.clinics(s)[0]
    finally:
        engine.dispose()


def test_a_tampered_audit_log_shows_a_red_banner(dashboard_env, db_url):
    import sqlite3

    at = run_page("compliance")
    assert not any("does not hold" in e.value for e in at.error)  # intact: no banner
    with sqlite3.connect(db_url.removeprefix("sqlite:///"), isolation_level=None) as raw:
        raw.execute("DROP TRIGGER auditentry_no_update")
        raw.execute("UPDATE auditentry SET target = 'review 999'")
    st.cache_data.clear()
    at = run_page("compliance")
    assert not at.exception
    banner = " ".join(e.value for e in at.error)
    assert "The audit log does not hold" in banner and "audit entry 1" in banner
