"""Overlapping crawls: a second `quietwatch crawl` of the same clinic exits at once with
code 75 and a clear message, whichever process holds the lock; a failed crawl is recorded
with its error and the next tick runs normally."""

import subprocess
import sys
import textwrap
import threading
from pathlib import Path
from select import select as wait_readable

import pytest
from click.testing import CliRunner
from sqlmodel import Session, select

from quietwatch.lock import EXIT_LOCKED
from store.db import make_engine
from store.models import CrawlRun
from tests.conftest import REPO
from tests.ops.helpers import clean_env, minimal_config, quietwatch


def _holder(config: Path, tmp_path: Path, db_url: str | None = None) -> subprocess.Popen:
    """Another real process holding the crawl lock (as a running crawl does) until stdin closes."""
    script = textwrap.dedent(
        f"""
        import sys
        from quietwatch.lock import crawl_lock, lock_path
        from store.config import Settings, database_url, load_config
        from store.db import engine_for
        config = load_config({str(config)!r})
        url = {db_url!r} or database_url(config, Settings())
        lock = lock_path(config, url)
        with crawl_lock(lock, engine=engine_for(url), clinic_key=config.clinic.key):
            print("held", flush=True)
            sys.stdin.read()
        """
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", script],
        cwd=REPO,
        env=clean_env(),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    # Wait for its word with a timeout of our own: a bare readline() would block for ever
    # if the holder hung before printing.
    ready, _, _ = wait_readable([proc.stdout], [], [], 60)
    if not ready:
        proc.kill()
        pytest.fail(f"the lock holder said nothing within 60 s: {proc.communicate()[1][-2000:]}")
    assert proc.stdout.readline().strip() == "held", proc.stderr.read()
    return proc


def _release(proc: subprocess.Popen) -> None:
    proc.stdin.close()
    assert proc.wait(timeout=60) == 0


@pytest.mark.slow
def test_second_crawl_exits_75_while_the_first_holds_the_lock(tmp_path: Path) -> None:
    config = minimal_config(tmp_path)
    holder = _holder(config, tmp_path)
    try:
        blocked = quietwatch(config, "crawl", "--no-progress")
        assert blocked.returncode == EXIT_LOCKED
        assert "another crawl of this clinic is still running" in blocked.stderr
        assert f"pid {holder.pid}" in blocked.stderr
        assert "Traceback" not in blocked.stderr
    finally:
        _release(holder)
    after = quietwatch(config, "crawl", "--no-progress")
    assert after.returncode == 0, after.stderr
    assert "Nothing was crawled" in after.stdout


def test_lock_of_a_killed_holder_is_free(tmp_path: Path) -> None:
    config = minimal_config(tmp_path)
    holder = _holder(config, tmp_path)
    holder.kill()  # SIGKILL: no clean-up code runs
    holder.wait(timeout=60)
    result = quietwatch(config, "crawl", "--no-progress")
    assert result.returncode == 0, result.stderr


@pytest.mark.slow
def test_two_real_crawls_overlap(tmp_path: Path, httpserver) -> None:
    """A real crawl stuck on a slow site holds the lock; a second one is turned away."""
    from werkzeug import Response

    arrived, release = threading.Event(), threading.Event()

    def slow(_request):
        arrived.set()
        release.wait(120)
        return Response("<html><body>nothing here</body></html>", content_type="text/html")

    httpserver.expect_request("/robots.txt").respond_with_data("", status=404)
    httpserver.expect_request("/listing").respond_with_handler(slow)
    config = minimal_config(
        tmp_path,
        f'\n[[sources]]\nsite = "schema_org"\nurl = "{httpserver.url_for("/listing")}"\n'
        "\n[crawl]\ndownload_delay = 0\n",
    )
    first = subprocess.Popen(
        [sys.executable, "-m", "quietwatch", "--config", str(config), "crawl", "--no-progress"],
        cwd=REPO,
        env=clean_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert arrived.wait(120), "the first crawl never reached the site"  # it is mid-crawl
        assert first.poll() is None
        second = quietwatch(config, "crawl", "--no-progress")
        assert second.returncode == EXIT_LOCKED, second.stdout + second.stderr
        assert "another crawl of this clinic is still running" in second.stderr
    finally:
        release.set()
        out, err = first.communicate(timeout=300)
    assert first.returncode in (0, 1), (
        err
    )  # the page holds nothing readable: a problem, not a crash
    assert "Crawl summary" in out


@pytest.mark.slow
@pytest.mark.postgres
def test_postgres_advisory_lock_spans_machines(tmp_path: Path, pg_url: str) -> None:
    """On a shared PostgreSQL store the lock also lives in the database: a crawl from another
    data directory (another machine) is turned away too."""
    holder = _holder(minimal_config(tmp_path / "machine-a"), tmp_path, db_url=pg_url)
    try:
        config_b = minimal_config(tmp_path / "machine-b")
        blocked = quietwatch(
            config_b, "crawl", "--no-progress", env=clean_env(QUIETWATCH_DATABASE_URL=pg_url)
        )
        assert blocked.returncode == EXIT_LOCKED, blocked.stdout + blocked.stderr
        assert "advisory lock" in blocked.stderr
    finally:
        _release(holder)
    ok = quietwatch(
        config_b, "crawl", "--no-progress", env=clean_env(QUIETWATCH_DATABASE_URL=pg_url)
    )
    assert ok.returncode == 0, ok.stderr


def test_failed_crawl_is_recorded_and_the_next_tick_runs(tmp_path: Path, monkeypatch) -> None:
    """A crawl that cannot run at all leaves a 'failed' run with its error; the lock is free."""
    from quietwatch import operations
    from quietwatch.cli import main

    config = minimal_config(tmp_path)
    for name in [n for n in __import__("os").environ if n.startswith("QUIETWATCH_")]:
        monkeypatch.delenv(name)

    def broken(*args, **kwargs):
        raise ConnectionError("name resolution failed for every source")

    with monkeypatch.context() as patch:
        patch.setattr(operations, "run_crawl", broken)  # the failure: the engine is real
        failed = CliRunner().invoke(
            main, ["--config", str(config), "crawl", "--no-progress", "--trigger", "schedule"]
        )
    assert failed.exit_code == 1, failed.output
    assert "The crawl failed" in failed.output

    engine = make_engine(f"sqlite:///{tmp_path / 'data' / 'quietwatch.db'}")
    try:
        with Session(engine) as session:
            run = session.exec(select(CrawlRun)).one()
            assert run.status == "failed" and run.trigger == "schedule"
            assert "ConnectionError: name resolution failed for every source" in run.message
            assert run.finished_at is not None
    finally:
        engine.dispose()
    nxt = quietwatch(config, "crawl", "--no-progress", "--trigger", "schedule")
    assert nxt.returncode == 0, nxt.stderr  # retried on the next tick, nothing left locked
