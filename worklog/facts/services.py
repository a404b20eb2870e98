"""Facts in, entries out: what a business system recorded of an officer's work becomes an entry on their day.

A batch is handled in one transaction, in a few statements whatever its size (persons, posts, mappings, week and
month rows, day logs, facts and entries are each read or written together), so that a system can send a day's
10,000 calls at once. The rules are those of an officer's own entry — the task must be open to the post on that
date, its daily cap holds, a signed week or a final month is closed — except the back-fill window: a system
reports when it can, and the period's seal is what closes a day.

A fact is known by (source, external id). Sent again unchanged, it changes nothing. Changed, it changes its
entry, unless the entry's or the new day's period is sealed: then the change is refused with the reason and
the entry stays as it was. A fact naming an unknown badge or an unmapped type, or whose task is not open to the
officer's post, waits (``status`` waiting, with its reason) until an administrator fixes the cause and matches
it again; nothing is ever dropped but a fact about an officer outside the sender's units, which is refused.
"""
from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Iterable, Mapping

from flask_babel import gettext as _
from sqlalchemy import and_, func, select, tuple_

from models import (ApiClient, Assignment, DayLog, DayStatus, Entry, EntryStatus, FactChannel, FactMapping, FactStatus,
                    Person, PersonDayTotal, QuantityRule, TaskType, TaskTypeVersion, Unit, WeekStatus, WorkFact,
                    MonthStatus)
from worklog import audit, locks, timekeeping
from worklog.catalog import queries as catalog
from worklog.db import upsert_insert
from worklog.extensions import db
from worklog.facts.reasons import REASONS
from worklog.ledgers import services as ledgers
from worklog.rules.points import entry_points
from worklog.weekly.queries import week_of

MAX_BATCH = 10_000
MAX_QUANTITY = Decimal("999999.99")
#: Values per IN list: well under SQLite's limit of bound parameters, and short statements on PostgreSQL.
CHUNK = 900
FUTURE_SLACK = timedelta(minutes=10)
FIRST_FACT_YEAR = 2000
ZERO = Decimal("0")


@dataclass(frozen=True)
class Fact:
    external_id: str
    badge: str
    occurred_at: datetime
    work_date: date
    fact_type: str
    quantity: Decimal
    reference: str

    def same_as(self, row: WorkFact) -> bool:
        return (self.badge, self.occurred_at, self.fact_type, self.quantity, self.reference) == (
            row.badge, row.occurred_at, row.fact_type, row.quantity, row.reference)


@dataclass
class Outcome:
    external_id: str
    outcome: str          # created, updated, unchanged, waiting, refused
    reason: str = ""
    entry_id: int | None = None

    @property
    def message(self) -> str:
        return str(REASONS[self.reason]) if self.reason else ""


@dataclass
class Result:
    source: str
    outcomes: list[Outcome] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        counts = {name: 0 for name in ("created", "updated", "unchanged", "waiting", "refused")}
        for outcome in self.outcomes:
            counts[outcome.outcome] += 1
        return {"received": len(self.outcomes), **counts}


class FactsInvalid(Exception):
    """The batch is refused whole, nothing written: ``details`` names each wrong value (``facts.3.quantity`` …)."""

    def __init__(self, details: dict[str, str]):
        super().__init__(details)
        self.details = details


# --- Reading one fact ---------------------------------------------------------------------------------------------


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _text(raw, limit: int, *, required: bool = True) -> str | None:
    """A text field, trimmed; None when missing (if required), empty, too long or holding control characters."""
    if raw is None:
        return None if required else ""
    if isinstance(raw, bool) or not isinstance(raw, (str, int)):
        return None
    value = str(raw).strip()
    if (required and not value) or len(value) > limit or _CONTROL.search(value):
        return None
    return value


def _when(raw) -> datetime | None:
    if not isinstance(raw, (str, datetime)):
        return None
    try:
        value = raw if isinstance(raw, datetime) else datetime.fromisoformat(raw.strip())
    except ValueError:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=timekeeping.tz())
    try:
        value.astimezone(timekeeping.tz())
    except (OverflowError, ValueError):
        return None
    return value


def _quantity(raw) -> Decimal | None:
    if isinstance(raw, bool) or raw is None or raw == "":
        return None
    try:
        value = Decimal(str(raw).strip())
    except (InvalidOperation, ValueError):
        return None
    if not value.is_finite() or value <= 0 or value > MAX_QUANTITY or value != value.quantize(Decimal("0.01")):
        return None
    return value


#: The JSON type of each field of a fact sent through the API (a file's cells are read as text).
JSON_TYPES = {"id": (str,), "badge": (str,), "occurred_at": (str,), "type": (str,), "quantity": (int, float),
              "reference": (str,)}


def parse(raw: Mapping, where: str, *, typed: bool = False) -> Fact | dict[str, str]:
    """One fact from its fields (the API's JSON object, a file's row), or the message for each wrong one. ``typed``:
    each field must have its JSON type (a number is no badge, a string no quantity), as the document says."""
    if not isinstance(raw, Mapping):
        return {where: _("Each fact is an object with id, badge, occurred_at, type, quantity and reference.")}
    if typed:
        wrong = [name for name, types in JSON_TYPES.items() if name in raw and (
            not isinstance(raw[name], types) or isinstance(raw[name], bool))]
        unknown = [name for name in raw if name not in JSON_TYPES]
        if wrong or unknown:
            errors = {f"{where}.{name}": _("A number is expected here.") if name == "quantity"
                      else _("Text is expected here.") for name in wrong}
            errors.update({f"{where}.{name}": _("Unknown field: a fact has id, badge, occurred_at, type, quantity "
                                                "and reference.") for name in unknown[:10]})
            return errors
    errors: dict[str, str] = {}
    external_id = _text(raw.get("id"), 100)
    if external_id is None:
        errors["id"] = _("The fact's id in its system: 1 to 100 characters.")
    badge = _text(raw.get("badge"), 20)
    if badge is None:
        errors["badge"] = _("The officer's badge number: 1 to 20 characters.")
    occurred_at = _when(raw.get("occurred_at"))
    if occurred_at is None:
        errors["occurred_at"] = _("The date and time of the work, as 2026-11-30T09:15:00+08:00.")
    fact_type = _text(raw.get("type"), 60)
    if fact_type is None:
        errors["type"] = _("The fact's type in its system: 1 to 60 characters.")
    quantity = _quantity(raw.get("quantity", 1))
    if quantity is None:
        errors["quantity"] = _("A number above 0 with at most two decimals.")
    reference = _text(raw.get("reference"), 100, required=False)
    if reference is None:
        errors["reference"] = _("At most 100 characters (a case or call number).")
    if errors:
        return {f"{where}.{name}": message for name, message in errors.items()}
    return Fact(external_id, badge, occurred_at, occurred_at.astimezone(timekeeping.tz()).date(), fact_type,
                quantity, reference)


def parse_all(rows: Iterable[tuple[str, Mapping]], *, typed: bool = False) -> list[Fact]:
    """Every fact of a batch in its order, or :class:`FactsInvalid` naming every wrong value. An id sent twice in
    one batch counts as sent once, with its last values (:func:`receive` answers each place alike)."""
    facts, errors = [], {}
    for where, raw in rows:
        parsed = parse(raw, where, typed=typed)
        if isinstance(parsed, dict):
            errors.update(parsed)
        else:
            facts.append(parsed)
    if errors:
        raise FactsInvalid(errors)
    if len(facts) > MAX_BATCH:
        raise FactsInvalid({"facts": _("At most %(n)d facts in one batch.", n=MAX_BATCH)})
    return facts


def _plausible(fact: Fact) -> bool:
    """Work done since 2000 and not in the future (a clock a few minutes fast is forgiven)."""
    return fact.work_date.year >= FIRST_FACT_YEAR and fact.occurred_at <= timekeeping.now() + FUTURE_SLACK


# --- What the batch needs, read together -----------------------------------------------------------------------


def _write(table, rows: list[dict], *, conflict: tuple[str, ...] = (), add: tuple[str, ...] = (),
           returning: tuple[str, ...] = ()) -> list | None:
    """Many rows of ``table`` at once; on a conflict over ``conflict``, nothing (or ``add``'s columns added to).

    PostgreSQL: one statement, ``INSERT … SELECT … FROM unnest(array, array, …)``, each column an array parameter,
    with RETURNING; the returned rows. (An executemany there is a statement a row, and SQLAlchemy's multi-row
    VALUES batches cost psycopg seconds of placeholder parsing for 10,000 rows.) SQLite: one executemany, which is
    fast there, and None — RETURNING would cost a statement a row, so the caller reads back what it needs."""
    if not rows:
        return []
    rows = _with_defaults(table, rows)
    names = list(rows[0])
    if db.session.get_bind().dialect.name != "postgresql":
        statement = upsert_insert(table)
        if add:
            statement = statement.on_conflict_do_update(
                index_elements=list(conflict), set_={n: table.c[n] + statement.excluded[n] for n in add})
        elif conflict:
            statement = statement.on_conflict_do_nothing(index_elements=list(conflict))
        db.session.execute(statement, rows)
        return None
    from sqlalchemy import bindparam, text
    dialect = db.session.get_bind().dialect
    arrays = ", ".join(f"CAST(:c{k} AS {_array_type(table.c[n], dialect)})" for k, n in enumerate(names))
    columns = ", ".join(names)
    sql = f"INSERT INTO {table.name} ({columns}) SELECT {columns} FROM unnest({arrays}) AS u({columns})"
    if add:
        sql += (f" ON CONFLICT ({', '.join(conflict)}) DO UPDATE SET "
                + ", ".join(f"{n} = {table.name}.{n} + EXCLUDED.{n}" for n in add))
    elif conflict:
        sql += f" ON CONFLICT ({', '.join(conflict)}) DO NOTHING"
    if returning:
        sql += f" RETURNING {', '.join(returning)}"
    values = {f"c{k}": [row[n] for row in rows] for k, n in enumerate(names)}
    result = db.session.execute(text(sql).bindparams(*(bindparam(f"c{k}") for k in range(len(names)))), values)
    return [tuple(row) for row in result] if returning else []


def _array_type(column, dialect) -> str:
    kind = column.type.compile(dialect=dialect)
    return f"{kind}[]"


def _with_defaults(table, rows: list[dict]) -> list[dict]:
    """Every row with every column that has a default in the model and is missing from the row (a plain
    statement applies none)."""
    missing = [c for c in table.columns if c.name not in rows[0] and c.default is not None and not c.primary_key]
    if not missing:
        return rows
    filled = []
    for row in rows:
        row = dict(row)
        for column in missing:
            default = column.default
            row[column.name] = default.arg(None) if default.is_callable else default.arg
        filled.append(row)
    return filled


def _postgres() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"


def _where_in(column, values) -> list:
    """Conditions ``column IN values``, to be run one statement each: on PostgreSQL one, ``= ANY(array)`` (a
    single parameter, however many values); on SQLite the values a chunk at a time."""
    values = sorted(set(values))
    if _postgres():
        from sqlalchemy import any_, bindparam
        from sqlalchemy.dialects.postgresql import ARRAY
        return [column == any_(bindparam(None, values, type_=ARRAY(column.type)))]
    return [column.in_(chunk) for chunk in _chunks(values)]


def _where_pairs(first, second, pairs: set) -> list:
    """Conditions that find the rows of these (first, second) pairs, to be run one statement each. PostgreSQL:
    one, each column ``= ANY(array)`` — the rows of every first with every second, which the caller filters (a
    batch has a few dates, so hardly any more). SQLite: row values, a chunk at a time."""
    if _postgres():
        return [and_(_where_in(first, {a for a, _ in pairs})[0], _where_in(second, {b for _, b in pairs})[0])]
    return [tuple_(first, second).in_(chunk) for chunk in _chunks(sorted(pairs), CHUNK // 2)]


def _chunks(values: list, size: int = CHUNK):
    for start in range(0, len(values), size):
        yield values[start:start + size]


@dataclass
class _Plan:
    """Where one fact goes: its officer, post, task and values, or why it cannot."""
    fact: Fact
    row: WorkFact | None
    status: str = FactStatus.entered.value
    reason: str = ""
    person: Person | None = None
    assignment: Assignment | None = None
    mapping: FactMapping | None = None
    version: TaskTypeVersion | None = None
    quantity: Decimal = ZERO


class _Context:
    """The people, posts, scope, mappings and task versions a batch names, each read once."""

    def __init__(self, source: str, scope_paths: list[str] | None):
        self.source = source
        self.scope_paths = scope_paths
        self.people: dict[str, Person] = {}
        self.unit_paths: dict[int, str] = {}
        self.mappings: dict[str, FactMapping] = {
            m.fact_type: m for m in db.session.scalars(select(FactMapping).where(FactMapping.source == source))}
        self.versions: dict[int, list[TaskTypeVersion]] = {}
        self.task_types: dict[int, TaskType] = {}
        #: Whether a task type is open to a post, by (task type, post): the catalog's own rule, asked once each.
        self.open_to: dict[tuple[int, int], bool] = {}
        self.factors: dict[date, Decimal] = {}
        self.places: dict[int, tuple] = {}
        self.versions_read: dict[int, tuple] = {}

    def load(self, facts: Iterable[Fact]) -> None:
        from sqlalchemy.orm import selectinload
        badges = sorted({fact.badge for fact in facts} - set(self.people))
        for condition in _where_in(Person.badge, badges):
            for person in db.session.scalars(select(Person).where(condition)
                                             .options(selectinload(Person.assignments))):
                self.people[person.badge] = person
        unit_ids = sorted({a.department.unit_id for p in self.people.values() for a in p.assignments}
                          - set(self.unit_paths))
        for condition in _where_in(Unit.id, unit_ids):
            self.unit_paths.update(db.session.execute(select(Unit.id, Unit.path).where(condition)).all())
        type_ids = sorted({m.task_type_id for m in self.mappings.values()} - set(self.versions))
        if type_ids:
            for task_type in db.session.scalars(select(TaskType).where(TaskType.id.in_(type_ids))):
                self.task_types[task_type.id] = task_type
                self.versions[task_type.id] = []
            for version in db.session.scalars(select(TaskTypeVersion).where(TaskTypeVersion.task_type_id.in_(type_ids))
                                              .order_by(TaskTypeVersion.valid_from.desc())):
                self.versions[version.task_type_id].append(version)

    def in_scope(self, unit_id: int) -> bool:
        if self.scope_paths is None:
            return True
        path = self.unit_paths.get(unit_id, "")
        return any(path.startswith(scope) for scope in self.scope_paths)

    def version(self, task_type_id: int, assignment: Assignment, day: date) -> TaskTypeVersion | None:
        """As catalog.available_version: the task's values on ``day`` if it is open to the post — asked of the
        catalog (catalog.is_available) once per task and post, however many facts name them."""
        key = (task_type_id, assignment.post_id)
        if key not in self.open_to:
            self.open_to[key] = catalog.is_available(self.task_types[task_type_id], assignment)
        if not self.open_to[key]:
            return None
        return next((v for v in self.versions[task_type_id] if v.valid_from <= day), None)

    def place(self, assignment: Assignment) -> tuple:
        """(unit, department, post, sequence, coefficient) of an assignment, read off its objects once."""
        found = self.places.get(assignment.id)
        if found is None:
            post = assignment.post
            found = self.places[assignment.id] = (assignment.department.unit_id, assignment.department_id, post.id,
                                                  post.sequence_id, post.coefficient)
        return found

    def task_values(self, version: TaskTypeVersion) -> tuple:
        """(task type, version, category, standard points) of a task's version, read once."""
        found = self.versions_read.get(version.id)
        if found is None:
            found = self.versions_read[version.id] = (
                version.task_type_id, version.id, self.task_types[version.task_type_id].category_id,
                version.standard_points)
        return found

    def factor(self, day: date) -> Decimal:
        if day not in self.factors:
            from worklog.daily.services import completion_factor
            self.factors[day] = completion_factor("done", day)
        return self.factors[day]

    def plan(self, fact: Fact, row: WorkFact | None) -> _Plan:
        """Everything but the period and the cap, which :func:`_check_periods` and :func:`_check_caps` add."""
        plan = _Plan(fact, row)
        person = self.people.get(fact.badge)
        if person is None:
            return self._wait(plan, "unknown_badge")
        plan.person = person
        assignment = person.assignment_on(fact.work_date)
        home = assignment or max(person.assignments, key=lambda a: a.valid_from, default=None)
        if home is None or not self.in_scope(home.department.unit_id):
            plan.status, plan.reason = FactStatus.refused.value, "outside_units"
            return plan
        mapping = self.mappings.get(fact.fact_type)
        if mapping is None:
            return self._wait(plan, "unmapped_type")
        if assignment is None:
            return self._wait(plan, "no_post")
        version = self.version(mapping.task_type_id, assignment, fact.work_date)
        if version is None:
            return self._wait(plan, "not_in_catalog")
        plan.assignment, plan.mapping, plan.version = assignment, mapping, version
        base = fact.quantity if mapping.quantity_rule == QuantityRule.as_sent.value else Decimal("1")
        plan.quantity = (base * mapping.multiplier).quantize(Decimal("0.01"))
        return plan

    @staticmethod
    def _wait(plan: _Plan, reason: str) -> _Plan:
        plan.status, plan.reason = FactStatus.waiting.value, reason
        return plan


def _entering(plans: list[_Plan]) -> list[_Plan]:
    return [p for p in plans if p.status == FactStatus.entered.value]


def _ensure_week_rows(people: dict[int, Person], pairs: set[tuple[int, date]]) -> None:
    """The review rows of these officer-weeks, made where missing (locks.ensure_week_row for many, in one go)."""
    from models import WeekReview
    rows = [row for person_id, monday in sorted(pairs)
            if (row := locks.new_week_row(people[person_id], monday)) is not None]
    _write(WeekReview.__table__, rows, conflict=("person_id", "week_start"))


def _week_statuses(people: dict[int, Person], pairs: set[tuple[int, date]]) -> dict[tuple[int, date], str | None]:
    """:func:`locks.week_status` with ``lock`` for many officer-weeks: two statements, plus one to make missing
    rows on PostgreSQL (where the KEY SHARE lock on each row holds the week open until this transaction ends)."""
    from models import WeekReview
    postgres = db.session.get_bind().dialect.name == "postgresql"

    def read(wanted: set) -> dict:
        found = {}
        for condition in _where_pairs(WeekReview.person_id, WeekReview.week_start, wanted):
            query = select(WeekReview.person_id, WeekReview.week_start, WeekReview.status).where(condition)
            if postgres:
                query = query.order_by(WeekReview.id).with_for_update(read=True, key_share=True)
            found.update({(r.person_id, r.week_start): r.status for r in db.session.execute(query)})
        return {pair: status for pair, status in found.items() if pair in wanted}

    found = read(pairs)
    missing = pairs - set(found)
    if postgres and missing:
        _ensure_week_rows(people, missing)
        found.update(read(missing))
    return {pair: found.get(pair) for pair in pairs}


def _check_periods(plans: list[_Plan], people: dict[int, Person]) -> None:
    """Refuse what would land in a signed week or a final month; hold the others open (week before month)."""
    entering = _entering(plans)
    weeks = _week_statuses(people, {(p.person.id, week_of(p.fact.work_date)) for p in entering})
    months = {}
    for unit_id, month in sorted({(p.assignment.department.unit_id, p.fact.work_date.replace(day=1))
                                  for p in entering}):
        months[(unit_id, month)] = locks.month_status(unit_id, month, lock=True)
    for plan in entering:
        if weeks[(plan.person.id, week_of(plan.fact.work_date))] == WeekStatus.signed.value:
            plan.status, plan.reason = FactStatus.refused.value, "sealed_week"
        elif months[(plan.assignment.department.unit_id, plan.fact.work_date.replace(day=1))] == \
                MonthStatus.final.value:
            plan.status, plan.reason = FactStatus.refused.value, "sealed_month"


def _check_caps(plans: list[_Plan], leaving: dict[int, Decimal] | None = None) -> None:
    """Each task's daily cap, counting what the officer's day holds and what this batch adds, in its order."""
    entering = _entering(plans)
    keys = {(p.person.id, p.fact.work_date) for p in entering}
    used: dict[tuple[int, date, int], Decimal] = defaultdict(Decimal)
    for condition in _where_pairs(Entry.person_id, Entry.work_date, keys):
        for person_id, work_date, type_id, quantity in db.session.execute(
                select(Entry.person_id, Entry.work_date, Entry.task_type_id, func.sum(Entry.quantity))
                .where(condition).group_by(Entry.person_id, Entry.work_date, Entry.task_type_id)):
            if (person_id, work_date) in keys:
                used[(person_id, work_date, type_id)] += Decimal(quantity)
    for (person_id, work_date, type_id), quantity in (leaving or {}).items():
        used[(person_id, work_date, type_id)] -= quantity
    for plan in entering:
        key = (plan.person.id, plan.fact.work_date, plan.mapping.task_type_id)
        if used[key] + plan.quantity > plan.version.daily_cap:
            plan.status, plan.reason = FactStatus.refused.value, "daily_cap"
        else:
            used[key] += plan.quantity


def _day_logs(plans: list[_Plan]) -> dict[tuple[int, date], tuple[int, str]]:
    """(id, status) of each officer-day the entering facts land on, the missing ones made (open)."""
    entering = _entering(plans)
    wanted = {(p.person.id, p.fact.work_date): p for p in entering}

    def read(keys) -> dict:
        found = {}
        for condition in _where_pairs(DayLog.person_id, DayLog.work_date, set(keys)):
            found.update({(r.person_id, r.work_date): (r.id, r.status) for r in db.session.execute(
                select(DayLog.id, DayLog.person_id, DayLog.work_date, DayLog.status).where(condition))})
        return {key: value for key, value in found.items() if key in keys}

    found = read(wanted)
    missing = set(wanted) - set(found)
    if missing:
        deadlines: dict[date, datetime] = {}
        rows = []
        for key in sorted(missing):
            plan = wanted[key]
            day = plan.fact.work_date
            if day not in deadlines:
                deadlines[day] = timekeeping.deadline_for(day)
            rows.append({"person_id": key[0], "work_date": day, "unit_id": plan.assignment.department.unit_id,
                         "department_id": plan.assignment.department_id,
                         "sequence_id": plan.assignment.post.sequence_id, "status": DayStatus.open.value,
                         "self_assessment": "", "deadline_at": deadlines[day], "late": False, "version": 1})
        ledgers.hold_officers(key[0] for key in missing)  # the week roll-up counts each week once
        written = _write(DayLog.__table__, rows, conflict=("person_id", "work_date"),
                         returning=("person_id", "work_date"))
        found.update(read(missing))
        # The days this import made; a day another writer made meanwhile is theirs to count (SQLite: one writer).
        made = None if written is None else set(written)
        ledgers.days_logged((row["person_id"], row["unit_id"], row["work_date"]) for row in rows
                            if made is None or (row["person_id"], row["work_date"]) in made)
    return found


def _entry_values(plan: _Plan, context: _Context) -> dict:
    """An entry's columns for a fact: the task's values on the day, quantity by the mapping, 完成 (done)."""
    unit_id, department_id, post_id, sequence_id, coefficient = context.place(plan.assignment)
    type_id, version_id, category_id, standard_points = context.task_values(plan.version)
    factor = context.factor(plan.fact.work_date)
    return {
        "person_id": plan.person.id, "work_date": plan.fact.work_date, "task_type_id": type_id,
        "task_type_version_id": version_id, "category_id": category_id, "unit_id": unit_id,
        "department_id": department_id, "post_id": post_id, "sequence_id": sequence_id, "quantity": plan.quantity,
        "hours": ZERO, "description": "", "completion": "done", "standard_points": standard_points,
        "completion_factor": factor, "coefficient": coefficient,
        "points": entry_points(plan.quantity, standard_points, factor, coefficient),
        "source": context.source, "reference": plan.fact.reference,
    }


def _fact_values(fact: Fact, plan: _Plan, source: str, channel: str, client_id: int | None) -> dict:
    return {"source": source, "external_id": fact.external_id, "channel": channel, "client_id": client_id,
            "badge": fact.badge, "occurred_at": fact.occurred_at, "work_date": fact.work_date,
            "fact_type": fact.fact_type, "quantity": fact.quantity, "reference": fact.reference,
            "person_id": plan.person.id if plan.person is not None else None,
            "status": plan.status, "reason": plan.reason}


# --- A batch --------------------------------------------------------------------------------------------------------


def receive(facts: list[Fact], *, source: str, channel: str = FactChannel.api.value, client=None,
            actor: Person | None = None, scope_paths: list[str] | None = None) -> Result:
    """Take a parsed batch (:func:`parse_all`) from ``source``: create, update, keep waiting or refuse each fact;
    audit the batch under the client's name (or the actor's for a file). ``scope_paths``: the units whose officers
    the sender may send facts about (None: every unit)."""
    now = timekeeping.now()
    result = Result(source)
    sent = facts
    last = {fact.external_id: fact for fact in facts}   # an id sent twice: its last values
    outcome_of: dict[str, Outcome] = {}
    facts = []
    for fact in last.values():
        if _plausible(fact):
            facts.append(fact)
        else:
            outcome_of[fact.external_id] = Outcome(fact.external_id, "refused", "bad_date")
    existing: dict[str, WorkFact] = {}
    ids = [fact.external_id for fact in facts]
    postgres = db.session.get_bind().dialect.name == "postgresql"
    for condition in _where_in(WorkFact.external_id, ids):
        query = select(WorkFact).where(WorkFact.source == source, condition)
        if postgres:
            query = query.order_by(WorkFact.id).with_for_update()
        existing.update({row.external_id: row for row in db.session.scalars(query)})

    fresh: list[tuple[Fact, WorkFact | None]] = []   # no entry yet: new, or waiting/refused before
    changed: list[tuple[Fact, WorkFact]] = []
    for fact in facts:
        row = existing.get(fact.external_id)
        if row is not None and row.status == FactStatus.entered.value:
            if fact.same_as(row):
                outcome_of[fact.external_id] = Outcome(fact.external_id, "unchanged")
            else:
                changed.append((fact, row))
        else:
            fresh.append((fact, row))

    context = _Context(source, scope_paths)
    context.load([fact for fact, _row in fresh] + [fact for fact, _row in changed])
    client_id = client.id if client is not None else None

    plans = [context.plan(fact, row) for fact, row in fresh]
    people = {p.person.id: p.person for p in plans if p.person is not None}
    _check_periods(plans, people)
    _check_caps(plans)
    days = _day_logs(plans)

    # Facts: new ones inserted, those known before (waiting, refused) updated with their new outcome.
    new_rows = [_fact_values(p.fact, p, source, channel, client_id) | {"received_at": now, "updated_at": now}
                for p in plans if p.row is None and p.reason != "outside_units"]
    fact_ids: dict[str, int] = {}
    table = WorkFact.__table__
    returned = _write(table, new_rows, returning=("external_id", "id"))
    if returned is not None:
        fact_ids.update(returned)
    else:
        for chunk in _chunks([row["external_id"] for row in new_rows]):
            fact_ids.update(db.session.execute(select(table.c.external_id, table.c.id).where(
                table.c.source == source, table.c.external_id.in_(chunk))).all())
    for plan in plans:
        if plan.row is not None:
            fact_ids[plan.fact.external_id] = plan.row.id
            values = _fact_values(plan.fact, plan, source, channel, client_id)
            del values["external_id"], values["channel"]  # a fact keeps the channel it first came by
            if client is None:
                del values["client_id"]  # matched again by an administrator: still the client's fact
            for name, value in values.items():
                setattr(plan.row, name, value)
            plan.row.updated_at = now

    # Entries, with the day's roll-up moved by what they add.
    entry_rows, totals = [], defaultdict(lambda: [0, ZERO])
    for plan in _entering(plans):
        day_id, day_status = days[(plan.person.id, plan.fact.work_date)]
        values = _entry_values(plan, context)
        values.update(day_id=day_id, fact_id=fact_ids[plan.fact.external_id], created_at=now, updated_at=now,
                      status=_new_status(day_status), version=1, returned_count=0, week_signed=False,
                      review_note="")
        entry_rows.append(values)
        total = totals[(plan.person.id, plan.fact.work_date)]
        total[0] += 1
        total[1] += values["points"]
    entry_ids: dict[int, int] = {}
    entry_table = Entry.__table__
    returned = _write(entry_table, entry_rows, returning=("fact_id", "id"))
    if returned is not None:
        entry_ids.update(returned)
    elif entry_rows:
        dates = sorted({row["work_date"] for row in entry_rows})
        for chunk in _chunks([row["fact_id"] for row in entry_rows]):
            entry_ids.update(db.session.execute(select(entry_table.c.fact_id, entry_table.c.id).where(
                entry_table.c.fact_id.in_(chunk), entry_table.c.work_date.in_(dates))).all())
    _add_to_days(totals, plans)

    for plan in plans:
        fact_id = fact_ids.get(plan.fact.external_id)
        if plan.status == FactStatus.entered.value:
            outcome_of[plan.fact.external_id] = Outcome(plan.fact.external_id, "created",
                                                        entry_id=entry_ids[fact_id])
        else:
            outcome_of[plan.fact.external_id] = Outcome(plan.fact.external_id, plan.status, plan.reason)

    for fact, row in changed:
        outcome_of[fact.external_id] = _change(context, fact, row, client, actor, now)

    result.outcomes = [outcome_of[fact.external_id] for fact in sent]
    db.session.flush()
    counts = result.counts()
    audit.record(actor, "work_facts.received", "api_client" if client is not None else "work_fact",
                 client_id, client=client,
                 after={"source": source, "channel": channel, **counts,
                        "not_entered": [f"{o.external_id}:{o.outcome}:{o.reason}" for o in result.outcomes
                                        if o.outcome in ("waiting", "refused")][:200]})
    return result


def _add_to_days(totals: dict, plans: list[_Plan]) -> None:
    """The officers' day roll-ups moved by the batch's new entries, in one statement."""
    if not totals:
        return
    where = {(p.person.id, p.fact.work_date): p.assignment for p in _entering(plans)}
    table = PersonDayTotal.__table__
    rows = [{"person_id": person_id, "work_date": day, "unit_id": where[(person_id, day)].department.unit_id,
             "department_id": where[(person_id, day)].department_id,
             "sequence_id": where[(person_id, day)].post.sequence_id, "entries": count, "hours": ZERO,
             "points": points, "approved_points": ZERO}
            for (person_id, day), (count, points) in sorted(totals.items())]
    _write(table, rows, conflict=("person_id", "work_date"), add=("entries", "points"))


# --- A changed fact ----------------------------------------------------------------------------------------------


FACT_FIELDS = ("badge", "occurred_at", "work_date", "fact_type", "quantity", "reference", "status", "reason")


def _entry_of(row: WorkFact) -> Entry | None:
    return db.session.scalar(select(Entry).where(Entry.fact_id == row.id, Entry.work_date == row.work_date))


def _sealed(person: Person, day: date, unit_id: int) -> str:
    """The reason a write into this officer-day is closed ("" when open), holding it open as a writer does."""
    if locks.week_status(person, day, lock=True) == WeekStatus.signed.value:
        return "sealed_week"
    if locks.month_status(unit_id, day, lock=True) == MonthStatus.final.value:
        return "sealed_month"
    return ""


def _change(context: _Context, fact: Fact, row: WorkFact, client, actor: Person | None, now: datetime) -> Outcome:
    """A fact that became an entry, sent with other values: the entry follows, unless a period is sealed."""
    entry = _entry_of(row)
    old_person = db.session.get(Person, entry.person_id)
    sealed = _sealed(old_person, entry.work_date, entry.unit_id)
    plan = context.plan(fact, row)
    if not sealed and plan.status == FactStatus.entered.value:
        sealed = _sealed(plan.person, fact.work_date, plan.assignment.department.unit_id)
        if not sealed:
            leaving = {(entry.person_id, entry.work_date, entry.task_type_id): entry.quantity}
            _check_caps([plan], leaving)
            sealed = plan.reason if plan.status == FactStatus.refused.value else ""
    elif not sealed and plan.reason == "outside_units":
        sealed = "outside_units"
    if sealed:
        row.refused_change, row.refused_at = sealed, now
        return Outcome(fact.external_id, "refused", sealed, entry.id)

    before = audit.snapshot(row, FACT_FIELDS)
    audit_unit = entry.unit_id
    row.badge, row.occurred_at, row.work_date = fact.badge, fact.occurred_at, fact.work_date
    row.fact_type, row.quantity, row.reference = fact.fact_type, fact.quantity, fact.reference
    row.person_id = plan.person.id if plan.person is not None else None
    row.status, row.reason, row.refused_change, row.refused_at = plan.status, plan.reason, "", None
    row.revisions += 1
    row.updated_at = now
    was = (entry.hours, entry.points, entry.approved_points or ZERO)
    entering = plan.status == FactStatus.entered.value
    if entering and (plan.person.id, fact.work_date) == (entry.person_id, entry.work_date):
        # Same officer-day: the entry itself follows (its id, and what points at it, stay).
        for name, value in _entry_values(plan, context).items():
            setattr(entry, name, value)
        _back_to_supervisor(entry)
        db.session.flush()
        ledgers.add_to_day(entry.person_id, entry.work_date, 0, entry.hours - was[0], entry.points - was[1],
                           -was[2])
        entry_id = entry.id
    else:
        # Another officer or day, or nothing to enter any more: the entry goes, and a new one is made.
        day = (entry.person_id, entry.work_date)
        db.session.delete(entry)
        db.session.flush()
        ledgers.add_to_day(day[0], day[1], -1, -was[0], -was[1], -was[2])
        entry_id = None
        if entering:
            day_id, day_status = _day_logs([plan])[(plan.person.id, fact.work_date)]
            replacement = Entry(day_id=day_id, fact_id=row.id, status=_new_status(day_status),
                                **_entry_values(plan, context))
            db.session.add(replacement)
            db.session.flush()
            ledgers.add_to_day(plan.person.id, fact.work_date, 1, ZERO, replacement.points, ZERO)
            entry_id, audit_unit = replacement.id, replacement.unit_id
    db.session.flush()
    old, new = audit.changes(before, audit.snapshot(row, FACT_FIELDS))
    audit.record(actor, "work_fact.changed", "work_fact", row.id, unit_id=audit_unit, client=client,
                 before=old, after=new | {"entry_id": entry_id})
    return Outcome(fact.external_id, "updated" if entry_id else plan.status, plan.reason, entry_id)


def _new_status(day_status: str) -> str:
    return EntryStatus.submitted.value if day_status == DayStatus.submitted.value else EntryStatus.draft.value


def _back_to_supervisor(entry: Entry) -> None:
    """Changed by its system, an entry is reviewed again: the supervisor's review was of the old values."""
    if entry.status in (EntryStatus.approved.value, EntryStatus.returned.value, EntryStatus.resubmitted.value):
        entry.status = EntryStatus.resubmitted.value
    entry.approved_points, entry.reviewed_by_id, entry.reviewed_at = None, None, None


# --- Waiting facts matched again ------------------------------------------------------------------------------------


def match_again(actor: Person | None, fact_ids: list[int] | None = None) -> dict[str, int]:
    """Try the waiting and refused facts again (all of them, or those named), once their cause is fixed: a person
    created, a mapping saved, the catalog opened, a period reopened. Returns how many were entered."""
    query = select(WorkFact).where(WorkFact.status != FactStatus.entered.value).order_by(WorkFact.id)
    if fact_ids is not None:
        query = query.where(WorkFact.id.in_(fact_ids))
    # By source and sender: a client's fact is matched within the client's units, as when it was sent (a badge
    # given later to an officer elsewhere does not take it there); a file's, anywhere.
    by_sender: dict[tuple[str, int], list[WorkFact]] = defaultdict(list)
    for row in db.session.scalars(query):
        by_sender[(row.source, row.client_id or 0)].append(row)
    entered = still = 0
    for (source, client_id), rows in sorted(by_sender.items()):
        client = db.session.get(ApiClient, client_id) if client_id else None
        scope = [unit.path for unit in client.units] if client is not None else None
        for chunk in _chunks(rows, MAX_BATCH):
            facts = [Fact(r.external_id, r.badge, r.occurred_at, r.work_date, r.fact_type, r.quantity, r.reference)
                     for r in chunk]
            result = receive(facts, source=source, channel=chunk[0].channel, actor=actor, scope_paths=scope)
            entered += sum(1 for o in result.outcomes if o.outcome == "created")
            still += sum(1 for o in result.outcomes if o.outcome != "created")
    return {"entered": entered, "still": still}


# --- Mappings -------------------------------------------------------------------------------------------------------


MAPPING_FIELDS = ("source", "fact_type", "task_type_id", "quantity_rule", "multiplier")
SOURCE_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,39}$"


def save_mapping(mapping: FactMapping | None, data: dict, actor: Person | None) -> FactMapping:
    """Map a source's fact type to a task type (new, or changed). Facts already entered keep the entries they
    became; waiting facts of the type are matched at once."""
    import re
    from worklog.errors import ServiceError
    source = (data.get("source") or "").strip().lower()
    if not re.match(SOURCE_PATTERN, source):
        raise ServiceError(_("A source name has 1 to 40 small letters, digits, - or _, starting with a letter or "
                             "digit."), "source")
    fact_type = " ".join((data.get("fact_type") or "").split())
    if not fact_type or len(fact_type) > 60:
        raise ServiceError(_("The fact type: 1 to 60 characters, as the system sends it."), "fact_type")
    task_type = data.get("task_type")
    if not isinstance(task_type, TaskType):
        raise ServiceError(_("Choose a task of the catalog."), "task_type")
    rule = data.get("quantity_rule") or QuantityRule.as_sent.value
    if rule not in {r.value for r in QuantityRule}:
        raise ServiceError(_("Choose how the fact's quantity counts."), "quantity_rule")
    try:
        multiplier = Decimal(str(data.get("multiplier") if data.get("multiplier") not in (None, "") else 1))
    except (InvalidOperation, ValueError):
        multiplier = Decimal("-1")
    if not multiplier.is_finite() or not Decimal("0") < multiplier <= Decimal("9999.99") \
            or multiplier != multiplier.quantize(Decimal("0.01")):
        raise ServiceError(_("The multiplier is a number above 0, up to 9999.99, with at most two decimals."),
                           "multiplier")
    multiplier = multiplier.quantize(Decimal("0.01"))  # as stored: saving "1" again over 1.00 changes nothing
    taken = db.session.scalar(select(FactMapping.id).where(
        FactMapping.source == source, FactMapping.fact_type == fact_type,
        FactMapping.id != (mapping.id if mapping is not None else 0)))
    if taken is not None:
        raise ServiceError(_("This source's fact type is mapped already."), "fact_type")
    before = audit.snapshot(mapping, MAPPING_FIELDS) if mapping is not None else None
    task_type_id = task_type.id
    if mapping is None:
        mapping = FactMapping(source=source, fact_type=fact_type, task_type_id=task_type_id, quantity_rule=rule,
                              multiplier=multiplier)
        db.session.add(mapping)
    else:
        mapping.source, mapping.fact_type, mapping.task_type_id = source, fact_type, task_type_id
        mapping.quantity_rule, mapping.multiplier = rule, multiplier
    db.session.flush()
    after = audit.snapshot(mapping, MAPPING_FIELDS)
    if before is None:
        audit.record(actor, "fact_mapping.created", "fact_mapping", mapping.id, after=after)
    else:
        old, new = audit.changes(before, after)
        if new:
            audit.record(actor, "fact_mapping.updated", "fact_mapping", mapping.id, before=old, after=new)
    waiting = list(db.session.scalars(select(WorkFact.id).where(
        WorkFact.status == FactStatus.waiting.value, WorkFact.source == source, WorkFact.fact_type == fact_type)))
    if waiting:
        match_again(actor, waiting)
    return mapping
