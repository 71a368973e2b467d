"""`quietwatch check-text`, `audit`, `rules` and the refusals, through the real click group."""

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from guardrail.model import model_version
from guardrail.rules import builtin
from quietwatch.cli import main

CONFIG = """
[clinic]
name = "Test Clinic"
slug = "test-clinic"
street_address = "1 Main St"
city = "Vancouver"
province = "BC"
postal_code = "V5K 0A1"
phone = "604-555-0100"
website = "https://clinic.example"

policy_file = "policy.md"
policy_name = "Test Clinic's social media policy"

[database]
url = "{db_url}"
"""


@pytest.fixture
def config(tmp_path: Path, db_url: str) -> Path:
    path = tmp_path / "quietwatch.toml"
    path.write_text(CONFIG.format(db_url=db_url))
    # The clinic's own policy holds the catalogue's quotation for a reply, word for word.
    (tmp_path / "policy.md").write_text(
        "# Reviews\n\n" + builtin().get("reply_to_review").policy_quote + "\n"
    )
    return path


@pytest.fixture(autouse=True)
def _elsewhere(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Run in an empty folder (no ./quietwatch.toml) with no QuietWatch environment."""
    monkeypatch.chdir(tmp_path)
    for name in ("QUIETWATCH_CONFIG", "QUIETWATCH_DATABASE_URL", "QUIETWATCH_DATA_DIR"):
        monkeypatch.delenv(name, raising=False)


def _run(*args: str, input: str | None = None):
    return CliRunner().invoke(main, list(args), input=input)


def test_check_text_exit_codes_and_output(tmp_path: Path) -> None:
    clean = tmp_path / "clean.txt"
    clean.write_text(
        "Your counsellor will review your intake form.\nWe do not respond to reviews.\n"
    )
    bad = tmp_path / "newsletter.txt"
    bad.write_text("Happy new year!\nIf you enjoyed your sessions, please review us on Google.\n")
    result = _run("check-text", str(clean))
    assert result.exit_code == 0, result.output
    assert "no solicitation found" in result.output
    result = _run("check-text", str(bad))
    assert result.exit_code == 1
    assert f"{bad}:2:" in result.output and "[express_request]" in result.output
    assert "review us" in result.output
    result = _run("check-text", str(tmp_path / "missing.txt"))
    assert result.exit_code == 2


def test_check_text_reads_stdin_and_prints_json(tmp_path: Path) -> None:
    result = _run("check-text", "-", "--json", input="Leave a review and get a free workbook!")
    assert result.exit_code == 1
    data = json.loads(result.output)
    assert data["clean"] is False and data["rule_version"] == builtin().version_label
    assert data["model_version"] == model_version()
    (finding,) = data["findings"]
    assert finding["category"] == "incentive" and finding["rule_id"] == "offer_incentive"
    assert (finding["line"], finding["column"], finding["text"]) == (1, 1, "Leave a review")


def test_check_text_reads_html_and_its_links(tmp_path: Path) -> None:
    page = tmp_path / "index.html"
    page.write_text(
        "<html><body><p>Welcome.</p>"
        '<a href="https://search.google.com/local/writereview?placeid=ChIJ1">Tell us how we did</a>'
        "</body></html>"
    )
    result = _run("check-text", str(page), "--json")
    assert result.exit_code == 1
    (finding,) = [f for f in json.loads(result.output)["findings"] if f["severity"] == "finding"]
    assert finding["category"] == "write_review_link" and finding["source"] == "link"


@pytest.mark.parametrize(
    "text",
    [
        "Our profile: https://www.ratemds.com/doctor-ratings/1/Dr-A.html",
        # a pattern inside policy prose: needs a person, not a finding
        "A Leave a review button or a review request tucked into an email would each count "
        "as solicitation under our code, which is why you will find none of them here.",
    ],
)
def test_warnings_fail_only_with_strict(text: str) -> None:
    result = _run("check-text", "-", input=text)
    assert result.exit_code == 0
    assert "needs a person" in result.output and "1 warning(s)" in result.output
    assert _run("check-text", "-", "--strict", input=text).exit_code == 1


def test_line_and_column_of_findings_deep_in_a_long_text() -> None:
    text = (
        "Thank you for a good year.\n" * 5000
        + "Clinic news:\n  Please leave us a review on Google.\n"
    )
    result = _run("check-text", "-", "--json", input=text)
    (finding,) = json.loads(result.output)["findings"]
    assert (finding["line"], finding["column"]) == (5002, 10)


def test_refusals_are_recorded_and_audit_lists_them(config: Path) -> None:
    result = _run("--config", str(config), "reply", "42")
    assert result.exit_code == 1
    assert "Blocked: Reply publicly to a review." in result.output
    assert "cannot respond to any review" in result.output  # quoted from ITS policy
    assert "Test Clinic's social media policy" in result.output
    assert _run("--config", str(config), "request-reviews").exit_code == 1
    result = _run("--config", str(config), "audit", "--json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert [r["action_id"] for r in rows] == ["reply_to_review", "review_request"]
    assert rows[0]["origin"] == "cli" and rows[0]["target"] == "review 42"
    assert rows[0]["rule_version"] == builtin().version_label
    assert rows[0]["model_version"] == model_version()
    result = _run("--config", str(config), "audit", "--limit", "1")
    assert result.exit_code == 0 and "review_request" in result.output
    assert "reply_to_review" not in result.output


def test_audit_json_names_the_clinic_of_each_entry(config: Path, db_url: str) -> None:
    from guardrail.enforce import block
    from store import crud
    from store.db import make_engine, session_scope

    engine = make_engine(db_url)
    try:
        with session_scope(engine) as session:
            clinic_id = crud.ensure_clinic(session, key="test-clinic", name="Test Clinic")
        block("reply_to_review", origin="dashboard", engine_or_session=engine, clinic_id=clinic_id)
        block("review_request", origin="cli", engine_or_session=engine)
    finally:
        engine.dispose()
    result = _run("--config", str(config), "audit", "--json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert [(r["action_id"], r["clinic_id"]) for r in rows] == [
        ("reply_to_review", clinic_id),
        ("review_request", None),
    ]


def test_audit_on_an_empty_log(config: Path) -> None:
    result = _run("--config", str(config), "audit")
    assert result.exit_code == 0 and "empty" in result.output


def test_rules_lists_and_explains(config: Path) -> None:
    result = _run("--config", str(config), "rules")
    assert (
        result.exit_code == 0 and "reply_to_review" in result.output and "Allowed" in result.output
    )
    result = _run("--config", str(config), "rules", "review_gating", "--json")
    assert json.loads(result.output)["duty"] == "no_solicitation"
    assert _run("--config", str(config), "rules", "nope").exit_code == 2


def test_check_text_says_the_same_in_a_terminal_and_in_a_log(tmp_path: Path) -> None:
    """A CI log gets the findings as plain lines; a terminal gets them styled; the words are
    the same (the plain path skips rich's drawing, which cost more than the checking)."""
    import os
    import re
    import subprocess
    import sys

    source = tmp_path / "newsletter.txt"
    source.write_text(
        "Thank you for a good year.\nPlease leave us a review on Google.\n"
        "See https://www.yelp.com/writeareview/biz/abc\n",
        encoding="utf-8",
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("QUIETWATCH_", "FORCE_"))}

    def run(**extra: str) -> str:
        done = subprocess.run(
            [sys.executable, "-m", "quietwatch", "check-text", str(source)],
            capture_output=True,
            text=True,
            cwd=tmp_path,
            env={**env, "NO_COLOR": "", **extra},
        )
        assert done.returncode == 1, done.stderr
        return done.stdout

    plain = run()
    styled = run(FORCE_COLOR="1", COLUMNS="500")
    assert "\x1b[" not in plain and "\x1b[" in styled
    assert re.sub(r"\x1b\[[0-9;]*m", "", styled) == plain
    assert f"{source}:2:8: solicitation" in plain
    assert plain.count(": solicitation [") == 2


def test_check_text_reads_a_long_text_with_several_processes_alike(tmp_path: Path) -> None:
    """``--jobs``: a text past the length several processes read gives the same report
    (lines, columns, explanations) with one process as with two."""
    from guardrail.checker import PARALLEL_MIN_CHARS

    block = (
        "Thank you for a good year with us.\nClinic news: the office moves in May.\n"
        "Please leave us a review on Google. It helps other couples find us.\n"
    )
    long_text = tmp_path / "long.txt"
    long_text.write_text(block * (PARALLEL_MIN_CHARS // len(block) + 1))
    one = _run("check-text", str(long_text), "--json", "--jobs", "1")
    two = _run("check-text", str(long_text), "--json", "--jobs", "2")
    assert one.exit_code == two.exit_code == 1
    assert json.loads(one.output)["findings"] and one.output == two.output
    assert _run("check-text", str(long_text), "--jobs", "0").exit_code == 2
