"""The registry of sites is the one place a site is declared: spiders, the config's allowed
values, the guardrail's site rules and the README's Sites table all follow it."""

import re
from dataclasses import replace

import pytest

from crawlers.sites import (
    APIS,
    SITE_ENDPOINTS,
    SITES,
    review_site_hosts,
    spider_by_name,
    spider_for,
    vocabulary,
)
from crawlers.spiders.base import ListingSpider
from guardrail.endpoints import is_write_endpoint
from store.config import ConfigError, parse_config
from tests.conftest import REPO

CONFIG = """[clinic]
name = "Harbourview Counselling"
street_address = "1 Main St"
city = "Vancouver"
province = "BC"
postal_code = "V5K 0A1"
phone = "604-555-0100"
website = "https://harbourview.example"

[[sources]]
site = "{site}"
url = "https://listing.example/x"
{api}
"""


@pytest.mark.parametrize("name", sorted(SITES))
def test_every_site_has_a_spider_named_after_it(name: str) -> None:
    spider = spider_for({"site": name})
    assert issubclass(spider, ListingSpider)
    assert spider.name == name and spider.spec is SITES[name]
    assert spider_by_name(name) is spider


@pytest.mark.parametrize("name", sorted(APIS))
def test_every_api_has_a_spider_that_reads_its_site(name: str) -> None:
    spider = spider_for({"site": APIS[name].site, "api": name})
    site = SITES[APIS[name].site]
    # The site's entry, save for the order an API may list reviews in (Business Profile:
    # newest update first).
    assert spider.api == name
    assert spider.spec == replace(site, lists_newest_first=spider.spec.lists_newest_first)
    assert spider_by_name(spider.name) is spider


def test_the_config_accepts_the_registry_and_nothing_else(tmp_path) -> None:
    path = tmp_path / "quietwatch.toml"
    for name in SITES:
        parse_config(CONFIG.format(site=name, api=""), path, vocabulary())
    for name, api in APIS.items():
        parse_config(CONFIG.format(site=api.site, api=f'api = "{name}"'), path, vocabulary())
    with pytest.raises(ConfigError, match="sources\\[0\\].site"):
        parse_config(CONFIG.format(site="yelpp", api=""), path, vocabulary())
    with pytest.raises(ConfigError, match="sources\\[0\\].api"):
        parse_config(CONFIG.format(site="google", api='api = "places_v9"'), path, vocabulary())


def test_site_rules_reach_the_guardrail_and_hosts_are_the_registrys() -> None:
    assert is_write_endpoint("https://www.yelp.com/writeareview/biz/x", SITE_ENDPOINTS)
    assert is_write_endpoint("https://www.yelp.com/biz/x", SITE_ENDPOINTS) is None
    hosts = set(review_site_hosts())
    for spec in SITES.values():
        assert set(spec.hosts) <= hosts
    assert "ratemds.com" in hosts and "api.yelp.com" in hosts


def test_the_readme_sites_table_names_every_site_and_api() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("<!-- section:sites -->")[1].split("<!-- /section:sites -->")[0]
    rows = [line for line in section.splitlines() if line.startswith("| ")]
    named = " ".join(rows)
    read_by_api = {api.site for api in APIS.values()}
    for name in SITES:
        assert re.search(rf"`{name}`", named) or name in read_by_api, (
            f"the README's Sites table lacks `{name}`"
        )
    for name in APIS:
        assert re.search(rf"`api = \"{name}\"`", named), f"the Sites table lacks api {name}"
