"""The social posting ledger: one row per article and platform, written before the
platform is asked (status "posting", with the key that finds the post again) and completed
with the platform's post id and address after it answers.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

import newsletter.storage.db

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('posts',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('article_id', sa.String(length=2000), nullable=False),
    sa.Column('platform', sa.String(length=30), nullable=False),
    sa.Column('issue_id', sa.Integer(), nullable=False),
    sa.Column('text_hash', sa.String(length=64), nullable=False),
    sa.Column('key', sa.String(length=100), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('post_id', sa.String(length=300), nullable=True),
    sa.Column('url', sa.String(length=2000), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('started_at', newsletter.storage.db.UTCDateTime(), nullable=False),
    sa.Column('posted_at', newsletter.storage.db.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['issue_id'], ['issues.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('posts_once', 'posts', ['article_id', 'platform'], unique=True)
    op.create_index('posts_by_issue', 'posts', ['issue_id'], unique=False)


def downgrade() -> None:
    op.drop_index('posts_by_issue', table_name='posts')
    op.drop_index('posts_once', table_name='posts')
    op.drop_table('posts')
