"""promotion rounds judged once and stored

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-29 20:00:00

A round's list was judged on every view of its page (a province's: 39 s and 31.7 MB of HTML). It is now judged
by a background job and stored as the round's candidate rows, the same rows a published round froze; each row
also keeps the officer's unit at the reference date and the rules failed (bits), for the page's counts and
filters. Rows of rounds published before keep every decided value; only these two columns are filled in:
the unit from the officer's assignment at the round's reference date, the bits from the stored checks.
"""
from alembic import op
import sqlalchemy as sa
import models.base


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

KINDS = ('month_close', 'round_export')
NEW_KINDS = KINDS + ('round_judge',)


def _kinds(values: tuple[str, ...]) -> str:
    return "kind IN (" + ", ".join(f"'{v}'" for v in values) + ")"


def upgrade() -> None:
    with op.batch_alter_table('promotion_candidate', schema=None) as batch_op:
        batch_op.add_column(sa.Column('unit_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('failed', sa.Integer(), nullable=False, server_default='0'))
        batch_op.drop_index(batch_op.f('ix_promotion_candidate_round_id'))
        batch_op.create_index('ix_promotion_candidate_round_position', ['round_id', 'position'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_promotion_candidate_unit_id_unit'), 'unit', ['unit_id'], ['id'],
                                    ondelete='RESTRICT')
    with op.batch_alter_table('promotion_candidate', schema=None) as batch_op:
        batch_op.alter_column('failed', server_default=None)

    with op.batch_alter_table('promotion_round', schema=None) as batch_op:
        batch_op.add_column(sa.Column('computed_at', models.base.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('counts', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('job_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_promotion_round_job_id_background_job'), 'background_job',
                                    ['job_id'], ['id'], ondelete='SET NULL')

    with op.batch_alter_table('background_job', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_background_job_kind_valid'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_background_job_kind_valid'), _kinds(NEW_KINDS))

    _fill_published_rows()


def _fill_published_rows() -> None:
    """The unit and the failed rules of the rows published before: nothing they decided changes."""
    bind = op.get_bind()
    bind.execute(sa.text(
        "UPDATE promotion_candidate SET unit_id = ("
        " SELECT d.unit_id FROM assignment a JOIN department d ON d.id = a.department_id"
        " JOIN promotion_round r ON r.id = promotion_candidate.round_id"
        " WHERE a.person_id = promotion_candidate.person_id AND a.valid_from <= r.reference_date"
        " AND (a.valid_to IS NULL OR a.valid_to >= r.reference_date)"
        " ORDER BY a.valid_from DESC, a.id DESC LIMIT 1)"))
    candidate = sa.table('promotion_candidate', sa.column('id', sa.Integer), sa.column('checks', sa.JSON),
                         sa.column('failed', sa.Integer))
    updates = []
    for row_id, checks in bind.execute(sa.select(candidate.c.id, candidate.c.checks)):
        failed = sum(1 << i for i, check in enumerate(checks or []) if not check.get('passed'))
        if failed:
            updates.append({'row_id': row_id, 'failed': failed})
    if updates:
        bind.execute(candidate.update().where(candidate.c.id == sa.bindparam('row_id'))
                     .values(failed=sa.bindparam('failed')), updates)
    round_ = sa.table('promotion_round', sa.column('id', sa.Integer), sa.column('policy', sa.JSON),
                      sa.column('counts', sa.JSON))
    groups: dict[int, list] = {}
    for round_id, eligible, failed, n in bind.execute(sa.text(
            "SELECT round_id, eligible, failed, count(*) FROM promotion_candidate GROUP BY round_id, eligible, failed")):
        groups.setdefault(round_id, []).append((eligible, failed, n))
    for round_id, policy in bind.execute(sa.select(round_.c.id, round_.c.policy)):
        rows = groups.get(round_id)
        if rows:
            rules = len((policy or {}).get('rules', []))
            counts = {'total': sum(n for *_k, n in rows), 'eligible': sum(n for e, _f, n in rows if e),
                      'failing': [sum(n for _e, f, n in rows if f & (1 << i)) for i in range(rules)]}
            bind.execute(round_.update().where(round_.c.id == round_id).values(counts=counts))


def downgrade() -> None:
    # The stored lists of draft rounds go (they were judged on every view before).
    op.execute("DELETE FROM promotion_candidate WHERE round_id IN "
               "(SELECT id FROM promotion_round WHERE status = 'draft')")
    op.execute("DELETE FROM background_job WHERE kind = 'round_judge'")
    with op.batch_alter_table('background_job', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_background_job_kind_valid'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_background_job_kind_valid'), _kinds(KINDS))

    with op.batch_alter_table('promotion_round', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_promotion_round_job_id_background_job'), type_='foreignkey')
        batch_op.drop_column('job_id')
        batch_op.drop_column('counts')
        batch_op.drop_column('computed_at')

    with op.batch_alter_table('promotion_candidate', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_promotion_candidate_unit_id_unit'), type_='foreignkey')
        batch_op.drop_index('ix_promotion_candidate_round_position')
        batch_op.create_index(batch_op.f('ix_promotion_candidate_round_id'), ['round_id'], unique=False)
        batch_op.drop_column('failed')
        batch_op.drop_column('unit_id')
