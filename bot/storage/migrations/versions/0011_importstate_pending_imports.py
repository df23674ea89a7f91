"""Pending /import plans in the database (issue 17): a press on any replica finds the plan, once.

Revision ID: 0011_importstate_pending_imports
Revises: 0010_follow_alert_follow
Create Date: 2026-12-05
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0011_importstate_pending_imports'
down_revision: str | None = '0010_follow_alert_follow'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'pending_imports',
        sa.Column('token', sa.String(length=64), nullable=False),
        sa.Column('platform', sa.String(length=16), nullable=False),
        sa.Column('chat_id', sa.String(length=64), nullable=False),
        sa.Column('user_id', sa.String(length=64), nullable=False),
        sa.Column('payload', sa.JSON(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint('token', name=op.f('pk_pending_imports')),
    )
    op.create_index(op.f('ix_pending_imports_expires_at'), 'pending_imports', ['expires_at'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_pending_imports_expires_at'), table_name='pending_imports')
    op.drop_table('pending_imports')
