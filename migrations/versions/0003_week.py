"""weekly review, delegations, assigned tasks, notifications

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28 01:42:47.679356
"""
from alembic import op
import sqlalchemy as sa
import models.base


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('delegation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('supervisor_id', sa.Integer(), nullable=False),
    sa.Column('acting_id', sa.Integer(), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('end_date', sa.Date(), nullable=False),
    sa.Column('reason', sa.String(length=200), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint('acting_id <> supervisor_id', name=op.f('ck_delegation_not_self')),
    sa.CheckConstraint('end_date >= start_date', name=op.f('ck_delegation_dates_ordered')),
    sa.ForeignKeyConstraint(['acting_id'], ['person.id'], name=op.f('fk_delegation_acting_id_person'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by_id'], ['person.id'], name=op.f('fk_delegation_created_by_id_person'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['supervisor_id'], ['person.id'], name=op.f('fk_delegation_supervisor_id_person'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_delegation'))
    )
    with op.batch_alter_table('delegation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_delegation_acting_id'), ['acting_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_delegation_supervisor_id'), ['supervisor_id'], unique=False)

    op.create_table('notification',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('params', sa.JSON(), nullable=False),
    sa.Column('link', sa.String(length=255), nullable=False),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('read_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_notification_person_id_person'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notification'))
    )
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.create_index('ix_notification_person_read', ['person_id', 'read_at'], unique=False)

    op.create_table('week_review',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('week_start', sa.Date(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('signed_by_id', sa.Integer(), nullable=True),
    sa.Column('signed_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('entries', sa.Integer(), nullable=False),
    sa.Column('points', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('approved_points', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint("status IN ('open', 'signed')", name=op.f('ck_week_review_status_valid')),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_week_review_person_id_person'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['signed_by_id'], ['person.id'], name=op.f('fk_week_review_signed_by_id_person'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_week_review_unit_id_unit'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_week_review')),
    sa.UniqueConstraint('person_id', 'week_start', name=op.f('uq_week_review_person_id_week_start'))
    )
    with op.batch_alter_table('week_review', schema=None) as batch_op:
        batch_op.create_index('ix_week_review_unit_week', ['unit_id', 'week_start'], unique=False)

    op.create_table('assigned_task',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('assigned_by_id', sa.Integer(), nullable=True),
    sa.Column('task_type_id', sa.Integer(), nullable=False),
    sa.Column('expected_quantity', sa.Numeric(precision=10, scale=2), nullable=False),
    sa.Column('due_date', sa.Date(), nullable=False),
    sa.Column('note', sa.String(length=500), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=True),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('done_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint("status IN ('open', 'done', 'cancelled')", name=op.f('ck_assigned_task_status_valid')),
    sa.CheckConstraint('expected_quantity > 0', name=op.f('ck_assigned_task_quantity_positive')),
    sa.ForeignKeyConstraint(['assigned_by_id'], ['person.id'], name=op.f('fk_assigned_task_assigned_by_id_person'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['entry_id'], ['entry.id'], name=op.f('fk_assigned_task_entry_id_entry'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_assigned_task_person_id_person'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['task_type_id'], ['task_type.id'], name=op.f('fk_assigned_task_task_type_id_task_type'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assigned_task'))
    )
    with op.batch_alter_table('assigned_task', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_assigned_task_assigned_by_id'), ['assigned_by_id'], unique=False)
        batch_op.create_index('ix_assigned_task_person_status', ['person_id', 'status'], unique=False)

    with op.batch_alter_table('entry', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reviewed_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('reviewed_at', models.base.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('review_note', sa.String(length=500), server_default='', nullable=False))
        batch_op.create_foreign_key(batch_op.f('fk_entry_reviewed_by_id_person'), 'person', ['reviewed_by_id'], ['id'], ondelete='SET NULL')
    # The default only fills the existing rows; the application always writes the column.
    with op.batch_alter_table('entry', schema=None) as batch_op:
        batch_op.alter_column('review_note', server_default=None)



def downgrade() -> None:
    with op.batch_alter_table('entry', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_entry_reviewed_by_id_person'), type_='foreignkey')
        batch_op.drop_column('review_note')
        batch_op.drop_column('reviewed_at')
        batch_op.drop_column('reviewed_by_id')

    with op.batch_alter_table('assigned_task', schema=None) as batch_op:
        batch_op.drop_index('ix_assigned_task_person_status')
        batch_op.drop_index(batch_op.f('ix_assigned_task_assigned_by_id'))

    op.drop_table('assigned_task')
    with op.batch_alter_table('week_review', schema=None) as batch_op:
        batch_op.drop_index('ix_week_review_unit_week')

    op.drop_table('week_review')
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.drop_index('ix_notification_person_read')

    op.drop_table('notification')
    with op.batch_alter_table('delegation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_delegation_supervisor_id'))
        batch_op.drop_index(batch_op.f('ix_delegation_acting_id'))

    op.drop_table('delegation')
