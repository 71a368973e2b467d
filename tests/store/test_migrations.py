"""Migrations: `upgrade head` on a real file, and the models match what the migrations build."""

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlmodel import SQLModel

import store.models  # noqa: F401
from store.db import make_engine, schema_is_current
from tests.conftest import migrate


def test_upgrade_head_twice_on_a_real_file(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'qw.db'}"
    first = migrate(url)
    assert migrate(url) == first  # idempotent
    _assert_models_match(url)


def test_upgrade_head_again_on_each_backend(db_url: str) -> None:
    """db_url is already at head (SQLite file, or PostgreSQL started by the test setup)."""
    engine = make_engine(db_url)
    try:
        assert schema_is_current(engine)
    finally:
        engine.dispose()
    migrate(db_url)  # idempotent
    _assert_models_match(db_url)


def _assert_models_match(url: str) -> None:
    engine = make_engine(url)
    try:
        assert schema_is_current(engine)
        with engine.connect() as conn:
            diff = compare_metadata(
                MigrationContext.configure(conn, opts={"compare_type": True}), SQLModel.metadata
            )
        assert diff == [], f"models and migrations differ: {diff}"
    finally:
        engine.dispose()
