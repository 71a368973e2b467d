"""Stored rows read back with plain SQL (the stdlib ``sqlite3`` module) on a SQLite file.

Tests that check what the store holds read it this way, with the table and column names of
``store/models.py``, so their checks hold however the store's own code is arranged.
"""

import sqlite3
from pathlib import Path
from typing import Any


def _file(db: Path | str) -> Path:
    """A SQLite file, given as a path or as a ``sqlite:///`` URL."""
    text = str(db)
    return Path(text.removeprefix("sqlite:///")) if text.startswith("sqlite:///") else Path(text)


def rows(db: Path | str, sql: str, *params: Any) -> list[sqlite3.Row]:
    """``sql`` on the file, read-only; each row can be read by column name."""
    conn = sqlite3.connect(f"file:{_file(db)}?mode=ro", uri=True)
    conn.row_factory = sqlite3.Row
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def one(db: Path | str, sql: str, *params: Any) -> sqlite3.Row:
    (row,) = rows(db, sql, *params)
    return row
