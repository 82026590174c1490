"""Minutes and the outbox: council profile settings and assets, field marks (letter,
withhold from a group), carers' addresses and confidential placements, the outbox.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "council_setting",
        sa.Column("key", sa.String(40), primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
    )
    op.create_table(
        "council_asset",
        sa.Column("name", sa.String(20), primary_key=True),
        sa.Column("filename", sa.String(200), nullable=False),
        sa.Column("content", sa.LargeBinary, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
    )
    op.create_table(
        "text_mark",
        sa.Column("review_id", sa.Integer, sa.ForeignKey("review.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("key", sa.String(60), primary_key=True),
        sa.Column("mark", sa.String(40), primary_key=True),
    )
    op.add_column("person", sa.Column("address", sa.Text, nullable=False,
                                      server_default=sa.text("''")))
    op.add_column("child", sa.Column("placement_confidential", sa.Boolean, nullable=False,
                                     server_default=sa.text("0")))
    op.add_column("child", sa.Column("placement_address", sa.Text, nullable=False,
                                     server_default=sa.text("''")))
    op.create_table(
        "outbox_item",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("review_id", sa.Integer, sa.ForeignKey("review.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("variant", sa.String(20), nullable=False),
        sa.Column("recipient_group", sa.String(30), nullable=False),
        sa.Column("recipients", sa.Text, nullable=False),
        sa.Column("filename", sa.String(200), nullable=False),
        sa.Column("content", sa.LargeBinary, nullable=True),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("state", sa.String(12), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("delivered_at", sa.DateTime, nullable=True),
        sa.Column("delivered_to", sa.Text, nullable=False),
        sa.Column("purged_at", sa.DateTime, nullable=True),
        sa.Column("last_error", sa.Text, nullable=False),
    )
    op.create_index("ix_outbox_item_review_id", "outbox_item", ["review_id"])
    op.create_index("ix_outbox_item_state", "outbox_item", ["state"])


def downgrade() -> None:
    op.drop_table("outbox_item")
    with op.batch_alter_table("child") as batch:
        batch.drop_column("placement_address")
        batch.drop_column("placement_confidential")
    with op.batch_alter_table("person") as batch:
        batch.drop_column("address")
    for table in ("text_mark", "council_asset", "council_setting"):
        op.drop_table(table)
