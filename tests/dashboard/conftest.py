"""Fixtures for the dashboard: a seeded real SQLite store and the environment the CLI sets."""

from pathlib import Path

import pytest
import streamlit as st

from tests.dashboard.seed import CONFIG_TOML, Seeded, seed

APP = str(Path(__file__).resolve().parents[2] / "dashboard" / "app.py")


@pytest.fixture
def seeded(db_url: str) -> Seeded:
    return seed(db_url)


def write_config(tmp_path: Path, *, names: str = "as_shown") -> Path:
    path = tmp_path / "quietwatch.toml"
    path.write_text(CONFIG_TOML.replace("{names}", names), encoding="utf-8")
    return path


@pytest.fixture
def dashboard_env(tmp_path: Path, db_url: str, seeded: Seeded, monkeypatch) -> Seeded:
    """The environment `quietwatch dashboard` gives Streamlit, and no stale cache."""
    monkeypatch.setenv("QUIETWATCH_DATABASE_URL", db_url)
    monkeypatch.setenv("QUIETWATCH_CONFIG", str(write_config(tmp_path)))
    st.cache_data.clear()
    st.cache_resource.clear()
    yield seeded
    st.cache_data.clear()
    st.cache_resource.clear()
