"""The store's tests run twice: on a real SQLite file and on a real PostgreSQL server."""

import pytest


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request, tmp_path):
    """A migrated database on each backend (PostgreSQL: started by the test setup)."""
    if request.param == "postgresql":
        return request.getfixturevalue("pg_url")
    from tests.conftest import migrate

    url = f"sqlite:///{tmp_path / 'quietwatch.db'}"
    migrate(url)
    return url


@pytest.fixture
def seeded(db_url):
    """The dashboard tests' seeded store (tests/dashboard/seed.py) on ``db_url``."""
    from tests.dashboard.seed import seed

    return seed(db_url)


@pytest.fixture
def listing_id(engine) -> int:
    """One clinic's listing (tests/store/crud_writes.py), for the write-side pin files."""
    from tests.store.crud_writes import make_listing

    return make_listing(engine)
