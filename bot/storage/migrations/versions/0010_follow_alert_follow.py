"""The follow button (issue 18): who asked for a story's later copies as replies to its alert.

Revision ID: 0010_follow_alert_follow
Revises: 0009_uxa_missed_alerts
Create Date: 2026-12-05
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0010_follow_alert_follow'
down_revision: str | None = '0009_uxa_missed_alerts'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('alert_work') as batch:
        batch.add_column(sa.Column('followed_by', sa.Text(), nullable=True))
        batch.add_column(sa.Column('followed_by_id', sa.String(length=64), nullable=True))
        batch.add_column(sa.Column('followed_at', sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('alert_work') as batch:
        batch.drop_column('followed_at')
        batch.drop_column('followed_by_id')
        batch.drop_column('followed_by')
