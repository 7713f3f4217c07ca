"""alerts.number_key: warnings naming a number found by one indexed lookup (#14)

Revision ID: b3d4e5f6a701
Revises: a7c1e0d5f003
Create Date: 2026-12-03 17:00:00

"""
import sqlalchemy as sa
from alembic import op

from portal.domain.codes import number_key

revision = "b3d4e5f6a701"
down_revision = "a7c1e0d5f003"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("alerts") as batch:
        batch.add_column(sa.Column("number_key", sa.String(length=500), nullable=False,
                                   server_default=""))
    alerts = sa.table("alerts", sa.column("id", sa.Integer), sa.column("value", sa.String),
                      sa.column("number_key", sa.String))
    connection = op.get_bind()
    for alert_id, value in connection.execute(sa.select(alerts.c.id, alerts.c.value)).all():
        connection.execute(alerts.update().where(alerts.c.id == alert_id)
                           .values(number_key=number_key(value or "")))
    op.create_index("ix_alerts_number_key_active", "alerts", ["number_key", "active"])


def downgrade():
    op.drop_index("ix_alerts_number_key_active", table_name="alerts")
    with op.batch_alter_table("alerts") as batch:
        batch.drop_column("number_key")
