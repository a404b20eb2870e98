"""The tables of leadership's view, as the page shows them and the XLSX holds them: which figures each table holds,
and the sheet of each with every figure's this-period, same-units, year-earlier and change columns."""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _

from worklog.leadership.labels import TABLE_LABELS, figure_label
from worklog.leadership.queries import GRADES, OWN, TOTAL, Dashboard, Line, Row


@dataclass(frozen=True)
class Table:
    key: str
    #: The figures compared with a year earlier, then those shown for this period only.
    compared: tuple[str, ...]
    shown: tuple[str, ...] = ()

    @property
    def title(self) -> str:
        return str(TABLE_LABELS[self.key])


TABLES = {t.key: t for t in [
    Table("grades", tuple(f"share:{g}" for g in GRADES), tuple(f"count:{g}" for g in GRADES) + ("graded",)),
    Table("year_grades", tuple(f"year_share:{g}" for g in GRADES),
          tuple(f"year_count:{g}" for g in GRADES) + ("year_graded",)),
    Table("clearance", ("clearance",), ("days_due",)),
    Table("signing", ("on_time",), ("weeks_due",)),
    Table("indicators", ("score",), ("behind",)),
    Table("satisfaction", ("satisfaction",), ("valid", "called", "reply_rate")),
    Table("trend", ("satisfaction",), ("valid",)),
    Table("cards", ("cards",)),
    Table("findings", ("findings",), ("points",)),
    Table("rectification", ("rectification",), ("rectifications_due", "rectified_on_time", "overdue")),
]}


def tables_of(view: Dashboard) -> list[Table]:
    """The tables of the period: the annual grades for a year only."""
    return [t for key, t in TABLES.items() if key != "year_grades" or view.annual]


def row_name(row: Row) -> str:
    if row.kind == OWN:
        return _("Own departments")
    if row.kind == TOTAL:
        return _("Total")
    return row.unit.name


def _compared_heads(name: str) -> list[str]:
    label = figure_label(name)
    return [label, _("%(figure)s: this period, same units", figure=label),
            _("%(figure)s: a year earlier, same units", figure=label), _("%(figure)s: change", figure=label)]


def _compared_cells(line: Line) -> list:
    return [line.now, line.same_now, line.before, line.change]


def sheet(view: Dashboard, table: Table) -> tuple[str, list[str], list[list]]:
    """(title, headings, rows) of one table."""
    if table.key == "indicators":
        heads = [_("Code"), _("Unit"), *_compared_heads("score"), figure_label("behind"),
                 _("Plan of the unit above")]
        rows = [[r.unit.code, r.unit.name, *_compared_cells(r.line),
                 r.now.warnings if r.now else None, r.now.plan.unit.name if r.now else ""] for r in view.indicators]
        return table.title, heads, rows
    if table.key == "trend":
        heads = [_("Month"), _("The month a year earlier"), *_compared_heads("satisfaction"), figure_label("valid")]
        rows = [[p.month.strftime("%Y-%m"), p.month.replace(year=p.month.year - 1).strftime("%Y-%m"),
                 *_compared_cells(p.figures.line("satisfaction")), p.figures.line("valid").now] for p in view.trend]
        return table.title, heads, rows
    heads = [_("Code"), _("Unit")]
    for name in table.compared:
        heads += _compared_heads(name)
    heads += [figure_label(name) for name in table.shown]
    heads.append(_("Left out of the comparison"))
    rows = []
    for row in view.lines:
        cells = [row.unit.code if row.kind != TOTAL else "", row_name(row)]
        for name in table.compared:
            cells += _compared_cells(row.line(name))
        cells += [row.line(name).now for name in table.shown]
        cells.append(", ".join(u.name for u in row.left_out))
        rows.append(cells)
    return table.title, heads, rows
