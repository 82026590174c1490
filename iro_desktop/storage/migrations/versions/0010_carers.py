"""Carers from the caseload, and each person's relationship to the child.

The caseload CSV may name the child's carers (``carers``: "Name (relationship); ..."); they
are kept on the child and added to the network when a review is prepared, like the social
worker. Each person in the network gains a relationship to the child ("foster carer",
"grandmother, kinship carer", "mother"), printed on the record's front sheet beside the
carers. Existing rows get empty values: "not recorded" on the page, never a guess.

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("child", sa.Column("carers", sa.Text, nullable=False, server_default=""))
    op.add_column("person", sa.Column("relationship", sa.String(100), nullable=False,
                                      server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("person") as batch:
        batch.drop_column("relationship")
    with op.batch_alter_table("child") as batch:
        batch.drop_column("carers")
