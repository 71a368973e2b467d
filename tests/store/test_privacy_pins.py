"""Privacy and secrets details the other tests leave open: what an erasure takes (and from
which review only), what it records, the wording of what a purge or an erasure reports, an
access request's exact shape and order, and the log filter and list scrubbing."""

import io
import json
import logging
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import Session, select

from store import crud, privacy
from store.db import session_scope
from store.models import Finding, Review, ReviewErasure, ReviewVersion
from store.privacy import Erased, PurgeResult
from store.secrets import guard_logs
from tests.dashboard.seed import NOW, RUN1_AT

# Not the wall clock: an erasure keeps the time it is given, not the time it ran.
ERASED_AT = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def _finding(s, clinic_id, key, review_id, excerpt):
    finding_id, _ = crud.record_finding(
        s,
        clinic_id=clinic_id,
        kind="disclosure",
        dedupe_key=key,
        review_id=review_id,
        excerpt=excerpt,
        seen_at=NOW,
    )
    return finding_id


def _excerpts(engine) -> dict[str, str | None]:
    with Session(engine) as s:
        return {f.dedupe_key: f.excerpt for f in s.exec(select(Finding))}


def test_an_erasure_takes_every_version_and_excerpt_of_its_review_and_nothing_else(engine, seeded):
    y2 = seeded.reviews["y2"]  # edited once by the seed: a second edit makes two versions
    with session_scope(engine) as s:
        crud.upsert_reviews(
            s,
            listing_id=seeded.listings["yelp"],
            seen_at=NOW,
            reviews=[{"site_review_id": "y2", "author": "Sam Smith", "rating": 1, "text": "v3"}],
        )
        _finding(s, seeded.clinic_id, "y2-a", y2, "my therapist Dr. X")
        _finding(s, seeded.clinic_id, "y2-b", y2, "my diagnosis")
    before = _excerpts(engine)
    with session_scope(engine) as s:
        erased = privacy.erase_review(s, review_id=y2, reason="erase", at=ERASED_AT, user="pat")
    assert (erased.fields, erased.versions, erased.excerpts) == (["author", "text"], 2, 2)
    assert (
        erased.describe()
        == f"review {y2}: author, text; 2 earlier version(s); 2 finding excerpt(s)"
    )
    after = _excerpts(engine)
    # Its own excerpts are gone (NULL, like the erased fields: not an empty string) ...
    assert after["y2-a"] is None and after["y2-b"] is None
    # ... every other review's (and the review-less solicitation's) are untouched.
    others = {k: v for k, v in before.items() if not k.startswith("y2-")}
    assert {k: after[k] for k in others} == others
    assert others["resp-y3"] == "Thank you for coming in!"
    with Session(engine) as s:
        assert s.exec(select(ReviewVersion).where(ReviewVersion.review_id == y2)).all() == []


def test_an_erasure_is_recorded_once_with_the_time_reason_and_user_given(engine, seeded):
    y3 = seeded.reviews["y3"]
    with session_scope(engine) as s:
        first = privacy.erase_review(s, review_id=y3, reason="erase", at=ERASED_AT, user="pat")
    assert first.describe() == f"review {y3}: author, text, owner response; 1 finding excerpt(s)"
    with session_scope(engine) as s:  # again: nothing left to take, the first record stays
        again = privacy.erase_review(
            s, review_id=y3, reason="retention", at=ERASED_AT + timedelta(days=1), user="sam"
        )
    assert again == Erased(review_id=y3)
    assert again.describe() == f"review {y3}: no field (already empty)"
    with Session(engine) as s:
        rows = s.exec(select(ReviewErasure).where(ReviewErasure.review_id == y3)).all()
        assert [(r.at, r.reason, r.user) for r in rows] == [(ERASED_AT, "erase", "pat")]
        with pytest.raises(LookupError, match=r"^no review 9999$"):
            privacy.erase_review(s, review_id=9999, reason="erase", at=ERASED_AT)


def test_an_erasure_describes_what_it_took():
    every = Erased(
        review_id=7,
        fields=["author", "title", "text", "owner_response", "url"],
        versions=2,
        excerpts=1,
    )
    assert every.describe() == (
        "review 7: author, title, text, owner response, url; "
        "2 earlier version(s); 1 finding excerpt(s)"
    )
    assert Erased(review_id=8, fields=["owner_response"]).describe() == "review 8: owner response"
    assert Erased(review_id=9).describe() == "review 9: no field (already empty)"
    assert Erased(review_id=10, versions=1).describe() == (
        "review 10: no field (already empty); 1 earlier version(s)"
    )


def test_a_purge_describes_each_thing_it_did_in_one_sentence_each():
    result = PurgeResult(
        names=3,
        expired=[
            Erased(review_id=1, fields=["author", "text"]),
            Erased(review_id=2, fields=["text"], excerpts=1),
        ],
        held=1,
        again=[
            Erased(review_id=3, fields=["author"]),
            Erased(review_id=4, fields=["text"], versions=1),
        ],
    )
    assert result.describe(keep_removed_days=90, keep_reviewer_names="initials") == (
        "3 reviewer name(s) reduced to initials. "
        "2 review(s) removed from their site more than 90 day(s) ago erased: "
        "review 1: author, text; review 2: text; 1 finding excerpt(s). "
        "1 removed review(s) kept: a compliance case is open. "
        "2 erased review(s) brought back by a crawl erased again: "
        "review 3: author; review 4: text; 1 earlier version(s)"
    )
    held_only = PurgeResult(held=2).describe(keep_removed_days=30, keep_reviewer_names="none")
    assert held_only == "2 removed review(s) kept: a compliance case is open"
    assert (
        PurgeResult().describe(keep_removed_days=90, keep_reviewer_names="initials")
        == "nothing to purge"
    )


def test_an_access_request_gets_one_reviews_data_only_in_order_as_plain_json(engine, seeded):
    y2 = seeded.reviews["y2"]
    with Session(engine) as s:
        h1 = s.exec(select(Review.id).where(Review.site_review_id == "h1")).one()
    with session_scope(engine) as s:
        # An earlier version stored after the seed's one: the record lists them oldest first.
        s.add(
            ReviewVersion(
                review_id=y2,
                valid_from=RUN1_AT - timedelta(days=30),
                valid_to=RUN1_AT,
                content_hash="0" * 64,
                text="The very first text.",
                rating=3,
            )
        )
        f_a = _finding(s, seeded.clinic_id, "y2-a", y2, "first")
        f_b = _finding(s, seeded.clinic_id, "y2-b", y2, "second")
    with session_scope(engine) as s:  # touched again: the row is rewritten, its id stays
        crud.record_finding(
            s,
            clinic_id=seeded.clinic_id,
            kind="disclosure",
            dedupe_key="y2-a",
            seen_at=NOW + timedelta(seconds=1),
        )
        other = s.exec(select(Finding.id).where(Finding.dedupe_key == "disc-1")).one()
        cases = [
            crud.append_case_entry(s, finding_id=f_b, status="acknowledged", user="pat"),
            crud.append_case_entry(s, finding_id=other, status="acknowledged", user="pat"),
            crud.append_case_entry(s, finding_id=f_a, status="acknowledged", user="pat"),
            crud.append_case_entry(s, finding_id=f_b, status="resolved", user="pat"),
        ]
        privacy.erase_review(s, review_id=h1, reason="erase", at=ERASED_AT, user="pat")
    with Session(engine) as s:
        record = privacy.review_record(s, review_id=y2)
        erased = privacy.review_record(s, review_id=h1)
    assert json.loads(json.dumps(record)) == record  # plain JSON: dates as ISO text
    assert json.loads(json.dumps(erased)) == erased
    assert set(record) == {
        "review",
        "listing",
        "earlier_versions",
        "findings",
        "case_log",
        "erasure",
    }
    assert record["review"]["id"] == y2
    assert record["listing"] == {
        "id": seeded.listings["yelp"],
        "site": "yelp",
        "url": "https://www.yelp.example/biz/allura",
    }
    assert [v["text"] for v in record["earlier_versions"]] == [
        "The very first text.",
        "Original text before the edit.",
    ]
    assert [f["id"] for f in record["findings"]] == [f_a, f_b]
    assert [c["id"] for c in record["case_log"]] == [cases[0], cases[2], cases[3]]
    assert record["erasure"] is None  # another review's erasure is not this one's
    assert erased["earlier_versions"] == [] and erased["findings"] == []
    assert erased["case_log"] == []
    assert erased["listing"]["site"] == "healthgrades"
    erasure = erased["erasure"]
    assert (erasure["review_id"], erasure["reason"], erasure["user"]) == (h1, "erase", "pat")
    assert datetime.fromisoformat(erasure["at"]) == ERASED_AT


def test_no_name_has_no_initials():
    assert privacy.initials(None) == ""
    assert privacy.initials("") == ""
    assert privacy.initials("Jane Q. Doe") == "J. Q. D."


def test_a_guarded_handler_writes_every_record_with_message_and_traceback_scrubbed():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    logger = logging.getLogger("tests.store.test_privacy_pins")
    logger.propagate = False
    logger.setLevel(logging.INFO)
    logger.addHandler(handler)
    try:
        guard_logs(logger)
        logger.warning("GET %s failed", "https://api.example/v1?key=sekrit-value-1&q=1")
        logger.info("plain %s", "text")
        try:
            raise RuntimeError("echoed https://api.example/v1?access_token=sekrit-value-2")
        except RuntimeError:
            logger.exception("call %s", "failed")
    finally:
        logger.removeHandler(handler)
        logger.propagate = True
        logger.setLevel(logging.NOTSET)
    out = stream.getvalue()
    assert "sekrit-value" not in out
    lines = out.splitlines()
    assert lines[:3] == [
        "WARNING GET https://api.example/v1?key=***&q=1 failed",
        "INFO plain text",
        "ERROR call failed",
    ]
    assert lines[3] == "Traceback (most recent call last):"
    assert lines[-1] == "RuntimeError: echoed https://api.example/v1?access_token=***"
