"""Listings page: facts side by side with the clinic's, change history, discoveries."""

from guardrail.enforce import explain
from tests.dashboard.helpers import audit_rows, frame, has_frame, run_page, texts


def test_listing_facts_against_the_clinics(dashboard_env):
    at = run_page("listings")
    assert not at.exception
    assert "Phone: 604-555-0100" in texts(at)
    table = frame(at, "listings-table").set_index("Site")
    assert table.loc["yelp", "Mismatches"] == "phone"
    assert table.loc["google", "Mismatches"] == "none"
    assert table.loc["healthgrades", "Mismatches"] == "name, address, phone, website"
    assert "ratemds" not in table.index  # discovered: not the clinic's until confirmed
    assert "yahoo" not in table.index  # dismissed


def test_side_by_side_shows_normalised_forms(dashboard_env):
    at = run_page("listings")
    at.selectbox(key="listings-detail").set_value(dashboard_env.listings["yelp"]).run()
    assert not at.exception
    compare = frame(at, "listings-compare").set_index("Fact")
    assert compare.loc["phone", "Result"] == "MISMATCH"
    assert compare.loc["phone", "Clinic, normalised"] == "+16045550100"
    assert compare.loc["phone", "Listing, normalised"] == "+16045550111"
    # "#200-1234 Example Street" and "1234 Example St, Suite 200" are the same address.
    assert compare.loc["address", "Result"] == "same"
    assert compare.loc["website", "Result"] == "same"
    history = frame(at, "listings-history")
    assert len(history) == 2
    assert history.iloc[0]["Changed"] == "phone, rating, review_count"
    assert history.iloc[1]["Changed"] == "first seen"
    assert list(history["Phone"]) == ["(604) 555-0111", "(604) 555-0100"]


def test_filters_and_mismatch_only(dashboard_env):
    at = run_page("listings")
    at.checkbox(key="listings-mismatched").check().run()
    assert set(frame(at, "listings-table")["Site"]) == {"yelp", "healthgrades"}
    at.multiselect(key="listings-sites").set_value(["google"]).run()
    assert not at.exception
    assert len(frame(at, "listings-table")) == 0
    assert not has_frame(at, "listings-compare")


def test_discovered_listings_say_how_to_decide(dashboard_env):
    at = run_page("listings")
    found = frame(at, "listings-discovered")
    listing_id = dashboard_env.listings["discovered"]
    assert list(found["ID"]) == [listing_id]
    assert found.iloc[0]["Why we think it is the clinic"] == "same phone number"
    assert found.iloc[0]["Confirm with"] == f"quietwatch listings confirm {listing_id}"
    assert f"quietwatch listings dismiss {listing_id}" in at.code[0].value
    assert any("1 dismissed listing(s)" in c.value for c in at.caption)


def test_request_reviews_for_a_listing_is_blocked_and_audited(dashboard_env, db_url):
    at = run_page("listings")
    listing_id = dashboard_env.listings["yelp"]
    at.selectbox(key="listings-detail").set_value(listing_id).run()
    before = len(audit_rows(db_url))
    button = at.button(key=f"blocked-review_request-listing-{listing_id}")
    assert button.label == "Request reviews — blocked"
    button.click().run()
    assert not at.exception
    rows = audit_rows(db_url)
    assert len(rows) == before + 1
    assert (rows[-1]["action_id"], rows[-1]["origin"], rows[-1]["target"]) == (
        "review_request",
        "dashboard",
        f"listing {listing_id}",
    )
    expected = explain("review_request")
    assert expected.explanation in texts(at)
    assert expected.allowed_instead in texts(at)
