"""Keep more of what pages show, and what a run saw.

- each listing check keeps the fields the listing gave (the layout watch reads them back);
- a review keeps the content hash its compliance findings were worked out for, the date of
  its owner response, the site's own "updated" mark and the first version's date;
- a listing snapshot keeps the rating count a site gives apart from its review count, and
  a multi-office profile's other offices.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import store.models

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC_DATETIME = store.models.UTCDateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("listingcheck") as batch:
        batch.add_column(sa.Column("fields", sa.JSON(), nullable=False, server_default="[]"))
    with op.batch_alter_table("review") as batch:
        batch.add_column(sa.Column("checked_hash", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("owner_response_at", UTC_DATETIME, nullable=True))
        batch.add_column(
            sa.Column("updated_on_site", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch.add_column(sa.Column("original_published_raw", sa.String(), nullable=True))
        batch.add_column(sa.Column("original_published_at", UTC_DATETIME, nullable=True))
    with op.batch_alter_table("listingsnapshot") as batch:
        batch.add_column(sa.Column("rating_count", sa.Integer(), nullable=True))
        batch.add_column(
            sa.Column("additional_addresses", sa.JSON(), nullable=False, server_default="[]")
        )
    # Reviews stored before this revision had their findings worked out as they were stored.
    op.execute("UPDATE review SET checked_hash = content_hash")


def downgrade() -> None:
    with op.batch_alter_table("listingsnapshot") as batch:
        batch.drop_column("additional_addresses")
        batch.drop_column("rating_count")
    with op.batch_alter_table("review") as batch:
        for name in (
            "original_published_at",
            "original_published_raw",
            "updated_on_site",
            "owner_response_at",
            "checked_hash",
        ):
            batch.drop_column(name)
    with op.batch_alter_table("listingcheck") as batch:
        batch.drop_column("fields")
