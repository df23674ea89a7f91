"""Feeds remember the poll interval their last poll chose (adaptive polling, shown in /status).

Revision ID: 0005_sources_feed_poll_interval
Revises: 0004_rules_chat_rules
Create Date: 2026-12-01
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0005_sources_feed_poll_interval'
down_revision: str | None = '0004_rules_chat_rules'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('feeds') as batch:
        batch.add_column(sa.Column('poll_interval', sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('feeds') as batch:
        batch.drop_column('poll_interval')
