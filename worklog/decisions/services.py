"""Recording what HR decided (奖惩兑现): a published round's outcomes, what was done about the year's warning and
removal lists, honours given by hand or from the rules' proposals, and honours revoked.

Each takes (object, data, actor), checks scope, state and input, writes an audit event and flushes; the request
commits. The system flags, people decide: only an officer on the list (or proposed, or working in the unit that
year) may be decided on, and a change of what was recorded is a new version, audited before and after.
"""
from __future__ import annotations

from datetime import date
from typing import Any

from flask_babel import format_date, gettext as _, ngettext
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from models import Honour, Person, PersonnelDecision, PromotionCandidate, PromotionRound, Unit
from models.decisions import OUTCOMES, DecisionKind, DecisionOutcome
from worklog.annual.rounds import is_promotion
from worklog import audit, timekeeping
from worklog.annual.rounds import year_lists
from worklog.decisions import queries
from worklog.decisions.labels import HONOUR_KIND_LABELS
from worklog.errors import Conflict, ServiceError
from worklog.explanations import Wording
from worklog.extensions import db
from worklog.permissions import require_hr
from worklog.survey import phones

#: What an audit event says of a decision and of an honour.
DECISION_FIELDS = ("kind", "outcome", "decided_on", "reference", "note")
HONOUR_FIELDS = ("kind", "title", "year", "decided_on", "reference", "reason", "basis")
MAX_REFERENCE = 100
MAX_NOTE = 500
MAX_TITLE = 120
MAX_REASON = 500
#: Officers one bulk form may decide on at once (a page of the list, and then some).
MAX_BULK = 500
#: The earliest year an honour may be recorded for.
FIRST_HONOUR_YEAR = 2000


def _text(value: Any, field: str, most: int, missing: str | None = None) -> str:
    """A free text as it is kept: trimmed, without a phone number (HR, the officer and other systems read it)."""
    text = phones.redact(str(value or "").strip())
    if not text and missing is not None:
        raise ServiceError(missing, field)
    if len(text) > most:
        raise ServiceError(_("At most %(n)d characters.", n=most), field)
    return text


def _decided_on(value: Any, earliest: date, field: str = "decided_on") -> date:
    if not isinstance(value, date):
        raise ServiceError(_("Give the date it was decided."), field)
    if value > timekeeping.today():
        raise ServiceError(_("A decision cannot be dated in the future."), field)
    if value < earliest:
        raise ServiceError(_("This cannot have been decided before %(day)s.", day=format_date(earliest)), field)
    return value


def _not_about_oneself(person_id: int, actor: Person) -> None:
    if person_id == actor.id:
        raise ServiceError(_("Nobody records a decision or an honour about themselves."))


# --- Personnel decisions -------------------------------------------------------------------------------------------


def _values(data: dict, kind: str, earliest: date) -> dict[str, Any]:
    """The outcome, date, reference and note of a form, checked; the note is required for "not carried out"."""
    outcome = data.get("outcome")
    if outcome not in OUTCOMES[kind]:
        raise ServiceError(_("Choose what was decided."), "outcome")
    values = {"outcome": outcome, "decided_on": _decided_on(data.get("decided_on"), earliest),
              "reference": _text(data.get("reference"), "reference", MAX_REFERENCE),
              "note": _text(data.get("note"), "note", MAX_NOTE)}
    if outcome == DecisionOutcome.not_carried_out.value and not values["note"]:
        raise ServiceError(_("Say why it was not carried out."), "note")
    return values


def _stale() -> Conflict:
    return Conflict(_("Someone else recorded a decision about this officer since you opened the page. Reload the "
                      "page to see it, then decide again."))


def _save(existing: PersonnelDecision | None, expected: int | None, new: dict[str, Any], values: dict[str, Any],
          actor: Person, audit_unit_id: int, about: dict[str, Any]) -> PersonnelDecision:
    """Record a decision, or change the one recorded. ``expected`` is the version the form was read at (0: there
    was none): a decision changed since, or recorded since, is a conflict and nothing is kept."""
    now = timekeeping.now()
    if existing is None:
        decision = PersonnelDecision(**new, **values, created_by_id=actor.id, created_at=now, updated_at=now)
        try:
            # Two people recording the same officer at the same moment: the second is told, not a 500.
            with db.session.begin_nested():
                db.session.add(decision)
                db.session.flush()
        except IntegrityError:
            raise _stale()
        audit.record(actor, "decision.recorded", "personnel_decision", decision.id, unit_id=audit_unit_id,
                     after={**about, **audit.snapshot(decision, DECISION_FIELDS)})
        return decision
    if expected is None or expected != existing.version:
        raise _stale()
    before = audit.snapshot(existing, DECISION_FIELDS)
    for name, value in values.items():
        setattr(existing, name, value)
    was, now_is = audit.changes(before, audit.snapshot(existing, DECISION_FIELDS))
    if not now_is:
        return existing  # the same decision sent again: nothing to record
    existing.updated_at = now
    db.session.flush()
    audit.record(actor, "decision.changed", "personnel_decision", existing.id, unit_id=audit_unit_id,
                 before=was, after={**about, **now_is})
    return existing


def not_a_promotion() -> str:
    return _("This round lists officers from the bottom of the annual ranking (a warning talk or a removal), not for "
             "a promotion: record what was done about them on the year's lists.")


def record_round_decision(round_: PromotionRound, person_id: int, data: dict, actor: Person) -> PersonnelDecision:
    """One officer's outcome in a published round: promoted, not selected or deferred, with the date (not before the
    round's reference date) and the document it was decided by. ``data``: outcome, decided_on, reference, note,
    version (of the decision as the form read it; 0 when there was none)."""
    return record_round_decisions(round_, [(person_id, data.get("version"))], data, actor)[0]


def record_round_decisions(round_: PromotionRound, picks: list[tuple[int, int | None]], data: dict,
                           actor: Person) -> list[PersonnelDecision]:
    """One outcome, date, reference and note for several officers of a published round at once: ``picks`` are
    (person id, version of their decision as the page showed it, 0 for none). All or nothing: an officer not on
    the list, or decided by someone else since, and nobody's decision is kept."""
    require_hr(actor, db.session.get(Unit, round_.unit_id))
    if not is_promotion(round_):
        raise ServiceError(not_a_promotion())
    if round_.status != "published":
        raise ServiceError(_("The round is a draft: its outcomes are recorded once it is published, on the list it "
                             "freezes."))
    if not picks:
        raise ServiceError(_("Choose at least one officer."), "people")
    if len(picks) > MAX_BULK:
        raise ServiceError(_("At most %(n)d officers at a time.", n=MAX_BULK), "people")
    ids = [pid for pid, _version in picks]
    if len(set(ids)) != len(ids):
        raise ServiceError(_("An officer was chosen twice."), "people")
    values = _values(data, DecisionKind.promotion.value, round_.reference_date)
    candidates = {c.person_id: c for c in db.session.scalars(select(PromotionCandidate).where(
        PromotionCandidate.round_id == round_.id, PromotionCandidate.person_id.in_(ids),
        PromotionCandidate.eligible.is_(True)))}
    missing = [pid for pid in ids if pid not in candidates]
    if missing:
        raise ServiceError(ngettext("%(num)d of the officers chosen is not on the round's list: only its eligible "
                                    "officers are decided on.",
                                    "%(num)d of the officers chosen are not on the round's list: only its eligible "
                                    "officers are decided on.", len(missing)), "people")
    for pid in ids:
        _not_about_oneself(pid, actor)
    existing = {d.person_id: d for d in db.session.scalars(select(PersonnelDecision).where(
        PersonnelDecision.round_id == round_.id, PersonnelDecision.person_id.in_(ids)))}
    decided = []
    for pid, version in picks:
        candidate = candidates[pid]
        decided.append(_save(existing.get(pid), version,
                             {"person_id": pid, "kind": DecisionKind.promotion.value, "round_id": round_.id,
                              "unit_id": round_.unit_id, "year": None},
                             values, actor, candidate.unit_id or round_.unit_id,
                             {"officer": candidate.badge, "round_name": round_.name}))
    return decided


def list_kind(unit: Unit, year: int, person_id: int) -> str | None:
    """Which of the unit's lists of the year the officer is on (removal or warning talk), as computed now."""
    found = year_lists(unit, year)
    if any(person.id == person_id for person, _e in found.removal):
        return DecisionKind.removal.value
    if any(person.id == person_id for person, _e in found.warning):
        return DecisionKind.warning_talk.value
    return None


def record_list_action(unit: Unit, year: int, person: Person, data: dict, actor: Person) -> PersonnelDecision:
    """What was done about an officer on the unit's warning or removal list of the year: the talk held; the
    removal carried out; or not carried out, and why (the note). Only for an officer on that list as the system
    computes it now, dated after the year's end. ``data``: outcome, decided_on, reference, note, version."""
    require_hr(actor, unit)
    kind = list_kind(unit, year, person.id)
    if kind is None:
        raise ServiceError(_("This officer is not on the unit's warning or removal list of %(year)s.",
                             year=str(year)), "person")
    _not_about_oneself(person.id, actor)
    values = _values(data, kind, date(year + 1, 1, 1))
    existing = queries.list_decision(unit, year, kind, person.id)
    where = queries.unit_in_year(person, unit, date(year, 1, 1), date(year, 12, 31)) or unit.id
    return _save(existing, data.get("version"),
                 {"person_id": person.id, "kind": kind, "round_id": None, "unit_id": unit.id, "year": year},
                 values, actor, where, {"officer": person.badge, "year": year})


# --- Honours --------------------------------------------------------------------------------------------------------


def _honour_year(year: Any) -> int:
    if not isinstance(year, int) or not FIRST_HONOUR_YEAR <= year <= timekeeping.today().year:
        raise ServiceError(_("Give a year from %(first)d to this year.", first=FIRST_HONOUR_YEAR), "year")
    return year


def _kind(kind: Any) -> str:
    if kind not in HONOUR_KIND_LABELS:
        raise ServiceError(_("Choose the kind of honour."), "kind")
    return kind


def _give(unit: Unit, person: Person, where: int, values: dict[str, Any], actor: Person) -> Honour:
    honour = Honour(person_id=person.id, unit_id=unit.id, created_by_id=actor.id, created_at=timekeeping.now(),
                    **values)
    db.session.add(honour)
    db.session.flush()
    audit.record(actor, "honour.given", "honour", honour.id, unit_id=where,
                 after={"officer": person.badge, **audit.snapshot(honour, HONOUR_FIELDS)})
    return honour


def record_honour(unit: Unit, data: dict, actor: Person) -> Honour:
    """An honour given by hand (记功, 嘉奖, 评先评优) to an officer who worked in the unit's subtree in the year it is
    for. ``data``: badge, kind, title, year, decided_on, reference, reason."""
    require_hr(actor, unit)
    year = _honour_year(data.get("year"))
    kind = _kind(data.get("kind"))
    badge = str(data.get("badge") or "").strip()
    found = queries.officer_in_year(unit, year, badge) if badge else None
    if found is None:
        # Nobody learns whether a badge exists outside their scope.
        raise ServiceError(_("No officer with this badge number worked in this unit in %(year)s.", year=str(year)),
                           "badge")
    person, where = found
    _not_about_oneself(person.id, actor)
    values = {"kind": kind, "year": year,
              "title": _text(data.get("title"), "title", MAX_TITLE, _("Give the honour's title.")),
              "decided_on": _decided_on(data.get("decided_on"), date(year, 1, 1)),
              "reference": _text(data.get("reference"), "reference", MAX_REFERENCE),
              "reason": _text(data.get("reason"), "reason", MAX_REASON, _("Give the reason for the honour.")),
              "basis": ""}
    return _give(unit, person, where, values, actor)


def accept_proposals(unit: Unit, year: int, kind: str, person_ids: list[int], data: dict,
                     actor: Person) -> list[Honour]:
    """Honours for officers the rules propose (their basis: the rule that proposed them; their reason: what it
    found), one title, date and reference for all. All or nothing: an officer not proposed, or honoured with this
    kind for the year since the page was read, and nothing is kept. ``data``: title, decided_on, reference."""
    require_hr(actor, unit)
    year = _honour_year(year)
    kind = _kind(kind)
    if not person_ids:
        raise ServiceError(_("Choose at least one officer."), "people")
    if len(person_ids) > MAX_BULK:
        raise ServiceError(_("At most %(n)d officers at a time.", n=MAX_BULK), "people")
    if len(set(person_ids)) != len(person_ids):
        raise ServiceError(_("An officer was chosen twice."), "people")
    values = {"kind": kind, "year": year,
              "title": _text(data.get("title"), "title", MAX_TITLE, _("Give the honour's title.")),
              "decided_on": _decided_on(data.get("decided_on"), date(year, 1, 1)),
              "reference": _text(data.get("reference"), "reference", MAX_REFERENCE)}
    # The officers' rows held (FOR NO KEY UPDATE, in id order) until this transaction ends: two HR users accepting
    # the same proposals at once take turns, and the second finds the first's honours below.
    people = {p.id: p for p in db.session.scalars(select(Person).where(Person.id.in_(person_ids))
                                                  .order_by(Person.id).with_for_update(key_share=True))}
    proposed = {p.person_id: p for p in queries.proposals(unit, year, only=person_ids).by_kind.get(kind, [])}
    missing = [pid for pid in person_ids if pid not in proposed]
    if missing:
        raise ServiceError(ngettext("%(num)d of the officers chosen is not proposed for this honour.",
                                    "%(num)d of the officers chosen are not proposed for this honour.", len(missing)),
                           "people")
    honoured = [proposed[pid] for pid in person_ids if proposed[pid].honoured is not None]
    if honoured:
        raise Conflict(_("Already honoured with this for %(year)s, since the page was read: %(names)s. Reload the "
                         "page.", year=str(year), names=_(", ").join(f"{p.name} ({p.badge})" for p in honoured)))
    for pid in person_ids:
        _not_about_oneself(pid, actor)
    wording = Wording()
    filed = queries.units_in_year(person_ids, unit, date(year, 1, 1), date(year, 12, 31))
    given = []
    for pid in person_ids:
        officer = proposed[pid]
        reason = _text(wording.say(list(officer.proposal.reasons)), "reason", MAX_REASON * 4)[:MAX_REASON]
        where = filed.get(pid) or unit.id
        given.append(_give(unit, people[pid], where, {**values, "reason": reason, "basis": officer.proposal.basis},
                           actor))
    return given


def revoke_honour(honour: Honour, data: dict, actor: Person) -> Honour:
    """An honour withdrawn, with the reason: it stays on record, marked revoked. ``data``: reason, version."""
    require_hr(actor, db.session.get(Unit, honour.unit_id))
    _not_about_oneself(honour.person_id, actor)
    version = data.get("version")
    if version is None or version != honour.version:
        raise Conflict(_("Someone else changed this honour since you opened the page. Reload the page."))
    if honour.revoked_at is not None:
        raise Conflict(_("This honour has already been revoked."))
    reason = _text(data.get("reason"), "reason", MAX_REASON, _("Give the reason."))
    honour.revoked_at, honour.revoked_reason = timekeeping.now(), reason
    db.session.flush()
    person = db.session.get(Person, honour.person_id)
    unit = db.session.get(Unit, honour.unit_id)
    where = queries.unit_in_year(person, unit, date(honour.year, 1, 1), date(honour.year, 12, 31)) or unit.id
    audit.record(actor, "honour.revoked", "honour", honour.id, unit_id=where,
                 after={"officer": person.badge, "kind": honour.kind, "title": honour.title, "revoked": True},
                 reason=reason)
    return honour
