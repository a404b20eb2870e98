"""Import of the survey's contacts from CSV or XLSX: all or nothing, every bad row listed.

A row error never repeats a phone number: the list of errors is shown on screen and may be printed.
"""
from __future__ import annotations

from datetime import date, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError

from models import ContactKind, Person, Role, SurveyContact, Unit
from worklog import audit, spreadsheets as sheets, timekeeping
from worklog.db import begin_writing, read_before_writing
from worklog.errors import Conflict
from worklog.extensions import db
from worklog.permissions import has_role
from worklog.spreadsheets import CellProblem, ImportFailed, RowError
from worklog.survey import phones
from worklog.survey.labels import KIND_LABELS, KIND_WORDS

COLUMNS = {
    "unit": ("unit", "unitcode", "单位代码", "单位"),
    "kind": ("kind", "contactkind", "类别", "接触类别"),
    "date": ("date", "contactdate", "日期"),
    "name": ("name", "姓名"),
    "phone": ("phone", "phonenumber", "telephone", "电话", "联系电话"),
    "reference": ("reference", "ref", "编号", "案件编号"),
}
REQUIRED = ("unit", "kind", "date", "phone")
HEADERS = ["unit", "kind", "date", "name", "phone", "reference"]
#: Rows written by one INSERT statement.
_CHUNK = 2000


def _kind_lookup() -> dict[str, str]:
    lookup = {}
    for kind in ContactKind:
        words = (kind.value, str(KIND_LABELS[kind.value])) + KIND_WORDS[kind.value]
        lookup.update({sheets.norm(word): kind.value for word in words})
    return lookup


def import_contacts(data: bytes, filename: str, actor: Person) -> dict[str, int]:
    """Store every row of the file, or none. Returns {"contacts": n, "units": n}.

    Raises ImportFailed listing every bad row, no message repeating a phone number (a column shifted by one
    puts numbers where a unit, a kind or a date is expected), and Conflict when the same contacts were
    imported at the same moment.

    The file is read and checked (the long part: every number encrypted) before the write lock is taken, and the
    rows are written in a few statements, so that others can sign in and save meanwhile."""
    read_before_writing(db.session)
    try:
        rows, errors = sheets.rows_of(data, filename, COLUMNS, REQUIRED)
    except ImportFailed as failure:
        raise ImportFailed(_redacted(failure.errors))

    kinds = _kind_lookup()
    units: dict[str, Unit | None] = {}
    today = timekeeping.today()
    oldest = today - timedelta(days=current_app.config["CONTACT_RETENTION_DAYS"])
    seen: dict[tuple, int] = {}
    good: list[tuple[str, int, dict]] = []
    for sheet, number, record in rows:
        values, problems = _row(record, actor, kinds, units, today, oldest)
        if not problems:
            key = (values["unit"].id, values["kind"], values["contact_date"], values["phone_hash"],
                   values["reference"])
            if key in seen:
                problems.append(CellProblem("phone", _("The same contact (unit, kind, date, phone and reference) "
                                                       "is already in row %(row)d.", row=seen[key])))
            else:
                seen[key] = number
        if problems:
            errors += [RowError(sheet, number, p.column, p.message) for p in problems]
        else:
            good.append((sheet, number, values))
    imported_units = {v["unit"].id: v["unit"] for _s, _n, v in good}
    common_unit = _common_unit(list(imported_units.values()))
    for _s, _n, v in good:
        v["unit_id"] = v["unit"].id  # plain values: taking the write lock may expire the objects read
    begin_writing(db.session)
    if good:
        stored = _already_stored(list(seen))
        errors += [RowError(sheet, number, "phone", _("This contact (unit, kind, date, phone and reference) has "
                                                      "already been imported."))
                   for sheet, number, v in good
                   if (v["unit_id"], v["kind"], v["contact_date"], v["phone_hash"], v["reference"]) in stored]
    if errors:
        errors.sort(key=lambda e: (e.sheet, e.row))
        raise ImportFailed(_redacted(errors))

    now = timekeeping.now()
    actor_id = actor.id
    try:
        with db.session.begin_nested():
            # Plain INSERTs of prepared values, a few thousand at a time: no object per row in memory.
            for start in range(0, len(good), _CHUNK):
                db.session.execute(insert(SurveyContact.__table__), [dict(
                    unit_id=v["unit_id"], kind=v["kind"], contact_date=v["contact_date"],
                    reference=v["reference"], name=v["name"], phone_cipher=v["phone_cipher"],
                    phone_hash=v["phone_hash"], phone_last4=v["phone_last4"], imported_by_id=actor_id,
                    imported_at=now, erased_at=None) for _s, _n, v in good[start:start + _CHUNK]])
    except IntegrityError:
        # The same contacts imported by someone else since this import looked: nothing of this file is kept.
        raise Conflict(_("Some of these contacts were imported by someone else at the same time. Nothing of "
                         "this file was imported: look at the contacts, then import the file again if needed."))
    counts = {"contacts": len(good), "units": len(imported_units)}
    audit.record(actor, "survey.contacts_imported", "import", None, unit_id=common_unit,
                 after={"file": sheets.file_name(filename), **counts})
    return counts


def _row(record: dict, actor: Person, kinds: dict[str, str], units: dict[str, Unit | None], today: date,
         oldest: date) -> tuple[dict, list[CellProblem]]:
    problems: list[CellProblem] = []
    values: dict = {}

    def check(fn, *args):
        try:
            return fn(*args)
        except CellProblem as problem:
            problems.append(problem)
            return None

    code = check(sheets.text, record, "unit", 32, True)
    if code:
        if code not in units:
            unit = db.session.scalar(select(Unit).where(Unit.code == code))
            units[code] = unit if unit is not None and has_role(actor, Role.survey, unit) else None
        unit = units[code]
        if unit is None:
            problems.append(CellProblem("unit", _("There is no unit %(code)s among the units you survey.",
                                                  code=code)))
        elif not unit.active:
            problems.append(CellProblem("unit", _("The unit %(code)s is no longer active: its contacts cannot be "
                                                  "imported.", code=code)))
        values["unit"] = unit
    kind_text = check(sheets.text, record, "kind", 60, True)
    if kind_text:
        values["kind"] = kinds.get(sheets.norm(kind_text))
        if values["kind"] is None:
            problems.append(CellProblem("kind", _("There is no kind of contact %(kind)s.", kind=kind_text)))
    day = check(sheets.day, record, "date")
    if day is None and not any(p.column == "date" for p in problems):
        problems.append(CellProblem("date", _("A value is required.")))
    elif day is not None and day > today:
        problems.append(CellProblem("date", _("The date is in the future.")))
    elif day is not None and day < oldest:
        problems.append(CellProblem("date", _("The date is older than the retention period of %(days)d days.",
                                              days=current_app.config["CONTACT_RETENTION_DAYS"])))
    values["contact_date"] = day
    values["name"] = check(sheets.text, record, "name", 60)
    values["reference"] = check(sheets.text, record, "reference", 64)
    raw = record.get("phone")
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)  # Excel keeps a number typed without quotes as a number: 13912345678.0
    if isinstance(raw, int) and not isinstance(raw, bool):
        raw = str(raw)  # its digits; a landline that lost its leading 0 is then refused by its shape
    if not sheets.filled(raw):
        problems.append(CellProblem("phone", _("A value is required.")))
    else:
        try:
            values["phone_cipher"], values["phone_hash"], values["phone_last4"] = phones.protect(raw)
        except phones.InvalidPhone:
            # Never the number itself: the list of errors is shown and printed.
            problems.append(CellProblem("phone", _("The phone number is not valid.")))
    return values, problems


def _redacted(errors: list[RowError]) -> list[RowError]:
    """The errors with every phone number a cell put in them masked."""
    return [RowError(phones.redact(e.sheet), e.row, phones.redact(e.column), phones.redact(e.message))
            for e in errors]


def _already_stored(keys: list[tuple]) -> set[tuple]:
    found: set[tuple] = set()
    for start in range(0, len(keys), 500):
        chunk = keys[start:start + 500]
        hashes = {k[3] for k in chunk}
        rows = db.session.execute(select(
            SurveyContact.unit_id, SurveyContact.kind, SurveyContact.contact_date, SurveyContact.phone_hash,
            SurveyContact.reference).where(SurveyContact.phone_hash.in_(hashes),
                                           SurveyContact.unit_id.in_({k[0] for k in chunk})))
        found |= {tuple(row) for row in rows}
    return found


def _common_unit(units: list[Unit]) -> int | None:
    """The narrowest unit holding all the imported ones, so that scoped audit views find the event."""
    if not units:
        return None
    paths = [[p for p in u.path.split("/") if p] for u in units]
    common = []
    for parts in zip(*paths):
        if len(set(parts)) != 1:
            break
        common.append(parts[0])
    return int(common[-1]) if common else None
