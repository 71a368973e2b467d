"""After a crawl: a digest through the Apprise URLs in ``[notifications] urls`` (e-mail,
Slack, Teams, ...): new reviews (counts per site and a link to the dashboard), listing
changes, compliance findings and failing sources.

A notification channel is not a confidential one, so review text (and finding excerpts,
which quote reviews) go out only when ``include_review_text = true``.  Every delivery,
successful or not, is recorded in the store.
"""

import logging
from dataclasses import dataclass, field

from quietwatch.monitor import Check
from store import crud, queries
from store.config import QuietWatchConfig
from store.db import Engine, Session, session_scope
from store.secrets import scrub

logger = logging.getLogger(__name__)

TEXT_LIMIT = 1500
# Problems that are news but not failures (a stated count above what the pages show).
# Stale sources arrive as checks; a source not set up or no longer giving anything is no failure.
NOT_FAILURES = ("shortfall", "stale", "not_set_up", "unavailable")


@dataclass
class Digest:
    title: str
    body: str
    newsworthy: bool
    counts: dict[str, int] = field(default_factory=dict)


def _link(config: QuietWatchConfig, page: str) -> str:
    return f"{config.notifications.dashboard_url.rstrip('/')}/{page}"


def build_digest(
    session: Session, config: QuietWatchConfig, run_ids: list[int], checks: list[Check]
) -> Digest:
    clinic = queries.clinic_by_key(session, config.clinic.key)
    name = clinic.name if clinic else config.clinic.name
    per_site = queries.site_counts_of_runs(session, run_ids=run_ids)
    totals = {k: sum(s[k] for s in per_site.values()) for k in ("new", "changed", "removed")}
    changes = queries.listing_changes(session, run_ids=run_ids)
    findings = queries.findings_of_runs(session, run_ids=run_ids)
    failing = [c for c in checks if c.failing]
    problems = [
        p
        for p in queries.problems_of_runs(session, run_ids=run_ids, exclude_kinds=NOT_FAILURES)
        if not p.kind.startswith("check_")
    ]
    runs = queries.runs_by_ids(session, run_ids=run_ids)
    include_text = config.notifications.include_review_text

    lines = [f"QuietWatch digest for {name}", ""]
    lines.append(
        f"New reviews: {totals['new']} · changed: {totals['changed']} · removed: {totals['removed']}"
        f" ({len(runs)} crawl run(s))"
    )
    for site in sorted(per_site):
        c = per_site[site]
        if any(c.values()):
            lines.append(
                f"  {site}: {c['new']} new, {c['changed']} changed, {c['removed']} removed"
            )
    if any(totals.values()):
        lines.append(f"  See them: {_link(config, 'reviews')}")
    if include_text and totals["new"] + totals["changed"]:
        reviews = queries.reviews_of_runs(session, run_ids=run_ids)
        lines += ["", "Review text (included because the configuration asks for it):"]
        for review in reviews:
            rating = f"{review.rating:g}★ " if review.rating is not None else ""
            when = review.published_raw or (
                review.published_at.date().isoformat() if review.published_at else ""
            )
            text = (review.text or "").strip()
            if len(text) > TEXT_LIMIT:
                text = text[:TEXT_LIMIT] + "…"
            lines.append(f"  [{review.site}] {rating}{when}: {text}")
    if changes:
        lines += ["", f"Listing changes: {len(changes)}"]
        for listing, fields in changes:
            lines.append(f"  {listing.site} {listing.url}: {', '.join(fields)} changed")
        lines.append(f"  See them: {_link(config, 'listings')}")
    if findings:
        lines += ["", f"Compliance findings: {len(findings)} new"]
        for finding in findings:
            lines.append(f"  [{finding.severity}] {finding.kind}: {finding.source_url or ''}")
            if include_text and finding.excerpt:
                lines.append(f"    “{finding.excerpt[:TEXT_LIMIT]}”")
        lines.append(f"  See them: {_link(config, 'compliance')}")
    if failing or problems:
        lines += ["", f"Failing sources and checks: {len(problems) + len(failing)}"]
        for problem in problems:
            lines.append(f"  [{problem.kind}] {problem.url or ''}: {problem.message}")
        for check in failing:
            lines.append(
                f"  [{check.status}] {check.name}: {check.message}"
                + (f" ({check.url})" if check.url else "")
            )
        lines.append(f"  See them: {_link(config, 'health')}")
    if not include_text:
        lines += [
            "",
            "Review text is not included: a notification channel is not a confidential one. "
            f"Read the reviews on the dashboard: {_link(config, 'reviews')}",
        ]
    failing_count = len(problems) + len(failing)
    newsworthy = bool(any(totals.values()) or changes or findings or failing_count)
    parts = [f"{totals['new']} new review(s)"]
    if changes:
        parts.append(f"{len(changes)} listing change(s)")
    if findings:
        parts.append(f"{len(findings)} compliance finding(s)")
    if failing_count:
        parts.append(f"{failing_count} problem(s)")
    return Digest(
        title=f"QuietWatch · {name}: " + ", ".join(parts),
        body="\n".join(lines) + "\n",
        newsworthy=newsworthy,
        counts={
            **totals,
            "listing_changes": len(changes),
            "findings": len(findings),
            "failing": failing_count,
        },
    )


def _scheme(url: str) -> str:
    return url.split("://", 1)[0] if "://" in url else "?"


def deliver(title: str, body: str, urls: list[str]) -> list[tuple[str, bool, str | None]]:
    """Send through each Apprise URL on its own; (scheme, ok, error) per URL, no secrets."""
    import apprise

    outcomes = []
    for url in urls:
        sender = apprise.Apprise()
        if not sender.add(url):
            outcomes.append((_scheme(url), False, f"not a valid Apprise URL ({_scheme(url)}://…)"))
            continue
        try:
            ok = bool(sender.notify(title=title, body=body, body_format=apprise.NotifyFormat.TEXT))
        except Exception as exc:  # a broken channel must not break the crawl
            ok, error = False, f"{type(exc).__name__}: {exc}"
        else:
            error = None if ok else f"delivery through {_scheme(url)}:// failed"
        outcomes.append((_scheme(url), ok, error))
    return outcomes


def notify_after_run(
    config: QuietWatchConfig,
    engine: Engine,
    run_ids: list[int],
    checks: list[Check],
    *,
    force: bool = False,
) -> Digest | None:
    """Build the digest and send it when there is news (or ``force``); record each delivery."""
    urls = config.notifications.urls
    if not urls:
        return None
    with session_scope(engine) as session:
        digest = build_digest(session, config, run_ids, checks)
    if not (digest.newsworthy or force):
        logger.info("nothing new: no notification sent")
        return digest
    outcomes = deliver(scrub(digest.title), scrub(digest.body), urls)
    with session_scope(engine) as session:
        clinic = queries.clinic_by_key(session, config.clinic.key)
        for scheme, ok, error in outcomes:
            crud.record_notification(
                session,
                kind="digest",
                title=f"{digest.title} [{scheme}]",
                ok=ok,
                error=error,
                run_id=max(run_ids) if run_ids else None,
                clinic_id=clinic.id if clinic else None,
            )
            if not ok:
                logger.warning("notification not delivered: %s", error)
    return digest
