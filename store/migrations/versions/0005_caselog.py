"""The compliance case log (append-only, like the audit log) and review erasures.

- ``caseentry``: one row per step of a finding's case (acknowledged, reported through the
  site's route, not a breach, resolved), with a note and the user; UPDATE and DELETE are
  refused by the database, as for ``auditentry`` (0002);
- ``reviewerasure``: a review whose reviewer-written content was erased (a person's request,
  or the retention period after the site removed it), so that it stays erased;
- an index on listing checks by (listing, run, status): "had a crawl read this listing before
  the run that found this review?" -- what makes a review new -- in one index seek.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import store.models

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC_DATETIME = store.models.UTCDateTime(timezone=True)
MESSAGE = "the case log is append-only: entries cannot be changed or deleted"


def upgrade() -> None:
    op.create_table(
        "caseentry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("finding_id", sa.Integer(), nullable=False),
        sa.Column("clinic_id", sa.Integer(), nullable=False),
        sa.Column("at", UTC_DATETIME, nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("note", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("user", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("origin", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.ForeignKeyConstraint(["clinic_id"], ["clinic.id"]),
        sa.ForeignKeyConstraint(["finding_id"], ["finding.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("caseentry") as batch:
        batch.create_index(batch.f("ix_caseentry_clinic_id"), ["clinic_id"], unique=False)
        batch.create_index(batch.f("ix_caseentry_finding_id"), ["finding_id"], unique=False)
    op.create_table(
        "reviewerasure",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("review_id", sa.Integer(), nullable=False),
        sa.Column("at", UTC_DATETIME, nullable=False),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("user", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.ForeignKeyConstraint(["review_id"], ["review.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("review_id"),
    )
    with op.batch_alter_table("listingcheck") as batch:
        batch.create_index(
            "ix_listingcheck_listing_run_status", ["listing_id", "run_id", "status"], unique=False
        )
    if op.get_bind().dialect.name == "sqlite":
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER caseentry_no_{verb.lower()} BEFORE {verb} ON caseentry "
                f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END"
            )
    else:
        op.execute(
            "CREATE FUNCTION caseentry_append_only() RETURNS trigger AS $$ "
            f"BEGIN RAISE EXCEPTION '{MESSAGE}'; END; $$ LANGUAGE plpgsql"
        )
        op.execute(
            "CREATE TRIGGER caseentry_append_only BEFORE UPDATE OR DELETE ON caseentry "
            "FOR EACH ROW EXECUTE FUNCTION caseentry_append_only()"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS caseentry_no_update")
        op.execute("DROP TRIGGER IF EXISTS caseentry_no_delete")
    else:
        op.execute("DROP TRIGGER IF EXISTS caseentry_append_only ON caseentry")
        op.execute("DROP FUNCTION IF EXISTS caseentry_append_only()")
    with op.batch_alter_table("listingcheck") as batch:
        batch.drop_index("ix_listingcheck_listing_run_status")
    op.drop_table("reviewerasure")
    with op.batch_alter_table("caseentry") as batch:
        batch.drop_index(batch.f("ix_caseentry_finding_id"))
        batch.drop_index(batch.f("ix_caseentry_clinic_id"))
    op.drop_table("caseentry")
