"""import batches

One row per committed import, listed by `deskapp import history` and reversed by `deskapp import undo`,
and the stages an import moved, as they were (see deskapp.core.records.import_tables). New tables only: no
existing table is rebuilt, so no data is at risk.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "import_batch",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("file_name", sa.String(length=500), nullable=False),
        sa.Column("staff", sa.String(length=64), nullable=False),
        sa.Column("counts", sa.String(), nullable=False),
        sa.Column("first_audit_id", sa.Integer(), nullable=True),
        sa.Column("last_audit_id", sa.Integer(), nullable=True),
        sa.Column("undone_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("undone_by", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("import_batch", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_import_batch_started_at"), ["started_at"], unique=False)
    op.create_table(
        "import_prior",
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("stage", sa.String(length=32), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version_after", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("batch_id", "customer_id"),
    )


def downgrade() -> None:
    op.drop_table("import_prior")
    with op.batch_alter_table("import_batch", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_import_batch_started_at"))
    op.drop_table("import_batch")
