"""The promotion round's spreadsheet: the stored list the page shows, as a download or as a file written by a job.

Written row by row as the rows are read (openpyxl's write-only mode keeps no sheet in memory; the rows come a
chunk at a time), so a province's 100,000 officers never sit in memory at once."""
from __future__ import annotations

import os
from decimal import Decimal
from typing import IO, Any, Iterator

from flask import current_app
from flask_babel import gettext as _

from models import PromotionRound
from worklog.annual import queries
from worklog.explanations import Wording
from worklog.extensions import db

#: Where jobs write their files, under the instance folder.
EXPORTS = "exports"


def headers(round_: PromotionRound | None = None) -> list[str]:
    """The sheet's columns: each tie-breaker's value after the explanation, so that a tie's order can be checked."""
    ties = tie_names(round_.policy) if round_ is not None else []
    return [_("Place"), _("Badge number"), _("Full name"), _("Unit"), _("Eligible"), _("Explanation"), *ties]


def tie_names(policy: dict) -> list[str]:
    """Each tie-breaker of a policy named by the value it orders by, in the reader's language."""
    from worklog.labels import GRADE_LABELS
    names = []
    for breaker in policy.get("tie_breakers", []):
        params = breaker.get("params") or {}
        if breaker.get("kind") == "grade_count":
            grade = params.get("grade", "")
            names.append(_("Months graded %(grade)s in the %(months)s before", grade=GRADE_LABELS.get(grade, grade),
                           months=params.get("months", "")))
        elif breaker.get("kind") == "annual_score":
            names.append(_("Annual score of the last year"))
        else:
            names.append(_("Months of service"))
    return names


def explanation(checks: list[dict[str, Any]], wording: Wording | None = None) -> str:
    """A row's checks on one line, worded as the page words them: "requires: has ✓; …"."""
    wording = wording or Wording()
    return _("; ").join(wording.check_line(k) for k in checks)


def round_rows(round_: PromotionRound) -> Iterator[tuple[Any, ...]]:
    """The sheet's rows, in the list's order, read as they are written."""
    yes, no = _("yes"), _("no")
    wording = Wording()  # the translations looked up once for the whole sheet
    width = len(round_.policy.get("tie_breakers", []))
    for row in queries.every_row(round_):
        # An annual score is kept as text (JSON has no decimals): a number again in the sheet.
        ties = [Decimal(v) if isinstance(v, str) else v for v in (row.ties or [])][:width]
        yield (row.position, row.badge, row.name, row.unit_name or "", yes if row.eligible else no,
               explanation(row.checks, wording), *(ties + [None] * (width - len(ties))))


def write_round(round_: PromotionRound, target: str | IO[bytes]) -> None:
    """Write the round's spreadsheet to a path or a binary file."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    from worklog.exports import _xlsx_value, safe_cell
    workbook = Workbook(write_only=True)
    from worklog.exports import sheet_title
    sheet = workbook.create_sheet(title=sheet_title(round_.name))
    sheet.freeze_panes = "A2"
    heading = []
    for text in headers(round_):
        cell = WriteOnlyCell(sheet, value=safe_cell(str(text)))
        cell.font = Font(bold=True)
        heading.append(cell)
    sheet.append(heading)
    for row in round_rows(round_):
        sheet.append([safe_cell(_xlsx_value(v)) for v in row])
    workbook.save(target)


def export_path(name: str) -> str:
    return os.path.join(current_app.instance_path, EXPORTS, name)


def write_round_file(round_id: int, job) -> str:
    """Write the round's spreadsheet for ``job`` and return the file's name under the exports folder. Written
    aside and renamed, so a reader never sees half a file and a second run replaces the first."""
    from flask_babel import force_locale
    round_ = db.session.get(PromotionRound, round_id)
    name = f"job-{job.id}-round-{round_.id}.xlsx"
    path = export_path(name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    partial = f"{path}.{os.getpid()}.part"
    try:
        with force_locale(job.params.get("locale") or current_app.config["BABEL_DEFAULT_LOCALE"]):
            write_round(round_, partial)
        os.replace(partial, path)
    finally:
        if os.path.exists(partial):
            os.remove(partial)
    return name
