"""index holder names for exact name checks (#12)

A supplier list or an API batch may name companies without a number; they are looked up by
exact name, which must not scan the whole register.

Revision ID: 5b1e0c3a9d27
Revises: 5f74b0c15e13
Create Date: 2026-12-03 07:40:00

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '5b1e0c3a9d27'
down_revision = '5f74b0c15e13'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('certificates', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_certificates_holder_name_zh'), ['holder_name_zh'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_certificates_holder_name_en'), ['holder_name_en'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('certificates', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_certificates_holder_name_en'))
        batch_op.drop_index(batch_op.f('ix_certificates_holder_name_zh'))
