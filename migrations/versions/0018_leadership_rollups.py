"""leadership's roll-ups: a unit's month results by grade, officers' weeks by unit

Revision ID: 0018
Revises: 0017
Create Date: 2026-11-30 13:00:00

Adds ``unit_month_grade`` (per month review and final grade: officers, working days due and cleared recorded with
their results) and ``unit_week`` (per unit and Monday: officers with a day logged there, their weeks signed, and
signed by the deadline), which leadership's view reads instead of every officer's result and day. Both are filled
here from what the database holds (the results, the day logs and the week rows); from then on the application
keeps them (worklog/ledgers/services.py), and ``flask ledger check`` compares them with a recomputation.

New tables only: no batch copy of a table others refer to.
"""
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from alembic import op
import sqlalchemy as sa
import models.base


revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None

#: worklog.config's default; the running application's BABEL_DEFAULT_TIMEZONE when there is one.
DEFAULT_TIMEZONE = 'Asia/Shanghai'


def upgrade() -> None:
    op.create_table('unit_month_grade',
    sa.Column('month_review_id', sa.Integer(), nullable=False),
    sa.Column('final_grade', sa.String(length=16), nullable=False),
    sa.Column('officers', sa.Integer(), nullable=False),
    sa.Column('days_due', sa.Integer(), nullable=False),
    sa.Column('days_cleared', sa.Integer(), nullable=False),
    sa.CheckConstraint("final_grade IN ('excellent', 'competent', 'basic', 'incompetent')", name=op.f('ck_unit_month_grade_final_valid')),
    sa.ForeignKeyConstraint(['month_review_id'], ['month_review.id'], name=op.f('fk_unit_month_grade_month_review_id_month_review'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('month_review_id', 'final_grade', name=op.f('pk_unit_month_grade'))
    )
    op.create_table('unit_week',
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('week_start', sa.Date(), nullable=False),
    sa.Column('officers', sa.Integer(), nullable=False),
    sa.Column('signed', sa.Integer(), nullable=False),
    sa.Column('on_time', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_unit_week_unit_id_unit'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('unit_id', 'week_start', name=op.f('pk_unit_week'))
    )
    _backfill()


def downgrade() -> None:
    op.drop_table('unit_week')
    op.drop_table('unit_month_grade')


# --- Filling the roll-ups from what is there (as worklog/ledgers/services.py computes them today) -------------------


def _timezone() -> ZoneInfo:
    try:
        from flask import current_app, has_app_context
        if has_app_context():
            return ZoneInfo(current_app.config.get('BABEL_DEFAULT_TIMEZONE') or DEFAULT_TIMEZONE)
    except ImportError:  # pragma: no cover
        pass
    return ZoneInfo(DEFAULT_TIMEZONE)


def _backfill() -> None:
    bind = op.get_bind()
    postgres = bind.dialect.name == 'postgresql'
    result = sa.table('month_result', sa.column('month_review_id', sa.Integer), sa.column('final_grade', sa.String),
                      sa.column('explanation', sa.JSON))
    grades = sa.table('unit_month_grade', *(sa.column(n) for n in (
        'month_review_id', 'final_grade', 'officers', 'days_due', 'days_cleared')))
    if postgres:
        due, cleared = (sa.text("CAST(month_result.explanation #>> '{days,due}' AS INTEGER)"),
                        sa.text("CAST(month_result.explanation #>> '{days,cleared}' AS INTEGER)"))
    else:
        due, cleared = (sa.text("CAST(json_extract(month_result.explanation, '$.days.due') AS INTEGER)"),
                        sa.text("CAST(json_extract(month_result.explanation, '$.days.cleared') AS INTEGER)"))
    bind.execute(grades.insert().from_select(
        ['month_review_id', 'final_grade', 'officers', 'days_due', 'days_cleared'],
        sa.select(result.c.month_review_id, result.c.final_grade, sa.func.count(),
                  sa.func.coalesce(sa.func.sum(due), 0), sa.func.coalesce(sa.func.sum(cleared), 0))
        .group_by(result.c.month_review_id, result.c.final_grade)))

    day_log = sa.table('day_log', sa.column('person_id', sa.Integer), sa.column('unit_id', sa.Integer),
                       sa.column('work_date', sa.Date))
    week_review = sa.table('week_review', sa.column('id', sa.Integer), sa.column('person_id', sa.Integer),
                           sa.column('week_start', sa.Date), sa.column('status', sa.String),
                           sa.column('signed_at', models.base.UTCDateTime()))
    weeks = sa.table('unit_week', *(sa.column(n) for n in ('unit_id', 'week_start', 'officers', 'signed',
                                                           'on_time')))
    first, last = bind.execute(sa.select(sa.func.min(day_log.c.work_date), sa.func.max(day_log.c.work_date))).one()
    if first is None:
        return
    if isinstance(first, str):
        first, last = date.fromisoformat(first), date.fromisoformat(last)
    zone = _timezone()
    week = (sa.literal_column("CAST(date_trunc('week', day_log.work_date) AS DATE)", sa.Date) if postgres else
            sa.literal_column("date(day_log.work_date, '-6 days', 'weekday 1')", sa.Date))
    monday = first - timedelta(days=first.weekday())
    while monday <= last:
        # A month's Mondays a statement (weeks into the next month read their days there too).
        mondays = []
        month = monday.month
        while monday <= last and monday.month == month:
            mondays.append(monday)
            monday += timedelta(days=7)
        # Signed by Wednesday 00:00 (local) after the week: worklog.weekly.queries.sign_deadline.
        deadline = sa.case({m: sa.literal(datetime.combine(m + timedelta(days=9), time(0), tzinfo=zone),
                                          models.base.UTCDateTime()) for m in mondays}, value=week)
        signed = week_review.c.status == 'signed'
        officers = sa.distinct(day_log.c.person_id)
        # Each day joined to its week's row, officers counted distinct per unit and week (see _week_rows in
        # worklog/ledgers/services.py for why not DISTINCT officer-weeks first).
        bind.execute(weeks.insert().from_select(
            ['unit_id', 'week_start', 'officers', 'signed', 'on_time'],
            sa.select(day_log.c.unit_id, week, sa.func.count(officers), sa.func.count(officers).filter(signed),
                      sa.func.count(officers).filter(signed, week_review.c.signed_at <= deadline))
            .select_from(day_log)
            .outerjoin(week_review, sa.and_(week_review.c.person_id == day_log.c.person_id,
                                            week_review.c.week_start == week))
            .where(day_log.c.work_date >= mondays[0], day_log.c.work_date <= mondays[-1] + timedelta(days=6),
                   week.in_(mondays))
            .group_by(day_log.c.unit_id, week)))
