"""Attention (issue 16): a story filed under a "breaking news" category by its feed.

Revision ID: 0008_attention_story_breaking
Revises: 0007_attention_policy
Create Date: 2026-12-04
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0008_attention_story_breaking'
down_revision: str | None = '0007_attention_policy'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('stories') as batch:
        batch.add_column(sa.Column('breaking', sa.Boolean(), server_default='0', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('stories') as batch:
        batch.drop_column('breaking')
