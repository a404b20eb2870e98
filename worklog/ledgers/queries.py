"""Reads for the department classified ledger (部门分类帐), the unit general ledger (单位总帐), the year
view and the check of the roll-ups.

The pages read the roll-up tables only (DESIGN §8), in a fixed number of queries however many entries,
officers or departments a unit has. Only :func:`differences` reads the entries, for the command line.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from typing import NamedTuple

from sqlalchemy import Date, and_, bindparam, case, distinct, func, literal, select, union
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import aliased
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.sql.functions import FunctionElement

from models import (DayLog, Department, DepartmentMonth, DepartmentMonthCategory, Entry, EntryStatus, MonthReview,
                    Person, PersonDayTotal, TaskCategory, Unit, UnitMonth, UnitMonthGrade, UnitWeek, WeekReview,
                    WeekStatus)
from worklog.extensions import db
from worklog.ledgers.services import months_between
from worklog.timekeeping import month_bounds

ZERO = Decimal("0.00")
CENT = Decimal("0.01")


def _money(value) -> Decimal:
    return Decimal(value if value is not None else 0).quantize(CENT, ROUND_HALF_UP)


@dataclass
class Totals:
    """One ledger cell or row: officers with signed work, entries, self-assessed and approved points."""
    officers: int = 0
    entries: int = 0
    points: Decimal = ZERO
    approved: Decimal = ZERO

    @classmethod
    def of(cls, row) -> Totals:
        return cls(int(getattr(row, "officers", 0) or 0), int(row.entries or 0), _money(row.points),
                   _money(row.approved_points))

    @property
    def per_capita(self) -> Decimal | None:
        """Approved points per officer; None without officers."""
        if not self.officers:
            return None
        return (self.approved / self.officers).quantize(CENT, ROUND_HALF_UP)

    def __add__(self, other: Totals) -> Totals:
        return Totals(self.officers + other.officers, self.entries + other.entries, self.points + other.points,
                      self.approved + other.approved)


def rank_by_per_capita(rows: list) -> None:
    """Set ``rank`` on rows with a ``totals``: 1 + the number with a higher per-capita approved figure (ties
    share a place); rows without officers have no rank."""
    values = [r.totals.per_capita for r in rows if r.totals.per_capita is not None]
    for row in rows:
        mine = row.totals.per_capita
        row.rank = None if mine is None else 1 + sum(1 for v in values if v > mine)


def parse_month(text: str | None) -> date | None:
    """``2026-11`` → 1 November 2026; None for anything else."""
    try:
        year, month = (int(x) for x in (text or "").split("-"))
        if 2000 <= year <= 2100:
            return date(year, month, 1)
    except ValueError:
        pass
    return None


@cache
def _categories_query():
    return select(TaskCategory).order_by(TaskCategory.position, TaskCategory.code)


def categories() -> list[TaskCategory]:
    return list(db.session.scalars(_categories_query()))


def _chain(units: list[Unit]) -> dict[int, Unit]:
    """Units read together, each linked to its parent among them, so that the lower ones keep the upper ones."""
    by_id = {u.id: u for u in units}
    for unit in by_id.values():
        if unit.parent_id in by_id:
            set_committed_value(unit, "parent", by_id[unit.parent_id])
    return by_id


# The ledger pages' statements that join the unit tree to itself are built once (@cache), their values bound at
# each run: building one with its aliases cost more than running it.


@cache
def _unit_chain_query():
    target = aliased(Unit)
    return select(Unit).join(target, target.path.startswith(Unit.path)).where(target.id == bindparam("unit_id"))


@cache
def _department_chain_query():
    own = aliased(Unit)
    return (select(Department, Unit).join(own, own.id == Department.unit_id)
            .join(Unit, own.path.startswith(Unit.path)).where(Department.id == bindparam("department_id")))


def unit_with_ancestors(unit_id: int) -> Unit | None:
    """The unit, with the units above it read in the same query (for :func:`ancestors`)."""
    return _chain(list(db.session.scalars(_unit_chain_query(), {"unit_id": unit_id}))).get(unit_id)


def department_with_ancestors(department_id: int) -> Department | None:
    """The department with its unit and the units above it, in one query."""
    rows = db.session.execute(_department_chain_query(), {"department_id": department_id}).all()
    if not rows:
        return None
    department, units = rows[0][0], _chain([unit for _department, unit in rows])
    set_committed_value(department, "unit", units[department.unit_id])
    return department


def ancestors(unit: Unit) -> list[Unit]:
    """The units above ``unit``, top first, from the materialised path: a query only for those not read yet in
    this request (the pages read them with the unit, and a reader's grants bring theirs)."""
    ids = [int(part) for part in unit.path.strip("/").split("/") if part][:-1]
    found = {i: db.session.identity_map.get(db.session.identity_key(Unit, i)) for i in ids}
    missing = [i for i, u in found.items() if u is None]
    if missing:
        found.update((u.id, u) for u in db.session.scalars(select(Unit).where(Unit.id.in_(missing))))
    return [found[i] for i in ids if found.get(i) is not None]


# --- The department classified ledger ----------------------------------------------------------------------------


@dataclass
class DepartmentRow:
    department: Department
    totals: Totals
    cells: dict[int, Totals] = field(default_factory=dict)  # category id → cell
    rank: int | None = None


@dataclass
class DepartmentLedger:
    unit: Unit
    month: date
    categories: list[TaskCategory]
    rows: list[DepartmentRow]
    total: Totals  # the unit's row: an officer who worked in two departments counts once
    category_totals: dict[int, Totals]


@cache
def _departments_query():
    unit_id = bindparam("unit_id")
    return (select(Department, DepartmentMonth)
            .outerjoin(DepartmentMonth, and_(DepartmentMonth.department_id == Department.id,
                                             DepartmentMonth.unit_id == unit_id,
                                             DepartmentMonth.month == bindparam("month")))
            .where(Department.unit_id == unit_id).order_by(Department.code))


@cache
def _department_cells_query():
    return (select(DepartmentMonthCategory).join(Department, Department.id == DepartmentMonthCategory.department_id)
            .where(Department.unit_id == bindparam("unit_id"), DepartmentMonthCategory.month == bindparam("month")))


def department_ledger(unit: Unit, month: date) -> DepartmentLedger:
    """Every department of the unit × every category, with ranks by per-capita approved points (4 queries)."""
    month = month.replace(day=1)
    values = {"unit_id": unit.id, "month": month}
    rows = {d.id: DepartmentRow(d, Totals.of(stored) if stored is not None else Totals())
            for d, stored in db.session.execute(_departments_query(), values) if d.active or stored is not None}
    category_totals: dict[int, Totals] = {}
    for cell in db.session.scalars(_department_cells_query(), values):
        totals = Totals.of(cell)
        if cell.department_id in rows:
            rows[cell.department_id].cells[cell.category_id] = totals
        category_totals[cell.category_id] = category_totals.get(cell.category_id, Totals()) + totals
    unit_row = db.session.get(UnitMonth, (unit.id, month))
    ordered = list(rows.values())
    rank_by_per_capita(ordered)
    return DepartmentLedger(unit, month, categories(), ordered, Totals.of(unit_row) if unit_row else Totals(),
                            category_totals)


# --- The unit general ledger ---------------------------------------------------------------------------------------


@dataclass
class ChildRow:
    unit: Unit
    totals: Totals  # the child and every unit under it
    rank: int | None = None


@dataclass
class UnitLedger:
    unit: Unit
    month: date
    departments: DepartmentLedger
    children: list[ChildRow]

    @property
    def own(self) -> Totals:
        return self.departments.total

    @property
    def with_children(self) -> Totals:
        return sum((c.totals for c in self.children), self.own)


@cache
def _subtree_sums_query():
    """Per child of the unit ``parent_id`` and month of ``months``: the sum of UnitMonth over the child and the units
    under it."""
    child, member = aliased(Unit), aliased(Unit)
    return (select(child.id, UnitMonth.month, func.sum(UnitMonth.officers).label("officers"),
                   func.sum(UnitMonth.entries).label("entries"), func.sum(UnitMonth.points).label("points"),
                   func.sum(UnitMonth.approved_points).label("approved_points"))
            .join(member, member.path.startswith(child.path))
            .join(UnitMonth, UnitMonth.unit_id == member.id)
            .where(child.parent_id == bindparam("parent_id"), UnitMonth.month.in_(bindparam("months", expanding=True)))
            .group_by(child.id, UnitMonth.month))


@cache
def _children_with_sums_query():
    sums = _subtree_sums_query().subquery()
    return (select(Unit, sums.c.officers, sums.c.entries, sums.c.points, sums.c.approved_points)
            .outerjoin(sums, sums.c.id == Unit.id).where(Unit.parent_id == bindparam("parent_id")).order_by(Unit.code))


def _subtree_sums(parent_id: int, months: list[date]):
    return db.session.execute(_subtree_sums_query(), {"parent_id": parent_id, "months": months}).all()


def unit_ledger(unit: Unit, month: date) -> UnitLedger:
    """The unit's own month, its departments, and its child units ranked by per-capita approved points
    (each child with the units under it: a city bureau counts its county bureaus) — 6 queries."""
    month = month.replace(day=1)
    departments = department_ledger(unit, month)
    found = db.session.execute(_children_with_sums_query(), {"parent_id": unit.id, "months": [month]}).all()
    rows = [ChildRow(row[0], Totals.of(row) if row.entries is not None else Totals())
            for row in found if row[0].active or row.entries is not None]
    rank_by_per_capita(rows)
    rows.sort(key=lambda r: (r.rank is None, r.rank or 0, r.unit.code))
    return UnitLedger(unit, month, departments, rows)


# --- One department's month: its officers --------------------------------------------------------------------------


class Officer(NamedTuple):
    id: int
    badge: str
    name: str


@dataclass
class OfficerRow:
    person: Officer
    entries: int
    points: Decimal
    approved: Decimal
    #: Of ``points``, those of entries a business system's facts made (the rest is self-reported).
    from_systems: Decimal = ZERO


@dataclass
class DepartmentMonthView:
    department: Department
    month: date
    totals: Totals  # signed weeks only, from the ledger
    cells: list[tuple[TaskCategory, Totals]]
    officers: list[OfficerRow]  # every entry logged in the department, signed or not, from the daily roll-up

    @property
    def officers_total(self) -> Totals:
        return Totals(len(self.officers), sum(o.entries for o in self.officers),
                      sum((o.points for o in self.officers), ZERO), sum((o.approved for o in self.officers), ZERO))

    @property
    def from_systems(self) -> Decimal:
        return sum((o.from_systems for o in self.officers), ZERO)


@cache
def _department_officers_query():
    # Summed per officer first, then each officer's badge and name looked up by id: joined to the people table,
    # PostgreSQL hashed every person (3 ms at a tenth of the province, 0.8 ms so).
    sums = (select(PersonDayTotal.person_id, func.sum(PersonDayTotal.entries).label("entries"),
                   func.sum(PersonDayTotal.points).label("points"),
                   func.sum(PersonDayTotal.approved_points).label("approved"))
            .where(PersonDayTotal.department_id == bindparam("department_id"),
                   PersonDayTotal.work_date >= bindparam("first"), PersonDayTotal.work_date <= bindparam("last"))
            .group_by(PersonDayTotal.person_id).subquery())
    badge = select(Person.badge).where(Person.id == sums.c.person_id).scalar_subquery().label("badge")
    name = select(Person.name).where(Person.id == sums.c.person_id).scalar_subquery().label("name")
    return (select(sums.c.person_id, badge, name, sums.c.entries, sums.c.points, sums.c.approved)
            .order_by(sums.c.approved.desc(), badge))


def department_month(department: Department, month: date) -> DepartmentMonthView:
    """The department's ledger row and cells, and its officers' month totals from the daily roll-up
    (person_day_total keeps the department of each day, so a transferred officer appears where they
    worked) — 4 queries."""
    month = month.replace(day=1)
    first, last = month_bounds(month)
    stored = db.session.get(DepartmentMonth, (department.id, month))
    cells = [(category, Totals.of(cell)) for cell, category in db.session.execute(
        select(DepartmentMonthCategory, TaskCategory).join(TaskCategory)
        .where(DepartmentMonthCategory.department_id == department.id, DepartmentMonthCategory.month == month)
        .order_by(TaskCategory.position, TaskCategory.code))]
    # What business systems reported, apart from what the officers reported themselves: only entries made from
    # facts are read (the department's month of entries through its index, the rest filtered out).
    sourced = dict(db.session.execute(
        select(Entry.person_id, func.sum(Entry.points))
        .where(Entry.department_id == department.id, Entry.work_date >= first, Entry.work_date <= last,
               Entry.fact_id.is_not(None)).group_by(Entry.person_id)).all())
    officers = [OfficerRow(Officer(person_id, badge, name), int(entries), _money(points), _money(approved),
                           _money(sourced.get(person_id) or ZERO))
                for person_id, badge, name, entries, points, approved in db.session.execute(
                    _department_officers_query(), {"department_id": department.id, "first": first, "last": last})]
    return DepartmentMonthView(department, month, Totals.of(stored) if stored else Totals(), cells, officers)


# --- The year --------------------------------------------------------------------------------------------------------


@dataclass
class YearMonth:
    month: date
    own: Totals
    with_children: Totals | None
    mix: dict[int, Decimal]  # category id → approved points of the unit's own departments


@dataclass
class UnitYear:
    unit: Unit
    year: int
    months: list[YearMonth]
    categories: list[TaskCategory]
    has_children: bool

    @property
    def total(self) -> Totals:
        """The year's entries and points; officers are not added up across months (see the table)."""
        return Totals(0, sum(m.own.entries for m in self.months), sum((m.own.points for m in self.months), ZERO),
                      sum((m.own.approved for m in self.months), ZERO))

    def category_total(self, category_id: int) -> Decimal:
        return sum((m.mix.get(category_id, ZERO) for m in self.months), ZERO)


def unit_year(unit: Unit, year: int) -> UnitYear:
    """Twelve months of a unit: totals, per-capita and the category mix (at most 5 queries)."""
    months = [date(year, m, 1) for m in range(1, 13)]
    own = {row.month: Totals.of(row) for row in db.session.scalars(
        select(UnitMonth).where(UnitMonth.unit_id == unit.id, UnitMonth.month.in_(months)))}
    has_children = db.session.scalar(select(Unit.id).where(Unit.parent_id == unit.id).limit(1)) is not None
    subtree: dict[date, Totals] = {}
    if has_children:
        for row in _subtree_sums(unit.id, months):
            subtree[row.month] = subtree.get(row.month, Totals()) + Totals.of(row)
    mix: dict[date, dict[int, Decimal]] = {}
    for month, category_id, approved in db.session.execute(
            select(DepartmentMonthCategory.month, DepartmentMonthCategory.category_id,
                   func.sum(DepartmentMonthCategory.approved_points))
            .join(Department, Department.id == DepartmentMonthCategory.department_id)
            .where(Department.unit_id == unit.id, DepartmentMonthCategory.month.in_(months))
            .group_by(DepartmentMonthCategory.month, DepartmentMonthCategory.category_id)):
        mix.setdefault(month, {})[category_id] = _money(approved)
    rows = [YearMonth(m, own.get(m, Totals()), (own.get(m, Totals()) + subtree.get(m, Totals()))
                      if has_children else None, mix.get(m, {})) for m in months]
    used = {c for m in rows for c in m.mix}
    return UnitYear(unit, year, rows, [c for c in categories() if c.id in used], has_children)


# --- The check: roll-ups against the entries ---------------------------------------------------------------------


@dataclass
class Difference:
    table: str
    key: dict[str, object]
    field: str
    stored: object
    recomputed: object

    def __str__(self) -> str:
        key = " ".join(f"{name}={value}" for name, value in self.key.items())
        return f"{self.table} {key}: {self.field} stored {_show(self.stored)}, recomputed {_show(self.recomputed)}"


def _show(value) -> str:
    return "(no row)" if value is None else str(value)


def _approved_sum():
    return func.coalesce(func.sum(case((Entry.status == EntryStatus.approved.value, Entry.approved_points),
                                       else_=0)), 0)


def ledger_months(month: date | None) -> list[date]:
    """The months to check: the one asked for, else every month with signed entries or a stored row."""
    if month is not None:
        return [month.replace(day=1)]
    bounds = db.session.execute(select(func.min(Entry.work_date), func.max(Entry.work_date))
                                .where(Entry.week_signed.is_(True))).one()
    months = set(months_between(*bounds)) if bounds[0] is not None else set()
    stored = union(select(DepartmentMonth.month), select(DepartmentMonthCategory.month), select(UnitMonth.month))
    months |= {m.replace(day=1) for m in db.session.scalars(select(stored.subquery().c[0]))}
    return sorted(months)


def differences(month: date | None = None) -> list[Difference]:
    """Recompute the three roll-ups from the entries of signed weeks, independently of the code that keeps
    them, and list every row or figure that differs from what is stored."""
    found: list[Difference] = []
    for first in ledger_months(month):
        last = month_bounds(first)[1]
        signed = (Entry.week_signed.is_(True), Entry.work_date >= first, Entry.work_date <= last)
        m = literal(first, Date)
        figures = (func.count().label("entries"), func.sum(Entry.points).label("points"),
                   _approved_sum().label("approved_points"))
        officers = func.count(distinct(Entry.person_id)).label("officers")

        fresh = {(r.department_id,): (r.unit_id, r.officers, r.entries, _money(r.points), _money(r.approved_points))
                 for r in db.session.execute(select(Entry.department_id, Entry.unit_id, officers, *figures)
                                             .where(*signed).group_by(Entry.department_id, Entry.unit_id))}
        kept = {(r.department_id,): (r.unit_id, r.officers, r.entries, _money(r.points), _money(r.approved_points))
                for r in db.session.scalars(select(DepartmentMonth).where(DepartmentMonth.month == m))}
        found += _compare("department_month", ("department", "month"), first,
                          ("unit_id", "officers", "entries", "points", "approved_points"), kept, fresh)

        fresh = {(r.department_id, r.category_id): (r.entries, _money(r.points), _money(r.approved_points))
                 for r in db.session.execute(select(Entry.department_id, Entry.category_id, *figures)
                                             .where(*signed).group_by(Entry.department_id, Entry.category_id))}
        kept = {(r.department_id, r.category_id): (r.entries, _money(r.points), _money(r.approved_points))
                for r in db.session.scalars(select(DepartmentMonthCategory).where(DepartmentMonthCategory.month == m))}
        found += _compare("department_month_category", ("department", "category", "month"), first,
                          ("entries", "points", "approved_points"), kept, fresh)

        fresh = {(r.unit_id,): (r.officers, r.entries, _money(r.points), _money(r.approved_points))
                 for r in db.session.execute(select(Entry.unit_id, officers, *figures)
                                             .where(*signed).group_by(Entry.unit_id))}
        kept = {(r.unit_id,): (r.officers, r.entries, _money(r.points), _money(r.approved_points))
                for r in db.session.scalars(select(UnitMonth).where(UnitMonth.month == m))}
        found += _compare("unit_month", ("unit", "month"), first, ("officers", "entries", "points", "approved_points"),
                          kept, fresh)
        found += [d for d in _signed_week_differences(first, last) if d not in found]
    for first in leadership_months(month):
        found += _leadership_differences(first)
    return found


def leadership_months(month: date | None) -> list[date]:
    """The months whose leadership roll-ups to check: the one asked for, else every month with results, days logged
    or a stored row."""
    if month is not None:
        return [month.replace(day=1)]
    months = {m.replace(day=1) if isinstance(m, date) else date.fromisoformat(m).replace(day=1)
              for m in db.session.scalars(select(MonthReview.month).distinct())}
    bounds = db.session.execute(select(func.min(DayLog.work_date), func.max(DayLog.work_date))).one()
    if bounds[0] is not None:
        first, last = (b if isinstance(b, date) else date.fromisoformat(b) for b in bounds)
        months |= set(months_between(first - timedelta(days=first.weekday()), last))
    months |= {(m if isinstance(m, date) else date.fromisoformat(m)).replace(day=1)
               for m in db.session.scalars(select(UnitWeek.week_start).distinct())}
    return sorted(months)


def _leadership_differences(first: date) -> list[Difference]:
    """Leadership's roll-ups of a month against a recomputation: the grades of its month reviews' results, and the
    officers' weeks beginning in it."""
    from worklog.ledgers.services import grades_fresh, mondays_of, weeks_fresh
    reviews = list(db.session.scalars(select(MonthReview.id).where(MonthReview.month == first)))
    kept = {(r.month_review_id, r.final_grade): (r.officers, r.days_due, r.days_cleared)
            for r in db.session.scalars(select(UnitMonthGrade).where(UnitMonthGrade.month_review_id.in_(reviews)))}
    found = _compare("unit_month_grade", ("review", "grade", "month"), first,
                     ("officers", "days_due", "days_cleared"), kept, grades_fresh(reviews) if reviews else {})
    mondays = mondays_of(first, month_bounds(first)[1])
    kept = {(r.unit_id, r.week_start): (r.officers, r.signed, r.on_time)
            for r in db.session.scalars(select(UnitWeek).where(UnitWeek.week_start.in_(mondays)))}
    found += _compare("unit_week", ("unit", "week", "month"), first, ("officers", "signed", "on_time"), kept,
                      weeks_fresh(mondays))
    return found


class month_start_of(FunctionElement):
    """The first day of a date's month, in SQL."""
    type = Date()
    inherit_cache = True


@compiles(month_start_of, "postgresql")
def _month_start_postgresql(element, compiler, **kw):
    return f"CAST(date_trunc('month', {compiler.process(element.clauses, **kw)}) AS DATE)"


@compiles(month_start_of, "sqlite")
def _month_start_sqlite(element, compiler, **kw):
    return f"date({compiler.process(element.clauses, **kw)}, 'start of month')"


class week_start_of(FunctionElement):
    """The Monday of a date's ISO week, in SQL."""
    type = Date()
    inherit_cache = True


@compiles(week_start_of, "postgresql")
def _week_start_postgresql(element, compiler, **kw):
    return f"CAST(date_trunc('week', {compiler.process(element.clauses, **kw)}) AS DATE)"


@compiles(week_start_of, "sqlite")
def _week_start_sqlite(element, compiler, **kw):
    # Six days back, then on to the next Monday (the same day when it is one).
    return f"date({compiler.process(element.clauses, **kw)}, '-6 days', 'weekday 1')"


def _signed_week_differences(first: date, last: date) -> list[Difference]:
    """Every signed week touching the month, against the entries it holds now: a signed week holds approved
    entries only, all marked signed, and its signature counts exactly them. Anything else is a write that
    reached the week after it was signed."""
    low, high = first - timedelta(days=6), last + timedelta(days=6)
    approved = Entry.status == EntryStatus.approved.value
    week = week_start_of(Entry.work_date).label("week")
    held = (select(Entry.person_id, week,
                   func.count().filter(approved).label("entries"),
                   func.coalesce(func.sum(Entry.points).filter(approved), 0).label("points"),
                   func.coalesce(func.sum(Entry.approved_points).filter(approved), 0).label("approved_points"),
                   func.count().filter(~approved).label("unreviewed"),
                   func.count().filter(Entry.week_signed.is_(False)).label("unmarked"))
            .where(Entry.work_date >= low, Entry.work_date <= high)
            .group_by(Entry.person_id, week).subquery())
    rows = db.session.execute(
        select(Person.badge, WeekReview.week_start, WeekReview.entries, WeekReview.points,
               WeekReview.approved_points, held.c.entries, held.c.points, held.c.approved_points,
               held.c.unreviewed, held.c.unmarked)
        .join(Person, Person.id == WeekReview.person_id)
        .outerjoin(held, (held.c.person_id == WeekReview.person_id) & (held.c.week == WeekReview.week_start))
        .where(WeekReview.status == WeekStatus.signed.value, WeekReview.week_start >= low,
               WeekReview.week_start <= last)
        .order_by(Person.badge, WeekReview.week_start))
    found = []
    for r in rows:
        key = {"officer": r.badge, "week": r[1].isoformat()}
        pairs = (("entries", r[2], r[5] or 0), ("points", _money(r[3]), _money(r[6])),
                 ("approved_points", _money(r[4]), _money(r[7])),
                 # A signed week holds no entry left to review, and every entry in it is marked signed.
                 ("entries_not_approved", 0, r.unreviewed or 0), ("entries_not_marked_signed", 0, r.unmarked or 0))
        found += [Difference("week_review", key, name, stored, recomputed)
                  for name, stored, recomputed in pairs if stored != recomputed]
    return found


def _compare(table: str, key_names: tuple[str, ...], month: date, fields: tuple[str, ...],
             kept: dict[tuple, tuple], fresh: dict[tuple, tuple]) -> list[Difference]:
    found = []
    for key in sorted(set(kept) | set(fresh)):
        labelled = dict(zip(key_names, key + (month.strftime("%Y-%m"),)))
        stored, recomputed = kept.get(key), fresh.get(key)
        if stored is None or recomputed is None:
            found.append(Difference(table, labelled, "row", None if stored is None else "present",
                                    None if recomputed is None else "present"))
            continue
        for name, a, b in zip(fields, stored, recomputed):
            if a != b:
                found.append(Difference(table, labelled, name, a, b))
    return found
