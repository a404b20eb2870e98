"""assessment from above and supervision: indicators and their break-down, findings, rectification, the survey's loop

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-30 08:56:25.962441

Adds the indicator plans a higher unit sets its units (``indicator_plan``, ``indicator``, ``indicator_target``),
their break-down (``department_target``, ``officer_target``) and manual values (``indicator_value``); inspection
findings with evidence files and rectifications (``finding``, ``attachment``, ``rectification``); the survey
staff's call back on a follow-up (``survey_follow_up.verified`` …) and praise heard on calls (``survey_praise``);
and the role ``inspector``.

Rule sets stored before this revision computed a unit's work score from approved points per officer: they are
given ``unit_work_basis = points`` so that their years reproduce; a rule set made from now on scores units on
their indicators by default.
"""
import json

from alembic import op
import sqlalchemy as sa
import models.base

ROLES = ('officer', 'supervisor', 'panel', 'hr', 'survey', 'admin')


def _roles(roles) -> str:
    return 'role IN (' + ', '.join(f"'{r}'" for r in roles) + ')'


def _set_work_basis(basis: str | None) -> None:
    """Write (or, with None, remove) ``unit_work_basis`` in every stored rule set's values."""
    bind = op.get_bind()
    for rule_set_id, values in bind.execute(sa.text('SELECT id, "values" FROM rule_set')).all():
        values = json.loads(values) if isinstance(values, str) else dict(values)
        if basis is None:
            values.pop('unit_work_basis', None)
        else:
            values['unit_work_basis'] = basis
        cast = 'CAST(:v AS JSON)' if bind.dialect.name == 'postgresql' else ':v'
        bind.execute(sa.text(f'UPDATE rule_set SET "values" = {cast} WHERE id = :id'),
                     {'v': json.dumps(values), 'id': rule_set_id})


revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('indicator_plan',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('valid_from', sa.Date(), nullable=False),
    sa.Column('dimensions', sa.JSON(), nullable=False),
    sa.Column('note', sa.String(length=200), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['person.id'], name=op.f('fk_indicator_plan_created_by_id_person'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_indicator_plan_unit_id_unit'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_indicator_plan')),
    sa.UniqueConstraint('unit_id', 'year', 'valid_from', name=op.f('uq_indicator_plan_unit_id_year_valid_from'))
    )
    with op.batch_alter_table('indicator_plan', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_indicator_plan_unit_id'), ['unit_id'], unique=False)

    op.create_table('indicator_value',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('indicator_key', sa.String(length=40), nullable=False),
    sa.Column('plan_unit_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('value', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('evidence', sa.String(length=500), nullable=False),
    sa.Column('entered_by_id', sa.Integer(), nullable=True),
    sa.Column('entered_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['entered_by_id'], ['person.id'], name=op.f('fk_indicator_value_entered_by_id_person'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['plan_unit_id'], ['unit.id'], name=op.f('fk_indicator_value_plan_unit_id_unit'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_indicator_value_unit_id_unit'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_indicator_value')),
    sa.UniqueConstraint('indicator_key', 'plan_unit_id', 'unit_id', 'month', name=op.f('uq_indicator_value_indicator_key_plan_unit_id_unit_id_month'))
    )
    with op.batch_alter_table('indicator_value', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_indicator_value_unit_id'), ['unit_id'], unique=False)

    op.create_table('indicator',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=40), nullable=False),
    sa.Column('dimension', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('measure', sa.String(length=24), nullable=False),
    sa.Column('measure_param', sa.String(length=110), nullable=False),
    sa.Column('rule', sa.String(length=16), nullable=False),
    sa.Column('cap', sa.Numeric(precision=4, scale=2), nullable=False),
    sa.Column('params', sa.JSON(), nullable=False),
    sa.Column('weight', sa.Numeric(precision=6, scale=2), nullable=False),
    sa.Column('personal', sa.Boolean(), nullable=False),
    sa.CheckConstraint("measure IN ('ledger_points', 'fact_count', 'inspection_deductions', 'satisfaction', 'rectification_rate', 'manual')", name=op.f('ck_indicator_measure_valid')),
    sa.CheckConstraint("rule IN ('proportional', 'thresholds', 'deductions')", name=op.f('ck_indicator_rule_valid')),
    sa.CheckConstraint('cap >= 1', name=op.f('ck_indicator_cap_at_least_one')),
    sa.CheckConstraint('weight > 0', name=op.f('ck_indicator_weight_positive')),
    sa.ForeignKeyConstraint(['plan_id'], ['indicator_plan.id'], name=op.f('fk_indicator_plan_id_indicator_plan'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_indicator')),
    sa.UniqueConstraint('plan_id', 'position', name=op.f('uq_indicator_plan_id_position'))
    )
    with op.batch_alter_table('indicator', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_indicator_plan_id'), ['plan_id'], unique=False)

    op.create_table('indicator_target',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('indicator_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('target', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.CheckConstraint('target >= 0', name=op.f('ck_indicator_target_target')),
    sa.ForeignKeyConstraint(['indicator_id'], ['indicator.id'], name=op.f('fk_indicator_target_indicator_id_indicator'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_indicator_target_unit_id_unit'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_indicator_target')),
    sa.UniqueConstraint('indicator_id', 'unit_id', name=op.f('uq_indicator_target_indicator_id_unit_id'))
    )
    with op.batch_alter_table('indicator_target', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_indicator_target_unit_id'), ['unit_id'], unique=False)

    op.create_table('department_target',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('indicator_target_id', sa.Integer(), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=False),
    sa.Column('target', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('target >= 0', name=op.f('ck_department_target_target')),
    sa.ForeignKeyConstraint(['department_id'], ['department.id'], name=op.f('fk_department_target_department_id_department'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['indicator_target_id'], ['indicator_target.id'], name=op.f('fk_department_target_indicator_target_id_indicator_target'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['updated_by_id'], ['person.id'], name=op.f('fk_department_target_updated_by_id_person'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_department_target')),
    sa.UniqueConstraint('indicator_target_id', 'department_id', name=op.f('uq_department_target_indicator_target_id_department_id'))
    )
    with op.batch_alter_table('department_target', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_department_target_department_id'), ['department_id'], unique=False)

    op.create_table('finding',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('target', sa.String(length=12), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=True),
    sa.Column('person_id', sa.Integer(), nullable=True),
    sa.Column('found_on', sa.Date(), nullable=False),
    sa.Column('category', sa.String(length=16), nullable=False),
    sa.Column('description', sa.String(length=2000), nullable=False),
    sa.Column('points', sa.Numeric(precision=6, scale=2), nullable=False),
    sa.Column('repeat_of_id', sa.Integer(), nullable=True),
    sa.Column('source', sa.String(length=12), nullable=False),
    sa.Column('follow_up_id', sa.Integer(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('voided_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('void_reason', sa.String(length=500), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint("(target = 'unit' AND department_id IS NULL AND person_id IS NULL) OR (target = 'department' AND department_id IS NOT NULL AND person_id IS NULL) OR (target = 'officer' AND department_id IS NOT NULL AND person_id IS NOT NULL)", name=op.f('ck_finding_target_named')),
    sa.CheckConstraint("category IN ('enforcement', 'discipline', 'appearance', 'complaint')", name=op.f('ck_finding_category_valid')),
    sa.CheckConstraint("source IN ('inspection', 'survey')", name=op.f('ck_finding_source_valid')),
    sa.CheckConstraint("target IN ('unit', 'department', 'officer')", name=op.f('ck_finding_target_valid')),
    sa.CheckConstraint('points >= 0', name=op.f('ck_finding_points')),
    sa.ForeignKeyConstraint(['created_by_id'], ['person.id'], name=op.f('fk_finding_created_by_id_person'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['department_id'], ['department.id'], name=op.f('fk_finding_department_id_department'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['follow_up_id'], ['survey_follow_up.id'], name=op.f('fk_finding_follow_up_id_survey_follow_up'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_finding_person_id_person'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['repeat_of_id'], ['finding.id'], name=op.f('fk_finding_repeat_of_id_finding'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_finding_unit_id_unit'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_finding')),
    sa.UniqueConstraint('follow_up_id', name=op.f('uq_finding_follow_up_id'))
    )
    with op.batch_alter_table('finding', schema=None) as batch_op:
        batch_op.create_index('ix_finding_person_found_on', ['person_id', 'found_on'], unique=False)
        batch_op.create_index('ix_finding_unit_found_on', ['unit_id', 'found_on'], unique=False)

    op.create_table('survey_praise',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('call_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=True),
    sa.Column('text', sa.String(length=1000), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('recorded_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('adjustment_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['adjustment_id'], ['month_adjustment.id'], name=op.f('fk_survey_praise_adjustment_id_month_adjustment'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['call_id'], ['survey_call.id'], name=op.f('fk_survey_praise_call_id_survey_call'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_survey_praise_person_id_person'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['person.id'], name=op.f('fk_survey_praise_recorded_by_id_person'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_survey_praise_unit_id_unit'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_survey_praise'))
    )
    with op.batch_alter_table('survey_praise', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_survey_praise_call_id'), ['call_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_survey_praise_unit_id'), ['unit_id'], unique=False)

    op.create_table('attachment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('finding_id', sa.Integer(), nullable=False),
    sa.Column('stage', sa.String(length=8), nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('storage_key', sa.String(length=80), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.Column('uploaded_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("stage IN ('finding', 'answer')", name=op.f('ck_attachment_stage_valid')),
    sa.CheckConstraint('size > 0', name=op.f('ck_attachment_size_positive')),
    sa.ForeignKeyConstraint(['finding_id'], ['finding.id'], name=op.f('fk_attachment_finding_id_finding'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['person.id'], name=op.f('fk_attachment_uploaded_by_id_person'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attachment')),
    sa.UniqueConstraint('storage_key', name=op.f('uq_attachment_storage_key'))
    )
    with op.batch_alter_table('attachment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_attachment_finding_id'), ['finding_id'], unique=False)

    op.create_table('officer_target',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('department_target_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('monthly_target', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.CheckConstraint('monthly_target > 0', name=op.f('ck_officer_target_monthly_target')),
    sa.ForeignKeyConstraint(['department_target_id'], ['department_target.id'], name=op.f('fk_officer_target_department_target_id_department_target'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_officer_target_person_id_person'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_officer_target')),
    sa.UniqueConstraint('department_target_id', 'person_id', name=op.f('uq_officer_target_department_target_id_person_id'))
    )
    with op.batch_alter_table('officer_target', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_officer_target_person_id'), ['person_id'], unique=False)

    op.create_table('rectification',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('finding_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('deadline', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('answer', sa.String(length=2000), nullable=False),
    sa.Column('answered_by_id', sa.Integer(), nullable=True),
    sa.Column('answered_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('verdict_reason', sa.String(length=1000), nullable=False),
    sa.Column('verified_by_id', sa.Integer(), nullable=True),
    sa.Column('verified_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('on_time', sa.Boolean(), nullable=True),
    sa.Column('escalated_to_id', sa.Integer(), nullable=True),
    sa.Column('escalated_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('rounds', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint("status IN ('open', 'answered', 'returned', 'accepted')", name=op.f('ck_rectification_status_valid')),
    sa.ForeignKeyConstraint(['answered_by_id'], ['person.id'], name=op.f('fk_rectification_answered_by_id_person'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['escalated_to_id'], ['unit.id'], name=op.f('fk_rectification_escalated_to_id_unit'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['finding_id'], ['finding.id'], name=op.f('fk_rectification_finding_id_finding'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_rectification_unit_id_unit'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['verified_by_id'], ['person.id'], name=op.f('fk_rectification_verified_by_id_person'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rectification')),
    sa.UniqueConstraint('finding_id', name=op.f('uq_rectification_finding_id'))
    )
    with op.batch_alter_table('rectification', schema=None) as batch_op:
        batch_op.create_index('ix_rectification_unit_deadline', ['unit_id', 'deadline'], unique=False)

    with op.batch_alter_table('survey_follow_up', schema=None) as batch_op:
        batch_op.add_column(sa.Column('verified', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('verify_comment', sa.String(length=1000), server_default='', nullable=False))
        batch_op.add_column(sa.Column('verified_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('verified_at', models.base.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('escalated_to_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('escalated_at', models.base.UTCDateTime(timezone=True), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_survey_follow_up_verified_by_id_person'), 'person', ['verified_by_id'], ['id'], ondelete='SET NULL')
        batch_op.create_foreign_key(batch_op.f('fk_survey_follow_up_escalated_to_id_unit'), 'unit', ['escalated_to_id'], ['id'], ondelete='RESTRICT')
        batch_op.create_check_constraint(batch_op.f('ck_survey_follow_up_verified'),
                                         "verified IS NULL OR verified IN ('resolved', 'not_resolved')")
    with op.batch_alter_table('survey_follow_up', schema=None) as batch_op:
        batch_op.alter_column('verify_comment', server_default=None)

    with op.batch_alter_table('role_grant', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_role_grant_role_valid'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_role_grant_role_valid'), _roles(ROLES + ('inspector',)))

    _set_work_basis('points')


def downgrade() -> None:
    _set_work_basis(None)
    op.execute("DELETE FROM role_grant WHERE role = 'inspector'")
    with op.batch_alter_table('role_grant', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_role_grant_role_valid'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_role_grant_role_valid'), _roles(ROLES))
    with op.batch_alter_table('survey_follow_up', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_survey_follow_up_verified'), type_='check')
        batch_op.drop_constraint(batch_op.f('fk_survey_follow_up_escalated_to_id_unit'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_survey_follow_up_verified_by_id_person'), type_='foreignkey')
        batch_op.drop_column('escalated_at')
        batch_op.drop_column('escalated_to_id')
        batch_op.drop_column('verified_at')
        batch_op.drop_column('verified_by_id')
        batch_op.drop_column('verify_comment')
        batch_op.drop_column('verified')

    with op.batch_alter_table('rectification', schema=None) as batch_op:
        batch_op.drop_index('ix_rectification_unit_deadline')

    op.drop_table('rectification')
    with op.batch_alter_table('officer_target', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_officer_target_person_id'))

    op.drop_table('officer_target')
    with op.batch_alter_table('attachment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_attachment_finding_id'))

    op.drop_table('attachment')
    with op.batch_alter_table('survey_praise', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_survey_praise_unit_id'))
        batch_op.drop_index(batch_op.f('ix_survey_praise_call_id'))

    op.drop_table('survey_praise')
    with op.batch_alter_table('finding', schema=None) as batch_op:
        batch_op.drop_index('ix_finding_unit_found_on')
        batch_op.drop_index('ix_finding_person_found_on')

    op.drop_table('finding')
    with op.batch_alter_table('department_target', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_department_target_department_id'))

    op.drop_table('department_target')
    with op.batch_alter_table('indicator_target', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_indicator_target_unit_id'))

    op.drop_table('indicator_target')
    with op.batch_alter_table('indicator', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_indicator_plan_id'))

    op.drop_table('indicator')
    with op.batch_alter_table('indicator_value', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_indicator_value_unit_id'))

    op.drop_table('indicator_value')
    with op.batch_alter_table('indicator_plan', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_indicator_plan_unit_id'))

    op.drop_table('indicator_plan')
