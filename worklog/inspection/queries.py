"""Reads of inspection: the findings a person may see, the rectifications a unit has to answer, the rectification
ledger's counts (also for an indicator), and the findings a ledger page names."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import func, or_, select
from sqlalchemy.orm import aliased

from models import Department, Finding, FindingTarget, Person, Rectification, RectificationStatus, Role, Unit
from worklog import timekeeping
from worklog.extensions import db
from worklog.permissions import RECTIFICATION_ROLES, finding_scope_clause, unit_scope_clause
from worklog.rules.inspection import rectification_rate

#: The states a findings list can be filtered by.
STATES = ("rectifying", "overdue", "answered", "accepted", "none", "voided")

Escalated = aliased(Unit, name="escalated_unit")


def visible_findings(actor: Person):
    """SELECT of the findings ``actor`` may see: of units their inspector's or unit-side grants cover, or escalated
    to such a unit."""
    return (select(Finding).join(Unit, Unit.id == Finding.unit_id)
            .outerjoin(Rectification, Rectification.finding_id == Finding.id)
            .outerjoin(Escalated, (Escalated.id == Rectification.escalated_to_id)
                       & Rectification.escalated_at.is_not(None))
            .where(finding_scope_clause(actor, unit=Unit, escalated=Escalated)))


def filtered(query, *, unit_id: int | None = None, category: str | None = None, state: str | None = None,
             month: date | None = None, today: date | None = None):
    """The list's filters on :func:`visible_findings`. A unit filter takes the units under it too."""
    today = today or timekeeping.today()
    if unit_id:
        path = db.session.scalar(select(Unit.path).where(Unit.id == unit_id))
        query = query.where(Unit.path.startswith(path or "/none/", autoescape=True))
    if category:
        query = query.where(Finding.category == category)
    if month is not None:
        first, last = timekeeping.month_bounds(month)
        query = query.where(Finding.found_on >= first, Finding.found_on <= last)
    alive = Finding.voided_at.is_(None)
    if state == "voided":
        query = query.where(Finding.voided_at.is_not(None))
    elif state == "none":
        query = query.where(alive, Rectification.id.is_(None))
    elif state == "rectifying":
        query = query.where(alive, Rectification.status != RectificationStatus.accepted.value)
    elif state == "overdue":
        query = query.where(alive, Rectification.status != RectificationStatus.accepted.value,
                            Rectification.deadline < today)
    elif state == "answered":
        query = query.where(alive, Rectification.status == RectificationStatus.answered.value)
    elif state == "accepted":
        query = query.where(alive, Rectification.status == RectificationStatus.accepted.value)
    return query


def to_answer(actor: Person):
    """SELECT of the findings whose rectification the actor's unit side has to answer (open or returned): their own
    units' and those escalated to them, the most urgent first."""
    own = or_(*(unit_scope_clause(actor, role, Unit.path) for role in RECTIFICATION_ROLES))
    above = or_(*(unit_scope_clause(actor, role, Escalated.path) for role in RECTIFICATION_ROLES))
    return (select(Finding).join(Rectification, Rectification.finding_id == Finding.id)
            .join(Unit, Unit.id == Finding.unit_id)
            .outerjoin(Escalated, (Escalated.id == Rectification.escalated_to_id)
                       & Rectification.escalated_at.is_not(None))
            .where(or_(own, above), Finding.voided_at.is_(None),
                   Rectification.status.in_([RectificationStatus.open.value, RectificationStatus.returned.value]))
            .order_by(Rectification.deadline, Finding.id))


# --- The rectification ledger ---------------------------------------------------------------------------------------


@dataclass
class Counts:
    """One unit's (and category's) figures for a period.

    ``findings``: found in the period (not withdrawn). Rectifications *due in the period* (deadline within it) are
    counted once their deadline has passed or they were accepted: ``due``; of them ``on_time`` and ``late`` were
    accepted, ``overdue`` are past the deadline unaccepted (``escalated`` of those sent above). ``pending``: due in
    the period, not yet past the deadline nor accepted (left out of the rate)."""
    findings: int = 0
    due: int = 0
    on_time: int = 0
    late: int = 0
    overdue: int = 0
    escalated: int = 0
    pending: int = 0
    points: Decimal = Decimal("0")

    @property
    def rate(self) -> Decimal | None:
        return rectification_rate(self.on_time, self.due)

    def add(self, other: Counts) -> None:
        for name in ("findings", "due", "on_time", "late", "overdue", "escalated", "pending", "points"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


def rectification_counts(unit_ids: list[int], first: date, last: date, *, subtree: bool = True,
                         today: date | None = None) -> dict[int, dict[str, Counts]]:
    """{unit id: {category: Counts}} for the period from ``first`` to ``last``, each unit with the units under it
    (``subtree``) or alone. Two queries whatever the number of units; units without findings are left out."""
    if not unit_ids:
        return {}
    today = today or timekeeping.today()
    Named = aliased(Unit, name="named_unit")
    if subtree:
        group, join_on = Named.id, Unit.path.startswith(Named.path)
    else:
        group, join_on = Named.id, Unit.id == Named.id
    alive = Finding.voided_at.is_(None)
    result: dict[int, dict[str, Counts]] = defaultdict(lambda: defaultdict(Counts))
    for unit_id, category, count, points in db.session.execute(
            select(group, Finding.category, func.count(), func.coalesce(func.sum(Finding.points), 0))
            .join(Unit, Unit.id == Finding.unit_id).join(Named, join_on)
            .where(Named.id.in_(unit_ids), alive, Finding.found_on >= first, Finding.found_on <= last)
            .group_by(group, Finding.category)):
        counts = result[unit_id][category]
        counts.findings, counts.points = int(count), Decimal(points)
    accepted = Rectification.status == RectificationStatus.accepted.value
    past = Rectification.deadline < today
    for unit_id, category, on_time, late, overdue, escalated, pending in db.session.execute(
            select(group, Finding.category,
                   func.count().filter(accepted, Rectification.on_time.is_(True)),
                   func.count().filter(accepted, Rectification.on_time.is_not(True)),
                   func.count().filter(~accepted, past),
                   func.count().filter(~accepted, past, Rectification.escalated_at.is_not(None)),
                   func.count().filter(~accepted, ~past))
            .select_from(Rectification).join(Finding, Finding.id == Rectification.finding_id)
            .join(Unit, Unit.id == Finding.unit_id).join(Named, join_on)
            .where(Named.id.in_(unit_ids), alive, Rectification.deadline >= first, Rectification.deadline <= last)
            .group_by(group, Finding.category)):
        counts = result[unit_id][category]
        counts.on_time, counts.late, counts.overdue = int(on_time), int(late), int(overdue)
        counts.escalated, counts.pending = int(escalated), int(pending)
        counts.due = counts.on_time + counts.late + counts.overdue
    return {unit_id: dict(by_category) for unit_id, by_category in result.items()}


@dataclass
class LedgerRow:
    unit: Unit
    categories: dict[str, Counts]
    total: Counts


def ledger(viewer: Person, roles, first: date, last: date) -> tuple[list[LedgerRow], Counts]:
    """Every unit in the viewer's scope that had findings or rectifications due in the period, each alone (its own
    findings: a unit above does not count its counties' twice), in the tree's order; and the total."""
    units = list(db.session.scalars(select(Unit).where(or_(*(unit_scope_clause(viewer, role) for role in roles)))
                                    .order_by(Unit.path)))
    counts = rectification_counts([u.id for u in units], first, last, subtree=False)
    rows, total = [], Counts()
    for unit in units:
        if unit.id not in counts:
            continue
        row_total = Counts()
        for item in counts[unit.id].values():
            row_total.add(item)
        total.add(row_total)
        rows.append(LedgerRow(unit, counts[unit.id], row_total))
    return rows, total


# --- The findings a ledger page names -------------------------------------------------------------------------------


def findings_of_month(target: FindingTarget, first: date, last: date, *, unit_id: int | None = None,
                      department_ids: list[int] | None = None) -> list[Finding]:
    """The findings (not withdrawn) about a unit itself, or about departments, found within the period: for the
    unit's and the departments' ledger pages, with their departments loaded."""
    query = (select(Finding).where(Finding.target == target.value, Finding.voided_at.is_(None),
                                   Finding.found_on >= first, Finding.found_on <= last)
             .order_by(Finding.found_on, Finding.id))
    if unit_id is not None:
        query = query.where(Finding.unit_id == unit_id)
    if department_ids is not None:
        query = query.where(Finding.department_id.in_(department_ids or [0]))
    findings = list(db.session.scalars(query))
    wanted = {f.department_id for f in findings if f.department_id}
    if wanted:
        db.session.scalars(select(Department).where(Department.id.in_(wanted))).all()  # into the session at once
    return findings


def inspector_units(actor: Person) -> list[Unit]:
    """Every unit the inspector covers, in the tree's order (for the form's and the filter's choices)."""
    return list(db.session.scalars(select(Unit).where(unit_scope_clause(actor, Role.inspector)).order_by(Unit.path)))


def inspector_departments(actor: Person) -> list[Department]:
    return list(db.session.scalars(
        select(Department).join(Unit, Unit.id == Department.unit_id)
        .where(unit_scope_clause(actor, Role.inspector), Department.active.is_(True))
        .order_by(Unit.path, Department.code)))
