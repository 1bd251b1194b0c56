"""Send claims: which sender (of several sharing one send on PostgreSQL) serves which
subscribers of the issue being sent, with its heartbeat.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

import newsletter.storage.db

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('send_claims',
    sa.Column('issue_id', sa.Integer(), nullable=False),
    sa.Column('subscriber_id', sa.Integer(), nullable=False),
    sa.Column('worker', sa.String(length=300), nullable=False),
    sa.Column('heartbeat_at', newsletter.storage.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['issue_id'], ['issues.id'], ),
    sa.PrimaryKeyConstraint('issue_id', 'subscriber_id')
    )
    with op.batch_alter_table('send_claims', schema=None) as batch_op:
        batch_op.create_index('send_claims_by_worker', ['worker'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('send_claims', schema=None) as batch_op:
        batch_op.drop_index('send_claims_by_worker')
    op.drop_table('send_claims')
