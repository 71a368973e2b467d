"""The renderer, the comparison, the exports, the launch command, the action catalogue."""

import csv
import io
from datetime import UTC, datetime

import pytest

from dashboard import compare, guard, launch, render, report
from guardrail.rules import builtin
from store.config import parse_config
from store.models import AuditRead, ClinicRead, FindingRead, ListingRead
from tests.dashboard.seed import CONFIG_TOML, INJECTED_TEXT

AT = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
CLINIC = ClinicRead(
    id=1,
    key="allura",
    name="Allura Sex Therapy Centre",
    street_address="#200-1234 Example Street",
    city="Vancouver",
    province="BC",
    postal_code="V6B 1A1",
    country="CA",
    phone="604-555-0100",
    website="https://allura.example/",
)


# -- render -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Jane Q. Doe", "J. Q. D."),
        ("jdoe123", "J."),
        ("  ", ""),
        (None, ""),
        ("Élodie-Anne  Roy", "É. R."),
        ("<b>Evil</b> Hacker", "B. H."),
    ],
)
def test_initials(name, expected):
    assert render.initials(name) == expected
    assert render.author(name, "initials") == expected


def test_author_as_shown_keeps_the_name_but_strips_control_characters():
    assert render.author("Jane\u202eeoD", "as_shown") == "JaneeoD"
    assert render.author("A\x00B", "as_shown") == "AB"


def test_md_escape_makes_markdown_literal():
    assert render.md_escape("![x](http://h/x.png)") == "\\!\\[x\\]\\(http\\://h/x\\.png\\)"


# -- compare ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("#200-1234 Example Street", "1234 Example St., Suite 200"),
        ("Unit 5 - 77 Main Ave", "5-77 Main Avenue"),
        ("100 W Broadway", "100 West Broadway"),
    ],
)
def test_street_addresses_normalise_to_the_same(a, b):
    assert compare.street(a) == compare.street(b)


def test_street_numbers_that_differ_stay_different():
    assert compare.street("1234 Example St") != compare.street("1243 Example St")
    assert compare.street("#200-1234 Example St") != compare.street("#300-1234 Example St")


@pytest.mark.parametrize(
    "number", ["604-555-0100", "(604) 555-0100", "+1 604 555 0100", "1.604.555.0100", "6045550100"]
)
def test_phone_numbers_normalise_to_e164(number):
    assert compare.phone(number) == "+16045550100"


def test_websites_ignore_scheme_www_and_trailing_slash():
    assert compare.website("http://www.Allura.example/") == compare.website("allura.example")
    assert compare.website("https://allura.example/about") != compare.website("allura.example")


def test_compare_ignores_facts_the_listing_does_not_state():
    listing = ListingRead(
        id=1,
        site="google",
        url="u",
        origin="configured",
        enabled=True,
        name="ALLURA  Sex Therapy Centre",
        locality="vancouver",
        region="British Columbia",
        phone="604 555 0100",
    )
    result = {c.fact: c for c in compare.compare(CLINIC, listing)}
    assert not any(c.mismatch for c in result.values())
    assert not result["website"].stated
    assert result["address"].listed_normalised == "- | vancouver | bc | -"


# -- report -------------------------------------------------------------------------------
FINDING = FindingRead(
    id=1,
    kind="owner_response",
    category=None,
    rule_id=None,
    severity="warning",
    source_url=None,
    listing_id=2,
    review_id=3,
    site="yelp",
    excerpt=INJECTED_TEXT,
    explanation='=HYPERLINK("http://evil")',
    guidance=None,
    first_seen_at=AT,
    last_seen_at=AT,
)
AUDIT = AuditRead(
    id=1,
    at=AT,
    action_id="reply_to_review",
    rule_set="bcacc",
    rule_version="1.0.0",
    origin="dashboard",
    user=None,
    clinic_id=1,
    target="review 3",
    detail=None,
)


def test_csv_export_round_trips_and_defuses_formulas():
    rows = list(csv.DictReader(io.StringIO(report.findings_csv([FINDING]))))
    assert rows[0]["excerpt"] == INJECTED_TEXT
    assert rows[0]["explanation"].startswith("'=")
    assert rows[0]["first_seen_at"] == AT.isoformat()
    audit = list(csv.DictReader(io.StringIO(report.audit_csv([AUDIT]))))
    assert audit[0]["action_id"] == "reply_to_review"


def test_printable_report_escapes_everything_and_loads_nothing():
    page = report.printable_html(clinic=CLINIC, findings=[FINDING], audit=[AUDIT], generated_at=AT)
    assert "<script>" not in page
    assert "<img" not in page
    assert "&lt;script&gt;" in page
    assert "default-src 'none'" in page
    assert "Owner responses found on review sites (1)" in page
    assert "Audit log: blocked attempts and privacy records (1)" in page


# -- launch -------------------------------------------------------------------------------
def test_launch_binds_to_the_configured_address(tmp_path):
    config = parse_config(CONFIG_TOML.replace("{names}", "as_shown"), tmp_path / "q.toml")
    command = launch.streamlit_command(config, "sqlite:////x.db")
    assert command[1:4] == ["-m", "dashboard.serve", "run"]  # streamlit's CLI, warmed up
    assert command[4].endswith("dashboard/app.py")
    assert command[command.index("--server.address") + 1] == "127.0.0.1"
    assert command[command.index("--server.port") + 1] == "8501"
    assert command[command.index("--browser.gatherUsageStats") + 1] == "false"
    other = launch.streamlit_command(None, "sqlite:////x.db", port=9000)
    assert other[other.index("--server.port") + 1] == "9000"
    assert other[other.index("--server.address") + 1] == "127.0.0.1"
    env = launch.dashboard_env(
        config, "sqlite:////x.db", {"PATH": "/bin", "QUIETWATCH_CONFIG": "old"}
    )
    assert env == {
        "PATH": "/bin",
        "QUIETWATCH_DATABASE_URL": "sqlite:////x.db",
        "QUIETWATCH_CONFIG": str(tmp_path / "q.toml"),
    }
    with pytest.raises(ValueError):
        launch.streamlit_command(config, "")


def test_the_cli_starts_the_same_app_on_the_configured_address(tmp_path):
    from quietwatch.operations import dashboard_command

    config = parse_config(
        CONFIG_TOML.replace("{names}", "as_shown") + 'host = "127.0.0.2"\nport = 8765\n',
        tmp_path / "q.toml",
    )
    command, env = dashboard_command(config, "sqlite:////x.db")
    assert command == launch.streamlit_command(config, "sqlite:////x.db")
    assert command[4] == str(launch.APP)
    assert launch.APP.exists()
    assert command[command.index("--server.address") + 1] == "127.0.0.2"
    assert command[command.index("--server.port") + 1] == "8765"
    assert env["QUIETWATCH_DATABASE_URL"] == "sqlite:////x.db"
    assert env["QUIETWATCH_CONFIG"] == str(tmp_path / "q.toml")


# -- the guardrail's catalogue ------------------------------------------------------------
def test_every_blocked_button_names_a_blocked_rule():
    rules = builtin()
    for action in guard.ALL_ACTIONS:
        assert rules.get(action.action_id).blocked, action.action_id
    labels = {a.label for a in guard.ALL_ACTIONS}
    assert {"Reply", "Request reviews", "Share as testimonial", "Find this reviewer"} <= labels


def test_a_review_dated_to_the_day_shows_the_day_it_states_in_any_time_zone():
    """A site's "March 8, 2017" is stored at midnight UTC; in Vancouver that instant is the
    evening before, but the review was published on the 8th.  A review dated to the second
    is a moment, shown in the clinic's time zone."""
    from zoneinfo import ZoneInfo

    vancouver = ZoneInfo("America/Vancouver")
    midnight = datetime(2017, 3, 8, tzinfo=UTC)
    old, render.ZONE = render.ZONE, vancouver
    try:
        assert render.stated_day(midnight, "day") == "2017-03-08"
        assert render.stated_day(midnight, "month") == "2017-03-08"
        assert render.stated_day(midnight, None) == "2017-03-08"
        assert render.stated_day(midnight, "second") == "2017-03-07"
        assert render.stated_day(None, "day") == ""
    finally:
        render.ZONE = old
