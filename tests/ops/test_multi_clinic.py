"""Several clinics in one shared PostgreSQL store: each crawl's rows belong to its clinic,
and each clinic's checks look at its own runs only."""

import pytest
from sqlmodel import Session, select

from quietwatch import demo
from store.db import make_engine
from store.models import Clinic, CrawlRun, Listing, ListingCheck, Review
from tests.ops.helpers import MINIMAL_CLINIC, clean_env, quietwatch

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

SECOND_CLINIC = """
[clinic]
name = "Kitsilano Family Counselling"
slug = "kitsilano"
street_address = "2200 West 4th Avenue"
city = "Vancouver"
province = "BC"
postal_code = "V6K 1N8"
phone = "+1 604-555-0199"
website = "https://kitsilano-counselling.example"
"""


def _config(directory, clinic: str, sources: list[tuple[str, str]]):
    directory.mkdir(parents=True)
    body = clinic + "".join(
        f'\n[[sources]]\nsite = "{site}"\nurl = "{url}"\n' for site, url in sources
    )
    path = directory / "quietwatch.toml"
    path.write_text(body + "\n[crawl]\ndownload_delay = 0\n", encoding="utf-8")
    return path


def test_two_clinics_share_one_store(tmp_path, sample_sites, pg_url) -> None:
    server, _phase = sample_sites
    base = server.base_url
    first = _config(
        tmp_path / "a",
        MINIMAL_CLINIC,
        [("yelp", base + demo.YELP_PATH), ("ratemds", base + demo.RATEMDS_PATH)],
    )
    second = _config(tmp_path / "b", SECOND_CLINIC, [("schema_org", base + demo.DIRECTORY_PATH)])
    env = clean_env(QUIETWATCH_DATABASE_URL=pg_url)
    for config in (first, second):
        result = quietwatch(config, "crawl", "--no-progress", env=env)
        assert result.returncode == 0, result.stdout + result.stderr[-3000:]

    engine = make_engine(pg_url)
    try:
        with Session(engine) as session:
            clinics = {c.key: c.id for c in session.exec(select(Clinic))}
            assert set(clinics) == {"harbourview", "kitsilano"}
            sites = {key: set() for key in clinics}
            for listing in session.exec(select(Listing)):
                key = next(k for k, v in clinics.items() if v == listing.clinic_id)
                sites[key].add(listing.site)
            assert sites == {"harbourview": {"yelp", "ratemds"}, "kitsilano": {"schema_org"}}
            runs = {(r.spider, r.clinic_id) for r in session.exec(select(CrawlRun))}
            assert runs == {
                ("yelp", clinics["harbourview"]),
                ("ratemds", clinics["harbourview"]),
                ("schema_org", clinics["kitsilano"]),
            }
            for review in session.exec(select(Review)):
                listing = session.get(Listing, review.listing_id)
                assert review.clinic_id == listing.clinic_id
            for check in session.exec(select(ListingCheck)):
                run = session.get(CrawlRun, check.run_id)
                assert session.get(Listing, check.listing_id).clinic_id == run.clinic_id
    finally:
        engine.dispose()

    mine = quietwatch(
        second, "check", "--clinic", "kitsilano", "--no-notify", "--last", "5", env=env
    )
    assert mine.returncode == 0, mine.stdout + mine.stderr
    assert "schema_org" in mine.stdout and "yelp" not in mine.stdout  # only its own runs
    wrong = quietwatch(second, "check", "--clinic", "harbourview", "--no-notify", env=env)
    assert wrong.returncode == 2 and "this configuration is for 'kitsilano'" in wrong.stderr
