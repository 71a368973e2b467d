"""Plain values out of what pages and APIs give: numbers from JSON or text, one clean string.

Every page object (HTML or API) uses these, so "4.5", 4.5 and "4,5 stars" read the same way
everywhere.  Nothing here guesses: a value that does not read as a number is None.
"""

import re
from typing import Any

_NUMBER = re.compile(r"-?\d+(?:[.,]\d+)?")
_NOT_DIGIT = re.compile(r"\D")


def as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def clean(text: Any) -> str | None:
    """The text with runs of whitespace folded to one space; None when empty."""
    if text is None:
        return None
    folded = " ".join(str(text).split())
    return folded or None


def first_text(value: Any) -> str | None:
    """A single clean string from a value that may be a list, a dict with name/@value, etc."""
    for v in as_list(value):
        if isinstance(v, dict):
            v = v.get("name") or v.get("@value") or v.get("text")
            if isinstance(v, list | dict):
                v = first_text(v)
        text = clean(v)
        if text:
            return text
    return None


def as_float(value: Any) -> float | None:
    """A JSON number (or numeric string) as a float; None when absent or not a number."""
    try:
        return None if value is None or isinstance(value, bool) else float(value)
    except (TypeError, ValueError):
        return None


def as_int(value: Any) -> int | None:
    """A JSON number (or numeric string) as an int; None when absent or not a number."""
    try:
        return None if value is None or isinstance(value, bool) else int(value)
    except (TypeError, ValueError):
        return None


def number(value: Any) -> float | None:
    """The first number in a text ("4.5 star rating", "4,5"); None when there is none."""
    text = first_text(value)
    m = _NUMBER.search(text) if text else None
    return float(m.group(0).replace(",", ".")) if m else None


def integer(value: Any) -> int | None:
    """The digits of a count ("1,234 reviews" -> 1234); None when there are none."""
    text = first_text(value)
    digits = _NOT_DIGIT.sub("", text) if text else ""
    return int(digits) if digits else None
