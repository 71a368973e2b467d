"""The Listings page's comparison on real BC RateMDs pages: crawled for real (a local server
serving the saved pages, `quietwatch crawl`, a real SQLite store), each listing compared with
a clinic stating that doctor's facts in another format.  No false mismatch: not the
province (the page's words, not RateMDs' region number), not the website (none is a page's
own URL), not the phone or postal code in another spelling.  The facts below were read off
the pages by hand."""

from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from dashboard.compare import compare
from store import queries
from tests.conftest import shared_fixture
from tests.crawlers.test_site_crawls import crawl, robots, session_for, write_config

pytestmark = [pytest.mark.shared, pytest.mark.slow]

# capture stem -> the doctor's facts as a clinic might state them (another format).
DOCTORS = {
    "ratemds_psychologist_Dr-Joti-Samra-Vancouver-BC": dict(
        name="Dr Joti Samra",
        street_address="1061 Hamilton St",
        city="Vancouver",
        province="BC",
        postal_code="V6B 5T4",
        phone=None,
        website="https://drjotisamra.com/",
    ),
    "ratemds_psychologist_Dr-Paul-Swingle-Vancouver-BC": dict(
        name="Dr. Paul Swingle",
        street_address="1190 Melville Street",
        city="Vancouver",
        province="British Columbia",
        postal_code="v6e 3w1",
        phone="604.608.0444",
        website=None,
    ),
    "ratemds_psychologist_Dr-Brian-MacLean-Victoria-BC": dict(
        name="Dr Brian J MacLean",
        street_address="284 Helmcken Road",
        city="Victoria",
        province="BC",
        postal_code="V9B1T2",
        phone="+1 250 514 7222",
        website="behavioralmedicinebc.com",
    ),
    "ratemds_psychologist_Dr-Holly-Stepaniuk-Coquitlam-BC": dict(
        name="Dr. Holly Stepaniuk",
        street_address="9181 Main St.",
        city="Chilliwack",
        province="BC",
        postal_code="V2P 4M9",
        phone="604-795-7999",
        website="https://www.drholly.ca",
    ),
    "ratemds_naturopath_Dr-Jordana-Aziz-Vancouver-BC": dict(
        name="Dr. Jordana Aziz",
        street_address="1277 Marine Drive",
        city="North Vancouver",
        province="British Columbia",
        postal_code="V7P 1T3",
        phone="(604) 929 5772",
        website="http://themobilenaturopath.ca/",
    ),
    "ratemds_psychiatrist_Dr-Mohamed-Abdel-Fattah-North-Vancouver-BC": dict(
        name="Dr. Mohamed Abdel-Fattah",
        street_address="440 - 13th Street",
        city="West Vancouver",
        province="BC",
        postal_code="V7T2W6",
        phone="604-922-9191",
        website=None,
    ),
}


def test_bc_ratemds_pages_show_no_false_mismatch(tmp_path: Path, httpserver: HTTPServer) -> None:
    robots(httpserver)
    sources = []
    for stem in DOCTORS:
        body = shared_fixture(f"ratemds/{stem}.html").read_bytes()
        httpserver.expect_request(f"/doctor-ratings/{stem}.html").respond_with_data(
            body, content_type="text/html; charset=utf-8"
        )
        sources.append(("ratemds", httpserver.url_for(f"/doctor-ratings/{stem}.html")))
    # One review page each: the saved pages' "next" links point at the real site.
    crawl(write_config(tmp_path, sources, max_review_pages=1))
    with session_for(tmp_path) as session:
        [clinic] = queries.clinics(session)
        listed = queries.listings(session, clinic_id=clinic.id)
    assert len(listed) == len(DOCTORS)
    checked = 0
    for listing in listed:
        stem = listing.url.rsplit("/", 1)[-1].removesuffix(".html")
        doctor = clinic.model_copy(update=DOCTORS[stem])
        comparisons = {c.fact: c for c in compare(doctor, listing)}
        wrong = [
            f"{c.fact}: {c.listed!r} vs {c.canonical!r}" for c in comparisons.values() if c.mismatch
        ]
        assert not wrong, f"{stem}: {wrong}"
        assert comparisons["address"].stated and comparisons["name"].stated
        assert "British Columbia" in comparisons["address"].listed
        checked += 1
    assert checked == 6
