"""The promotion round's spreadsheet: the rows the page shows, as a download or as a file written by a job."""
from __future__ import annotations

import os
from typing import Any

from flask import current_app
from flask_babel import gettext as _

from models import PromotionRound, Unit
from worklog.annual import rounds
from worklog.extensions import db

#: Where jobs write their files, under the instance folder.
EXPORTS = "exports"


def round_table(round_: PromotionRound, unit: Unit) -> tuple[str, list[str], list[tuple[Any, ...]]]:
    """The round's sheet: title, headings, rows (frozen once published, judged live before)."""
    if round_.status == "published":
        rows = [(c.position, c.badge, c.name, _("yes") if c.eligible else _("no"),
                 "; ".join(f"{k['label']}: {k['value']} ({k['threshold']}) {'✓' if k['passed'] else '✗'}"
                           for k in c.checks)) for c in rounds.frozen(round_)]
    else:
        rows = [(i, p.badge, p.name, _("yes") if e.eligible else _("no"),
                 "; ".join(f"{c.label}: {c.value} ({c.threshold}) {'✓' if c.passed else '✗'}" for c in e.checks))
                for i, (p, e) in enumerate(rounds.judge(round_.policy, unit, round_.reference_date), start=1)]
    headers = [_("Place"), _("Badge number"), _("Full name"), _("Eligible"), _("Explanation")]
    return round_.name, headers, rows


def export_path(name: str) -> str:
    return os.path.join(current_app.instance_path, EXPORTS, name)


def write_round(round_id: int, job) -> str:
    """Write the round's spreadsheet for ``job`` row by row (openpyxl's write-only mode keeps no sheet in
    memory) and return the file's name under the exports folder. Written aside and renamed, so a reader never
    sees half a file and a second run replaces the first."""
    from flask_babel import force_locale
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    from worklog.exports import _xlsx_value, safe_cell
    round_ = db.session.get(PromotionRound, round_id)
    unit = db.session.get(Unit, round_.unit_id)
    name = f"job-{job.id}-round-{round_.id}.xlsx"
    path = export_path(name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with force_locale(job.params.get("locale") or current_app.config["BABEL_DEFAULT_LOCALE"]):
        title, headers, rows = round_table(round_, unit)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    sheet.freeze_panes = "A2"
    heading = []
    for text in headers:
        cell = WriteOnlyCell(sheet, value=safe_cell(str(text)))
        cell.font = Font(bold=True)
        heading.append(cell)
    sheet.append(heading)
    for row in rows:
        sheet.append([safe_cell(_xlsx_value(v)) for v in row])
    partial = f"{path}.{os.getpid()}.part"
    try:
        workbook.save(partial)
        os.replace(partial, path)
    finally:
        if os.path.exists(partial):
            os.remove(partial)
    return name
