"""The access matrix (issue 11, build point 7): for every route and method of ``app.url_map``, who may use it.

One row per (rule, method); a route added without a row fails ``test_the_matrix_covers_every_route``. Each role
below signs in (real sessions, real requests through the test client) and requests every row against objects of
a small world (county A's officer, entry, week, month, year, round, draw, call …); a role outside the row's set
must be answered 403 or 404 (a signed-out browser: sent to sign in), a role inside it anything but those (and
never a 500). Nothing a request does is kept (each request is rolled back), so every row sees the same world.

Roles: ``officer`` … ``root_admin`` act in county A (or over city A / the province); ``*_b`` hold the same role in
county B (city B), for the routes whose answer depends on scope.
"""
from __future__ import annotations

import re
from datetime import date, datetime, timezone

import pytest
from flask import g
from sqlalchemy import select

from models import Role, RoleGrant
from tests.auth_helpers import browser
from tests.daily.conftest import catalog  # noqa: F401  (the day fixtures, shared)
from tests.factories import make_person, sign_in
from tests.weekly.conftest import MONDAY, REVIEW_TIME, log_week
from worklog.extensions import db

ROLES = ["anonymous", "officer", "supervisor", "panel", "unit_admin", "hr", "survey", "root_admin", "inspector",
         "leader", "officer_b", "supervisor_b", "panel_b", "unit_admin_b", "hr_b", "survey_b", "inspector_b",
         "leader_b"]

#: Badge of each signed-in role (made by tests.factories.build_org, and by the ``world`` fixture for the *_b).
BADGES = {"officer": "200002", "supervisor": "200001", "panel": "200003", "unit_admin": "100002", "hr": "200004",
          "survey": "400001", "root_admin": "100001", "officer_b": "300002", "supervisor_b": "300001",
          "panel_b": "300003", "unit_admin_b": "100003", "hr_b": "300004", "survey_b": "400002",
          "inspector": "500001", "inspector_b": "500002", "leader": "600001", "leader_b": "600002"}

SIGNED_IN = frozenset(ROLES) - {"anonymous"}
EVERYONE = frozenset(ROLES)
ADMINS = frozenset({"unit_admin", "unit_admin_b", "root_admin"})
ADMIN_A = frozenset({"unit_admin", "root_admin"})  # administrators over county A
ROOT = frozenset({"root_admin"})
PANEL_A = frozenset({"panel"})
PANELS = frozenset({"panel", "panel_b"})
HR_A = frozenset({"hr"})
HRS = frozenset({"hr", "hr_b"})
SURVEY_A = frozenset({"survey"})
SURVEYS = frozenset({"survey", "survey_b"})
SUPERVISORS = frozenset({"supervisor", "supervisor_b"})
#: Whoever sees officer A's work: the officer, their supervisor, and the panel, HR and administrators over county A.
WORK_A = frozenset({"officer", "supervisor", "panel", "hr", "unit_admin", "root_admin", "leader"})
#: Whoever reads county A's ledgers.
LEDGER_A = frozenset({"panel", "hr", "unit_admin", "root_admin", "leader"})
LEDGER_ANY = LEDGER_A | {"panel_b", "hr_b", "unit_admin_b", "leader_b"}
#: The survey's statistics and the units' evaluation: survey staff, administrators, panels and HR.
STATISTICS = SURVEYS | ADMINS | PANELS | HRS
#: Inspection: the inspectors of county A and B record findings; a finding of county A is seen by county A's inspector
#: and its unit side (panel, administrators over it), which answers its rectification.
INSPECTOR_A = frozenset({"inspector"})
INSPECTORS = frozenset({"inspector", "inspector_b"})
INSPECTION_PAGES = INSPECTORS | ADMINS | PANELS
FINDING_A = INSPECTOR_A | ADMIN_A | PANEL_A
#: Leadership's view: whoever reads the ledgers, the leadership (局领导) over city A (so county A) among them. The
#: role reads; it appears in no row that changes anything but a person's own (tests/leadership/test_access.py).
LEADERSHIP_A = LEDGER_A
#: Whoever logs days: everyone with a post (every account of the world has one).
LOGGERS = SIGNED_IN
NOBODY = frozenset()


# (rule, method) → who may use it. Objects in the rule are those of county A (see the ``world`` fixture).
MATRIX: dict[tuple[str, str], frozenset] = {
    ("/", "GET"): SIGNED_IN,
    ("/healthz", "GET"): EVERYONE,
    ("/static/<path:filename>", "GET"): EVERYONE,
    ("/sign-in", "GET"): EVERYONE,
    ("/sign-in", "POST"): EVERYONE,
    ("/sign-out", "POST"): SIGNED_IN,
    ("/language", "POST"): EVERYONE,
    ("/account/password", "GET"): SIGNED_IN,
    ("/account/password", "POST"): SIGNED_IN,
    # Indicators set from above: City A's administrators (and the province's) set County A's; County A's
    # administrators break them down; whoever reads County A's ledgers follows its progress.
    ("/indicators/", "GET"): ADMINS | PANELS | HRS,
    ("/indicators/units/<int:unit_id>/plans", "GET"): ADMIN_A,
    ("/indicators/units/<int:unit_id>/plans", "POST"): ADMIN_A,
    ("/indicators/plans/<int:plan_id>", "GET"): ADMIN_A,
    ("/indicators/plans/<int:plan_id>/indicators/new", "GET"): ADMIN_A,
    ("/indicators/plans/<int:plan_id>/indicators/new", "POST"): ADMIN_A,
    ("/indicators/plans/<int:plan_id>/indicators/<int:indicator_id>", "GET"): ADMIN_A,
    ("/indicators/plans/<int:plan_id>/indicators/<int:indicator_id>", "POST"): ADMIN_A,
    ("/indicators/indicators/<int:indicator_id>/remove", "POST"): ADMIN_A,
    ("/indicators/indicators/<int:indicator_id>/targets", "GET"): ADMIN_A,
    ("/indicators/indicators/<int:indicator_id>/targets", "POST"): ADMIN_A,
    ("/indicators/indicators/<int:indicator_id>/values", "GET"): ADMIN_A,
    ("/indicators/indicators/<int:indicator_id>/values", "POST"): ADMIN_A,
    ("/indicators/units/<int:unit_id>/targets", "GET"): LEDGER_A,
    ("/indicators/targets/<int:target_id>/breakdown", "GET"): ADMIN_A,
    ("/indicators/targets/<int:target_id>/breakdown", "POST"): ADMIN_A,
    ("/indicators/shares/<int:share_id>/officers", "GET"): ADMIN_A,
    ("/indicators/shares/<int:share_id>/officers", "POST"): ADMIN_A,
    ("/indicators/progress/<int:unit_id>", "GET"): LEDGER_A,
    ("/indicators/progress/<int:unit_id>/entries/<int:indicator_id>", "GET"): LEDGER_A,
    ("/notifications", "GET"): SIGNED_IN,
    ("/notifications", "POST"): SIGNED_IN,
    # Each person's own mail settings: no object of anyone else's in the address, so everyone signed in.
    ("/notifications/settings", "GET"): SIGNED_IN,
    ("/notifications/settings", "POST"): SIGNED_IN,
    # Administration: org tree, people, catalog (the catalog's changes: the province's administrators only).
    ("/admin/", "GET"): ADMINS,
    ("/admin/audit", "GET"): ADMINS,
    ("/admin/people", "GET"): ADMINS,
    ("/admin/people/new", "GET"): ADMINS,
    ("/admin/people/new", "POST"): ADMINS,
    ("/admin/import", "GET"): ADMINS,
    ("/admin/import", "POST"): ADMINS,
    ("/admin/catalog", "GET"): ADMINS,
    ("/admin/people/<int:person_id>", "GET"): ADMIN_A,
    ("/admin/people/<int:person_id>/active", "POST"): ADMIN_A,
    ("/admin/people/<int:person_id>/assignments", "POST"): ADMIN_A,
    ("/admin/people/<int:person_id>/assignments/end", "POST"): ADMIN_A,
    ("/admin/people/<int:person_id>/details", "POST"): ADMIN_A,
    ("/admin/people/<int:person_id>/password", "POST"): ADMIN_A,
    ("/admin/people/<int:person_id>/roles", "POST"): ADMIN_A,
    ("/admin/people/<int:person_id>/roles/<int:grant_id>/revoke", "POST"): ADMIN_A,
    ("/admin/units/<int:unit_id>", "GET"): ADMIN_A,
    ("/admin/units/<int:unit_id>", "POST"): ADMIN_A,
    ("/admin/units/<int:parent_id>/units/new", "GET"): ADMIN_A,
    ("/admin/units/<int:parent_id>/units/new", "POST"): ADMIN_A,
    ("/admin/units/<int:unit_id>/departments/new", "GET"): ADMIN_A,
    ("/admin/units/<int:unit_id>/departments/new", "POST"): ADMIN_A,
    ("/admin/departments/<int:department_id>", "GET"): ADMIN_A,
    ("/admin/departments/<int:department_id>", "POST"): ADMIN_A,
    ("/admin/sequences/new", "GET"): ROOT,
    ("/admin/sequences/new", "POST"): ROOT,
    ("/admin/sequences/<int:sequence_id>", "GET"): ROOT,
    ("/admin/sequences/<int:sequence_id>", "POST"): ROOT,
    ("/admin/posts/new", "GET"): ROOT,
    ("/admin/posts/new", "POST"): ROOT,
    ("/admin/posts/<int:post_id>", "GET"): ROOT,
    ("/admin/posts/<int:post_id>", "POST"): ROOT,
    ("/admin/tasks", "GET"): ADMINS,
    ("/admin/tasks/export.<fmt>", "GET"): ADMINS,
    ("/admin/tasks/new", "GET"): ROOT,
    ("/admin/tasks/new", "POST"): ROOT,
    ("/admin/tasks/import", "POST"): ROOT,
    ("/admin/tasks/<int:task_type_id>", "GET"): ADMINS,
    ("/admin/tasks/<int:task_type_id>", "POST"): ROOT,
    ("/admin/tasks/<int:task_type_id>/versions", "POST"): ROOT,
    ("/admin/task-categories", "GET"): ADMINS,
    ("/admin/task-categories/new", "GET"): ROOT,
    ("/admin/task-categories/new", "POST"): ROOT,
    ("/admin/task-categories/<int:category_id>", "GET"): ROOT,
    ("/admin/task-categories/<int:category_id>", "POST"): ROOT,
    ("/admin/task-categories/<int:category_id>/delete", "POST"): ROOT,
    ("/admin/calendar", "GET"): ADMINS,
    ("/admin/calendar", "POST"): ROOT,
    ("/admin/calendar/<isodate:day>/delete", "POST"): ROOT,
    ("/admin/rules/", "GET"): ADMINS,
    ("/admin/rules/", "POST"): ROOT,
    # API clients: registered, changed, rotated and revoked by the province's administrators.
    ("/admin/api-clients", "GET"): ROOT,
    ("/admin/api-clients/new", "GET"): ROOT,
    ("/admin/api-clients/new", "POST"): ROOT,
    ("/admin/api-clients/<int:client_id>", "GET"): ROOT,
    ("/admin/api-clients/<int:client_id>", "POST"): ROOT,
    ("/admin/api-clients/<int:client_id>/rotate", "POST"): ROOT,
    ("/admin/api-clients/<int:client_id>/revoke", "POST"): ROOT,
    # Work facts: mappings, the waiting queue, the reconciliation and file feeds, province-wide as the systems are.
    ("/admin/facts/", "GET"): ROOT,
    ("/admin/facts/mappings", "GET"): ROOT,
    ("/admin/facts/mappings/new", "GET"): ROOT,
    ("/admin/facts/mappings/new", "POST"): ROOT,
    ("/admin/facts/mappings/<int:mapping_id>", "GET"): ROOT,
    ("/admin/facts/mappings/<int:mapping_id>", "POST"): ROOT,
    ("/admin/facts/mappings/import", "GET"): ROOT,
    ("/admin/facts/mappings/import", "POST"): ROOT,
    ("/admin/facts/waiting", "GET"): ROOT,
    ("/admin/facts/waiting/match", "POST"): ROOT,
    ("/admin/facts/reconciliation", "GET"): ROOT,
    ("/admin/facts/reconciliation.xlsx", "GET"): ROOT,
    ("/admin/facts/upload", "GET"): ROOT,
    ("/admin/facts/upload", "POST"): ROOT,
    # The JSON API: systems with a token (tests/api), never a browser's session (401); its document is public.
    ("/api/v1/units", "GET"): NOBODY,
    ("/api/v1/people", "GET"): NOBODY,
    ("/api/v1/assignments", "GET"): NOBODY,
    ("/api/v1/monthly-results", "GET"): NOBODY,
    ("/api/v1/annual-results", "GET"): NOBODY,
    ("/api/v1/published-lists", "GET"): NOBODY,
    ("/api/v1/ledgers/units", "GET"): NOBODY,
    ("/api/v1/ledgers/departments", "GET"): NOBODY,
    ("/api/v1/events", "GET"): NOBODY,
    ("/api/v1/work-facts", "POST"): NOBODY,
    ("/api/v1/openapi.json", "GET"): EVERYONE,
    ("/api/v1/docs", "GET"): EVERYONE,
    # The day: each officer's own.
    ("/day", "GET"): LOGGERS,
    ("/day/<isodate:day>", "GET"): LOGGERS,
    ("/day/<isodate:day>/copy", "POST"): LOGGERS,
    ("/day/<isodate:day>/entries", "POST"): LOGGERS,
    ("/day/<isodate:day>/submit", "POST"): LOGGERS,
    ("/entries/<int:entry_id>/edit", "GET"): frozenset({"officer"}),
    ("/entries/<int:entry_id>/edit", "POST"): frozenset({"officer"}),
    ("/entries/<int:entry_id>/delete", "POST"): frozenset({"officer"}),
    ("/favourites/<int:task_type_id>", "POST"): LOGGERS,
    ("/ledger", "GET"): SIGNED_IN,
    ("/ledger/<month>", "GET"): SIGNED_IN,
    ("/ledger/<month>/export.<fmt>", "GET"): SIGNED_IN,
    ("/people/<int:person_id>/ledger", "GET"): WORK_A,
    ("/people/<int:person_id>/ledger/<month>", "GET"): WORK_A,
    ("/people/<int:person_id>/ledger/<month>/export.<fmt>", "GET"): WORK_A,
    # The week: the officer's supervisor (or whoever acts for them); the panel reopens.
    ("/review", "GET"): SIGNED_IN,
    ("/review/<int:person_id>/<isodate:week>", "GET"): frozenset({"supervisor", "panel"}),
    ("/review/<int:person_id>/<isodate:week>/approve-all", "POST"): frozenset({"supervisor"}),
    ("/review/<int:person_id>/<isodate:week>/sign", "POST"): frozenset({"supervisor"}),
    ("/review/<int:person_id>/<isodate:week>/unsign", "GET"): PANEL_A,
    ("/review/<int:person_id>/<isodate:week>/unsign", "POST"): PANEL_A,
    ("/review/entries/<int:entry_id>/approve", "POST"): frozenset({"supervisor"}),
    ("/review/entries/<int:entry_id>/adjust", "POST"): frozenset({"supervisor"}),
    ("/review/entries/<int:entry_id>/return", "POST"): frozenset({"supervisor"}),
    ("/review/sign-all", "GET"): SIGNED_IN,
    ("/review/sign-all", "POST"): SIGNED_IN,
    ("/review/reminders", "GET"): SIGNED_IN,
    ("/review/delegations", "GET"): SIGNED_IN,
    ("/review/delegations", "POST"): SIGNED_IN,
    ("/review/delegations/<int:delegation_id>/end", "POST"): frozenset({"supervisor", "panel"}),
    ("/review/tasks", "GET"): SIGNED_IN,
    ("/review/tasks", "POST"): SIGNED_IN,
    ("/review/tasks/<int:task_id>/withdraw", "POST"): frozenset({"supervisor"}),
    ("/tasks/<int:task_id>/log", "POST"): frozenset({"officer"}),
    # The month: county A's panel.
    ("/month", "GET"): PANELS,
    ("/month/<int:unit_id>/<month>", "GET"): PANEL_A,
    ("/month/<int:unit_id>/<month>/completeness", "GET"): PANEL_A,
    ("/month/<int:unit_id>/<month>/open", "POST"): PANEL_A,
    ("/month/<int:unit_id>/<month>/compute", "POST"): PANEL_A,
    ("/month/<int:unit_id>/<month>/publish", "GET"): PANEL_A,  # what publishing will do, and the button
    ("/month/<int:unit_id>/<month>/publish", "POST"): PANEL_A,
    ("/month/<int:unit_id>/<month>/finalise", "GET"): PANEL_A,
    ("/month/<int:unit_id>/<month>/finalise", "POST"): PANEL_A,
    ("/month/<int:unit_id>/<month>/reopen", "POST"): PANEL_A,
    ("/month/<int:unit_id>/<month>/adjustments", "POST"): PANEL_A,
    ("/month/<int:unit_id>/<month>/vetoes", "POST"): PANEL_A,
    ("/month/adjustments/<int:item_id>/withdraw", "POST"): PANEL_A,
    ("/month/vetoes/<int:item_id>/withdraw", "POST"): PANEL_A,
    ("/month/appeals/<int:appeal_id>/decide", "POST"): PANEL_A,
    # Supervisor leniency: the unit's panel (a panel over a city covers its counties).
    ("/leniency/<int:unit_id>/<month>", "GET"): PANEL_A,
    ("/leniency/<int:unit_id>/<month>/export.xlsx", "GET"): PANEL_A,
    # The officer reads their own once the month is published (the world's is not).
    ("/month/results/<int:result_id>", "GET"): PANEL_A,
    ("/month/results/<int:result_id>/override", "POST"): PANEL_A,
    ("/my/months", "GET"): SIGNED_IN,
    ("/my/months/<int:review_id>", "GET"): NOBODY,  # the officer's, once published (the world's is not)
    ("/my/months/<int:review_id>", "POST"): NOBODY,
    # The year: county A's panel; HR over city A for rounds, lists and bonuses.
    ("/year/<int:unit_id>/<int:year>", "GET"): PANEL_A,
    ("/year/<int:unit_id>/<int:year>/<action>", "POST"): PANEL_A,
    ("/year/<int:unit_id>/<int:year>/adjustments", "POST"): PANEL_A,
    ("/year/appeals/<int:appeal_id>/decide", "POST"): PANEL_A,
    ("/my/years", "GET"): SIGNED_IN,
    ("/my/years/<int:review_id>", "GET"): NOBODY,  # likewise
    ("/my/years/<int:review_id>", "POST"): NOBODY,
    ("/my/eligibility", "GET"): SIGNED_IN,
    ("/hr", "GET"): HRS,
    ("/hr", "POST"): HRS,
    ("/hr/rounds/<int:round_id>", "GET"): HR_A,
    ("/hr/rounds/<int:round_id>/compute", "POST"): HR_A,
    ("/hr/rounds/<int:round_id>/export.xlsx", "GET"): HR_A,
    ("/hr/rounds/<int:round_id>/policy", "POST"): HR_A,
    ("/hr/rounds/<int:round_id>/publish", "GET"): HR_A,
    ("/hr/rounds/<int:round_id>/publish", "POST"): HR_A,
    ("/hr/rounds/<int:round_id>/rules", "POST"): HR_A,
    ("/hr/lists/<int:unit_id>/<int:year>", "GET"): HR_A,
    ("/hr/bonus/<int:unit_id>/<int:year>", "GET"): HR_A,
    ("/hr/bonus/<int:unit_id>/<int:year>", "POST"): HR_A,
    # Decisions on record: HR over the round's or the list's unit (the world's round is a draft: its outcomes are
    # refused, 422, its officer's page sends back to the list); an honour of county A; the officer's record.
    ("/hr/rounds/<int:round_id>/decisions", "GET"): HR_A,
    ("/hr/rounds/<int:round_id>/decisions", "POST"): HR_A,
    ("/hr/rounds/<int:round_id>/decisions/<int:person_id>", "GET"): HR_A,
    ("/hr/rounds/<int:round_id>/decisions/<int:person_id>", "POST"): HR_A,
    ("/hr/rounds/<int:round_id>/decisions/export.xlsx", "GET"): HR_A,
    ("/hr/lists/<int:unit_id>/<int:year>/actions", "GET"): HR_A,
    ("/hr/lists/<int:unit_id>/<int:year>/actions/<int:person_id>", "GET"): HR_A,
    ("/hr/lists/<int:unit_id>/<int:year>/actions/<int:person_id>", "POST"): HR_A,
    ("/hr/lists/<int:unit_id>/<int:year>/actions/export.xlsx", "GET"): HR_A,
    ("/hr/honours/<int:unit_id>/<int:year>", "GET"): HR_A,
    ("/hr/honours/<int:unit_id>/<int:year>", "POST"): HR_A,
    ("/hr/honours/<int:unit_id>/<int:year>/proposals", "GET"): HR_A,
    ("/hr/honours/<int:unit_id>/<int:year>/proposals", "POST"): HR_A,
    ("/hr/honours/<int:unit_id>/<int:year>/export.xlsx", "GET"): HR_A,
    ("/hr/honours/<int:honour_id>/revoke", "GET"): HR_A,
    ("/hr/honours/<int:honour_id>/revoke", "POST"): HR_A,
    ("/hr/people/<int:person_id>/record", "GET"): HR_A,
    ("/my/record", "GET"): SIGNED_IN,
    ("/hr/bonus/<int:unit_id>/months/<month>", "GET"): HR_A,
    ("/hr/bonus/<int:unit_id>/months/<month>", "POST"): HR_A,
    # Ledgers.
    ("/ledgers/", "GET"): LEDGER_ANY,
    ("/ledgers/units/<int:unit_id>", "GET"): LEDGER_A,
    ("/ledgers/units/<int:unit_id>/<month>", "GET"): LEDGER_A,
    ("/ledgers/units/<int:unit_id>/<month>/export.xlsx", "GET"): LEDGER_A,
    ("/ledgers/units/<int:unit_id>/<month>/departments", "GET"): LEDGER_A,
    ("/ledgers/units/<int:unit_id>/<month>/departments/export.xlsx", "GET"): LEDGER_A,
    ("/ledgers/units/<int:unit_id>/year/<int:year>", "GET"): LEDGER_A,
    ("/ledgers/units/<int:unit_id>/year/<int:year>/export.xlsx", "GET"): LEDGER_A,
    ("/ledgers/departments/<int:department_id>/<month>", "GET"): LEDGER_A,
    ("/ledgers/departments/<int:department_id>/<month>/export.xlsx", "GET"): LEDGER_A,
    # Leadership's view.
    ("/leadership/", "GET"): LEDGER_ANY,
    ("/leadership/<int:unit_id>", "GET"): LEADERSHIP_A,
    ("/leadership/<int:unit_id>/export.xlsx", "GET"): LEADERSHIP_A,
    # Background jobs: whoever started one (HR A started the round's) and the administrators over its unit.
    ("/jobs", "GET"): SIGNED_IN,
    ("/jobs", "POST"): PANELS | ADMINS,
    ("/jobs/<int:job_id>", "GET"): frozenset({"hr", "unit_admin", "root_admin"}),
    ("/jobs/<int:job_id>.json", "GET"): frozenset({"hr", "unit_admin", "root_admin"}),
    ("/jobs/<int:job_id>/download", "GET"): NOBODY,  # the world's job (a round's judgement) has no file
    ("/jobs/<int:job_id>/run-again", "POST"): frozenset({"hr", "unit_admin", "root_admin"}),
    ("/jobs/round-export/<int:round_id>", "POST"): HR_A,
    # The police-service survey: the survey staff over the contact's unit; the unit's side answers follow-ups.
    ("/survey/", "GET"): SURVEYS,
    ("/survey/draws", "GET"): SURVEYS,
    ("/survey/draws", "POST"): SURVEYS,
    ("/survey/draws/<int:draw_id>", "GET"): SURVEY_A,
    ("/survey/calls/<int:call_id>", "GET"): SURVEY_A,
    ("/survey/calls/<int:call_id>", "POST"): SURVEY_A,
    ("/survey/calls/<int:call_id>/correct", "GET"): SURVEY_A,
    ("/survey/calls/<int:call_id>/correct", "POST"): SURVEY_A,
    ("/survey/contacts", "GET"): SURVEYS,
    ("/survey/contacts/import", "GET"): SURVEYS,
    ("/survey/contacts/import", "POST"): SURVEYS,
    ("/survey/follow-ups", "GET"): SURVEYS | ADMINS | PANELS | INSPECTORS,
    ("/survey/follow-ups/<int:follow_up_id>", "GET"): SURVEY_A | ADMIN_A | PANEL_A | INSPECTOR_A,
    ("/survey/follow-ups/<int:follow_up_id>", "POST"): ADMIN_A | PANEL_A,
    # Inspection: findings in the inspector's subtree; the unit side answers rectifications (issue 14 points 5-6).
    ("/inspection/", "GET"): INSPECTION_PAGES,
    ("/inspection/findings/new", "GET"): INSPECTORS,
    ("/inspection/findings/new", "POST"): INSPECTORS,
    ("/inspection/findings/<int:finding_id>", "GET"): FINDING_A,
    ("/inspection/findings/<int:finding_id>/void", "POST"): INSPECTOR_A,
    ("/inspection/findings/<int:finding_id>/answer", "POST"): ADMIN_A | PANEL_A,
    ("/inspection/findings/<int:finding_id>/accept", "POST"): INSPECTOR_A,
    ("/inspection/findings/<int:finding_id>/return", "POST"): INSPECTOR_A,
    ("/inspection/attachments/<int:attachment_id>", "GET"): FINDING_A,
    ("/inspection/rectifications", "GET"): ADMINS | PANELS,
    ("/inspection/ledger", "GET"): INSPECTION_PAGES,
    ("/inspection/ledger.xlsx", "GET"): INSPECTION_PAGES,
    # The call back: the survey staff over the follow-up's unit. Praise: recorded by them on a call, read by them and
    # the unit's panel, made a commendation by the panel.
    ("/survey/follow-ups/<int:follow_up_id>/verify", "POST"): SURVEY_A,
    ("/survey/calls/<int:call_id>/praise", "POST"): SURVEY_A,
    ("/survey/praise", "GET"): SURVEYS | PANELS,
    ("/survey/praise/<int:praise_id>/commend", "GET"): PANEL_A,
    ("/survey/praise/<int:praise_id>/commend", "POST"): PANEL_A,
    # Units: the survey's bulletin and statistics, the polls, the units' evaluation.
    ("/units/bulletin", "GET"): STATISTICS,
    ("/units/bulletin.xlsx", "GET"): STATISTICS,
    ("/units/statistics", "GET"): STATISTICS,
    ("/units/polls", "GET"): STATISTICS,
    ("/units/polls/import", "POST"): SURVEYS | ADMINS,
    ("/units/evaluation", "GET"): STATISTICS,
    ("/units/evaluation.xlsx", "GET"): STATISTICS,
    ("/units/evaluation/<int:unit_id>", "GET"): frozenset({"survey", "unit_admin", "root_admin", "panel", "hr"}),
    ("/units/evaluation/record", "POST"): ROOT,
    ("/units/evaluation/runs/<int:run_id>/finalise", "POST"): ROOT,
}


def _rules(app) -> dict[tuple[str, str], object]:
    return {(rule.rule, method): rule for rule in app.url_map.iter_rules()
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"})}


def test_the_matrix_covers_every_route(app):
    """A route without a row (or a row without a route) fails here: nobody forgets to say who may use it."""
    routes = set(_rules(app))
    assert set(MATRIX) - routes == set(), "rows for routes that no longer exist"
    assert routes - set(MATRIX) == set(), "routes without a row in MATRIX: say who may use them"


# --- The world ------------------------------------------------------------------------------------------------


class World(dict):
    """URL values of county A's objects, by the name the rules give them."""


@pytest.fixture
def world(app, org, catalog):  # noqa: F811
    from models import SurveyCall
    from tests.survey.conftest import add_contacts
    from worklog.annual import rounds, services as annual
    from worklog.monthly import services as monthly
    from worklog.rules.eligibility import DEFAULT_POLICIES
    from worklog.survey import services as survey
    from worklog.weekly import services as weekly

    P = Role
    org.people["supervisor_b"] = make_person("300001", "Supervisor B", org.dept_b, org.post,
                                             roles={P.officer.value: org.county_b, P.supervisor.value: org.county_b})
    org.people["panel_b"] = make_person("300003", "Panel B", org.dept_b, org.post, roles={P.panel.value: org.county_b})
    org.people["hr_b"] = make_person("300004", "HR B", org.dept_b, org.post, roles={P.hr.value: org.city_b})
    org.people["survey_a"] = make_person("400001", "Surveyor A", org.dept_a, org.post,
                                         roles={P.survey.value: org.county_a})
    org.people["survey_b"] = make_person("400002", "Surveyor B", org.dept_b, org.post,
                                         roles={P.survey.value: org.county_b})
    org.people["inspector_a"] = make_person("500001", "Inspector A", org.dept_a, org.post,
                                            roles={P.inspector.value: org.county_a})
    org.people["inspector_b"] = make_person("500002", "Inspector B", org.dept_b, org.post,
                                            roles={P.inspector.value: org.county_b})
    org.people["leader_a"] = make_person("600001", "Leader A", org.dept_a, org.post, roles={P.leader.value: org.city_a})
    org.people["leader_b"] = make_person("600002", "Leader B", org.dept_b, org.post, roles={P.leader.value: org.city_b})
    db.session.commit()

    entry = log_week(app, org["officer_a"], catalog, days=1, per_day=1)[0]
    app.config["FIXED_NOW"] = datetime(2026, 11, 2, 2, 0, tzinfo=timezone.utc)
    add_contacts(org.county_a, "complaint", date(2026, 10, 14), ["13987654321"], name="Complainant")
    draw = survey.make_draw(org.county_a, "complaint", date(2026, 10, 1), None, org["survey_a"])
    call = db.session.scalar(select(SurveyCall).where(SurveyCall.draw_id == draw.id))
    survey.record_outcome(call, "dissatisfied", "Nobody came", org["survey_a"])
    praise = survey.record_praise(call, {"text": "Polite on the telephone", "badge": ""}, org["survey_a"])
    db.session.commit()
    app.config["FIXED_NOW"] = REVIEW_TIME

    panel, hr = org["panel_a"], org["hr_a"]
    app.config["FIXED_NOW"] = datetime(2026, 12, 1, 2, 0, tzinfo=timezone.utc)  # November over: may be opened
    month = monthly.open_month(org.county_a, date(2026, 11, 1), panel)
    adjustment = monthly.add_adjustment(month, org["officer_a"], {"kind": "commendation", "points": "2",
                                                                  "reason": "Commended", "evidence": ""}, panel)
    veto = monthly.add_veto(month, org["officer_a"], {"event_date": date(2026, 11, 16), "reason": "Absent"}, panel)
    monthly.compute(month, panel)
    app.config["FIXED_NOW"] = REVIEW_TIME
    from models import MonthResult
    result = db.session.scalar(select(MonthResult).where(MonthResult.month_review_id == month.id,
                                                         MonthResult.person_id == org["officer_a"].id))
    year = annual.open_year(org.county_a, 2026, panel)
    round_ = rounds.create_round(org.city_a, "Round", date(2026, 11, 1), next(iter(DEFAULT_POLICIES)), hr)
    delegation = weekly.delegate(org["supervisor_a"], panel, date(2026, 11, 23), date(2026, 11, 30), "Leave",
                                 org["supervisor_a"])
    task = weekly.assign_task([org["officer_a"]], {"task_type": catalog["T1"], "due_date": date(2026, 11, 27),
                                                        "expected_quantity": "1"},
                              org["supervisor_a"])[0]
    grant = db.session.scalar(select(RoleGrant).where(RoleGrant.person_id == org["officer_a"].id))
    weekly.approve_all(org["officer_a"], MONDAY, org["supervisor_a"])
    weekly.sign_checked(org["officer_a"], MONDAY, org["supervisor_a"])  # for the panel's reopening
    from models import CalendarDay
    db.session.add(CalendarDay(day=date(2026, 11, 24), working=False, name="Closed"))
    from worklog.api import services as api_services
    api_client, _token = api_services.register({"name": "Dispatch", "units": [org.county_a],
                                                "operations": ["read:people"], "rate_limit_per_minute": 60},
                                               org["root_admin"])
    from worklog.facts import services as facts
    mapping = facts.save_mapping(None, {"source": "jj110", "fact_type": "call", "task_type": catalog["T1"]},
                                 org["root_admin"])
    from worklog.indicators import services as indicators
    from decimal import Decimal
    plan = indicators.create_plan(org.city_a, 2026, date(2026, 1, 1), ["Operations"], "", org["root_admin"])
    indicator = indicators.save_indicator(plan, {"dimension": "Operations", "name": "Points",
                                                 "measure": "ledger_points", "rule": "proportional",
                                                 "weight": Decimal("1")}, org["root_admin"])
    indicators.set_targets(indicator, {org.county_a.id: Decimal("1200")}, org["root_admin"])
    target = indicator.targets[0]
    indicators.break_down(target, {org.dept_a.id: Decimal("1200")}, org["root_admin"])
    from models import DepartmentTarget
    share = db.session.scalar(select(DepartmentTarget))
    from worklog.inspection import services as inspection
    from worklog.inspection.services import Upload
    app.config["FIXED_NOW"] = datetime(2026, 11, 10, 2, 0, tzinfo=timezone.utc)
    finding = inspection.record_finding({
        "target": "officer", "badge": org["officer_a"].badge, "found_on": date(2026, 11, 9), "category": "discipline",
        "description": "Late", "rectify": True, "files": [Upload("evidence.pdf", b"%PDF-1.4 evidence")]},
        org["inspector_a"])
    from worklog.decisions import services as decisions
    from tests.decisions.conftest import final_year
    # A final 2026 ranking puts officer A on the warning-talk list (last of a group of 67) of county A's year (whose
    # own review is open: the ranking is the city's, as a group of the city's would be).
    final_year(org.city_a, 2026, {org["officer_a"]: (67, "incompetent")})
    honour = decisions.record_honour(org.county_a, {
        "badge": org["officer_a"].badge, "kind": "commendation", "title": "嘉奖", "year": 2026,
        "decided_on": date(2026, 11, 9), "reference": "", "reason": "Commended"}, hr)
    app.config["FIXED_NOW"] = REVIEW_TIME
    db.session.commit()
    return World(honour_id=honour.id, plan_id=plan.id, indicator_id=indicator.id, target_id=target.id, share_id=share.id,
        person_id=org["officer_a"].id, grant_id=grant.id, unit_id=org.county_a.id, parent_id=org.city_a.id,
        department_id=org.dept_a.id, sequence_id=org.post.sequence_id, post_id=org.post.id,
        task_type_id=catalog["T1"].id, category_id=catalog["T1"].category_id, day=date(2026, 11, 24).isoformat(), week=MONDAY.isoformat(), month="2026-11",
        year=2026, fmt="xlsx", filename="worklog.css", action="compute", entry_id=entry.id,
        delegation_id=delegation.id, task_id=task.id, review_id=month.id, result_id=result.id if result else 0,
        item_id={"adjustments": adjustment.id, "vetoes": veto.id}, appeal_id=0, year_review_id=year.id,
        round_id=round_.id, job_id=round_.job_id, draw_id=draw.id, call_id=call.id,
        follow_up_id=call.follow_up.id, praise_id=praise.id, run_id=0, client_id=api_client.id,
        mapping_id=mapping.id, finding_id=finding.id, attachment_id=finding.attachments[0].id)


def _url(rule: str, world: World) -> str:
    def value(match):
        name = match.group(2)
        if name == "item_id":
            return str(world["item_id"]["vetoes" if "/vetoes/" in rule else "adjustments"])
        if name == "review_id" and rule.startswith("/my/years"):
            return str(world["year_review_id"])
        return str(world[name])
    return re.sub(r"<(?:(\w+):)?(\w+)>", value, rule)


def _denied(role: str, response) -> bool:
    if response.status_code in (403, 404) or (response.status_code == 401 and response.request.path.startswith(
            "/api/")):
        return True
    return role == "anonymous" and response.status_code == 302 and "/sign-in" in response.location


@pytest.fixture
def requests_roll_back(app):
    """Every request of the matrix is rolled back once it is answered, so that every row meets the same world."""
    state = {"on": False}

    @app.before_request
    def _roll_back():
        if state["on"]:
            g._rollback_only = True

    return state


#: Rows whose objects the world does not make yet: everyone is answered 404, which the matrix checks too.
NO_OBJECT = {"/month/appeals/<int:appeal_id>/decide", "/year/appeals/<int:appeal_id>/decide",
             "/units/evaluation/runs/<int:run_id>/finalise"}


@pytest.mark.parametrize("role", ROLES)
def test_every_route_answers_each_role_as_the_matrix_says(app, org, requests_roll_back, world, role):
    client = browser(app)
    if role != "anonymous":
        assert sign_in(client, BADGES[role]).status_code == 302
    requests_roll_back["on"] = True
    wrong = []
    # Signing out last: it ends the browser's session whatever the database keeps.
    for rule, method in sorted(MATRIX, key=lambda key: key == ("/sign-out", "POST")):
        allowed = role in MATRIX[(rule, method)] and rule not in NO_OBJECT
        url = _url(rule, world)
        response = client.open(url, method=method, data={})
        response.close()
        if response.status_code >= 500 or _denied(role, response) == allowed:
            wrong.append(f"{method} {url} ({rule}): {response.status_code}, expected "
                         f"{'allowed' if allowed else 'refused'}")
    assert not wrong, "\n".join(wrong)
