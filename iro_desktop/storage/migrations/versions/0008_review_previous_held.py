"""The date of the review before, when that review was held before the app was used.

The caseload CSV gives the last review's date; planning the next review copies it here, so
the annual report can still tell whether that review was held on time after finalising has
moved the child's own "last review" date on. Reviews planned before this step have no
value (their timeliness stays "not known" unless the child's row still holds it).

Revision ID: 0008
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("review", sa.Column("previous_held_date", sa.Date, nullable=True))


def downgrade() -> None:
    op.drop_column("review", "previous_held_date")
