"""task catalog, calendar, day logs and entries

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28 01:13:41.088385
"""
from alembic import op
import sqlalchemy as sa
import models.base


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('calendar_day',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('working', sa.Boolean(), nullable=False),
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.PrimaryKeyConstraint('day', name=op.f('pk_calendar_day'))
    )
    op.create_table('task_category',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_task_category')),
    sa.UniqueConstraint('code', name=op.f('uq_task_category_code'))
    )
    op.create_table('task_type',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=False),
    sa.Column('sequence_id', sa.Integer(), nullable=True),
    sa.Column('unit_of_measure', sa.String(length=16), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['category_id'], ['task_category.id'], name=op.f('fk_task_type_category_id_task_category'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['sequence_id'], ['sequence.id'], name=op.f('fk_task_type_sequence_id_sequence'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_task_type')),
    sa.UniqueConstraint('code', name=op.f('uq_task_type_code'))
    )
    with op.batch_alter_table('task_type', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_task_type_category_id'), ['category_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_task_type_sequence_id'), ['sequence_id'], unique=False)

    op.create_table('day_log',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('work_date', sa.Date(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=False),
    sa.Column('sequence_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('self_assessment', sa.String(length=200), nullable=False),
    sa.Column('submitted_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('deadline_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('late', sa.Boolean(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint("status IN ('open', 'submitted')", name=op.f('ck_day_log_status_valid')),
    sa.ForeignKeyConstraint(['department_id'], ['department.id'], name=op.f('fk_day_log_department_id_department'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_day_log_person_id_person'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['sequence_id'], ['sequence.id'], name=op.f('fk_day_log_sequence_id_sequence'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_day_log_unit_id_unit'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_day_log')),
    sa.UniqueConstraint('person_id', 'work_date', name=op.f('uq_day_log_person_id_work_date'))
    )
    with op.batch_alter_table('day_log', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_day_log_department_id'), ['department_id'], unique=False)
        batch_op.create_index('ix_day_log_unit_date', ['unit_id', 'work_date'], unique=False)

    op.create_table('favourite_task',
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('task_type_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_favourite_task_person_id_person'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['task_type_id'], ['task_type.id'], name=op.f('fk_favourite_task_task_type_id_task_type'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('person_id', 'task_type_id', name=op.f('pk_favourite_task'))
    )
    op.create_table('person_day_total',
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('work_date', sa.Date(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=False),
    sa.Column('sequence_id', sa.Integer(), nullable=False),
    sa.Column('entries', sa.Integer(), nullable=False),
    sa.Column('hours', sa.Numeric(precision=6, scale=2), nullable=False),
    sa.Column('points', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('approved_points', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.ForeignKeyConstraint(['department_id'], ['department.id'], name=op.f('fk_person_day_total_department_id_department'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_person_day_total_person_id_person'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['sequence_id'], ['sequence.id'], name=op.f('fk_person_day_total_sequence_id_sequence'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_person_day_total_unit_id_unit'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('person_id', 'work_date', name=op.f('pk_person_day_total'))
    )
    with op.batch_alter_table('person_day_total', schema=None) as batch_op:
        batch_op.create_index('ix_person_day_total_unit_seq_date', ['unit_id', 'sequence_id', 'work_date'], unique=False)

    op.create_table('task_type_post',
    sa.Column('task_type_id', sa.Integer(), nullable=False),
    sa.Column('post_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['post_id'], ['post.id'], name=op.f('fk_task_type_post_post_id_post'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['task_type_id'], ['task_type.id'], name=op.f('fk_task_type_post_task_type_id_task_type'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('task_type_id', 'post_id', name=op.f('pk_task_type_post'))
    )
    op.create_table('task_type_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('task_type_id', sa.Integer(), nullable=False),
    sa.Column('valid_from', sa.Date(), nullable=False),
    sa.Column('standard_points', sa.Numeric(precision=8, scale=2), nullable=False),
    sa.Column('daily_cap', sa.Numeric(precision=10, scale=2), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('daily_cap > 0', name=op.f('ck_task_type_version_cap_positive')),
    sa.CheckConstraint('standard_points >= 0', name=op.f('ck_task_type_version_points_not_negative')),
    sa.ForeignKeyConstraint(['created_by_id'], ['person.id'], name=op.f('fk_task_type_version_created_by_id_person'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['task_type_id'], ['task_type.id'], name=op.f('fk_task_type_version_task_type_id_task_type'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_task_type_version')),
    sa.UniqueConstraint('task_type_id', 'valid_from', name=op.f('uq_task_type_version_task_type_id_valid_from'))
    )
    with op.batch_alter_table('task_type_version', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_task_type_version_task_type_id'), ['task_type_id'], unique=False)

    op.create_table('entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('day_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('work_date', sa.Date(), nullable=False),
    sa.Column('task_type_id', sa.Integer(), nullable=False),
    sa.Column('task_type_version_id', sa.Integer(), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=False),
    sa.Column('post_id', sa.Integer(), nullable=False),
    sa.Column('sequence_id', sa.Integer(), nullable=False),
    sa.Column('quantity', sa.Numeric(precision=10, scale=2), nullable=False),
    sa.Column('hours', sa.Numeric(precision=4, scale=2), nullable=False),
    sa.Column('description', sa.String(length=500), nullable=False),
    sa.Column('completion', sa.String(length=16), nullable=False),
    sa.Column('standard_points', sa.Numeric(precision=8, scale=2), nullable=False),
    sa.Column('completion_factor', sa.Numeric(precision=4, scale=2), nullable=False),
    sa.Column('coefficient', sa.Numeric(precision=4, scale=2), nullable=False),
    sa.Column('points', sa.Numeric(precision=10, scale=2), nullable=False),
    sa.Column('approved_points', sa.Numeric(precision=10, scale=2), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint("completion IN ('done', 'mostly', 'not_done')", name=op.f('ck_entry_completion_valid')),
    sa.CheckConstraint("status IN ('draft', 'submitted', 'approved', 'returned', 'resubmitted')", name=op.f('ck_entry_status_valid')),
    sa.CheckConstraint('hours >= 0 AND hours <= 24', name=op.f('ck_entry_hours_range')),
    sa.CheckConstraint('quantity > 0', name=op.f('ck_entry_quantity_positive')),
    sa.ForeignKeyConstraint(['category_id'], ['task_category.id'], name=op.f('fk_entry_category_id_task_category'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['day_id'], ['day_log.id'], name=op.f('fk_entry_day_id_day_log'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['department_id'], ['department.id'], name=op.f('fk_entry_department_id_department'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_entry_person_id_person'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['post_id'], ['post.id'], name=op.f('fk_entry_post_id_post'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['sequence_id'], ['sequence.id'], name=op.f('fk_entry_sequence_id_sequence'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['task_type_id'], ['task_type.id'], name=op.f('fk_entry_task_type_id_task_type'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['task_type_version_id'], ['task_type_version.id'], name=op.f('fk_entry_task_type_version_id_task_type_version'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_entry_unit_id_unit'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_entry'))
    )
    with op.batch_alter_table('entry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_entry_day_id'), ['day_id'], unique=False)
        batch_op.create_index('ix_entry_department_date', ['department_id', 'work_date'], unique=False)
        batch_op.create_index('ix_entry_person_date', ['person_id', 'work_date'], unique=False)
        batch_op.create_index(batch_op.f('ix_entry_task_type_id'), ['task_type_id'], unique=False)
        batch_op.create_index('ix_entry_unit_date', ['unit_id', 'work_date'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('entry', schema=None) as batch_op:
        batch_op.drop_index('ix_entry_unit_date')
        batch_op.drop_index(batch_op.f('ix_entry_task_type_id'))
        batch_op.drop_index('ix_entry_person_date')
        batch_op.drop_index('ix_entry_department_date')
        batch_op.drop_index(batch_op.f('ix_entry_day_id'))

    op.drop_table('entry')
    with op.batch_alter_table('task_type_version', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_task_type_version_task_type_id'))

    op.drop_table('task_type_version')
    op.drop_table('task_type_post')
    with op.batch_alter_table('person_day_total', schema=None) as batch_op:
        batch_op.drop_index('ix_person_day_total_unit_seq_date')

    op.drop_table('person_day_total')
    op.drop_table('favourite_task')
    with op.batch_alter_table('day_log', schema=None) as batch_op:
        batch_op.drop_index('ix_day_log_unit_date')
        batch_op.drop_index(batch_op.f('ix_day_log_department_id'))

    op.drop_table('day_log')
    with op.batch_alter_table('task_type', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_task_type_sequence_id'))
        batch_op.drop_index(batch_op.f('ix_task_type_category_id'))

    op.drop_table('task_type')
    op.drop_table('task_category')
    op.drop_table('calendar_day')
