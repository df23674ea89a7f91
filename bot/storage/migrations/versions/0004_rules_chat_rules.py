"""Chat rules and exclusions: /watch stores rules (longer than terms), /exclude terms get a table.

Revision ID: 0004_rules_chat_rules
Revises: 0003_ops_audit_log
Create Date: 2026-12-01
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0004_rules_chat_rules'
down_revision: str | None = '0003_ops_audit_log'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('custom_terms') as batch:
        batch.alter_column('term', existing_type=sa.String(length=200), type_=sa.String(length=600),
                           existing_nullable=False)
        batch.alter_column('key', existing_type=sa.String(length=400), type_=sa.String(length=1200),
                           existing_nullable=False)
    op.create_table('chat_exclusions',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('destination_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('term', sa.String(length=200), nullable=False),
    sa.Column('key', sa.String(length=400), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['destination_id'], ['destinations.id'],
                            name=op.f('fk_chat_exclusions_destination_id_destinations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_chat_exclusions')),
    sa.UniqueConstraint('destination_id', 'key', name=op.f('uq_chat_exclusions_destination_id'))
    )


def downgrade() -> None:
    op.drop_table('chat_exclusions')
    with op.batch_alter_table('custom_terms') as batch:
        batch.alter_column('key', existing_type=sa.String(length=1200), type_=sa.String(length=400),
                           existing_nullable=False)
        batch.alter_column('term', existing_type=sa.String(length=600), type_=sa.String(length=200),
                           existing_nullable=False)
