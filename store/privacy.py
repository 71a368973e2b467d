"""What QuietWatch keeps about reviewers, and how it forgets (BC PIPA: no more than the
purpose needs, for no longer than it needs it).

- :func:`purge` runs after every crawl: it reduces reviewer names to what
  ``[privacy] keep_reviewer_names`` allows, erases reviews the site took down more than
  ``keep_removed_days`` ago (unless a compliance case about them is still open), and erases
  again whatever a later crawl brought back of an erased review;
- :func:`erase_review` answers a person's request to remove their information;
- :func:`review_record` is everything the store holds about one review (an access request).

Erasing keeps the row's keys and content hash, so the next crawl recognises the review as
one it already holds and does not collect it again; what it drops is everything the
reviewer wrote or is: author, title, text, the owner's response, the review's own URL, the
earlier versions and the finding excerpts that quote it.  The caller records each purge
and erasure in the audit log (``store.crud.append_audit``).
"""

import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal

from sqlmodel import Session, col, select

from store.models import (
    CaseEntry,
    CaseStatus,
    Finding,
    Listing,
    Review,
    ReviewErasure,
    ReviewVersion,
)

NameMode = Literal["as_shown", "initials", "none"]

#: The review fields a reviewer wrote or is; an erasure empties them.
ERASED_FIELDS = ("author", "title", "text", "owner_response", "url")


def initials(name: str | None) -> str:
    """'Jane Q. Doe' -> 'J. Q. D.'; nothing more of the name is kept (idempotent)."""
    if not name:
        return ""
    letters = []
    for word in name.split():
        for char in unicodedata.normalize("NFC", word):
            if char.isalnum():
                letters.append(char.upper() + ".")
                break
    return " ".join(letters)


def reduce_name(name: str | None, mode: NameMode) -> str | None:
    """A reviewer's name as ``keep_reviewer_names`` allows it to be kept."""
    if mode == "none" or not name:
        return None
    if mode == "initials":
        return initials(name) or None
    return name


@dataclass
class Erased:
    """What one erasure took out of the store."""

    review_id: int
    fields: list[str] = field(default_factory=list)
    versions: int = 0
    excerpts: int = 0

    def describe(self) -> str:
        parts = [", ".join(f.replace("_", " ") for f in self.fields) or "no field (already empty)"]
        if self.versions:
            parts.append(f"{self.versions} earlier version(s)")
        if self.excerpts:
            parts.append(f"{self.excerpts} finding excerpt(s)")
        return f"review {self.review_id}: " + "; ".join(parts)


def erase_review(
    session: Session,
    *,
    review_id: int,
    reason: Literal["erase", "retention"],
    at: datetime,
    user: str | None = None,
) -> Erased:
    """Erase what a reviewer wrote or is from one review (see the module's docstring)."""
    review = session.get(Review, review_id)
    if review is None:
        raise LookupError(f"no review {review_id}")
    erased = Erased(review_id=review_id)
    for name in ERASED_FIELDS:
        if getattr(review, name):
            erased.fields.append(name)
            setattr(review, name, None)
    for version in session.exec(select(ReviewVersion).where(ReviewVersion.review_id == review_id)):
        session.delete(version)
        erased.versions += 1
    for finding in session.exec(select(Finding).where(Finding.review_id == review_id)):
        if finding.excerpt:
            finding.excerpt = None
            erased.excerpts += 1
    if session.exec(select(ReviewErasure).where(ReviewErasure.review_id == review_id)).first():
        session.flush()
        return erased
    session.add(ReviewErasure(review_id=review_id, at=at, reason=reason, user=user))
    session.flush()
    return erased


@dataclass
class PurgeResult:
    names: int = 0  # reviewer names reduced
    expired: list[Erased] = field(default_factory=list)  # removed long enough ago
    held: int = 0  # removed long enough ago, but a compliance case about them is open
    again: list[Erased] = field(default_factory=list)  # erased before, brought back by a crawl

    @property
    def changed(self) -> bool:
        return bool(self.names or self.expired or self.again)

    def describe(self, *, keep_removed_days: int, keep_reviewer_names: str) -> str:
        lines = []
        if self.names:
            lines.append(f"{self.names} reviewer name(s) reduced to {keep_reviewer_names}")
        if self.expired:
            lines.append(
                f"{len(self.expired)} review(s) removed from their site more than "
                f"{keep_removed_days} day(s) ago erased: "
                + "; ".join(e.describe() for e in self.expired)
            )
        if self.held:
            lines.append(f"{self.held} removed review(s) kept: a compliance case is open")
        if self.again:
            lines.append(
                f"{len(self.again)} erased review(s) brought back by a crawl erased again: "
                + "; ".join(e.describe() for e in self.again)
            )
        return ". ".join(lines) or "nothing to purge"


def _open_case_reviews(session: Session, clinic_id: int) -> set[int]:
    """Reviews with a finding whose case is not closed (no entry, or its latest is open)."""
    latest: dict[int, str] = {}
    for finding_id, status in session.exec(
        select(CaseEntry.finding_id, CaseEntry.status)
        .where(CaseEntry.clinic_id == clinic_id)
        .order_by(col(CaseEntry.id))
    ):
        latest[finding_id] = status
    open_reviews = set()
    for finding_id, review_id in session.exec(
        select(Finding.id, Finding.review_id).where(
            Finding.clinic_id == clinic_id, col(Finding.review_id).is_not(None)
        )
    ):
        status = latest.get(finding_id)
        if status is None or not CaseStatus(status).closes:
            open_reviews.add(review_id)
    return open_reviews


def purge(
    session: Session,
    *,
    clinic_id: int,
    keep_removed_days: int,
    keep_reviewer_names: NameMode,
    now: datetime,
) -> PurgeResult:
    """Apply the clinic's privacy settings to what the store holds (see the module)."""
    result = PurgeResult()
    if keep_reviewer_names != "as_shown":
        rows = session.exec(
            select(Review.id, Review.author).where(
                Review.clinic_id == clinic_id, col(Review.author).is_not(None)
            )
        ).all()
        for review_id, author in rows:
            reduced = reduce_name(author, keep_reviewer_names)
            if reduced != author:
                session.get(Review, review_id).author = reduced
                result.names += 1
    erased_ids = set(
        session.exec(
            select(ReviewErasure.review_id)
            .join(Review, col(Review.id) == col(ReviewErasure.review_id))
            .where(Review.clinic_id == clinic_id)
        ).all()
    )
    cutoff = now - timedelta(days=keep_removed_days)
    expired = session.exec(
        select(Review.id).where(
            Review.clinic_id == clinic_id,
            col(Review.removed_at).is_not(None),
            col(Review.removed_at) <= cutoff,
        )
    ).all()
    held = _open_case_reviews(session, clinic_id)
    for review_id in expired:
        if review_id in erased_ids:
            continue
        if review_id in held:
            result.held += 1
            continue
        result.expired.append(
            erase_review(session, review_id=review_id, reason="retention", at=now)
        )
    if erased_ids:
        back = [
            review.id
            for review in session.exec(select(Review).where(col(Review.id).in_(erased_ids)))
            if any(getattr(review, name) for name in ERASED_FIELDS)
            or session.exec(
                select(ReviewVersion.id).where(ReviewVersion.review_id == review.id)
            ).first()
        ]
        for review_id in back:
            result.again.append(erase_review(session, review_id=review_id, reason="erase", at=now))
    session.flush()
    return result


def review_record(session: Session, *, review_id: int) -> dict[str, Any] | None:
    """Everything the store holds about one review, as plain JSON-able data."""
    review = session.get(Review, review_id)
    if review is None:
        return None
    listing = session.get(Listing, review.listing_id)
    versions = session.exec(
        select(ReviewVersion)
        .where(ReviewVersion.review_id == review_id)
        .order_by(col(ReviewVersion.valid_from))
    ).all()
    findings = session.exec(
        select(Finding).where(Finding.review_id == review_id).order_by(col(Finding.id))
    ).all()
    cases = session.exec(
        select(CaseEntry)
        .where(col(CaseEntry.finding_id).in_([f.id for f in findings]))
        .order_by(col(CaseEntry.id))
    ).all()
    erasure = session.exec(
        select(ReviewErasure).where(ReviewErasure.review_id == review_id)
    ).first()
    return {
        "review": review.model_dump(mode="json"),
        "listing": {"id": listing.id, "site": listing.site, "url": listing.url},
        "earlier_versions": [v.model_dump(mode="json") for v in versions],
        "findings": [f.model_dump(mode="json") for f in findings],
        "case_log": [c.model_dump(mode="json") for c in cases],
        "erasure": erasure.model_dump(mode="json") if erasure else None,
    }
