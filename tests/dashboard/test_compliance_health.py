"""Compliance and Crawl health pages."""

from guardrail.enforce import explain
from tests.dashboard.helpers import audit_rows, frame, run_page, texts


def test_compliance_findings_and_audit_log(dashboard_env):
    at = run_page("compliance")
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics == {
        "Owner responses": "1",
        "Solicitation in own content": "1",
        "Disclosures": "1",
        "Blocked attempts": "1",
    }
    responses = frame(at, "compliance-responses")
    assert list(responses["Excerpt"]) == ["Thank you for coming in!"]
    assert list(responses["Where"]) == [f"review {dashboard_env.reviews['y3']}"]
    assert list(responses["Site"]) == ["yelp"]
    solicitation = frame(at, "compliance-solicitation")
    assert list(solicitation["Where"]) == ["https://allura.example/blog"]
    disclosures = frame(at, "compliance-disclosures")
    assert list(disclosures["Site"]) == ["yelp"]  # through the review
    audit = frame(at, "compliance-audit")
    assert list(audit["Action"]) == ["reply_to_review"]
    assert list(audit["From"]) == ["cli"]
    labels = {b.key: b.label for b in at.get("download_button")}
    assert labels == {
        "export-findings": "Findings (CSV)",
        "export-audit": "Audit log (CSV)",
        "export-report": "Printable report (HTML)",
    }


def test_a_click_elsewhere_appears_in_the_audit_log(dashboard_env):
    at = run_page()
    at.button(key="blocked-offer_incentive-overview").click().run()
    at.switch_page("views/compliance.py").run()
    assert not at.exception
    audit = frame(at, "compliance-audit")
    assert list(audit["Action"]) == ["offer_incentive", "reply_to_review"]
    assert list(audit["From"]) == ["dashboard", "cli"]


def test_crawl_health(dashboard_env):
    at = run_page("health")
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Latest run"] == "degraded"
    assert metrics["Failing sources"] == "1"
    assert metrics["Not crawled successfully in 48 h"] == "2"
    runs = frame(at, "health-runs")
    assert list(runs["Status"]) == ["degraded", "ok"]
    assert list(runs["Duration (s)"]) == [90.0, 42.0]
    assert list(runs["Pages"]) == [4, 3]
    assert list(runs["Errors"]) == [1, 0]
    degraded = frame(at, "health-degraded")
    assert list(degraded["Vanished fields"]) == ["yelp:published_at"]
    assert set(frame(at, "health-stale")["Site"]) == {"google", "healthgrades"}
    failing = frame(at, "health-failing")
    assert list(failing["Site"]) == ["healthgrades"]
    assert list(failing["Message"]) == ["CAPTCHA page"]
    problems = frame(at, "health-problems")
    assert list(problems["Kind"]) == ["blocked"]


def test_a_review_widget_is_blocked_and_audited(dashboard_env, db_url):
    at = run_page("compliance")
    button = at.button(key="blocked-reuse_review_as_testimonial-compliance")
    assert button.label == "Show reviews on the clinic's website — blocked"
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
    assert f"“{expected.policy_quote}”" in texts(at)
    assert expected.allowed_instead in texts(at)
    # The new row is on the page at once (the click cleared the cache).
    assert list(frame(at, "compliance-audit")["Action"]) == [
        "reuse_review_as_testimonial",
        "reply_to_review",
    ]
    assert {m.label: m.value for m in at.metric}["Blocked attempts"] == "2"
