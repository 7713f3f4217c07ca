"""list watches: e-mail watch of a whole checked supplier list (#15)

Revision ID: a7c1e0d5f002
Revises: a7c1e0d5f001
Create Date: 2026-12-03 07:45:00

"""
import sqlalchemy as sa
from alembic import op

import portal.models.types

revision = "a7c1e0d5f002"
down_revision = "a7c1e0d5f001"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "list_watches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("lang", sa.String(length=8), nullable=False),
        sa.Column("nonce", sa.String(length=32), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", portal.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("confirmed_at", portal.models.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("unsubscribed_at", portal.models.types.UTCDateTime(timezone=True),
                  nullable=True),
        sa.Column("last_event_id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("list_watches", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_list_watches_email"), ["email"], unique=False)
        batch_op.create_index(batch_op.f("ix_list_watches_token_hash"), ["token_hash"],
                              unique=True)
    op.create_table(
        "list_watch_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("list_watch_id", sa.Integer(), nullable=False),
        sa.Column("certificate_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["certificate_id"], ["certificates.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["list_watch_id"], ["list_watches.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("list_watch_id", "certificate_id"),
    )
    with op.batch_alter_table("list_watch_items", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_list_watch_items_certificate_id"),
                              ["certificate_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_list_watch_items_list_watch_id"),
                              ["list_watch_id"], unique=False)


def downgrade():
    op.drop_table("list_watch_items")
    op.drop_table("list_watches")
