"""Privacy (BC PIPA): `quietwatch erase review N`, `quietwatch export review N`, and the
purge that runs after every crawl.

Every purge that changed something and every erasure is appended to the audit log (action
``privacy_purge`` or ``privacy_erase``, rule set ``privacy``, version
``<keep_removed_days>d/<keep_reviewer_names>``), with what was erased in plain words.  The
entries never hold what was erased, only what kind of thing and how much.
"""

import json
import logging
from datetime import UTC, datetime
from pathlib import Path

import click

from dashboard.auth import os_user
from quietwatch.cli import Context, pass_ctx
from quietwatch.console import console
from store import audit, privacy, queries
from store.config import QuietWatchConfig, data_dir
from store.db import Engine, Session, session_scope
from store.models import ReviewRead

logger = logging.getLogger(__name__)

RULE_SET = "privacy"


def _version(config: QuietWatchConfig) -> str:
    return f"{config.privacy.keep_removed_days}d/{config.privacy.keep_reviewer_names}"


def purge_after_crawl(
    config: QuietWatchConfig, engine: Engine, *, now: datetime | None = None
) -> privacy.PurgeResult | None:
    """Apply ``[privacy]`` to the clinic's store and record it in the audit log (one
    transaction: no purge without its record)."""
    now = now or datetime.now(UTC)
    with session_scope(engine) as session:
        clinic = queries.clinic_by_key(session, config.clinic.key)
        if clinic is None:
            return None
        result = privacy.purge(
            session,
            clinic_id=clinic.id,
            keep_removed_days=config.privacy.keep_removed_days,
            keep_reviewer_names=config.privacy.keep_reviewer_names,
            now=now,
        )
        if result.changed:
            audit.append(
                session,
                head_file=audit.head_path(engine, data_dir(config)),
                action_id="privacy_purge",
                rule_set=RULE_SET,
                rule_version=_version(config),
                origin="crawl",
                user=os_user(),
                clinic_id=clinic.id,
                target="reviews",
                detail=result.describe(
                    keep_removed_days=config.privacy.keep_removed_days,
                    keep_reviewer_names=config.privacy.keep_reviewer_names,
                ),
            )
    if result.changed:
        logger.info("privacy purge: %s", result.names + len(result.expired) + len(result.again))
    return result


def _review_of_clinic(session: Session, config: QuietWatchConfig, review_id: int) -> ReviewRead:
    """The clinic's review ``review_id`` (never another clinic's), or a plain error."""
    clinic = queries.clinic_by_key(session, config.clinic.key)
    detail = (
        queries.review_detail(session, clinic_id=clinic.id, review_id=review_id) if clinic else None
    )
    if detail is None:
        raise click.ClickException(f"no review {review_id} for {config.clinic.name}")
    return detail.review


@click.group()
def erase() -> None:
    """Erase someone's information (a request under BC PIPA)."""


@erase.command("review")
@click.argument("review_id", type=int)
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@pass_ctx
def erase_review(ctx: Context, review_id: int, yes: bool) -> None:
    """Erase review REVIEW_ID's author, title, text, owner response, URL, earlier versions
    and the finding excerpts that quote it.  The row's keys stay, so a later crawl knows it
    and does not collect it again (the purge after each crawl erases anything that comes
    back).  Recorded in the audit log with what was erased."""
    config = ctx.config
    with Session(ctx.engine) as session:
        review = _review_of_clinic(session, config, review_id)
        site = review.site
    if not yes:
        click.confirm(
            f"Erase what review {review_id} ({site}) holds about its reviewer?", abort=True
        )
    now = datetime.now(UTC)
    with session_scope(ctx.engine) as session:
        review = _review_of_clinic(session, config, review_id)
        erased = privacy.erase_review(
            session, review_id=review_id, reason="erase", at=now, user=os_user()
        )
        entry = audit.append(
            session,
            head_file=audit.head_path(ctx.engine, ctx.data_dir),
            action_id="privacy_erase",
            rule_set=RULE_SET,
            rule_version=_version(config),
            origin="cli",
            user=os_user(),
            clinic_id=queries.clinic_by_key(session, config.clinic.key).id,
            target=f"review {review_id}",
            detail=f"erased on request: {erased.describe()}",
        )
    console.print(f"Erased {erased.describe()}.", markup=False)
    console.print(f"Recorded in the audit log as entry {entry}.")


@click.group()
def export() -> None:
    """Export what QuietWatch holds (an access request under BC PIPA)."""


@export.command("review")
@click.argument("review_id", type=int)
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Write the JSON here instead of printing it.",
)
@pass_ctx
def export_review(ctx: Context, review_id: int, output: Path | None) -> None:
    """Everything the store holds about review REVIEW_ID, as JSON: the review, its earlier
    versions, its listing, the findings about it and their case log, and any erasure."""
    with Session(ctx.read_engine) as session:
        _review_of_clinic(session, ctx.config, review_id)
        record = privacy.review_record(session, review_id=review_id)
    text = json.dumps(record, indent=2, ensure_ascii=False)
    if output is None:
        click.echo(text)
    else:
        output.write_text(text + "\n", encoding="utf-8")
        console.print(f"Review {review_id}'s stored data written to {output}.", markup=False)
