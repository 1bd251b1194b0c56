"""A lock knows its holder beyond the process id (boot id, PID namespace, start time), and
a scheduled run records its slot on the schedule's wall clock, once.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('locks') as batch:
        batch.add_column(sa.Column('boot_id', sa.String(length=100), nullable=True))
        batch.add_column(sa.Column('pid_namespace', sa.String(length=100), nullable=True))
        batch.add_column(sa.Column('process_start', sa.BigInteger(), nullable=True))
    with op.batch_alter_table('schedule_runs') as batch:
        batch.add_column(sa.Column('slot_key', sa.String(length=40), nullable=True))
    op.create_index('ix_schedule_runs_one_per_slot', 'schedule_runs', ['schedule', 'slot_key'],
                    unique=True)


def downgrade() -> None:
    op.drop_index('ix_schedule_runs_one_per_slot', table_name='schedule_runs')
    with op.batch_alter_table('schedule_runs') as batch:
        batch.drop_column('slot_key')
    with op.batch_alter_table('locks') as batch:
        batch.drop_column('process_start')
        batch.drop_column('pid_namespace')
        batch.drop_column('boot_id')
