"""The one renderer for anything a review (or a listing page) contains.

Review text, titles, author names, owner responses and excerpts come from strangers on
the internet.  They are shown as plain text only: never through ``st.markdown``,
``st.write``, a widget label or ``unsafe_allow_html`` (markdown would load remote images
and make links), only through ``st.text`` and dataframes, which render text as text.
"""

import re
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, tzinfo
from typing import Any, Literal

import pandas as pd
import streamlit as st
from PIL import Image, ImageDraw

from store.privacy import initials as _initials

NameMode = Literal["as_shown", "initials"]

# Control characters (except newline and tab) and bidirectional overrides, which can make
# text display as something else than it is.
_UNSAFE_CHARS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\u202a-\u202e\u2066-\u2069]")


def clean(value: object) -> str:
    """The value as a display string, with control and bidi-override characters removed."""
    if value is None:
        return ""
    return _UNSAFE_CHARS.sub("", str(value))


def text(value: object, *, empty: str = "(none)") -> None:
    """Show untrusted text as text: nothing in it is interpreted."""
    shown = clean(value)
    st.text(shown if shown.strip() else empty)


def labelled(label: str, value: object, *, empty: str = "(none)") -> None:
    """A fixed label (ours) and an untrusted value (theirs), each shown as plain text."""
    shown = clean(value)
    st.text(f"{label}: {shown if shown.strip() else empty}")


def initials(author: str | None) -> str:
    """'Jane Q. Doe' -> 'J. Q. D.'; nothing more of the name is kept."""
    return _initials(clean(author))


def author(name: str | None, mode: NameMode) -> str:
    """The reviewer's name as the site shows it, or initials only (config)."""
    if mode == "initials":
        return initials(name)
    return clean(name)


#: Every date and time the dashboard shows is in the clinic's time zone, in these formats.
TIME_FORMAT = "%Y-%m-%d %H:%M"
DAY_FORMAT = "%Y-%m-%d"
#: What an empty cell reads (never "None").
EMPTY = "—"


#: The clinic's time zone, set by :func:`dashboard.data.context` on every run (one config
#: per process); UTC outside the app (unit tests, exports made without a config).
ZONE: tzinfo = UTC


def _zone() -> tzinfo:
    return ZONE


def when(value: datetime | None, zone: tzinfo | None = None) -> str:
    """A moment in the clinic's time zone: '2026-11-20 14:05'."""
    if value is None:
        return ""
    return value.astimezone(zone or _zone()).strftime(TIME_FORMAT)


def day(value: datetime | None, zone: tzinfo | None = None) -> str:
    """A day in the clinic's time zone: '2026-11-20'."""
    if value is None:
        return ""
    return value.astimezone(zone or _zone()).strftime(DAY_FORMAT)


def stated_day(value: datetime | None, precision: str | None) -> str:
    """The day a review was published: a date the site gave to the day (or coarser) is
    stored at midnight UTC of that day and shown as that day, not moved by the time zone;
    a moment the site gave to the second is shown in the clinic's time zone."""
    if value is None:
        return ""
    if precision == "second":
        return day(value)
    return value.astimezone(UTC).strftime(DAY_FORMAT)


def frame(rows: Iterable[dict[str, object]], columns: list[str]) -> pd.DataFrame:
    """A dataframe whose text cells are cleaned strings (dataframes render text as text)."""
    df = pd.DataFrame(list(rows), columns=columns)
    for column in df.columns:
        if df[column].dtype == object:
            df[column] = df[column].map(lambda v: clean(v) if isinstance(v, str) else v)
    return df


def table(
    df: pd.DataFrame,
    *,
    key: str,
    columns: Mapping[str, Any] | None = None,
    height: int | None = None,
    select: bool = False,
) -> int | None:
    """Show a dataframe in a container keyed ``key`` (tests and the browser find it by
    that key); empty cells read "—".  ``columns`` is ``st.column_config`` by column name
    (widths, pinned key columns, number formats); link and image columns are only ever
    given URLs that come from the configuration, never from a site.  With ``select`` a
    click on a row selects it: returns the selected row's position (None: none)."""
    kwargs: dict[str, Any] = {
        "hide_index": True,
        "width": "stretch",
        "placeholder": EMPTY,
        "column_config": dict(columns or {}),
    }
    if height is not None:
        kwargs["height"] = height
    with st.container(key=key):
        if not select:
            st.dataframe(df, **kwargs)
            return None
        event = st.dataframe(
            df,
            key=f"{key}-select",
            on_select="rerun",
            selection_mode="single-row",
            **kwargs,
        )
    rows = event.selection.rows if event is not None else []
    return rows[0] if rows else None


def height_for(rows: int, *, most: int = 420) -> int:
    """A table's height that shows ``rows`` rows (and at most ``most`` pixels)."""
    return min(most, 38 + 35 * max(rows, 1))


def pill(text: str, colour: str) -> str:
    """Our own short label as a coloured badge in markdown (never a site's words)."""
    return f":{colour}-badge[{md_escape(text)}]"


_MARKDOWN_SPECIALS = "\\`*_{}[]()<>#+-.!|~$:"


def page_icon() -> Image.Image:
    """A small local favicon (served by the dashboard itself, fetched from nowhere else)."""
    icon = Image.new("RGBA", (32, 32), (0, 0, 0, 0))
    draw = ImageDraw.Draw(icon)
    draw.ellipse((2, 8, 30, 24), fill=(38, 70, 83, 255))
    draw.ellipse((11, 11, 21, 21), fill=(233, 196, 106, 255))
    return icon


def md_escape(value: object) -> str:
    """Our own short strings (ids, site names) made literal for use inside st.markdown."""
    text = clean(value).replace("\n", " ")
    return "".join("\\" + c if c in _MARKDOWN_SPECIALS else c for c in text)
