"""Who may do what to which object: the one place where role grants meet the org tree.

A role grant covers its unit and every unit under it. Objects outside a person's scope are treated
as missing (404) by the routes, so nobody learns what exists elsewhere.
"""
from __future__ import annotations

from datetime import date

from flask import abort, g
from flask_babel import gettext as _
from sqlalchemy import ColumnElement, false, func, or_, select, true
from sqlalchemy.orm import joinedload, selectinload

from models import Assignment, Department, Person, Post, Role, RoleGrant, Sequence, Unit
from worklog.errors import OutOfScope, ServiceError
from worklog.extensions import db


def grants_of(person: Person) -> list[RoleGrant]:
    """The person's grants with their units, loaded once per request (the signed-in person's with their session:
    :func:`remember_grants`)."""
    cache = g.setdefault("_grants", {})
    if person.id not in cache:
        cache[person.id] = list(db.session.scalars(
            select(RoleGrant).where(RoleGrant.person_id == person.id).options(joinedload(RoleGrant.unit))))
    return cache[person.id]


def remember_grants(person: Person, grants: list[RoleGrant]) -> None:
    """Grants already read in this request (their units loaded with them), for :func:`grants_of`."""
    g.setdefault("_grants", {})[person.id] = list(grants)


def roles_of(person: Person) -> set[str]:
    return {grant.role for grant in grants_of(person)}


def scope_units(person: Person, role: Role | str) -> list[Unit]:
    role = Role(role).value
    return [grant.unit for grant in grants_of(person) if grant.role == role]


def has_role(person: Person, role: Role | str, unit: Unit | None = None) -> bool:
    """Does ``person`` hold ``role`` at all (unit None), or over ``unit``?"""
    units = scope_units(person, role)
    if unit is None:
        return bool(units)
    return any(unit.is_within(scope) for scope in units)


def is_root_admin(person: Person) -> bool:
    """An admin whose scope is a top unit: keeper of the province-wide catalog (sequences, posts)."""
    return any(unit.parent_id is None for unit in scope_units(person, Role.admin))


def unit_scope_clause(person: Person, role: Role | str, path_column=Unit.path) -> ColumnElement[bool]:
    """SQL condition: the unit behind ``path_column`` lies inside one of the person's grants of ``role``."""
    paths = _minimal_paths([unit.path for unit in scope_units(person, role)])
    if not paths:
        return false()
    return or_(*(path_column.startswith(path, autoescape=True) for path in paths))


def _minimal_paths(paths: list[str]) -> list[str]:
    """Drop paths already covered by a shorter one."""
    kept: list[str] = []
    for path in sorted(set(paths), key=len):
        if not any(path.startswith(k) for k in kept):
            kept.append(path)
    return kept


def home_department_id(today: date | None = None):
    """SQL expression on Person: the department of their latest assignment begun by ``today``,
    else of their first future one. Mirrors :func:`home_unit`."""
    today = today or date.today()
    past = (select(Assignment.department_id)
            .where(Assignment.person_id == Person.id, Assignment.valid_from <= today)
            .order_by(Assignment.valid_from.desc()).limit(1).scalar_subquery())
    future = (select(Assignment.department_id)
              .where(Assignment.person_id == Person.id, Assignment.valid_from > today)
              .order_by(Assignment.valid_from).limit(1).scalar_subquery())
    return func.coalesce(past, future)


def home_unit(person: Person, day: date | None = None) -> Unit | None:
    """The unit a person belongs to: that of their latest assignment begun by ``day`` (today by default),
    else of their first future one. People who moved away stay with the unit they left last. Read from the
    person's assignments (ordered by date), which most pages that ask have loaded already."""
    day = day or date.today()
    assignments = person.assignments
    begun = [a for a in assignments if a.valid_from <= day]
    assignment = begun[-1] if begun else (assignments[0] if assignments else None)
    if assignment is None:
        return None
    return assignment.department.unit


# --- The rules -----------------------------------------------------------------------------------------


def can(person: Person | None, action: str, obj: object) -> bool:
    """May ``person`` do ``action`` ("view" or "manage") to ``obj``?"""
    if person is None or not getattr(person, "is_authenticated", False) or not person.active:
        return False
    if isinstance(obj, Unit):
        return has_role(person, Role.admin, obj)
    if isinstance(obj, Department):
        return has_role(person, Role.admin, obj.unit)
    if isinstance(obj, (Sequence, Post)):
        if action == "view":
            return has_role(person, Role.admin)
        return is_root_admin(person)
    if isinstance(obj, Person):
        return _can_person(person, action, obj)
    if isinstance(obj, RoleGrant):
        # Nobody changes their own roles, admins included.
        return obj.person_id != person.id and has_role(person, Role.admin, obj.unit) \
            and _can_person(person, "view", obj.person)
    return False


#: Actions on a person's account: whoever may do them can lock the person out or sign in as them.
ACCOUNT_ACTIONS = ("deactivate", "reset_password")


def _can_person(actor: Person, action: str, target: Person) -> bool:
    unit = home_unit(target)
    if unit is None:
        # Nobody's yet: only an admin of a top unit sees people without any assignment.
        allowed = is_root_admin(actor)
    else:
        allowed = has_role(actor, Role.admin, unit)
    if action in ACCOUNT_ACTIONS + ("grant",) and target.id == actor.id:
        return False
    if allowed and action in ACCOUNT_ACTIONS:
        # Setting someone's password hands over their powers: a city admin must not be able to take over
        # the province admin who happens to work in one of the city's stations.
        allowed = _covers_every_grant(actor, target)
    return allowed


def _covers_every_grant(actor: Person, target: Person) -> bool:
    """Is every role the target holds over units inside the actor's admin scope? Read afresh, not cached:
    the target's grants may have changed earlier in this request."""
    grants = db.session.scalars(select(RoleGrant).where(RoleGrant.person_id == target.id)
                                .options(selectinload(RoleGrant.unit)))
    return all(has_role(actor, Role.admin, grant.unit) for grant in grants)


def require(person: Person | None, action: str, obj: object | None) -> None:
    """Load → check: a missing object and one the person may not see both answer 404."""
    if obj is None or not can(person, "view", obj):
        abort(404)
    if action != "view" and not can(person, action, obj):
        abort(403)


def require_role(person: Person | None, role: Role | str) -> None:
    """For pages that list things: the person must hold the role somewhere, else 403."""
    if person is None or not getattr(person, "is_authenticated", False) or not has_role(person, role):
        abort(403)


def person_scope_clause(actor: Person) -> ColumnElement[bool]:
    """SQL condition on Person: the people an admin may see (same rule as :func:`can`)."""
    if is_root_admin(actor):
        return true()
    departments = (select(Department.id).join(Unit, Unit.id == Department.unit_id)
                   .where(unit_scope_clause(actor, Role.admin)))
    return home_department_id().in_(departments)


def can_view_work(viewer: Person | None, person: Person) -> bool:
    """May ``viewer`` see ``person``'s entries and ledger? The officer, their supervisor (on any assignment),
    and the panel, HR, administrators and leadership over their unit. Everyone else is answered 404."""
    if viewer is None or not getattr(viewer, "is_authenticated", False):
        return False
    if viewer.id == person.id:
        return True
    if any(a.supervisor_id == viewer.id for a in person.assignments):
        return True
    # The panel, HR, administrators and leadership of any unit the officer worked in: past work stays visible
    # where it was earned.
    units = {a.department.unit for a in person.assignments}
    return any(has_role(viewer, role, unit) for unit in units for role in LEDGER_ROLES)


def can_close_months(person: Person | None, unit: Unit) -> bool:
    """May ``person`` start the month close of ``unit`` and the units under it? Its panel or an administrator
    over it (a grant over a city covers its counties)."""
    if person is None or not getattr(person, "is_authenticated", False) or not person.active:
        return False
    return has_role(person, Role.panel, unit) or has_role(person, Role.admin, unit)


def can_view_job(person: Person | None, job) -> bool:
    """May ``person`` see a background job (its progress, its error, its file)? Whoever started it and the
    administrators over its unit; a round's export or judgement also whoever may see the round (its HR)."""
    if person is None or not getattr(person, "is_authenticated", False) or not person.active:
        return False
    if job.created_by_id == person.id or has_role(person, Role.admin, job.unit):
        return True
    from models import JobKind
    return job.kind in (JobKind.round_export.value, JobKind.round_judge.value) and has_role(person, Role.hr, job.unit)


def can_download_job_file(person: Person | None, job) -> bool:
    """A job's file holds what its source shows: a round's export is for whoever may see the round (its HR)."""
    from models import JobKind
    if not can_view_job(person, job):
        return False
    return job.kind == JobKind.round_export.value and has_role(person, Role.hr, job.unit)


# --- People a form names by badge ------------------------------------------------------------------------------------


def may_delegate_for(actor: Person, supervisor: Person) -> bool:
    """May ``actor`` name an acting supervisor for ``supervisor``? The supervisor themselves, or an administrator
    over the unit they belong to."""
    if actor.id == supervisor.id:
        return True
    unit = home_unit(supervisor)
    return unit is not None and has_role(actor, Role.admin, unit)


def may_act_for(acting: Person, supervisor: Person) -> bool:
    """May ``acting`` review for ``supervisor``? Someone of the supervisor's own unit (or a unit under it): a
    supervisor cannot hand their officers' work, nor learn a name, anywhere in the province."""
    unit, theirs = home_unit(supervisor), home_unit(acting)
    return unit is not None and theirs is not None and theirs.is_within(unit)


# --- The rules of each area (moved here from their modules, which import them back under their old names) -----------
#
# A predicate (may_…, can_…) answers; a require_… raises ServiceError (a refused change, shown on the page) or
# OutOfScope (answered 404, as for a missing object). Neither calls ``abort``: services call them too.


def _signed_in(person: Person | None) -> bool:
    return person is not None and getattr(person, "is_authenticated", False) and person.active


def unit_for(person: Person | None, role: Role | str, unit_id: int) -> Unit:
    """Load → check for pages of a unit's panel, HR …: the unit if ``person`` holds ``role`` over it; a unit
    elsewhere is answered as a missing one."""
    unit = db.session.get(Unit, unit_id)
    if unit is None or not _signed_in(person) or not has_role(person, role, unit):
        raise OutOfScope()
    return unit


def may_review(actor: Person, person: Person, day: date) -> bool:
    """Nobody reviews their own work, whatever roles they hold: the officer's supervisor on that day reviews it,
    or whoever acts for that supervisor then."""
    if actor.id == person.id:
        return False
    assignment = person.assignment_on(day)
    if assignment is None or assignment.supervisor_id is None:
        return False
    if actor.id == assignment.supervisor_id:
        return True
    from worklog.weekly.queries import _acting_for
    return any(supervisor == assignment.supervisor_id and start <= day <= end
               for supervisor, start, end in _acting_for(actor.id))


def may_sign(actor: Person, person: Person, monday: date) -> bool:
    """The week is signed by whoever reviews its last day on which the officer held a post."""
    from worklog.weekly.queries import signing_day
    day = signing_day(person, monday)
    return day is not None and may_review(actor, person, day)


def require_own_day(person: Person, actor: Person) -> None:
    if person.id != actor.id:
        raise ServiceError(_("Only the officer can change their own day."))


#: Who reads a unit's ledgers: its assessment panel, HR, administrators and leadership (each grant covers the
#: subtree).
LEDGER_ROLES = (Role.panel, Role.hr, Role.admin, Role.leader)


def can_view_ledger(person: Person | None, unit: Unit) -> bool:
    """May ``person`` read the ledgers of ``unit``? Everyone else is answered 404, like a missing unit."""
    return _signed_in(person) and any(has_role(person, role, unit) for role in LEDGER_ROLES)


def leads(actor: Person | None, unit: Unit | None) -> bool:
    """Leadership (局领导) over ``unit``: a grant over a city covers its counties. The role reads; it changes
    nothing anywhere (no rule here or elsewhere lets it)."""
    return unit is not None and _signed_in(actor) and has_role(actor, Role.leader, unit)


#: Who reads leadership's view of a unit: those who read its ledgers, its leadership among them.
LEADERSHIP_ROLES = LEDGER_ROLES


def may_view_leadership(person: Person | None, unit: Unit | None = None) -> bool:
    """Anywhere (``unit`` None: may the person open the view at all), or over ``unit``."""
    return _signed_in(person) and any(has_role(person, role, unit) for role in LEADERSHIP_ROLES)


def require_panel(actor: Person, unit: Unit) -> None:
    """The unit's assessment panel (a panel over a city covers its counties) closes its months and its year."""
    if not has_role(actor, Role.panel, unit):
        raise ServiceError(_("Only the unit's assessment panel can do this."))


def require_hr(actor: Person, unit: Unit) -> None:
    if not has_role(actor, Role.hr, unit):
        raise ServiceError(_("Only HR over this unit can do this."))


def may_manage_catalog(person: Person | None) -> bool:
    """The catalog (sequences, posts, task types) and the calendar are province-wide: only administrators of the
    top unit change them."""
    return _signed_in(person) and is_root_admin(person)


def require_catalog_manager(person: Person | None) -> None:
    if not may_manage_catalog(person):
        abort(403)


def require_evaluation_keeper(actor: Person | None) -> None:
    if actor is None or not is_root_admin(actor):
        raise ServiceError(_("Only an administrator of the province records and seals units' evaluations."))


# --- Indicators set from above (上级考下级) ------------------------------------------------------------------------


def may_set_indicators(person: Person | None, unit: Unit) -> bool:
    """The administrators over a unit set the indicators of the units directly under it (the unit above
    assesses the one below)."""
    return _signed_in(person) and has_role(person, Role.admin, unit)


def may_break_down(person: Person | None, unit: Unit) -> bool:
    """A unit's administrators break its targets down to its departments and officers."""
    return _signed_in(person) and has_role(person, Role.admin, unit)


def may_view_progress(person: Person | None, unit: Unit) -> bool:
    """A unit's progress against its indicators: whoever reads its ledgers (its panel, HR and administrators,
    and theirs above it, whose grants cover it)."""
    return can_view_ledger(person, unit)


#: Who imports opinion polls: survey staff and administrators over the unit.
POLL_IMPORT_ROLES = (Role.survey, Role.admin)


def may_import_polls(person: Person, unit: Unit | None = None) -> bool:
    return any(has_role(person, role, unit) for role in POLL_IMPORT_ROLES)


#: Who reads the survey's statistics and the units' evaluation of their units.
STATISTICS_ROLES = (Role.survey, Role.admin, Role.panel, Role.hr)


def may_view_statistics(person: Person | None, unit: Unit | None = None) -> bool:
    """Anywhere (``unit`` None: may the person open the pages at all), or over ``unit``."""
    return _signed_in(person) and any(has_role(person, role, unit) for role in STATISTICS_ROLES)


#: Who answers a dissatisfied caller's follow-up for their unit.
FOLLOW_UP_ROLES = (Role.admin, Role.panel)


def surveys(actor: Person, unit: Unit | None) -> bool:
    """Survey staff over the unit make its draws and calls."""
    return unit is not None and has_role(actor, Role.survey, unit)


def may_reply(actor: Person, follow_up) -> bool:
    return any(has_role(actor, role, follow_up.unit) for role in FOLLOW_UP_ROLES)


def may_see_follow_up(actor: Person, follow_up) -> bool:
    """The unit side and the survey staff over the follow-up's unit; inspectors over it (a case may be an
    officer's fault); and, once escalated, the unit side of the unit it went to."""
    if follow_up is None:
        return False
    unit = follow_up.unit
    if may_reply(actor, follow_up) or surveys(actor, unit) or has_role(actor, Role.inspector, unit):
        return True
    above = follow_up.escalated_to
    return above is not None and any(has_role(actor, role, above) for role in FOLLOW_UP_ROLES)


def may_verify(actor: Person, follow_up) -> bool:
    """The survey staff over the follow-up's unit call the person back once the unit has replied."""
    return follow_up is not None and surveys(actor, follow_up.unit)


def may_turn_into_finding(actor: Person, follow_up) -> bool:
    """An inspector over the follow-up's unit may record the case as an officer's fault (a finding)."""
    return follow_up is not None and has_role(actor, Role.inspector, follow_up.unit)


def may_see_praise(actor: Person, praise) -> bool:
    """Praise heard on a call: the survey staff over its unit, who recorded it, and the unit's panel."""
    return praise is not None and (surveys(actor, praise.unit) or has_role(actor, Role.panel, praise.unit))


def may_commend(actor: Person, praise) -> bool:
    """The panel over the praise's unit turns it into a commendation."""
    return praise is not None and has_role(actor, Role.panel, praise.unit)


# --- Inspection (督察) and rectification (整改) ------------------------------------------------------------------
#
# An inspector's grant covers its unit's subtree: they record findings there and verify the rectifications. The
# unit's side (FOLLOW_UP_ROLES, as for the survey's follow-ups) answers a rectification. A rectification escalated
# past its deadline is also the business of the unit it went to. Anything else is answered 404, as if missing.

#: Who answers a rectification for the unit named by a finding (the same people who answer survey follow-ups).
RECTIFICATION_ROLES = FOLLOW_UP_ROLES


def inspects(actor: Person | None, unit: Unit | None) -> bool:
    """An inspector over ``unit`` (a grant over a city covers its counties)."""
    return unit is not None and _signed_in(actor) and has_role(actor, Role.inspector, unit)


def answers_for(actor: Person | None, unit: Unit | None) -> bool:
    """The unit's side: its panel or an administrator over it."""
    return unit is not None and _signed_in(actor) and any(has_role(actor, role, unit) for role in RECTIFICATION_ROLES)


def _escalated_unit(finding) -> Unit | None:
    rectification = finding.rectification
    return rectification.escalated_to if rectification is not None and rectification.escalated_at else None


def may_see_finding(actor: Person | None, finding) -> bool:
    """Inspectors over the finding's unit (or over the unit it was escalated to), and the unit's own side."""
    if finding is None or not _signed_in(actor):
        return False
    if inspects(actor, finding.unit) or answers_for(actor, finding.unit):
        return True
    above = _escalated_unit(finding)
    return above is not None and (inspects(actor, above) or answers_for(actor, above))


def may_inspect(actor: Person | None, finding) -> bool:
    """Voiding a finding and verifying its rectification: an inspector over its unit or the unit it escalated to.
    Nobody acts on a finding about themselves."""
    if finding is None or not _signed_in(actor) or finding.person_id == actor.id:
        return False
    above = _escalated_unit(finding)
    return inspects(actor, finding.unit) or (above is not None and inspects(actor, above))


def may_answer(actor: Person | None, finding) -> bool:
    """The rectification's answer: the unit's side of the finding's own unit, never the officer it names."""
    return (finding is not None and _signed_in(actor) and finding.person_id != actor.id
            and answers_for(actor, finding.unit))


def require_finding(actor: Person | None, finding) -> None:
    """Load → check: a finding out of scope is answered as a missing one."""
    if not may_see_finding(actor, finding):
        raise OutOfScope()


def finding_scope_clause(actor: Person, roles=(Role.inspector,) + RECTIFICATION_ROLES, unit=Unit, escalated=None):
    """SQL condition on a finding's unit (``unit``, joined) or, when ``escalated`` (the escalated-to unit, joined
    through an outer join) is given, on the unit a rectification went to: the actor holds one of ``roles`` over
    it."""
    own = [unit_scope_clause(actor, role, unit.path) for role in roles]
    if escalated is not None:
        own += [unit_scope_clause(actor, role, escalated.path) for role in roles]
    return or_(*own)


# --- API clients ----------------------------------------------------------------------------------------------


def may_manage_api_clients(person: Person | None) -> bool:
    """Systems are registered province-wide: only administrators of the top unit register, change, rotate and
    revoke API clients."""
    return _signed_in(person) and is_root_admin(person)


def require_api_client_manager(person: Person | None) -> None:
    if not may_manage_api_clients(person):
        abort(403)


def api_client_may(client, operation: str) -> bool:
    """May the API client use the named operation ("read:people" …)?"""
    return client is not None and client.revoked_at is None and operation in (client.operations or [])


def api_unit_scope_clause(client, path_column=Unit.path) -> ColumnElement[bool]:
    """SQL condition: the unit behind ``path_column`` lies under one of the client's units."""
    paths = _minimal_paths([unit.path for unit in client.units if unit.path]) if client is not None else []
    if not paths:
        return false()
    return or_(*(path_column.startswith(path, autoescape=True) for path in paths))


def api_unit_for(client, unit_id: int) -> Unit:
    """The unit an API client asks for, if it may read it; else :class:`OutOfScope` (404, as if missing)."""
    unit = db.session.get(Unit, unit_id) if 0 < unit_id <= 2**31 - 1 else None
    if unit is None or client is None or not any(unit.is_within(scope) for scope in client.units):
        raise OutOfScope()
    return unit


# --- Decisions and honours on record (奖惩兑现) ------------------------------------------------------------------


def may_view_record(viewer: Person | None, person: Person) -> bool:
    """An officer's decisions and honours: HR over any unit the officer worked in (a past unit's HR keeps what it
    decided in sight), as for the officer's ledger. The officer reads their own under /my/record. Everyone else
    is answered 404."""
    if not _signed_in(viewer) or person is None:
        return False
    units = {a.department.unit for a in person.assignments}
    return any(has_role(viewer, Role.hr, unit) for unit in units)
