"""merge records

One row per merge of two customers, holding what an undo needs (see deskapp.core.records.merge_tables).
A new table only: no existing table is rebuilt, so no data is at risk in this upgrade.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "merge_record",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("staff", sa.String(length=64), nullable=False),
        sa.Column("survivor_id", sa.Integer(), nullable=False),
        sa.Column("other_id", sa.Integer(), nullable=False),
        sa.Column("snapshot", sa.String(), nullable=False),
        sa.Column("undone_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("undone_by", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("merge_record", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_merge_record_at"), ["at"], unique=False)
        batch_op.create_index(batch_op.f("ix_merge_record_other_id"), ["other_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_merge_record_survivor_id"), ["survivor_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("merge_record", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_merge_record_survivor_id"))
        batch_op.drop_index(batch_op.f("ix_merge_record_other_id"))
        batch_op.drop_index(batch_op.f("ix_merge_record_at"))
    op.drop_table("merge_record")
