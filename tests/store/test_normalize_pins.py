"""Edges of phone, postal-code and address normalisation that discovery and the dashboard
rely on: blank input, units written before or after the street, cities compared when no
postal code is given, and the phone region carried through every comparison."""

import pytest

from crawlers.items import ListingFacts
from store.normalize import (
    AddressKey,
    address_key,
    match_reason,
    normalize_address,
    normalize_postal_code,
    same_address,
    same_phone,
    street_of,
)

STREET = "1234 W Broadway"


def test_postal_code_blank_is_none_and_foreign_codes_are_tidied() -> None:
    """Blank text is no postal code; a code neither Canadian nor US is upper-cased, one space."""
    assert normalize_postal_code("   ") is None
    assert normalize_postal_code(" sw1a   1aa ") == "SW1A 1AA"


def test_address_key_parts_and_blank_input() -> None:
    """The key splits number, street and unit; a missing part is None, blank input is None."""
    assert address_key(None) is None
    assert address_key("   ") is None
    assert normalize_address(" \t ") is None
    assert address_key("10 Main Street") == AddressKey("10", "main st", None)
    assert address_key("Main St") == AddressKey(None, "main st", None)  # no number
    assert address_key("12B Main Street") == AddressKey("12b", "main st", None)
    assert address_key("Suite 200") == AddressKey(None, "", "200")  # a unit and nothing else


def test_address_hyphen_spacing_and_leading_unit() -> None:
    """Spaces around a hyphen in a street name go; a unit written first still reads right."""
    assert normalize_address("10 Rue Saint - Denis") == "10 rue saint-denis"
    assert normalize_address("10 Rue Saint-Denis") == "10 rue saint-denis"
    assert normalize_address("Suite 200, 1234 W Broadway") == "1234 w broadway unit 200"
    assert normalize_address("Apt 3 55 North Road East") == "55 n rd e unit 3"


@pytest.mark.timeout(5)
def test_address_unit_word_without_number_is_dropped() -> None:
    """A unit word with nothing after it (a truncated line) is ignored, not an error."""
    assert address_key(f"{STREET} Suite") == AddressKey("1234", "w broadway", None)
    assert address_key("10 Main St Unit") == AddressKey("10", "main st", None)


def test_street_of_unit_first_one_line_addresses() -> None:
    """A leading unit part ("#5", "Suite 5", "5") goes after the street as "unit 5"."""
    assert street_of("5, 48 Pirrama Rd") == "48 Pirrama Rd unit 5"
    assert street_of("#5, 48 Pirrama Rd, Pyrmont NSW 2009") == "48 Pirrama Rd unit 5"
    assert street_of("Suite 5, 48 Pirrama Rd, Pyrmont") == "48 Pirrama Rd unit 5"
    assert street_of("UNIT 5A, 48 Pirrama Rd") == "48 Pirrama Rd unit 5A"
    assert street_of("1234") == "1234"  # a lone number is the whole street line


def test_phone_region_applies_to_both_numbers() -> None:
    """The region given reads both numbers, and names the matched phone in the reason."""
    assert same_phone("020 3026 5669", "020 3026 5669", region="GB")
    assert not same_phone("020 3026 5669", "020 3026 5669")  # not a Canadian number
    uk = {"phone": "020 3026 5669"}
    assert match_reason(uk, dict(uk), region="GB") == "same phone (+442030265669)"
    assert match_reason(uk, dict(uk)) is None


def test_same_address_needs_both_streets_and_a_number() -> None:
    """A side without a street line, or two streets without a number, never match."""
    clinic = {"street_address": STREET, "city": "Vancouver"}
    assert not same_address(clinic, {"city": "Vancouver"})
    assert not same_address({"city": "Vancouver"}, clinic)
    assert not same_address(ListingFacts(locality="Vancouver"), clinic)
    assert not same_address("Main St", "Main St")
    assert not same_address({"street_address": "W Broadway"}, {"street_address": "W Broadway"})


@pytest.mark.parametrize("facts", [dict, ListingFacts])
def test_same_address_compares_locality_or_city_either_side(facts) -> None:
    """Without postal codes the cities decide: ``locality`` or ``city``, on either side."""
    burnaby = facts(street_address=STREET, locality="Burnaby")
    vancouver = {"street_address": STREET, "city": "Vancouver"}
    assert not same_address(burnaby, vancouver)
    assert not same_address(vancouver, burnaby)
    assert not same_address({"street_address": STREET, "city": "Burnaby"}, vancouver)
    assert not same_address(vancouver, {"street_address": STREET, "city": "Burnaby"})
    assert same_address(facts(street_address=STREET, locality="vancouver"), vancouver)


def test_same_address_city_ignores_case_and_spacing() -> None:
    """City names compare without regard to case or runs of spaces."""
    a = {"street_address": STREET, "city": "North  Vancouver"}
    b = {"street_address": STREET, "locality": "north vancouver "}
    assert same_address(a, b)
    assert same_address(b, a)


def test_blank_fact_falls_back_to_the_next_name() -> None:
    """An empty ``locality`` is no locality: ``city`` is read instead."""
    blank_locality = {"street_address": STREET, "locality": "", "city": "Burnaby"}
    assert not same_address(blank_locality, {"street_address": STREET, "city": "Vancouver"})
    assert not same_address({"street_address": STREET, "city": "Vancouver"}, blank_locality)


def test_facts_object_without_a_field_counts_as_unknown() -> None:
    """An object lacking a field (``ListingFacts`` has no ``city``) is read as not giving it."""
    listing = ListingFacts(street_address=STREET)  # no locality, and no city attribute
    assert same_address(listing, {"street_address": STREET, "city": "Vancouver"})
    assert same_address({"street_address": STREET, "city": "Vancouver"}, listing)


def test_a_unit_after_the_street_and_a_spaced_dash_is_read_as_the_unit():
    assert normalize_address("1234 W Broadway - Suite 200") == "1234 w broadway unit 200"
    assert same_address("1234 W Broadway - Suite 200", "#200 - 1234 West Broadway")
    assert normalize_address("200 - 1234 W Broadway") == "1234 w broadway unit 200"
