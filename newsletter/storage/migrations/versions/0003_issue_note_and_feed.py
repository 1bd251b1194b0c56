"""An issue keeps staff's note (shown above the articles) and, when built with
`build --feed`, the feed it was built from, so a later send keeps using it.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('issues') as batch:
        batch.add_column(sa.Column('note', sa.Text(), nullable=False, server_default=''))
        batch.add_column(sa.Column('feed', sa.String(length=2000), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('issues') as batch:
        batch.drop_column('feed')
        batch.drop_column('note')
