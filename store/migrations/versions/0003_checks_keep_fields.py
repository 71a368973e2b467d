"""Each listing check keeps the fields the listing gave; reviews remember which content
their compliance findings were worked out for.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("listingcheck") as batch:
        batch.add_column(sa.Column("fields", sa.JSON(), nullable=False, server_default="[]"))
    with op.batch_alter_table("review") as batch:
        batch.add_column(sa.Column("checked_hash", sa.String(length=64), nullable=True))
    # Reviews stored before this revision had their findings worked out as they were stored.
    op.execute("UPDATE review SET checked_hash = content_hash")


def downgrade() -> None:
    with op.batch_alter_table("review") as batch:
        batch.drop_column("checked_hash")
    with op.batch_alter_table("listingcheck") as batch:
        batch.drop_column("fields")
