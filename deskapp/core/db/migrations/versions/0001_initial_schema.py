"""initial schema

The customer search index (SQLite FTS5) lives in triggers: a later batch migration that recreates the
customer table must create them again (see deskapp.core.search_index).

Revision ID: 0001
Revises:
Create Date: 2026-11-23 18:28:42.306232
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

# Frozen copy of the search index as of this revision (migrations never import app code that may change).
SQLITE_SEARCH_INDEX = (
    """CREATE VIRTUAL TABLE customer_fts USING fts5(
        name, company, email, search_phone, tags,
        content='customer', content_rowid='id',
        tokenize='unicode61 remove_diacritics 2')""",
    # ORDER BY rank uses these column weights: a name hit counts most, then company, e-mail, phone, tags.
    "INSERT INTO customer_fts(customer_fts, rank) VALUES ('rank', 'bm25(10.0, 4.0, 2.0, 2.0, 1.0)')",
    """CREATE TRIGGER customer_fts_ai AFTER INSERT ON customer BEGIN
        INSERT INTO customer_fts(rowid, name, company, email, search_phone, tags)
        VALUES (new.id, new.name, new.company, new.email, new.search_phone, new.tags);
    END""",
    """CREATE TRIGGER customer_fts_ad AFTER DELETE ON customer BEGIN
        INSERT INTO customer_fts(customer_fts, rowid, name, company, email, search_phone, tags)
        VALUES ('delete', old.id, old.name, old.company, old.email, old.search_phone, old.tags);
    END""",
    """CREATE TRIGGER customer_fts_au AFTER UPDATE OF name, company, email, search_phone, tags ON customer
    BEGIN
        INSERT INTO customer_fts(customer_fts, rowid, name, company, email, search_phone, tags)
        VALUES ('delete', old.id, old.name, old.company, old.email, old.search_phone, old.tags);
        INSERT INTO customer_fts(rowid, name, company, email, search_phone, tags)
        VALUES (new.id, new.name, new.company, new.email, new.search_phone, new.tags);
    END""",
)


def upgrade() -> None:

    op.create_table(
        "audit_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("staff", sa.String(length=64), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("entity", sa.String(length=64), nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=True),
        sa.Column("changes", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("audit_entry", schema=None) as batch_op:
        batch_op.create_index("ix_audit_entity", ["entity", "entity_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_entry_at"), ["at"], unique=False)

    op.create_table(
        "customer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("company", sa.String(length=300), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("phone", sa.String(length=32), nullable=False),
        sa.Column("phone_raw", sa.String(length=64), nullable=False),
        sa.Column("search_phone", sa.String(), nullable=False),
        sa.Column("tags", sa.String(), nullable=False),
        sa.Column("source", sa.String(length=100), nullable=False),
        sa.Column("owner", sa.String(length=64), nullable=False),
        sa.Column(
            "stage",
            sa.Enum(
                "awareness",
                "consideration",
                "purchase",
                "retention",
                "advocacy",
                "churned",
                name="stage",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("cadence_days", sa.Integer(), nullable=True),
        sa.Column("birthday", sa.Date(), nullable=True),
        sa.Column("special_dates", sa.String(), nullable=False),
        sa.Column("notes", sa.String(), nullable=False),
        sa.Column("external_id", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("archived", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("external_id"),
    )
    with op.batch_alter_table("customer", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_customer_archived"), ["archived"], unique=False)
        batch_op.create_index("ix_customer_email", ["email"], unique=False)
        batch_op.create_index("ix_customer_name_id", ["name", "id"], unique=False)
        batch_op.create_index(batch_op.f("ix_customer_owner"), ["owner"], unique=False)
        batch_op.create_index(batch_op.f("ix_customer_source"), ["source"], unique=False)
        batch_op.create_index(batch_op.f("ix_customer_stage"), ["stage"], unique=False)

    op.create_table(
        "setting",
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("value", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_table(
        "staff",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("login", sa.String(length=64), nullable=False),
        sa.Column("display_name", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("staff", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_staff_login"), ["login"], unique=True)

    op.create_table(
        "complaint",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("subject", sa.String(length=500), nullable=False),
        sa.Column("details", sa.String(), nullable=False),
        sa.Column(
            "category",
            sa.Enum(
                "not_cared_for",
                "quality",
                "price",
                "competitor",
                "delivery",
                "billing",
                "other",
                name="complaintcategory",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column(
            "priority",
            sa.Enum("low", "normal", "high", "urgent", name="priority", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column(
            "status",
            sa.Enum(
                "open",
                "in_progress",
                "waiting_on_customer",
                "resolved",
                "closed",
                name="complaintstatus",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("first_response_due", sa.DateTime(timezone=True), nullable=True),
        sa.Column("first_response_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolution", sa.String(), nullable=False),
        sa.Column("owner", sa.String(length=64), nullable=False),
        sa.Column("external_id", sa.String(length=200), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["customer_id"], ["customer.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("external_id"),
    )
    with op.batch_alter_table("complaint", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_complaint_customer_id"), ["customer_id"], unique=False)
        batch_op.create_index("ix_complaint_status_priority", ["status", "priority"], unique=False)

    op.create_table(
        "interaction",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column(
            "channel",
            sa.Enum(
                "call",
                "email",
                "meeting",
                "chat",
                "social",
                "visit",
                "note",
                name="channel",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("direction", sa.Enum("in", "out", name="direction", native_enum=False, length=32), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("summary", sa.String(length=500), nullable=False),
        sa.Column("details", sa.String(), nullable=False),
        sa.Column("staff", sa.String(length=64), nullable=False),
        sa.Column("score", sa.Integer(), nullable=True),
        sa.Column("external_id", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["customer_id"], ["customer.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("external_id"),
    )
    with op.batch_alter_table("interaction", schema=None) as batch_op:
        batch_op.create_index("ix_interaction_customer_at", ["customer_id", "occurred_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_interaction_occurred_at"), ["occurred_at"], unique=False)

    op.create_table(
        "owner_change",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("from_owner", sa.String(length=64), nullable=False),
        sa.Column("to_owner", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("staff", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["customer_id"], ["customer.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("owner_change", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_owner_change_customer_id"), ["customer_id"], unique=False)

    op.create_table(
        "purchase",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("ordered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("cost", sa.BigInteger(), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("description", sa.String(length=500), nullable=False),
        sa.Column("external_id", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["customer_id"], ["customer.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("external_id"),
    )
    with op.batch_alter_table("purchase", schema=None) as batch_op:
        batch_op.create_index("ix_purchase_customer_at", ["customer_id", "ordered_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_purchase_ordered_at"), ["ordered_at"], unique=False)

    op.create_table(
        "referral",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("referrer_id", sa.Integer(), nullable=False),
        sa.Column("referred_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("note", sa.String(), nullable=False),
        sa.Column("staff", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["referred_id"], ["customer.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["referrer_id"], ["customer.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("referred_id", name="uq_referral_referred"),
    )
    with op.batch_alter_table("referral", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_referral_referrer_id"), ["referrer_id"], unique=False)

    op.create_table(
        "stage_change",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column(
            "from_stage",
            sa.Enum(
                "awareness",
                "consideration",
                "purchase",
                "retention",
                "advocacy",
                "churned",
                name="stage",
                native_enum=False,
                length=32,
            ),
            nullable=True,
        ),
        sa.Column(
            "to_stage",
            sa.Enum(
                "awareness",
                "consideration",
                "purchase",
                "retention",
                "advocacy",
                "churned",
                name="stage",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.String(), nullable=False),
        sa.Column(
            "churn_reason",
            sa.Enum(
                "not_cared_for",
                "quality",
                "competitor",
                "price",
                "no_longer_needed",
                "other",
                name="churnreason",
                native_enum=False,
                length=32,
            ),
            nullable=True,
        ),
        sa.Column("staff", sa.String(length=64), nullable=False),
        sa.Column("automatic", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["customer_id"], ["customer.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("stage_change", schema=None) as batch_op:
        batch_op.create_index("ix_stage_change_customer_at", ["customer_id", "at"], unique=False)

    op.create_table(
        "follow_up",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("due_time", sa.Time(), nullable=True),
        sa.Column(
            "kind",
            sa.Enum(
                "check_in",
                "thank_you",
                "complaint_follow_up",
                "onboarding",
                "special_day",
                "other",
                name="followupkind",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("note", sa.String(), nullable=False),
        sa.Column(
            "status",
            sa.Enum("open", "done", "snoozed", "cancelled", name="followupstatus", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("assignee", sa.String(length=64), nullable=False),
        sa.Column("complaint_id", sa.Integer(), nullable=True),
        sa.Column("purchase_id", sa.Integer(), nullable=True),
        sa.Column("automatic", sa.Boolean(), nullable=False),
        sa.Column("external_id", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["complaint_id"], ["complaint.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["customer_id"], ["customer.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["purchase_id"], ["purchase.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("external_id"),
    )
    with op.batch_alter_table("follow_up", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_follow_up_customer_id"), ["customer_id"], unique=False)
        batch_op.create_index(
            "ix_follow_up_pending_due",
            ["due_date", "due_time", "id"],
            unique=False,
            sqlite_where=sa.text("status IN ('open', 'snoozed')"),
            postgresql_where=sa.text("status IN ('open', 'snoozed')"),
        )

    if op.get_bind().dialect.name == "sqlite":
        for statement in SQLITE_SEARCH_INDEX:
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TABLE IF EXISTS customer_fts")

    with op.batch_alter_table("follow_up", schema=None) as batch_op:
        batch_op.drop_index("ix_follow_up_pending_due")
        batch_op.drop_index(batch_op.f("ix_follow_up_customer_id"))

    op.drop_table("follow_up")
    with op.batch_alter_table("stage_change", schema=None) as batch_op:
        batch_op.drop_index("ix_stage_change_customer_at")

    op.drop_table("stage_change")
    with op.batch_alter_table("referral", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_referral_referrer_id"))

    op.drop_table("referral")
    with op.batch_alter_table("purchase", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_purchase_ordered_at"))
        batch_op.drop_index("ix_purchase_customer_at")

    op.drop_table("purchase")
    with op.batch_alter_table("owner_change", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_owner_change_customer_id"))

    op.drop_table("owner_change")
    with op.batch_alter_table("interaction", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_interaction_occurred_at"))
        batch_op.drop_index("ix_interaction_customer_at")

    op.drop_table("interaction")
    with op.batch_alter_table("complaint", schema=None) as batch_op:
        batch_op.drop_index("ix_complaint_status_priority")
        batch_op.drop_index(batch_op.f("ix_complaint_customer_id"))

    op.drop_table("complaint")
    with op.batch_alter_table("staff", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_staff_login"))

    op.drop_table("staff")
    op.drop_table("setting")
    with op.batch_alter_table("customer", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_customer_stage"))
        batch_op.drop_index(batch_op.f("ix_customer_source"))
        batch_op.drop_index(batch_op.f("ix_customer_owner"))
        batch_op.drop_index("ix_customer_name_id")
        batch_op.drop_index("ix_customer_email")
        batch_op.drop_index(batch_op.f("ix_customer_archived"))

    op.drop_table("customer")
    with op.batch_alter_table("audit_entry", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_entry_at"))
        batch_op.drop_index("ix_audit_entity")

    op.drop_table("audit_entry")
