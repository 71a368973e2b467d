"""The audit log's pending file, in process: an attempt the database could not take is kept
as one JSON line with the time it was made, and the next import appends it to the chain
with that time in its detail, then keeps the file under another name."""

import json
from datetime import datetime

from sqlmodel import Session

from store import audit, queries
from store.db import init_db, make_engine


def test_a_kept_attempt_is_one_line_with_its_time_and_the_import_chains_it(tmp_path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'quietwatch.db'}")
    init_db(engine)
    try:
        path = audit.pending_path(engine)
        assert path is not None and path.parent == tmp_path
        fields = {
            "action_id": "reply_to_review",
            "rule_set": "bcacc",
            "rule_version": "1.0.0",
            "origin": "dashboard",
            "target": "review 7",
            "detail": "button clicked",
        }
        audit.write_pending(path, **fields)
        audit.write_pending(path, **{**fields, "target": "review 8", "detail": None})
        lines = path.read_text(encoding="utf-8").splitlines()
        assert len(lines) == 2
        first = json.loads(lines[0])
        attempted = first.pop("attempted_at")
        assert first == fields
        assert datetime.fromisoformat(attempted).tzinfo is not None

        assert audit.import_pending(engine) == 2
        assert not path.exists()
        kept = [p.name for p in tmp_path.iterdir() if p.name.startswith(path.name + ".imported-")]
        assert len(kept) == 1
        with Session(engine) as s:
            entries = queries.audit_entries(s)
        assert [(e.action_id, e.origin, e.target) for e in entries] == [
            ("reply_to_review", "dashboard", "review 7"),
            ("reply_to_review", "dashboard", "review 8"),
        ]
        note = f"attempted at {attempted}; written from the pending file later"
        assert entries[0].detail == f"button clicked; {note}"
        assert entries[1].detail.startswith("attempted at ") and entries[1].detail.endswith(
            "; written from the pending file later"
        )
        assert audit.check(engine).ok
        assert audit.import_pending(engine) == 0  # nothing left to add
    finally:
        engine.dispose()


def test_a_block_in_the_callers_transaction_writes_the_head_when_it_commits(tmp_path) -> None:
    """The dashboard blocks inside its own transaction: the head file gets the entry's id and
    hash once that transaction commits, not before, and never for a rolled-back one."""
    from guardrail.enforce import block
    from store.models import AuditEntry

    engine = make_engine(f"sqlite:///{tmp_path / 'quietwatch.db'}")
    init_db(engine)
    try:
        head = audit.head_path(engine)
        with Session(engine) as session:
            block("contact_reviewer", origin="dashboard", engine_or_session=session)
            session.rollback()
        assert not head.exists()
        with Session(engine) as session:
            e = block("contact_reviewer", origin="dashboard", engine_or_session=session)
            assert not head.exists()
            session.commit()
        with Session(engine) as session:
            digest = session.get(AuditEntry, e.audit_id).entry_hash
        assert head.read_text(encoding="utf-8") == f"{e.audit_id} {digest}\n"
        assert audit.check(engine).ok
    finally:
        engine.dispose()


def test_a_stray_line_in_the_head_file_is_not_taken_for_an_entry(tmp_path) -> None:
    """Only "<id> <hash>" lines count: a note someone added does not break the check."""
    from guardrail.enforce import block

    engine = make_engine(f"sqlite:///{tmp_path / 'quietwatch.db'}")
    init_db(engine)
    try:
        block("reply_to_review", origin="cli", engine_or_session=engine)
        head = audit.head_path(engine)
        with open(head, "a", encoding="utf-8") as handle:
            handle.write("checked ok\nby hand, 2026-11-29\n7\n")
        report = audit.check(engine)
        assert report.ok and report.entries == 1, report.message
    finally:
        engine.dispose()


def test_blocking_an_allowed_action_says_it_is_allowed() -> None:
    import pytest

    from guardrail.enforce import NotBlockedError, block

    with pytest.raises(NotBlockedError, match=r"'correct_listing_facts' is allowed \(allowed\)"):
        block("correct_listing_facts", origin="cli", engine_or_session=None)  # type: ignore[arg-type]


def test_an_entrys_hash_can_be_recomputed_outside_quietwatch() -> None:
    """The documented form, so anyone can check the chain with a few lines of their own:
    SHA-256 of the previous hash (empty for the first entry) and a compact JSON array of
    the chained fields in order, times in UTC ISO 8601, other scripts' letters kept as is."""
    import hashlib
    from datetime import UTC, timedelta, timezone

    at = datetime(2026, 11, 29, 7, 30, tzinfo=timezone(timedelta(hours=-8)))
    values = {
        "id": 1,
        "at": at,
        "action_id": "reply_to_review",
        "rule_set": "bcacc",
        "rule_version": "1.0.0",
        "model_version": "2+abc",
        "origin": "dashboard",
        "user": "réception",
        "clinic_id": 3,
        "target": "review 7",
        "detail": "Québec",
    }
    text = (
        '[1,"2026-11-29T15:30:00+00:00","reply_to_review","bcacc","1.0.0","2+abc",'
        '"dashboard","réception",3,"review 7","Québec"]'
    )
    first = hashlib.sha256(text.encode("utf-8")).hexdigest()
    assert audit.entry_hash(None, values) == first
    second = hashlib.sha256((first + text).encode("utf-8")).hexdigest()
    assert audit.entry_hash(first, values) == second
    assert at.astimezone(UTC).hour == 15
