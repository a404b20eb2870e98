"""The navigation bar: each person sees only the areas their roles open."""
from __future__ import annotations

from datetime import date
from functools import lru_cache

from flask import g, request, url_for
from flask_babel import get_locale, lazy_gettext as _l
from flask_login import current_user

from models import Role

#: Not a role: set for anyone who supervises, sits on a panel, or acts for a supervisor.
REVIEWS = "reviews"

#: The administrator's areas, gathered under one entry of the menu (a disclosure, no script): one by one they
#: wrapped an administrator's menu onto three rows.
ADMIN_GROUP = _l("Administration")
ADMIN_AREAS = frozenset({"admin.org_tree", "admin.people", "admin.catalog", "catalog.tasks",
                         "catalog.categories", "catalog.calendar", "rules.index", "admin.import_org",
                         "admin.audit_log"})
#: Areas under the administrator's entry for an administrator, and in the menu's top row for anyone else: the
#: unit side's rectifications and the indicators are also the panel's, whose menu has room for them (an
#: administrator's has not).
ADMIN_ALSO = frozenset({"inspection.rectifications", "indicators.index"})

#: (endpoint, label, the roles any of which shows the item; None: everyone signed in)
NAV_ITEMS = [
    ("home.index", _l("Home"), None),
    ("leadership.index", _l("Leadership view"), {Role.leader.value}),
    ("daily.today", _l("My day"), None),
    ("daily.ledger", _l("My ledger"), None),
    ("weekly.queue", _l("Review"), {REVIEWS}),
    ("weekly.reminders", _l("Reminders"), {REVIEWS}),
    ("monthly.index", _l("Monthly review"), {Role.panel.value}),
    ("monthly.my_months", _l("My months"), None),
    ("hr.my_years", _l("My years"), None),
    ("hr.my_eligibility", _l("My eligibility"), None),
    ("hr.index", _l("Promotion and HR"), {Role.hr.value}),
    ("ledgers.index", _l("Ledgers"), {Role.panel.value, Role.hr.value, Role.admin.value}),
    ("survey.queue", _l("Survey calls"), {Role.survey.value}),
    ("survey.follow_ups", _l("Follow-ups"),
     {Role.survey.value, Role.panel.value, Role.admin.value, Role.inspector.value}),
    ("inspection.findings", _l("Inspection"), {Role.inspector.value}),
    ("units.statistics_page", _l("Public satisfaction"),
     {Role.survey.value, Role.panel.value, Role.hr.value, Role.admin.value}),
    ("units.evaluation_page", _l("Unit evaluation"),
     {Role.survey.value, Role.panel.value, Role.hr.value, Role.admin.value}),
    ("admin.org_tree", _l("Organisation"), {Role.admin.value}),
    ("admin.people", _l("People"), {Role.admin.value}),
    ("admin.catalog", _l("Sequences and posts"), {Role.admin.value}),
    ("catalog.tasks", _l("Task catalog"), {Role.admin.value}),
    ("catalog.categories", _l("Task categories"), {Role.admin.value}),
    ("catalog.calendar", _l("Calendar"), {Role.admin.value}),
    ("rules.index", _l("Rule sets"), {Role.admin.value}),
    ("admin.import_org", _l("Import"), {Role.admin.value}),
    ("admin.audit_log", _l("Audit log"), {Role.admin.value}),
    ("indicators.index", _l("Indicators"), {Role.panel.value, Role.hr.value, Role.admin.value}),
    ("inspection.rectifications", _l("Rectifications"), {Role.panel.value, Role.admin.value}),
    ("jobs.index", _l("Background jobs"), {Role.panel.value, Role.hr.value, Role.admin.value}),
]


def fact_columns(person_id, today: date) -> tuple:
    """The menu's facts about a person on ``today`` as columns of a query (see :func:`remember_facts`)."""
    from worklog.weekly.queries import navigation_columns
    return navigation_columns(person_id, today)


def remember_facts(person_id: int, reviews, unread) -> None:
    """The menu's facts, read with the signed-in person in the request's first query
    (:func:`worklog.auth.services.load_session`), so that no page asks for them again."""
    g._navigation_facts = (person_id, bool(reviews), int(unread or 0))


def facts(person_id: int) -> tuple[bool, int]:
    """(reviews anyone's week, unread notifications): read with the session when it was loaded, else asked."""
    known = g.get("_navigation_facts")
    if known is not None and known[0] == person_id:
        return known[1], known[2]
    from worklog.weekly.queries import navigation_facts
    return navigation_facts(person_id)


@lru_cache(maxsize=256)
def _menu(locale: str, script_root: str, roles: frozenset[str]) -> tuple[tuple, ...]:
    """(endpoint, address, label, entries under it) of the menu items a set of roles opens, in a language: the
    same for everyone who holds those roles, so worked out once rather than on every page. The administrator's
    areas are one item (no endpoint, no address) whose entries are (endpoint, address, label)."""
    items: list[tuple] = []
    grouped: list[tuple[str, str, str]] = []
    for endpoint, label, needs in NAV_ITEMS:
        if needs is not None and not needs & roles:
            continue
        if endpoint in ADMIN_AREAS or (endpoint in ADMIN_ALSO and Role.admin.value in roles):
            if not grouped:
                items.append(None)  # the group's place: where its first area stood
            grouped.append((endpoint, url_for(endpoint), str(label)))
        else:
            items.append((endpoint, url_for(endpoint), str(label), ()))
    return tuple(("", "", str(ADMIN_GROUP), tuple(grouped)) if item is None else item for item in items)


def context() -> dict:
    from worklog.i18n import LANGUAGE_NAMES
    items = ()
    unread = 0
    if current_user.is_authenticated:
        from worklog.permissions import roles_of
        roles = roles_of(current_user)
        reviews, unread = facts(current_user.id)
        if roles & {Role.supervisor.value, Role.panel.value} or reviews:
            roles = roles | {REVIEWS}
        items = _menu(str(get_locale()), request.script_root, frozenset(roles))
    return {
        "nav_items": items,
        "unread_notifications": unread,
        # The language form's and the sign-out form's fields, written by the page (worklog.auth.forms checks them).
        "language_next": request.full_path.rstrip("?") if request.method == "GET" else request.path,
        "language_names": LANGUAGE_NAMES,
    }
