"""Phone and address normalisation, and the plain-words match reason used by discovery."""

import pytest

from crawlers.items import ListingFacts
from store.normalize import (
    match_reason,
    normalize_address,
    normalize_phone,
    normalize_postal_code,
    same_address,
    same_phone,
    street_of,
)

CLINIC = {
    "street_address": "#200 - 1234 West Broadway",
    "city": "Vancouver",
    "postal_code": "V6H 1G6",
    "phone": "(604) 555-0123",
}


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("(604) 555-0123", "+16045550123"),
        ("604.555.0123", "+16045550123"),
        ("+1 604-555-0123", "+16045550123"),
        ("1-604-555-0123", "+16045550123"),
        ("+44 20 3026 5669", "+442030265669"),
        ("call us", None),
        ("", None),
        (None, None),
        ("12", None),
    ],
)
def test_phone_to_e164_with_canada_by_default(raw, expected) -> None:
    assert normalize_phone(raw) == expected


def test_phone_region_can_be_given() -> None:
    assert normalize_phone("020 3026 5669", region="GB") == "+442030265669"
    assert same_phone("(604) 555-0123", "+1 604 555 0123")
    assert not same_phone("(604) 555-0123", "(604) 555-0124")
    assert not same_phone(None, None)  # two unknowns are not a match


@pytest.mark.parametrize(
    "raw",
    [
        "#200 - 1234 West Broadway",
        "200-1234 W Broadway",
        "1234 W. Broadway, Suite 200",
        "1234 West Broadway #200",
        "Unit 200 - 1234 W Broadway",
        "1234 W BROADWAY STE 200",
    ],
)
def test_address_spellings_agree(raw) -> None:
    assert normalize_address(raw) == "1234 w broadway unit 200"


def test_suffixes_and_directions() -> None:
    assert normalize_address("55 North Road East") == "55 n rd e"
    assert normalize_address("10 Main Street") == normalize_address("10 Main St.")
    assert normalize_address("") is None


def test_postal_codes() -> None:
    assert normalize_postal_code("v6h1g6") == "V6H 1G6"
    assert normalize_postal_code("V6H-1G6") == "V6H 1G6"
    assert normalize_postal_code("94105-1234") == "94105"
    assert normalize_postal_code(None) is None


def test_street_of_one_line_addresses() -> None:
    assert (
        street_of("1234 W Broadway #200, Vancouver, BC V6H 1G6, Canada") == "1234 W Broadway #200"
    )
    assert (
        normalize_address(street_of("5, 48 Pirrama Rd, Pyrmont NSW 2009, Australia"))
        == "48 pirrama rd unit 5"
    )


def test_same_address_needs_number_street_and_postal_code() -> None:
    facts = ListingFacts(
        street_address="1234 W Broadway", locality="Vancouver", postal_code="V6H1G6"
    )
    assert same_address(facts, CLINIC)  # no unit on one side: still the same building entry
    assert not same_address(
        ListingFacts(street_address="1234 W Broadway Suite 300", postal_code="V6H 1G6"), CLINIC
    )
    assert not same_address(
        ListingFacts(street_address="1234 W Broadway", postal_code="V5K 0A1"), CLINIC
    )
    assert not same_address(
        ListingFacts(street_address="1243 W Broadway", postal_code="V6H 1G6"), CLINIC
    )
    assert not same_address(
        ListingFacts(street_address="1234 E Broadway", locality="Vancouver"), CLINIC
    )
    assert not same_address(
        ListingFacts(street_address="W Broadway"), CLINIC
    )  # no number: never a match
    assert same_address("1234 W Broadway #200, Vancouver, BC V6H 1G6, Canada", CLINIC)


def test_match_reason_in_plain_words() -> None:
    both = ListingFacts(
        phone="+1 604-555-0123", street_address="1234 W Broadway, Suite 200", postal_code="V6H 1G6"
    )
    assert (
        match_reason(both, CLINIC)
        == "same phone (+16045550123) and same address (1234 w broadway unit 200)"
    )
    phone_only = ListingFacts(phone="604 555 0123", street_address="99 Other St")
    assert match_reason(phone_only, CLINIC) == "same phone (+16045550123)"
    address_only = {
        "street_address": "200-1234 W. Broadway",
        "city": "Vancouver",
        "phone": "604 555 9999",
    }
    assert match_reason(address_only, CLINIC) == "same address (1234 w broadway unit 200)"
    assert (
        match_reason(ListingFacts(phone="604 555 9999", street_address="1 Main St"), CLINIC) is None
    )
