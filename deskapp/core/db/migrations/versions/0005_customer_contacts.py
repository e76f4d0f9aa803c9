"""customer contacts

What a contact has, on the customer: a postal address, preferred language, marketing consent (given or
withdrawn, when, how), and further e-mails and phones in child tables. Columns are only added
(ALTER TABLE ... ADD COLUMN, no table is rebuilt, so no row or child row is at risk); every existing
customer gets empty values. The search index learns one more column, `search_contacts` (the further
e-mails and phones): on SQLite the FTS5 table and its triggers are made again and rebuilt from the
customer table, on PostgreSQL the search_text function reads the new column too.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

COLUMNS = "name, company, email, search_phone, tags, search_contacts"
OLD_COLUMNS = "name, company, email, search_phone, tags"


def _fts(columns: str, weights: str) -> tuple[str, ...]:
    """The FTS5 index and its triggers over `columns` (frozen here: migrations never import app code)."""
    new = ", ".join(f"new.{c.strip()}" for c in columns.split(","))
    old = ", ".join(f"old.{c.strip()}" for c in columns.split(","))
    return (
        f"""CREATE VIRTUAL TABLE customer_fts USING fts5(
        {columns},
        content='customer', content_rowid='id',
        tokenize='unicode61 remove_diacritics 2')""",
        f"INSERT INTO customer_fts(customer_fts, rank) VALUES ('rank', 'bm25({weights})')",
        f"""CREATE TRIGGER customer_fts_ai AFTER INSERT ON customer BEGIN
        INSERT INTO customer_fts(rowid, {columns}) VALUES (new.id, {new});
    END""",
        f"""CREATE TRIGGER customer_fts_ad AFTER DELETE ON customer BEGIN
        INSERT INTO customer_fts(customer_fts, rowid, {columns}) VALUES ('delete', old.id, {old});
    END""",
        f"""CREATE TRIGGER customer_fts_au AFTER UPDATE OF {columns} ON customer
    BEGIN
        INSERT INTO customer_fts(customer_fts, rowid, {columns}) VALUES ('delete', old.id, {old});
        INSERT INTO customer_fts(rowid, {columns}) VALUES (new.id, {new});
    END""",
        "INSERT INTO customer_fts(customer_fts) VALUES ('rebuild')",
    )


def _drop_fts() -> None:
    for trigger in ("customer_fts_ai", "customer_fts_ad", "customer_fts_au"):
        op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    op.execute("DROP TABLE IF EXISTS customer_fts")


FOLD_FROM = "ÀÁÂÃÄÅÇÈÉÊËÌÍÎÏÑÒÓÔÕÖÙÚÛÜÝàáâãäåçèéêëìíîïñòóôõöùúûüýÿĀāĂăĄąĆćĈĉĊċČčĎďĒēĔĕĖėĘęĚěĜĝĞğĠġĢģĤĥĨĩĪīĬĭĮįİĴĵĶķĹĺĻļĽľŃńŅņŇňŌōŎŏŐőŔŕŖŗŘřŚśŜŝŞşŠšŢţŤťŨũŪūŬŭŮůŰűŲųŴŵŶŷŸŹźŻżŽžſƠơƯưǍǎǏǐǑǒǓǔǕǖǗǘǙǚǛǜǞǟǠǡǦǧǨǩǪǫǬǭǰǴǵǸǹǺǻȀȁȂȃȄȅȆȇȈȉȊȋȌȍȎȏȐȑȒȓȔȕȖȗȘșȚțȞȟȦȧȨȩȪȫȬȭȮȯȰȱȲȳ"  # noqa: E501
FOLD_TO = "aaaaaaceeeeiiiinooooouuuuyaaaaaaceeeeiiiinooooouuuuyyaaaaaaccccccccddeeeeeeeeeegggggggghhiiiiiiiiijjkkllllllnnnnnnoooooorrrrrrssssssssttttuuuuuuuuuuuuwwyyyzzzzzzsoouuaaiioouuuuuuuuuuaaaaggkkoooojggnnaaaaaaeeeeiiiioooorrrruuuusstthhaaeeooooooooyy"  # noqa: E501


def _pg_function(columns: str) -> str:
    fields = ", ".join(f"NEW.{c.strip()}" for c in columns.split(","))
    return f"""
CREATE OR REPLACE FUNCTION deskapp_customer_search_text() RETURNS trigger AS $$
BEGIN
    NEW.search_text := ' ' || btrim(regexp_replace(
        translate(lower(concat_ws(' ', {fields})),
                  '{FOLD_FROM}', '{FOLD_TO}'),
        '[^a-z0-9]+', ' ', 'g')) || ' ';
    RETURN NEW;
END
$$ LANGUAGE plpgsql
"""


def upgrade() -> None:
    added = (
        sa.Column("street", sa.String(length=300), nullable=False, server_default=""),
        sa.Column("postcode", sa.String(length=32), nullable=False, server_default=""),
        sa.Column("city", sa.String(length=100), nullable=False, server_default=""),
        sa.Column("region", sa.String(length=100), nullable=False, server_default=""),
        sa.Column("country", sa.String(length=2), nullable=False, server_default=""),
        sa.Column("language", sa.String(length=35), nullable=False, server_default=""),
        sa.Column("marketing_consent", sa.String(length=32), nullable=True),
        sa.Column("consent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("consent_source", sa.String(length=200), nullable=False, server_default=""),
        sa.Column("search_contacts", sa.String(), nullable=False, server_default=""),
    )
    for column in added:
        op.add_column("customer", column)
    op.create_table(
        "customer_email",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("address", sa.String(length=320), nullable=False),
        sa.Column("label", sa.String(length=64), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["customer_id"], ["customer.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_customer_email_customer_id", "customer_email", ["customer_id"])
    op.create_table(
        "customer_phone",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("phone", sa.String(length=32), nullable=False),
        sa.Column("phone_raw", sa.String(length=64), nullable=False),
        sa.Column("label", sa.String(length=64), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["customer_id"], ["customer.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_customer_phone_customer_id", "customer_phone", ["customer_id"])
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        _drop_fts()
        for statement in _fts(COLUMNS, "10.0, 4.0, 2.0, 2.0, 1.0, 2.0"):
            op.execute(statement)
    elif bind.dialect.name == "postgresql":
        op.execute(_pg_function(COLUMNS))


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        _drop_fts()
    elif bind.dialect.name == "postgresql":
        op.execute(_pg_function(OLD_COLUMNS))
    op.drop_index("ix_customer_phone_customer_id", table_name="customer_phone")
    op.drop_table("customer_phone")
    op.drop_index("ix_customer_email_customer_id", table_name="customer_email")
    op.drop_table("customer_email")
    with op.batch_alter_table("customer", schema=None) as batch_op:
        for name in (
            "search_contacts", "consent_source", "consent_at", "marketing_consent", "language",
            "country", "region", "city", "postcode", "street",
        ):  # fmt: skip
            batch_op.drop_column(name)
    if bind.dialect.name == "sqlite":
        for statement in _fts(OLD_COLUMNS, "10.0, 4.0, 2.0, 2.0, 1.0"):
            op.execute(statement)
