"""Pages of inspection (督察) and rectification (整改).

Inspectors (Role.inspector, over a unit's subtree) record findings and verify rectifications; the unit's side (its
panel or an administrator over it) answers them. Every finding, file and action outside a person's scope is
answered 404, as if it did not exist.
"""
from __future__ import annotations

import math
from datetime import date

from flask import abort, current_app, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from models import Finding, Person, Rectification, Role, Unit
from worklog import audit, timekeeping
from worklog.bounds import accepts_evidence, limit_text
from worklog.choices import choices
from worklog.exports import xlsx_response
from worklog.extensions import db
from worklog.inspection import queries, services, storage
from worklog.inspection.forms import (AcceptForm, AnswerForm, FilterForm, FindingForm, LedgerForm, ReturnForm,
                                      VoidForm)
from worklog.inspection.labels import (CATEGORY_LABELS, RECTIFICATION_STATUS_LABELS, SOURCE_LABELS, STAGE_LABELS,
                                       STATE_LABELS, TARGET_LABELS)
from worklog.permissions import RECTIFICATION_ROLES, has_role, may_answer, may_inspect, require_role, unit_scope_clause
from worklog.exports import _download
from worklog.web import after_this_transaction, current_person, rollback_only, signed_in_blueprint, submit

bp = signed_in_blueprint("inspection", __name__, url_prefix="/inspection")

#: Who opens the inspection pages at all: inspectors, and the unit side that answers rectifications.
PAGE_ROLES = (Role.inspector,) + RECTIFICATION_ROLES
#: No list has this many pages; a larger number would overflow the database's OFFSET.
MAX_PAGE = 1_000_000


@bp.context_processor
def _labels():
    me = current_person()
    signed_in = getattr(me, "is_authenticated", False)
    # The section's own menu offers what the reader may open (their grants are read once per request).
    return {"CATEGORY_LABELS": CATEGORY_LABELS, "TARGET_LABELS": TARGET_LABELS, "SOURCE_LABELS": SOURCE_LABELS,
            "RECTIFICATION_STATUS_LABELS": RECTIFICATION_STATUS_LABELS, "STAGE_LABELS": STAGE_LABELS,
            "STATE_LABELS": STATE_LABELS, "size_text": limit_text,
            "inspector": signed_in and has_role(me, Role.inspector),
            "unit_side": signed_in and any(has_role(me, role) for role in RECTIFICATION_ROLES)}


@bp.after_request
def _discard_unkept_files(response):
    """Files stored for records this request does not keep (a refusal, an error) are removed again."""
    keys = g.pop("_stored_attachments", [])
    if keys and (response.status_code >= 400 or g.get("_rollback_only")):
        for key in keys:
            storage.discard(key)
    return response


def _require_page(me: Person) -> None:
    if not any(has_role(me, role) for role in PAGE_ROLES):
        abort(403)


def _page() -> tuple[int, int]:
    return (min(max(request.args.get("page", 1, type=int), 1), MAX_PAGE),
            int(current_app.config.get("PAGE_SIZE", 50)))


def _uploads(field) -> list[services.Upload]:
    """The files of a form's file field (a browser sends one empty part when none was chosen)."""
    files = []
    for item in field.data or []:
        if item is None or not getattr(item, "filename", None):
            continue
        # Read at most one byte past the limit: enough to refuse a file too large without holding more.
        files.append(services.Upload(item.filename, item.stream.read(storage.max_bytes() + 1)))
    return files


# --- Findings ------------------------------------------------------------------------------------------------------


@bp.route("/")
def findings():
    me = current_person()
    _require_page(me)
    units = list(db.session.scalars(select(Unit).where(
        or_(*(unit_scope_clause(me, role) for role in PAGE_ROLES))).order_by(Unit.path)))
    form = FilterForm(request.args)
    form.unit.choices = choices([(0, _("All my units"))] + [(u.id, u.name) for u in units])
    form.category.choices = choices([("", _("All categories"))] + list(CATEGORY_LABELS.items()))
    form.state.choices = choices([("", _("All states"))] + list(STATE_LABELS.items()))
    form.validate()
    unit_id = form.unit.data if form.unit.data and not form.unit.errors else None
    category = form.category.data if form.category.data in CATEGORY_LABELS else None
    state = form.state.data if form.state.data in STATE_LABELS else None
    month = form.month.data if form.month.data and not form.month.errors else None
    today = timekeeping.today()
    query = queries.filtered(queries.visible_findings(me), unit_id=unit_id, category=category, state=state,
                             month=month, today=today)
    page, per_page = _page()
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    rows = list(db.session.scalars(
        query.options(selectinload(Finding.unit), selectinload(Finding.department), selectinload(Finding.person),
                      selectinload(Finding.rectification).selectinload(Rectification.escalated_to))
        .order_by(Finding.found_on.desc(), Finding.id.desc()).offset((page - 1) * per_page).limit(per_page)))
    filters = {"unit": unit_id or "", "category": category or "", "state": state or "",
               "month": month.strftime("%Y-%m") if month else ""}
    return render_template("inspection/findings.html", form=form, rows=rows, total=total, page=page,
                           pages=max(1, math.ceil(total / per_page)), filters=filters, today=today)


@bp.route("/findings/new", methods=["GET", "POST"])
@accepts_evidence
def new_finding():
    me = current_person()
    require_role(me, Role.inspector)
    follow_up = None
    follow_up_id = request.args.get("follow_up", type=int) or None
    form = FindingForm()
    if request.method == "POST" and form.follow_up.data:
        follow_up_id = form.follow_up.data
    if follow_up_id is not None:
        if not 0 < follow_up_id <= 2**31 - 1:
            abort(404)
        follow_up = services.follow_up_for_inspector(me, follow_up_id)
    units = queries.inspector_units(me)
    form.unit.choices = choices([(0, "—")] + [(u.id, u.name) for u in units])
    form.department.choices = choices([(0, "—")] + [(d.id, f"{d.unit.name} · {d.name}")
                                                    for d in queries.inspector_departments(me)])
    if request.method == "GET":
        form.found_on.data = timekeeping.today()
        if follow_up is not None:
            form.follow_up.data = follow_up.id
            form.target.data, form.unit.data, form.category.data = "unit", follow_up.unit_id, "complaint"
            form.description.data = _("Survey follow-up no. %(id)s: %(comment)s", id=follow_up.id,
                                      comment=follow_up.call.comment)
    made: list[Finding] = []

    def act():
        made.append(services.record_finding({
            "target": form.target.data, "unit": form.unit.data, "department": form.department.data,
            "badge": form.badge.data, "found_on": form.found_on.data, "category": form.category.data,
            "description": form.description.data, "rectify": form.rectify.data,
            "files": _uploads(form.evidence), "follow_up": follow_up}, me))

    response, status = submit(form, act, _("Finding recorded."), url_for("inspection.findings"))
    if response is not None:
        if made:
            return redirect(url_for("inspection.finding_page", finding_id=made[0].id))
        return response, status
    return render_template("inspection/new.html", form=form, follow_up=follow_up,
                           max_size=limit_text(storage.max_bytes())), status


@bp.route("/findings/<int:finding_id>")
def finding_page(finding_id: int):
    me = current_person()
    finding = services.finding_in_scope(me, finding_id)
    return _finding_view(me, finding)


def _finding_view(me: Person, finding: Finding, status: int = 200, **forms):
    rectification = finding.rectification
    version = rectification.version if rectification else finding.version
    answer_form = forms.get("answer_form") or AnswerForm(formdata=None, version=version)
    accept_form = forms.get("accept_form") or AcceptForm(formdata=None, version=version)
    return_form = forms.get("return_form") or ReturnForm(formdata=None, version=version)
    void_form = forms.get("void_form") or VoidForm(formdata=None, version=finding.version)
    people_ids = {i for i in (finding.created_by_id, rectification and rectification.answered_by_id,
                              rectification and rectification.verified_by_id) if i}
    people_ids |= {a.uploaded_by_id for a in finding.attachments if a.uploaded_by_id}
    people = {p.id: p for p in db.session.scalars(select(Person).where(Person.id.in_(people_ids)))} \
        if people_ids else {}
    repeat_of = db.session.get(Finding, finding.repeat_of_id) if finding.repeat_of_id else None
    today = timekeeping.today()
    return render_template(
        "inspection/finding.html", finding=finding, rectification=rectification, people=people,
        repeat_of=repeat_of, today=today, may_inspect=may_inspect(me, finding), may_answer=may_answer(me, finding),
        answer_form=answer_form, accept_form=accept_form, return_form=return_form, void_form=void_form,
        max_size=limit_text(storage.max_bytes()),
        overdue=bool(rectification and rectification.status != "accepted" and rectification.deadline < today),
    ), status


def _act(finding: Finding, form, form_name: str, action, success: str):
    """A POST on a finding's page: the service's answer, or the page again with the form's errors."""
    me = current_person()
    back = url_for("inspection.finding_page", finding_id=finding.id)
    response, status = submit(form, action, success, back)
    if response is not None:
        return response, status
    return _finding_view(me, finding, status, **{form_name: form})


@bp.route("/findings/<int:finding_id>/void", methods=["POST"])
def void(finding_id: int):
    me = current_person()
    finding = services.finding_in_scope(me, finding_id)
    if not may_inspect(me, finding):
        abort(403)
    form = VoidForm()
    return _act(finding, form, "void_form", lambda: services.void_finding(
        finding, {"reason": form.reason.data, "version": form.version.data}, me), _("Finding withdrawn."))


@bp.route("/findings/<int:finding_id>/answer", methods=["POST"])
@accepts_evidence
def answer(finding_id: int):
    me = current_person()
    finding = services.finding_in_scope(me, finding_id)
    if not may_answer(me, finding):
        abort(403)
    form = AnswerForm()
    return _act(finding, form, "answer_form", lambda: services.answer(
        finding, {"answer": form.answer.data, "files": _uploads(form.evidence), "version": form.version.data}, me),
        _("Answer sent to the inspector."))


@bp.route("/findings/<int:finding_id>/accept", methods=["POST"])
def accept(finding_id: int):
    me = current_person()
    finding = services.finding_in_scope(me, finding_id)
    if not may_inspect(me, finding):
        abort(403)
    form = AcceptForm()
    return _act(finding, form, "accept_form", lambda: services.accept(
        finding, {"version": form.version.data}, me), _("Rectification accepted."))


@bp.route("/findings/<int:finding_id>/return", methods=["POST"])
def return_answer(finding_id: int):
    me = current_person()
    finding = services.finding_in_scope(me, finding_id)
    if not may_inspect(me, finding):
        abort(403)
    form = ReturnForm()
    return _act(finding, form, "return_form", lambda: services.return_answer(
        finding, {"reason": form.reason.data, "version": form.version.data}, me), _("Returned to the unit."))


# --- Evidence files --------------------------------------------------------------------------------------------------


@bp.route("/attachments/<int:attachment_id>")
def attachment(attachment_id: int):
    """An evidence file, to whoever sees its finding; its bytes checked against the hash recorded when stored."""
    me = current_person()
    item = services.attachment_in_scope(me, attachment_id)
    try:
        data = storage.read_verified(item.storage_key, item.sha256)
    except storage.Tampered:
        # Kept whatever becomes of the request: the refusal itself is the evidence someone must look into.
        actor_id, item_id, unit_id = me.id, item.id, item.finding.unit_id
        after_this_transaction(lambda: audit.record(
            db.session.get(Person, actor_id), "inspection.attachment_tampered", "attachment", item_id,
            unit_id=unit_id, after={"finding": item.finding_id, "file": item.filename}))
        current_app.logger.error("Evidence file %s (attachment %s) does not match its recorded hash",
                                 item.storage_key, item.id)
        rollback_only()
        return render_template("errors/error.html", code=409, title=_("File refused"), text=_(
            "This evidence file has changed since it was stored (its checksum no longer matches), so it is not "
            "served. The refusal has been recorded; tell the system's administrators.")), 409
    response = _download(data, item.filename, item.content_type)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


# --- The unit side's list ------------------------------------------------------------------------------------------


@bp.route("/rectifications")
def rectifications():
    me = current_person()
    if not any(has_role(me, role) for role in RECTIFICATION_ROLES):
        abort(403)
    page, per_page = _page()
    query = queries.to_answer(me)
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    rows = list(db.session.scalars(
        query.options(selectinload(Finding.unit), selectinload(Finding.department), selectinload(Finding.person),
                      selectinload(Finding.rectification).selectinload(Rectification.escalated_to))
        .offset((page - 1) * per_page).limit(per_page)))
    return render_template("inspection/rectifications.html", rows=rows, total=total, page=page,
                           pages=max(1, math.ceil(total / per_page)), today=timekeeping.today(),
                           may_answer={f.id: may_answer(me, f) for f in rows})


# --- The rectification ledger ----------------------------------------------------------------------------------------


def _period(form: LedgerForm) -> tuple[date, date, str]:
    today = timekeeping.today()
    if form.month.data and not form.month.errors:
        first, last = timekeeping.month_bounds(form.month.data)
        return first, last, form.month.data.strftime("%Y-%m")
    year = form.year.data if form.year.data and not form.year.errors else today.year
    return date(year, 1, 1), date(year, 12, 31), str(year)


def _ledger_form() -> LedgerForm:
    form = LedgerForm(request.args)
    this_year = timekeeping.today().year
    form.year.choices = choices((y, str(y)) for y in range(this_year, this_year - 6, -1))
    form.validate()
    return form


@bp.route("/ledger")
def ledger():
    me = current_person()
    _require_page(me)
    form = _ledger_form()
    first, last, label = _period(form)
    rows, total = queries.ledger(me, PAGE_ROLES, first, last)
    return render_template("inspection/ledger.html", form=form, rows=rows, total=total, first=first, last=last,
                           label=label, categories=list(CATEGORY_LABELS),
                           period={"month": request.args.get("month", "") if form.month.data and not
                                   form.month.errors else "",
                                   "year": form.year.data if form.year.data and not form.year.errors else ""})


@bp.route("/ledger.xlsx")
def ledger_export():
    me = current_person()
    _require_page(me)
    form = _ledger_form()
    first, last, label = _period(form)
    rows, total = queries.ledger(me, PAGE_ROLES, first, last)
    heads = [_("Code"), _("Unit"), _("Category"), _("Findings"), _("Points deducted"), _("Rectifications due"),
             _("Accepted on time"), _("Accepted late"), _("Overdue"), _("Escalated"), _("Not yet due"),
             _("Rectification rate (%)")]

    def line(code, name, category, c):
        return [code, name, category, c.findings, c.points, c.due, c.on_time, c.late, c.overdue, c.escalated,
                c.pending, c.rate]
    table = []
    for row in rows:
        for category, label_ in CATEGORY_LABELS.items():
            if category in row.categories:
                table.append(line(row.unit.code, row.unit.name, str(label_), row.categories[category]))
        table.append(line(row.unit.code, row.unit.name, _("All categories"), row.total))
    table.append(line("", _("Total"), _("All categories"), total))
    return xlsx_response([(_("Rectification ledger"), heads, table)], f"{_('rectification-ledger')}-{label}.xlsx")
