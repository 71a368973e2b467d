"""One engine factory, the read-only variant for the dashboard, and schema set-up."""

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine, make_url
from sqlmodel import Session

logger = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def _sqlite_pragmas(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def make_engine(url: str, *, read_only: bool = False, echo: bool = False) -> Engine:
    """An engine for ``url``.  ``read_only`` opens SQLite with ``mode=ro`` and PostgreSQL
    with read-only transactions, so a reader cannot write even by mistake."""
    parsed = make_url(url)
    kwargs: dict = {"echo": echo, "pool_pre_ping": True}
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if read_only:
            if not database or database == ":memory:":
                raise ValueError("a read-only engine needs a SQLite file")
            if not Path(database).exists():
                raise FileNotFoundError(
                    f"no database at {database}: run `quietwatch init` and a crawl first"
                )
            uri = f"file:{Path(database).resolve()}?mode=ro"
            engine = sa.create_engine(
                "sqlite://",
                creator=lambda: __import__("sqlite3").connect(
                    uri, uri=True, check_same_thread=False, timeout=30
                ),
                **kwargs,
            )
        else:
            if database and database != ":memory:":
                Path(database).parent.mkdir(parents=True, exist_ok=True)
            engine = sa.create_engine(
                url, connect_args={"check_same_thread": False, "timeout": 30}, **kwargs
            )
        sa.event.listen(engine, "connect", _sqlite_pragmas)
        if not read_only:
            sa.event.listen(
                engine,
                "connect",
                lambda conn, _r: conn.execute("PRAGMA journal_mode=WAL"),
            )
        return engine
    if read_only:
        kwargs["connect_args"] = {"options": "-c default_transaction_read_only=on"}
    return sa.create_engine(url, **kwargs)


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A unit of work: commit on success, roll back on any error."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


def alembic_config(url: str):  # type: ignore[no-untyped-def]
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    cfg.attributes["configure_logger"] = False
    return cfg


def init_db(url: str) -> str:
    """Create or upgrade the database to the newest schema; return the revision."""
    from alembic import command
    from alembic.runtime.migration import MigrationContext

    command.upgrade(alembic_config(url), "head")
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            revision = MigrationContext.configure(conn).get_current_revision()
    finally:
        engine.dispose()
    logger.info("database at revision %s", revision)
    return revision or ""


def schema_is_current(engine: Engine) -> bool:
    """True when the database is at the newest migration."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(alembic_config(str(engine.url)))
    with engine.connect() as conn:
        current = MigrationContext.configure(conn).get_current_revision()
    return current == script.get_current_head()
