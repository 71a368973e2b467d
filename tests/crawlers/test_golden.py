"""Golden files: every real capture in ../shared/fixtures against its expected output.

Each ``expected/<site>/<capture stem>.json`` was written by reading the capture by hand (and
with an extraction written apart from the project's parsers), never by pasting what a
parser printed.  Business facts are stored as they are; reviewer names, review text and
response text only as ``{"sha256", "length"}`` of the exact text the item holds (HTML text
with runs of whitespace folded to one space; API text as the API gives it).  "Now" is
pinned, so relative dates resolve the same way every run.

The test compares field by field and names the field that differs.  After a reviewed change
of a parser, ``pytest tests/crawlers/test_golden.py --update-golden`` rewrites the files from
the parsers' output (review the diff before committing it).
"""

import hashlib
import json
from dataclasses import asdict
from enum import Enum
from pathlib import Path
from typing import Any

import pytest

from crawlers.blocks import detect_block
from crawlers.items import ListingFacts, ListingPage, ReviewItem
from crawlers.pages import facebook_graph, google_places, yelp_fusion
from crawlers.pages.base import saved_response
from crawlers.pages.healthgrades import HealthgradesProfilePage
from crawlers.pages.psychologytoday import PsychologyTodayProfilePage
from crawlers.pages.ratemds import RateMDsDoctorPage
from crawlers.pages.yelp import YelpBizPage
from tests.conftest import PINNED_NOW, shared_fixture

pytestmark = pytest.mark.shared

EXPECTED = Path(__file__).parent / "expected"
PRIVATE = ("author", "text", "title", "owner_response")
HTML_PAGES = {
    "ratemds": RateMDsDoctorPage,
    "psychologytoday": PsychologyTodayProfilePage,
    "yelp": YelpBizPage,
}


def _digest(text: str | None) -> dict[str, Any] | None:
    if text is None:
        return None
    return {"sha256": hashlib.sha256(text.encode("utf-8")).hexdigest(), "length": len(text)}


def _plain(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def _review(review: ReviewItem) -> dict[str, Any]:
    data = _plain(asdict(review))
    for key in PRIVATE:
        data[key] = _digest(getattr(review, key))
    return data


def _read(facts: ListingFacts | None, reviews: list[ReviewItem]) -> dict[str, Any]:
    return {
        "facts": _plain(asdict(facts)) if facts is not None else None,
        "reviews": [_review(r) for r in reviews],
    }


def _page(item: ListingPage) -> dict[str, Any]:
    return {
        "status": item.status.value,
        "problem": item.problem,
        "next_url": item.next_url,
        **_read(item.facts, item.reviews),
    }


def _healthgrades(name: str, data: dict[str, Any]) -> str:
    """A profile page embedding the captured object as Healthgrades' 2017 pages did."""
    return (
        "<!DOCTYPE html><html><head><title>Healthgrades</title></head><body>"
        f"<script>var profile = {{}}; var pageState = {{}};\n{name} = {json.dumps(data)};\r\n"
        "</script></body></html>"
    )


def output_of(given: dict[str, str]) -> dict[str, Any]:
    """What QuietWatch reads from one capture, in the golden files' shape."""
    path = shared_fixture(given["fixture"])
    reader, url = given["reader"], given["url"]
    if reader in HTML_PAGES:
        page = HTML_PAGES[reader](
            saved_response(path.read_bytes(), url),
            listing_url=url,
            page_number=1,
            crawled_at=PINNED_NOW,
        )
        return _page(page.to_item())
    if reader == "block":
        block = detect_block(saved_response(path.read_bytes(), url))
        return {"status": "blocked" if block else "not blocked", "vendor": block and block.vendor}
    data = json.loads(path.read_text(encoding="utf-8"))
    if reader.startswith("healthgrades_"):
        name = "profile.provider" if reader == "healthgrades_provider" else "pageState.pes"
        response = saved_response(_healthgrades(name, data).encode(), url)
        return _page(
            HealthgradesProfilePage(
                response, listing_url=url, page_number=1, crawled_at=PINNED_NOW
            ).to_item()
        )
    if reader == "google_v1_search":
        return {
            "places": [_read(*place) for place in google_places.v1_places(data, now=PINNED_NOW)]
        }
    read = {
        "google_legacy": lambda: google_places.legacy_place(data, now=PINNED_NOW),
        "google_v1": lambda: google_places.v1_place(data, now=PINNED_NOW),
        "yelp_fusion": lambda: (yelp_fusion.business_facts(data), []),
        "facebook_rating": lambda: (None, [facebook_graph.rating(data)]),
    }[reader]
    return {"status": "ok", "problem": None, "next_url": None, **_read(*read())}


def differences(expected: Any, actual: Any, where: str = "") -> list[str]:
    """Every field that differs, named by its path ("reviews[3].owner_response_raw_date")."""
    if isinstance(expected, dict) and isinstance(actual, dict):
        found = []
        for key in sorted(set(expected) | set(actual)):
            if key not in actual or key not in expected:
                found.append(
                    f"{where}.{key}: only in {'expected' if key in expected else 'output'}"
                )
                continue
            found += differences(expected[key], actual[key], f"{where}.{key}")
        return found
    if isinstance(expected, list) and isinstance(actual, list):
        if len(expected) != len(actual):
            return [f"{where}: {len(expected)} expected, {len(actual)} read"]
        return [
            d
            for i, (e, a) in enumerate(zip(expected, actual))
            for d in differences(e, a, f"{where}[{i}]")
        ]
    if expected != actual:
        shown = (expected, actual) if not where.endswith(PRIVATE) else ("<digest>", "<digest>")
        return [f"{where}: expected {shown[0]!r}, read {shown[1]!r}"]
    return []


CASES = sorted(EXPECTED.rglob("*.json"))


def test_every_real_capture_has_a_golden_file() -> None:
    from tests.conftest import SHARED_FIXTURES

    if not SHARED_FIXTURES.exists():
        shared_fixture("SOURCES.tsv")  # skips here, fails under CI=true
    captures = {p.stem for p in SHARED_FIXTURES.rglob("*") if p.suffix in (".html", ".json")}
    assert captures == {case.stem for case in CASES}


@pytest.mark.parametrize("case", CASES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_golden(case: Path, request: pytest.FixtureRequest) -> None:
    expected = json.loads(case.read_text(encoding="utf-8"))
    given = expected.pop("input")
    actual = output_of(given)
    if request.config.getoption("--update-golden"):
        case.write_text(
            json.dumps({"input": given, **actual}, indent=2, ensure_ascii=False) + "\n",
            encoding="utf-8",
        )
        return
    found = differences(expected, actual)
    assert not found, f"{given['fixture']}: " + "; ".join(found)
