"""Pins from the 2026-11-30 mutation pass over guardrail/enforce.py: the plain words of an
explanation whose policy has no name, and of an attempt the audit log could not take."""

from dataclasses import replace

import pytest

from guardrail.enforce import explain


def test_a_quoted_policy_without_a_name_is_introduced_plainly_after_a_blank_line() -> None:
    e = replace(explain("reply_to_review"), policy_quote="We do not reply.", policy_source=None)
    lines = e.as_text().splitlines()
    at = lines.index("The clinic's policy says:")
    assert lines[at - 2 : at + 2] == [
        e.explanation,
        "",
        "The clinic's policy says:",
        '  "We do not reply."',
    ]


def test_an_attempt_kept_aside_says_where_and_how_it_reaches_the_log() -> None:
    e = replace(explain("reply_to_review"), pending_file="/var/lib/quietwatch/pending.jsonl")
    assert e.as_text().splitlines()[-1] == (
        "The audit log could not be reached just now, so this attempt was kept in "
        "/var/lib/quietwatch/pending.jsonl; the next `quietwatch init` or `quietwatch audit` "
        "adds it to the log."
    )


def test_a_block_in_a_session_keeps_nothing_aside(engine) -> None:
    from sqlmodel import Session

    from guardrail.enforce import block

    with Session(engine) as session:
        e = block("review_request", origin="cli", engine_or_session=session)
        session.commit()
    assert e.pending_file is None and e.audit_id == 1
    assert "could not be reached" not in e.as_text()


@pytest.mark.postgres
def test_a_block_in_a_session_on_a_server_store_writes_its_head_file_to_the_data_dir(
    pg_url: str, tmp_path
) -> None:
    from sqlmodel import Session

    from guardrail.enforce import block
    from store import audit
    from store.db import make_engine

    engine = make_engine(pg_url)
    try:
        with Session(engine) as session:
            block("review_request", origin="cli", engine_or_session=session, data_dir=tmp_path)
            session.commit()
        head = audit.head_path(engine, tmp_path)
        assert head is not None and head.parent == tmp_path and head.exists()
        assert [p.name for p in tmp_path.iterdir()] == [head.name]
    finally:
        engine.dispose()


def test_a_block_is_logged_with_who_where_and_under_which_rules(engine, caplog) -> None:
    import logging

    from guardrail.enforce import block
    from guardrail.rules import builtin

    rules = builtin()
    with caplog.at_level(logging.WARNING, logger="guardrail.enforce"):
        block("review_request", origin="dashboard", engine_or_session=engine)
        block("reply_to_review", origin="cli", engine_or_session=engine, user="mara")
    messages = [r.getMessage() for r in caplog.records if r.name == "guardrail.enforce"]
    assert messages == [
        f"blocked review_request from dashboard (user unknown, rule set {rules.id} "
        f"{rules.version_label}, audit entry 1)",
        f"blocked reply_to_review from cli (user mara, rule set {rules.id} "
        f"{rules.version_label}, audit entry 2)",
    ]
