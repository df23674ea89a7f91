"""Buttons on alerts: the per-destination switch, work on each alert, and 'not relevant' feedback.

Revision ID: 0006_ops_alert_work
Revises: 0005_sources_feed_poll_interval
Create Date: 2026-12-01
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0006_ops_alert_work'
down_revision: str | None = '0005_sources_feed_poll_interval'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('destinations') as batch:
        batch.add_column(sa.Column('buttons', sa.Boolean(), nullable=False, server_default='0'))
    op.create_table('alert_work',
    sa.Column('outbox_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('acked_by', sa.Text(), nullable=True),
    sa.Column('acked_by_id', sa.String(length=64), nullable=True),
    sa.Column('acked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('assignee_id', sa.String(length=64), nullable=True),
    sa.Column('assignee_name', sa.Text(), nullable=True),
    sa.Column('assigned_by', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['outbox_id'], ['outbox.id'], name=op.f('fk_alert_work_outbox_id_outbox'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('outbox_id', name=op.f('pk_alert_work'))
    )
    op.create_table('alert_feedback',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('outbox_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('destination_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('user_id', sa.String(length=64), nullable=False),
    sa.Column('terms', sa.JSON(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['outbox_id'], ['outbox.id'], name=op.f('fk_alert_feedback_outbox_id_outbox'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_alert_feedback')),
    sa.UniqueConstraint('outbox_id', 'user_id', name=op.f('uq_alert_feedback_outbox_id'))
    )
    op.create_index(op.f('ix_alert_feedback_at'), 'alert_feedback', ['at'], unique=False)
    op.create_index(op.f('ix_alert_feedback_destination_id'), 'alert_feedback', ['destination_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_alert_feedback_destination_id'), table_name='alert_feedback')
    op.drop_index(op.f('ix_alert_feedback_at'), table_name='alert_feedback')
    op.drop_table('alert_feedback')
    op.drop_table('alert_work')
    with op.batch_alter_table('destinations') as batch:
        batch.drop_column('buttons')
