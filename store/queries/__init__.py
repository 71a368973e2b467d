"""Reads.  Everything outside the store reads it through these functions, by subject:
clinics, listings, reviews, runs and compliance.

Every function takes a session (on a read-only engine, in the dashboard), aggregates in
SQL where the tables are large (reviews), and returns the store's ``*Read`` models, which
can be cached and pickled.  Nothing here writes.
"""

from store.privacy import review_record
from store.queries.clinics import clinic_by_key, clinic_summaries, clinics
from store.queries.compliance import (
    audit_entries,
    audit_log,
    case_log,
    findings,
    findings_of_review,
    findings_of_runs,
    open_finding_counts,
)
from store.queries.listings import (
    ListingMemory,
    active_listings,
    confirmed_listings,
    crawl_memory,
    listing_changes,
    listing_history,
    listing_of_clinic,
    listings,
)
from store.queries.reviews import (
    RatingPoint,
    ReviewFilter,
    SiteSummary,
    count_reviews,
    rating_over_time,
    review_detail,
    review_page,
    review_sites,
    reviews_of_runs,
    site_summaries,
)
from store.queries.runs import (
    checks_of_run,
    last_good_run,
    last_notified,
    problems,
    problems_of_runs,
    runs,
    runs_by_ids,
    runs_since,
    runs_to_check,
    site_counts_of_runs,
    source_health,
)

__all__ = [
    "ListingMemory",
    "RatingPoint",
    "ReviewFilter",
    "SiteSummary",
    "active_listings",
    "audit_entries",
    "audit_log",
    "case_log",
    "checks_of_run",
    "clinic_by_key",
    "clinic_summaries",
    "clinics",
    "confirmed_listings",
    "count_reviews",
    "crawl_memory",
    "findings",
    "findings_of_review",
    "findings_of_runs",
    "last_good_run",
    "last_notified",
    "listing_changes",
    "listing_history",
    "listing_of_clinic",
    "listings",
    "open_finding_counts",
    "problems",
    "problems_of_runs",
    "rating_over_time",
    "review_detail",
    "review_page",
    "review_record",
    "review_sites",
    "reviews_of_runs",
    "runs",
    "runs_by_ids",
    "runs_since",
    "runs_to_check",
    "site_counts_of_runs",
    "site_summaries",
    "source_health",
]
