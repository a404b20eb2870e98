"""month review, rule sets, results, appeals, ledgers

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28 01:54:43.176653
"""
from alembic import op
import sqlalchemy as sa
import models.base


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('rule_set',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('valid_from', sa.Date(), nullable=False),
    sa.Column('values', sa.JSON(), nullable=False),
    sa.Column('note', sa.String(length=200), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['person.id'], name=op.f('fk_rule_set_created_by_id_person'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rule_set')),
    sa.UniqueConstraint('valid_from', name=op.f('uq_rule_set_valid_from'))
    )
    op.create_table('unit_month',
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('officers', sa.Integer(), nullable=False),
    sa.Column('entries', sa.Integer(), nullable=False),
    sa.Column('points', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('approved_points', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_unit_month_unit_id_unit'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('unit_id', 'month', name=op.f('pk_unit_month'))
    )
    op.create_table('department_month',
    sa.Column('department_id', sa.Integer(), nullable=False),
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('officers', sa.Integer(), nullable=False),
    sa.Column('entries', sa.Integer(), nullable=False),
    sa.Column('points', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('approved_points', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.ForeignKeyConstraint(['department_id'], ['department.id'], name=op.f('fk_department_month_department_id_department'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_department_month_unit_id_unit'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('department_id', 'month', name=op.f('pk_department_month'))
    )
    with op.batch_alter_table('department_month', schema=None) as batch_op:
        batch_op.create_index('ix_department_month_unit_month', ['unit_id', 'month'], unique=False)

    op.create_table('department_month_category',
    sa.Column('department_id', sa.Integer(), nullable=False),
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=False),
    sa.Column('entries', sa.Integer(), nullable=False),
    sa.Column('points', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('approved_points', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.ForeignKeyConstraint(['category_id'], ['task_category.id'], name=op.f('fk_department_month_category_category_id_task_category'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['department_id'], ['department.id'], name=op.f('fk_department_month_category_department_id_department'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('department_id', 'month', 'category_id', name=op.f('pk_department_month_category'))
    )
    op.create_table('month_review',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('rule_set_id', sa.Integer(), nullable=True),
    sa.Column('computed_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('published_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('publication_ends', sa.Date(), nullable=True),
    sa.Column('appeal_deadline', sa.Date(), nullable=True),
    sa.Column('finalised_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('finalised_by_id', sa.Integer(), nullable=True),
    sa.Column('reopened', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint("status IN ('open', 'computed', 'published', 'final')", name=op.f('ck_month_review_status_valid')),
    sa.ForeignKeyConstraint(['finalised_by_id'], ['person.id'], name=op.f('fk_month_review_finalised_by_id_person'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['rule_set_id'], ['rule_set.id'], name=op.f('fk_month_review_rule_set_id_rule_set'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_month_review_unit_id_unit'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_month_review')),
    sa.UniqueConstraint('unit_id', 'month', name=op.f('uq_month_review_unit_id_month'))
    )
    with op.batch_alter_table('month_review', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_month_review_unit_id'), ['unit_id'], unique=False)

    op.create_table('appeal',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('month_review_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=1000), nullable=False),
    sa.Column('filed_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('decision', sa.String(length=1000), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint("status IN ('pending', 'upheld', 'rejected')", name=op.f('ck_appeal_status_valid')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['person.id'], name=op.f('fk_appeal_decided_by_id_person'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['month_review_id'], ['month_review.id'], name=op.f('fk_appeal_month_review_id_month_review'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_appeal_person_id_person'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_appeal'))
    )
    with op.batch_alter_table('appeal', schema=None) as batch_op:
        batch_op.create_index('ix_appeal_review', ['month_review_id'], unique=False)

    op.create_table('month_adjustment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('month_review_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('points', sa.Numeric(precision=8, scale=2), nullable=False),
    sa.Column('reason', sa.String(length=500), nullable=False),
    sa.Column('evidence', sa.String(length=500), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('voided_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('void_reason', sa.String(length=500), nullable=False),
    sa.CheckConstraint("kind IN ('commendation', 'discipline', 'quality', 'complaint')", name=op.f('ck_month_adjustment_kind_valid')),
    sa.CheckConstraint('points > 0', name=op.f('ck_month_adjustment_points_positive')),
    sa.ForeignKeyConstraint(['created_by_id'], ['person.id'], name=op.f('fk_month_adjustment_created_by_id_person'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['month_review_id'], ['month_review.id'], name=op.f('fk_month_adjustment_month_review_id_month_review'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_month_adjustment_person_id_person'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_month_adjustment'))
    )
    with op.batch_alter_table('month_adjustment', schema=None) as batch_op:
        batch_op.create_index('ix_month_adjustment_review_person', ['month_review_id', 'person_id'], unique=False)

    op.create_table('month_result',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('month_review_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=False),
    sa.Column('sequence_id', sa.Integer(), nullable=False),
    sa.Column('post_id', sa.Integer(), nullable=False),
    sa.Column('approved_points', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('target_points', sa.Numeric(precision=10, scale=2), nullable=False),
    sa.Column('missing_days', sa.Integer(), nullable=False),
    sa.Column('late_days', sa.Integer(), nullable=False),
    sa.Column('returned_entries', sa.Integer(), nullable=False),
    sa.Column('reduced_entries', sa.Integer(), nullable=False),
    sa.Column('discipline_deductions', sa.Numeric(precision=8, scale=2), nullable=False),
    sa.Column('quality_deductions', sa.Numeric(precision=8, scale=2), nullable=False),
    sa.Column('commendations', sa.Numeric(precision=8, scale=2), nullable=False),
    sa.Column('base', sa.Numeric(precision=6, scale=2), nullable=False),
    sa.Column('workload', sa.Numeric(precision=6, scale=2), nullable=False),
    sa.Column('quality', sa.Numeric(precision=6, scale=2), nullable=False),
    sa.Column('bonus', sa.Numeric(precision=6, scale=2), nullable=False),
    sa.Column('score', sa.Numeric(precision=6, scale=2), nullable=False),
    sa.Column('veto', sa.Boolean(), nullable=False),
    sa.Column('rank', sa.Integer(), nullable=False),
    sa.Column('group_size', sa.Integer(), nullable=False),
    sa.Column('quota', sa.Integer(), nullable=False),
    sa.Column('proposed_grade', sa.String(length=16), nullable=False),
    sa.Column('override_grade', sa.String(length=16), nullable=True),
    sa.Column('override_reason', sa.String(length=500), nullable=False),
    sa.Column('final_grade', sa.String(length=16), nullable=False),
    sa.Column('explanation', sa.JSON(), nullable=False),
    sa.CheckConstraint("final_grade IN ('excellent', 'competent', 'basic', 'incompetent')", name=op.f('ck_month_result_final_valid')),
    sa.CheckConstraint("override_grade IS NULL OR override_grade IN ('excellent', 'competent', 'basic', 'incompetent')", name=op.f('ck_month_result_override_valid')),
    sa.CheckConstraint("proposed_grade IN ('excellent', 'competent', 'basic', 'incompetent')", name=op.f('ck_month_result_proposed_valid')),
    sa.ForeignKeyConstraint(['department_id'], ['department.id'], name=op.f('fk_month_result_department_id_department'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['month_review_id'], ['month_review.id'], name=op.f('fk_month_result_month_review_id_month_review'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_month_result_person_id_person'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['post_id'], ['post.id'], name=op.f('fk_month_result_post_id_post'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['sequence_id'], ['sequence.id'], name=op.f('fk_month_result_sequence_id_sequence'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_month_result')),
    sa.UniqueConstraint('month_review_id', 'person_id', name=op.f('uq_month_result_month_review_id_person_id'))
    )
    with op.batch_alter_table('month_result', schema=None) as batch_op:
        batch_op.create_index('ix_month_result_person', ['person_id'], unique=False)

    op.create_table('veto_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('month_review_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('event_date', sa.Date(), nullable=False),
    sa.Column('reason', sa.String(length=500), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('voided_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('void_reason', sa.String(length=500), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['person.id'], name=op.f('fk_veto_event_created_by_id_person'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['month_review_id'], ['month_review.id'], name=op.f('fk_veto_event_month_review_id_month_review'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_veto_event_person_id_person'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_veto_event'))
    )
    with op.batch_alter_table('veto_event', schema=None) as batch_op:
        batch_op.create_index('ix_veto_event_review_person', ['month_review_id', 'person_id'], unique=False)

    with op.batch_alter_table('entry', schema=None) as batch_op:
        batch_op.add_column(sa.Column('returned_count', sa.Integer(), server_default='0', nullable=False))
    # Entries returned before this column existed are counted once; the default only fills existing rows.
    op.execute("UPDATE entry SET returned_count = 1 WHERE status IN ('returned', 'resubmitted')")
    with op.batch_alter_table('entry', schema=None) as batch_op:
        batch_op.alter_column('returned_count', server_default=None)
        batch_op.add_column(sa.Column('week_signed', sa.Boolean(), server_default=sa.false(), nullable=False))
    week_end = "date(w.week_start, '+6 days')" if op.get_bind().dialect.name == "sqlite" else "w.week_start + 6"
    op.execute("UPDATE entry SET week_signed = TRUE WHERE EXISTS (SELECT 1 FROM week_review w "
               "WHERE w.person_id = entry.person_id AND w.status = 'signed' "
               f"AND entry.work_date >= w.week_start AND entry.work_date <= {week_end})")
    with op.batch_alter_table('entry', schema=None) as batch_op:
        batch_op.alter_column('week_signed', server_default=None)



def downgrade() -> None:
    with op.batch_alter_table('entry', schema=None) as batch_op:
        batch_op.drop_column('week_signed')
        batch_op.drop_column('returned_count')

    with op.batch_alter_table('veto_event', schema=None) as batch_op:
        batch_op.drop_index('ix_veto_event_review_person')

    op.drop_table('veto_event')
    with op.batch_alter_table('month_result', schema=None) as batch_op:
        batch_op.drop_index('ix_month_result_person')

    op.drop_table('month_result')
    with op.batch_alter_table('month_adjustment', schema=None) as batch_op:
        batch_op.drop_index('ix_month_adjustment_review_person')

    op.drop_table('month_adjustment')
    with op.batch_alter_table('appeal', schema=None) as batch_op:
        batch_op.drop_index('ix_appeal_review')

    op.drop_table('appeal')
    with op.batch_alter_table('month_review', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_month_review_unit_id'))

    op.drop_table('month_review')
    op.drop_table('department_month_category')
    with op.batch_alter_table('department_month', schema=None) as batch_op:
        batch_op.drop_index('ix_department_month_unit_month')

    op.drop_table('department_month')
    op.drop_table('unit_month')
    op.drop_table('rule_set')
