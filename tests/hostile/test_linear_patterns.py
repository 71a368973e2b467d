"""No pattern run on site text can hang a crawl: every compiled regular expression of the
crawlers (and of the store's normalisers and scrubber, which see site text too) scans hostile
text in time linear in its length (the harness of tests/linear_time.py)."""

import pytest

from crawlers import blocks, dates, scope, sites, structured, values
from crawlers.pages import (
    base,
    facebook_graph,
    google_business,
    google_places,
    healthgrades,
    own_site,
    psychologytoday,
    ratemds,
    schema_org,
    yelp,
    yelp_fusion,
)
from crawlers.spiders import api
from store import config, normalize, secrets
from tests.linear_time import RATIO_BUDGET, compiled_patterns, slowest_scan

MODULES = (
    blocks,
    dates,
    scope,
    sites,
    structured,
    values,
    base,
    facebook_graph,
    google_business,
    google_places,
    healthgrades,
    own_site,
    psychologytoday,
    ratemds,
    schema_org,
    yelp,
    yelp_fusion,
    api,
    config,
    normalize,
    secrets,
)
PATTERNS = compiled_patterns(MODULES)


def test_the_crawlers_patterns_are_found() -> None:
    names = {name for name, _ in PATTERNS}
    assert any(name.startswith("crawlers.blocks.") for name in names)
    assert any(name.startswith("store.secrets.") for name in names)
    assert len(PATTERNS) >= 20


@pytest.mark.slow
@pytest.mark.parametrize(("name", "pattern"), PATTERNS, ids=[name for name, _ in PATTERNS])
def test_every_crawler_pattern_scans_hostile_text_in_linear_time(name: str, pattern) -> None:
    worst = slowest_scan(name, pattern)
    assert worst.linear, (
        f"{name} took {worst.ratio:,.0f} times as long as str.count on {worst.size:,} "
        f"characters of {worst.text_kind} (budget {RATIO_BUDGET:,}), and its scan grew "
        f"{worst.growth:.1f} times faster than the text: it is not linear"
    )
