"""`quietwatch check-text` in a website's CI: the store, SQLAlchemy, SQLModel, pydantic and
pydantic-settings are not imported unless a configuration file is used; `python -m bench
checker` times the start-up and fails when a command did not do its work.  Times are printed
by the bench, never asserted here."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

import bench.checker

SOLICITING = "Thank you for a good year.\nPlease leave us a review on Google.\n"
CONFIG = """[clinic]
name = "Harbourview Counselling"
street_address = "1 Main St"
city = "Vancouver"
province = "BC"
postal_code = "V5K 0A1"
phone = "604-555-0100"
website = "https://harbourview.example"
"""


def _imports(folder: Path, *args: str) -> tuple[int, set[str]]:
    env = {"PATH": "/usr/bin:/bin", "HOME": str(folder)}
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "quietwatch", *args],
        capture_output=True,
        text=True,
        cwd=folder,
        env=env,
        timeout=120,
    )
    names = {line.rsplit("|", 1)[-1].strip() for line in done.stderr.splitlines() if "|" in line}
    return done.returncode, names


def _store_side(names: set[str]) -> set[str]:
    roots = {"sqlalchemy", "sqlmodel", "pydantic_settings", "pydantic"}
    return {n for n in names if n.split(".")[0] in roots or n == "store.config"}


def test_check_text_without_a_config_file_imports_no_store(tmp_path) -> None:
    (tmp_path / "letter.txt").write_text(SOLICITING)
    status, names = _imports(tmp_path, "check-text", "letter.txt")
    assert status == 1  # the request for a review was found
    assert "guardrail.checker" in names
    assert _store_side(names) == set()
    # Its output goes to a pipe here: plain lines, and rich (a fifth of the start-up) is
    # not imported for them.
    assert not {n for n in names if n.split(".")[0] == "rich"}


def test_check_text_with_a_config_file_reads_it(tmp_path) -> None:
    (tmp_path / "letter.txt").write_text(SOLICITING)
    (tmp_path / "quietwatch.toml").write_text(CONFIG)
    status, names = _imports(tmp_path, "check-text", "letter.txt")
    assert status == 1
    assert {"store.config", "pydantic_settings"} <= names


def test_a_broken_config_file_is_still_one_clear_line(tmp_path) -> None:
    (tmp_path / "letter.txt").write_text(SOLICITING)
    (tmp_path / "quietwatch.toml").write_text("[clinic\n")
    done = subprocess.run(
        [sys.executable, "-m", "quietwatch", "--config", "quietwatch.toml", "check-text"]
        + ["letter.txt"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
    )
    assert done.returncode == 2
    assert "Configuration error:" in done.stderr and "Traceback" not in done.stderr


@pytest.mark.slow
def test_bench_checker_times_the_start_up_of_commands_that_did_their_work(capsys) -> None:
    assert bench.checker.main(["--split", "blind3"]) == 0
    out = capsys.readouterr().out
    for label in ("python -c pass", "quietwatch --help", "quietwatch check-text SHORT_FILE"):
        assert re.search(rf"{re.escape(label)}: best of 5 [\d.]+ s, median [\d.]+ s", out)
    assert "quietwatch check-text 1 MB file: best of 5" in out


def test_bench_checker_fails_when_check_text_does_not_find_the_request(monkeypatch) -> None:
    startup = tuple(
        (label, args, 0 if "SHORT" in args else status, expect, goal)
        for label, args, status, expect, goal in bench.checker.STARTUP
    )
    monkeypatch.setattr(bench.checker, "STARTUP", startup)
    with pytest.raises(SystemExit, match="check-text SHORT_FILE exited 1"):
        bench.checker.startup("Thank you for coming to see us today.\n")
