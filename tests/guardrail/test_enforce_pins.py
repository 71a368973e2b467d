"""Pins from the 2026-11-30 mutation pass over guardrail/enforce.py: the plain words of an
explanation whose policy has no name, and of an attempt the audit log could not take."""

from dataclasses import replace

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
