"""Imported at start-up by the processes tests start under `make mutation` (tests/conftest.py
puts this folder on PYTHONPATH); it acts only while mutmut maps tests to the functions they
reach (mutmut's "stats" phase).

mutmut records which mutated functions a test calls in the test's own process.  Crawls run
in child processes (Scrapy's reactor runs once per process), so without this the crawl
pipeline would look untested.  At exit, a child writes the functions it reached to a file
that tests/conftest.py hands to mutmut.
"""

import atexit
import json
import os
from pathlib import Path


def _write_reached() -> None:
    from mutmut.state import state

    reached = sorted(state()._stats)
    if reached:
        folder = Path(os.environ["MUTMUT_CHILD_HITS"])
        (folder / f"{os.getpid()}.json").write_text(json.dumps(reached), encoding="utf-8")


if os.environ.get("MUTANT_UNDER_TEST") == "stats" and os.environ.get("MUTMUT_CHILD_HITS"):
    atexit.register(_write_reached)
