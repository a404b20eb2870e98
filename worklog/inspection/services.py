"""The state changes of inspection: a finding recorded (its deduction worked out, its evidence stored) or voided, a
rectification answered by the unit and verified by the inspector, and rectifications past their deadline escalated.

Each takes (object, data, actor), checks scope and state, writes an audit event and flushes; the request commits.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from flask import g
from flask_babel import gettext as _
from sqlalchemy import and_, select
from sqlalchemy.exc import IntegrityError

from models import (Attachment, AttachmentStage, Department, Finding, FindingCategory, FindingSource, FindingTarget,
                    Person, Rectification, RectificationStatus, Role, RoleGrant, SurveyFollowUp, Unit)
from worklog import audit, locks, timekeeping
from worklog.errors import Conflict, NotAllowed, OutOfScope, ServiceError
from worklog.extensions import db
from worklog.inspection import storage
from worklog.rulesets.queries import values_on
from worklog.permissions import (RECTIFICATION_ROLES, inspects, may_answer, may_inspect, may_see_finding,
                                 require_finding)
from worklog.rules.inspection import finding_points, repeat_window
from worklog.survey import phones
from worklog.notifications import notify

MAX_DESCRIPTION = 2000
MAX_REASON = 500
#: Files one form may carry.
MAX_FILES = 5


@dataclass(frozen=True)
class Upload:
    """A file a form sent: the name the uploader gave it and its bytes."""
    filename: str
    data: bytes


# --- Loading in scope ----------------------------------------------------------------------------------------------


def finding_in_scope(actor: Person, finding_id: int) -> Finding:
    finding = db.session.get(Finding, finding_id)
    require_finding(actor, finding)
    return finding


def attachment_in_scope(actor: Person, attachment_id: int) -> Attachment:
    """An evidence file is seen by whoever sees its finding; anyone else is answered as if it did not exist."""
    attachment = db.session.get(Attachment, attachment_id)
    if attachment is None or not may_see_finding(actor, attachment.finding):
        raise OutOfScope()
    return attachment


def follow_up_for_inspector(actor: Person, follow_up_id: int) -> SurveyFollowUp:
    """A survey follow-up a finding may come from: of a unit the inspector covers."""
    follow_up = db.session.get(SurveyFollowUp, follow_up_id)
    if follow_up is None or not inspects(actor, follow_up.unit):
        raise OutOfScope()
    return follow_up


# --- Recording a finding --------------------------------------------------------------------------------------------


def _text(value: str | None, field: str, most: int, missing: str) -> str:
    # Read by the unit and by other inspectors: never a phone number.
    text = phones.redact((value or "").strip())
    if not text:
        raise ServiceError(missing, field)
    if len(text) > most:
        raise ServiceError(_("At most %(n)d characters.", n=most), field)
    return text


def _target(data: dict, actor: Person, found_on: date) -> tuple[str, Unit, Department | None, Person | None]:
    """(target, unit, department, officer) named by the form, each checked to lie within the inspector's scope on
    the day found. An officer is named by badge; their department and unit are those they held that day."""
    target = data.get("target")
    if target == FindingTarget.officer.value:
        badge = (data.get("badge") or "").strip()
        person = db.session.scalar(select(Person).where(Person.badge == badge)) if badge else None
        assignment = person.assignment_on(found_on) if person is not None else None
        if assignment is None or not inspects(actor, assignment.department.unit):
            # Nobody learns whether a badge exists outside their scope.
            raise ServiceError(_("No officer with this badge number worked in your units on that day."), "badge")
        if person.id == actor.id:
            raise ServiceError(_("Nobody records a finding about themselves."), "badge")
        return target, assignment.department.unit, assignment.department, person
    if target == FindingTarget.department.value:
        department = db.session.get(Department, data.get("department") or 0)
        if department is None or not inspects(actor, department.unit):
            raise ServiceError(_("Choose a department of your units."), "department")
        return target, department.unit, department, None
    if target == FindingTarget.unit.value:
        unit = db.session.get(Unit, data.get("unit") or 0)
        if unit is None or not inspects(actor, unit):
            raise ServiceError(_("Choose one of your units."), "unit")
        return target, unit, None, None
    raise ServiceError(_("Say whom the finding is about: a unit, a department or an officer."), "target")


def same_target_clause(target: str, unit_id: int, department_id: int | None, person_id: int | None):
    """SQL condition: a finding about the same person, department or unit (a unit's finding, not its officers')."""
    if target == FindingTarget.officer.value:
        return and_(Finding.target == target, Finding.person_id == person_id)
    if target == FindingTarget.department.value:
        return and_(Finding.target == target, Finding.department_id == department_id)
    return and_(Finding.target == target, Finding.unit_id == unit_id)


def earlier_finding(target: str, unit_id: int, department_id: int | None, person_id: int | None, category: str,
                    found_on: date, exclude_id: int | None = None) -> Finding | None:
    """The latest finding (not voided) of the same target and category within the rule set's repeat period
    before ``found_on``: the one that makes a new finding a repeat."""
    first, last = repeat_window(found_on, values_on(found_on))
    query = (select(Finding).where(same_target_clause(target, unit_id, department_id, person_id),
                                   Finding.category == category, Finding.voided_at.is_(None),
                                   Finding.found_on >= first, Finding.found_on <= last)
             .order_by(Finding.found_on.desc(), Finding.id.desc()).limit(1))
    if exclude_id is not None:
        query = query.where(Finding.id != exclude_id)
    return db.session.scalar(query)


def _require_unsealed(unit_id: int, day: date, field: str | None = "found_on") -> None:
    """A finding counts in the month of the day it was found: once that month of the unit is final, neither a new
    finding nor a voiding may change it (the panel reopens it first, with a reason)."""
    locks.require_unsealed(day, day, units=[unit_id], field=field)


def record_finding(data: dict, actor: Person) -> Finding:
    """Record a finding. ``data``: target, unit (id), department (id), badge, found_on, category, description,
    rectify (bool), files (list of :class:`Upload`), follow_up (a SurveyFollowUp the finding comes from, or None)."""
    found_on = data.get("found_on")
    if not isinstance(found_on, date):
        raise ServiceError(_("Give the date of the finding."), "found_on")
    if found_on > timekeeping.today():
        raise ServiceError(_("A finding cannot be dated in the future."), "found_on")
    category = data.get("category")
    if category not in {c.value for c in FindingCategory}:
        raise ServiceError(_("Choose the category of the finding."), "category")
    target, unit, department, person = _target(data, actor, found_on)
    description = _text(data.get("description"), "description", MAX_DESCRIPTION, _("Describe what was found."))
    follow_up = data.get("follow_up")
    if follow_up is not None:
        if not inspects(actor, follow_up.unit):
            raise OutOfScope()
        if db.session.scalar(select(Finding.id).where(Finding.follow_up_id == follow_up.id)) is not None:
            raise Conflict(_("A finding has already been recorded from this survey follow-up."))
    files = _uploads(data.get("files"))
    _require_unsealed(unit.id, found_on)
    earlier = earlier_finding(target, unit.id, department.id if department else None, person.id if person else None,
                              category, found_on)
    rules = values_on(found_on)
    finding = Finding(target=target, unit_id=unit.id, department_id=department.id if department else None,
                      person_id=person.id if person else None, found_on=found_on, category=category,
                      description=description, points=finding_points(category, earlier is not None, rules),
                      repeat_of_id=earlier.id if earlier else None,
                      source=FindingSource.survey.value if follow_up is not None else FindingSource.inspection.value,
                      follow_up_id=follow_up.id if follow_up is not None else None, created_by_id=actor.id,
                      created_at=timekeeping.now())
    try:
        # Two inspectors making a finding of the same follow-up at the same moment: the second is told, not a 500.
        with db.session.begin_nested():
            db.session.add(finding)
            db.session.flush()
    except IntegrityError:
        raise Conflict(_("A finding has already been recorded from this survey follow-up."))
    if data.get("rectify"):
        finding.rectification = Rectification(
            finding_id=finding.id, unit_id=unit.id, status=RectificationStatus.open.value,
            deadline=timekeeping.working_days_after(found_on, rules.rectification_days))
        db.session.flush()
    stored = _attach(finding, AttachmentStage.finding, files, actor)
    audit.record(actor, "inspection.finding_recorded", "finding", finding.id, unit_id=unit.id, after={
        "target": target, "unit": unit.name, "department": department.name if department else None,
        "officer": person.badge if person else None, "date": found_on.isoformat(), "category": category,
        "points": str(finding.points), "repeat_of": earlier.id if earlier else None,
        "survey_follow_up": follow_up.id if follow_up is not None else None, "files": stored,
        "deadline": finding.rectification.deadline.isoformat() if finding.rectification else None})
    if finding.rectification is not None:
        _tell(_unit_side(unit.id), "rectification_due", finding)
    return finding


def _uploads(files) -> list[Upload]:
    files = [f for f in (files or []) if f is not None]
    if len(files) > MAX_FILES:
        raise ServiceError(_("At most %(n)d files at a time.", n=MAX_FILES), "evidence")
    for upload in files:
        storage.check(upload.data)  # every file checked before any is stored
    return files


def _attach(finding: Finding, stage: AttachmentStage, files: list[Upload], actor: Person) -> list[dict]:
    """Store the files and their records; what the audit event says of each (never the bytes)."""
    described = []
    for upload in files:
        content_type, extension = storage.check(upload.data)
        key, digest = storage.store(upload.data)
        # Removed again if the request does not keep its records (see routes._discard_unkept_files).
        g.setdefault("_stored_attachments", []).append(key)
        attachment = Attachment(finding_id=finding.id, stage=stage.value,
                                filename=storage.safe_filename(phones.redact(upload.filename), extension),
                                content_type=content_type, size=len(upload.data), sha256=digest, storage_key=key,
                                uploaded_by_id=actor.id, uploaded_at=timekeeping.now())
        db.session.add(attachment)
        described.append({"name": attachment.filename, "size": attachment.size, "sha256": digest})
    db.session.flush()
    return described


def void_finding(finding: Finding, data: dict, actor: Person) -> Finding:
    """Withdraw a finding recorded in error, with the reason: it stays on record, deducts nothing and no longer
    makes a later one a repeat."""
    require_finding(actor, finding)
    if not may_inspect(actor, finding):
        raise NotAllowed()
    _check_version(finding, data.get("version"))
    if finding.voided_at is not None:
        raise Conflict(_("This finding has already been withdrawn."))
    reason = _text(data.get("reason"), "reason", MAX_REASON, _("Give the reason."))
    _require_unsealed(finding.unit_id, finding.found_on, field="reason")
    finding.voided_at, finding.void_reason = timekeeping.now(), reason
    db.session.flush()
    audit.record(actor, "inspection.finding_voided", "finding", finding.id, unit_id=finding.unit_id,
                 after={"points": str(finding.points)}, reason=reason)
    return finding


def _check_version(obj, version) -> None:
    if version is not None and version != obj.version:
        raise Conflict(_("Someone else changed this finding since you opened it. Reload the page."))


# --- Rectification --------------------------------------------------------------------------------------------------


def _rectification(finding: Finding) -> Rectification:
    if finding.rectification is None:
        raise ServiceError(_("This finding asks for no rectification."))
    if finding.voided_at is not None:
        raise Conflict(_("This finding has been withdrawn: its rectification is closed."))
    return finding.rectification


def answer(finding: Finding, data: dict, actor: Person) -> Rectification:
    """The unit's answer: what it put right, with evidence. Answered again after being returned."""
    require_finding(actor, finding)
    if not may_answer(actor, finding):
        raise NotAllowed()
    rectification = _rectification(finding)
    _check_version(rectification, data.get("version"))
    if rectification.status not in (RectificationStatus.open.value, RectificationStatus.returned.value):
        raise Conflict(_("This rectification has already been answered; the inspector verifies it now."))
    text = _text(data.get("answer"), "answer", MAX_DESCRIPTION, _("Say what the unit put right."))
    files = _uploads(data.get("files"))
    now = timekeeping.now()
    rectification.answer, rectification.answered_by_id, rectification.answered_at = text, actor.id, now
    rectification.status, rectification.rounds = RectificationStatus.answered.value, rectification.rounds + 1
    db.session.flush()
    stored = _attach(finding, AttachmentStage.answer, files, actor)
    audit.record(actor, "inspection.rectification_answered", "rectification", rectification.id,
                 unit_id=rectification.unit_id, after={"finding": finding.id, "round": rectification.rounds,
                                                       "late": _local_day(now) > rectification.deadline,
                                                       "files": stored})
    return rectification


def _local_day(moment: datetime) -> date:
    return moment.astimezone(timekeeping.tz()).date()


def accept(finding: Finding, data: dict, actor: Person) -> Rectification:
    """The inspector verified the answer: closed, on time if the accepted answer came by the deadline."""
    rectification = _verifiable(finding, data, actor)
    rectification.status = RectificationStatus.accepted.value
    rectification.verified_by_id, rectification.verified_at = actor.id, timekeeping.now()
    rectification.on_time = _local_day(rectification.answered_at) <= rectification.deadline
    rectification.verdict_reason = phones.redact((data.get("reason") or "").strip())[:1000]
    db.session.flush()
    audit.record(actor, "inspection.rectification_accepted", "rectification", rectification.id,
                 unit_id=rectification.unit_id, after={"finding": finding.id, "on_time": rectification.on_time})
    return rectification


def return_answer(finding: Finding, data: dict, actor: Person) -> Rectification:
    """The inspector did not accept the answer: back to the unit with the reason, to answer again."""
    rectification = _verifiable(finding, data, actor)
    reason = _text(data.get("reason"), "reason", 1000, _("Say why the answer is not accepted."))
    rectification.status, rectification.verdict_reason = RectificationStatus.returned.value, reason
    rectification.verified_by_id, rectification.verified_at = actor.id, timekeeping.now()
    db.session.flush()
    audit.record(actor, "inspection.rectification_returned", "rectification", rectification.id,
                 unit_id=rectification.unit_id, after={"finding": finding.id, "round": rectification.rounds},
                 reason=reason)
    _tell(_unit_side(rectification.unit_id), "rectification_returned", finding)
    return rectification


def _verifiable(finding: Finding, data: dict, actor: Person) -> Rectification:
    require_finding(actor, finding)
    if not may_inspect(actor, finding):
        raise NotAllowed()
    rectification = _rectification(finding)
    _check_version(rectification, data.get("version"))
    if rectification.status != RectificationStatus.answered.value:
        raise Conflict(_("There is no answer waiting to be verified."))
    return rectification


# --- Escalation -----------------------------------------------------------------------------------------------------


def overdue_clause(today: date):
    """SQL condition on a rectification: past its deadline and not accepted (its finding not withdrawn)."""
    return and_(Rectification.deadline < today, Rectification.status != RectificationStatus.accepted.value)


def escalate_overdue(today: date, actor: Person | None = None) -> int:
    """Send every rectification past its deadline and not accepted to the unit above its unit, once: recorded,
    audited, and told to that unit's inspectors, panel and administrators. Running it again escalates nothing
    more. Returns how many were escalated."""
    rows = db.session.execute(
        select(Rectification, Unit.parent_id).join(Unit, Unit.id == Rectification.unit_id)
        .join(Finding, Finding.id == Rectification.finding_id)
        .where(overdue_clause(today), Rectification.escalated_at.is_(None), Finding.voided_at.is_(None),
               Unit.parent_id.is_not(None))
        .order_by(Rectification.id)).all()
    if not rows:
        return 0
    now = timekeeping.now()
    for rectification, parent_id in rows:
        rectification.escalated_to_id, rectification.escalated_at = parent_id, now
        audit.record(actor, "inspection.rectification_escalated", "rectification", rectification.id,
                     unit_id=rectification.unit_id, after={"finding": rectification.finding_id,
                                                           "escalated_to_id": parent_id,
                                                           "deadline": rectification.deadline.isoformat()})
    db.session.flush()
    # Who is told, for all the parent units at once: their inspectors, panel and administrators.
    parents = {parent_id for _r, parent_id in rows}
    told: dict[int, list[Person]] = {}
    for person, unit_id in db.session.execute(
            select(Person, RoleGrant.unit_id).join(RoleGrant, RoleGrant.person_id == Person.id)
            .where(RoleGrant.unit_id.in_(parents), Person.active.is_(True),
                   RoleGrant.role.in_([Role.inspector.value] + [r.value for r in RECTIFICATION_ROLES]))):
        if person not in told.setdefault(unit_id, []):
            told[unit_id].append(person)
    findings = {f.id: f for f in db.session.scalars(select(Finding).where(
        Finding.id.in_([r.finding_id for r, _p in rows])))}
    for rectification, parent_id in rows:
        _tell(told.get(parent_id, []), "rectification_escalated", findings[rectification.finding_id])
    return len(rows)


# --- Notifications --------------------------------------------------------------------------------------------------


def _unit_side(unit_id: int) -> list[Person]:
    """Who answers for the unit itself (its panel and administrators granted at it), as the survey tells them."""
    return list(db.session.scalars(select(Person).join(RoleGrant, RoleGrant.person_id == Person.id).where(
        RoleGrant.unit_id == unit_id, RoleGrant.role.in_([r.value for r in RECTIFICATION_ROLES]),
        Person.active.is_(True)).distinct()))


def _tell(people: list[Person], kind: str, finding: Finding) -> None:
    rectification = finding.rectification
    for person in people:
        notify(person, kind, {"finding": finding.id, "category": finding.category,
                              "deadline": rectification.deadline.isoformat() if rectification else ""},
               "inspection.finding_page", finding_id=finding.id)
