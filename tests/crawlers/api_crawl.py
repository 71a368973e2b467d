"""Run a real crawl (``crawlers.runner.run_crawl``) in a subprocess, with the API keys and base
URLs in the environment as in production, and return what it scraped and logged.

A subprocess because a Twisted reactor cannot be restarted in one process.  Logging is at
DEBUG so tests can check that no key ever reaches a log line.
"""

import json
import os
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.conftest import REPO

SCRIPT = textwrap.dedent(
    """
    import json, logging, sys
    from crawlers.runner import run_crawl
    from store.config import QuietWatchConfig, Settings
    from store.db import engine_for

    logging.basicConfig(level=logging.DEBUG, stream=sys.stderr)
    config = QuietWatchConfig.model_validate(json.loads(open(sys.argv[1]).read()))
    full_sweep = {"auto": None, "full": True, "incremental": False}[sys.argv[4]]
    run_ids = run_crawl(
        config, engine_for(sys.argv[2]), Settings(), full_sweep=full_sweep,
        overrides={"AUTOTHROTTLE_ENABLED": False, "RANDOMIZE_DOWNLOAD_DELAY": False},
    )
    with open(sys.argv[3], "w") as fh:
        json.dump({"run_ids": run_ids}, fh)
    """
)

CLINIC = {
    "name": "Harbour Counselling Collective",
    "slug": "harbour",
    "street_address": "#200 - 1234 West Broadway",
    "city": "Vancouver",
    "province": "BC",
    "postal_code": "V6H 1G6",
    "phone": "(604) 555-0123",
    "website": "https://harbourcounselling.example",
}


@dataclass
class CrawlResult:
    run_ids: list[int]
    stderr: str  # the crawl's whole log, at DEBUG


def crawl(
    tmp_path: Path,
    db_url: str,
    sources: list[dict[str, Any]],
    env: dict[str, str],
    *,
    sweep: str = "auto",
    extra: dict[str, Any] | None = None,
) -> CrawlResult:
    """Crawl ``sources`` with ``env``; ``sweep`` is "auto" (the setting decides), "full" or
    "incremental"; ``extra`` adds config sections (``{"google": {"token_file": ...}}``)."""
    config = {
        "clinic": CLINIC,
        "sources": sources,
        "crawl": {"download_delay": 0},
        # These tests read the names the APIs gave; the default keeps initials only.
        "privacy": {"keep_reviewer_names": "as_shown"},
        **(extra or {}),
    }
    config_file = tmp_path / "config.json"
    config_file.write_text(json.dumps(config))
    out = tmp_path / "out.json"
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("QUIETWATCH_")
        and k not in ("YELP_API_KEY", "GOOGLE_PLACES_API_KEY", "FACEBOOK_PAGE_TOKEN")
    }
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(config_file), db_url, str(out), sweep],
        cwd=REPO,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    data = json.loads(out.read_text())
    return CrawlResult(run_ids=data["run_ids"], stderr=result.stderr)


def db_text(db_path: Path) -> str:
    """Every value in the SQLite file as text, to prove something was never stored."""
    import sqlite3

    con = sqlite3.connect(db_path)
    try:
        return "\n".join(con.iterdump())
    finally:
        con.close()
