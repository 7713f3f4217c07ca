"""webhooks and their delivery log (#15)

Revision ID: a7c1e0d5f003
Revises: a7c1e0d5f002
Create Date: 2026-12-03 08:00:00

"""
import sqlalchemy as sa
from alembic import op

import portal.models.types

revision = "a7c1e0d5f003"
down_revision = "a7c1e0d5f002"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "webhooks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("url", sa.String(length=500), nullable=False),
        sa.Column("certificate_numbers", sa.JSON(), nullable=False),
        sa.Column("nonce", sa.String(length=32), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", portal.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("confirmed_at", portal.models.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("disabled_at", portal.models.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_event_id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("webhooks", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_webhooks_token_hash"), ["token_hash"], unique=True)
    op.create_table(
        "webhook_deliveries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("webhook_id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("status", sa.Enum("pending", "delivered", "given_up", name="deliverystatus",
                                    native_enum=False, length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", portal.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("next_attempt_at", portal.models.types.UTCDateTime(timezone=True),
                  nullable=False),
        sa.Column("last_attempt_at", portal.models.types.UTCDateTime(timezone=True),
                  nullable=True),
        sa.Column("last_status_code", sa.Integer(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=False),
        sa.Column("delivered_at", portal.models.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["webhook_id"], ["webhooks.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("webhook_id", "event_id"),
    )
    with op.batch_alter_table("webhook_deliveries", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_webhook_deliveries_next_attempt_at"),
                              ["next_attempt_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_webhook_deliveries_status"), ["status"],
                              unique=False)
        batch_op.create_index(batch_op.f("ix_webhook_deliveries_webhook_id"), ["webhook_id"],
                              unique=False)


def downgrade():
    op.drop_table("webhook_deliveries")
    op.drop_table("webhooks")
