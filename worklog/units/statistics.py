"""Counts and satisfaction of the police-service survey (DESIGN §7): per unit and kind of contact, per kind,
per contact group and in total, for a month or a year, over the units a viewer may see.

A month's figures are the calls of the draws made for that month (``SurveyDraw.month``), a year's those of
its twelve months. Only calls with an outcome count; an overall satisfaction comes from the summed answers
(``combine``), never from an average of the kinds' scores. No name or phone number is ever read here.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from datetime import date
from decimal import Decimal

from sqlalchemy import ColumnElement, func, or_, select, true

from models import Person, Unit
from models.survey import CONTACT_GROUPS, REACHED, CallOutcome, ContactKind, SurveyCall, SurveyDraw
from worklog.extensions import db
from worklog.rulesets.queries import values_on
from worklog.permissions import STATISTICS_ROLES, may_view_statistics, unit_scope_clause
from worklog.rules.public import SurveyCounts, combine

#: Who reads the survey's statistics and units' evaluations: each grant covers its unit and the units under it.
VIEW_ROLES = STATISTICS_ROLES
#: Peer groups: city bureaus are compared with city bureaus, county bureaus with county bureaus.
PEER_LEVELS = ("city", "county")


def may_view(person: Person | None) -> bool:
    return may_view_statistics(person)


def may_view_unit(person: Person, unit: Unit) -> bool:
    return may_view_statistics(person, unit)


def scope_clause(person: Person | None, path_column=Unit.path) -> ColumnElement[bool]:
    """SQL condition: the unit lies within one of the person's grants of a role that reads the statistics.
    ``None`` stands for the whole province (the evaluation itself, which ranks among all peers)."""
    if person is None:
        return true()
    return or_(*(unit_scope_clause(person, role, path_column) for role in VIEW_ROLES))


def months_of(period: date, annual: bool) -> list[date]:
    if annual:
        return [date(period.year, m, 1) for m in range(1, 13)]
    return [period.replace(day=1)]


@dataclass(frozen=True)
class Figures:
    """Counts with the satisfaction under the period's rule set: the sample size (valid answers) and the
    reply rate always travel with the score."""
    counts: SurveyCounts
    factor: Decimal

    @property
    def called(self) -> int:
        return self.counts.called

    @property
    def valid(self) -> int:
        return self.counts.valid

    @cached_property
    def satisfaction(self) -> Decimal | None:
        # Computed in fractions: once per figure, however often a page sorts or shows it.
        return self.counts.satisfaction_with(self.factor)

    @property
    def reply_rate(self) -> Decimal | None:
        return self.counts.reply_rate

    def __getattr__(self, name: str):
        # satisfied, basic, dissatisfied, reached, unreachable, refused
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self.counts, name)


@dataclass
class UnitFigures:
    unit: Unit
    overall: Figures
    kinds: dict[str, Figures] = field(default_factory=dict)


@dataclass
class Statistics:
    period: date
    annual: bool
    factor: Decimal
    units: list[UnitFigures]
    kinds: dict[str, Figures]      # every kind, in ContactKind order, across the units shown
    groups: dict[str, Figures]     # reports, windows, complaints
    total: Figures

    def peer_groups(self) -> list[tuple[str, list[UnitFigures]]]:
        """City bureaus and county bureaus, each by satisfaction (best first, units without answers last)."""
        groups = []
        for level in PEER_LEVELS:
            rows = [u for u in self.units if u.unit.level == level]
            rows.sort(key=lambda u: (u.overall.satisfaction is None, -(u.overall.satisfaction or 0), u.unit.code))
            if rows:
                groups.append((level, rows))
        return groups


def places(province: Statistics) -> dict[int, int]:
    """Each unit's place by overall satisfaction among all its peers (``province`` is the statistics of every
    unit, so that a county sees where it stands province-wide, not among the units it may see): competition
    places, ties sharing one; units without an answer have none. Each satisfaction is read once and the peers
    sorted: a unit's place is one more than the number of peers strictly above it, the position of the first
    of its equals."""
    result: dict[int, int] = {}
    for level in PEER_LEVELS:
        scored = [(u.overall.satisfaction, u.unit.id) for u in province.units if u.unit.level == level]
        scored = sorted(((s, i) for s, i in scored if s is not None), key=lambda row: row[0], reverse=True)
        place, previous = 0, None
        for position, (score, unit_id) in enumerate(scored, start=1):
            if score != previous:
                place, previous = position, score
            result[unit_id] = place
    return result


def _counts(outcomes: dict[str, int]) -> SurveyCounts:
    reached = sum(outcomes.get(o.value, 0) for o in REACHED)
    return SurveyCounts(
        called=sum(outcomes.values()), reached=reached,
        satisfied=outcomes.get(CallOutcome.satisfied.value, 0), basic=outcomes.get(CallOutcome.basic.value, 0),
        dissatisfied=outcomes.get(CallOutcome.dissatisfied.value, 0),
        unreachable=outcomes.get(CallOutcome.unreachable.value, 0),
        refused=outcomes.get(CallOutcome.refused.value, 0))


def outcome_counts(months: list[date], clause: ColumnElement[bool]) -> dict[tuple[int, str], dict[str, int]]:
    """(unit id, kind) → outcome → number of calls, for draws of the months given (one query)."""
    rows = db.session.execute(
        select(SurveyDraw.unit_id, SurveyDraw.kind, SurveyCall.outcome, func.count(SurveyCall.id))
        .join(SurveyCall, SurveyCall.draw_id == SurveyDraw.id)
        .join(Unit, Unit.id == SurveyDraw.unit_id)
        .where(SurveyDraw.month.in_(months), SurveyCall.outcome.is_not(None), clause)
        .group_by(SurveyDraw.unit_id, SurveyDraw.kind, SurveyCall.outcome)).all()
    found: dict[tuple[int, str], dict[str, int]] = {}
    for unit_id, kind, outcome, n in rows:
        found.setdefault((unit_id, kind), {})[outcome] = int(n)
    return found


def statistics(period: date, annual: bool, viewer: Person | None) -> Statistics:
    """The month's (or the year's) figures over the units ``viewer`` may see (None: all of them)."""
    months = months_of(period, annual)
    factor = values_on(months[0]).survey_basic_factor
    found = outcome_counts(months, scope_clause(viewer))
    per_unit_kinds: dict[int, dict[str, SurveyCounts]] = {}
    for (unit_id, kind), outcomes in found.items():
        per_unit_kinds.setdefault(unit_id, {})[kind] = _counts(outcomes)
    unit_ids = sorted(per_unit_kinds)
    units = {u.id: u for u in db.session.scalars(select(Unit).where(Unit.id.in_(unit_ids)))} if unit_ids else {}
    per_unit = [UnitFigures(units[unit_id], Figures(combine(list(kinds.values())), factor),
                            {k.value: Figures(kinds[k.value], factor) for k in ContactKind if k.value in kinds})
                for unit_id, kinds in per_unit_kinds.items()]
    per_unit.sort(key=lambda u: (u.unit.path, u.unit.code))
    return _assemble(months[0], annual, factor, per_unit)


def within(province: Statistics, viewer: Person) -> Statistics:
    """The figures of the units ``viewer`` may see, taken from the statistics of every unit: the same as
    ``statistics(period, annual, viewer)`` without reading the calls a second time (the bulletin needs both,
    the viewer's units and every unit's place)."""
    return _assemble(province.period, province.annual, province.factor,
                     [u for u in province.units if may_view_unit(viewer, u.unit)])


def _assemble(period: date, annual: bool, factor: Decimal, per_unit: list[UnitFigures]) -> Statistics:
    """Every kind's, group's and the total figures from the units' (summed answers, never averaged scores)."""
    by_kind: dict[str, list[SurveyCounts]] = {k.value: [] for k in ContactKind}
    for unit in per_unit:
        for kind, figures in unit.kinds.items():
            by_kind.setdefault(kind, []).append(figures.counts)
    kind_counts = {kind: combine(counts) for kind, counts in by_kind.items()}
    groups = {name: Figures(combine([kind_counts[k.value] for k in kinds]), factor)
              for name, kinds in CONTACT_GROUPS.items()}
    return Statistics(period=period, annual=annual, factor=factor, units=per_unit,
                      kinds={k: Figures(c, factor) for k, c in kind_counts.items()}, groups=groups,
                      total=Figures(combine(list(kind_counts.values())), factor))


def subtree_counts(units: list[Unit], months: list[date]) -> dict[int, SurveyCounts]:
    """Each unit's counts together with the units under it (as its work score counts them)."""
    if not units:
        return {}
    ids = [u.id for u in units]
    head, member = Unit.__table__.alias("head"), Unit.__table__.alias("member")
    rows = db.session.execute(
        select(head.c.id, SurveyCall.outcome, func.count(SurveyCall.id))
        .select_from(head)
        .join(member, member.c.path.startswith(head.c.path))
        .join(SurveyDraw, SurveyDraw.unit_id == member.c.id)
        .join(SurveyCall, SurveyCall.draw_id == SurveyDraw.id)
        .where(head.c.id.in_(ids), SurveyDraw.month.in_(months), SurveyCall.outcome.is_not(None))
        .group_by(head.c.id, SurveyCall.outcome)).all()
    found: dict[int, dict[str, int]] = {}
    for unit_id, outcome, n in rows:
        found.setdefault(unit_id, {})[outcome] = int(n)
    return {unit_id: _counts(outcomes) for unit_id, outcomes in found.items()}

