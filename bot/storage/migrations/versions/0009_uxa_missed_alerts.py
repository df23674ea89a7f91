"""Missed while muted (issue 14): how many alerts a muted destination did not get, told when the mute ends.

Revision ID: 0009_uxa_missed_alerts
Revises: 0008_attention_story_breaking
Create Date: 2026-12-04
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0009_uxa_missed_alerts'
down_revision: str | None = '0008_attention_story_breaking'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('destinations') as batch:
        batch.add_column(sa.Column('missed_alerts', sa.Integer(), server_default='0', nullable=False))
        batch.add_column(sa.Column('missed_upto', sa.BigInteger(), server_default='0', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('destinations') as batch:
        batch.drop_column('missed_upto')
        batch.drop_column('missed_alerts')
