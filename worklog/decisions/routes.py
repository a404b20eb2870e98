"""HR's decisions and honours on record (奖惩兑现): a published round's outcomes, what was done about the year's
warning and removal lists, honours by hand and from the rules' proposals, an officer's record, their exports.

HR over the round's or the list's unit (a grant over a city covers its counties) records; anything outside its
scope is answered 404, as a missing object. The officer reads their own record under /my/record.
"""
from __future__ import annotations

import io
import math
from typing import Any, Iterable, Sequence

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from models import Honour, Person, PromotionRound, Role, Unit
from models.decisions import OUTCOMES, DecisionKind
from worklog import timekeeping
from worklog.annual.rounds import is_promotion, year_lists
from worklog.choices import choices
from worklog.decisions import queries, services
from worklog.decisions.forms import AcceptForm, BulkDecisionForm, DecisionForm, HonourForm, RevokeForm
from worklog.decisions.labels import (DECISION_KIND_LABELS, HONOUR_KIND_LABELS, HONOUR_RULE_LABELS, OUTCOME_LABELS,
                                      basis_label)
from worklog.exports import _download, _xlsx_value, safe_cell, sheet_title
from worklog.extensions import db
from worklog.permissions import may_view_record, unit_for
from worklog.rules.honours import HONOUR_KINDS, HONOUR_RULES, rule_phrase
from worklog.timekeeping import FIRST_YEAR, LAST_YEAR
from worklog.web import current_person, int_arg, signed_in_blueprint, submit

bp = signed_in_blueprint("decisions", __name__)


@bp.context_processor
def _labels():
    return {"OUTCOME_LABELS": OUTCOME_LABELS, "DECISION_KIND_LABELS": DECISION_KIND_LABELS,
            "HONOUR_KIND_LABELS": HONOUR_KIND_LABELS, "HONOUR_RULE_LABELS": HONOUR_RULE_LABELS,
            "basis_label": basis_label}


@bp.app_context_processor
def _record_link():
    def record_link(person: Person | None) -> str | None:
        """The address of an officer's decisions and honours, for a page that names the officer (their ledger), if
        the reader may open it."""
        me = current_person()
        if person is None or not getattr(me, "is_authenticated", False):
            return None
        if person.id == me.id:
            return url_for("decisions.my_record")
        return url_for("decisions.person_record", person_id=person.id) if may_view_record(me, person) else None
    return {"record_link": record_link}


def _hr_unit(unit_id: int) -> Unit:
    return unit_for(current_person(), Role.hr, unit_id)


def _year(year: int) -> int:
    if not FIRST_YEAR <= year <= LAST_YEAR:
        abort(404)
    return year


def _outcome_choices(kind: str | None) -> list:
    kinds = [kind] if kind else [DecisionKind.warning_talk.value, DecisionKind.removal.value]
    outcomes = [o for k in kinds for o in OUTCOMES[k]]
    return choices([("", "—")] + [(o, OUTCOME_LABELS[o]) for o in dict.fromkeys(outcomes)])


def _decision_data(form) -> dict[str, Any]:
    return {"outcome": form.outcome.data, "decided_on": form.decided_on.data, "reference": form.reference.data,
            "note": form.note.data, "version": form.version.data if hasattr(form, "version") else None}


def _per_page() -> int:
    return int(current_app.config["PAGE_SIZE"])


def _xlsx(title: str, headers: Sequence[str], rows: Iterable[Sequence[Any]], filename: str):
    """A one-sheet spreadsheet written as its rows are read (a province's round holds thousands of officers)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=sheet_title(title))
    sheet.freeze_panes = "A2"
    heading = []
    for text in headers:
        cell = WriteOnlyCell(sheet, value=safe_cell(str(text)))
        cell.font = Font(bold=True)
        heading.append(cell)
    sheet.append(heading)
    for row in rows:
        sheet.append([safe_cell(_xlsx_value(v)) for v in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return _download(buffer.getvalue(), filename,
                     "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def _outcome_text(outcome: str | None) -> str:
    return str(OUTCOME_LABELS.get(outcome, outcome)) if outcome else ""


# --- A promotion round's outcomes ---------------------------------------------------------------------------------


def _round(round_id: int) -> tuple[PromotionRound, Unit]:
    round_ = db.session.scalar(select(PromotionRound).where(PromotionRound.id == round_id)
                               .options(joinedload(PromotionRound.unit)))
    if round_ is None:
        abort(404)
    unit = _hr_unit(round_.unit_id)
    if request.method == "GET" and not is_promotion(round_):
        # A warning-talk or removal list: what was done is recorded on the year's lists, never as a promotion.
        flash(services.not_a_promotion(), "error")
        abort(redirect(url_for("hr.round_page", round_id=round_.id)))
    return round_, unit


def _round_filters() -> queries.RoundFilters:
    return queries.RoundFilters(outcome=queries.outcome_choice(request.args.get("outcome")),
                                q=(request.args.get("q") or "").strip()[:60])


@bp.route("/hr/rounds/<int:round_id>/decisions", methods=["GET", "POST"])
def round_decisions(round_id: int):
    """The round's eligible officers a page at a time, each with the outcome recorded; ticked officers decided on
    together (one outcome, date and reference), or one at a time on their own page."""
    round_, unit = _round(round_id)
    filters = _round_filters()
    form = BulkDecisionForm()
    form.outcome.choices = _outcome_choices(DecisionKind.promotion.value)
    back = url_for("decisions.round_decisions", round_id=round_.id, **filters.args())
    response, status = submit(form, lambda: services.record_round_decisions(
        round_, form.people.data, _decision_data(form), current_person()),
        _("The outcome is recorded for the officers ticked."), back)
    if response is not None:
        return response, status
    if request.method == "GET":
        form.decided_on.data = timekeeping.today()
    published = round_.status == "published"
    total = queries.round_matching(round_, filters) if published else 0
    per_page = _per_page()
    pages = max(1, math.ceil(total / per_page))
    page = min(int_arg("page", 1, high=1_000_000), pages)
    rows = queries.round_page(round_, filters, page, per_page) if total else []
    counts = queries.round_counts(round_) if published else {}
    eligible = (round_.counts or {}).get("eligible", 0)
    return render_template("decisions/round.html", round=round_, unit=unit, form=form, rows=rows, total=total,
                           page=page, pages=pages, filters=filters, counts=counts, eligible=eligible,
                           undecided=eligible - sum(counts.values()),
                           outcomes=OUTCOMES[DecisionKind.promotion.value]), status


@bp.route("/hr/rounds/<int:round_id>/decisions/<int:person_id>", methods=["GET", "POST"])
def round_decision(round_id: int, person_id: int):
    """One officer's outcome in the round: recorded, or changed (the change audited before and after)."""
    round_, unit = _round(round_id)
    if request.method == "GET" and round_.status != "published":
        return redirect(url_for("decisions.round_decisions", round_id=round_.id))
    candidate = queries.round_candidate(round_, person_id)
    if request.method == "GET" and candidate is None:
        abort(404)
    decision = queries.round_decision(round_.id, person_id)
    form = DecisionForm() if request.method == "POST" else _filled(decision)
    form.outcome.choices = _outcome_choices(DecisionKind.promotion.value)
    response, status = submit(form, lambda: services.record_round_decision(
        round_, person_id, _decision_data(form), current_person()), _("The outcome is recorded."),
        url_for("decisions.round_decisions", round_id=round_.id))
    if response is not None:
        return response, status
    return render_template("decisions/decision.html", form=form, decision=decision, round=round_, unit=unit,
                           officer=candidate, kind=DecisionKind.promotion.value,
                           back=url_for("decisions.round_decisions", round_id=round_.id)), status


def _filled(decision) -> DecisionForm:
    if decision is None:
        return DecisionForm(formdata=None, decided_on=timekeeping.today(), version=0)
    return DecisionForm(formdata=None, outcome=decision.outcome, decided_on=decision.decided_on,
                        reference=decision.reference, note=decision.note, version=decision.version)


@bp.route("/hr/rounds/<int:round_id>/decisions/export.xlsx")
def round_decisions_export(round_id: int):
    round_, unit = _round(round_id)
    headers = [_("Place"), _("Badge number"), _("Full name"), _("Unit"), _("Decision taken"), _("Decided on"),
               _("Document reference"), _("Note")]
    rows = ((r.position, r.badge, r.name, r.unit_name or "", _outcome_text(r.outcome), r.decided_on,
             r.reference or "", r.note or "") for r in queries.round_every_row(round_))
    return _xlsx(round_.name, headers, rows, f"round-{round_.id}-decisions.xlsx")


# --- The year's warning and removal lists -------------------------------------------------------------------------


@bp.route("/hr/lists/<int:unit_id>/<int:year>/actions")
def list_actions(unit_id: int, year: int):
    """Each officer on the unit's removal and warning lists of the year, with what was done about them."""
    unit = _hr_unit(unit_id)
    _year(year)
    found = year_lists(unit, year)
    recorded = queries.list_decisions(unit, year)
    lists = [(DecisionKind.removal.value, [(p, e, recorded.get((DecisionKind.removal.value, p.id)))
                                           for p, e in found.removal]),
             (DecisionKind.warning_talk.value, [(p, e, recorded.get((DecisionKind.warning_talk.value, p.id)))
                                                for p, e in found.warning])]
    return render_template("decisions/lists.html", unit=unit, year=year, lists=lists, reason=found.reason)


@bp.route("/hr/lists/<int:unit_id>/<int:year>/actions/<int:person_id>", methods=["GET", "POST"])
def list_action(unit_id: int, year: int, person_id: int):
    """What was done about one officer on the list: recorded, or changed."""
    unit = _hr_unit(unit_id)
    _year(year)
    person = db.session.get(Person, person_id)
    if person is None:
        abort(404)
    kind = services.list_kind(unit, year, person.id)
    if request.method == "GET" and kind is None:
        abort(404)
    decision = queries.list_decision(unit, year, kind, person.id) if kind else None
    form = DecisionForm() if request.method == "POST" else _filled(decision)
    form.outcome.choices = _outcome_choices(kind)
    back = url_for("decisions.list_actions", unit_id=unit.id, year=year)
    response, status = submit(form, lambda: services.record_list_action(
        unit, year, person, _decision_data(form), current_person()), _("What was done is recorded."), back)
    if response is not None:
        return response, status
    officer = {"badge": person.badge, "name": person.name} if kind else None
    return render_template("decisions/decision.html", form=form, decision=decision, unit=unit, year=year,
                           officer=officer, kind=kind, back=back), status


@bp.route("/hr/lists/<int:unit_id>/<int:year>/actions/export.xlsx")
def list_actions_export(unit_id: int, year: int):
    unit = _hr_unit(unit_id)
    _year(year)
    found = year_lists(unit, year)
    recorded = queries.list_decisions(unit, year)
    rows = []
    for kind, people in ((DecisionKind.removal.value, found.removal), (DecisionKind.warning_talk.value, found.warning)):
        for person, _e in people:
            d = recorded.get((kind, person.id))
            rows.append((str(DECISION_KIND_LABELS[kind]), person.badge, person.name,
                         _outcome_text(d.outcome if d else None), d.decided_on if d else None,
                         d.reference if d else "", d.note if d else ""))
    headers = [_("List"), _("Badge number"), _("Full name"), _("Action taken"), _("Decided on"),
               _("Document reference"), _("Note")]
    return _xlsx(f"{year}", headers, rows, f"lists-{unit.code}-{year}-actions.xlsx")


# --- Honours ------------------------------------------------------------------------------------------------------


@bp.route("/hr/honours/<int:unit_id>/<int:year>", methods=["GET", "POST"])
def honours(unit_id: int, year: int):
    """The honours given in the unit and the units under it for the year; one more, by hand."""
    unit = _hr_unit(unit_id)
    _year(year)
    form = HonourForm()
    response, status = submit(form, lambda: services.record_honour(unit, {
        "badge": form.badge.data, "kind": form.kind.data, "title": form.title.data, "year": year,
        "decided_on": form.decided_on.data, "reference": form.reference.data, "reason": form.reason.data},
        current_person()), _("The honour is recorded."), url_for("decisions.honours", unit_id=unit.id, year=year))
    if response is not None:
        return response, status
    if request.method == "GET":
        form.kind.data, form.decided_on.data = "commendation", timekeeping.today()
    per_page = _per_page()
    page = int_arg("page", 1, high=1_000_000)
    rows, total = queries.honours_page(unit, year, page, per_page)
    return render_template("decisions/honours.html", unit=unit, year=year, form=form, rows=rows, total=total,
                           page=page, pages=max(1, math.ceil(total / per_page)),
                           this_year=timekeeping.today().year), status


@bp.route("/hr/honours/<int:unit_id>/<int:year>/proposals", methods=["GET", "POST"])
def proposals(unit_id: int, year: int):
    """The officers the rules propose for an honour of the year, by kind, each with why; those ticked given the
    honour together. Officers already honoured with that kind for the year are shown as such, not proposed."""
    unit = _hr_unit(unit_id)
    _year(year)
    form = AcceptForm()
    kind = request.args.get("kind") if request.method == "GET" else form.kind.data
    kind = kind if kind in HONOUR_KIND_LABELS else None
    back = url_for("decisions.proposals", unit_id=unit.id, year=year, kind=kind or None)
    response, status = submit(form, lambda: services.accept_proposals(
        unit, year, form.kind.data, [pid for pid, _v in form.people.data],
        {"title": form.title.data, "decided_on": form.decided_on.data, "reference": form.reference.data},
        current_person()), _("The honour is given to the officers ticked."), back)
    if response is not None:
        return response, status
    found = queries.proposals(unit, year)
    if kind is None:  # the first kind with someone to accept, else the first with anyone
        kind = next((k for k in HONOUR_KINDS if found.open(k)), None) or \
            next((k for k in HONOUR_KINDS if found.by_kind.get(k)), "commendation")
    if request.method == "GET":
        form.kind.data, form.title.data, form.decided_on.data = kind, str(HONOUR_KIND_LABELS[kind]), timekeeping.today()
    shown = found.by_kind.get(kind, [])
    per_page = _per_page()
    pages = max(1, math.ceil(len(shown) / per_page))
    page = min(int_arg("page", 1, high=1_000_000), pages)
    rules = [(key, rule, rule_phrase(rule)) for key, rule in HONOUR_RULES.items()]
    return render_template("decisions/proposals.html", unit=unit, year=year, form=form, kind=kind, found=found,
                           rows=shown[(page - 1) * per_page:page * per_page], page=page, pages=pages, rules=rules,
                           kinds=HONOUR_KINDS), status


@bp.route("/hr/honours/<int:unit_id>/<int:year>/export.xlsx")
def honours_export(unit_id: int, year: int):
    unit = _hr_unit(unit_id)
    _year(year)
    headers = [_("Badge number"), _("Full name"), _("Honour"), _("Title"), _("Year"), _("Decided on"),
               _("Document reference"), _("Reason"), _("Basis"), _("Given by"), _("Revoked"), _("Why revoked")]
    rows = ((h.person.badge, h.person.name, str(HONOUR_KIND_LABELS.get(h.kind, h.kind)), h.title, h.year,
             h.decided_on, h.reference, h.reason, basis_label(h.basis), h.unit.name,
             h.revoked_at.astimezone(timekeeping.tz()).date() if h.revoked_at else None, h.revoked_reason)
            for h in db.session.scalars(queries.honours_query(unit, year).execution_options(yield_per=queries.CHUNK)))
    return _xlsx(f"{year}", headers, rows, f"honours-{unit.code}-{year}.xlsx")


@bp.route("/hr/honours/<int:honour_id>/revoke", methods=["GET", "POST"])
def revoke(honour_id: int):
    honour = db.session.get(Honour, honour_id)
    if honour is None:
        abort(404)
    unit = _hr_unit(honour.unit_id)
    form = RevokeForm() if request.method == "POST" else RevokeForm(formdata=None, version=honour.version)
    back = url_for("decisions.honours", unit_id=unit.id, year=honour.year)
    response, status = submit(form, lambda: services.revoke_honour(
        honour, {"reason": form.reason.data, "version": form.version.data}, current_person()),
        _("The honour is revoked."), back)
    if response is not None:
        return response, status
    return render_template("decisions/revoke.html", honour=honour, unit=unit, form=form, back=back), status


# --- An officer's record ------------------------------------------------------------------------------------------


@bp.route("/hr/people/<int:person_id>/record")
def person_record(person_id: int):
    """An officer's decisions and honours, for HR over a unit the officer worked in."""
    person = db.session.get(Person, person_id)
    if person is None or not may_view_record(current_person(), person):
        abort(404)
    return render_template("decisions/record.html", person=person, record=queries.record(person), own=False)


@bp.route("/my/record")
def my_record():
    me = current_person()
    return render_template("decisions/record.html", person=me, record=queries.record(me), own=True)
