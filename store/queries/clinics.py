"""Reads about clinics: who is in the store, and one clinic by its key."""

from sqlmodel import Session, col, func, select

from store.models import Clinic, ClinicRead, CrawlRun, Listing


def clinics(session: Session) -> list[ClinicRead]:
    """Every clinic in the store, by name."""
    rows = session.exec(select(Clinic).order_by(Clinic.name, Clinic.id)).all()
    return [ClinicRead.model_validate(c, from_attributes=True) for c in rows]


def clinic_by_key(session: Session, key: str) -> ClinicRead | None:
    """The clinic a configuration describes (its ``[clinic] slug`` or name key)."""
    clinic = session.exec(select(Clinic).where(Clinic.key == key)).first()
    return ClinicRead.model_validate(clinic, from_attributes=True) if clinic else None


def clinic_summaries(session: Session) -> list[dict]:
    """Each clinic's key, name, number of listings and last crawl (``quietwatch clinics``)."""
    listings = (
        select(Listing.clinic_id, func.count(col(Listing.id)).label("n"))
        .group_by(col(Listing.clinic_id))
        .subquery()
    )
    crawls = (
        select(CrawlRun.clinic_id, func.max(CrawlRun.started_at).label("last"))
        .group_by(col(CrawlRun.clinic_id))
        .subquery()
    )
    rows = session.exec(
        select(Clinic.key, Clinic.name, listings.c.n, crawls.c.last)
        .outerjoin(listings, listings.c.clinic_id == col(Clinic.id))
        .outerjoin(crawls, crawls.c.clinic_id == col(Clinic.id))
        .order_by(Clinic.key)
    ).all()
    return [
        {"key": key, "name": name, "listings": int(n or 0), "last_crawl": last}
        for key, name, n, last in rows
    ]
