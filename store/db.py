"""Engines, sessions and schema set-up: the only place that knows how to connect.

A process makes its engine once, where it starts (a CLI command, the dashboard's
``cache_resource``, the crawl's Scrapy extension) with :func:`engine_for`, and passes it
down; every other function takes the engine or a session.  :func:`make_engine` is the
factory behind it (tests use it directly).
"""

import hashlib
import logging
import sqlite3
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine, make_url
from sqlmodel import Session

__all__ = ["Engine", "Session", "engine_for", "init_db", "make_engine", "session_scope"]

logger = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def _sqlite_pragmas(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def _sqlite_wal(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
    dbapi_connection.execute("PRAGMA journal_mode=WAL")


def _sqlite_transactions(engine: Engine) -> None:
    """Every SQLAlchemy transaction is a real SQLite transaction, DDL included.

    The sqlite3 driver opens transactions itself only before INSERT/UPDATE/DELETE, so a
    migration's CREATE and ALTER statements would each commit on their own and a kill in
    the middle would leave half a schema.  Here the driver opens none and SQLAlchemy's
    "begin" emits ``BEGIN`` — or ``BEGIN IMMEDIATE`` for a unit of work
    (:func:`session_scope`), which takes the write lock, waiting up to busy_timeout, before
    it reads anything: a read-then-write transaction then cannot fail on a snapshot that
    another writer made stale in between."""

    @sa.event.listens_for(engine, "connect")
    def _no_driver_transactions(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
        dbapi_connection.isolation_level = None

    @sa.event.listens_for(engine, "begin")
    def _begin(connection) -> None:  # type: ignore[no-untyped-def]
        connection.exec_driver_sql(connection.get_execution_options().get(_BEGIN, "BEGIN"))


_BEGIN = "quietwatch_sqlite_begin"
_READ_ONLY: "weakref.WeakSet[Engine]" = weakref.WeakSet()


def make_engine(url: str, *, read_only: bool = False, echo: bool = False) -> Engine:
    """An engine for ``url``.  ``read_only`` opens SQLite with ``mode=ro`` and PostgreSQL
    with read-only transactions, so a reader cannot write even by mistake."""
    parsed = make_url(url)
    kwargs: dict = {"echo": echo}
    if parsed.get_backend_name() != "sqlite":
        # A server connection can drop while pooled; a SQLite file cannot (no ping: it
        # would be one more statement on every checkout, i.e. on every page a crawl stores).
        kwargs["pool_pre_ping"] = True
        if read_only:
            kwargs["connect_args"] = {"options": "-c default_transaction_read_only=on"}
        return sa.create_engine(url, **kwargs)
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
            f"sqlite:///{Path(database).resolve()}",  # the file's path, for whoever asks
            creator=lambda: sqlite3.connect(uri, uri=True, check_same_thread=False, timeout=30),
            **kwargs,
        )
        _READ_ONLY.add(engine)
    else:
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(
            url, connect_args={"check_same_thread": False, "timeout": 30}, **kwargs
        )
        sa.event.listen(engine, "connect", _sqlite_wal)
    sa.event.listen(engine, "connect", _sqlite_pragmas)
    _sqlite_transactions(engine)
    return engine


_ENGINES: dict[tuple[str, bool], Engine] = {}


def engine_for(url: str, *, read_only: bool = False) -> Engine:
    """This process's engine for ``url``: made on first use, then shared by every part of
    the process (the CLI command and the crawl it starts use one engine, one pool)."""
    key = (make_url(url).render_as_string(hide_password=False), read_only)
    if key not in _ENGINES:
        _ENGINES[key] = make_engine(url, read_only=read_only)
    return _ENGINES[key]


def dispose_engines() -> None:
    """Close every pooled connection of this process (at the end of a command)."""
    while _ENGINES:
        _ENGINES.popitem()[1].dispose()


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A unit of work: commit on success, roll back on any error (on SQLite, the write
    lock is taken first: see ``_sqlite_transactions``)."""
    with Session(engine, expire_on_commit=False) as session:
        if engine.dialect.name == "sqlite" and engine not in _READ_ONLY:
            session.connection(execution_options={_BEGIN: "BEGIN IMMEDIATE"})
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


def safe_url(url: str) -> str:
    """The URL with any password hidden, for printing."""
    return make_url(url).render_as_string(hide_password=True)


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def sqlite_path(engine_or_url: Engine | str) -> Path | None:
    """The database file of a SQLite store (None for PostgreSQL or an in-memory store)."""
    url = engine_or_url.url if isinstance(engine_or_url, Engine) else make_url(engine_or_url)
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    return Path(url.database)


def alembic_config(engine: Engine | None = None):  # type: ignore[no-untyped-def]
    """Alembic's config for the migrations, pointed at ``engine``'s database when given."""
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    if engine is not None:
        url = engine.url.render_as_string(hide_password=False)
        cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    cfg.attributes["configure_logger"] = False
    return cfg


def init_db(engine: Engine) -> str:
    """Create or upgrade the database to the newest schema; return the revision."""
    from alembic import command
    from alembic.runtime.migration import MigrationContext

    cfg = alembic_config(engine)
    with engine.connect() as connection:
        sqlite = engine.dialect.name == "sqlite"
        if sqlite:
            # SQLite rebuilds a table to alter it; with foreign keys enforced, dropping the
            # old one fails while rows point at it.  The switch only works outside a
            # transaction: off before the migration's one transaction, checked at its end.
            connection.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")
        try:
            with connection.begin():
                cfg.attributes["connection"] = connection
                command.upgrade(cfg, "head")
                revision = MigrationContext.configure(connection).get_current_revision()
                if sqlite and connection.exec_driver_sql("PRAGMA foreign_key_check").first():
                    raise RuntimeError("the migration would leave rows pointing at nothing")
        finally:
            if sqlite:
                connection.connection.driver_connection.execute("PRAGMA foreign_keys=ON")
    logger.info("database at revision %s", revision)
    return revision or ""


def schema_is_current(engine: Engine) -> bool:
    """True when the database is at the newest migration."""
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        current = MigrationContext.configure(conn).get_current_revision()
    return current == head_revision()


@cache
def head_revision() -> str | None:
    """The newest migration this code knows (read from the migration scripts once: they do
    not change under a running process)."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config()).get_current_head()


@contextmanager
def advisory_lock(engine: Engine, name: str) -> Iterator[bool]:
    """On PostgreSQL, a session advisory lock named ``name``, held on its own connection for
    the block; yields whether it was got.  Other databases have none: yields True.  An
    unreachable database yields True too (whatever uses it next will meet the error)."""
    if engine.dialect.name != "postgresql":
        yield True
        return
    key = int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)
    try:
        conn = engine.connect()
    except sa.exc.OperationalError as exc:
        logger.warning("no advisory lock (the database is not reachable): %s", exc.orig)
        yield True
        return
    with conn:
        got = bool(conn.execute(sa.text("SELECT pg_try_advisory_lock(:k)"), {"k": key}).scalar())
        conn.commit()
        try:
            yield got
        finally:
            if got:
                conn.execute(sa.text("SELECT pg_advisory_unlock(:k)"), {"k": key})
                conn.commit()
