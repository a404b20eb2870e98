"""Reading CSV and XLSX uploads the way offices write them, and the cell parsers imports share.

Headings may be English or Chinese, CSV files UTF-8 or GB18030 (as Excel saves them in China), dates
written in a dozen ways. Parsers raise :class:`CellProblem` with a message for the person importing.
"""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Iterator, Mapping

from flask import current_app
from flask_babel import gettext as _

TRUE_WORDS = {"1", "yes", "y", "true", "是", "启用", "在职", "有效"}
FALSE_WORDS = {"0", "no", "n", "false", "否", "停用", "离职", "无效"}


class CellProblem(Exception):
    def __init__(self, column: str, message: str):
        super().__init__(message)
        self.column, self.message = column, message


class Unreadable(Exception):
    """The file as a whole cannot be read."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass
class Table:
    sheet: str
    headers: list[str]
    rows: list[tuple[int, list[Any]]]  # (row number in the file, cells)


def norm(heading: Any) -> str:
    return re.sub(r"[\s_\-*]", "", str(heading or "")).lower()


def filled(cell: Any) -> bool:
    return cell is not None and str(cell).strip() != ""


def column_map(aliases: Mapping[str, tuple[str, ...]], headers: list[str]) -> dict[str, int]:
    """Which column of the file holds each of our columns, by any of its accepted headings."""
    mapping: dict[str, int] = {}
    for index, heading in enumerate(headers):
        key = norm(heading)
        for column, names in aliases.items():
            if column not in mapping and key in {norm(a) for a in names}:
                mapping[column] = index
    return mapping


@dataclass
class Limits:
    """What one import may hold (the ``IMPORT_MAX_*`` settings)."""
    size: int
    rows: int
    columns: int
    unpacked: int

    @classmethod
    def configured(cls) -> "Limits":
        config = current_app.config
        return cls(int(config["IMPORT_MAX_BYTES"]), int(config["IMPORT_MAX_ROWS"]),
                   int(config["IMPORT_MAX_COLUMNS"]), int(config["IMPORT_MAX_UNPACKED_BYTES"]))

    def too_many_rows(self) -> Unreadable:
        return Unreadable(_("The file has more than %(n)d rows, the most one import takes (the setting "
                            "IMPORT_MAX_ROWS). Split it into smaller files and import them one after the other.",
                            n=self.rows))

    def too_many_columns(self, sheet: str) -> Unreadable:
        return Unreadable(_("The sheet %(sheet)s has more than %(n)d columns, the most an import reads (the "
                            "setting IMPORT_MAX_COLUMNS). Remove the columns that are not needed.",
                            sheet=sheet, n=self.columns))


def file_name(filename: str | None) -> str:
    """An upload's name as it may be stored and shown: its last part, without any phone number, not too long."""
    from worklog.survey.phones import redact
    name = re.split(r"[\\/]", filename or "")[-1]
    return redact(name)[:200]


def read(data: bytes, filename: str) -> list[Table]:
    """The file's sheets, each row as a list of cells; blank rows left out.

    Bounded before anything is read whole: the file's size, then (XLSX) the sizes its parts declare once
    unpacked and each sheet's declared dimension, then the rows and columns as they stream in. Raises
    Unreadable naming the limit that was passed."""
    limits = Limits.configured()
    if len(data) > limits.size:
        from worklog.bounds import limit_text
        raise Unreadable(_("The file is larger than %(limit)s, the most an import takes. Split it into smaller "
                           "files and import them one after the other.", limit=limit_text(limits.size)))
    lowered = filename.lower()
    if lowered.endswith(".xlsx"):
        return _read_xlsx(data, limits)
    if lowered.endswith(".csv"):
        return _read_csv(data, limits)
    raise Unreadable(_("Only .csv and .xlsx files can be imported."))


def _read_csv(data: bytes, limits: Limits) -> list[Table]:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return _csv_rows(data, encoding, limits)
        except UnicodeDecodeError:
            continue  # read again as the next encoding: only a GB18030 file is read twice
    raise Unreadable(_("The file is not readable text (UTF-8 or GB18030)."))


def _csv_rows(data: bytes, encoding: str, limits: Limits) -> list[Table]:
    """The CSV decoded as it is read (never a second, decoded copy of the whole file), row by row, stopping at
    the first row past a limit: a file of a million rows is refused after IMPORT_MAX_ROWS of them, not after
    all."""
    head = data[:8192].decode(encoding, errors="ignore")
    try:
        dialect = csv.Sniffer().sniff(head[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.TextIOWrapper(io.BytesIO(data), encoding=encoding, newline=""), dialect)
    rows: list[tuple[int, list[Any]]] = []
    try:
        for number, cells in enumerate(reader, start=1):
            if len(cells) > limits.columns:
                raise limits.too_many_columns("CSV")
            if not any(filled(c) for c in cells):
                continue
            if len(rows) > limits.rows:  # the heading row plus IMPORT_MAX_ROWS rows of data
                raise limits.too_many_rows()
            rows.append((number, cells))
    except csv.Error as error:
        raise Unreadable(_("The CSV file cannot be read: %(error)s", error=str(error)))
    if not rows:
        return []
    return [Table("CSV", rows[0][1], rows[1:])]


#: Parts of a workbook that openpyxl reads whole (shared strings, styles…) may be at most this share of the
#: unpacked limit; sheets are streamed.
_WHOLE_PART_SHARE = 4


def _check_archive(data: bytes, limits: Limits) -> None:
    """Refuse a workbook whose parts would unpack to more than IMPORT_MAX_UNPACKED_BYTES (a zip bomb: 1.7 KB
    can unpack to gigabytes). The sizes are those the archive declares; Python's zipfile stops reading a part
    at its declared size, so a lie only shortens it."""
    import zipfile
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        parts = archive.infolist()
    total = sum(part.file_size for part in parts)
    whole = max((part.file_size for part in parts if not part.filename.startswith("xl/worksheets/")), default=0)
    if len(parts) > 1000 or total > limits.unpacked or whole > limits.unpacked // _WHOLE_PART_SHARE:
        from worklog.bounds import limit_text
        raise Unreadable(_("The workbook unpacks to more than %(limit)s, the most an import reads (the setting "
                           "IMPORT_MAX_UNPACKED_BYTES). Save only the sheets and cells to import, or split the "
                           "file.", limit=limit_text(limits.unpacked)))


def _open_workbook(data: bytes):
    """openpyxl's read-only workbook, each sheet's declared dimension read from the sheet's head only.

    openpyxl looks for a sheet's ``<dimension>`` until the end of ``<sheetData>``: a sheet that declares none is
    parsed whole when the workbook opens (12 s for 300,000 rows), before any limit can be checked. The
    dimension, when there is one, comes before the rows; so the search stops where the rows begin."""
    from xml.etree.ElementTree import iterparse

    from openpyxl.reader.excel import ExcelReader
    from openpyxl.worksheet._read_only import ReadOnlyWorksheet
    from openpyxl.worksheet._reader import DATA_TAG, DIMENSION_TAG
    from openpyxl.worksheet.dimensions import SheetDimension

    class Sheet(ReadOnlyWorksheet):
        def _get_size(self):
            source = self._get_source()
            try:
                for _event, element in iterparse(source, events=("start",)):
                    if element.tag == DIMENSION_TAG:
                        (self._min_column, self._min_row, self._max_column,
                         self._max_row) = SheetDimension.from_tree(element).boundaries
                        break
                    if element.tag == DATA_TAG:
                        break
            finally:
                source.close()

    class Reader(ExcelReader):
        def read_worksheets(self):
            for sheet, rel in self.parser.find_sheets():
                if rel.target not in self.valid_files or "chartsheet" in rel.Type:
                    continue
                worksheet = Sheet(self.wb, sheet.name, rel.target, self.shared_strings)
                worksheet.sheet_state = sheet.state
                self.wb._sheets.append(worksheet)

    reader = Reader(io.BytesIO(data), read_only=True, data_only=True)
    reader.read()
    return reader.wb


def _read_xlsx(data: bytes, limits: Limits) -> list[Table]:
    from xml.etree.ElementTree import ParseError
    from zipfile import BadZipFile

    from openpyxl.utils.exceptions import InvalidFileException
    broken = (InvalidFileException, BadZipFile, KeyError, OSError, ValueError, TypeError, ParseError, EOFError)
    try:
        _check_archive(data, limits)
        workbook = _open_workbook(data)
        tables = []
        budget = limits.rows  # data rows, all sheets together
        for sheet in workbook.worksheets:
            # The dimension a sheet declares (A1:XFD1048576) is checked first: openpyxl fills every row out to
            # the declared width and height, so it is also what would be read.
            if (sheet.max_column or 0) > limits.columns:
                raise limits.too_many_columns(sheet.title)
            if (sheet.max_row or 0) > budget + 1 and (sheet.max_column or 0) > 0:
                raise limits.too_many_rows()
            width = min(sheet.max_column or limits.columns, limits.columns)
            rows: list[tuple[int, list[Any]]] = []
            read = 0
            # Sheets are parsed lazily (streamed) in read-only mode: a damaged sheet fails here, not when opening.
            for number, cells in enumerate(sheet.iter_rows(values_only=True, max_col=width), start=1):
                read += 1
                if read > 4 * (limits.rows + 1):
                    raise limits.too_many_rows()  # mostly blank rows: still more than an import reads
                if not any(filled(c) for c in cells):
                    continue
                if len(rows) > budget:
                    raise limits.too_many_rows()
                rows.append((number, list(cells)))
            if not rows:
                continue  # an empty sheet, such as the ones Excel adds to a new workbook
            budget -= len(rows) - 1
            tables.append(Table(sheet.title, [str(h or "") for h in rows[0][1]], rows[1:]))
        workbook.close()
    except broken:
        raise Unreadable(_("The file is not a valid XLSX workbook."))
    return tables


def records(table: Table, mapping: dict[str, int]) -> Iterator[tuple[int, dict[str, Any]]]:
    """Each non-empty row as {our column: cell value}, with its row number in the file."""
    for number, cells in table.rows:
        if not any(filled(c) for c in cells):
            continue
        record = {}
        for column, index in mapping.items():
            value = cells[index] if index < len(cells) else None
            record[column] = value.strip() if isinstance(value, str) else value
        yield number, record


# --- Cell parsers -------------------------------------------------------------------------------------------


def text(record: dict, column: str, max_length: int, required: bool = False) -> str:
    value = record.get(column)
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # Excel turns codes made of digits into numbers
    result = "" if value is None else str(value).strip()
    if required and not result:
        raise CellProblem(column, _("A value is required."))
    if len(result) > max_length:
        raise CellProblem(column, _("At most %(n)d characters.", n=max_length))
    return result


def code(record: dict, column: str, required: bool = True) -> str:
    result = text(record, column, 32, required)
    if result and not re.fullmatch(r"[A-Za-z0-9_.\-]+", result):
        raise CellProblem(column, _("Use letters, digits, dot, dash or underscore only."))
    return result


def day(record: dict, column: str) -> date | None:
    value = record.get(column)
    if not filled(value):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    raw = str(value).strip()
    match = re.fullmatch(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?", raw) or \
        re.fullmatch(r"(\d{4})(\d{2})(\d{2})", raw)
    if match:
        try:
            return date(int(match[1]), int(match[2]), int(match[3]))
        except ValueError:
            pass
    raise CellProblem(column, _("%(value)s is not a date; write it as 2024-03-01.", value=raw))


def decimal(record: dict, column: str, low: Decimal, high: Decimal, default: Decimal | None = None) -> Decimal:
    value = record.get(column)
    if not filled(value):
        if default is None:
            raise CellProblem(column, _("A value is required."))
        return default
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise CellProblem(column, _("%(value)s is not a number.", value=value))
    if not number.is_finite() or not low <= number <= high:
        raise CellProblem(column, _("Must be between %(low)s and %(high)s.", low=low, high=high))
    return number


def flag(record: dict, column: str) -> bool | None:
    value = record.get(column)
    if not filled(value):
        return None
    if isinstance(value, bool):
        return value
    word = str(int(value) if isinstance(value, float) else value).strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise CellProblem(column, _("Write yes or no."))


@dataclass
class RowError:
    sheet: str
    row: int
    column: str
    message: str


class ImportFailed(Exception):
    """Nothing was imported; ``errors`` lists every bad row. Or, rarely, a checked import stopped part-way
    (:mod:`worklog.imports`): ``written`` rows were kept before the row in ``errors``."""

    def __init__(self, errors: list[RowError], written: int = 0):
        super().__init__(f"{len(errors)} bad rows")
        self.errors = errors
        self.written = written


def rows_of(data: bytes, filename: str, columns: Mapping[str, tuple[str, ...]],
            required: tuple[str, ...]) -> tuple[list[tuple[str, int, dict[str, Any]]], list[RowError]]:
    """Every data row of every sheet as (sheet, row number, record), and an error for each required column a
    sheet lacks (its rows are left out, so the import fails while still listing the other sheets' problems).
    Raises ImportFailed when the file cannot be read or holds no row at all."""
    try:
        tables = read(data, filename)
    except Unreadable as error:
        raise ImportFailed([RowError("", 0, "", error.message)])
    rows: list[tuple[str, int, dict[str, Any]]] = []
    errors: list[RowError] = []
    for table in tables:
        mapping = column_map(columns, table.headers)
        missing = [c for c in required if c not in mapping]
        if missing:
            errors += [RowError(table.sheet, 1, c, _("This column is missing.")) for c in missing]
            continue
        rows += [(table.sheet, number, record) for number, record in records(table, mapping)]
    if not rows and not errors:
        raise ImportFailed([RowError("", 0, "", _("The file has nothing to import."))])
    return rows, errors
