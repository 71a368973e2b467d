"""`quietwatch listings`: discovered listings are shown, confirmed or dismissed for good."""

import json
from pathlib import Path

from click.testing import CliRunner
from sqlmodel import Session, select

from quietwatch import demo
from quietwatch.cli import main
from store import crud
from store.db import make_engine, session_scope
from store.models import Listing


def _setup(tmp_path: Path, monkeypatch) -> tuple[Path, str]:
    monkeypatch.delenv("QUIETWATCH_DATABASE_URL", raising=False)
    config = demo.write_config(tmp_path, "http://127.0.0.1:9")
    runner = CliRunner()
    result = runner.invoke(main, ["--config", str(config), "init"])
    assert result.exit_code == 0, result.output
    return config, f"sqlite:///{tmp_path / 'data' / 'quietwatch.db'}"


def test_discovered_listing_confirm_and_dismiss(tmp_path: Path, monkeypatch) -> None:
    config, url = _setup(tmp_path, monkeypatch)
    engine = make_engine(url)
    with session_scope(engine) as session:
        clinic_id = session.exec(select(Listing)).first().clinic_id
        a = crud.record_discovered(
            session,
            clinic_id=clinic_id,
            site="yelp",
            url="http://127.0.0.1:9/biz/a",
            match_reason="same phone",
        )
        b = crud.record_discovered(
            session,
            clinic_id=clinic_id,
            site="yelp",
            url="http://127.0.0.1:9/biz/b",
            match_reason="same address",
        )
        a_id, b_id = a, b
    runner = CliRunner()
    shown = runner.invoke(
        main, ["--config", str(config), "listings", "--origin", "discovered", "--json"]
    )
    assert shown.exit_code == 0, shown.output
    assert {row["id"] for row in json.loads(shown.output)} == {a_id, b_id}

    assert (
        runner.invoke(main, ["--config", str(config), "listings", "confirm", str(a_id)]).exit_code
        == 0
    )
    dismissed = runner.invoke(main, ["--config", str(config), "listings", "dismiss", str(b_id)])
    assert dismissed.exit_code == 0 and "will not be proposed again" in dismissed.output
    with Session(engine) as session:
        assert session.get(Listing, a_id).origin == "confirmed"
        assert session.get(Listing, b_id).origin == "dismissed"
    with session_scope(engine) as session:
        assert (
            crud.record_discovered(
                session, clinic_id=clinic_id, site="yelp", url="http://127.0.0.1:9/biz/b"
            )
            is None
        )

    from crawlers.runner import confirmed_sources
    from store.config import load_config

    assert confirmed_sources(load_config(config), engine) == [
        {"site": "yelp", "url": "http://127.0.0.1:9/biz/a", "enabled": True}
    ]
    configured = runner.invoke(main, ["--config", str(config), "listings", "dismiss", "1"])
    assert configured.exit_code != 0 and "in the config file" in configured.output
    engine.dispose()


def test_a_confirmed_google_discovery_is_read_through_the_places_api() -> None:
    from crawlers.runner import _confirmed_source
    from crawlers.sites import spider_for
    from crawlers.spiders.api import PlacesV1Spider

    source = _confirmed_source("google", "https://www.google.com/maps/place/?q=place_id:ChIJabc123")
    assert source["api"] == "places_v1"
    assert spider_for(source) is PlacesV1Spider
    assert PlacesV1Spider().identifier(source) == "ChIJabc123"
    page = _confirmed_source("yelp", "https://www.yelp.com/biz/harbourview-counselling")
    assert "api" not in page  # a Yelp discovery is a page the Yelp spider reads


def test_a_shared_store_lists_its_clinics_and_each_clinics_listings(
    tmp_path: Path, monkeypatch
) -> None:
    config, url = _setup(tmp_path, monkeypatch)
    other_dir = tmp_path / "other"
    other = demo.write_config(other_dir, "http://127.0.0.1:9")
    text = other.read_text().replace(
        'name = "Harbourview Counselling Collective"', 'name = "Second Practice"'
    )
    text = text.replace('slug = "harbourview"', 'slug = "second-practice"')
    other.write_text(text.replace("[database]\n", f'[database]\nurl = "{url}"\n'))
    runner = CliRunner()
    assert runner.invoke(main, ["--config", str(other), "init"]).exit_code == 0
    shown = runner.invoke(main, ["--config", str(config), "clinics", "--json"])
    assert shown.exit_code == 0, shown.output
    clinics = {row["key"]: row for row in json.loads(shown.output)}
    assert set(clinics) == {"harbourview", "second-practice"}
    assert (
        clinics["second-practice"]["listings"] == 4
        and clinics["second-practice"]["last_crawl"] is None
    )
    theirs = runner.invoke(
        main, ["--config", str(config), "listings", "--clinic", "second-practice", "--json"]
    )
    assert theirs.exit_code == 0, theirs.output
    ours = runner.invoke(main, ["--config", str(config), "listings", "--json"])
    assert {r["id"] for r in json.loads(theirs.output)}.isdisjoint(
        {r["id"] for r in json.loads(ours.output)}
    )
    unknown = runner.invoke(main, ["--config", str(config), "listings", "--clinic", "nobody"])
    assert unknown.exit_code == 1 and "no clinic 'nobody'" in unknown.output
