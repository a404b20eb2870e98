"""Display names of leadership's view: its periods, figures and tables."""
from __future__ import annotations

from babel.lists import format_list
from flask_babel import format_date, get_locale, gettext as _, lazy_gettext as _l

from worklog.labels import GRADE_LABELS
from worklog.rules.leadership import HALF, MONTH, Period

KIND_LABELS = {"month": _l("Month"), "half": _l("Half-year"), "year": _l("Year")}

FIGURE_LABELS = {
    "graded": _l("Officer-months graded"),
    "year_graded": _l("Officers graded for the year"),
    "clearance": _l("Day clearance rate (per cent)"),
    "days_due": _l("Working days due"),
    "on_time": _l("Weeks signed on time (per cent)"),
    "weeks_due": _l("Officers' weeks to sign"),
    "satisfaction": _l("Public satisfaction"),
    "valid": _l("Valid samples"),
    "called": _l("People called"),
    "reply_rate": _l("Reply rate (per cent)"),
    "cards": _l("Yellow cards"),
    "findings": _l("Findings"),
    "points": _l("Points deducted"),
    "rectifications_due": _l("Rectifications due"),
    "rectified_on_time": _l("Rectified on time"),
    "overdue": _l("Rectifications overdue"),
    "rectification": _l("Rectification rate (per cent)"),
    "score": _l("Indicator score"),
    "behind": _l("Indicators behind"),
}


def figure_label(name: str) -> str:
    """A figure's name, the grades' shares and counts included."""
    if ":" in name:
        kind, grade = name.split(":", 1)
        words = {"share": _("%(grade)s: share (per cent)"), "count": _("%(grade)s: officer-months"),
                 "year_share": _("%(grade)s for the year: share (per cent)"),
                 "year_count": _("%(grade)s for the year: officers")}[kind]
        return words % {"grade": GRADE_LABELS[grade]}
    return str(FIGURE_LABELS[name])


#: The page's tables, in order: their names (also the sheets' and the export's ``table``).
TABLE_LABELS = {
    "grades": _l("Grades by unit"),
    "year_grades": _l("Annual grades by unit"),
    "clearance": _l("Day clearance"),
    "signing": _l("Weeks signed on time"),
    "indicators": _l("Indicator progress"),
    "satisfaction": _l("Public satisfaction"),
    "trend": _l("Public satisfaction by month"),
    "cards": _l("Yellow cards"),
    "findings": _l("Inspection findings"),
    "rectification": _l("Rectification"),
}


def period_name(period: Period) -> str:
    """March 2026, the first half of 2026, 2026: as a reader says it."""
    if period.kind == MONTH:
        return format_date(period.first, "yyyy-MM")
    if period.kind == HALF:
        return (_("First half of %(year)d", year=period.year) if period.number == 1
                else _("Second half of %(year)d", year=period.year))
    return _("Year %(year)d", year=period.year)


def months_list(months) -> str:
    """2025-01–2025-07 and 2025-11, as the reader's language lists things: a run of months as its first and last."""
    runs: list[list] = []
    for month in sorted(months):
        if runs and (runs[-1][-1].year * 12 + runs[-1][-1].month + 1) == month.year * 12 + month.month:
            runs[-1].append(month)
        else:
            runs.append([month])
    words = [format_date(run[0], "yyyy-MM") + ("" if len(run) == 1 else "–" + format_date(run[-1], "yyyy-MM"))
             for run in runs]
    return format_list(words, locale=get_locale())
