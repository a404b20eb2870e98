"""Import of fact mappings from CSV or XLSX: all or nothing, like the task catalog's import.

A row maps a source's fact type to a task of the catalog, named by its code: ``source, fact_type, task_code,
quantity_rule, multiplier`` (or the Chinese headings). Each row goes through services.save_mapping, the rules of
the mapping form: a (source, fact type) mapped already is changed, a new one is made, and the facts waiting for
it are matched at once. If any row is wrong, nothing is kept and every wrong row is listed.
"""
from __future__ import annotations

from decimal import Decimal, InvalidOperation

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from models import FactMapping, Person, QuantityRule
from worklog import audit, spreadsheets as sheets
from worklog.db import read_before_writing
from worklog.errors import ServiceError
from worklog.extensions import db
from worklog.facts import queries, services
from worklog.imports import checked_then_written
from worklog.spreadsheets import CellProblem, ImportFailed, RowError

COLUMNS = {
    "source": ("source", "来源系统", "来源", "业务系统"),
    "fact_type": ("facttype", "type", "业务类型", "数据类型", "类型"),
    "task_code": ("taskcode", "task", "任务代码", "项目代码", "工作项目代码"),
    "quantity_rule": ("quantityrule", "rule", "数量规则", "计量方式"),
    "multiplier": ("multiplier", "倍数", "折算系数", "系数"),
}
REQUIRED = ("source", "fact_type", "task_code")
HEADERS = ["source", "fact_type", "task_code", "quantity_rule", "multiplier"]
#: How a file may write a quantity rule (compared as spreadsheets.norm compares headings).
RULE_WORDS = {
    "assent": QuantityRule.as_sent.value, "按数量": QuantityRule.as_sent.value, "按实际数量": QuantityRule.as_sent.value,
    "oneeach": QuantityRule.one_each.value, "每条计一": QuantityRule.one_each.value,
    "每条计1": QuantityRule.one_each.value, "按条数": QuantityRule.one_each.value,
}
#: The file's column for each field save_mapping may refuse.
FIELD_COLUMNS = {"task_type": "task_code"}


def import_mappings(data: bytes, filename: str, actor: Person | None) -> dict[str, int]:
    """Import the mappings of a file, all or nothing (see :mod:`worklog.imports`)."""
    read_before_writing(db.session)  # SQLite: the file is read before the write lock is taken
    rows, read_errors = sheets.rows_of(data, filename, COLUMNS, REQUIRED)

    def write(actor: Person | None, step) -> dict[str, int]:
        counts = {"created": 0, "updated": 0, "unchanged": 0}
        errors = list(read_errors)
        seen: dict[tuple[str, str], tuple[str, int]] = {}
        for sheet, number, record in rows:
            savepoint = db.session.begin_nested()
            try:
                counts[_row(record, actor, seen, (sheet, number))] += 1
                savepoint.commit()
            except CellProblem as problem:
                savepoint.rollback()
                errors.append(RowError(sheet, number, problem.column, problem.message))
            except ServiceError as error:
                savepoint.rollback()
                column = FIELD_COLUMNS.get(error.field or "", error.field or "")
                errors.append(RowError(sheet, number, column, error.message))
            except IntegrityError:
                savepoint.rollback()
                errors.append(RowError(sheet, number, "", _("This row conflicts with existing data.")))
            step(errors)
        if errors:
            raise ImportFailed(errors)
        audit.record(actor, "fact_mappings.imported", "import", None,
                     after={"file": sheets.file_name(filename), **counts})
        return counts

    return checked_then_written(write, actor)


def _rule(record: dict) -> str:
    text = sheets.text(record, "quantity_rule", 32)
    if not text:
        return QuantityRule.as_sent.value
    rule = RULE_WORDS.get(sheets.norm(text))
    if rule is None:
        raise CellProblem("quantity_rule", _("Write as_sent (the fact's quantity) or one_each (one per fact)."))
    return rule


def _row(record: dict, actor: Person | None, seen: dict, where: tuple[str, int]) -> str:
    source = sheets.text(record, "source", 40, required=True).lower()
    fact_type = " ".join(sheets.text(record, "fact_type", 60, required=True).split())
    first = seen.setdefault((source, fact_type), where)
    if first != where:
        raise CellProblem("fact_type", _("%(value)s already appears in row %(row)d of %(sheet)s.",
                                         value=f"{source} {fact_type}", row=first[1], sheet=first[0]))
    code = sheets.text(record, "task_code", 32, required=True)
    task_type = queries.task_type_by_code(code)
    if task_type is None:
        raise CellProblem("task_code", _("There is no task %(code)s in the catalog.", code=code))
    data = {"source": source, "fact_type": fact_type, "task_type": task_type, "quantity_rule": _rule(record),
            "multiplier": two_places(sheets.text(record, "multiplier", 20))}
    existing = db.session.scalar(select(FactMapping).where(FactMapping.source == source,
                                                           FactMapping.fact_type == fact_type))
    before = _values(existing) if existing is not None else None
    mapping = services.save_mapping(existing, data, actor)
    if before is None:
        return "created"
    return "unchanged" if _values(mapping) == before else "updated"


def _values(mapping: FactMapping) -> tuple:
    """A mapping's values, compared as values (1 and 1.00 are the same multiplier)."""
    return tuple(getattr(mapping, name) for name in services.MAPPING_FIELDS)


def two_places(text: str | None):
    """A multiplier as the column keeps it (1 → 1.00), so that saving the same one again records no change; a
    value that is not a number of at most two decimals is passed on as written, for save_mapping to refuse
    (an empty one is None: save_mapping's default, 1)."""
    if text is None or str(text).strip() == "":
        return None
    try:
        value = Decimal(str(text).strip())
        if value.is_finite() and value == value.quantize(Decimal("0.01")) and abs(value) < 10 ** 6:
            return value.quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        pass
    return text
