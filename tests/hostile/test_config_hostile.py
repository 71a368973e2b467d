"""A configuration file written carelessly or by a hostile hand gets one clear line."""

from pathlib import Path

import pytest

from crawlers.sites import vocabulary
from store.config import ConfigError, canonical_url, load_config, parse_config
from tests.store.test_config import GOOD


def _parse(text: str, tmp_path: Path):
    return parse_config(text, tmp_path / "quietwatch.toml", vocabulary())


@pytest.mark.parametrize(
    "spelling",
    [
        "https://www.ratemds.com/doctor-ratings/5550142/x.html/",
        "HTTPS://WWW.RATEMDS.COM/doctor-ratings/5550142/x.html?",
        "https://www.ratemds.com/doctor-ratings/5550142/x.html#reviews",
        "https://www.ratemds.com:443/doctor-ratings/5550142/x.html",
    ],
)
def test_one_listing_spelt_two_ways_is_refused_with_both_lines(tmp_path, spelling) -> None:
    text = GOOD + f'\n[[sources]]\nsite = "ratemds"\nurl = "{spelling}"\n'
    with pytest.raises(ConfigError) as info:
        _parse(text, tmp_path)
    message = str(info.value)
    assert "sources[2].url" in message and "already listed (sources[1], line 16)" in message
    assert "quietwatch.toml, line 20:" in message


def test_canonical_url_keeps_what_tells_listings_apart() -> None:
    assert canonical_url("HTTP://X.example/ok/?") == "http://x.example/ok"
    assert canonical_url("http://x.example/ok?page=2") == "http://x.example/ok?page=2"
    assert canonical_url("http://x.example:8080/ok") != canonical_url("http://x.example/ok")


FUSION = '\n[[sources]]\nsite = "yelp"\napi = "yelp_fusion"\nurl = "https://www.yelp.com/biz/{}"\n'


def test_a_page_and_the_api_for_one_business_are_refused(tmp_path) -> None:
    same = GOOD + FUSION.format("harbourview-counselling-collective-vancouver")
    with pytest.raises(ConfigError, match="as a page and through the yelp_fusion API"):
        _parse(same, tmp_path)
    by_id = (
        GOOD + FUSION.format("x") + 'business_id = "harbourview-counselling-collective-vancouver"\n'
    )
    with pytest.raises(ConfigError, match="configured twice"):
        _parse(by_id, tmp_path)
    other = GOOD + FUSION.format("another-practice-vancouver")
    assert len(_parse(other, tmp_path).sources) == 3  # another business: fine


def test_a_byte_order_mark_is_not_a_syntax_error(tmp_path) -> None:
    path = tmp_path / "quietwatch.toml"
    path.write_bytes(b"\xef\xbb\xbf" + GOOD.encode())
    assert load_config(path, vocabulary=vocabulary()).clinic.name.startswith("Harbourview")


def test_a_misspelt_key_is_named_first_with_a_suggestion(tmp_path) -> None:
    with pytest.raises(ConfigError) as info:
        _parse(GOOD.replace("phone =", "phon ="), tmp_path)
    message = str(info.value)
    assert message.split(" (and")[0].endswith(
        "clinic.phon: is not a known setting (check its spelling); did you mean 'phone'?"
    ), message
    assert "line 7" in message


@pytest.mark.parametrize(
    ("phone", "ok"),
    [("555-0142", False), ("0142", False), ("+1 604-555-0142", True), ("(604) 555-0142", True)],
)
def test_a_phone_without_its_area_code_is_refused(tmp_path, phone, ok) -> None:
    text = GOOD.replace('phone = "+1 604-555-0142"', f'phone = "{phone}"')
    if ok:
        _parse(text, tmp_path)
        return
    with pytest.raises(ConfigError, match="clinic.phone"):
        _parse(text, tmp_path)


@pytest.mark.parametrize(
    ("setting", "value"),
    [
        ("download_delay", "inf"),
        ("download_delay", "nan"),
        ("download_delay", "100000"),
        ("interval_hours", "inf"),
        ("max_review_pages", "100000000"),
        ("full_sweep_days", "-1"),
    ],
)
def test_absurd_crawl_settings_are_refused(tmp_path, setting, value) -> None:
    with pytest.raises(ConfigError, match=f"crawl.{setting}"):
        _parse(GOOD + f"\n[crawl]\n{setting} = {value}\n", tmp_path)
