"""What the leniency page reads: one GROUP BY over the unit's entries of the period (by month, officer, sequence and
reviewer: a few rows per officer, however many entries), the month results' grades, and the names. Five statements
whatever the size of the unit; the entries are found through their (unit, work date) index, and on PostgreSQL only
the period's monthly partitions are read.

Who is a supervisor here: whoever last reviewed an entry (``Entry.reviewed_by_id``: approved it, adjusted it, or
returned it), which is the officer's supervisor of the day or whoever acted for them. An entry returned by one and
approved by another counts for the one who approved it, with its return. An officer's monthly grade counts for the
supervisor who reviewed most of their entries that month (``worklog.rules.leniency.main_reviewer``), in the sequence
of those entries.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import and_, case, func, or_, select

from models import Entry, MonthResult, MonthReview, Person, Sequence, Unit
from worklog.extensions import db
from worklog.ledgers.queries import month_start_of
from worklog.rules.leniency import Group, Judgement, Reviews, Settings, grade_counts, judge, main_reviewer
from worklog.rulesets.queries import values_on
from worklog.timekeeping import month_bounds

#: The longest period one page reads, in months.
MOST_MONTHS = 12


@dataclass
class Row:
    """One supervisor in one peer group (the unit's officers of one sequence)."""
    sequence_id: int
    supervisor_id: int
    reviews: Reviews
    officers: int                              # officers whose entries they reviewed
    grades: dict[str, int]                     # their officers' monthly grades (officer-months)
    judgement: Judgement | None = None

    @property
    def share(self):
        return self.reviews.value("share")

    @property
    def ratio(self):
        return self.reviews.value("ratio")


@dataclass
class Report:
    unit: Unit
    first: date                                # the period's first month (its first day)
    last: date                                 # its last month (first day)
    settings: Settings
    rows: list[Row]
    groups: dict[int, Group]                   # by sequence
    people: dict[int, Person]
    sequences: dict[int, Sequence]
    months_graded: list[tuple[date, str]] = field(default_factory=list)  # (month, review status) with results

    def by_sequence(self) -> list[tuple[Sequence | None, Group, list[Row]]]:
        """The peer groups in the order of their sequences' codes; in each, the flagged first, then by entries."""
        grouped: dict[int, list[Row]] = defaultdict(list)
        for row in self.rows:
            grouped[row.sequence_id].append(row)
        order = sorted(grouped, key=lambda sid: (self.sequences[sid].code if sid in self.sequences else "", sid))
        return [(self.sequences.get(sid), self.groups[sid],
                 sorted(grouped[sid], key=lambda r: (not (r.judgement and r.judgement.flags), -r.reviews.reviewed,
                                                     self.people[r.supervisor_id].badge
                                                     if r.supervisor_id in self.people else "")))
                for sid in order]

    @property
    def flagged(self) -> int:
        return sum(1 for r in self.rows if r.judgement and r.judgement.flags)


def months_in(first: date, last: date) -> list[date]:
    months, month = [], first
    while month <= last:
        months.append(month)
        month = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return months


def report(unit: Unit, first: date, last: date) -> Report:
    """Each supervisor's reviews of the unit's entries from ``first``'s month to ``last``'s, judged against their
    peers by the rule set in force on the first day of the last month."""
    first, last = first.replace(day=1), last.replace(day=1)
    _start, end = month_bounds(last)
    settings = Settings.of(values_on(last))

    adjusted = and_(Entry.approved_points.is_not(None), Entry.approved_points != Entry.points)
    returned = Entry.returned_count > 0
    one = lambda condition: func.sum(case((condition, 1), else_=0))  # noqa: E731
    month = month_start_of(Entry.work_date).label("month")
    # Per (month, officer, sequence, reviewer): a few rows per officer of the unit.
    cells: dict[tuple[int, int], list] = defaultdict(lambda: [0, 0, 0, 0, Decimal("0"), Decimal("0"), set()])
    per_officer_month: dict[tuple[date, int], dict[tuple[int, int], int]] = defaultdict(dict)
    for m, person_id, sequence_id, reviewer_id, n, n_adjusted, n_returned, n_either, reported, approved in \
            db.session.execute(
                select(month, Entry.person_id, Entry.sequence_id, Entry.reviewed_by_id, func.count(), one(adjusted),
                       one(returned), one(or_(adjusted, returned)),
                       func.coalesce(func.sum(case((Entry.approved_points.is_not(None), Entry.points))), 0),
                       func.coalesce(func.sum(Entry.approved_points), 0))
                .where(Entry.unit_id == unit.id, Entry.work_date >= first, Entry.work_date <= end,
                       Entry.reviewed_by_id.is_not(None))
                .group_by(month, Entry.person_id, Entry.sequence_id, Entry.reviewed_by_id)):
        cell = cells[sequence_id, reviewer_id]
        cell[0] += n
        cell[1] += n_adjusted or 0
        cell[2] += n_returned or 0
        cell[3] += n_either or 0
        cell[4] += Decimal(reported)
        cell[5] += Decimal(approved)
        cell[6].add(person_id)
        per_officer_month[_as_date(m), person_id][sequence_id, reviewer_id] = n

    # Each officer-month's grade goes to the supervisor who reviewed most of that month's entries.
    grades: dict[tuple[int, int], list[str]] = defaultdict(list)
    months_graded: dict[date, str] = {}
    for m, person_id, grade, status in db.session.execute(
            select(MonthReview.month, MonthResult.person_id, MonthResult.final_grade, MonthReview.status)
            .join(MonthReview, MonthReview.id == MonthResult.month_review_id)
            .where(MonthReview.unit_id == unit.id, MonthReview.month >= first, MonthReview.month <= last)):
        months_graded[m] = status
        key = main_reviewer(per_officer_month.get((m, person_id), {}))
        if key is not None:
            grades[key].append(grade)

    rows = [Row(sequence_id, reviewer_id, Reviews(c[0], c[1], c[2], c[3], c[4], c[5]), len(c[6]),
                grade_counts(grades.get((sequence_id, reviewer_id), [])))
            for (sequence_id, reviewer_id), c in cells.items()]
    by_group: dict[int, dict[int, Reviews]] = defaultdict(dict)
    for row in rows:
        by_group[row.sequence_id][row.supervisor_id] = row.reviews
    groups, judgements = judge(by_group, settings)
    for row in rows:
        row.judgement = judgements[row.sequence_id, row.supervisor_id]

    ids = sorted({row.supervisor_id for row in rows})
    people = {p.id: p for p in db.session.scalars(select(Person).where(Person.id.in_(ids)))} if ids else {}
    sequence_ids = sorted(by_group)
    sequences = {s.id: s for s in db.session.scalars(select(Sequence).where(Sequence.id.in_(sequence_ids)))} \
        if sequence_ids else {}
    return Report(unit, first, last, settings, rows, groups, people, sequences, sorted(months_graded.items()))


def _as_date(value) -> date:
    """SQLite gives the month as text."""
    return value if isinstance(value, date) else date.fromisoformat(str(value))
