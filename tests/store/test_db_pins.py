"""store/db.py, the one place that connects: what each engine promises, on a real SQLite file
and on the test PostgreSQL server (pins written from the store/db.py mutation pass)."""

import shutil
import sqlite3
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import OperationalError

from store import db
from store.models import Clinic


@pytest.fixture
def sqlite_url(tmp_path: Path, _migrated_sqlite: Path) -> str:
    """A migrated SQLite file (``db_url`` is both databases; these promises are SQLite's)."""
    path = tmp_path / "quietwatch.db"
    shutil.copyfile(_migrated_sqlite, path)
    return f"sqlite:///{path}"


def _pragma(engine: sa.Engine, name: str):  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        return conn.exec_driver_sql(f"PRAGMA {name}").scalar()


def test_a_sqlite_engine_enforces_foreign_keys_waits_for_the_lock_and_writes_ahead(
    tmp_path: Path,
) -> None:
    engine = db.make_engine(f"sqlite:///{tmp_path / 'deep' / 'er' / 'qw.db'}")
    try:
        assert _pragma(engine, "foreign_keys") == 1
        assert _pragma(engine, "busy_timeout") == 30000
        assert _pragma(engine, "journal_mode") == "wal"
        assert (tmp_path / "deep" / "er").is_dir()  # the folder is made for a new file
    finally:
        engine.dispose()


def test_an_in_memory_store_makes_no_folder(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    engine = db.make_engine("sqlite://")
    try:
        assert _pragma(engine, "foreign_keys") == 1
    finally:
        engine.dispose()
    assert list(tmp_path.iterdir()) == []


def test_a_read_only_sqlite_engine_reads_and_cannot_write(sqlite_url: str) -> None:
    path = db.sqlite_path(sqlite_url)
    assert path is not None
    engine = db.make_engine(sqlite_url, read_only=True)
    try:
        assert engine.url.database == str(path.resolve())
        assert _pragma(engine, "foreign_keys") == 1
        with db.session_scope(engine) as session:  # a unit of work on it only reads
            assert session.exec(sa.select(sa.func.count()).select_from(Clinic)).one() == (0,)
        with pytest.raises(OperationalError, match="readonly"), engine.begin() as conn:
            conn.exec_driver_sql("CREATE TABLE written (x INTEGER)")
    finally:
        engine.dispose()
    with sqlite3.connect(path) as plain:
        assert not plain.execute("SELECT name FROM sqlite_master WHERE name = 'written'").fetchall()


@pytest.mark.parametrize("url", ["sqlite://", "sqlite:///:memory:"])
def test_a_read_only_engine_needs_a_file(url: str) -> None:
    with pytest.raises(ValueError, match=r"^a read-only engine needs a SQLite file$"):
        db.make_engine(url, read_only=True)


def test_a_read_only_engine_on_a_missing_file_says_what_to_run(tmp_path: Path) -> None:
    missing = tmp_path / "none.db"
    with pytest.raises(
        FileNotFoundError, match=r"no database at .*none\.db: run `quietwatch init`"
    ):
        db.make_engine(f"sqlite:///{missing}", read_only=True)
    assert not missing.exists()  # nothing was created by trying


def test_a_unit_of_work_takes_the_write_lock_before_it_reads(sqlite_url: str) -> None:
    """A read-then-write unit of work on SQLite holds the write lock from its start, so
    another writer waits instead of making what it read stale."""
    engine = db.make_engine(sqlite_url)
    path = db.sqlite_path(sqlite_url)
    try:
        with db.session_scope(engine) as session:
            session.exec(sa.select(Clinic)).all()  # only a read so far
            other = sqlite3.connect(path, timeout=0.05, isolation_level=None)
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                other.execute("BEGIN IMMEDIATE")
            other.close()
    finally:
        engine.dispose()


def test_a_unit_of_work_commits_on_success_and_rolls_back_on_any_error(db_url: str) -> None:
    engine = db.make_engine(db_url)
    try:
        with db.session_scope(engine) as session:
            session.add(Clinic(key="kept", name="Kept"))
        with pytest.raises(KeyboardInterrupt), db.session_scope(engine) as session:
            session.add(Clinic(key="lost", name="Lost"))
            session.flush()
            raise KeyboardInterrupt  # not an Exception: still rolled back
        with db.session_scope(engine) as session:
            kept = session.exec(sa.select(Clinic)).scalars().one()
        assert kept.key == "kept"
        assert kept.name == "Kept"  # still readable after the session closed: not expired
    finally:
        engine.dispose()


def test_one_engine_per_url_and_mode_until_disposed(db_url: str) -> None:
    db.dispose_engines()
    try:
        first = db.engine_for(db_url)
        assert db.engine_for(db_url) is first
        reader = db.engine_for(db_url, read_only=True)
        assert reader is not first and db.engine_for(db_url, read_only=True) is reader
        with pytest.raises(sa.exc.DBAPIError, match="read-?only"), reader.begin() as conn:
            conn.exec_driver_sql("CREATE TABLE written (x INTEGER)")
        with first.connect():
            assert first.pool.checkedout() == 1
        assert first.pool.checkedin() == 1
        db.dispose_engines()
        assert first.pool.checkedin() == 0  # its pooled connection was closed
        assert db.engine_for(db_url) is not first
    finally:
        db.dispose_engines()


def test_engines_for_two_passwords_are_two(tmp_path: Path) -> None:
    db.dispose_engines()
    try:
        a = db.engine_for("postgresql://u:one@127.0.0.1:1/x")
        b = db.engine_for("postgresql://u:two@127.0.0.1:1/x")
        assert a is not b
        assert a.url.password == "one" and b.url.password == "two"
    finally:
        db.dispose_engines()


def test_a_printed_url_hides_only_the_password() -> None:
    assert db.safe_url("postgresql://qw:s3cret@db.internal:5433/quietwatch") == (
        "postgresql://qw:***@db.internal:5433/quietwatch"
    )
    assert db.safe_url("sqlite:///data/qw.db") == "sqlite:///data/qw.db"


def test_the_file_of_a_sqlite_store(tmp_path: Path) -> None:
    assert db.sqlite_path("sqlite:///relative/qw.db") == Path("relative/qw.db")
    assert db.sqlite_path(f"sqlite:///{tmp_path}/qw.db") == tmp_path / "qw.db"
    assert db.sqlite_path("sqlite://") is None
    assert db.sqlite_path("sqlite:///:memory:") is None
    assert db.sqlite_path("postgresql://u@h/qw") is None
    engine = db.make_engine(f"sqlite:///{tmp_path}/e.db")
    try:
        assert db.sqlite_path(engine) == tmp_path / "e.db"
        assert db.is_sqlite(engine)
    finally:
        engine.dispose()


def test_alembic_is_pointed_at_the_engine_with_its_password_intact() -> None:
    engine = db.make_engine("postgresql://qw:50%25off@127.0.0.1:1/quietwatch")
    try:
        cfg = db.alembic_config(engine)
        # configparser reads "%%" back as "%": the password reaches alembic unchanged
        assert cfg.get_main_option("sqlalchemy.url") == (
            "postgresql://qw:50%25off@127.0.0.1:1/quietwatch"
        )
        assert cfg.get_main_option("script_location") == str(db.MIGRATIONS_DIR)
        assert cfg.attributes["configure_logger"] is False
    finally:
        engine.dispose()
    assert db.alembic_config().get_main_option("sqlalchemy.url") is None


def test_a_new_file_is_migrated_to_the_newest_revision_with_foreign_keys_back_on(
    tmp_path: Path,
) -> None:
    engine = db.make_engine(f"sqlite:///{tmp_path / 'new.db'}")
    try:
        assert not db.schema_is_current(engine)
        revision = db.init_db(engine)
        assert revision == db.head_revision() and revision
        assert db.schema_is_current(engine)
        with engine.connect() as conn:
            # the same pooled connection the migration switched foreign keys off on
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert db.init_db(engine) == revision  # again: nothing to do, the same revision
    finally:
        engine.dispose()


def test_a_migration_that_would_leave_dangling_rows_is_refused(tmp_path: Path) -> None:
    """The foreign-key check at the end of the migration's transaction: a store whose rows
    point at nothing is not declared upgraded."""
    path = tmp_path / "dangling.db"
    engine = db.make_engine(f"sqlite:///{path}")
    try:
        db.init_db(engine)
        with sqlite3.connect(path) as plain:  # foreign keys are off in a plain connection
            plain.execute(
                "INSERT INTO crawlproblem (run_id, kind, message, at)"
                " VALUES (999, 'error', 'no such run', '2026-11-30 00:00:00')"
            )
        with pytest.raises(
            RuntimeError, match=r"^the migration would leave rows pointing at nothing$"
        ):
            db.init_db(engine)
        with engine.connect() as conn:  # and foreign keys are on again afterwards
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    finally:
        engine.dispose()


def test_the_postgres_engine_pings_and_a_reader_cannot_write(pg_url: str) -> None:
    engine = db.make_engine(pg_url)
    reader = db.make_engine(pg_url, read_only=True)
    try:
        assert engine.pool._pre_ping  # a dropped server connection is replaced, not used
        with reader.connect() as conn:
            assert conn.exec_driver_sql("SHOW default_transaction_read_only").scalar() == "on"
            with pytest.raises(sa.exc.InternalError, match="read-only transaction"):
                conn.exec_driver_sql("CREATE TABLE written (x integer)")
        with engine.connect() as conn:
            assert conn.exec_driver_sql("SHOW default_transaction_read_only").scalar() == "off"
        assert db.schema_is_current(engine) and not db.is_sqlite(engine)
        assert db.sqlite_path(engine) is None
    finally:
        reader.dispose()
        engine.dispose()


# -- how the models' column types write and read -----------------------------------------
def test_a_time_without_a_zone_is_refused_with_what_to_use(db_url: str) -> None:
    from datetime import datetime

    from sqlalchemy.exc import StatementError

    engine = db.make_engine(db_url)
    try:
        with (
            pytest.raises(
                StatementError,
                match=r"\bnaive datetime given to the store; use timezone-aware UTC\b",
            ),
            db.session_scope(engine) as session,
        ):
            session.add(Clinic(key="naive", name="Naive", created_at=datetime(2026, 11, 30)))
    finally:
        engine.dispose()


@pytest.fixture
def auckland(monkeypatch):  # type: ignore[no-untyped-def]
    """This process in a zone far from UTC (Pacific/Auckland, UTC+13 in November)."""
    import time

    monkeypatch.setenv("TZ", "Pacific/Auckland")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_times_are_written_and_read_in_utc_whatever_the_process_zone(
    sqlite_url: str, auckland
) -> None:
    from datetime import UTC, datetime, timedelta

    engine = db.make_engine(sqlite_url)
    at = datetime(2026, 11, 30, 9, 30, tzinfo=UTC)
    try:
        with db.session_scope(engine) as session:
            session.add(Clinic(key="utc", name="UTC", created_at=at.astimezone()))  # local
        with engine.connect() as conn:
            stored = conn.exec_driver_sql("SELECT created_at FROM clinic").scalar()
        assert str(stored).startswith("2026-11-30 09:30:00")  # UTC on disk, not local
        with db.session_scope(engine) as session:
            read = session.exec(sa.select(Clinic)).scalars().one().created_at
        assert read == at and read.utcoffset() == timedelta(0)
    finally:
        engine.dispose()


def test_a_server_in_another_zone_still_gives_utc(pg_url: str, auckland) -> None:
    from datetime import UTC, datetime, timedelta

    engine = db.make_engine(pg_url)
    at = datetime(2026, 11, 30, 9, 30, tzinfo=UTC)
    try:
        with db.session_scope(engine) as session:
            session.connection().exec_driver_sql("SET TIME ZONE 'America/Vancouver'")
            session.add(Clinic(key="utc", name="UTC", created_at=at))
        with db.session_scope(engine) as session:
            session.connection().exec_driver_sql("SET TIME ZONE 'Pacific/Auckland'")
            read = session.exec(sa.select(Clinic)).scalars().one().created_at
        assert read == at and read.utcoffset() == timedelta(0)
        assert read.hour == 9
    finally:
        engine.dispose()


def test_a_status_not_set_is_stored_as_null(db_url: str) -> None:
    from tests.store.crud_writes import make_listing

    engine = db.make_engine(db_url)
    try:
        make_listing(engine)
        with engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT last_status FROM listing").all() == [(None,)]
    finally:
        engine.dispose()


def test_a_migration_is_logged_with_its_revision(tmp_path: Path, caplog) -> None:
    engine = db.make_engine(f"sqlite:///{tmp_path / 'logged.db'}")
    try:
        with caplog.at_level("INFO", logger="store.db"):
            revision = db.init_db(engine)
    finally:
        engine.dispose()
    assert [r.getMessage() for r in caplog.records if r.name == "store.db"] == [
        f"database at revision {revision}"
    ]


def test_engines_do_not_echo_sql_unless_asked(sqlite_url: str) -> None:
    """Echoed SQL would put review text into the logs: off unless asked for."""
    for read_only in (False, True):
        engine = db.make_engine(sqlite_url, read_only=read_only)
        loud = db.make_engine(sqlite_url, read_only=read_only, echo=True)
        try:
            assert (engine.echo, loud.echo) == (False, True)
        finally:
            engine.dispose()
            loud.dispose()


@pytest.mark.parametrize("read_only", [True, False])
def test_a_pooled_connection_serves_another_thread(sqlite_url: str, read_only: bool) -> None:
    """The dashboard reads from Streamlit's threads through one pooled engine (read-only,
    or the writer of a command that serves it)."""
    import threading

    engine = db.make_engine(sqlite_url, read_only=read_only)
    counted: list[int] = []
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
        assert engine.pool.checkedin() == 1  # back in the pool, made by this thread

        def read() -> None:
            with engine.connect() as conn:
                counted.append(conn.exec_driver_sql("SELECT count(*) FROM clinic").scalar())

        worker = threading.Thread(target=read)
        worker.start()
        worker.join(timeout=30)
        assert counted == [0]
        assert engine.pool.checkedin() == 1  # the same connection, not a second one
    finally:
        engine.dispose()
