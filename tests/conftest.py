"""Shared fixtures.  Real components only: real SQLite files, real local HTTP servers."""

import os
from datetime import UTC, datetime
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SHARED_FIXTURES = Path(os.environ.get("QUIETWATCH_SHARED", REPO.parent / "shared")) / "fixtures"
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}

# A fixed "now" so relative dates ("3 weeks ago") resolve deterministically.
PINNED_NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def shared_fixture(relative: str) -> Path:
    """Path to a real captured page in ../shared/fixtures; skip the test when absent."""
    path = SHARED_FIXTURES / relative
    if not path.exists():
        pytest.skip(
            f"real captured fixture {relative} not available "
            f"(../shared/fixtures is absent on this machine)"
        )
    return path


def require_or_skip(available: bool, what: str) -> None:
    """Skip when a system component is missing on a developer machine; fail under CI=true."""
    if available:
        return
    if IN_CI:
        pytest.fail(f"{what} is required under CI=true but is not available")
    pytest.skip(f"{what} is not available on this machine")


@pytest.fixture
def pinned_now() -> datetime:
    return PINNED_NOW


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    """A real SQLite file, migrated to the newest schema."""
    from store.db import init_db

    url = f"sqlite:///{tmp_path / 'quietwatch.db'}"
    init_db(url)
    return url


@pytest.fixture
def engine(db_url: str):
    from store.db import make_engine

    engine = make_engine(db_url)
    yield engine
    engine.dispose()
