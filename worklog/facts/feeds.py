"""File feeds: the same facts as the API's, from a CSV or XLSX file a business system exports (by upload on the
administrators' page, or ``flask facts import``), under the same rules and the same reconciliation.

The header row names the columns ``id, badge, occurred_at, type, quantity, reference`` (or their Chinese
headings); other columns are left alone. Cells are read as text: a badge or an id that Excel stored as a number
reads as its digits, an Excel date-time cell as that time on the local clock (a time written without an offset
is local too). Each row is parsed by :func:`services.parse_all` (untyped, ``where`` = "row N", N the file's row
number), and a file with any wrong value is refused whole, each wrong value named by its row and column.

Writing: the file is read and parsed before anything is written (holding no write lock on SQLite), then handed
to :func:`services.receive` in chunks of ``services.MAX_BATCH`` facts, all in the request's (or command's) one
transaction. :mod:`worklog.imports`' check-on-a-copy-then-commit-in-steps does not fit: parsing is the whole
check (receive never refuses a batch, it records each fact's outcome), and a file feed is the size of a few API
batches (IMPORT_MAX_ROWS, 50,000 rows by default: five calls of receive, each a few statements), so one
transaction keeps the file all or nothing at the cost of holding SQLite's write lock for those few seconds.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from flask_babel import gettext as _

from models import FactChannel, Person
from worklog import spreadsheets as sheets
from worklog.db import begin_writing, read_before_writing
from worklog.errors import ServiceError
from worklog.extensions import db
from worklog.facts import services
from worklog.facts.services import FactsInvalid

#: Our column → the headings it may have.
COLUMNS = {
    "id": ("id", "factid", "externalid", "编号", "业务编号", "数据编号", "流水号"),
    "badge": ("badge", "badgenumber", "警号"),
    "occurred_at": ("occurredat", "time", "datetime", "发生时间", "时间", "工作时间"),
    "type": ("type", "facttype", "类型", "业务类型", "数据类型"),
    "quantity": ("quantity", "qty", "数量"),
    "reference": ("reference", "ref", "关联编号", "案件编号", "警情编号", "参考号"),
}
REQUIRED = ("id", "badge", "occurred_at", "type")
#: A date and time as Excel writes it into a CSV in China (2026/11/24 9:15), read as ISO 8601.
_LOCAL_TIME = re.compile(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?(?:[ T]+(\d{1,2}):(\d{2})(?::(\d{2}))?)?")


def check_source(raw: str | None) -> str:
    """The source's name as services.save_mapping keeps it, or a ServiceError (field ``source``)."""
    source = (raw or "").strip().lower()
    if not re.fullmatch(services.SOURCE_PATTERN.strip("^$"), source):
        raise ServiceError(_("A source name has 1 to 40 small letters, digits, - or _, starting with a letter or "
                             "digit."), "source")
    return source


def cell_text(value: Any) -> str | None:
    """A cell as the text parse() reads: None for an empty cell."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # a badge or an id Excel stored as a number
    if isinstance(value, datetime):
        # Excel keeps a time as a fraction of a day, to the millisecond: round away the float's crumbs
        # (09:59:59.999995 is 10:00), so that the same file read again gives the same time.
        value = value.replace(microsecond=0) + timedelta(milliseconds=round(value.microsecond / 1000))
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        return value.isoformat()
    return str(value).strip()


def _local_time(text: str) -> str:
    match = _LOCAL_TIME.fullmatch(text.strip())
    if not match:
        return text
    year, month, day, hour, minute, second = match.groups()
    stamp = f"{int(year):04d}-{int(month):02d}-{int(day):02d}"
    if hour is not None:
        stamp += f"T{int(hour):02d}:{int(minute):02d}:{int(second or 0):02d}"
    return stamp


def rows_of(data: bytes, filename: str) -> tuple[list[tuple[str, dict[str, str]]], dict[str, str]]:
    """Each data row of the file as (where, fields), ready for services.parse_all, and the file's heading of each
    of our columns; FactsInvalid when the file cannot be read, lacks a column, holds no row or holds rows on
    several sheets."""
    try:
        tables = [t for t in sheets.read(data, filename) if t.rows]
    except sheets.Unreadable as error:
        raise FactsInvalid({"file": error.message})
    if not tables:
        raise FactsInvalid({"file": _("The file has nothing to import.")})
    if len(tables) > 1:
        raise FactsInvalid({"file": _("The facts must be on one sheet; this workbook has rows on %(n)d sheets.",
                                      n=len(tables))})
    table = tables[0]
    mapping = sheets.column_map(COLUMNS, table.headers)
    missing = [column for column in REQUIRED if column not in mapping]
    if missing:
        raise FactsInvalid({f"row 1.{column}": _("This column is missing.") for column in missing})
    rows = []
    for number, record in sheets.records(table, mapping):
        fields = {}
        for column, value in record.items():
            text = cell_text(value)
            if text is not None:
                fields[column] = _local_time(text) if column == "occurred_at" else text
        rows.append((f"row {number}", fields))
    return rows, {column: str(table.headers[index]).strip() for column, index in mapping.items()}


def parse_file(data: bytes, filename: str) -> list[services.Fact]:
    """Every fact of the file, or FactsInvalid naming every wrong value of every row ("row 5.quantity"), with the
    file's own headings of the columns (``headings``: a file may name them in Chinese) for the person to read."""
    rows, headings = rows_of(data, filename)
    facts, errors = [], {}
    for start in range(0, len(rows), services.MAX_BATCH):  # parse_all takes a batch at most
        try:
            facts += services.parse_all(rows[start:start + services.MAX_BATCH])
        except FactsInvalid as invalid:
            errors.update(invalid.details)
    if errors:
        invalid = FactsInvalid(errors)
        invalid.headings = headings
        raise invalid
    return facts


@dataclass
class FeedReport:
    source: str
    rows: int
    counts: dict[str, int] = field(default_factory=dict)
    #: (id, outcome, reason) of the facts not entered, the first 200
    not_entered: list[tuple[str, str, str]] = field(default_factory=list)


def receive_file(data: bytes, filename: str, source: str, actor: Person | None) -> FeedReport:
    """Read, parse and receive a file's facts from ``source``, all in the caller's transaction. Raises
    FactsInvalid (nothing written) for a wrong value, ServiceError for a wrong source name."""
    source = check_source(source)
    read_before_writing(db.session)  # SQLite: the file is read and parsed before the write lock is taken
    facts = parse_file(data, filename)
    # One id twice in the file counts once, with its last values, as twice in one API batch (and not as a
    # change when the two land in different chunks).
    last = {fact.external_id: fact for fact in facts}
    unique = list(last.values())
    begin_writing(db.session)
    if actor is not None:
        actor = db.session.get(Person, actor.id)  # its session's transaction may have been ended above
    report = FeedReport(source, len(facts), dict.fromkeys(("created", "updated", "unchanged", "waiting",
                                                            "refused"), 0))
    for start in range(0, len(unique), services.MAX_BATCH):
        result = services.receive(unique[start:start + services.MAX_BATCH], source=source,
                                  channel=FactChannel.file.value, actor=actor, scope_paths=None)
        for outcome in result.outcomes:
            report.counts[outcome.outcome] += 1
            if outcome.outcome in ("waiting", "refused") and len(report.not_entered) < 200:
                report.not_entered.append((outcome.external_id, outcome.outcome, outcome.reason))
    return report


def details_by_row(invalid: FactsInvalid) -> list[tuple[int, str, str]]:
    """FactsInvalid's details as (row, column as the file heads it, message), by row and column: "row 5.quantity"
    → (5, "数量", …) in a file headed in Chinese; a problem of the whole file is row 0."""
    headings = getattr(invalid, "headings", {})
    order = {column: place for place, column in enumerate(COLUMNS)}
    found = []
    for key, message in invalid.details.items():
        match = re.fullmatch(r"row (\d+)(?:\.(\w+))?", key)
        row, column = (int(match[1]), match[2] or "") if match else (0, "")
        found.append(((row, order.get(column, len(order))), (row, headings.get(column, column), message)))
    return [shown for _key, shown in sorted(found, key=lambda item: item[0])]
