"""Review dates as the sites show them: ISO dates, "3/14/2016", "March 2019", "3 weeks ago".

A date keeps the text the site showed, the parsed instant (UTC) and its precision.  A relative
date is resolved against the crawl time and is only as precise as its unit: "3 weeks ago" is
precise to the week, "a year ago" to the year.  Parsing uses ``dateparser`` for the many
languages and spellings sites use; nothing here guesses beyond what the text says.
"""

import re
from datetime import UTC, date, datetime, time
from functools import lru_cache

from dateparser.date import DateDataParser
from dateutil import parser as dateutil_parser

from crawlers.items import DatePrecision

_PERIOD = {
    "time": DatePrecision.SECOND,
    "day": DatePrecision.DAY,
    "week": DatePrecision.WEEK,
    "month": DatePrecision.MONTH,
    "year": DatePrecision.YEAR,
}
_PREFIX = re.compile(
    r"^(?:updated review|updated|edited|posted|reviewed|submitted)\s*:?\s*", re.IGNORECASE
)
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ISO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}[t ]\d{2}:\d{2}", re.IGNORECASE)
_YEAR = re.compile(r"^\d{4}$")
_US_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")


@lru_cache(maxsize=8)
def _parser(languages: tuple[str, ...] | None, relative_base: datetime) -> DateDataParser:
    """One parser per crawl time (building one loads dateparser's language data)."""
    return DateDataParser(
        languages=list(languages) if languages else None,
        settings={
            "RELATIVE_BASE": relative_base,
            "PREFER_DATES_FROM": "past",
            "PREFER_DAY_OF_MONTH": "first",
            "RETURN_TIME_AS_PERIOD": True,
            "DATE_ORDER": "MDY",
        },
    )


def _aware(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def parse_review_date(
    raw: str | None, *, now: datetime, languages: list[str] | None = None
) -> tuple[datetime | None, DatePrecision | None]:
    """Parse a review date as shown; return (instant in UTC, precision) or (None, None).

    ``now`` is the crawl time, used for relative dates only.  A text that cannot be read
    returns (None, None): the raw text is still stored, never a guessed date.
    """
    if raw is None:
        return None, None
    text = " ".join(str(raw).split()).strip()
    if not text:
        return None, None
    now = _aware(now)
    # Prefixes sites put before the date ("Updated review 3/4/2016", "Edited 2 weeks ago").
    text = _PREFIX.sub("", text)
    if _ISO_DATETIME.match(text):
        try:
            return _aware(dateutil_parser.isoparse(text.replace(" ", "T", 1))), DatePrecision.SECOND
        except ValueError:
            pass
    if _ISO_DATE.match(text):
        try:
            return _day(datetime.fromisoformat(text)), DatePrecision.DAY
        except ValueError:
            return None, None
    if _YEAR.match(text):
        return datetime(int(text), 1, 1, tzinfo=UTC), DatePrecision.YEAR
    if (m := _US_DATE.match(text)) is not None:  # Yelp's 11/23/2016: month first
        try:
            return datetime(int(m[3]), int(m[1]), int(m[2]), tzinfo=UTC), DatePrecision.DAY
        except ValueError:
            return None, None
    data = _parser(tuple(languages) if languages else None, now.replace(tzinfo=None)).get_date_data(
        text
    )
    if data is None or data.date_obj is None:
        return None, None
    precision = _PERIOD.get(data.period or "day", DatePrecision.DAY)
    value = data.date_obj.replace(tzinfo=UTC) if data.date_obj.tzinfo is None else data.date_obj
    if precision is DatePrecision.SECOND:
        return _aware(value), precision
    return _day(_aware(value)), precision


def from_timestamp(value: int | float | str | None) -> datetime | None:
    """A Unix timestamp (seconds) as an aware UTC datetime; None when absent or unreadable."""
    if value in (None, ""):
        return None
    try:
        return datetime.fromtimestamp(float(value), tz=UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        return None


def _day(value: datetime | date) -> datetime:
    d = value.date() if isinstance(value, datetime) else value
    return datetime.combine(d, time(0, 0), tzinfo=UTC)
