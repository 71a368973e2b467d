"""Small helpers for reading what an AppTest run shows."""

import pandas as pd
from sqlalchemy import text
from streamlit.testing.v1 import AppTest

from store.db import make_engine
from tests.dashboard.conftest import APP


def run_page(page: str | None = None, *, timeout: float = 60) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=timeout).run()
    if page is not None:
        at.switch_page(f"views/{page}.py").run()
    return at


def frame(at: AppTest, key: str) -> pd.DataFrame:
    """The dataframe shown by ``render.table(..., key=key)``."""
    return at.container(key).dataframe[0].value


def tag(cell: object) -> str:
    """The one tag of a tag column's cell (a verdict shown as a coloured tag)."""
    (value,) = list(cell)  # type: ignore[call-overload]
    return str(value)


def has_frame(at: AppTest, key: str) -> bool:
    try:
        at.container(key)
    except KeyError:
        return False
    return True


def texts(at: AppTest) -> list[str]:
    return [t.value for t in at.text]


def all_markdown(at: AppTest) -> list[str]:
    """Everything shown through a markdown-rendering element."""
    out = []
    for kind in (
        "markdown",
        "caption",
        "header",
        "subheader",
        "title",
        "info",
        "warning",
        "error",
        "success",
    ):
        out += [str(e.value) for e in getattr(at, kind)]
    return out


def audit_rows(db_url: str) -> list[dict]:
    engine = make_engine(db_url, read_only=True)
    try:
        with engine.connect() as conn:
            return [
                dict(r._mapping) for r in conn.execute(text("SELECT * FROM auditentry ORDER BY id"))
            ]
    finally:
        engine.dispose()


def select_row(at: AppTest, key: str, *, column: str, value: object) -> AppTest:
    """Click the row of table ``key`` whose ``column`` holds ``value`` (as a browser does:
    the dataframe's selection state), and run the page again."""
    table = frame(at, key)
    positions = [i for i, v in enumerate(table[column]) if v == value]
    assert positions, f"no row with {column} = {value!r} in {key}"
    at.session_state[f"{key}-select"] = {
        "selection": {"rows": positions[:1], "columns": [], "cells": []}
    }
    return at.run()


def cells(at: AppTest) -> list[str]:
    """Every filled cell of every table on the page, as text (an empty cell reads "—", the
    tables' placeholder; the browser test checks what is drawn)."""
    out = []
    for df in at.dataframe:
        values = df.value.astype(object).to_numpy().ravel()
        out += [str(v) for v in values if not (v is None or (isinstance(v, float) and v != v))]
    return out
