"""The tables as they were before migrations existed (a database made then is stamped
with this revision, not migrated).

Revision ID: 0001
Revises:
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

import newsletter.storage.db

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('evergreen_sends',
    sa.Column('link', sa.String(length=2000), nullable=False),
    sa.Column('last_sent_at', newsletter.storage.db.UTCDateTime(), nullable=False),
    sa.Column('issue_slug', sa.String(length=100), nullable=False),
    sa.Column('times', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('link')
    )
    op.create_table('feed_alerts',
    sa.Column('source', sa.String(length=2000), nullable=False),
    sa.Column('alerted_at', newsletter.storage.db.UTCDateTime(), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('source')
    )
    op.create_table('feeds',
    sa.Column('source', sa.String(length=2000), nullable=False),
    sa.Column('url', sa.String(length=2000), nullable=False),
    sa.Column('etag', sa.String(length=500), nullable=True),
    sa.Column('last_modified', sa.String(length=200), nullable=True),
    sa.Column('retired_at', newsletter.storage.db.UTCDateTime(), nullable=True),
    sa.Column('retired_reason', sa.Text(), nullable=True),
    sa.Column('last_ok_at', newsletter.storage.db.UTCDateTime(), nullable=True),
    sa.Column('consecutive_failures', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('source')
    )
    op.create_table('issues',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('slug', sa.String(length=100), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('articles', sa.JSON(), nullable=False),
    sa.Column('subject', sa.Text(), nullable=False),
    sa.Column('preheader', sa.Text(), nullable=False),
    sa.Column('subject_override', sa.Text(), nullable=False),
    sa.Column('preheader_override', sa.Text(), nullable=False),
    sa.Column('html', sa.Text(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('warnings', sa.JSON(), nullable=False),
    sa.Column('held_reason', sa.Text(), nullable=True),
    sa.Column('created_at', newsletter.storage.db.UTCDateTime(), nullable=False),
    sa.Column('updated_at', newsletter.storage.db.UTCDateTime(), nullable=False),
    sa.Column('approved_by', sa.String(length=200), nullable=True),
    sa.Column('approved_at', newsletter.storage.db.UTCDateTime(), nullable=True),
    sa.Column('sent_at', newsletter.storage.db.UTCDateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('slug')
    )
    op.create_table('locks',
    sa.Column('name', sa.String(length=50), nullable=False),
    sa.Column('holder', sa.String(length=300), nullable=False),
    sa.Column('pid', sa.Integer(), nullable=False),
    sa.Column('host', sa.String(length=255), nullable=False),
    sa.Column('purpose', sa.Text(), nullable=False),
    sa.Column('acquired_at', newsletter.storage.db.UTCDateTime(), nullable=False),
    sa.Column('heartbeat_at', newsletter.storage.db.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('name')
    )
    op.create_table('schedule_runs',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('schedule', sa.String(length=100), nullable=False),
    sa.Column('started_at', newsletter.storage.db.UTCDateTime(), nullable=False),
    sa.Column('finished_at', newsletter.storage.db.UTCDateTime(), nullable=True),
    sa.Column('outcome', sa.String(length=20), nullable=False),
    sa.Column('slot', newsletter.storage.db.UTCDateTime(), nullable=True),
    sa.Column('issue_slug', sa.String(length=100), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('seen_articles',
    sa.Column('key', sa.String(length=2000), nullable=False),
    sa.Column('article_id', sa.String(length=2000), nullable=False),
    sa.Column('title', sa.Text(), nullable=False),
    sa.Column('issue_slug', sa.String(length=100), nullable=True),
    sa.Column('seen_at', newsletter.storage.db.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('key')
    )
    op.create_table('subscribers',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('email', sa.String(length=320), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('tags', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('created_at', newsletter.storage.db.UTCDateTime(), nullable=False),
    sa.Column('updated_at', newsletter.storage.db.UTCDateTime(), nullable=False),
    sa.Column('confirmed_at', newsletter.storage.db.UTCDateTime(), nullable=True),
    sa.Column('unsubscribed_at', newsletter.storage.db.UTCDateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('email')
    )
    with op.batch_alter_table('subscribers', schema=None) as batch_op:
        batch_op.create_index('subscribers_by_status', ['status', 'id'], unique=False)

    op.create_table('deliveries',
    sa.Column('issue_id', sa.Integer(), nullable=False),
    sa.Column('subscriber_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('at', newsletter.storage.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['issue_id'], ['issues.id'], ),
    sa.ForeignKeyConstraint(['subscriber_id'], ['subscribers.id'], ),
    sa.PrimaryKeyConstraint('issue_id', 'subscriber_id'),
    sqlite_with_rowid=False
    )
    op.create_table('send_runs',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('issue_id', sa.Integer(), nullable=False),
    sa.Column('started_at', newsletter.storage.db.UTCDateTime(), nullable=False),
    sa.Column('finished_at', newsletter.storage.db.UTCDateTime(), nullable=True),
    sa.Column('outcome', sa.String(length=20), nullable=False),
    sa.Column('sent', sa.Integer(), nullable=False),
    sa.Column('failed', sa.Integer(), nullable=False),
    sa.Column('skipped', sa.Integer(), nullable=False),
    sa.Column('deferred', sa.Integer(), nullable=False),
    sa.Column('seconds', sa.Float(), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['issue_id'], ['issues.id'], ),
    sa.PrimaryKeyConstraint('id')
    )


def downgrade() -> None:
    op.drop_table('send_runs')
    op.drop_table('deliveries')
    with op.batch_alter_table('subscribers', schema=None) as batch_op:
        batch_op.drop_index('subscribers_by_status')

    op.drop_table('subscribers')
    op.drop_table('seen_articles')
    op.drop_table('schedule_runs')
    op.drop_table('locks')
    op.drop_table('issues')
    op.drop_table('feeds')
    op.drop_table('feed_alerts')
    op.drop_table('evergreen_sends')
