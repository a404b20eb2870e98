"""a round's list keeps what ordered each officer among equals

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-30 10:15:00

Adds ``promotion_candidate.ties``: each tie-breaker's value for the officer (a count of monthly grades, an annual
score, months of service), shown on the list's page and in its spreadsheet. Lists judged before keep none.
"""
from alembic import op
import sqlalchemy as sa


revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('promotion_candidate', schema=None) as batch_op:
        batch_op.add_column(sa.Column('ties', sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('promotion_candidate', schema=None) as batch_op:
        batch_op.drop_column('ties')
