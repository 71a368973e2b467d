"""Overview page, through AppTest on the real router and a real seeded SQLite store."""

from datetime import timedelta

from guardrail.enforce import explain
from tests.dashboard.helpers import all_markdown, audit_rows, frame, run_page, texts
from tests.dashboard.seed import RUN2_AT


def test_overview_shows_each_site(dashboard_env):
    at = run_page()
    assert not at.exception
    sites = frame(at, "overview-sites").set_index("Site")
    assert sorted(sites.index) == ["google", "healthgrades", "yelp"]
    yelp = sites.loc["yelp"]
    assert yelp["Reviews held"] == 3  # y1, y2, y4; y3 was removed
    assert yelp["Removed"] == 1
    assert yelp["New in latest crawl"] == 1  # y4
    assert yelp["Rating shown"] == 4.0
    assert yelp["Reviews (site says)"] == 4
    assert sites.loc["healthgrades", "New in latest crawl"] == 0
    assert sites.loc["google", "Reviews held"] == 1
    assert "Allura Sex Therapy Centre" in texts(at)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Reviews held"] == "5"
    # y4 on yelp; g1 on google, whose latest crawl (the first) found it new.
    assert metrics["New in the latest crawl"] == "2"


def test_new_since_follows_the_chosen_date(dashboard_env):
    at = run_page()
    before = frame(at, "overview-sites").set_index("Site")
    assert before.loc["yelp", "New since date"] == 1  # default: 30 days; run 1 was 40 days ago
    at.date_input(key="overview-since").set_value((RUN2_AT - timedelta(days=60)).date()).run()
    assert not at.exception
    after = frame(at, "overview-sites").set_index("Site")
    assert after.loc["yelp", "New since date"] == 4  # every yelp review, the removed one too
    assert after.loc["google", "New since date"] == 1


def test_needs_attention_lists_mismatches_findings_and_failing_sources(dashboard_env):
    at = run_page()
    mismatches = frame(at, "overview-mismatches")
    yelp_id = dashboard_env.listings["yelp"]
    hg_id = dashboard_env.listings["healthgrades"]
    assert set(mismatches[mismatches["Listing"] == yelp_id]["Fact"]) == {"phone"}
    assert set(mismatches[mismatches["Listing"] == hg_id]["Fact"]) == {
        "name",
        "address",
        "phone",
        "website",
    }
    findings = frame(at, "overview-findings").set_index("Kind")
    assert findings.loc["owner_response", "Findings"] == 1
    failing = frame(at, "overview-failing").set_index("Site")
    assert failing.loc["healthgrades", "Why"] == "failing"
    assert failing.loc["google", "Why"].startswith("older than 48")
    assert "yelp" not in failing.index
    assert "Nothing needs attention." not in [s.value for s in at.success]


def test_request_reviews_is_blocked_explained_and_audited(dashboard_env, db_url):
    at = run_page()
    before = audit_rows(db_url)
    button = at.button(key="blocked-review_request-overview")
    assert button.label == "Request reviews — blocked"
    button.click().run()
    assert not at.exception
    rows = audit_rows(db_url)
    assert len(rows) == len(before) + 1
    row = rows[-1]
    assert row["action_id"] == "review_request"
    assert row["origin"] == "dashboard"
    assert row["clinic_id"] == dashboard_env.clinic_id
    assert row["rule_set"] == "bcacc"
    expected = explain("review_request")
    shown = texts(at)
    assert expected.explanation in shown
    assert f"“{expected.policy_quote}”" in shown
    assert expected.allowed_instead in shown
    assert any(f"audit log as entry {row['id']}" in c for c in all_markdown(at))
