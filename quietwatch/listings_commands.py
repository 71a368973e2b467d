"""`quietwatch listings`: the clinic's listings, and deciding on discovered ones.

Confirming or dismissing a discovered listing is a deliberate act by a person, so it lives
here (and in the config), never in the dashboard.  A dismissed listing is never proposed
again.
"""

import json

import click
from rich.table import Table

from quietwatch.cli import Context
from quietwatch.console import console
from quietwatch.places_commands import find_place
from store import crud, queries
from store.db import Session, session_scope
from store.models import ClinicRead, Origin


def _clinic(session: Session, key: str) -> ClinicRead:
    clinic = queries.clinic_by_key(session, key)
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
    qw: Context = ctx.obj
    with Session(qw.read_engine) as session:
        clinic = _clinic(session, clinic_key or qw.config.clinic.key)
        rows = queries.listings(session, clinic_id=clinic.id, origins=[origin] if origin else None)
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
    table = Table(title=f"Listings of {clinic.name}", title_justify="left")
    for column in ("id", "site", "origin", "status", "url", "why we think it is the clinic"):
        table.add_column(column)
    for r in rows:
        origin_label = "found, not yet confirmed" if r.origin == Origin.DISCOVERED else r.origin
        table.add_row(
            str(r.id), r.site, origin_label, r.last_status or "-", r.url, r.match_reason or ""
        )
    console.print(table)
    if any(r.origin == Origin.DISCOVERED for r in rows):
        console.print(
            "Confirm with `quietwatch listings confirm ID`, or dismiss with `quietwatch listings dismiss ID`."
        )


def _decide(ctx: click.Context, listing_id: int, decision: Origin) -> None:
    qw: Context = ctx.obj
    with session_scope(qw.engine) as session:
        clinic = _clinic(session, qw.config.clinic.key)
        try:
            url = crud.decide_listing(
                session, clinic_id=clinic.id, listing_id=listing_id, decision=decision
            )
        except LookupError:
            raise click.ClickException(
                f"no listing {listing_id} for {qw.config.clinic.name}"
            ) from None
        except ValueError as exc:
            raise click.ClickException(str(exc)) from None
    if decision == Origin.CONFIRMED:
        console.print(f"Confirmed listing {listing_id} ({url}); it will be crawled from now on.")
    else:
        console.print(f"Dismissed listing {listing_id} ({url}); it will not be proposed again.")


@listings.command()
@click.argument("listing_id", type=int)
@click.pass_context
def confirm(ctx: click.Context, listing_id: int) -> None:
    """Confirm a discovered listing as the clinic's: it is crawled from then on."""
    _decide(ctx, listing_id, Origin.CONFIRMED)


@listings.command()
@click.argument("listing_id", type=int)
@click.pass_context
def dismiss(ctx: click.Context, listing_id: int) -> None:
    """Dismiss a discovered listing (another business, another practice at the address)."""
    _decide(ctx, listing_id, Origin.DISMISSED)


listings.add_command(find_place)


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.pass_obj
def clinics(qw: Context, as_json: bool) -> None:
    """The clinics in the store (a shared PostgreSQL store holds several), with their keys."""
    with Session(qw.read_engine) as session:
        rows = queries.clinic_summaries(session)
    for row in rows:
        row["last_crawl"] = row["last_crawl"].isoformat() if row["last_crawl"] else None
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    table = Table(title="Clinics in the store", title_justify="left")
    for column in ("key", "name", "listings", "last crawl"):
        table.add_column(column)
    for r in rows:
        table.add_row(r["key"], r["name"], str(r["listings"]), r["last_crawl"] or "never")
    console.print(table)
