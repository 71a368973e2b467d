"""Reviews page: filters, full text, edit history, initials, inert text, blocked replies."""

from datetime import UTC, datetime, time, timedelta

import pytest

from guardrail.enforce import explain
from tests.dashboard.conftest import write_config
from tests.dashboard.helpers import (
    all_markdown,
    audit_rows,
    cells,
    frame,
    run_page,
    select_row,
    texts,
)
from tests.dashboard.seed import INJECTED_TEXT, NOW


def test_all_reviews_are_listed_newest_first(dashboard_env):
    at = run_page("reviews")
    assert not at.exception
    table = frame(at, "reviews-table")
    assert len(table) == 6
    assert list(table["ID"])[0] == dashboard_env.reviews["y4"]
    status = table.set_index("ID")["Status"]
    assert status[dashboard_env.reviews["y3"]] == "Owner response, Removed"
    assert status[dashboard_env.reviews["y2"]] == "Edited (1x)"
    assert status[dashboard_env.reviews["y1"]] == "As first seen"
    assert set(table["Site"]) == {"Yelp", "Healthgrades", "Google"}  # the registry's names
    assert list(table.columns[:2]) == ["Rating", "Status"]  # what matters first
    assert "None" not in cells(at)
    assert any("6 review(s) match" in c.value for c in at.caption)


@pytest.mark.parametrize(
    ("widget", "kind", "value", "expected"),
    [
        ("reviews-sites", "multiselect", ["healthgrades"], {"h1"}),
        ("reviews-rating", "slider", (0.0, 2.0), {"y2", "y4"}),
        ("reviews-rating", "slider", (4.5, 5.0), {"y1", "g1"}),
        # g1 is what google's only crawl found: not new.  y4 came with yelp's second crawl.
        ("reviews-new", "checkbox", True, {"y4"}),
        ("reviews-new-since", "date_input", (NOW - timedelta(days=400)).date(), {"y4"}),
        ("reviews-edited", "selectbox", "Yes", {"y2"}),
        ("reviews-removed", "selectbox", "Yes", {"y3"}),
        ("reviews-removed", "selectbox", "No", {"y1", "y2", "y4", "h1", "g1"}),
        ("reviews-response", "selectbox", "Yes", {"y3"}),
        ("reviews-from", "date_input", (NOW - timedelta(days=10)).date(), {"y4"}),
        ("reviews-to", "date_input", (NOW - timedelta(days=56)).date(), {"y1"}),
        # The bounds are whole days: a review published on the chosen day is in.
        ("reviews-to", "date_input", (NOW - timedelta(days=60)).date(), {"y1"}),
        ("reviews-from", "date_input", (NOW - timedelta(days=1)).date(), {"y4"}),
    ],
)
def test_filters(dashboard_env, widget, kind, value, expected):
    at = run_page("reviews")
    getattr(at, kind)(key=widget).set_value(value).run()
    assert not at.exception
    ids = {v: k for k, v in dashboard_env.reviews.items()}
    table = frame(at, "reviews-table")
    # Seeded ids not in dashboard_env.reviews (h1, g1) are named by their site.
    names = {
        ids.get(i) or {"Healthgrades": "h1", "Google": "g1"}[s]
        for i, s in zip(table["ID"], table["Site"], strict=True)
    }
    assert names == expected


def test_clicking_a_row_opens_the_review(dashboard_env):
    at = run_page("reviews")
    assert "Kind and professional." not in texts(at)  # the newest (y4) is open at first
    select_row(at, "reviews-table", column="ID", value=dashboard_env.reviews["y1"])
    assert not at.exception
    assert "Kind and professional." in texts(at)
    # Its disclosure finding, with its case and a link to it.
    assert any("Review discloses too much" in m for m in all_markdown(at))
    assert any("Open" in m for m in all_markdown(at))


def test_a_review_can_be_opened_from_a_link(dashboard_env):
    from streamlit.testing.v1 import AppTest

    from tests.dashboard.conftest import APP

    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["review"] = str(dashboard_env.reviews["y2"])
    at.run()
    at.switch_page("views/reviews.py")
    at.query_params["review"] = str(dashboard_env.reviews["y2"])
    at.run()
    assert not at.exception
    assert "Edited: much worse now." in texts(at)


def test_edit_history_keeps_the_old_text_and_shows_the_change(dashboard_env):
    at = run_page("reviews")
    select_row(at, "reviews-table", column="ID", value=dashboard_env.reviews["y2"])
    assert not at.exception
    shown = texts(at)
    assert "Edited: much worse now." in shown
    assert "Original text before the edit." in shown
    assert "Rating: 2" in shown  # the rating before the edit
    assert "Rating: 1 of 5" in shown
    diff = at.code[0].value
    assert "- Original text before the edit." in diff
    assert "+ Edited: much worse now." in diff


def test_injected_review_is_shown_as_plain_text_only(dashboard_env):
    at = run_page("reviews")
    select_row(at, "reviews-table", column="ID", value=dashboard_env.reviews["y4"])
    assert not at.exception
    assert INJECTED_TEXT in texts(at)  # verbatim, as text
    assert "Title: ![t](http://127.0.0.2:9/title.png)" in texts(at)
    for shown in all_markdown(at):  # nothing of it reaches a markdown renderer
        assert "127.0.0.2" not in shown
        assert "evil.example" not in shown
        assert "javascript:" not in shown
        assert "Hacker" not in shown
    assert all("127.0.0.2" not in b.label for b in at.button)


def test_reviewer_names_can_be_initials_only(dashboard_env, tmp_path, monkeypatch):
    monkeypatch.setenv("QUIETWATCH_CONFIG", str(write_config(tmp_path, names="initials")))
    at = run_page("reviews")
    select_row(at, "reviews-table", column="ID", value=dashboard_env.reviews["y1"])
    assert not at.exception
    authors = set(frame(at, "reviews-table")["Author"])
    assert "J. Q. D." in authors
    assert "Author: J. Q. D." in texts(at)
    cells = frame(at, "reviews-table").astype(str).to_numpy().ravel()
    everything = " ".join(str(v) for v in [*texts(at), *all_markdown(at), *cells])
    assert "Jane" not in everything
    assert "Doe" not in everything


def test_reply_is_blocked_explained_and_audited(dashboard_env, db_url):
    at = run_page("reviews")
    review_id = dashboard_env.reviews["y1"]
    select_row(at, "reviews-table", column="ID", value=review_id)
    before = len(audit_rows(db_url))
    button = at.button(key=f"blocked-reply_to_review-review-{review_id}")
    assert button.label == "Reply — blocked"
    button.click().run()
    assert not at.exception
    rows = audit_rows(db_url)
    assert len(rows) == before + 1
    assert rows[-1]["action_id"] == "reply_to_review"
    assert rows[-1]["origin"] == "dashboard"
    assert rows[-1]["target"] == f"review {review_id}"
    assert rows[-1]["user"]  # the OS user locally (the signed-in user when exposed)
    assert rows[-1]["clinic_id"] == dashboard_env.clinic_id
    expected = explain("reply_to_review")
    assert expected.explanation in texts(at)
    assert expected.allowed_instead in texts(at)
    # No policy file configured: no policy is quoted, and no other clinic's is named.
    assert f"“{expected.policy_quote}”" not in texts(at)
    assert not any("Allura" in m for m in all_markdown(at))
    assert any(f"entry {rows[-1]['id']}" in m for m in all_markdown(at))


@pytest.mark.parametrize(
    "action_id",
    [
        "contact_reviewer",
        "ask_to_edit_or_remove",
        "reuse_review_as_testimonial",
        "identify_reviewer",
        "follow_or_friend_reviewer",
    ],
)
def test_every_review_action_is_blocked_and_audited(dashboard_env, db_url, action_id):
    at = run_page("reviews")
    review_id = dashboard_env.reviews["y4"]
    at.button(key=f"blocked-{action_id}-review-{review_id}").click().run()
    assert not at.exception
    row = audit_rows(db_url)[-1]
    assert (row["action_id"], row["origin"], row["target"], row["clinic_id"]) == (
        action_id,
        "dashboard",
        f"review {review_id}",
        dashboard_env.clinic_id,
    )
    assert explain(action_id).explanation in texts(at)


def test_paging(dashboard_env, db_url):
    from store import crud
    from store.db import make_engine, session_scope

    engine = make_engine(db_url)
    with session_scope(engine) as s:
        crud.upsert_reviews(
            s,
            listing_id=dashboard_env.listings["google"],
            seen_at=NOW,
            reviews=[
                {
                    "site_review_id": f"p{i}",
                    "author": f"P{i}",
                    "rating": 4,
                    "text": f"page test {i}",
                    "published_at": NOW - timedelta(days=100 + i),
                }
                for i in range(60)
            ],
        )
    engine.dispose()
    at = run_page("reviews")
    assert len(frame(at, "reviews-table")) == 50
    assert any("66 review(s) match; page 1 of 2" in c.value for c in at.caption)
    at.number_input(key="reviews-page").set_value(2).run()
    assert not at.exception
    second = frame(at, "reviews-table")
    assert len(second) == 16
    assert "page test 59" in set(second["Text"])  # the oldest comes last
    # A filter goes back to page 1, even when its result has a second page too.
    at.multiselect(key="reviews-sites").set_value(["google"]).run()
    assert at.number_input(key="reviews-page").value == 1
    assert any("61 review(s) match; page 1 of 2" in c.value for c in at.caption)
    assert len(frame(at, "reviews-table")) == 50
    assert list(frame(at, "reviews-table")["Text"])[0] == "Helpful."  # g1, google's newest


def _add_google_review(db_url: str, listing_id: int, **fields) -> int:
    from store import crud
    from store.db import make_engine, session_scope

    engine = make_engine(db_url)
    try:
        with session_scope(engine) as s:
            outcome = crud.upsert_reviews(s, listing_id=listing_id, seen_at=NOW, reviews=[fields])
            (review_id,) = outcome.new
            return review_id
    finally:
        engine.dispose()


def test_an_empty_owner_response_is_no_response(dashboard_env, db_url):
    """A site's empty reply box (Healthgrades sends ``"commentText": ""``) is no response."""
    empty = _add_google_review(
        db_url,
        dashboard_env.listings["google"],
        site_review_id="g-empty",
        author="E",
        rating=4,
        text="A review with an empty reply box.",
        owner_response="",
        published_at=NOW - timedelta(days=20),
    )
    at = run_page("reviews")
    at.selectbox(key="reviews-response").set_value("Yes").run()
    assert not at.exception
    assert list(frame(at, "reviews-table")["ID"]) == [dashboard_env.reviews["y3"]]
    at.selectbox(key="reviews-response").set_value("No").run()
    assert empty in set(frame(at, "reviews-table")["ID"])
    assert len(frame(at, "reviews-table")) == 6


def test_a_date_range_covers_whole_days(dashboard_env, db_url):
    """A review dated to the day is stored at midnight: "published to" the day before leaves
    it out, "published to" and "published from" its own day take it in."""
    day = (NOW - timedelta(days=30)).date()
    midnight = _add_google_review(
        db_url,
        dashboard_env.listings["google"],
        site_review_id="g-midnight",
        author="M",
        rating=3,
        text="Dated to the day.",
        published_at=datetime.combine(day, time.min, tzinfo=UTC),
        published_precision="day",
    )
    at = run_page("reviews")

    def shown() -> set[int]:
        return set(frame(at, "reviews-table")["ID"])

    at.date_input(key="reviews-from").set_value(day - timedelta(days=1)).run()
    at.date_input(key="reviews-to").set_value(day - timedelta(days=1)).run()
    assert not at.exception
    assert midnight not in shown()
    at.date_input(key="reviews-to").set_value(day).run()
    assert shown() == {midnight}
    at.date_input(key="reviews-from").set_value(day).run()
    assert shown() == {midnight}
    at.date_input(key="reviews-from").set_value(day + timedelta(days=1)).run()
    at.date_input(key="reviews-to").set_value(day + timedelta(days=1)).run()
    assert midnight not in shown()


def test_an_owner_response_is_shown_with_a_warning(dashboard_env):
    at = run_page("reviews")
    select_row(at, "reviews-table", column="ID", value=dashboard_env.reviews["y3"])
    assert not at.exception
    assert "Thank you for coming in!" in texts(at)
    (warning,) = [w for w in at.warning if "respond" in w.value]
    assert warning.value.startswith("The clinic does not respond to reviews.")
    assert "compliance finding" in warning.value
