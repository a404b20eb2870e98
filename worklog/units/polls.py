"""Import of the provincial polling centre's results (民意调查) from CSV or XLSX: all or nothing.

A unit's round is stored once. A row for a round already stored with other values is refused, never
replaced silently (a correction is a matter for the polling centre and the record); the same values again
are counted as unchanged, so a file can be imported twice.
"""
from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import select

from models import Person, Unit
from models.survey import OpinionPoll
from worklog import audit, spreadsheets as sheets
from worklog.db import read_before_writing
from worklog.extensions import db
from worklog.imports import checked_then_written
from worklog.permissions import may_import_polls
from worklog.spreadsheets import CellProblem, ImportFailed, RowError

COLUMNS = {
    "unit": ("unit", "unitcode", "单位代码", "单位编码", "单位"),
    "round": ("round", "roundmonth", "month", "轮次/月份", "轮次", "月份"),
    "label": ("label", "name", "名称", "轮次名称"),
    "score": ("score", "得分", "分数"),
    "sample_size": ("samplesize", "sample", "样本量", "样本数"),
}
REQUIRED = ("unit", "round", "score", "sample_size")
def may_import(person: Person, unit: Unit | None = None) -> bool:
    return may_import_polls(person, unit)


def import_polls(data: bytes, filename: str, actor: Person) -> dict[str, int]:
    """Import the polls of a file, all or nothing (see :mod:`worklog.imports`)."""
    read_before_writing(db.session)  # SQLite: the file is read and parsed before the write lock is taken
    rows, read_errors = sheets.rows_of(data, filename, COLUMNS, REQUIRED)

    def write(actor: Person, step) -> dict[str, int]:
        counts = {"created": 0, "unchanged": 0}
        seen: dict[tuple[int, date], int] = {}
        errors = list(read_errors)
        for sheet, number, record in rows:
            try:
                counts[_row(record, actor, seen, number)] += 1
            except CellProblem as problem:
                errors.append(RowError(sheet, number, problem.column, problem.message))
            step(errors)
        if errors:
            raise ImportFailed(errors)
        audit.record(actor, "units.polls_imported", "import", None,
                     after={"file": sheets.file_name(filename), **counts})
        return counts

    return checked_then_written(write, actor)


def _round(record: dict) -> date:
    value = record.get("round")
    if isinstance(value, (datetime, date)):
        day = value.date() if isinstance(value, datetime) else value
        return day.replace(day=1)
    raw = str(value if value is not None else "").strip()
    match = re.fullmatch(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?", raw) or re.fullmatch(r"(\d{4})(\d{2})", raw)
    if match and 2000 <= int(match[1]) <= 2100 and 1 <= int(match[2]) <= 12:
        return date(int(match[1]), int(match[2]), 1)
    if not raw:
        raise CellProblem("round", _("A value is required."))
    raise CellProblem("round", _("%(value)s is not a month; write it as 2026-03.", value=raw))


def _sample(record: dict) -> int:
    value = record.get("sample_size")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    raw = str(value if value is not None else "").strip()
    if not raw:
        raise CellProblem("sample_size", _("A value is required."))
    if not raw.isascii() or not raw.isdigit() or len(raw) > 9:
        raise CellProblem("sample_size", _("%(value)s is not a whole number of 0 or more.", value=raw))
    return int(raw)


def _row(record: dict, actor: Person, seen: dict[tuple[int, date], int], number: int) -> str:
    code = sheets.code(record, "unit")
    unit = db.session.scalar(select(Unit).where(Unit.code == code))
    # A unit outside the importer's grants reads as one that does not exist.
    if unit is None or not may_import(actor, unit):
        raise CellProblem("unit", _("There is no unit %(code)s among the units you import polls for.", code=code))
    round_month = _round(record)
    label = sheets.text(record, "label", 60)
    score = sheets.decimal(record, "score", Decimal("0"), Decimal("100"))
    if score.as_tuple().exponent < -2 and score != score.quantize(Decimal("0.01")):
        raise CellProblem("score", _("At most 2 decimal places."))
    score = score.quantize(Decimal("0.01"))
    sample = _sample(record)
    key = (unit.id, round_month)
    if key in seen:
        raise CellProblem("round", _("Row %(row)d already has %(code)s's round %(round)s.", row=seen[key], code=code,
                                     round=round_month.strftime("%Y-%m")))
    seen[key] = number
    stored = db.session.scalar(select(OpinionPoll).where(OpinionPoll.unit_id == unit.id,
                                                         OpinionPoll.round_month == round_month))
    if stored is not None:
        if (Decimal(stored.score).quantize(Decimal("0.01")), stored.sample_size, stored.label) == (score, sample, label):
            return "unchanged"
        raise CellProblem("score", _("%(code)s's round %(round)s is already stored with score %(score)s and sample "
                                     "size %(sample)d; it is not replaced.", code=code,
                                     round=round_month.strftime("%Y-%m"), score=stored.score,
                                     sample=stored.sample_size))
    db.session.add(OpinionPoll(unit_id=unit.id, round_month=round_month, label=label, score=score,
                               sample_size=sample, imported_by_id=actor.id))
    return "created"


HEADERS = ["unit", "round", "label", "score", "sample_size"]
