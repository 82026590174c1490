"""The full record a council accepts: review type, social work activity dates, care-plan
endorsement, placement start, team manager, the manager's sign-off, and the date of the review
before (kept when the review is planned: finalising moves the child's own date on).

Only columns added to ``review``, each with a default, so older rows read as "not
recorded" and no other table is touched.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_COLUMNS = (
    ("brought_forward", lambda: sa.Column("brought_forward", sa.Boolean, nullable=False,
                                          server_default=sa.text("0"))),
    ("care_plan_endorsed", lambda: sa.Column("care_plan_endorsed", sa.String(8),
                                             nullable=False, server_default=sa.text("''"))),
    ("child_seen_on", lambda: sa.Column("child_seen_on", sa.Date, nullable=True)),
    ("child_seen_alone_on", lambda: sa.Column("child_seen_alone_on", sa.Date, nullable=True)),
    ("midway_on", lambda: sa.Column("midway_on", sa.Date, nullable=True)),
    ("placement_start", lambda: sa.Column("placement_start", sa.Date, nullable=True)),
    ("team_manager", lambda: sa.Column("team_manager", sa.String(200), nullable=False,
                                       server_default=sa.text("''"))),
    ("manager_name", lambda: sa.Column("manager_name", sa.String(200), nullable=False,
                                       server_default=sa.text("''"))),
    ("manager_comments", lambda: sa.Column("manager_comments", sa.Text, nullable=False,
                                           server_default=sa.text("''"))),
    ("manager_signed_on", lambda: sa.Column("manager_signed_on", sa.Date, nullable=True)),
    ("last_review_on", lambda: sa.Column("last_review_on", sa.Date, nullable=True)),
)


def upgrade() -> None:
    for _name, column in _COLUMNS:
        op.add_column("review", column())


def downgrade() -> None:
    with op.batch_alter_table("review") as batch:
        for name, _column in reversed(_COLUMNS):
            batch.drop_column(name)
