"""Spreadsheet exports (XLSX and CSV) that cannot carry formulas into the reader's spreadsheet program."""
from __future__ import annotations

import csv
import io
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Iterable, Sequence
from urllib.parse import quote

from flask import Response

from worklog.survey.phones import redact

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """Text that a spreadsheet would read as a formula is prefixed with an apostrophe (CSV injection), and any
    phone number someone wrote into it is masked: an export is never the way a number leaves."""
    if isinstance(value, str):
        value = redact(value)
        if value.startswith(FORMULA_STARTS):
            return "'" + value
    return value


#: What a spreadsheet program refuses in a sheet's name.
_SHEET_FORBIDDEN = str.maketrans({c: "_" for c in "[]:*?/\\"})


def sheet_title(text: str, default: str = "Sheet") -> str:
    """A sheet's name made of a text people typed (a round's name): no phone number, none of the characters a sheet's
    name may not hold (a round named "A/B" made its export fail), at most 31 characters."""
    title = redact(str(text or "")).translate(_SHEET_FORBIDDEN).strip().strip("'")[:31]
    return title or default


def _download(body: bytes, filename: str, mimetype: str) -> Response:
    response = Response(body, mimetype=mimetype)
    filename = redact(filename)  # made of names and periods, but a name may hold anything
    ascii_name = filename.encode("ascii", "ignore").decode() or "export"
    response.headers["Content-Disposition"] = (
        f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}")
    return response


def csv_response(headers: Sequence[str], rows: Iterable[Sequence[Any]], filename: str) -> Response:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([safe_cell(str(h)) for h in headers])
    for row in rows:
        writer.writerow([safe_cell(_text(v)) for v in row])
    # A BOM so that Excel opens UTF-8 Chinese text correctly.
    return _download(("\ufeff" + buffer.getvalue()).encode("utf-8"), filename, "text/csv")


def xlsx_response(sheets: Sequence[tuple[str, Sequence[str], Iterable[Sequence[Any]]]], filename: str) -> Response:
    from openpyxl import Workbook
    from openpyxl.styles import Font
    workbook = Workbook()
    workbook.remove(workbook.active)
    for title, headers, rows in sheets:
        sheet = workbook.create_sheet(title=title[:31])
        sheet.append([safe_cell(str(h)) for h in headers])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in rows:
            sheet.append([safe_cell(_xlsx_value(v)) for v in row])
        sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return _download(buffer.getvalue(), filename,
                     "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return str(value)


def _xlsx_value(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)  # a spreadsheet number; the exact value is the one shown to two decimals
    return value
