"""work facts from the business systems: facts, mappings, the entries they became, the client behind audit events

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-30 06:00:00

Adds ``work_fact`` (each fact a system sent, by source and its id there, with its outcome) and ``fact_mapping``
(a source's fact type → a task type of the catalog, with its quantity rule); ``entry.fact_id``, ``source`` and
``reference`` (the fact an entry came from); ``api_client.source`` (the source name a client sends under);
``audit_event.api_client_id`` (the client whose request made a change); and a partial index of the audit events
the API's events feed reads.

On SQLite, batch mode copies ``entry`` to add its foreign key; dropping the old copy, with foreign keys on, runs
the ON DELETE actions of the keys that point at it, which would clear ``assigned_task.entry_id``: the links are
set aside first and restored after.
"""
from alembic import op
import sqlalchemy as sa
import models.base


revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None

# (table, column, the table it refers to, ON DELETE)
REFERENCES = (
    ('entry', 'fact_id', 'work_fact', 'RESTRICT'),
    ('audit_event', 'api_client_id', 'api_client', 'SET NULL'),
)


def upgrade() -> None:
    op.create_table(
        'fact_mapping',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('source', sa.String(length=40), nullable=False),
        sa.Column('fact_type', sa.String(length=60), nullable=False),
        sa.Column('task_type_id', sa.Integer(), nullable=False),
        sa.Column('quantity_rule', sa.String(length=16), nullable=False),
        sa.Column('multiplier', sa.Numeric(precision=6, scale=2), nullable=False),
        sa.Column('updated_at', models.base.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("quantity_rule IN ('as_sent', 'one_each')", name=op.f('ck_fact_mapping_quantity_rule_valid')),
        sa.CheckConstraint('multiplier > 0', name=op.f('ck_fact_mapping_multiplier_positive')),
        sa.ForeignKeyConstraint(['task_type_id'], ['task_type.id'], name=op.f('fk_fact_mapping_task_type_id_task_type'),
                                ondelete='RESTRICT'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_fact_mapping')),
        sa.UniqueConstraint('source', 'fact_type', name=op.f('uq_fact_mapping_source_fact_type')),
    )
    with op.batch_alter_table('fact_mapping', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_fact_mapping_task_type_id'), ['task_type_id'], unique=False)
    op.create_table(
        'work_fact',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('source', sa.String(length=40), nullable=False),
        sa.Column('external_id', sa.String(length=100), nullable=False),
        sa.Column('channel', sa.String(length=8), nullable=False),
        sa.Column('client_id', sa.Integer(), nullable=True),
        sa.Column('badge', sa.String(length=20), nullable=False),
        sa.Column('occurred_at', models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column('work_date', sa.Date(), nullable=False),
        sa.Column('fact_type', sa.String(length=60), nullable=False),
        sa.Column('quantity', sa.Numeric(precision=10, scale=2), nullable=False),
        sa.Column('reference', sa.String(length=100), nullable=False),
        sa.Column('person_id', sa.Integer(), nullable=True),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('reason', sa.String(length=32), nullable=False),
        sa.Column('refused_change', sa.String(length=32), nullable=False),
        sa.Column('refused_at', models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column('revisions', sa.Integer(), nullable=False),
        sa.Column('received_at', models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column('updated_at', models.base.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("status IN ('entered', 'waiting', 'refused')", name=op.f('ck_work_fact_status_valid')),
        sa.CheckConstraint("channel IN ('api', 'file')", name=op.f('ck_work_fact_channel_valid')),
        sa.CheckConstraint('quantity > 0', name=op.f('ck_work_fact_quantity_positive')),
        sa.ForeignKeyConstraint(['client_id'], ['api_client.id'], name=op.f('fk_work_fact_client_id_api_client'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_work_fact_person_id_person'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_work_fact')),
        sa.UniqueConstraint('source', 'external_id', name=op.f('uq_work_fact_source_external_id')),
    )
    with op.batch_alter_table('work_fact', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_work_fact_client_id'), ['client_id'], unique=False)
        batch_op.create_index('ix_work_fact_source_date', ['source', 'work_date'], unique=False)
        batch_op.create_index('ix_work_fact_status_reason', ['status', 'reason'], unique=False)
        batch_op.create_index('ix_work_fact_person_date', ['person_id', 'work_date'], unique=False)

    with op.batch_alter_table('api_client', schema=None) as batch_op:
        batch_op.add_column(sa.Column('source', sa.String(length=40), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_api_client_source'), ['source'])

    feed = ("action IN ('month.finalised', 'month.reopened', 'year.finalised', 'year.reopened', 'round.published', "
            "'assignment.created', 'assignment.corrected')")
    op.create_index('ix_audit_event_feed', 'audit_event', ['id'], unique=False,
                    postgresql_where=sa.text(feed), sqlite_where=sa.text(feed))
    sqlite = op.get_bind().dialect.name == 'sqlite'
    if sqlite:
        op.execute('CREATE TEMPORARY TABLE kept_links AS SELECT id, entry_id FROM assigned_task '
                   'WHERE entry_id IS NOT NULL')
    for table, column, referred, ondelete in REFERENCES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column(column, sa.Integer(), nullable=True))
            batch_op.create_foreign_key(batch_op.f(f'fk_{table}_{column}_{referred}'), referred, [column], ['id'],
                                        ondelete=ondelete)
            batch_op.create_index(batch_op.f(f'ix_{table}_{column}'), [column], unique=False)
    with op.batch_alter_table('entry', schema=None) as batch_op:
        batch_op.add_column(sa.Column('source', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('reference', sa.String(length=100), server_default='', nullable=False))
    if sqlite:
        op.execute('UPDATE assigned_task SET entry_id = (SELECT k.entry_id FROM kept_links k '
                   'WHERE k.id = assigned_task.id) WHERE id IN (SELECT id FROM kept_links)')
        op.execute('DROP TABLE kept_links')


def downgrade() -> None:
    op.drop_index('ix_audit_event_feed', table_name='audit_event')
    with op.batch_alter_table('entry', schema=None) as batch_op:
        batch_op.drop_column('reference')
        batch_op.drop_column('source')
    for table, column, referred, _ondelete in REFERENCES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(batch_op.f(f'ix_{table}_{column}'))
            batch_op.drop_constraint(batch_op.f(f'fk_{table}_{column}_{referred}'), type_='foreignkey')
            batch_op.drop_column(column)
    with op.batch_alter_table('api_client', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_api_client_source'), type_='unique')
        batch_op.drop_column('source')
    with op.batch_alter_table('work_fact', schema=None) as batch_op:
        batch_op.drop_index('ix_work_fact_person_date')
        batch_op.drop_index('ix_work_fact_status_reason')
        batch_op.drop_index('ix_work_fact_source_date')
        batch_op.drop_index(batch_op.f('ix_work_fact_client_id'))
    op.drop_table('work_fact')
    with op.batch_alter_table('fact_mapping', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_fact_mapping_task_type_id'))
    op.drop_table('fact_mapping')
