"""task types' search keys (pinyin, initials, code)

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-30 03:00:00

The day page finds a task by its characters, full pinyin, initials or code. The keys are computed when a task
type is saved (models.catalog.task_search_keys) and here, once, for the task types already there.
"""
from alembic import op
import sqlalchemy as sa


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    from models.catalog import task_search_keys
    with op.batch_alter_table('task_type', schema=None) as batch_op:
        batch_op.add_column(sa.Column('search_keys', sa.String(length=600), server_default='', nullable=False))
    connection = op.get_bind()
    task_type = sa.table('task_type', sa.column('id', sa.Integer), sa.column('code', sa.String),
                         sa.column('name', sa.String), sa.column('search_keys', sa.String))
    rows = connection.execute(sa.select(task_type.c.id, task_type.c.code, task_type.c.name)).all()
    for row_id, code, name in rows:
        connection.execute(task_type.update().where(task_type.c.id == row_id)
                           .values(search_keys=task_search_keys(code, name)))
    with op.batch_alter_table('task_type', schema=None) as batch_op:
        batch_op.alter_column('search_keys', server_default=None)  # the application always gives the keys


def downgrade() -> None:
    with op.batch_alter_table('task_type', schema=None) as batch_op:
        batch_op.drop_column('search_keys')
