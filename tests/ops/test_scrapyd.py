"""Scrapyd as the crawl engine, PostgreSQL as the shared store, all real: start `scrapyd` on
127.0.0.1, deploy the project with scrapyd-client's `scrapyd-deploy`, schedule a crawl of
the local sample sites through Scrapyd's schedule.json, wait, and check the rows."""

import json
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from sqlmodel import Session, func, select

from quietwatch import demo
from store.db import make_engine
from store.models import Clinic, CrawlRun, Listing, ListingCheck, Review
from tests.conftest import REPO
from tests.ops.helpers import clean_env, notifications_toml, quietwatch
from tests.pg import free_port

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

BIN = Path(sys.executable).parent


def _get(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=30) as response:
        return json.loads(response.read().decode())


@pytest.fixture
def scrapyd(tmp_path):
    """A real Scrapyd on 127.0.0.1 with its eggs, logs and queues in a temp folder."""
    home = tmp_path / "scrapyd"
    home.mkdir()
    port = free_port()
    (home / "scrapyd.conf").write_text(
        "[scrapyd]\n"
        "bind_address = 127.0.0.1\n"
        f"http_port = {port}\n"
        f"eggs_dir = {home / 'eggs'}\n"
        f"logs_dir = {home / 'logs'}\n"
        f"dbs_dir = {home / 'dbs'}\n"
        "items_dir =\n"
        "poll_interval = 0.5\n"
        "max_proc = 2\n"
    )
    log = (home / "scrapyd.out").open("w")
    proc = subprocess.Popen(
        [str(BIN / "scrapyd")], cwd=home, env=clean_env(), stdout=log, stderr=subprocess.STDOUT
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            if _get(url + "/daemonstatus.json")["status"] == "ok":
                break
        except OSError:
            pass
        assert proc.poll() is None, (home / "scrapyd.out").read_text()
        assert time.monotonic() < deadline, "scrapyd did not start"
        time.sleep(0.2)
    yield url, home
    proc.terminate()
    proc.wait(60)
    log.close()


def _deploy(tmp_path: Path, scrapyd_url: str) -> None:
    """scrapyd-deploy, from a copy of the project's scrapy.cfg aimed at this Scrapyd."""
    deploy_dir = tmp_path / "deploy"
    deploy_dir.mkdir()
    cfg = (REPO / "scrapy.cfg").read_text()
    assert "[deploy:local]" in cfg  # the project's deploy target
    (deploy_dir / "scrapy.cfg").write_text(
        cfg.replace("url = http://127.0.0.1:6800/", f"url = {scrapyd_url}/")
    )
    egg = subprocess.run(
        [sys.executable, "-m", "quietwatch", "scrapyd-egg", str(tmp_path / "dist")],
        cwd=REPO,
        env=clean_env(),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert egg.returncode == 0, egg.stderr
    egg_path = egg.stdout.strip().splitlines()[-1]
    deployed = subprocess.run(
        [str(BIN / "scrapyd-deploy"), "local", "-p", "quietwatch", "--egg", egg_path],
        cwd=deploy_dir,
        env=clean_env(),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert deployed.returncode == 0, deployed.stdout + deployed.stderr
    assert '"status": "ok"' in deployed.stdout + deployed.stderr
    spiders = _get(f"{scrapyd_url}/listspiders.json?project=quietwatch")
    assert {"yelp", "ratemds", "schema_org"} <= set(spiders["spiders"]), spiders


def test_crawl_through_scrapyd_into_postgres(tmp_path, scrapyd, sample_sites, pg_url, smtp) -> None:
    scrapyd_url, home = scrapyd
    server, _phase = sample_sites
    smtp_port, mailbox = smtp
    _deploy(tmp_path, scrapyd_url)

    config = demo.write_config(tmp_path / "clinic", server.base_url)
    with config.open("a", encoding="utf-8") as fh:
        fh.write(notifications_toml(smtp_port))
    env = clean_env(QUIETWATCH_DATABASE_URL=pg_url)
    scheduled = quietwatch(config, "scrapyd-schedule", "--url", scrapyd_url, env=env)
    assert scheduled.returncode == 0, scheduled.stdout + scheduled.stderr
    job_ids = dict(
        line.split(": job ") for line in scheduled.stdout.splitlines() if ": job " in line
    )
    assert set(job_ids) == {"yelp", "ratemds", "schema_org"}

    deadline = time.monotonic() + 300
    while True:  # wait for Scrapyd to run every job to its end
        jobs = _get(f"{scrapyd_url}/listjobs.json?project=quietwatch")
        finished = {j["id"] for j in jobs["finished"]}
        if set(job_ids.values()) <= finished:
            break
        assert time.monotonic() < deadline, jobs
        time.sleep(0.5)

    logs = "\n".join(p.read_text(errors="replace") for p in (home / "logs").rglob("*.log"))
    engine = make_engine(pg_url)
    try:
        with Session(engine) as session:
            clinic = session.exec(select(Clinic)).one()
            assert clinic.key == "harbourview"
            runs = session.exec(select(CrawlRun)).all()
            assert sorted(r.spider for r in runs) == ["ratemds", "schema_org", "yelp"], logs[-5000:]
            assert {r.trigger for r in runs} == {"scrapyd"}
            assert {r.status for r in runs} == {"ok"}, [
                (r.spider, r.status, r.message) for r in runs
            ]
            assert {r.clinic_id for r in runs} == {clinic.id}
            reviews = session.exec(select(func.count()).select_from(Review)).one()
            assert reviews == 45
            assert session.exec(select(func.count()).select_from(ListingCheck)).one() == 4
            listings = session.exec(select(Listing)).all()
            assert {listing.clinic_id for listing in listings} == {clinic.id}
            assert all(listing.last_success_at is not None for listing in listings)
    finally:
        engine.dispose()
    assert {m for m, _ in server.requests} <= {"GET", "HEAD"}
    assert "Harbourview Counselling Collective" in logs  # the clinic's User-Agent was used

    checked = quietwatch(config, "check", env=env)  # checks and the digest for runs Scrapyd made
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert len(mailbox.messages) == 1 and "New reviews: 45" in mailbox.bodies()[0]
    assert checked.stdout.count("ok  run: the ") == 3, checked.stdout
    assert "error_rate: 0 of" in checked.stdout
    again = quietwatch(config, "check", "--no-notify", env=env)
    assert again.returncode == 0 and "No runs to check." in again.stdout  # each run checked once
