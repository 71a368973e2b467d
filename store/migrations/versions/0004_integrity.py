"""Integrity: a review is identified within its listing; the audit log is hash-chained and
guarded against replacement, backdating and (PostgreSQL) truncation.

- ``review``: the unique key is (listing, review key) instead of (site, review key), so two
  listings (or two clinics) whose pages give the same id keep two reviews; a review with no
  site id is keyed by its author's initials, not the full name.
- ``auditentry``: the checker model's version beside the rule set's; ``prev_hash`` and
  ``entry_hash`` (store/audit.py), filled in for the
  entries already there, in id order; the database's guards re-created (store/audit.py
  ``ensure_guards``); on PostgreSQL UPDATE, DELETE and TRUNCATE are revoked from the role
  that owns the table.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import store.models
from store import audit, crud

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_UTC = store.models.UTCDateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("review") as batch:
        batch.drop_constraint("uq_review_site_key", type_="unique")
        batch.create_unique_constraint("uq_review_listing_key", ["listing_id", "review_key"])
    bind = op.get_bind()
    _rekey_reviews_without_an_id(bind)

    sqlite = bind.dialect.name == "sqlite"
    if sqlite:
        op.execute("DROP TRIGGER IF EXISTS auditentry_no_update")
        op.execute("DROP TRIGGER IF EXISTS auditentry_no_delete")
    else:
        op.execute("DROP TRIGGER IF EXISTS auditentry_append_only ON auditentry")
    with op.batch_alter_table("auditentry") as batch:
        batch.add_column(sa.Column("model_version", sa.String(length=40), nullable=True))
        batch.add_column(sa.Column("prev_hash", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("entry_hash", sa.String(length=64), nullable=True))
    table = sa.table(
        "auditentry",
        sa.column("id", sa.Integer),
        sa.column("at", _UTC),
        *(sa.column(name, sa.String) for name in audit.CHAINED[2:] if name != "clinic_id"),
        sa.column("clinic_id", sa.Integer),
        sa.column("prev_hash", sa.String),
        sa.column("entry_hash", sa.String),
    )
    prev = None
    for row in bind.execute(sa.select(table).order_by(table.c.id)).mappings().all():
        digest = audit.entry_hash(prev, dict(row))
        bind.execute(
            table.update()
            .where(table.c.id == row["id"])
            .values(prev_hash=prev, entry_hash=digest)
        )
        prev = digest
    with op.batch_alter_table("auditentry") as batch:
        batch.alter_column("entry_hash", existing_type=sa.String(length=64), nullable=False)
    audit.ensure_guards(bind)
    if not sqlite:
        op.execute("REVOKE UPDATE, DELETE, TRUNCATE ON auditentry FROM CURRENT_USER")


def _rekey_reviews_without_an_id(bind: sa.Connection) -> None:
    """A review with no site id is keyed by its listing, its author's initials and its day
    (store.crud.derived_key) — no longer the full name, which [privacy] may not keep — and
    two that share a key are ``key``, ``key#2``...  First every key is set aside, then the
    new ones are written, so no two rows ever hold one key in between."""
    review = sa.table(
        "review",
        sa.column("id", sa.Integer),
        sa.column("listing_id", sa.Integer),
        sa.column("site_review_id", sa.String),
        sa.column("author", sa.String),
        sa.column("published_at", _UTC),
        sa.column("published_raw", sa.String),
        sa.column("review_key", sa.String),
    )
    listing = sa.table("listing", sa.column("id", sa.Integer), sa.column("url", sa.String))
    rows = bind.execute(
        sa.select(review, listing.c.url)
        .join(listing, listing.c.id == review.c.listing_id)
        .where(review.c.site_review_id.is_(None))
        .order_by(review.c.id)
    ).all()
    keys: dict[int, str] = {}
    taken: set[tuple[int, str]] = set()
    for row in rows:
        base = crud.derived_key(row.url, row.author, row.published_at, row.published_raw)
        key, n = base, 1
        while (row.listing_id, key) in taken:
            n += 1
            key = f"{base}#{n}"
        taken.add((row.listing_id, key))
        keys[row.id] = key
    for review_id in keys:
        bind.execute(
            review.update().where(review.c.id == review_id).values(review_key=f"tmp:{review_id}")
        )
    for review_id, key in keys.items():
        bind.execute(review.update().where(review.c.id == review_id).values(review_key=key))


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        for name in audit.SQLITE_GUARDS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    else:
        op.execute("GRANT UPDATE, DELETE, TRUNCATE ON auditentry TO CURRENT_USER")
        for name in audit.POSTGRES_GUARDS:
            op.execute(f"DROP TRIGGER IF EXISTS {name} ON auditentry")
    with op.batch_alter_table("auditentry") as batch:
        batch.drop_column("entry_hash")
        batch.drop_column("prev_hash")
        batch.drop_column("model_version")
    audit.ensure_guards(bind)  # the update/delete guards of revision 0002 (same names)
    with op.batch_alter_table("review") as batch:
        batch.drop_constraint("uq_review_listing_key", type_="unique")
        batch.create_unique_constraint("uq_review_site_key", ["site", "review_key"])
