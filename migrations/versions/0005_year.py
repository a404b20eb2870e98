"""annual review, appeals, promotion rounds, bonus pools

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28 02:38:34.584968
"""
from alembic import op
import sqlalchemy as sa
import models.base


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('bonus_pool',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('amount', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('coefficients', sa.JSON(), nullable=False),
    sa.Column('note', sa.String(length=200), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['person.id'], name=op.f('fk_bonus_pool_created_by_id_person'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_bonus_pool_unit_id_unit'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bonus_pool'))
    )
    with op.batch_alter_table('bonus_pool', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_bonus_pool_unit_id'), ['unit_id'], unique=False)

    op.create_table('promotion_round',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('reference_date', sa.Date(), nullable=False),
    sa.Column('policy', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('published_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status IN ('draft', 'published')", name=op.f('ck_promotion_round_status_valid')),
    sa.ForeignKeyConstraint(['created_by_id'], ['person.id'], name=op.f('fk_promotion_round_created_by_id_person'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_promotion_round_unit_id_unit'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_promotion_round'))
    )
    with op.batch_alter_table('promotion_round', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_promotion_round_unit_id'), ['unit_id'], unique=False)

    op.create_table('year_review',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('computed_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('published_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('appeal_deadline', sa.Date(), nullable=True),
    sa.Column('finalised_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('reopened', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint("status IN ('open', 'computed', 'published', 'final')", name=op.f('ck_year_review_status_valid')),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_year_review_unit_id_unit'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_year_review')),
    sa.UniqueConstraint('unit_id', 'year', name=op.f('uq_year_review_unit_id_year'))
    )
    with op.batch_alter_table('year_review', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_year_review_unit_id'), ['unit_id'], unique=False)

    op.create_table('bonus_share',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('pool_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('grade', sa.String(length=16), nullable=False),
    sa.Column('score', sa.Numeric(precision=6, scale=2), nullable=False),
    sa.Column('amount', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_bonus_share_person_id_person'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['pool_id'], ['bonus_pool.id'], name=op.f('fk_bonus_share_pool_id_bonus_pool'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bonus_share')),
    sa.UniqueConstraint('pool_id', 'person_id', name=op.f('uq_bonus_share_pool_id_person_id'))
    )
    with op.batch_alter_table('bonus_share', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_bonus_share_pool_id'), ['pool_id'], unique=False)

    op.create_table('promotion_candidate',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('eligible', sa.Boolean(), nullable=False),
    sa.Column('badge', sa.String(length=20), nullable=False),
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.Column('checks', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_promotion_candidate_person_id_person'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['round_id'], ['promotion_round.id'], name=op.f('fk_promotion_candidate_round_id_promotion_round'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_promotion_candidate')),
    sa.UniqueConstraint('round_id', 'person_id', name=op.f('uq_promotion_candidate_round_id_person_id'))
    )
    with op.batch_alter_table('promotion_candidate', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_promotion_candidate_round_id'), ['round_id'], unique=False)

    op.create_table('year_adjustment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('year_review_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('points', sa.Numeric(precision=8, scale=2), nullable=False),
    sa.Column('reason', sa.String(length=500), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('voided_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['person.id'], name=op.f('fk_year_adjustment_created_by_id_person'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_year_adjustment_person_id_person'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['year_review_id'], ['year_review.id'], name=op.f('fk_year_adjustment_year_review_id_year_review'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_year_adjustment'))
    )
    with op.batch_alter_table('year_adjustment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_year_adjustment_year_review_id'), ['year_review_id'], unique=False)

    op.create_table('year_appeal',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('year_review_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=1000), nullable=False),
    sa.Column('filed_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('decision', sa.String(length=1000), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status IN ('pending', 'upheld', 'rejected')", name=op.f('ck_year_appeal_status_valid')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['person.id'], name=op.f('fk_year_appeal_decided_by_id_person'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_year_appeal_person_id_person'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['year_review_id'], ['year_review.id'], name=op.f('fk_year_appeal_year_review_id_year_review'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_year_appeal'))
    )
    with op.batch_alter_table('year_appeal', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_year_appeal_year_review_id'), ['year_review_id'], unique=False)

    op.create_table('year_result',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('year_review_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=False),
    sa.Column('sequence_id', sa.Integer(), nullable=False),
    sa.Column('months', sa.Integer(), nullable=False),
    sa.Column('mean_monthly', sa.Numeric(precision=6, scale=2), nullable=False),
    sa.Column('adjustments', sa.Numeric(precision=8, scale=2), nullable=False),
    sa.Column('score', sa.Numeric(precision=6, scale=2), nullable=False),
    sa.Column('excellent_months', sa.Integer(), nullable=False),
    sa.Column('incompetent_months', sa.Integer(), nullable=False),
    sa.Column('veto', sa.Boolean(), nullable=False),
    sa.Column('rank', sa.Integer(), nullable=False),
    sa.Column('group_size', sa.Integer(), nullable=False),
    sa.Column('percentile', sa.Numeric(precision=6, scale=4), nullable=False),
    sa.Column('proposed_grade', sa.String(length=16), nullable=False),
    sa.Column('final_grade', sa.String(length=16), nullable=False),
    sa.Column('explanation', sa.JSON(), nullable=False),
    sa.CheckConstraint("final_grade IN ('excellent', 'competent', 'basic', 'incompetent')", name=op.f('ck_year_result_final_valid')),
    sa.CheckConstraint("proposed_grade IN ('excellent', 'competent', 'basic', 'incompetent')", name=op.f('ck_year_result_proposed_valid')),
    sa.ForeignKeyConstraint(['department_id'], ['department.id'], name=op.f('fk_year_result_department_id_department'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_year_result_person_id_person'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['sequence_id'], ['sequence.id'], name=op.f('fk_year_result_sequence_id_sequence'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['year_review_id'], ['year_review.id'], name=op.f('fk_year_result_year_review_id_year_review'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_year_result')),
    sa.UniqueConstraint('year_review_id', 'person_id', name=op.f('uq_year_result_year_review_id_person_id'))
    )
    with op.batch_alter_table('year_result', schema=None) as batch_op:
        batch_op.create_index('ix_year_result_person', ['person_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('year_result', schema=None) as batch_op:
        batch_op.drop_index('ix_year_result_person')

    op.drop_table('year_result')
    with op.batch_alter_table('year_appeal', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_year_appeal_year_review_id'))

    op.drop_table('year_appeal')
    with op.batch_alter_table('year_adjustment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_year_adjustment_year_review_id'))

    op.drop_table('year_adjustment')
    with op.batch_alter_table('promotion_candidate', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_promotion_candidate_round_id'))

    op.drop_table('promotion_candidate')
    with op.batch_alter_table('bonus_share', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_bonus_share_pool_id'))

    op.drop_table('bonus_share')
    with op.batch_alter_table('year_review', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_year_review_unit_id'))

    op.drop_table('year_review')
    with op.batch_alter_table('promotion_round', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_promotion_round_unit_id'))

    op.drop_table('promotion_round')
    with op.batch_alter_table('bonus_pool', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_bonus_pool_unit_id'))

    op.drop_table('bonus_pool')
