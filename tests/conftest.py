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


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        help="rewrite tests/crawlers/expected/ from the parsers' output (after a reviewed change)",
    )


def shared_fixture(relative: str) -> Path:
    """Path to a real captured page in ../shared/fixtures; skip the test when absent, fail
    under CI=true (CI always has ../shared)."""
    path = SHARED_FIXTURES / relative
    if not path.exists():
        if IN_CI:
            pytest.fail(f"real captured fixture {relative} is missing under CI=true")
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


def migrate(url: str) -> str:
    """Create or upgrade the store at ``url`` to the newest schema; the revision."""
    from store.db import init_db, make_engine

    engine = make_engine(url)
    try:
        return init_db(engine)
    finally:
        engine.dispose()


@pytest.fixture
def pinned_now() -> datetime:
    return PINNED_NOW


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    """A real SQLite file, migrated to the newest schema."""
    url = f"sqlite:///{tmp_path / 'quietwatch.db'}"
    migrate(url)
    return url


@pytest.fixture(scope="session")
def postgres_server():
    """A throwaway PostgreSQL cluster (initdb in a temp dir, 127.0.0.1, free port) for the
    whole session; skipped on a machine without PostgreSQL, a failure under CI=true."""
    from tests.pg import PostgresServer, find_bin_dir

    bin_dir = find_bin_dir()
    require_or_skip(bin_dir is not None, "PostgreSQL (initdb/pg_ctl)")
    try:
        server = PostgresServer(bin_dir)
    except KeyError:  # root without the `postgres` system user the Debian package creates
        require_or_skip(False, "PostgreSQL as root (needs the 'postgres' system user)")
    try:
        server.start()
    except RuntimeError as exc:
        server.stop()
        pytest.fail(f"the throwaway PostgreSQL server did not start: {exc}")
    yield server
    server.stop()


@pytest.fixture
def pg_url(postgres_server) -> str:
    """A fresh database on the test PostgreSQL server, migrated to the newest schema."""
    url = postgres_server.create_database()
    migrate(url)
    yield url
    postgres_server.drop_database(url)


@pytest.fixture
def engine(db_url: str):
    from store.db import make_engine

    engine = make_engine(db_url)
    yield engine
    engine.dispose()
