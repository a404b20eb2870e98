"""``flask users``: accounts from the command line (the first administrator, password resets)."""
from __future__ import annotations

import re
import sys
from datetime import date

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from models import Department, Person, Post, Role, Unit
from worklog.admin import services
from worklog.auth import services as auth_services
from worklog.auth.passwords import password_problems
from worklog.errors import ServiceError
from worklog.extensions import db


BADGE_PATTERN = re.compile(r"[A-Za-z0-9\-]+")


@click.group("users", help="Create and manage accounts.")
def users_group() -> None:
    pass


def _unit(code: str) -> Unit:
    unit = db.session.scalar(select(Unit).where(Unit.code == code))
    if unit is None:
        raise click.ClickException(f"No unit with code {code}.")
    return unit


def _person(badge: str) -> Person:
    person = db.session.scalar(select(Person).where(Person.badge == badge))
    if person is None:
        raise click.ClickException(f"No person with badge number {badge}.")
    return person


def _check_password(password: str, badge: str, name: str = "") -> None:
    problems = password_problems(password, badge=badge, name=name)
    if problems:
        raise click.ClickException(" ".join(problems))


@users_group.command("create", help="Create an account, optionally with roles and an assignment.")
@click.option("--badge", required=True, help="Badge number (the sign-in name).")
@click.option("--name", required=True)
@click.option("--rank", default="")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--role", "roles", multiple=True, type=click.Choice([r.value for r in Role]),
              help="A role to grant over --unit; repeat for several.")
@click.option("--unit", "unit_code", help="Code of the unit the roles cover.")
@click.option("--department", "department_code", help="Department code within --unit, for an assignment.")
@click.option("--post", "post_code", help="Post code, for an assignment.")
@with_appcontext
def create(badge, name, rank, password, roles, unit_code, department_code, post_code) -> None:
    badge, name, rank = badge.strip(), name.strip(), rank.strip()
    # The same rules as the registration page, checked before anything is written.
    if not BADGE_PATTERN.fullmatch(badge) or len(badge) > 20:
        raise click.ClickException("A badge number has 1 to 20 letters, digits and dashes.")
    if not name or len(name) > 60:
        raise click.ClickException("The name must have 1 to 60 characters.")
    if len(rank) > 40:
        raise click.ClickException("The rank may have at most 40 characters.")
    _check_password(password, badge, name)
    if roles and not unit_code:
        raise click.ClickException("--role needs --unit.")
    unit = _unit(unit_code) if unit_code else None
    department = post = None
    if department_code or post_code:
        if not (unit and department_code and post_code):
            raise click.ClickException("An assignment needs --unit, --department and --post.")
        department = db.session.scalar(select(Department).where(
            Department.unit_id == unit.id, Department.code == department_code))
        post = db.session.scalar(select(Post).where(Post.code == post_code))
        if department is None or post is None:
            raise click.ClickException("Unknown department or post.")
    try:
        person = services.create_person({"badge": badge, "name": name, "rank": rank}, actor=None)
        auth_services.set_temporary_password(person, password, actor=None)
        person.must_change_password = False
        if department is not None:
            services.assign(person, {"department": department, "post": post, "valid_from": date.today()},
                            None)
        for role in roles:
            services.grant_role(person, role, unit, actor=None)
        db.session.commit()
    except ServiceError as error:
        db.session.rollback()
        raise click.ClickException(error.message)
    click.echo(f"Created {badge} ({name}).")


@users_group.command("set-password", help="Set a person's password (they keep it; no forced change).")
@click.argument("badge")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--temporary", is_flag=True, help="Make them choose a new password at the next sign-in.")
@with_appcontext
def set_password(badge: str, password: str, temporary: bool) -> None:
    person = _person(badge)
    _check_password(password, badge, person.name)
    auth_services.set_temporary_password(person, password, actor=None, reason="command line")
    person.must_change_password = temporary
    db.session.commit()
    click.echo(f"Password of {badge} set; their sessions have ended.")


@users_group.command("grant", help="Grant ROLE over the unit UNIT_CODE and everything under it.")
@click.argument("badge")
@click.argument("role", type=click.Choice([r.value for r in Role]))
@click.argument("unit_code")
@with_appcontext
def grant(badge: str, role: str, unit_code: str) -> None:
    services.grant_role(_person(badge), role, _unit(unit_code), actor=None)
    db.session.commit()
    click.echo(f"{badge} is now {role} over {unit_code}.")


@users_group.command("deactivate", help="Deactivate an account and end its sessions.")
@click.argument("badge")
@click.option("--reason", default="")
@with_appcontext
def deactivate(badge: str, reason: str) -> None:
    services.set_active(_person(badge), False, actor=None, reason=reason)
    db.session.commit()
    click.echo(f"{badge} deactivated.")


@users_group.command("list", help="List accounts with their roles.")
@with_appcontext
def list_users() -> None:
    for person in db.session.scalars(select(Person).order_by(Person.badge)):
        roles = ", ".join(sorted(f"{g.role}@{g.unit.code}" for g in person.grants))
        state = "" if person.active else " (inactive)"
        click.echo(f"{person.badge}\t{person.name}{state}\t{roles}")
    sys.stdout.flush()
