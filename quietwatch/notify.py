"""After a crawl: a digest through the Apprise URLs in ``[notifications] urls`` (e-mail,
Slack, Teams, ...): new reviews (counts per site and a link to the dashboard), listing
changes, compliance findings and failing sources; and the alerts of the ``[[alerts]]``
rules, each to its own channels, at once or in a daily or weekly digest.

A notification channel is not a confidential one, so review text (and finding excerpts,
which quote reviews) go out only when ``include_review_text = true``.  Every delivery,
successful or not, is recorded in the store.
"""

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

from dashboard import labels
from quietwatch.monitor import Check
from store import audit, crud, queries
from store.config import AlertRule, QuietWatchConfig
from store.db import Engine, Session, session_scope
from store.models import ListingStatus
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
    chain = audit.verify(session)  # kept outside the store, the head hash anchors the log
    lines += [
        "",
        f"Audit log: {chain.entries} entries; the newest entry's hash is "
        f"{chain.head or '(none yet)'}"
        + ("" if chain.ok else f" — DOES NOT HOLD: {chain.message}"),
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


# -- alerts by rule ([[alerts]]) ----------------------------------------------------------
DIGEST_PERIOD = {"daily": timedelta(days=1), "weekly": timedelta(days=7)}


@dataclass
class AlertEvent:
    """One thing an alert rule tells about: plain words and a dashboard link; the review's
    words only when the rule asks for them."""

    line: str
    link: str
    text: str | None = None


def _link_to(config: QuietWatchConfig, page: str, **params: object) -> str:
    query = f"?{urlencode(params)}" if params else ""
    return f"{_link(config, page)}{query}"


def _review_events(
    session: Session,
    config: QuietWatchConfig,
    rule: AlertRule,
    clinic_id: int,
    window: "Window",
) -> list[AlertEvent]:
    flt = queries.ReviewFilter(
        new_since=window.since if window.run_ids is None else None,
        new_in_runs=tuple(window.run_ids or ()),
        removed=False,
        max_rating=rule.max_rating,
    )
    reviews = queries.review_page(session, clinic_id=clinic_id, flt=flt, limit=200)
    what = "a new review" if rule.kind == "new_review" else "a new low-rated review"
    return [
        AlertEvent(
            f"{labels.site(r.site)}: {what}"
            + (f", rated {r.rating:g}" if r.rating is not None else ""),
            _link_to(config, "reviews", review=r.id),
            r.text,
        )
        for r in reversed(reviews)
    ]


def _finding_events(
    session: Session,
    config: QuietWatchConfig,
    rule: AlertRule,
    clinic_id: int,
    window: "Window",
) -> list[AlertEvent]:
    if window.run_ids is not None:
        found = [
            f
            for f in queries.findings_of_runs(session, run_ids=window.run_ids)
            if f.kind == rule.kind
        ]
    else:
        found = [
            f
            for f in queries.findings(session, clinic_id=clinic_id, kinds=[rule.kind])
            if f.first_seen_at >= window.since
        ]
    return [
        AlertEvent(
            f"{labels.site(f.site) or 'The clinic’s own website'}: "
            f"{labels.finding_kind(f.kind).lower()} ({labels.severity(f.severity).lower()})",
            _link_to(config, "compliance", finding=f.id),
            f.excerpt,
        )
        for f in found
        if f.open
    ]


def _run_events(
    session: Session, config: QuietWatchConfig, rule: AlertRule, clinic_id: int, runs: list
) -> list[AlertEvent]:
    events = []
    listings = {row.id: row for row in queries.active_listings(session, clinic_id=clinic_id)}
    for run in runs:
        if rule.kind == "degraded_layout" and run.degraded_fields:
            events.append(
                AlertEvent(
                    f"{labels.site(run.spider)}: fields vanished from its pages (a changed "
                    f"layout?): {', '.join(run.degraded_fields)}",
                    _link_to(config, "health"),
                )
            )
        if rule.kind != "source_failing":
            continue
        for listing_id, check in queries.checks_of_run(session, run_id=run.id).items():
            status = ListingStatus(check.status)
            if status.good or status is ListingStatus.PARTIAL or listing_id not in listings:
                continue
            events.append(
                AlertEvent(
                    f"{labels.listing(listing_id, listings[listing_id].site)}: "
                    f"{labels.listing_status(status).lower()}"
                    + (f" ({check.message})" if check.message else ""),
                    _link_to(config, "health"),
                )
            )
    return events


@dataclass
class Window:
    """What an alert covers: the runs of the crawl that just ended (immediate), or
    everything since the rule's last digest (daily, weekly)."""

    since: datetime
    run_ids: list[int] | None  # None: a digest's window, by time
    runs: list = field(default_factory=list)


def alert_events(
    session: Session,
    config: QuietWatchConfig,
    rule: AlertRule,
    *,
    clinic_id: int,
    window: Window,
    audit_problem: str | None = None,
) -> list[AlertEvent]:
    """What ``rule`` has to tell about in ``window``."""
    if rule.kind in ("new_review", "low_rating"):
        return _review_events(session, config, rule, clinic_id, window)
    if rule.kind in ("owner_response", "disclosure"):
        return _finding_events(session, config, rule, clinic_id, window)
    if rule.kind == "audit_chain_broken":
        return [AlertEvent(audit_problem, _link_to(config, "compliance"))] if audit_problem else []
    return _run_events(session, config, rule, clinic_id, window.runs)


def alert_message(name: str, rule: AlertRule, events: list[AlertEvent]) -> tuple[str, str]:
    """Title and body: link-only unless the rule includes review text."""
    what = rule.kind.replace("_", " ")
    title = f"QuietWatch · {name}: {len(events)} × {what}"
    lines = [f"QuietWatch alert ({rule.key}) for {name}", ""]
    for event in events:
        lines.append(f"- {event.line}")
        lines.append(f"  {event.link}")
        if rule.include_review_text and event.text:
            text = event.text.strip()
            lines.append(f"  “{text[:TEXT_LIMIT]}{'…' if len(text) > TEXT_LIMIT else ''}”")
    if not rule.include_review_text:
        lines += [
            "",
            "Review text is not included: a notification channel is not a confidential one. "
            "Follow the links to read it on the dashboard.",
        ]
    return title, "\n".join(lines) + "\n"


def send_alerts(
    config: QuietWatchConfig,
    engine: Engine,
    run_ids: list[int],
    checks: list[Check],
    *,
    now: datetime | None = None,
    audit_problem: str | None = None,
) -> list[tuple[AlertRule, int]]:
    """Each ``[[alerts]]`` rule that is due: immediate ones after every crawl (for what the
    crawl found), digests once a day or week (for what came since the last one).  Every
    delivery is recorded (``notification`` kind ``alert:<rule>``).  Returns (rule, number of
    things told) for each message sent."""
    del checks  # the stale check is a schedule matter; failing sources come from the runs
    now = now or datetime.now(UTC)
    sent: list[tuple[AlertRule, int]] = []
    for rule in config.alerts:
        kind = f"alert:{rule.key}"
        with Session(engine) as session:
            clinic = queries.clinic_by_key(session, config.clinic.key)
            if clinic is None:
                return sent
            if rule.when == "immediately":
                runs = queries.runs_by_ids(session, run_ids=run_ids)
                window = Window(now, list(run_ids), runs)
            else:
                last = queries.last_notified(session, clinic_id=clinic.id, kind=kind)
                if last is not None and now - last < DIGEST_PERIOD[rule.when]:
                    continue
                since = last or now - DIGEST_PERIOD[rule.when]
                runs = queries.runs_since(session, clinic_id=clinic.id, since=since)
                window = Window(since, None, runs)
            events = alert_events(
                session,
                config,
                rule,
                clinic_id=clinic.id,
                window=window,
                audit_problem=audit_problem,
            )
        if not events:
            continue
        title, body = alert_message(clinic.name, rule, events)
        outcomes = deliver(title, body, rule.urls)
        with session_scope(engine) as session:
            for scheme, ok, error in outcomes:
                crud.record_notification(
                    session,
                    kind=kind,
                    title=f"{title} [{scheme}]",
                    ok=ok,
                    error=error,
                    run_id=max(run_ids) if run_ids else None,
                    clinic_id=clinic.id,
                    at=now,
                )
                if not ok:
                    logger.warning("alert %s not delivered: %s", rule.key, error)
        sent.append((rule, len(events)))
    return sent
