"""Bonus pools (DESIGN §6): a unit's pool for a year or for a month, shared by grade coefficient × score to the cent
(``worklog.rules.bonus.distribute``), within the spread the rule set allows; and what the bonus pages read.

A year's pool is shared over the unit's final annual review. A month's pool is shared over the final monthly results
of every unit of the subtree: final, as the year's is, because a published month can still change on appeal, and
money paid on a grade that an appeal then changes would have to be clawed back. The coefficients and the spread
limit are those of the rule set in force on the period's first day; the pool keeps the coefficients it used.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from flask_babel import gettext as _
from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import selectinload

from models import (Assignment, BonusPool, BonusShare, Department, MonthResult, MonthReview, MonthStatus, Person,
                    Unit, YearResult, YearReview)
from worklog import audit, timekeeping
from worklog.errors import ServiceError
from worklog.extensions import db
from worklog.labels import PERIOD_NOT_FINAL_LABELS
from worklog.permissions import require_hr
from worklog.rules.bonus import CENT, distribute
from worklog.rulesets.queries import values_on

#: What a bonus_pool.amount column holds (Numeric(14, 2)).
LARGEST_POOL = Decimal("999999999999.99")
NOT_OPENED = "not_opened"


def pool_amount(amount) -> Decimal:
    """The pool typed: a whole number of cents above 0, or a refusal naming the field "amount". A fraction of a cent
    is refused rather than rounded: the office pays the amount it typed or is told why not."""
    try:
        pool = Decimal(str(amount).strip())
    except (InvalidOperation, ValueError):
        raise ServiceError(_("The amount must be a number."), "amount")
    if not pool.is_finite():
        raise ServiceError(_("The amount must be a number."), "amount")
    if pool <= 0:
        raise ServiceError(_("The amount must be above 0."), "amount")
    if pool > LARGEST_POOL:
        raise ServiceError(_("The amount must be at most %(most)s.", most=f"{LARGEST_POOL:,}"), "amount")
    if pool != pool.quantize(CENT):
        raise ServiceError(_("The amount must be in yuan and whole cents: two decimal places at most."), "amount")
    return pool.quantize(CENT)


@dataclass(frozen=True)
class Spread:
    """The spread of a pool's shares: highest, lowest, highest − lowest, and the lowest share above 0.00 with the
    highest's ratio to it (None when no share is above 0.00)."""
    highest: Decimal
    lowest: Decimal
    difference: Decimal
    lowest_paid: Decimal | None
    ratio: Decimal | None

    @classmethod
    def of(cls, amounts: list[Decimal]) -> Spread:
        if not amounts:
            zero = Decimal("0.00")
            return cls(zero, zero, zero, None, None)
        paid = [a for a in amounts if a > 0]
        highest, lowest = max(amounts), min(amounts)
        lowest_paid = min(paid) if paid else None
        return cls(highest, lowest, highest - lowest, lowest_paid,
                   (highest / lowest_paid).quantize(CENT) if lowest_paid else None)


def within_spread(amounts: list[Decimal], limit: Decimal) -> None:
    """Refuse shares whose highest is more than ``limit`` times the lowest share above 0.00 (0: no limit).

    Refused, not capped. A bonus office pays by the rule it published, grade coefficient × score; capping would take
    from every other officer to lift the lowest (or from the highest to give to the rest) by a formula nobody
    published. And the ratio follows from the grades and the coefficients alone, whatever the pool's amount, so a
    pool beyond the limit says that the rule set's coefficients and its spread contradict each other for these
    grades: for people to settle (a new version of the rule set, a grade reviewed on appeal), not for the system to
    paper over. Nothing is saved; the message gives the highest and lowest shares, their ratio and the limit.

    Officers whose coefficient is 0 (incompetent, by default) get 0.00 and are outside the limit: they are paid
    nothing by the rule itself."""
    if not limit:
        return
    spread = Spread.of(amounts)
    if spread.lowest_paid is not None and spread.highest > limit * spread.lowest_paid:
        raise ServiceError(_("The shares would spread from %(lowest)s to %(highest)s, %(ratio)s times the lowest, "
                             "beyond the %(limit)s times the rule set allows. Nothing was shared: the grades and "
                             "the coefficients decide the ratio, whatever the pool, so settle the rule set or the "
                             "grades first.",
                             lowest=f"{spread.lowest_paid:,}", highest=f"{spread.highest:,}",
                             ratio=str((spread.highest / spread.lowest_paid).quantize(CENT)), limit=str(limit)),
                           "amount")


def _share(unit: Unit, pool: Decimal, items: list[tuple[int, str, Decimal, Decimal]], rules_day: date,
           month: date | None, note: str, actor: Person) -> BonusPool:
    """Share ``pool`` over (person id, grade, score, score as stored) and save the pool with its shares."""
    rules = values_on(rules_day)
    coefficients = rules.bonus_coefficients()
    shares = distribute(pool, [(pid, grade, weight) for pid, grade, weight, _stored in items], coefficients)
    if items and not any(amount for _pid, amount in shares):
        raise ServiceError(_("Nobody would get a share: every officer's grade has a coefficient of 0 or a score of "
                             "0. Nothing was shared."), "amount")
    within_spread([amount for _pid, amount in shares], rules.bonus_max_ratio)
    bonus = BonusPool(unit_id=unit.id, year=rules_day.year, month=month, amount=pool,
                      note=(note or "").strip()[:200], coefficients={k: str(v) for k, v in coefficients.items()},
                      created_by_id=actor.id)
    db.session.add(bonus)
    db.session.flush()
    by_id = {pid: (grade, stored) for pid, grade, _weight, stored in items}
    db.session.add_all(BonusShare(pool_id=bonus.id, person_id=pid, grade=by_id[pid][0], score=by_id[pid][1],
                                  amount=value) for pid, value in shares)
    db.session.flush()
    after = {"year": rules_day.year, "amount": str(pool), "officers": len(shares)}
    if month is not None:
        after["month"] = f"{month:%Y-%m}"
    audit.record(actor, "bonus.distributed", "bonus_pool", bonus.id, unit_id=unit.id, after=after)
    return bonus


def create_year_pool(unit: Unit, year: int, amount, note: str, actor: Person) -> BonusPool:
    """Share a pool among the officers of the unit's final annual review, by grade coefficient × score."""
    require_hr(actor, unit)
    # FOR SHARE: the review cannot be reopened under the pool (reopening takes FOR UPDATE), nor the pool shared
    # over a review being reopened.
    review = db.session.scalar(select(YearReview).where(YearReview.unit_id == unit.id, YearReview.year == year)
                               .with_for_update(read=True).execution_options(populate_existing=True))
    if review is None or review.status != MonthStatus.final.value:
        raise ServiceError(_("The unit's annual review of %(year)d is not final.", year=year), "year")
    pool = pool_amount(amount)
    results = list(db.session.scalars(select(YearResult).where(YearResult.year_review_id == review.id)))
    if not results:
        raise ServiceError(_("No officer has a result in the unit's annual review of %(year)d.", year=year), "year")
    items = [(r.person_id, r.final_grade, max(Decimal(r.score), Decimal("0")), r.score) for r in results]
    # The year's rule set (in force on its first day) gives the coefficients and the spread allowed.
    return _share(unit, pool, items, date(year, 1, 1), None, note, actor)


def not_final(unit: Unit, month: date) -> list[tuple[int, str, str]]:
    """(unit id, name, state) of each unit of the subtree whose month is not final while it has officers in the
    month or a review of it: its review's status, or ``NOT_OPENED``. Two statements, in tree order."""
    first, last = timekeeping.month_bounds(month)
    subtree = Unit.path.startswith(unit.path, autoescape=True)
    staffed = {uid: (path, name) for uid, path, name in db.session.execute(
        select(Unit.id, Unit.path, Unit.name).join(Department, Department.unit_id == Unit.id)
        .join(Assignment, Assignment.department_id == Department.id).join(Person, Person.id == Assignment.person_id)
        .where(subtree, Person.active.is_(True), Assignment.valid_from <= last,
               or_(Assignment.valid_to.is_(None), Assignment.valid_to >= first))
        .group_by(Unit.id, Unit.path, Unit.name))}
    states = {}
    for uid, path, name, status in db.session.execute(
            select(Unit.id, Unit.path, Unit.name, MonthReview.status).join(MonthReview, MonthReview.unit_id == Unit.id)
            .where(subtree, MonthReview.month == first)):
        states[uid] = status
        staffed.setdefault(uid, (path, name))
    return [(uid, name, states.get(uid, NOT_OPENED)) for uid, (path, name) in sorted(staffed.items(),
                                                                                  key=lambda kv: kv[1][0])
            if states.get(uid) != MonthStatus.final.value]


def month_results(unit: Unit, month: date) -> list[MonthResult]:
    """The final monthly results of the subtree's units for the month (each officer once: if a transfer left two,
    the later review's)."""
    rows = db.session.scalars(
        select(MonthResult).join(MonthReview, MonthReview.id == MonthResult.month_review_id)
        .join(Unit, Unit.id == MonthReview.unit_id)
        .where(Unit.path.startswith(unit.path, autoescape=True), MonthReview.month == month,
               MonthReview.status == MonthStatus.final.value)
        .order_by(MonthResult.month_review_id, MonthResult.id))
    return list({r.person_id: r for r in rows}.values())


def create_month_pool(unit: Unit, month: date, amount, note: str, actor: Person) -> BonusPool:
    """Share a month's pool among the officers of the unit's subtree, by their final monthly grade's coefficient ×
    their monthly score, with the rule set in force on the month's first day."""
    require_hr(actor, unit)
    month = month.replace(day=1)
    pool = pool_amount(amount)
    # FOR SHARE on the subtree's reviews of the month: none is reopened under the pool, as for the year's.
    db.session.execute(select(MonthReview.id).join(Unit, Unit.id == MonthReview.unit_id)
                       .where(Unit.path.startswith(unit.path, autoescape=True), MonthReview.month == month)
                       .order_by(MonthReview.id).with_for_update(read=True, of=MonthReview)).all()
    missing = not_final(unit, month)
    if missing:
        units = _(", ").join(_("%(unit)s (%(state)s)", unit=name, state=PERIOD_NOT_FINAL_LABELS.get(state, state))
                             for _uid, name, state in missing)
        raise ServiceError(_("%(month)s is not final for %(units)s. A month's pool is shared over final results "
                             "only: finalise the month there first.", month=f"{month:%Y-%m}", units=units), "month")
    results = month_results(unit, month)
    if not results:
        raise ServiceError(_("No officer has a final result for %(month)s.", month=f"{month:%Y-%m}"), "month")
    items = [(r.person_id, r.final_grade, max(Decimal(r.score), Decimal("0")), r.score) for r in results]
    return _share(unit, pool, items, month, month, note, actor)


# --- What the pages read ----------------------------------------------------------------------------------------------


def latest_pool(unit: Unit, year: int, month: date | None) -> BonusPool | None:
    """The pool that stands for the period: the latest shared (an earlier one stays on record, superseded)."""
    period = BonusPool.month.is_(None) if month is None else BonusPool.month == month
    return db.session.scalar(select(BonusPool).where(BonusPool.unit_id == unit.id, BonusPool.year == year, period)
                             .order_by(BonusPool.id.desc()).limit(1))


def shares_of(pool: BonusPool | None) -> list[BonusShare]:
    if pool is None:
        return []
    return list(db.session.scalars(select(BonusShare).where(BonusShare.pool_id == pool.id)
                                   .options(selectinload(BonusShare.person))
                                   .order_by(BonusShare.amount.desc(), BonusShare.id)))


@dataclass(frozen=True)
class MonthPool:
    month: date
    state: str | None            # the subtree's reviews of the month: the least advanced status, None if none
    pool: BonusPool | None       # the latest pool of the month
    officers: int
    spread: Spread | None


_STATE_ORDER = [MonthStatus.open.value, MonthStatus.computed.value, MonthStatus.published.value,
                MonthStatus.final.value]


def month_pools(unit: Unit, year: int) -> list[MonthPool]:
    """The twelve months of a year with their latest pool and its spread, and the state of the subtree's month
    reviews: three statements whatever the number of pools and shares."""
    months = [date(year, m, 1) for m in range(1, 13)]
    pools: dict[date, BonusPool] = {}
    for pool in db.session.scalars(select(BonusPool).where(BonusPool.unit_id == unit.id, BonusPool.year == year,
                                                           BonusPool.month.is_not(None)).order_by(BonusPool.id)):
        pools[pool.month] = pool  # the latest wins
    figures = {}
    if pools:
        paid = case((BonusShare.amount > 0, BonusShare.amount))
        for pool_id, n, highest, lowest, lowest_paid in db.session.execute(
                select(BonusShare.pool_id, func.count(), func.max(BonusShare.amount), func.min(BonusShare.amount),
                       func.min(paid)).where(BonusShare.pool_id.in_([p.id for p in pools.values()]))
                .group_by(BonusShare.pool_id)):
            highest, lowest = Decimal(highest), Decimal(lowest)
            lowest_paid = Decimal(lowest_paid) if lowest_paid is not None else None
            figures[pool_id] = (n, Spread(highest, lowest, highest - lowest, lowest_paid,
                                          (highest / lowest_paid).quantize(CENT) if lowest_paid else None))
    states: dict[date, str] = {}
    for month, status in db.session.execute(
            select(MonthReview.month, MonthReview.status).join(Unit, Unit.id == MonthReview.unit_id)
            .where(Unit.path.startswith(unit.path, autoescape=True), MonthReview.month >= months[0],
                   MonthReview.month <= months[-1])):
        known = states.get(month)
        if known is None or _STATE_ORDER.index(status) < _STATE_ORDER.index(known):
            states[month] = status
    found = []
    for month in months:
        pool = pools.get(month)
        n, spread = figures.get(pool.id, (0, None)) if pool else (0, None)
        found.append(MonthPool(month, states.get(month), pool, n, spread))
    return found
