"""Overview page, through AppTest on the real router and a real seeded SQLite store."""

from datetime import timedelta

from guardrail.enforce import explain
from store import crud
from store.db import make_engine, session_scope
from tests.dashboard.helpers import all_markdown, audit_rows, cells, frame, run_page, texts
from tests.dashboard.seed import RUN2_AT


def _attention(at) -> list[str]:
    return [m.value for m in at.container(key="overview-attention").markdown]


def test_attention_comes_first_ranked_with_counts_colours_and_links(dashboard_env):
    at = run_page()
    assert not at.exception
    items = _attention(at)
    # Critical (red) first: the open owner response, the failing source; then warnings.
    assert items[0].startswith(":red-badge[1]") and "owner response" in items[0]
    assert items[1].startswith(":red-badge[1]") and "failing" in items[1]
    assert any(i.startswith(":orange-badge[1]") and "disclose" in i for i in items)
    assert any(i.startswith(":orange-badge[2]") and "differ" in i for i in items)
    assert any(i.startswith(":orange-badge[1]") and "solicitation" in i for i in items)
    assert any(i.startswith(":orange-badge[1]") and "overdue" in i for i in items)  # google
    links = {link.label for link in at.get("page_link")}
    assert "Show them" in links
    # It is the first thing on the page: before the per-site table.
    subheaders = [s.value for s in at.subheader]
    assert subheaders.index("Needs attention") < subheaders.index("Per site")


def test_a_closed_case_leaves_the_attention_list(dashboard_env, db_url):
    at = run_page()
    assert "owner response" in _attention(at)[0]
    engine = make_engine(db_url)
    with session_scope(engine) as s:
        from sqlmodel import select

        from store.models import Finding

        finding = s.exec(select(Finding).where(Finding.kind == "owner_response")).one()
        crud.append_case_entry(s, finding_id=finding.id, status="resolved", user="pat")
    engine.dispose()
    at = run_page()
    assert not any("owner response" in i for i in _attention(at))


def test_overview_shows_each_site(dashboard_env):
    at = run_page()
    assert not at.exception
    sites = frame(at, "overview-sites").set_index("Site")
    assert sorted(sites.index) == ["Google", "Healthgrades", "Yelp"]
    yelp = sites.loc["Yelp"]
    assert yelp["Reviews held"] == 3  # y1, y2, y4; y3 was removed
    assert yelp["Removed"] == 1
    assert yelp["Rating shown"] == 4.0
    assert yelp["Reviews (site says)"] == 4
    assert len(yelp["Rating by month (24 months)"]) >= 1  # the sparkline's points
    assert sites.loc["Google", "Reviews held"] == 1
    assert "None" not in cells(at)
    assert "Allura Sex Therapy Centre" in texts(at)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Reviews held"] == "5"
    # y4 on yelp.  g1 is what google's first crawl found: not new.
    assert metrics["New in the latest crawl"] == "1"


def test_new_since_never_exceeds_held_and_follows_the_chosen_date(dashboard_env):
    at = run_page()
    before = frame(at, "overview-sites").set_index("Site")
    assert before.loc["Yelp", "New since date"] == 1  # y4; run 1 was 40 days ago
    at.date_input(key="overview-since").set_value((RUN2_AT - timedelta(days=60)).date()).run()
    assert not at.exception
    after = frame(at, "overview-sites").set_index("Site")
    # Everything the first crawls found is the baseline, not new: still y4 only.
    assert after.loc["Yelp", "New since date"] == 1
    assert after.loc["Google", "New since date"] == 0
    assert (after["New since date"] <= after["Reviews held"]).all()
    assert at.query_params["since"] == (RUN2_AT - timedelta(days=60)).date().isoformat()


def test_several_clinics_get_one_row_each(dashboard_env, db_url):
    import streamlit as st

    engine = make_engine(db_url)
    with session_scope(engine) as s:
        crud.ensure_clinic(s, key="other", name="Another Practice", phone="250-555-0000")
    engine.dispose()
    st.cache_data.clear()
    at = run_page()
    rollup = frame(at, "overview-clinics").set_index("Clinic")
    assert sorted(rollup.index) == ["Allura Sex Therapy Centre", "Another Practice"]
    allura = rollup.loc["Allura Sex Therapy Centre"]
    assert (allura["Open findings"], allura["Owner responses"]) == (3, 1)
    assert (allura["Mismatched listings"], allura["Failing sources"]) == (2, 1)
    assert rollup.loc["Another Practice", "Open findings"] == 0


def test_request_reviews_is_blocked_explained_and_audited(dashboard_env, db_url):
    at = run_page()
    before = audit_rows(db_url)
    button = at.button(key="blocked-review_request-overview")
    assert button.label == "Request reviews — blocked"
    button.click().run()
    assert not at.exception
    rows = audit_rows(db_url)
    assert len(rows) == len(before) + 1
    row = rows[-1]
    assert row["action_id"] == "review_request"
    assert row["origin"] == "dashboard"
    assert row["clinic_id"] == dashboard_env.clinic_id
    assert row["rule_set"] == "bcacc"
    expected = explain("review_request")
    shown = texts(at)
    assert expected.explanation in shown
    assert expected.allowed_instead in shown
    assert any(f"audit log as **entry {row['id']}**" in c for c in all_markdown(at))
    # The dialog stays open across reruns until it is closed; then only the audit number
    # stays under the buttons (the browser test closes it with Escape).
    at.run()
    assert expected.explanation in texts(at)
    at.session_state["blocked-dialog-open"] = None
    at.run()
    assert expected.explanation not in texts(at)
    assert any(f"entry {row['id']}" in c for c in all_markdown(at))


def test_a_first_load_runs_each_query_once_the_big_ones_side_by_side(dashboard_env, monkeypatch):
    """The Overview asks for its queries at once (``data.prefetch``), each on its own thread,
    with the very arguments the page then reads them with: each runs once, not again when
    the page reads it."""
    import os
    import threading
    from pathlib import Path

    from store import queries

    config = Path(os.environ["QUIETWATCH_CONFIG"])  # with the query cache on, as shipped
    config.write_text(
        config.read_text().replace("cache_ttl_seconds = 0", "cache_ttl_seconds = 300")
    )
    ran: list[tuple[str, str]] = []
    for name in ("open_finding_counts", "site_summaries", "rating_over_time", "listings"):
        original = getattr(queries, name)

        def counted(*args, _name=name, _original=original, **kwargs):
            ran.append((_name, threading.current_thread().name))
            return _original(*args, **kwargs)

        monkeypatch.setattr(queries, name, counted)
    at = run_page()
    assert not at.exception
    names = [name for name, _thread in ran]
    assert sorted(names) == [
        "listings",
        "open_finding_counts",
        "rating_over_time",
        "site_summaries",
    ]
    assert all(thread.startswith("qw-prefetch") for _name, thread in ran), ran


def test_a_failing_source_is_counted_as_failing_not_also_as_overdue(dashboard_env):
    """With every source past the overdue mark, the overdue ones are those not failing."""
    from datetime import UTC, datetime

    from dashboard import data

    clinic = data.require_clinic()
    far = datetime(2100, 1, 1, tzinfo=UTC)
    counts = data.attention_counts(clinic, since=far, stale_before=far)
    listings = [listing for listing, _ in data.comparisons(clinic) if listing.enabled]
    assert counts["failing"] == 1  # healthgrades: blocked by the site
    assert counts["failing"] + counts["overdue"] == len(listings)


def test_the_context_follows_the_environment_it_is_read_from(dashboard_env, monkeypatch, tmp_path):
    """The settings are read once for each set of ``QUIETWATCH_*`` values, not once a process:
    another database URL in the environment is another context."""
    from dashboard import data

    first = data.context().database_url
    other = f"sqlite:///{tmp_path / 'other.db'}"
    monkeypatch.setenv("QUIETWATCH_DATABASE_URL", other)
    assert data.context().database_url == other != first
    monkeypatch.setenv("QUIETWATCH_DATABASE_URL", first)
    assert data.context().database_url == first
