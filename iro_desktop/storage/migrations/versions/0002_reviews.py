"""Reviews: the child's network, reviews, their text, agenda, attendance and decisions.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def _fk(column: str, target: str, ondelete: str = "CASCADE", nullable: bool = False) -> sa.Column:
    return sa.Column(column, sa.Integer, sa.ForeignKey(target, ondelete=ondelete),
                     nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "person",
        sa.Column("id", sa.Integer, primary_key=True),
        _fk("child_id", "child.id"),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("role", sa.String(60), nullable=False),
        sa.Column("organisation", sa.String(200), nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
    )
    op.create_index("ix_person_child_id", "person", ["child_id"])
    op.create_table(
        "review",
        sa.Column("id", sa.Integer, primary_key=True),
        _fk("child_id", "child.id"),
        sa.Column("number", sa.Integer, nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("planned_date", sa.Date, nullable=True),
        sa.Column("held_date", sa.Date, nullable=True),
        sa.Column("venue", sa.String(200), nullable=False),
        sa.Column("participation_code", sa.String(3), nullable=True),
        sa.Column("advocate_offered", sa.Boolean, nullable=False),
        sa.Column("advocate_used", sa.Boolean, nullable=False),
        sa.Column("child_chaired", sa.String(12), nullable=False),
        sa.Column("next_review_date", sa.Date, nullable=True),
        sa.Column("finalised_at", sa.DateTime, nullable=True),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
        sa.UniqueConstraint("child_id", "number", name="uq_review_number"),
    )
    op.create_index("ix_review_child_id", "review", ["child_id"])
    op.create_table(
        "review_text",
        sa.Column("review_id", sa.Integer, sa.ForeignKey("review.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("key", sa.String(60), primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
    )
    op.create_table(
        "amendment",
        sa.Column("id", sa.Integer, primary_key=True),
        _fk("review_id", "review.id"),
        sa.Column("key", sa.String(60), nullable=False),
        sa.Column("old_value", sa.Text, nullable=False),
        sa.Column("new_value", sa.Text, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_amendment_review_id", "amendment", ["review_id"])
    op.create_table(
        "agenda_item",
        sa.Column("id", sa.Integer, primary_key=True),
        _fk("review_id", "review.id"),
        sa.Column("key", sa.String(50), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("guidance", sa.Text, nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("ad_hoc", sa.Boolean, nullable=False),
        sa.UniqueConstraint("review_id", "key", name="uq_agenda_key"),
    )
    op.create_index("ix_agenda_item_review_id", "agenda_item", ["review_id"])
    op.create_table(
        "attendance",
        sa.Column("id", sa.Integer, primary_key=True),
        _fk("review_id", "review.id"),
        _fk("person_id", "person.id"),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.UniqueConstraint("review_id", "person_id", name="uq_attendance"),
    )
    op.create_index("ix_attendance_review_id", "attendance", ["review_id"])
    op.create_table(
        "decision",
        sa.Column("id", sa.Integer, primary_key=True),
        _fk("review_id", "review.id"),
        _fk("child_id", "child.id"),
        sa.Column("text", sa.Text, nullable=False),
        _fk("person_id", "person.id", ondelete="SET NULL", nullable=True),
        sa.Column("responsible_text", sa.String(200), nullable=False),
        sa.Column("due_date", sa.Date, nullable=True),
        sa.Column("agenda_key", sa.String(50), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_decision_review_id", "decision", ["review_id"])
    op.create_index("ix_decision_child_id", "decision", ["child_id"])
    op.create_table(
        "decision_update",
        sa.Column("id", sa.Integer, primary_key=True),
        _fk("decision_id", "decision.id"),
        _fk("review_id", "review.id"),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("comment", sa.Text, nullable=False),
        sa.Column("at", sa.DateTime, nullable=False),
        sa.UniqueConstraint("decision_id", "review_id", name="uq_decision_update"),
    )
    op.create_index("ix_decision_update_decision_id", "decision_update", ["decision_id"])
    op.create_index("ix_decision_update_review_id", "decision_update", ["review_id"])


def downgrade() -> None:
    for table in ("decision_update", "decision", "attendance", "agenda_item", "amendment",
                  "review_text", "review", "person"):
        op.drop_table(table)
