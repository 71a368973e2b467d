"""Listings page: the verdict first, facts side by side with the clinic's, change history,
discoveries."""

from dashboard import compare
from guardrail.enforce import explain
from store.models import ClinicRead, ListingRead
from tests.dashboard.helpers import (
    audit_rows,
    cells,
    frame,
    has_frame,
    run_page,
    select_row,
    tag,
    texts,
)


def test_the_verdict_comes_first_and_names_what_differs(dashboard_env):
    at = run_page("listings")
    assert not at.exception
    assert "Phone: 604-555-0100" in texts(at)
    table = frame(at, "listings-table")
    assert list(table.columns[:2]) == ["Verdict", "Site"]
    verdicts = table.set_index("Site")["Verdict"].map(tag)  # a coloured tag each
    assert verdicts["Yelp"] == "Differs: phone"
    assert verdicts["Google"] == "Matches"
    assert verdicts["Healthgrades"] == "Differs: name, address, phone, website"
    assert tag(list(table["Verdict"])[-1]) == "Matches"  # the ones that differ come first
    assert "RateMDs" not in verdicts.index  # discovered: not the clinic's until confirmed
    assert "Yahoo Local" not in verdicts.index  # dismissed
    assert "None" not in cells(at)
    statuses = table.set_index("Site")["Status"]
    assert statuses["Healthgrades"] == "Blocked by the site"


def test_the_verdict_is_a_coloured_tag_red_when_a_listing_differs(dashboard_env):
    import json

    at = run_page("listings")
    config = json.loads(at.container("listings-table").dataframe[0].proto.columns)
    verdict = config["Verdict"]
    assert verdict["pinned"] is True
    colours = {o["value"]: o["color"] for o in verdict["type_config"]["options"]}
    assert colours["Differs: phone"] == colours["Differs: name, address, phone, website"]
    assert colours["Differs: phone"] == "#c62828"  # red
    assert colours["Matches"] == "#2e7d32"  # green


def test_clicking_a_row_shows_it_side_by_side(dashboard_env):
    at = run_page("listings")
    select_row(at, "listings-table", column="ID", value=dashboard_env.listings["yelp"])
    assert not at.exception
    compared = frame(at, "listings-compare").set_index("Fact")
    compared["Result"] = compared["Result"].map(tag)
    assert compared.loc["Phone", "Result"] == "Differs"
    assert compared.loc["Phone", "Clinic, normalised"] == "+16045550100"
    assert compared.loc["Phone", "Listing, normalised"] == "+16045550111"
    # "#200-1234 Example Street" and "1234 Example St, Suite 200" are the same address.
    assert compared.loc["Address", "Result"] == "Same"
    assert compared.loc["Website", "Result"] == "Same"
    history = frame(at, "listings-history")
    assert len(history) == 2
    assert history.iloc[0]["Changed"] == "phone, rating, review count"
    assert history.iloc[1]["Changed"] == "first seen"
    assert list(history["Phone"]) == ["(604) 555-0111", "(604) 555-0100"]
    links = [b for b in at.get("link_button")]
    assert [b.proto.url for b in links] == ["https://www.yelp.example/biz/allura"]


def test_a_listing_that_links_to_itself_has_no_website_mismatch():
    """RateMDs pages give their own URL as the entity's url: not the clinic's website."""
    clinic = ClinicRead(id=1, key="c", name="C", website="https://harbourview.example")
    url = "http://127.0.0.1:8600/ratemds/doctor-ratings/1/C.html"
    for website in (url, "https://www.ratemds.com/doctor-ratings/1/C.html"):
        listing = ListingRead(id=2, site="ratemds", url=url, origin="configured", website=website)
        result = {c.fact: c for c in compare.compare(clinic, listing)}
        assert not result["website"].stated and not result["website"].mismatch
    other = ListingRead(
        id=3, site="yelp", url=url, origin="configured", website="https://elsewhere.example"
    )
    assert {c.fact: c for c in compare.compare(clinic, other)}["website"].mismatch


def test_filters_and_mismatch_only(dashboard_env):
    at = run_page("listings")
    at.checkbox(key="listings-mismatched").check().run()
    assert set(frame(at, "listings-table")["Site"]) == {"Yelp", "Healthgrades"}
    at.multiselect(key="listings-sites").set_value(["google"]).run()
    assert not at.exception
    assert len(frame(at, "listings-table")) == 0
    assert not has_frame(at, "listings-compare")


def test_the_overview_link_opens_only_the_listings_that_differ(dashboard_env):
    from streamlit.testing.v1 import AppTest

    from tests.dashboard.conftest import APP

    at = AppTest.from_file(APP, default_timeout=60).run()
    at.switch_page("views/listings.py")
    at.query_params["only"] = "mismatched"
    at.run()
    assert set(frame(at, "listings-table")["Site"]) == {"Yelp", "Healthgrades"}


def test_discovered_listings_say_how_to_decide(dashboard_env):
    at = run_page("listings")
    found = frame(at, "listings-discovered")
    listing_id = dashboard_env.listings["discovered"]
    assert list(found["ID"]) == [listing_id]
    assert found.iloc[0]["Site"] == "RateMDs"
    assert found.iloc[0]["Why we think it is the clinic"] == "same phone number"
    assert found.iloc[0]["Confirm with"] == f"quietwatch listings confirm {listing_id}"
    assert f"quietwatch listings dismiss {listing_id}" in at.code[0].value
    assert any("1 dismissed listing(s)" in c.value for c in at.caption)


def test_request_reviews_for_a_listing_is_blocked_and_audited(dashboard_env, db_url):
    at = run_page("listings")
    listing_id = dashboard_env.listings["yelp"]
    select_row(at, "listings-table", column="ID", value=listing_id)
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
