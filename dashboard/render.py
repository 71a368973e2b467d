"""The one renderer for anything a review (or a listing page) contains.

Review text, titles, author names, owner responses and excerpts come from strangers on
the internet.  They are shown as plain text only: never through ``st.markdown``,
``st.write``, a widget label or ``unsafe_allow_html`` (markdown would load remote images
and make links), only through ``st.text`` and dataframes, which render text as text.
"""

import re
import unicodedata
from collections.abc import Iterable
from datetime import datetime
from typing import Literal

import pandas as pd
import streamlit as st
from PIL import Image, ImageDraw

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
    if not author:
        return ""
    letters = []
    for word in clean(author).split():
        for char in unicodedata.normalize("NFC", word):
            if char.isalnum():
                letters.append(char.upper() + ".")
                break
    return " ".join(letters)


def author(name: str | None, mode: NameMode) -> str:
    """The reviewer's name as the site shows it, or initials only (config)."""
    if mode == "initials":
        return initials(name)
    return clean(name)


def when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC") if value is not None else ""


def day(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d") if value is not None else ""


def frame(rows: Iterable[dict[str, object]], columns: list[str]) -> pd.DataFrame:
    """A dataframe whose text cells are cleaned strings (dataframes render text as text)."""
    df = pd.DataFrame(list(rows), columns=columns)
    for column in df.columns:
        if df[column].dtype == object:
            df[column] = df[column].map(lambda v: clean(v) if isinstance(v, str) else v)
    return df


def table(df: pd.DataFrame, *, key: str, height: int | None = None) -> None:
    """Show a dataframe in a container keyed ``key`` (tests and the browser find it by
    that key); no link, image or HTML column types are ever configured."""
    kwargs: dict[str, object] = {"hide_index": True, "width": "stretch"}
    if height is not None:
        kwargs["height"] = height
    with st.container(key=key):
        st.dataframe(df, **kwargs)


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
