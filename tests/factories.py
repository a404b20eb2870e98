"""Factories for tests: units, departments, posts and people, made through the same services as the app."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from models import Department, Person, Post, Role, Unit
from worklog.admin import services
from worklog.auth.passwords import hash_password
from worklog.extensions import db

PASSWORD = "Correct-Horse-42"


def make_person(badge: str, name: str | None = None, department: Department | None = None,
                post: Post | None = None, supervisor: Person | None = None,
                roles: dict[str, Unit] | None = None, password: str = PASSWORD,
                valid_from: date = date(2026, 1, 1)) -> Person:
    person = services.create_person({"badge": badge, "name": name or f"Person {badge}", "rank": "",
                                     "hire_date": date(2020, 1, 1)}, None)
    person.password_hash = hash_password(password)
    if department is not None:
        services.assign(person, {"department": department, "post": post, "supervisor": supervisor,
                                 "valid_from": valid_from}, None)
    for role, unit in (roles or {}).items():
        services.grant_role(person, role, unit, None)
    db.session.flush()
    return person


@dataclass
class Org:
    province: Unit
    city_a: Unit
    city_b: Unit
    county_a: Unit
    county_b: Unit
    dept_a: Department
    dept_b: Department
    post: Post
    people: dict[str, Person] = field(default_factory=dict)

    def __getitem__(self, key: str) -> Person:
        return self.people[key]


def build_org() -> Org:
    province = services.create_unit(None, {"code": "P", "name": "Province", "level": "province"}, None)
    city_a = services.create_unit(province, {"code": "CA", "name": "City A"}, None)
    city_b = services.create_unit(province, {"code": "CB", "name": "City B"}, None)
    county_a = services.create_unit(city_a, {"code": "CA1", "name": "County A1"}, None)
    county_b = services.create_unit(city_b, {"code": "CB1", "name": "County B1"}, None)
    dept_a = services.create_department(county_a, {"code": "PCS", "name": "Station A"}, None)
    dept_b = services.create_department(county_b, {"code": "PCS", "name": "Station B"}, None)
    seq = services.save_sequence(None, {"code": "PS", "name": "Police stations"}, None)
    post = services.save_post(None, {"sequence": seq, "code": "PS-SQ", "name": "Community officer",
                                     "coefficient": Decimal("1"), "monthly_target_points": Decimal("400")}, None)
    org = Org(province, city_a, city_b, county_a, county_b, dept_a, dept_b, post)
    P = Role
    org.people["root_admin"] = make_person("100001", "Root Admin", dept_a, post, roles={P.admin.value: province})
    org.people["admin_a"] = make_person("100002", "Admin A", dept_a, post, roles={P.admin.value: city_a})
    org.people["admin_b"] = make_person("100003", "Admin B", dept_b, post, roles={P.admin.value: city_b})
    org.people["supervisor_a"] = make_person("200001", "Supervisor A", dept_a, post,
                                             roles={P.officer.value: county_a, P.supervisor.value: county_a})
    org.people["officer_a"] = make_person("200002", "Officer A", dept_a, post, org.people["supervisor_a"],
                                          roles={P.officer.value: county_a})
    org.people["officer_b"] = make_person("300002", "Officer B", dept_b, post, roles={P.officer.value: county_b})
    org.people["panel_a"] = make_person("200003", "Panel A", dept_a, post, roles={P.panel.value: county_a})
    org.people["hr_a"] = make_person("200004", "HR A", dept_a, post, roles={P.hr.value: city_a})
    org.people["survey"] = make_person("100004", "Surveyor Zhao", dept_a, post, roles={P.survey.value: province})
    db.session.commit()
    return org


def sign_in(client, badge: str, password: str = PASSWORD):
    return client.post("/sign-in", data={"badge": badge, "password": password})


def row_counts() -> dict[str, int]:
    """Rows in every table, read afresh."""
    from sqlalchemy import func, select
    from models import Base
    db.session.expire_all()
    return {table.name: db.session.scalar(select(func.count()).select_from(table))
            for table in Base.metadata.sorted_tables}


def state_counts() -> dict[str, int]:
    """Row counts of everything a page or import may change: sign-in bookkeeping left out, and the audit trail's
    checkpoints, which chain the sign-in's events too (worklog/integrity.py)."""
    from sqlalchemy import func, select
    from models import AuditEvent
    counts = row_counts()
    for name in ("login_attempt", "login_session", "audit_checkpoint"):
        counts.pop(name)
    counts["audit_event"] = db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action.not_like("auth.%")))
    return counts
