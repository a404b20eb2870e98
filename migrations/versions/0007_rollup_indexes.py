"""an index for a department's officer-day totals

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29 17:10:00

One department's officers in a month read ``person_day_total`` by department and date; without this index
that read scanned every officer-day of the province.
"""
from alembic import op


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_person_day_total_department_date', 'person_day_total', ['department_id', 'work_date'])


def downgrade() -> None:
    op.drop_index('ix_person_day_total_department_date', table_name='person_day_total')
