"""Reading what HR decided: a round's eligible officers with their outcomes, a year's lists with what was done, a
unit's honours and the officers the rules propose, an officer's record. Each page reads a fixed number of
statements whatever the number of officers."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Iterator

from sqlalchemy import and_, func, or_, select, union
from sqlalchemy.orm import contains_eager

from models import (Assignment, Department, Honour, MonthResult, MonthReview, MonthStatus, Person, PersonnelDecision,
                    PromotionCandidate, PromotionRound, Unit, YearResult, YearReview)
from models.decisions import DecisionKind, DecisionOutcome, OUTCOMES
from worklog.extensions import db
from worklog.rules.honours import HONOUR_KINDS, HONOUR_RULES, HonourFacts, Proposal, propose, years_read

FINAL = MonthStatus.final.value
#: Rows fetched at a time when every row is read (a spreadsheet).
CHUNK = 2000
#: The outcome filter's value for officers with nothing recorded yet.
UNDECIDED = "none"


def _subtree(unit: Unit, path_column=Unit.path):
    return path_column.startswith(unit.path, autoescape=True)


# --- A promotion round's decisions ------------------------------------------------------------------------------


@dataclass(frozen=True)
class RoundFilters:
    """Which of the round's eligible officers to show: by outcome ("none": nothing recorded yet), by name or badge."""
    outcome: str = ""
    q: str = ""

    @property
    def active(self) -> bool:
        return bool(self.outcome or self.q)

    def args(self) -> dict[str, Any]:
        return {k: v for k, v in (("outcome", self.outcome), ("q", self.q)) if v}


def outcome_choice(value: str | None) -> str:
    """The ``outcome`` argument if the round's page can filter by it, else "" (everybody)."""
    value = (value or "").strip()
    return value if value == UNDECIDED or value in OUTCOMES[DecisionKind.promotion.value] else ""


def _round_rows():
    return (select(PromotionCandidate.position, PromotionCandidate.person_id, PromotionCandidate.badge,
                   PromotionCandidate.name, PromotionCandidate.unit_id, Unit.name.label("unit_name"),
                   PersonnelDecision.id.label("decision_id"), PersonnelDecision.outcome, PersonnelDecision.decided_on,
                   PersonnelDecision.reference, PersonnelDecision.note, PersonnelDecision.version)
            .outerjoin(Unit, Unit.id == PromotionCandidate.unit_id)
            .outerjoin(PersonnelDecision, and_(PersonnelDecision.round_id == PromotionCandidate.round_id,
                                               PersonnelDecision.person_id == PromotionCandidate.person_id)))


def _round_where(query, round_: PromotionRound, filters: RoundFilters):
    query = query.where(PromotionCandidate.round_id == round_.id, PromotionCandidate.eligible.is_(True))
    if filters.outcome == UNDECIDED:
        query = query.where(PersonnelDecision.id.is_(None))
    elif filters.outcome:
        query = query.where(PersonnelDecision.outcome == filters.outcome)
    if filters.q:
        query = query.where(or_(PromotionCandidate.badge.icontains(filters.q, autoescape=True),
                                PromotionCandidate.name.icontains(filters.q, autoescape=True)))
    return query


def round_counts(round_: PromotionRound) -> dict[str, int]:
    """How many of the round's officers have each outcome recorded."""
    return dict(db.session.execute(select(PersonnelDecision.outcome, func.count())
                                   .where(PersonnelDecision.round_id == round_.id)
                                   .group_by(PersonnelDecision.outcome)).all())


def round_matching(round_: PromotionRound, filters: RoundFilters) -> int:
    query = select(func.count()).select_from(PromotionCandidate).outerjoin(
        PersonnelDecision, and_(PersonnelDecision.round_id == PromotionCandidate.round_id,
                                PersonnelDecision.person_id == PromotionCandidate.person_id))
    return db.session.scalar(_round_where(query, round_, filters)) or 0


def round_page(round_: PromotionRound, filters: RoundFilters, number: int, per_page: int) -> list[Any]:
    """One page of the round's eligible officers in the list's order, each with what was decided (or None)."""
    query = _round_where(_round_rows(), round_, filters).order_by(PromotionCandidate.position)
    return db.session.execute(query.offset((number - 1) * per_page).limit(per_page)).all()


def round_every_row(round_: PromotionRound) -> Iterator[Any]:
    """Every eligible officer of the round with the decision, in the list's order, ``CHUNK`` rows at a time."""
    yield from db.session.execute(_round_where(_round_rows(), round_, RoundFilters())
                                  .order_by(PromotionCandidate.position).execution_options(yield_per=CHUNK))


def round_candidate(round_: PromotionRound, person_id: int) -> PromotionCandidate | None:
    """The officer's line of the round's list, if they are on it (eligible)."""
    return db.session.scalar(select(PromotionCandidate).where(
        PromotionCandidate.round_id == round_.id, PromotionCandidate.person_id == person_id,
        PromotionCandidate.eligible.is_(True)))


def round_decision(round_id: int, person_id: int) -> PersonnelDecision | None:
    return db.session.scalar(select(PersonnelDecision).where(PersonnelDecision.round_id == round_id,
                                                             PersonnelDecision.person_id == person_id))


# --- A year's warning and removal lists --------------------------------------------------------------------------


def list_decisions(unit: Unit, year: int) -> dict[tuple[str, int], PersonnelDecision]:
    """What was recorded about the unit's lists of the year: (kind, person id) → decision."""
    rows = db.session.scalars(select(PersonnelDecision).where(
        PersonnelDecision.unit_id == unit.id, PersonnelDecision.year == year,
        PersonnelDecision.kind.in_([DecisionKind.warning_talk.value, DecisionKind.removal.value])))
    return {(d.kind, d.person_id): d for d in rows}


def list_decision(unit: Unit, year: int, kind: str, person_id: int) -> PersonnelDecision | None:
    return db.session.scalar(select(PersonnelDecision).where(
        PersonnelDecision.kind == kind, PersonnelDecision.unit_id == unit.id, PersonnelDecision.year == year,
        PersonnelDecision.person_id == person_id))


def unit_in_year(person: Person, unit: Unit, first: date, last: date) -> int | None:
    """The unit of the officer's last assignment between ``first`` and ``last`` that lies in ``unit``'s subtree,
    or None: where events about the officer's decisions and honours are filed."""
    return units_in_year([person.id], unit, first, last).get(person.id)


def units_in_year(person_ids: list[int], unit: Unit, first: date, last: date) -> dict[int, int]:
    """:func:`unit_in_year` of several officers, in one statement (those with none are left out)."""
    rows = db.session.execute(
        select(Assignment.person_id, Department.unit_id).join(Department, Assignment.department_id == Department.id)
        .join(Unit, Unit.id == Department.unit_id)
        .where(Assignment.person_id.in_(person_ids), Assignment.valid_from <= last,
               or_(Assignment.valid_to.is_(None), Assignment.valid_to >= first), _subtree(unit))
        .order_by(Assignment.person_id, Assignment.valid_from.desc(), Assignment.id.desc()))
    found: dict[int, int] = {}
    for person_id, unit_id in rows:
        found.setdefault(person_id, unit_id)  # the latest comes first
    return found


# --- Honours ----------------------------------------------------------------------------------------------------


def officer_in_year(unit: Unit, year: int, badge: str) -> tuple[Person, int] | None:
    """The officer with this badge and the unit they worked in, if they worked in the unit's subtree in the year
    (their last such assignment); None otherwise, whether or not the badge exists elsewhere."""
    row = db.session.execute(
        select(Person, Department.unit_id).join(Assignment, Assignment.person_id == Person.id)
        .join(Department, Department.id == Assignment.department_id).join(Unit, Unit.id == Department.unit_id)
        .where(Person.badge == badge, Assignment.valid_from <= date(year, 12, 31),
               or_(Assignment.valid_to.is_(None), Assignment.valid_to >= date(year, 1, 1)), _subtree(unit))
        .order_by(Assignment.valid_from.desc(), Assignment.id.desc()).limit(1)).first()
    return (row[0], row[1]) if row else None


def honours_query(unit: Unit, year: int):
    """The honours given by the unit or a unit under it for the year, newest first, each with its officer."""
    return (select(Honour).join(Person, Person.id == Honour.person_id).join(Unit, Unit.id == Honour.unit_id)
            .where(Honour.year == year, _subtree(unit))
            .options(contains_eager(Honour.person), contains_eager(Honour.unit))
            .order_by(Honour.decided_on.desc(), Honour.id.desc()))


def honours_page(unit: Unit, year: int, number: int, per_page: int) -> tuple[list[Honour], int]:
    total = db.session.scalar(select(func.count()).select_from(Honour).join(Unit, Unit.id == Honour.unit_id)
                              .where(Honour.year == year, _subtree(unit))) or 0
    rows = list(db.session.scalars(honours_query(unit, year).offset((number - 1) * per_page).limit(per_page)))
    return rows, total


@dataclass(frozen=True)
class ProposedOfficer:
    """An officer the rules propose for a kind of honour, and, when they already hold one of that kind for the
    year, that honour (they are then shown as honoured, not proposed again)."""
    person_id: int
    badge: str
    name: str
    proposal: Proposal
    honoured: Any = None


@dataclass
class Proposals:
    """What the rules propose for a unit's year, by kind of honour, and what they read: the final annual reviews
    and final months of the unit's subtree in the year (for the page to say why a list is empty)."""
    by_kind: dict[str, list[ProposedOfficer]] = field(default_factory=dict)
    final_reviews: int = 0
    final_months: int = 0

    def open(self, kind: str) -> list[ProposedOfficer]:
        """Those of a kind not honoured yet: who may be accepted."""
        return [p for p in self.by_kind.get(kind, []) if p.honoured is None]


def _people_read(unit: Unit, year: int):
    """SELECT of the officers the rules look at: ranked in a final annual review of the subtree for the year, or
    graded in a final month of the subtree in the year."""
    annual = (select(YearResult.person_id).join(YearReview, YearReview.id == YearResult.year_review_id)
              .join(Unit, Unit.id == YearReview.unit_id)
              .where(YearReview.year == year, YearReview.status == FINAL, _subtree(unit)))
    monthly = (select(MonthResult.person_id).join(MonthReview, MonthReview.id == MonthResult.month_review_id)
               .join(Unit, Unit.id == MonthReview.unit_id)
               .where(MonthReview.month >= date(year, 1, 1), MonthReview.month <= date(year, 12, 1),
                      MonthReview.status == FINAL, _subtree(unit)))
    return union(annual, monthly)


def proposals(unit: Unit, year: int, only: list[int] | None = None, rules=HONOUR_RULES) -> Proposals:
    """The officers the rules propose for the unit's year (``only``: those officers alone, for accepting them),
    ordered by badge, with the honours of the same kind they already hold for the year. Five statements."""
    people = _people_read(unit, year).subquery()
    ids = select(people.c.person_id)
    if only is not None:
        ids = ids.where(people.c.person_id.in_(sorted(set(only)) or [0]))
    years = years_read(rules, year)
    grades = sorted({r["params"]["grade"] for r in rules.values()})
    names: dict[int, tuple[str, str]] = {}
    annual: dict[int, dict[int, str]] = defaultdict(dict)
    for pid, badge, name, y, grade in db.session.execute(
            select(YearResult.person_id, Person.badge, Person.name, YearReview.year, YearResult.final_grade)
            .join(YearReview, YearReview.id == YearResult.year_review_id)
            .join(Person, Person.id == YearResult.person_id)
            .where(YearResult.person_id.in_(ids), YearReview.status == FINAL, YearReview.year.in_(years))):
        names[pid] = (badge, name)
        annual[pid][y] = grade
    monthly: dict[int, dict[str, int]] = defaultdict(dict)
    for pid, badge, name, grade, count in db.session.execute(
            select(MonthResult.person_id, Person.badge, Person.name, MonthResult.final_grade, func.count())
            .join(MonthReview, MonthReview.id == MonthResult.month_review_id)
            .join(Person, Person.id == MonthResult.person_id)
            .where(MonthResult.person_id.in_(ids), MonthReview.status == FINAL,
                   MonthReview.month >= date(year, 1, 1), MonthReview.month <= date(year, 12, 1),
                   MonthResult.final_grade.in_(grades))
            .group_by(MonthResult.person_id, Person.badge, Person.name, MonthResult.final_grade)):
        names[pid] = (badge, name)
        monthly[pid][grade] = count
    order = sorted(names, key=lambda pid: (names[pid][0], pid))
    found = propose(rules, [HonourFacts(pid, annual.get(pid, {}), monthly.get(pid, {})) for pid in order], year)
    held: dict[tuple[int, str], Honour] = {}
    for honour in db.session.scalars(select(Honour).where(Honour.person_id.in_(ids), Honour.year == year,
                                                          Honour.revoked_at.is_(None)).order_by(Honour.id)):
        held.setdefault((honour.person_id, honour.kind), honour)
    result = Proposals(by_kind={kind: [] for kind in HONOUR_KINDS})
    for proposal in found:
        badge, name = names[proposal.person_id]
        result.by_kind[proposal.kind].append(ProposedOfficer(proposal.person_id, badge, name, proposal,
                                                             held.get((proposal.person_id, proposal.kind))))
    if only is None:
        result.final_reviews = db.session.scalar(
            select(func.count()).select_from(YearReview).join(Unit, Unit.id == YearReview.unit_id)
            .where(YearReview.year == year, YearReview.status == FINAL, _subtree(unit))) or 0
        result.final_months = db.session.scalar(
            select(func.count()).select_from(MonthReview).join(Unit, Unit.id == MonthReview.unit_id)
            .where(MonthReview.month >= date(year, 1, 1), MonthReview.month <= date(year, 12, 1),
                   MonthReview.status == FINAL, _subtree(unit))) or 0
    return result


# --- An officer's record ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Record:
    """An officer's decisions (each with its round's name, if any) and honours, newest first."""
    decisions: list[tuple[PersonnelDecision, str | None]]
    honours: list[Honour]

    @property
    def empty(self) -> bool:
        return not self.decisions and not self.honours


def record(person: Person) -> Record:
    """Two statements."""
    decisions = db.session.execute(
        select(PersonnelDecision, PromotionRound.name)
        .outerjoin(PromotionRound, PromotionRound.id == PersonnelDecision.round_id)
        .join(Unit, Unit.id == PersonnelDecision.unit_id)
        .where(PersonnelDecision.person_id == person.id).options(contains_eager(PersonnelDecision.unit))
        .order_by(PersonnelDecision.decided_on.desc(), PersonnelDecision.id.desc())).all()
    honours = db.session.scalars(
        select(Honour).join(Unit, Unit.id == Honour.unit_id).where(Honour.person_id == person.id)
        .options(contains_eager(Honour.unit)).order_by(Honour.decided_on.desc(), Honour.id.desc()))
    return Record([(d, name) for d, name in decisions], list(honours))


#: Outcomes in the order the pages list them.
OUTCOME_ORDER = [o.value for o in DecisionOutcome]
