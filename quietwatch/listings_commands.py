"""`quietwatch listings`: the clinic's listings, and deciding on discovered ones.

Confirming or dismissing a discovered listing is a deliberate act by a person, so it lives
here (and in the config), never in the dashboard.  A dismissed listing is never proposed
again.
"""

import json
from typing import Any

import click
from rich.console import Console
from rich.table import Table
from sqlmodel import Session, select

from store import crud
from store.db import make_engine, session_scope
from store.models import Clinic, Listing

console = Console(highlight=False)


def _clinic(session: Session, key: str) -> Clinic:
    clinic = session.exec(select(Clinic).where(Clinic.key == key)).first()
    if clinic is None:
        raise click.ClickException(
            f"no clinic '{key}' in the store yet: run `quietwatch init` first"
        )
    return clinic


@click.group(invoke_without_command=True)
@click.option(
    "--origin",
    type=click.Choice(["configured", "discovered", "confirmed", "dismissed"]),
    help="Only listings of this origin.",
)
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.option(
    "--clinic",
    "clinic_key",
    help="Another clinic in a shared store (its key; see `quietwatch clinics`).  "
    "Default: the configuration's clinic.",
)
@click.pass_context
def listings(ctx: click.Context, origin: str | None, as_json: bool, clinic_key: str | None) -> None:
    """List the clinic's listings: configured, found by a search ("discovered", not yet
    confirmed), confirmed, dismissed."""
    if ctx.invoked_subcommand is not None:
        return
    qw = ctx.obj
    engine = make_engine(qw.db_url, read_only=True)
    try:
        with Session(engine) as session:
            clinic = _clinic(session, clinic_key or qw.config.clinic.key)
            query = (
                select(Listing)
                .where(Listing.clinic_id == clinic.id)
                .order_by(Listing.site, Listing.id)
            )
            if origin:
                query = query.where(Listing.origin == origin)
            rows = list(session.exec(query))
            clinic_name = clinic.name
    finally:
        engine.dispose()
    if as_json:
        click.echo(
            json.dumps(
                [
                    {
                        "id": r.id,
                        "site": r.site,
                        "url": r.url,
                        "origin": r.origin,
                        "last_status": r.last_status,
                        "match_reason": r.match_reason,
                        "gone_at": r.gone_at.isoformat() if r.gone_at else None,
                    }
                    for r in rows
                ],
                indent=2,
            )
        )
        return
    table = Table(title=f"Listings of {clinic_name}", title_justify="left")
    for column in ("id", "site", "origin", "status", "url", "why we think it is the clinic"):
        table.add_column(column)
    for r in rows:
        origin_label = "found, not yet confirmed" if r.origin == "discovered" else r.origin
        table.add_row(
            str(r.id), r.site, origin_label, r.last_status or "-", r.url, r.match_reason or ""
        )
    console.print(table)
    if any(r.origin == "discovered" for r in rows):
        console.print(
            "Confirm with `quietwatch listings confirm ID`, or dismiss with `quietwatch listings dismiss ID`."
        )


def _decide(ctx: click.Context, listing_id: int, decision: str) -> None:
    qw = ctx.obj
    engine = make_engine(qw.db_url)
    try:
        with session_scope(engine) as session:
            clinic = _clinic(session, qw.config.clinic.key)
            listing = session.get(Listing, listing_id)
            if listing is None or listing.clinic_id != clinic.id:
                raise click.ClickException(f"no listing {listing_id} for {qw.config.clinic.name}")
            if listing.origin == "configured":
                raise click.ClickException(
                    f"listing {listing_id} is in the config file; remove it there instead"
                )
            crud.decide_listing(session, listing_id=listing_id, decision=decision)
            url = listing.url
    finally:
        engine.dispose()
    if decision == "confirmed":
        console.print(f"Confirmed listing {listing_id} ({url}); it will be crawled from now on.")
    else:
        console.print(f"Dismissed listing {listing_id} ({url}); it will not be proposed again.")


@listings.command()
@click.argument("listing_id", type=int)
@click.pass_context
def confirm(ctx: click.Context, listing_id: int) -> None:
    """Confirm a discovered listing as the clinic's: it is crawled from then on."""
    _decide(ctx, listing_id, "confirmed")


@listings.command()
@click.argument("listing_id", type=int)
@click.pass_context
def dismiss(ctx: click.Context, listing_id: int) -> None:
    """Dismiss a discovered listing (another business, another practice at the address)."""
    _decide(ctx, listing_id, "dismissed")


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.pass_obj
def clinics(qw: Any, as_json: bool) -> None:
    """The clinics in the store (a shared PostgreSQL store holds several), with their keys."""
    from sqlalchemy import func

    from store.models import CrawlRun

    engine = make_engine(qw.db_url, read_only=True)
    try:
        with Session(engine) as session:
            rows = []
            for clinic in session.exec(select(Clinic).order_by(Clinic.key)):
                count = session.exec(
                    select(func.count()).select_from(Listing).where(Listing.clinic_id == clinic.id)
                ).one()
                last = session.exec(
                    select(func.max(CrawlRun.started_at)).where(CrawlRun.clinic_id == clinic.id)
                ).one()
                rows.append(
                    {
                        "key": clinic.key,
                        "name": clinic.name,
                        "listings": count,
                        "last_crawl": last.isoformat() if last else None,
                    }
                )
    finally:
        engine.dispose()
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    table = Table(title="Clinics in the store", title_justify="left")
    for column in ("key", "name", "listings", "last crawl"):
        table.add_column(column)
    for r in rows:
        table.add_row(r["key"], r["name"], str(r["listings"]), r["last_crawl"] or "never")
    console.print(table)
