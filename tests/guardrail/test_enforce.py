"""Blocking: an audit row with the rule version, a plain-words explanation, nothing editable."""

from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlmodel import Session, select

from guardrail import policy
from guardrail.enforce import NotBlockedError, block, explain
from guardrail.model import model_version
from guardrail.rules import build_rule_set, builtin
from store import crud
from store.db import session_scope
from store.models import AppendOnlyError, AuditEntry
from tests.sql import rows


def list_entries(engine, **kwargs):
    """The audit log as plain dicts, oldest first (through the store's one reader)."""
    from store import queries

    with Session(engine) as session:
        return [e.model_dump() for e in queries.audit_entries(session, **kwargs)]


def test_block_appends_an_audit_row_and_explains(engine, tmp_path) -> None:
    own = tmp_path / "policy.txt"
    own.write_text(builtin().get("reply_to_review").policy_quote + "\n")
    explanation = block(
        "reply_to_review",
        origin="dashboard",
        engine_or_session=engine,
        user="pm",
        target="review 7",
        policy=policy.load(own, "Our policy"),
    )
    assert explanation.blocked and explanation.audit_id is not None
    assert "cannot respond to any review" in explanation.policy_quote
    assert explanation.policy_source == "Our policy"
    # Without the clinic's own policy, no policy is quoted (never another clinic's).
    assert explain("reply_to_review").policy_quote is None
    assert explanation.allowed_instead and "reporting route" in explanation.allowed_instead
    text = explanation.as_text()
    assert text.startswith("Blocked: Reply publicly to a review.")
    assert "confidentiality and privacy-law duty" in text
    assert f"entry {explanation.audit_id}" in text
    with Session(engine) as session:
        row = session.exec(select(AuditEntry)).one()
    assert (row.action_id, row.origin, row.user, row.target) == (
        "reply_to_review",
        "dashboard",
        "pm",
        "review 7",
    )
    # The rule set's version and the checker model's, both content-hashed.
    assert (row.rule_set, row.rule_version, row.model_version) == (
        "bcacc",
        builtin().version_label,
        model_version(),
    )
    assert row.at.tzinfo is not None


def test_block_in_a_session_joins_the_callers_transaction(engine) -> None:
    with Session(engine) as session:
        block("review_request", origin="cli", engine_or_session=session)
        session.rollback()
    assert list_entries(engine) == []
    with Session(engine) as session:
        block("review_request", origin="cli", engine_or_session=session)
        session.commit()
    assert [e["action_id"] for e in list_entries(engine)] == ["review_request"]


def test_the_configured_rule_set_and_version_are_recorded(engine) -> None:
    custom = build_rule_set(version="9.9.9", body="Another college")
    block("offer_incentive", origin="cli", engine_or_session=engine, rule_set=custom)
    (entry,) = list_entries(engine)
    assert entry["rule_version"].startswith("9.9.9+")
    assert entry["model_version"] == model_version()


def test_allowed_and_unknown_actions_are_not_blocked(engine) -> None:
    with pytest.raises(NotBlockedError):
        block("read_monitor_export", origin="cli", engine_or_session=engine)
    with pytest.raises(KeyError, match="unknown action"):
        block("launch_rockets", origin="cli", engine_or_session=engine)
    assert list_entries(engine) == []
    assert not explain("correct_listing_facts").blocked


def test_audit_rows_cannot_be_changed_or_deleted(engine) -> None:
    block("contact_reviewer", origin="dashboard", engine_or_session=engine)
    with Session(engine) as session:  # the ORM refuses
        row = session.exec(select(AuditEntry)).one()
        row.user = "someone else"
        with pytest.raises(AppendOnlyError):
            session.commit()
        session.rollback()
        session.delete(session.exec(select(AuditEntry)).one())
        with pytest.raises(AppendOnlyError):
            session.commit()
    with engine.connect() as conn:  # and so does the database
        with pytest.raises(sa.exc.DatabaseError, match="append-only"):
            conn.execute(sa.text("UPDATE auditentry SET user = 'x'"))
        with pytest.raises(sa.exc.DatabaseError, match="append-only"):
            conn.execute(sa.text("DELETE FROM auditentry"))
    (entry,) = list_entries(engine)
    assert entry["user"] is None


def test_list_entries_filters_and_limits(engine) -> None:
    for action in ("reply_to_review", "review_request", "reply_to_review"):
        block(action, origin="cli", engine_or_session=engine)
    assert [e["action_id"] for e in list_entries(engine, action_id="reply_to_review")] == [
        "reply_to_review",
        "reply_to_review",
    ]
    newest = list_entries(engine, limit=1)
    assert len(newest) == 1 and newest[0]["id"] == max(e["id"] for e in list_entries(engine))


def test_refer_to_counsel_is_said_in_plain_words(engine) -> None:
    explanation = block("legal_threat_or_paid_removal", origin="cli", engine_or_session=engine)
    assert explanation.blocked and explanation.verdict == "blocked_refer_to_counsel"
    first = explanation.as_text().splitlines()[0]
    assert first == (
        "Blocked (refer to legal counsel): "
        "Legal threats against reviewers or paid review-removal services."
    )
    assert explain("reply_to_review").as_text().startswith("Blocked: ")


def test_the_audit_row_keeps_the_clinic_and_the_detail(engine, db_url) -> None:
    """Through an engine (committed here) and through the caller's session alike."""
    with session_scope(engine) as session:
        clinic_id = crud.ensure_clinic(session, key="harbourview", name="Harbourview")
    block(
        "reply_to_review",
        origin="cli",
        engine_or_session=engine,
        clinic_id=clinic_id,
        target="review 7",
        detail="quietwatch reply",
    )
    with Session(engine) as session:
        block(
            "contact_reviewer",
            origin="dashboard",
            engine_or_session=session,
            clinic_id=clinic_id,
            target="review 8",
            detail="button clicked in the dashboard",
        )
        session.commit()
    stored = rows(db_url, "SELECT action_id, clinic_id, target, detail FROM auditentry ORDER BY id")
    assert [tuple(r) for r in stored] == [
        ("reply_to_review", clinic_id, "review 7", "quietwatch reply"),
        ("contact_reviewer", clinic_id, "review 8", "button clicked in the dashboard"),
    ]
    listed = list_entries(engine)
    assert [(e["clinic_id"], e["detail"]) for e in listed] == [
        (clinic_id, "quietwatch reply"),
        (clinic_id, "button clicked in the dashboard"),
    ]


def test_list_entries_since_keeps_the_rows_from_then_on(engine) -> None:
    import time

    from store import audit

    for action in ("action-1", "action-2", "action-3"):
        with session_scope(engine) as session:
            audit.append(
                session, action_id=action, rule_set="bcacc", rule_version="1.0.0", origin="cli"
            )
        time.sleep(0.01)  # distinct times
    at = {e["action_id"]: e["at"] for e in list_entries(engine)}
    assert [e["action_id"] for e in list_entries(engine, since=at["action-2"])] == [
        "action-2",
        "action-3",
    ]
    assert list_entries(engine, since=at["action-3"] + timedelta(milliseconds=1)) == []
    assert len(list_entries(engine, since=at["action-1"] - timedelta(days=30))) == 3


@pytest.mark.parametrize(
    ("action_id", "head"),
    [
        ("reply_to_review", "Blocked"),
        ("legal_threat_or_paid_removal", "Blocked (refer to legal counsel)"),
        ("report_through_site", "Allowed, with care"),
        ("correct_listing_facts", "Allowed"),
    ],
)
def test_an_explanation_reads_the_same_for_every_verdict(action_id: str, head: str) -> None:
    """The plain words, line by line: the verdict and title, the explanation, the duty in
    words, each ground (or the clinic's policy when the rule names none), what to do
    instead, the rule set; and as a dict, the grounds as a JSON list."""
    import json

    from guardrail.rules import DUTY_WORDS, Duty

    e = explain(action_id)
    lines = e.as_text().splitlines()
    grounds = [f"  - {g}" for g in e.grounds] or ["  - the clinic's policy"]
    assert lines == [
        f"{head}: {e.title}.",
        "",
        e.explanation,
        "",
        f"This rests on {DUTY_WORDS[Duty(e.duty)]}:",
        *grounds,
        "",
        f"What you can do instead: {e.allowed_instead}",
        "",
        f"Rule set {e.rule_set}, version {e.rule_version}.",
    ]
    data = e.as_dict()
    assert data["grounds"] == list(e.grounds) and json.loads(json.dumps(data)) == data
    assert data["action_id"] == action_id and data["verdict"] == e.verdict


def test_looking_an_action_up_quotes_the_clinics_own_policy(tmp_path) -> None:
    """`quietwatch rules ACTION` and the dashboard's explanations quote the clinic's policy
    file when one is configured, named, between the duty and the grounds."""
    own = tmp_path / "policy.txt"
    own.write_text(builtin().get("reply_to_review").policy_quote + "\n")
    e = explain("reply_to_review", policy=policy.load(own, "Our policy"))
    assert e.policy_quote and e.policy_source == "Our policy"
    lines = e.as_text().splitlines()
    at = lines.index("The clinic's policy (Our policy) says:")
    assert lines[at + 1] == f'  "{e.policy_quote}"'
    assert lines[at - 2] == e.explanation


def test_a_policy_paragraph_marked_for_an_action_is_the_one_quoted(tmp_path) -> None:
    """A clinic marks its own paragraph with {#action_id}; that paragraph is quoted for that
    action (not for another), and the explanation names the rule set in force."""
    own = tmp_path / "policy.txt"
    own.write_text(
        "Our counsellors keep every client's confidence. {#reply_to_review}\n\n"
        "We do not offer gifts for anything posted online.\n",
        encoding="utf-8",
    )
    clinic_policy = policy.load(own, "Harbourview policy")
    e = explain("reply_to_review", policy=clinic_policy)
    assert e.policy_quote and e.policy_quote.startswith("Our counsellors keep every client's")
    assert "{#" not in e.policy_quote
    assert explain("contact_reviewer", policy=clinic_policy).policy_quote is None
    rules = builtin()
    assert (e.action_id, e.rule_set, e.rule_version) == (
        "reply_to_review",
        rules.id,
        rules.version_label,
    )
