"""Owner responses and over-disclosing reviews become findings, stored with record_finding."""

from datetime import UTC, datetime

import pytest
from sqlmodel import Session, select

from guardrail.findings import disclosures, review_findings
from store import crud
from store.models import Finding

REVIEW = {
    "site": "yelp",
    "review_key": "yelp:abc",
    "author": "A. Reviewer",
    "title": None,
    "text": "Helpful, kind and professional. Easy to book.",
    "owner_response": None,
}


def test_a_plain_review_gives_no_finding() -> None:
    assert review_findings(REVIEW) == []


def test_any_owner_response_is_a_critical_finding_with_a_stable_key() -> None:
    review = dict(REVIEW, owner_response="Thank you so much for your kind words!")
    (spec,) = review_findings(review)
    assert (spec.kind, spec.category, spec.rule_id, spec.severity) == (
        "owner_response",
        "owner_response",
        "reply_to_review",
        "critical",
    )
    assert "posing as the clinic" in spec.explanation and "impersonation" in spec.guidance
    assert spec.excerpt == "Thank you so much for your kind words!"
    assert review_findings(dict(review))[0].dedupe_key == spec.dedupe_key
    changed = dict(review, owner_response="Thanks again!")
    assert review_findings(changed)[0].dedupe_key != spec.dedupe_key
    other = dict(review, review_key="yelp:other")
    assert review_findings(other)[0].dedupe_key != spec.dedupe_key


def test_a_response_that_discloses_health_details_says_so() -> None:
    review = dict(REVIEW, owner_response="We are sorry your erectile dysfunction did not improve.")
    (spec,) = review_findings(review)
    assert spec.category == "owner_response_disclosure"
    assert "diagnosis or health condition" in spec.explanation


def test_a_review_that_discloses_too_much_is_flagged_with_guidance() -> None:
    review = dict(
        REVIEW,
        text="After my diagnosis of vaginismus my husband Mark and I started sessions. "
        "In our third session she told us to stop the sertraline.",
    )
    specs = review_findings(review)
    (spec,) = [s for s in specs if s.kind == "disclosure"]
    assert spec.category == "multiple" and spec.rule_id == "report_through_site"
    for words in ("diagnosis", "medication", "sessions", "name of another person"):
        assert words in spec.explanation
    assert "Never reply" in spec.guidance and "reporting route" in spec.guidance
    assert "never confirm or deny" in spec.guidance


@pytest.mark.parametrize(
    ("text", "category", "words"),
    [
        ("Dr. Lee helped with my DEPRESSION and PTSD.", "health_detail", "DEPRESSION"),
        ("The Zoloft dose finally made sense.", "medication", "Zoloft"),
        ("Write to me at someone.else@mail.example, no phone.", "contact_detail", "someone"),
        ("No e-mail, just call 604-555-0199 after five.", "contact_detail", "604-555-0199"),
        # "İ" lower-cases to two characters: the excerpt still starts at the right word
        ("İstanbul trip, then ANXIETY DISORDER came back.", "health_detail", "ANXIETY"),
    ],
)
def test_disclosures_are_found_in_any_case_and_the_excerpt_keeps_its_place(
    text: str, category: str, words: str
) -> None:
    (found,) = disclosures(text)
    assert found[0] == category
    assert text[found[2].start() :].startswith(words)


@pytest.mark.parametrize(
    ("text", "first"),
    [
        ("Call 604-555-0199 or write to a.b@mail.example.", "604"),
        ("Write to a.b@mail.example or call 604-555-0199.", "a.b@"),
    ],
)
def test_an_email_and_a_phone_number_are_one_contact_finding_at_the_first(
    text: str, first: str
) -> None:
    (found,) = disclosures(text)
    assert found[0] == "contact_detail" and found[2].start() == text.index(first)


def test_findings_are_stored_once_with_record_finding(engine) -> None:
    review = dict(REVIEW, owner_response="Thanks!", text="My therapist helped with my depression.")
    now = datetime(2026, 11, 25, tzinfo=UTC)
    with Session(engine) as session:
        clinic = crud.ensure_clinic(session, key="test", name="Test Clinic")
        session.flush()
        for _ in range(2):  # a second crawl finds the same things again
            for spec in review_findings(review):
                crud.record_finding(session, clinic_id=clinic, seen_at=now, **spec.record_fields())
        session.commit()
        rows = session.exec(select(Finding).order_by(Finding.kind)).all()
    assert [(r.kind, r.severity) for r in rows] == [
        ("disclosure", "warning"),
        ("owner_response", "critical"),
    ]
