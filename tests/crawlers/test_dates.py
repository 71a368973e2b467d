"""Review dates keep the text as shown, the instant, and how precise it really is."""

from datetime import UTC, datetime

import pytest

from crawlers.dates import parse_review_date
from crawlers.items import DatePrecision as P
from tests.conftest import PINNED_NOW  # 2026-11-25 12:00 UTC


@pytest.mark.parametrize(
    ("raw", "expected", "precision"),
    [
        (
            "2018-05-08T23:46:47.646Z",
            datetime(2018, 5, 8, 23, 46, 47, 646000, tzinfo=UTC),
            P.SECOND,
        ),
        ("2016-11-23", datetime(2016, 11, 23, tzinfo=UTC), P.DAY),
        ("11/23/2016", datetime(2016, 11, 23, tzinfo=UTC), P.DAY),
        ("Updated review 3/4/2016", datetime(2016, 3, 4, tzinfo=UTC), P.DAY),
        ("May 10, 2018", datetime(2018, 5, 10, tzinfo=UTC), P.DAY),
        ("yesterday", datetime(2026, 11, 24, tzinfo=UTC), P.DAY),
        ("3 weeks ago", datetime(2026, 11, 4, tzinfo=UTC), P.WEEK),
        ("vor 3 Wochen", datetime(2026, 11, 4, tzinfo=UTC), P.WEEK),
        ("il y a 2 mois", datetime(2026, 9, 1, tzinfo=UTC), P.MONTH),
        ("a year ago", datetime(2025, 11, 1, tzinfo=UTC), P.YEAR),
        ("March 2019", datetime(2019, 3, 1, tzinfo=UTC), P.MONTH),
        ("2019", datetime(2019, 1, 1, tzinfo=UTC), P.YEAR),
    ],
)
def test_dates_and_their_precision(raw: str, expected: datetime, precision: P) -> None:
    assert parse_review_date(raw, now=PINNED_NOW) == (expected, precision)


@pytest.mark.parametrize("raw", [None, "", "   ", "not a date at all", "2019-13-45"])
def test_unreadable_dates_are_none_not_guesses(raw) -> None:
    assert parse_review_date(raw, now=PINNED_NOW) == (None, None)
