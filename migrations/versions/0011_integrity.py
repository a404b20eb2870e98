"""tamper evidence: seals, audit HMACs and checkpoints, and triggers that guard sealed rows

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-29 23:00:00

Adds the ``seal`` and ``audit_checkpoint`` tables and each audit event's nonce and HMAC (worklog/integrity.py
explains the design). Existing audit events get their HMACs, signed weeks and final months their seals, and the
trail a first checkpoint, so that ``flask --app app verify`` is clean right after the upgrade; that needs the
application's key, so it is done when the upgrade runs through ``flask --app app db upgrade`` (a bare Alembic run
without the application leaves it to ``flask --app app verify --seal-existing``).

On PostgreSQL, triggers refuse UPDATE and DELETE of sealed rows (entries of a signed week, a signed week's row, a
final month's row and results) and of audit events, seals and checkpoints, unless the transaction set
``worklog.reopening`` (only the services that reopen a week or a month do, and the partition maintenance that
moves rows unchanged).
"""
from alembic import op
import sqlalchemy as sa
import models.base


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

REOPENING = "coalesce(current_setting('worklog.reopening', true), '') = 'on'"

# (table, function, condition on OLD under which the row is sealed, whether reopening lets it through)
GUARDS = (
    ('entry', 'worklog_guard_entry', "OLD.week_signed", True),
    ('week_review', 'worklog_guard_week_review', "OLD.status = 'signed'", True),
    ('month_review', 'worklog_guard_month_review', "OLD.status = 'final'", True),
    ('month_result', 'worklog_guard_month_result',
     "EXISTS (SELECT 1 FROM month_review r WHERE r.id = OLD.month_review_id AND r.status = 'final')", True),
    ('audit_event', 'worklog_guard_audit_event', "TRUE", False),
    ('seal', 'worklog_guard_seal', "TRUE", False),
    ('audit_checkpoint', 'worklog_guard_audit_checkpoint', "TRUE", False),
)


def _create_guards() -> None:
    for table, function, sealed, reopenable in GUARDS:
        let_through = f"IF {REOPENING} THEN RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END; END IF;" \
            if reopenable else ""
        op.execute(f"""
CREATE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    {let_through}
    -- An UPDATE that changes nothing is no change (json columns have no equality: compare as jsonb).
    IF TG_OP = 'UPDATE' AND to_jsonb(NEW) = to_jsonb(OLD) THEN
        RETURN NEW;
    END IF;
    IF {sealed} THEN
        RAISE EXCEPTION 'worklog: % of sealed row %.id=% refused', TG_OP, TG_TABLE_NAME, OLD.id
            USING ERRCODE = 'WLSEA',
                  HINT = 'Sealed rows change only through the application''s recorded reopening.';
    END IF;
    RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END
$$""")
        op.execute(f"CREATE TRIGGER {function} BEFORE UPDATE OR DELETE ON {table} "
                   f"FOR EACH ROW EXECUTE FUNCTION {function}()")


def _drop_guards() -> None:
    for table, function, _sealed, _reopenable in GUARDS:
        op.execute(f"DROP TRIGGER IF EXISTS {function} ON {table}")
        op.execute(f"DROP FUNCTION IF EXISTS {function}()")


def upgrade() -> None:
    op.create_table(
        'seal',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=8), nullable=False),
        sa.Column('object_id', sa.Integer(), nullable=False),
        sa.Column('subject_id', sa.Integer(), nullable=False),
        sa.Column('period', sa.Date(), nullable=False),
        sa.Column('state', sa.String(length=8), nullable=False),
        sa.Column('actor_id', sa.Integer(), nullable=True),
        sa.Column('made_at', models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column('items', sa.JSON(), nullable=False),
        sa.Column('prev_id', sa.Integer(), nullable=True),
        sa.Column('digest', sa.String(length=64), nullable=False),
        sa.CheckConstraint("kind IN ('week', 'month')", name=op.f('ck_seal_kind_valid')),
        sa.CheckConstraint("state IN ('sealed', 'reopened')", name=op.f('ck_seal_state_valid')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_seal')),
    )
    op.create_index('ix_seal_object', 'seal', ['kind', 'object_id'], unique=False)
    op.create_index('ix_seal_subject', 'seal', ['kind', 'subject_id'], unique=False)
    op.create_table(
        'audit_checkpoint',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('made_at', models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column('ranges', sa.JSON(), nullable=False),
        sa.Column('first_id', sa.Integer(), nullable=False),
        sa.Column('last_id', sa.Integer(), nullable=False),
        sa.Column('events', sa.Integer(), nullable=False),
        sa.Column('prev_id', sa.Integer(), nullable=True),
        sa.Column('digest', sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_checkpoint')),
        sa.UniqueConstraint('prev_id', name=op.f('uq_audit_checkpoint_prev_id')),
    )
    op.create_index(op.f('ix_audit_checkpoint_last_id'), 'audit_checkpoint', ['last_id'], unique=False)
    op.add_column('audit_event', sa.Column('nonce', sa.String(length=32), nullable=True))
    op.add_column('audit_event', sa.Column('mac', sa.String(length=64), nullable=True))

    _backfill()
    if op.get_bind().dialect.name == 'postgresql':
        _create_guards()


def _backfill() -> None:
    """HMACs and seals for what exists, with the running application's key (none without an application)."""
    from flask import current_app, has_app_context
    if not has_app_context():
        return
    from worklog import integrity
    counts = integrity.backfill(op.get_bind(), integrity.key(current_app.config))
    if any(counts.values()):
        print(f"Integrity: {counts['events']} audit events, {counts['weeks']} signed weeks and "
              f"{counts['months']} final months sealed.")


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        _drop_guards()
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.drop_column('mac')
        batch_op.drop_column('nonce')
    op.drop_index(op.f('ix_audit_checkpoint_last_id'), table_name='audit_checkpoint')
    op.drop_table('audit_checkpoint')
    op.drop_index('ix_seal_subject', table_name='seal')
    op.drop_index('ix_seal_object', table_name='seal')
    op.drop_table('seal')
