"""webhooks and list watches remember change-log ids committed late (#15)

Revision ID: a7c1e0d5f004
Revises: b3d4e5f6a701
Create Date: 2026-12-03 17:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = "a7c1e0d5f004"
down_revision = "b3d4e5f6a701"
branch_labels = None
depends_on = None

TABLES = ("webhooks", "list_watches")


def upgrade():
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("event_gaps", sa.JSON(), nullable=False,
                                          server_default=sa.text("'{}'")))


def downgrade():
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("event_gaps")
