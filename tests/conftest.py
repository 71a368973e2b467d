"""Shared fixtures.  Real components only: real SQLite files, real local HTTP servers."""

import json
import os
import shutil
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("QUIETWATCH_SHARED", REPO.parent / "shared"))
SHARED_FIXTURES = SHARED / "fixtures"
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
    """Path to a file in ../shared: a real captured page under ``fixtures/`` (the default) or
    the clinic's policy (``shared_fixture("../policy/...")``).  A test that calls this is
    marked ``shared``; it skips when ../shared is absent, and fails under CI=true."""
    path = (SHARED_FIXTURES / relative).resolve()
    require_or_skip(
        path.exists(), f"{path.relative_to(SHARED.resolve())} from ../shared (at {SHARED})"
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


@pytest.fixture(scope="session")
def _migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One SQLite file migrated to the newest schema, made once a session and copied for each
    test: a copy takes milliseconds where the migrations take most of a second (the schema is
    all a migration writes; the migration tests themselves migrate their own files)."""
    path = tmp_path_factory.mktemp("migrated") / "quietwatch.db"
    migrate(f"sqlite:///{path}")
    return path


@pytest.fixture
def db_url(tmp_path: Path, _migrated_sqlite: Path) -> str:
    """A real SQLite file, migrated to the newest schema."""
    path = tmp_path / "quietwatch.db"
    shutil.copyfile(_migrated_sqlite, path)
    return f"sqlite:///{path}"


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


@pytest.fixture(scope="session")
def _migrated_postgres(postgres_server) -> str:
    """A database migrated to the newest schema once a session, the template each test's
    fresh database is created from (``CREATE DATABASE … TEMPLATE``: a file copy on the
    server, where the migrations take a second or more)."""
    url = postgres_server.create_database(prefix="qw_template")
    migrate(url)
    return url


@pytest.fixture
def pg_url(postgres_server, _migrated_postgres: str) -> str:
    """A fresh database on the test PostgreSQL server, migrated to the newest schema."""
    url = postgres_server.create_database(template=_migrated_postgres.rsplit("/", 1)[-1])
    yield url
    postgres_server.drop_database(url)


@pytest.fixture
def engine(db_url: str):
    from store.db import make_engine

    engine = make_engine(db_url)
    yield engine
    engine.dispose()


# -- make mutation -------------------------------------------------------------------------
# Under mutmut the tests run from its mutated copy of the project.  Two things make the
# processes they start (crawls, CLI commands, scripts) take part:
# - PYTHONPATH puts the copy first, so a child imports the mutated code however it is
#   started (`python -m`, a script file, the venv's console script), not the installed one;
# - while mutmut maps each test to the functions it reaches ("stats"), recording calls in
#   the test process, tests/mutmut_children/sitecustomize.py makes each child write down
#   what it reached, and the teardown hook below hands that to mutmut before mutmut reads it.
def _mutmut_recording() -> bool:
    return os.environ.get("MUTANT_UNDER_TEST") == "stats"


def pytest_sessionstart(session: pytest.Session) -> None:
    if "MUTANT_UNDER_TEST" not in os.environ or "MUTMUT_CHILD_HITS" in os.environ:
        return
    os.environ["MUTMUT_CHILD_HITS"] = tempfile.mkdtemp(prefix="quietwatch-mutmut-")
    children = str(Path(__file__).parent / "mutmut_children")
    os.environ["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(REPO), children, os.environ.get("PYTHONPATH")) if p
    )


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_teardown(item: pytest.Item) -> None:
    folder = os.environ.get("MUTMUT_CHILD_HITS")
    if not (_mutmut_recording() and folder):
        return
    from mutmut.state import state

    for path in Path(folder).glob("*.json"):
        state()._stats.update(json.loads(path.read_text(encoding="utf-8")))
        path.unlink()
