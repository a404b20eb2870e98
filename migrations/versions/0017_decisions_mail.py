"""results used and seen: HR decisions and honours on record, monthly bonus pools, notifications by mail, leadership

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-30 11:58:04.587458

Adds what HR decided after a round or a year's lists (``personnel_decision``) and the honours given
(``honour``); a bonus pool's month (``bonus_pool.month``, None for a year's pool); each person's mail address,
language and choices of notifications by mail (``notification_setting``) and the outbox the queue sends from
(``mail_message``); a reminder's key so that a schedule run twice sends it once (``notification.key``); a
version on a year's appeals, as a month's have; and the read-only role ``leader``.
"""
from alembic import op
import sqlalchemy as sa
import models.base

ROLES = ('officer', 'supervisor', 'panel', 'hr', 'survey', 'admin', 'inspector')


def _roles(roles) -> str:
    return 'role IN (' + ', '.join(f"'{r}'" for r in roles) + ')'


revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('honour',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('title', sa.String(length=120), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('decided_on', sa.Date(), nullable=False),
    sa.Column('reference', sa.String(length=100), nullable=False),
    sa.Column('reason', sa.String(length=500), nullable=False),
    sa.Column('basis', sa.String(length=40), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('revoked_reason', sa.String(length=500), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint("kind IN ('merit', 'commendation', 'award')", name=op.f('ck_honour_kind_valid')),
    sa.ForeignKeyConstraint(['created_by_id'], ['person.id'], name=op.f('fk_honour_created_by_id_person'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_honour_person_id_person'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_honour_unit_id_unit'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_honour'))
    )
    with op.batch_alter_table('honour', schema=None) as batch_op:
        batch_op.create_index('ix_honour_person', ['person_id'], unique=False)
        batch_op.create_index('ix_honour_unit_year', ['unit_id', 'year'], unique=False)

    op.create_table('notification_setting',
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('mail_kinds', sa.JSON(), nullable=False),
    sa.Column('digest', sa.Boolean(), nullable=False),
    sa.Column('digest_sent_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('updated_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_notification_setting_person_id_person'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('person_id', name=op.f('pk_notification_setting'))
    )
    op.create_table('mail_message',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=True),
    sa.Column('notification_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('address', sa.String(length=254), nullable=False),
    sa.Column('subject', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('error', sa.Text(), nullable=False),
    sa.Column('params', sa.JSON(), nullable=False),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('sent_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status IN ('queued', 'sent', 'failed')", name=op.f('ck_mail_message_status_valid')),
    sa.ForeignKeyConstraint(['notification_id'], ['notification.id'], name=op.f('fk_mail_message_notification_id_notification'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_mail_message_person_id_person'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mail_message'))
    )
    with op.batch_alter_table('mail_message', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mail_message_person_id'), ['person_id'], unique=False)
        batch_op.create_index('ix_mail_message_status', ['status', 'id'], unique=False)

    op.create_table('personnel_decision',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=True),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=True),
    sa.Column('outcome', sa.String(length=20), nullable=False),
    sa.Column('decided_on', sa.Date(), nullable=False),
    sa.Column('reference', sa.String(length=100), nullable=False),
    sa.Column('note', sa.String(length=500), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint("(kind = 'promotion') = (round_id IS NOT NULL)", name=op.f('ck_personnel_decision_round_of_promotion')),
    sa.CheckConstraint("(kind = 'promotion') OR (year IS NOT NULL)", name=op.f('ck_personnel_decision_year_of_list')),
    sa.CheckConstraint("kind IN ('promotion', 'warning_talk', 'removal')", name=op.f('ck_personnel_decision_kind_valid')),
    sa.CheckConstraint("outcome IN ('promoted', 'not_selected', 'deferred', 'held', 'carried_out', 'not_carried_out')", name=op.f('ck_personnel_decision_outcome_valid')),
    sa.ForeignKeyConstraint(['created_by_id'], ['person.id'], name=op.f('fk_personnel_decision_created_by_id_person'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_personnel_decision_person_id_person'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['round_id'], ['promotion_round.id'], name=op.f('fk_personnel_decision_round_id_promotion_round'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_personnel_decision_unit_id_unit'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_personnel_decision')),
    sa.UniqueConstraint('kind', 'unit_id', 'year', 'person_id', name='uq_personnel_decision_list'),
    sa.UniqueConstraint('round_id', 'person_id', name='uq_personnel_decision_round')
    )
    with op.batch_alter_table('personnel_decision', schema=None) as batch_op:
        batch_op.create_index('ix_personnel_decision_person', ['person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_personnel_decision_unit_id'), ['unit_id'], unique=False)

    # Plain ALTER TABLE, not batch: on SQLite a batch copies the table and drops the old one, and dropping person
    # or bonus_pool would cascade to the rows that refer to them.
    op.add_column('bonus_pool', sa.Column('month', sa.Date(), nullable=True))
    op.add_column('notification', sa.Column('key', sa.String(length=120), nullable=True))
    op.create_index('uq_notification_person_key', 'notification', ['person_id', 'key'], unique=True)
    op.add_column('person', sa.Column('email', sa.String(length=254), nullable=True))
    op.add_column('person', sa.Column('language', sa.String(length=10), nullable=True))

    with op.batch_alter_table('year_appeal', schema=None) as batch_op:
        batch_op.add_column(sa.Column('version', sa.Integer(), nullable=False, server_default='1'))
    with op.batch_alter_table('year_appeal', schema=None) as batch_op:
        batch_op.alter_column('version', server_default=None)

    with op.batch_alter_table('role_grant', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_role_grant_role_valid'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_role_grant_role_valid'), _roles(ROLES + ('leader',)))


def downgrade() -> None:
    op.execute("DELETE FROM role_grant WHERE role = 'leader'")
    with op.batch_alter_table('role_grant', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_role_grant_role_valid'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_role_grant_role_valid'), _roles(ROLES))

    with op.batch_alter_table('year_appeal', schema=None) as batch_op:
        batch_op.drop_column('version')

    op.drop_index('uq_notification_person_key', table_name='notification')
    for table, column in (('person', 'language'), ('person', 'email'), ('notification', 'key'),
                          ('bonus_pool', 'month')):
        op.execute(f'ALTER TABLE {table} DROP COLUMN {column}')  # SQLite ≥ 3.35 and PostgreSQL alike

    with op.batch_alter_table('personnel_decision', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_personnel_decision_unit_id'))
        batch_op.drop_index('ix_personnel_decision_person')

    op.drop_table('personnel_decision')
    with op.batch_alter_table('mail_message', schema=None) as batch_op:
        batch_op.drop_index('ix_mail_message_status')
        batch_op.drop_index(batch_op.f('ix_mail_message_person_id'))

    op.drop_table('mail_message')
    op.drop_table('notification_setting')
    with op.batch_alter_table('honour', schema=None) as batch_op:
        batch_op.drop_index('ix_honour_unit_year')
        batch_op.drop_index('ix_honour_person')

    op.drop_table('honour')
