"""Between reviews: monitoring entries, escalations and their stages, and full-text search.

Search is two FTS5 tables (``search_names``, ``search_index``) inside the council's
encrypted database. Triggers on the searchable tables note which rows were added, changed
or removed (``search_pending``); the search service brings the index up to date from that
list before it answers, so writers need not know about search. Rows already in the database
when this migration runs are all marked pending, so the first search indexes them.

Review text is the exception, because it is the autosave path: any insert or update
trigger on ``review_text`` makes SQLite keep a statement journal of the pages an autosave
changes (``value`` is NOT NULL, so the statement may abort), which cost a 10,000-word field
about 1.5 ms a save, and an index on ``updated_at`` cost about 1 ms (SQLite reads the old
row's overflow pages to find it). There only removals are noted by a trigger; added and
changed text is found from the reviews not finalised, those finalised since the last search
(audit events) and the amendments (see ``services/search.py``).

The kind numbers below are repeated in ``services/search.py`` (``Kind``); a migration keeps
its own copy so that later changes to the service never change what this step did.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

# table, kind, source id, field ("" = every field of the row), columns whose change matters
_SOURCES = (
    ("child", 1, "id", "''",
     ("first_name", "last_name", "preferred_name", "child_ref", "social_worker", "notes")),
    ("review_text", 2, "review_id", "key", ("value",)),
    ("decision", 3, "id", "''", ("text", "responsible_text")),
    ("decision_update", 4, "id", "''", ("comment",)),
    ("person", 5, "id", "''", ("name", "role", "organisation")),
    ("monitoring_entry", 6, "id", "''", ("with_whom", "checked", "next_step")),
    ("escalation", 7, "id", "''", ("concern", "resolution_wanted", "outcome_note")),
    ("escalation_stage", 8, "id", "''", ("who", "response")),
)
FTS_TABLES = ("search_names", "search_index")
_EVENTS = (("ai", "INSERT", "NEW"), ("au", "UPDATE OF {columns}", "NEW"), ("ad", "DELETE", "OLD"))
_TEXT_EVENTS = ("ad",)  # review_text: removals only (see above)


def _events(table: str) -> list[tuple[str, str, str]]:
    return [e for e in _EVENTS if table != "review_text" or e[0] in _TEXT_EVENTS]


def _trigger_names() -> list[str]:
    return [f"search_{table}_{e[0]}" for table, *_ in _SOURCES for e in _events(table)]


def upgrade() -> None:
    op.create_table(
        "monitoring_entry",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("child_id", sa.Integer, sa.ForeignKey("child.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("kind", sa.String(24), nullable=False),
        sa.Column("entry_date", sa.Date, nullable=False),
        sa.Column("with_whom", sa.Text, nullable=False),
        sa.Column("checked", sa.Text, nullable=False),
        sa.Column("next_step", sa.Text, nullable=False),
        sa.Column("change_type", sa.String(24), nullable=False),
        sa.Column("bring_forward_to", sa.Date, nullable=True),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_monitoring_entry_child_id", "monitoring_entry", ["child_id"])
    op.create_table(
        "escalation",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("child_id", sa.Integer, sa.ForeignKey("child.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("concern", sa.Text, nullable=False),
        sa.Column("resolution_wanted", sa.Text, nullable=False),
        sa.Column("timescale", sa.Date, nullable=True),
        sa.Column("opened_on", sa.Date, nullable=False),
        sa.Column("outcome", sa.String(24), nullable=False),
        sa.Column("outcome_note", sa.Text, nullable=False),
        sa.Column("closed_on", sa.Date, nullable=True),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_escalation_child_id", "escalation", ["child_id"])
    op.create_table(
        "escalation_stage",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("escalation_id", sa.Integer,
                  sa.ForeignKey("escalation.id", ondelete="CASCADE"), nullable=False),
        sa.Column("stage", sa.String(12), nullable=False),
        sa.Column("who", sa.String(200), nullable=False),
        sa.Column("raised_on", sa.Date, nullable=False),
        sa.Column("response_due", sa.Date, nullable=True),
        sa.Column("response", sa.Text, nullable=False),
        sa.Column("responded_on", sa.Date, nullable=True),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.UniqueConstraint("escalation_id", "stage", name="uq_escalation_stage"),
    )
    op.create_index("ix_escalation_stage_escalation_id", "escalation_stage", ["escalation_id"])

    # No constraints that an insert could break: see storage/models.py SearchPendingRow.
    op.create_table(
        "search_pending",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("kind", sa.Integer, nullable=True),
        sa.Column("src_id", sa.Integer, nullable=True),
        sa.Column("field", sa.String(60), nullable=True),
    )
    op.create_index("ix_search_pending_key", "search_pending", ["kind", "src_id", "field"])
    op.create_table(
        "search_doc",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("kind", sa.Integer, nullable=False),
        sa.Column("src_id", sa.Integer, nullable=False),
        sa.Column("field", sa.String(60), nullable=False),
        sa.Column("stamp", sa.String(32), nullable=True),
        sa.UniqueConstraint("kind", "src_id", "field", name="uq_search_doc"),
    )
    for table, kind, src, field, columns in _SOURCES:
        for suffix, event, row in _events(table):
            on = event.format(columns=", ".join(columns))
            value = field if field == "''" else f"{row}.{field}"
            # NOT EXISTS rather than a unique key with INSERT OR IGNORE: a trigger's conflict
            # clause gives way to the firing statement's (ReviewService.save_texts' upsert),
            # and an insert that can fail costs the firing statement a statement journal.
            op.execute(
                f"CREATE TRIGGER search_{table}_{suffix} AFTER {on} ON {table} BEGIN "
                f"INSERT INTO search_pending (kind, src_id, field) "
                f"SELECT {kind}, {row}.{src}, {value} WHERE NOT EXISTS (SELECT 1 FROM "
                f"search_pending WHERE kind = {kind} AND src_id = {row}.{src} "
                f"AND field = {value}); END")
        # What is already there gets indexed by the first search (review text too: with
        # no search done yet, every review counts as lately finalised).
        if table != "review_text":
            op.execute(f"INSERT INTO search_pending (kind, src_id, field) "
                       f"SELECT DISTINCT {kind}, {src}, {field} FROM {table}")
    # Two FTS5 tables with the same columns: children's names and references (small, so a
    # name is looked for on its own quickly) and every other text. Accents folded ("Zoe"
    # finds "Zoë"); prefix indexes make "fost*" cheap. "written" (seconds since 1970)
    # orders hits across councils, newest first.
    for name in FTS_TABLES:
        op.execute(
            f"CREATE VIRTUAL TABLE {name} USING fts5("
            "body, kind UNINDEXED, src_id UNINDEXED, field UNINDEXED, child_id UNINDEXED, "
            "review_id UNINDEXED, written UNINDEXED, "
            "tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3')")


def downgrade() -> None:
    for name in _trigger_names():
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
    for name in FTS_TABLES:
        op.execute(f"DROP TABLE IF EXISTS {name}")
    op.execute("DELETE FROM vault_meta WHERE key LIKE 'search.%'")
    for table in ("search_doc", "search_pending", "escalation_stage", "escalation",
                  "monitoring_entry"):
        op.drop_table(table)
