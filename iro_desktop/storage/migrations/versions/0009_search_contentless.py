"""Search index without a second copy of the text, built in the background.

Migration 0004's two FTS5 tables stored every text again (FTS5's own content table) plus
prefix indexes of 2 and 3 characters: at ten years of records the databases grew about
2.6 times, and the first search after the migration indexed everything on the GUI thread.

Here both tables become contentless (``content=''``) with ``contentless_delete=1``, so an
entry can be removed by its rowid without the old text, and hold the words only: where a
hit came from (child, review, when written) moves to ``search_doc``, and the snippet shown
for a hit is made from the record itself (``services/search.py``). ``detail=column``
keeps which field a word is in but not its positions (queries are words and prefixes,
never phrases). Everything already in the database is listed in ``search_pending``, so the
background indexer (``SearchService.start_indexing``) rebuilds the index in small
batches after unlock; a search meanwhile answers from what is indexed so far.

The kind numbers are the service's ``Kind``; this step keeps its own copy.

Also a partial index of the open decisions by child (``ix_decision_open``): the caseload and
the dashboard read only those, and at ten years of records nine in ten are closed. Its
condition is written out in the queries that use it (``storage/repositories.py``), as
SQLite uses a partial index only for a query whose condition matches it literally. And a
partial index of the monitoring entries that bring a review forward
(``ix_monitoring_brought_forward``), which every caseload and dashboard read looks for
among years of contacts and visits.

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

FTS_TABLES = ("search_names", "search_index")
_ROWS = (("child", 1), ("decision", 3), ("decision_update", 4), ("person", 5),
         ("monitoring_entry", 6), ("escalation", 7), ("escalation_stage", 8))
FTS_OPTIONS = ("content='', contentless_delete=1, detail=column, "
               "tokenize='unicode61 remove_diacritics 2'")


def upgrade() -> None:
    for name in FTS_TABLES:
        op.execute(f"DROP TABLE IF EXISTS {name}")
        op.execute(f"CREATE VIRTUAL TABLE {name} USING fts5(body, {FTS_OPTIONS})")
    op.drop_table("search_doc")
    op.create_table(
        "search_doc",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("kind", sa.Integer, nullable=False),
        sa.Column("src_id", sa.Integer, nullable=False),
        sa.Column("field", sa.String(60), nullable=False),
        sa.Column("stamp", sa.String(32), nullable=True),
        sa.Column("child_id", sa.Integer, nullable=True),
        sa.Column("review_id", sa.Integer, nullable=True),
        sa.Column("written", sa.Float, nullable=True),
        sa.UniqueConstraint("kind", "src_id", "field", name="uq_search_doc"),
    )
    op.create_index("ix_decision_open", "decision", ["child_id", "due_date"],
                    sqlite_where=sa.text("status NOT IN ('done', 'no_longer_needed')"))
    op.create_index("ix_monitoring_brought_forward", "monitoring_entry", ["child_id"],
                    sqlite_where=sa.text("bring_forward_to IS NOT NULL"))
    op.execute("DELETE FROM search_pending")
    for table, kind in _ROWS:
        op.execute(f"INSERT INTO search_pending (kind, src_id, field) "
                   f"SELECT {kind}, id, '' FROM {table} ORDER BY id")
    op.execute("INSERT INTO search_pending (kind, src_id, field) "
               "SELECT 2, review_id, key FROM review_text ORDER BY review_id, key")
    # Every review text is listed above, so the service's comparison of review text with
    # the index starts from now (its marks: the last audit event and amendment seen).
    op.execute("INSERT INTO vault_meta (key, value) VALUES "
               "('search.audit_seen', (SELECT coalesce(max(id), 0) FROM audit_event)), "
               "('search.amendment_seen', (SELECT coalesce(max(id), 0) FROM amendment)) "
               "ON CONFLICT (key) DO UPDATE SET value = excluded.value")


def downgrade() -> None:
    op.drop_index("ix_decision_open", "decision")
    op.drop_index("ix_monitoring_brought_forward", "monitoring_entry")
    for name in FTS_TABLES:
        op.execute(f"DROP TABLE IF EXISTS {name}")
        op.execute(
            f"CREATE VIRTUAL TABLE {name} USING fts5("
            "body, kind UNINDEXED, src_id UNINDEXED, field UNINDEXED, child_id UNINDEXED, "
            "review_id UNINDEXED, written UNINDEXED, "
            "tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3')")
    op.drop_table("search_doc")
    op.create_table(
        "search_doc",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("kind", sa.Integer, nullable=False),
        sa.Column("src_id", sa.Integer, nullable=False),
        sa.Column("field", sa.String(60), nullable=False),
        sa.Column("stamp", sa.String(32), nullable=True),
        sa.UniqueConstraint("kind", "src_id", "field", name="uq_search_doc"),
    )
    op.execute("DELETE FROM search_pending")
    op.execute("DELETE FROM vault_meta WHERE key LIKE 'search.%'")
    for table, kind in _ROWS:
        op.execute(f"INSERT INTO search_pending (kind, src_id, field) "
                   f"SELECT {kind}, id, '' FROM {table}")
