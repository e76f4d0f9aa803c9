"""search text for PostgreSQL

PostgreSQL has no FTS5; its customer search matches word prefixes in `search_text`, a folded copy of the
searchable columns kept by a trigger (lower-case, accents stripped with translate() so no extension is
needed, punctuation turned into spaces like FTS5's unicode61 tokenizer). A pg_trgm GIN index makes it fast
where the extension can be created; without it search still works, only slower. On SQLite the column
stays NULL: FTS5 serves search there.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

# Characters NFKD folds to one ASCII letter (Latin-1 and Latin Extended-A/B), and what they fold to.
FOLD_FROM = "ÀÁÂÃÄÅÇÈÉÊËÌÍÎÏÑÒÓÔÕÖÙÚÛÜÝàáâãäåçèéêëìíîïñòóôõöùúûüýÿĀāĂăĄąĆćĈĉĊċČčĎďĒēĔĕĖėĘęĚěĜĝĞğĠġĢģĤĥĨĩĪīĬĭĮįİĴĵĶķĹĺĻļĽľŃńŅņŇňŌōŎŏŐőŔŕŖŗŘřŚśŜŝŞşŠšŢţŤťŨũŪūŬŭŮůŰűŲųŴŵŶŷŸŹźŻżŽžſƠơƯưǍǎǏǐǑǒǓǔǕǖǗǘǙǚǛǜǞǟǠǡǦǧǨǩǪǫǬǭǰǴǵǸǹǺǻȀȁȂȃȄȅȆȇȈȉȊȋȌȍȎȏȐȑȒȓȔȕȖȗȘșȚțȞȟȦȧȨȩȪȫȬȭȮȯȰȱȲȳ"
FOLD_TO = "aaaaaaceeeeiiiinooooouuuuyaaaaaaceeeeiiiinooooouuuuyyaaaaaaccccccccddeeeeeeeeeegggggggghhiiiiiiiiijjkkllllllnnnnnnoooooorrrrrrssssssssttttuuuuuuuuuuuuwwyyyzzzzzzsoouuaaiioouuuuuuuuuuaaaaggkkoooojggnnaaaaaaeeeeiiiioooorrrruuuusstthhaaeeooooooooyy"

PG_FUNCTION = f"""
CREATE OR REPLACE FUNCTION deskapp_customer_search_text() RETURNS trigger AS $$
BEGIN
    NEW.search_text := ' ' || btrim(regexp_replace(
        translate(lower(concat_ws(' ', NEW.name, NEW.company, NEW.email, NEW.search_phone, NEW.tags)),
                  '{FOLD_FROM}', '{FOLD_TO}'),
        '[^a-z0-9]+', ' ', 'g')) || ' ';
    RETURN NEW;
END
$$ LANGUAGE plpgsql
"""


def upgrade() -> None:
    with op.batch_alter_table("customer", schema=None) as batch_op:
        batch_op.add_column(sa.Column("search_text", sa.String(), nullable=True))
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    op.execute(PG_FUNCTION)
    op.execute(
        "CREATE TRIGGER customer_search_text BEFORE INSERT OR UPDATE ON customer "
        "FOR EACH ROW EXECUTE FUNCTION deskapp_customer_search_text()"
    )
    op.execute("UPDATE customer SET name = name")  # fill search_text for existing rows
    try:
        with bind.begin_nested():
            bind.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm")
            bind.exec_driver_sql(
                "CREATE INDEX ix_customer_search_text ON customer USING gin (search_text gin_trgm_ops)"
            )
    except Exception:  # no right to create extensions: search stays correct, just unindexed
        pass


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_customer_search_text")
        op.execute("DROP TRIGGER IF EXISTS customer_search_text ON customer")
        op.execute("DROP FUNCTION IF EXISTS deskapp_customer_search_text()")
    with op.batch_alter_table("customer", schema=None) as batch_op:
        batch_op.drop_column("search_text")
