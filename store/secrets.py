"""Secrets never reach the store, a log, a notification or the screen.

Every API key and token QuietWatch is given is registered here as it is read (the process
settings, the spiders' environment fallback); :func:`scrub` replaces each of them, and any
``key=``/``access_token=``-style query value or bearer token, with ``***``.  The store's
write functions for free text (problems, run messages and stats, notification errors) and
the log filter installed on every handler call it, so an API error that echoes the
request cannot carry a key anywhere.
"""

import logging
import re
from typing import Any

MASK = "***"
_SHORTEST = 6  # shorter values are not secrets worth masking (and would mangle text)
_registered: set[str] = set()
_PATTERNS = (
    re.compile(
        r"((?:[?&;]|\b)(?:key|api_key|apikey|access_token|token|client_secret|sig)=)[^&#\s\"'<>]+",
        re.IGNORECASE,
    ),
    re.compile(r"(\bBearer\s+)[A-Za-z0-9._~+/=-]{8,}", re.IGNORECASE),
    re.compile(r"((?:X-Goog-Api-Key|Authorization)\W{1,4})[A-Za-z0-9._~+/=-]{8,}", re.IGNORECASE),
)


def register(*values: str | None) -> None:
    """Remember secrets to scrub (empty and very short values are ignored)."""
    for value in values:
        if value and len(value) >= _SHORTEST:
            _registered.add(value)


def scrub(text: Any) -> Any:
    """``text`` without any registered secret or credential-shaped value; non-text as is."""
    if not isinstance(text, str) or not text:
        return text
    for secret in sorted(_registered, key=len, reverse=True):
        if secret in text:
            text = text.replace(secret, MASK)
    for pattern in _PATTERNS:
        text = pattern.sub(rf"\g<1>{MASK}", text)
    return text


class ScrubFilter(logging.Filter):
    """Scrubs a log record's message (with its arguments) and its exception text."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = scrub(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = scrub(record.exc_text)
        return True


_FILTER = ScrubFilter()


def guard_logs(logger: logging.Logger | None = None) -> None:
    """Put the scrub filter on every handler of ``logger`` (the root logger by default),
    where every record of every logger passes."""
    for handler in (logger or logging.getLogger()).handlers:
        if _FILTER not in handler.filters:
            handler.addFilter(_FILTER)
