"""checked lists: bulk-check results kept for their downloads (#15)

Revision ID: a7c1e0d5f001
Revises: 5b1e0c3a9d27
Create Date: 2026-12-03 07:30:00

"""
import sqlalchemy as sa
from alembic import op

import portal.models.types

revision = "a7c1e0d5f001"
down_revision = "5b1e0c3a9d27"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "checked_lists",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("checked_at", portal.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", portal.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("rows", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("checked_lists", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_checked_lists_token_hash"), ["token_hash"],
                              unique=True)
        batch_op.create_index(batch_op.f("ix_checked_lists_expires_at"), ["expires_at"],
                              unique=False)


def downgrade():
    with op.batch_alter_table("checked_lists", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_checked_lists_expires_at"))
        batch_op.drop_index(batch_op.f("ix_checked_lists_token_hash"))
    op.drop_table("checked_lists")
