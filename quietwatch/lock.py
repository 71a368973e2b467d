"""One crawl at a time per clinic: a file lock beside the database, and on PostgreSQL an
advisory lock as well, so two machines sharing one store do not overlap either.

The operating system drops both locks when the holding process ends, however it ends
(even ``kill -9``), so a dead crawl never blocks the next scheduled one.
"""

import contextlib
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path

from store.config import QuietWatchConfig, Settings, data_dir
from store.db import Engine, advisory_lock, sqlite_path

EXIT_LOCKED = 75  # EX_TEMPFAIL: "try again later" — the next tick will


class CrawlLocked(RuntimeError):
    """Another crawl of the same clinic is running."""


def lock_path(config: QuietWatchConfig, db_url: str, settings: Settings | None = None) -> Path:
    """Beside the SQLite file; for a server database, in the data directory."""
    database = sqlite_path(db_url)
    if database is not None:
        return database.with_name(f"{database.name}.crawl-{config.clinic.key}.lock")
    return data_dir(config, settings) / f"crawl-{config.clinic.key}.lock"


@contextlib.contextmanager
def crawl_lock(path: Path, *, engine: Engine | None = None, clinic_key: str = "") -> Iterator[None]:
    """Hold the crawl lock for the block, or raise :class:`CrawlLocked` at once."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = open(path, "a+", encoding="utf-8")  # noqa: SIM115 - held for the whole block
    try:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            raise CrawlLocked(
                f"another crawl of this clinic is still running ({holder}; lock {path})"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()}")
        handle.flush()
        if engine is None:
            yield
            return
        with advisory_lock(engine, f"quietwatch-crawl:{clinic_key}") as got:
            if not got:
                raise CrawlLocked(
                    "another crawl of this clinic is running against the same database "
                    "(PostgreSQL advisory lock held by another session)"
                )
            yield
    finally:
        handle.close()  # closing releases the flock
