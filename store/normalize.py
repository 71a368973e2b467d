"""Phone numbers and street addresses in one comparable form: discovery uses it to tell
whether a listing a site's search turned up is the clinic's, and the dashboard to compare
each listing's facts with the clinic's (so the two never disagree).

The API is small:

- :func:`normalize_phone` -- a phone number in E.164 (``+16045550123``), region CA by default;
- :func:`normalize_postal_code` -- ``V6H 1G6`` for a Canadian code, the digits for a US ZIP;
- :func:`normalize_address` -- one line, lower-case, suffixes and directions abbreviated
  (``street`` -> ``st``, ``west`` -> ``w``), the unit written ``unit N`` whatever the site
  wrote (``#200 - 1234 W. Broadway``, ``1234 West Broadway, Suite 200``);
- :func:`same_phone`, :func:`same_address` and :func:`match_reason`, which says in plain
  words why a candidate looks like the clinic, or returns None.

Facts may be given as dicts or objects (``crawlers.items.ListingFacts``) with the fields
``phone``, ``street_address``, ``locality`` (or ``city``) and ``postal_code``.
"""

import re
from collections.abc import Mapping
from typing import Any, NamedTuple

import phonenumbers

DEFAULT_REGION = "CA"

_SUFFIXES = {
    "street": "st",
    "str": "st",
    "avenue": "ave",
    "av": "ave",
    "road": "rd",
    "boulevard": "blvd",
    "blvrd": "blvd",
    "drive": "dr",
    "court": "ct",
    "place": "pl",
    "crescent": "cres",
    "cresc": "cres",
    "highway": "hwy",
    "lane": "ln",
    "parkway": "pkwy",
    "square": "sq",
    "terrace": "terr",
    "ter": "terr",
    "circle": "cir",
    "trail": "trl",
    "gate": "gt",
    "close": "cl",
    "mews": "mews",
    "way": "way",
    "route": "rte",
    "centre": "ctr",
    "center": "ctr",
    "mall": "mall",
    "plaza": "plaza",
    "grove": "grv",
    "heights": "hts",
    "park": "pk",
    "point": "pt",
    "alley": "aly",
    "expressway": "expy",
}
_DIRECTIONS = {
    "north": "n",
    "south": "s",
    "east": "e",
    "west": "w",
    "northeast": "ne",
    "northwest": "nw",
    "southeast": "se",
    "southwest": "sw",
}
_UNIT_WORDS = {"suite", "ste", "unit", "apt", "apartment", "room", "rm", "office", "bureau"}
# A dash after the street, before its unit: "1234 W Broadway - Suite 200".
_DASH_BEFORE_UNIT = re.compile(r"\s-\s*(?=(?:" + "|".join(sorted(_UNIT_WORDS)) + r")\b)")
_CA_POSTAL = re.compile(r"\b([a-z]\d[a-z])\s*-?\s*(\d[a-z]\d)\b", re.IGNORECASE)
_US_ZIP = re.compile(r"^\s*(\d{5})(?:-\d{4})?\s*$")
# Canadian "unit-number street": "200-1234 W Broadway" is unit 200 at 1234.
_UNIT_DASH = re.compile(
    # One run of spaces is read by one \s* only (two optional ones in a row are quadratic).
    r"^\s*(?:(?:#|unit\b|suite\b|ste\b|apt\b)\s*)?(\d+[a-z]?)\s*-\s*(\d+[a-z]?)\b",
    re.IGNORECASE,
)


def _get(facts: Any, *names: str) -> Any:
    for name in names:
        value = facts.get(name) if isinstance(facts, Mapping) else getattr(facts, name, None)
        if value not in (None, ""):
            return value
    return None


def normalize_phone(raw: str | None, region: str = DEFAULT_REGION) -> str | None:
    """The number in E.164, or None when it is not a possible phone number."""
    if not raw or not str(raw).strip():
        return None
    try:
        number = phonenumbers.parse(str(raw), region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalize_postal_code(raw: str | None) -> str | None:
    """``V6H 1G6`` for a Canadian postal code, ``94105`` for a US ZIP, else the upper-cased text."""
    if not raw or not str(raw).strip():
        return None
    text = str(raw).strip()
    if m := _CA_POSTAL.search(text):
        return f"{m.group(1)} {m.group(2)}".upper()
    if m := _US_ZIP.match(text):
        return m.group(1)
    return " ".join(text.upper().split())


class AddressKey(NamedTuple):
    """The parts of a street address that identify a place."""

    number: str | None
    street: str
    unit: str | None


def address_key(street_address: str | None) -> AddressKey | None:
    """Split one street line into number, street and unit, normalised; None when empty."""
    if not street_address or not str(street_address).strip():
        return None
    text = str(street_address).lower()
    unit: str | None = None
    if m := _UNIT_DASH.match(text):
        unit, text = m.group(1), m.group(2) + text[m.end() :]
    text = text.replace("#", " unit ")
    text = re.sub(r"[.,;:()'’\"]", " ", text)
    text = _DASH_BEFORE_UNIT.sub(" ", text)  # "1234 W Broadway - Suite 200"
    text = re.sub(r"\s*-\s*", "-", text)
    tokens = text.split()
    words: list[str] = []
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if token in _UNIT_WORDS:
            if i + 1 < len(tokens):
                unit = unit or tokens[i + 1]
                i += 2
                continue
            i += 1
            continue
        words.append(_DIRECTIONS.get(token) or _SUFFIXES.get(token) or token)
        i += 1
    number = None
    if words and re.fullmatch(r"\d+[a-z]?(?:-\d+[a-z]?)?", words[0]):
        number = words.pop(0)
    return AddressKey(number, " ".join(words), unit)


def normalize_address(street_address: str | None) -> str | None:
    """One comparable line: ``1234 w broadway unit 200``; None when empty."""
    key = address_key(street_address)
    if key is None:
        return None
    parts = [key.number, key.street, f"unit {key.unit}" if key.unit else None]
    return " ".join(p for p in parts if p)


def street_of(formatted: str | None) -> str | None:
    """The street line of a one-line address ("200-1234 W Broadway, Vancouver, BC ...")."""
    if not formatted:
        return None
    parts = [p.strip() for p in str(formatted).split(",") if p.strip()]
    if not parts:
        return None
    if len(parts) > 1 and re.fullmatch(r"(?:#|unit |suite |ste )?\s*\d+[a-z]?", parts[0], re.I):
        return f"{parts[1]} unit {parts[0].lstrip('#').split()[-1]}"  # "5, 48 Pirrama Rd"
    return parts[0]


def same_phone(a: str | None, b: str | None, region: str = DEFAULT_REGION) -> bool:
    """True when both are readable and the same number."""
    na, nb = normalize_phone(a, region), normalize_phone(b, region)
    return na is not None and na == nb


def same_address(a: Any, b: Any) -> bool:
    """True when two addresses name the same place.

    Each is a street line (str) or facts with ``street_address`` and ``postal_code`` /
    ``locality``.  Number and street must agree; units must agree when both give one; the
    postal codes (or, without them, the cities) must agree when both give one.
    """
    ka, kb = address_key(_street(a)), address_key(_street(b))
    if (
        ka is None
        or kb is None
        or not ka.number
        or ka.number != kb.number
        or ka.street != kb.street
    ):
        return False
    if ka.unit and kb.unit and ka.unit != kb.unit:
        return False
    pa, pb = (
        normalize_postal_code(_get_opt(a, "postal_code")),
        normalize_postal_code(_get_opt(b, "postal_code")),
    )
    if pa and pb:
        return pa == pb
    ca, cb = _get_opt(a, "locality", "city"), _get_opt(b, "locality", "city")
    if ca and cb:
        return " ".join(str(ca).lower().split()) == " ".join(str(cb).lower().split())
    return True


def _street(facts: Any) -> str | None:
    if isinstance(facts, str):
        return street_of(facts)
    return _get(facts, "street_address")


def _get_opt(facts: Any, *names: str) -> Any:
    return None if isinstance(facts, str) else _get(facts, *names)


def match_reason(candidate: Any, clinic: Any, region: str = DEFAULT_REGION) -> str | None:
    """Why ``candidate`` looks like the clinic, in plain words; None when nothing matches."""
    reasons = []
    if same_phone(_get(candidate, "phone"), _get(clinic, "phone"), region):
        reasons.append(f"same phone ({normalize_phone(_get(clinic, 'phone'), region)})")
    if same_address(candidate, clinic):
        reasons.append(f"same address ({normalize_address(_get(clinic, 'street_address'))})")
    return " and ".join(reasons) or None
