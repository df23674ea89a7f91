"""Attention (issue 16): per-destination policy columns; held outbox rows with a release time.

Revision ID: 0007_attention_policy
Revises: 0006_ops_alert_work
Create Date: 2026-12-01
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0007_attention_policy'
down_revision: str | None = '0006_ops_alert_work'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('destinations') as batch:
        batch.add_column(sa.Column('timezone', sa.String(length=64), nullable=True))
        batch.add_column(sa.Column('quiet_start', sa.String(length=5), nullable=True))
        batch.add_column(sa.Column('quiet_end', sa.String(length=5), nullable=True))
        batch.add_column(sa.Column('quiet_all', sa.Boolean(), server_default='0', nullable=False))
        batch.add_column(sa.Column('digest_times', sa.Text(), nullable=True))
        batch.add_column(sa.Column('digest_watchlists', sa.Text(), nullable=True))
        batch.add_column(sa.Column('cap', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('notify', sa.String(length=16), server_default='all', nullable=False))
        batch.add_column(sa.Column('slack_here', sa.Boolean(), server_default='0', nullable=False))
        batch.add_column(sa.Column('urgent_watchlists', sa.Text(), nullable=True))
        batch.add_column(sa.Column('last_cap_notice_at', sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table('outbox') as batch:
        batch.add_column(sa.Column('tier', sa.String(length=16), nullable=True))
        batch.add_column(sa.Column('release_at', sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column('hold_reason', sa.String(length=16), nullable=True))
        batch.add_column(sa.Column('urgent_at', sa.DateTime(timezone=True), nullable=True))
        batch.create_index('ix_outbox_state_release', ['state', 'release_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('outbox') as batch:
        batch.drop_index('ix_outbox_state_release')
        for name in ('urgent_at', 'hold_reason', 'release_at', 'tier'):
            batch.drop_column(name)
    with op.batch_alter_table('destinations') as batch:
        for name in ('last_cap_notice_at', 'urgent_watchlists', 'slack_here', 'notify', 'cap', 'digest_watchlists',
                     'digest_times', 'quiet_all', 'quiet_end', 'quiet_start', 'timezone'):
            batch.drop_column(name)
