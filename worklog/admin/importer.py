"""Bulk import of units, departments, posts and people from CSV or XLSX: all or nothing.

Offices keep this data in spreadsheets, with Chinese or English column headings, dates typed in a
dozen ways and CSV files saved by Excel in GB18030. Every row is checked with the same services the
pages use; if any row is bad, nothing is kept and the report lists every bad row (sheet, row, column,
message). Importing again updates units, departments and posts by code and people by badge number.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, Iterator

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from models import Department, Person, Post, Role, RoleGrant, Sequence, Unit
from worklog import audit, spreadsheets as sheets
from worklog.admin import services
from worklog.errors import ServiceError
from worklog.db import read_before_writing
from worklog.extensions import db
from worklog.imports import checked_then_written
from worklog.permissions import can, is_root_admin
from worklog.spreadsheets import CellProblem, ImportFailed, RowError

__all__ = ["ImportFailed", "ImportReport", "RowError", "import_file", "read_tables"]

KINDS = ("units", "departments", "posts", "people")

#: Column → accepted headings (compared case-insensitively, spaces and underscores ignored).
COLUMNS: dict[str, dict[str, tuple[str, ...]]] = {
    "units": {
        "code": ("code", "unitcode", "单位代码", "代码", "编码"),
        "name": ("name", "unitname", "单位名称", "名称"),
        "level": ("level", "级别", "层级"),
        "parent_code": ("parentcode", "parent", "上级单位代码", "上级代码", "上级单位"),
        "active": ("active", "启用", "状态"),
    },
    "departments": {
        "unit_code": ("unitcode", "unit", "单位代码", "所属单位代码", "所属单位"),
        "code": ("code", "departmentcode", "部门代码", "代码", "编码"),
        "name": ("name", "departmentname", "部门名称", "名称"),
        "active": ("active", "启用", "状态"),
    },
    "posts": {
        "code": ("code", "postcode", "岗位代码", "代码", "编码"),
        "name": ("name", "postname", "岗位名称", "名称"),
        "sequence_code": ("sequencecode", "sequence", "序列代码", "序列"),
        "sequence_name": ("sequencename", "序列名称"),
        "coefficient": ("coefficient", "岗位系数", "系数"),
        "monthly_target_points": ("monthlytargetpoints", "targetpoints", "target", "月目标分", "目标分值",
                                  "月度目标分"),
        "active": ("active", "启用", "状态"),
    },
    "people": {
        "badge": ("badge", "badgenumber", "警号"),
        "name": ("name", "姓名"),
        "rank": ("rank", "警衔", "职级"),
        "hire_date": ("hiredate", "入职日期", "参加工作时间", "入警时间"),
        "unit_code": ("unitcode", "unit", "单位代码", "所属单位代码"),
        "department_code": ("departmentcode", "department", "部门代码", "所属部门代码"),
        "post_code": ("postcode", "post", "岗位代码"),
        "supervisor_badge": ("supervisorbadge", "supervisor", "主管考核人警号", "主管警号", "考核人警号"),
        "valid_from": ("validfrom", "from", "生效日期", "任职日期"),
        "roles": ("roles", "角色"),
        "active": ("active", "在职", "状态"),
    },
}
REQUIRED = {
    "units": ("code", "name"),
    "departments": ("unit_code", "code", "name"),
    "posts": ("code", "name", "sequence_code", "monthly_target_points"),
    "people": ("badge", "name", "unit_code", "department_code", "post_code"),
}
SHEET_NAMES = {
    "units": ("units", "unit", "单位"), "departments": ("departments", "department", "部门"),
    "posts": ("posts", "post", "岗位"), "people": ("people", "persons", "officers", "人员", "民警"),
}
LEVELS = {"province": "province", "省厅": "province", "省": "province", "city": "city", "市局": "city",
          "市": "city", "county": "county", "县局": "county", "县": "county", "分局": "county"}
ROLE_WORDS = {r.value: r.value for r in Role} | {
    "民警": "officer", "主管": "supervisor", "考核人": "supervisor", "考核小组": "panel", "人事": "hr",
    "政治处": "hr", "调查": "survey", "管理员": "admin"}
@dataclass
class ImportReport:
    created: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))
    updated: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))
    unchanged: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))

    def summary(self) -> str:
        names = {"units": _("units"), "departments": _("departments"), "posts": _("posts"), "people": _("people")}
        parts = [_("%(kind)s: %(created)d new, %(updated)d updated, %(unchanged)d unchanged", kind=names[k],
                   created=self.created[k], updated=self.updated[k], unchanged=self.unchanged[k])
                 for k in KINDS if self.created[k] or self.updated[k] or self.unchanged[k]]
        return "; ".join(parts) or _("nothing to import")


@dataclass
class _Table:
    sheet: str
    kind: str | None
    headers: list[str]
    rows: list[tuple[int, list[Any]]]  # (row number in the file, cells)


# --- Reading -------------------------------------------------------------------------------------------------


def _column_map(kind: str, headers: list[str]) -> dict[str, int]:
    return sheets.column_map(COLUMNS[kind], headers)


def _guess_kind(headers: list[str]) -> str | None:
    """The kind whose columns the headings name most often (complete kinds win a tie).

    Counting first matters: a people sheet that lacks a column must be reported as such, not read as a
    units sheet (``unit_code`` and ``name`` are also a unit's code and name) that renames units.
    """
    best, best_score = None, (0, False)
    for kind in KINDS:
        mapping = _column_map(kind, headers)
        score = (len(mapping), all(c in mapping for c in REQUIRED[kind]))
        if score > best_score:
            best, best_score = kind, score
    if best is None or not (best_score[1] or best_score[0] >= 2):
        return None
    return best


def _sheet_kind(title: str) -> str | None:
    return next((k for k, names in SHEET_NAMES.items() if sheets.norm(title) in {sheets.norm(x) for x in names}),
                None)


def read_tables(data: bytes, filename: str, kind: str | None = None) -> list[_Table]:
    try:
        read = sheets.read(data, filename)
    except sheets.Unreadable as error:
        raise ImportFailed([RowError("", 0, "", error.message)])
    is_csv = filename.lower().endswith(".csv")
    tables = [_Table(t.sheet, kind if is_csv else _sheet_kind(t.sheet), t.headers, t.rows) for t in read]
    if not tables:
        raise ImportFailed([RowError("", 0, "", _("The file has nothing to import."))])
    errors = []
    for table in tables:
        if table.kind is None:
            table.kind = _guess_kind(table.headers)
        if table.kind is None:
            errors.append(RowError(table.sheet, 1, "", _(
                "The column headings do not match units, departments, posts or people. See the import page "
                "for the expected columns.")))
            continue
        mapping = _column_map(table.kind, table.headers)
        for column in REQUIRED[table.kind]:
            if column not in mapping:
                errors.append(RowError(table.sheet, 1, column, _("This column is missing.")))
    if errors:
        raise ImportFailed(errors)
    limit = int(current_app.config["IMPORT_MAX_ROWS"])
    if sum(len(t.rows) for t in tables) > limit:
        raise ImportFailed([RowError("", 0, "", _("The file has more than %(n)d rows; split it.", n=limit))])
    # Units before departments before posts before people, whatever the order of the sheets.
    return sorted(tables, key=lambda t: KINDS.index(t.kind))


def _records(table: _Table) -> Iterator[tuple[int, dict[str, Any]]]:
    return sheets.records(sheets.Table(table.sheet, table.headers, table.rows), _column_map(table.kind, table.headers))


# --- Applying --------------------------------------------------------------------------------------------------


class _Importer:
    def __init__(self, actor: Person | None):
        self.actor = actor
        self.report = ImportReport()
        self.errors: list[RowError] = []
        self.pending_assignments: list[tuple[str, int, Person, dict]] = []
        #: (kind, key) → (sheet, row) where the file first named it: a second row for it is a conflict.
        self.seen: dict[tuple, tuple[str, int]] = {}
        #: People placed by this file: their rows passed the scope checks, so they may be supervisors even
        #: before their own assignment (further down the file) exists.
        self.placed: set[int] = set()
        self.row: tuple[str, int] = ("", 0)

    def _may(self, action: str, obj: object) -> bool:
        return self.actor is None or can(self.actor, action, obj)

    def _count(self, kind: str, created: bool, changed: bool) -> str:
        bucket = "created" if created else "updated" if changed else "unchanged"
        getattr(self.report, bucket)[kind] += 1
        return bucket

    def _once(self, kind: str, key: tuple, column: str, shown: str) -> None:
        """Refuse a row naming something an earlier row of the file already named."""
        first = self.seen.setdefault((kind, key), self.row)
        if first != self.row:
            raise CellProblem(column, _("%(value)s already appears in row %(row)d of %(sheet)s.",
                                        value=shown, row=first[1], sheet=first[0]))

    def run_row(self, sheet: str, number: int, handler, record: dict) -> None:
        self.row = (sheet, number)
        savepoint = db.session.begin_nested()
        try:
            handler(record)
            savepoint.commit()
        except CellProblem as problem:
            savepoint.rollback()
            self.errors.append(RowError(sheet, number, problem.column, problem.message))
        except ServiceError as error:
            savepoint.rollback()
            self.errors.append(RowError(sheet, number, error.field or "", error.message))
        except IntegrityError:
            savepoint.rollback()
            self.errors.append(RowError(sheet, number, "", _("This row conflicts with existing data.")))

    # Units ------------------------------------------------------------------------------------------------
    def unit(self, record: dict) -> None:
        code, name = sheets.code(record, "code"), sheets.text(record, "name", 120, True)
        self._once("units", (code,), "code", code)
        parent_code = sheets.code(record, "parent_code", required=False)
        level_text = sheets.text(record, "level", 16)
        level = LEVELS.get(level_text.lower()) if level_text else None
        if level_text and level is None:
            raise CellProblem("level", _("Write province, city or county."))
        active = sheets.flag(record, "active")
        existing = db.session.scalar(select(Unit).where(Unit.code == code))
        if existing is not None:
            if not self._may("manage", existing):
                raise CellProblem("code", _("Unit %(code)s is outside your units.", code=code))
            if parent_code and (existing.parent is None or existing.parent.code != parent_code):
                raise CellProblem("parent_code", _("A unit cannot be moved by import."))
            if level and level != existing.level:
                raise CellProblem("level", _("A unit's level cannot be changed."))
            changes = {"name": name} | ({"active": active} if active is not None else {})
            changed = any(getattr(existing, k) != v for k, v in changes.items())
            services.update_unit(existing, changes, self.actor)
            self._count("units", False, changed)
            return
        parent = None
        if parent_code:
            parent = db.session.scalar(select(Unit).where(Unit.code == parent_code))
            if parent is None or not self._may("manage", parent):
                raise CellProblem("parent_code", _("No unit %(code)s among your units.", code=parent_code))
        elif self.actor is not None:
            raise CellProblem("parent_code", _("A new top unit can only be created from the command line."))
        services.create_unit(parent, {"code": code, "name": name, "level": level}, self.actor)
        self._count("units", True, True)

    # Departments ------------------------------------------------------------------------------------------
    def department(self, record: dict) -> None:
        unit_code, code = sheets.code(record, "unit_code"), sheets.code(record, "code")
        self._once("departments", (unit_code, code), "code", f"{unit_code} {code}")
        name, active = sheets.text(record, "name", 120, True), sheets.flag(record, "active")
        unit = db.session.scalar(select(Unit).where(Unit.code == unit_code))
        if unit is None or not self._may("manage", unit):
            raise CellProblem("unit_code", _("No unit %(code)s among your units.", code=unit_code))
        existing = db.session.scalar(select(Department).where(Department.unit_id == unit.id,
                                                              Department.code == code))
        if existing is None:
            services.create_department(unit, {"code": code, "name": name}, self.actor)
            self._count("departments", True, True)
            return
        changes = {"name": name} | ({"active": active} if active is not None else {})
        changed = any(getattr(existing, k) != v for k, v in changes.items())
        services.update_department(existing, changes, self.actor)
        self._count("departments", False, changed)

    # Posts --------------------------------------------------------------------------------------------------
    def post(self, record: dict) -> None:
        if self.actor is not None and not is_root_admin(self.actor):
            raise CellProblem("code", _("Only an administrator of the top unit can change posts."))
        code, name = sheets.code(record, "code"), sheets.text(record, "name", 120, True)
        self._once("posts", (code,), "code", code)
        sequence_code = sheets.code(record, "sequence_code")
        sequence_name = sheets.text(record, "sequence_name", 120)
        coefficient = sheets.decimal(record, "coefficient", Decimal("0.01"), Decimal("3"), Decimal("1"))
        target = sheets.decimal(record, "monthly_target_points", Decimal("0.01"), Decimal("100000"))
        active = sheets.flag(record, "active")
        sequence = db.session.scalar(select(Sequence).where(Sequence.code == sequence_code))
        if sequence is None:
            if not sequence_name:
                raise CellProblem("sequence_name", _("Sequence %(code)s is new: give its name.", code=sequence_code))
            sequence = services.save_sequence(None, {"code": sequence_code, "name": sequence_name}, self.actor)
        existing = db.session.scalar(select(Post).where(Post.code == code))
        values = {"sequence": sequence, "code": code, "name": name, "coefficient": coefficient,
                  "monthly_target_points": target, "active": existing.active if existing and active is None
                  else (True if active is None else active)}
        if existing is None:
            services.save_post(None, values, self.actor)
            self._count("posts", True, True)
            return
        before = audit.snapshot(existing, services.POST_FIELDS)
        services.save_post(existing, values, self.actor)
        self._count("posts", False, before != audit.snapshot(existing, services.POST_FIELDS))

    # People --------------------------------------------------------------------------------------------------
    def person(self, sheet: str, number: int):
        def handle(record: dict) -> None:
            badge = sheets.text(record, "badge", 20, True)
            if not re.fullmatch(r"[A-Za-z0-9\-]+", badge):
                raise CellProblem("badge", _("A badge number has only letters, digits and dashes."))
            self._once("people", (badge,), "badge", badge)
            name, rank = sheets.text(record, "name", 60, True), sheets.text(record, "rank", 40)
            hire_date, valid_from = sheets.day(record, "hire_date"), sheets.day(record, "valid_from")
            active = sheets.flag(record, "active")
            unit_code, department_code = sheets.code(record, "unit_code"), sheets.code(record, "department_code")
            post_code = sheets.code(record, "post_code")
            supervisor_badge = sheets.text(record, "supervisor_badge", 20)
            roles = self._roles(record)
            unit = db.session.scalar(select(Unit).where(Unit.code == unit_code))
            if unit is None or not self._may("manage", unit):
                raise CellProblem("unit_code", _("No unit %(code)s among your units.", code=unit_code))
            department = db.session.scalar(select(Department).where(Department.unit_id == unit.id,
                                                                     Department.code == department_code))
            if department is None:
                raise CellProblem("department_code", _("Unit %(unit)s has no department %(code)s.",
                                                       unit=unit_code, code=department_code))
            post = db.session.scalar(select(Post).where(Post.code == post_code))
            if post is None:
                raise CellProblem("post_code", _("There is no post %(code)s.", code=post_code))
            person = db.session.scalar(select(Person).where(Person.badge == badge))
            if person is None:
                person = services.create_person({"badge": badge, "name": name, "rank": rank,
                                                 "hire_date": hire_date, "unit": unit,
                                                 "active": True if active is None else active}, self.actor)
                counted = self._count("people", True, True)
            else:
                if not self._may("manage", person):
                    raise CellProblem("badge", _("Badge number %(badge)s belongs to a person outside your units.",
                                                 badge=badge))
                changes = {"name": name} | ({"rank": rank} if rank else {}) | \
                    ({"hire_date": hire_date} if hire_date else {})
                changed = any(getattr(person, k) != v for k, v in changes.items())
                services.update_person(person, changes, self.actor)
                if active is not None and active != person.active:
                    self._set_active(person, active)
                    changed = True
                counted = self._count("people", False, changed)
            self.placed.add(person.id)
            self.pending_assignments.append((sheet, number, person, {
                "department": department, "post": post, "supervisor_badge": supervisor_badge,
                "valid_from": valid_from, "roles": roles, "counted": counted}))
        return handle

    def _set_active(self, person: Person, active: bool) -> None:
        # The same right as the button on the person's page: nobody locks themselves out, and a city admin
        # does not lock out the province admin who works in one of the city's stations.
        if self.actor is not None and person.id == self.actor.id:
            raise CellProblem("active", _("You cannot deactivate your own account."))
        if not self._may("deactivate", person):
            raise CellProblem("active", _("Only an administrator over all roles of %(badge)s can change "
                                          "whether their account is active.", badge=person.badge))
        services.set_active(person, active, self.actor, reason=_("import"))

    def _roles(self, record: dict) -> list[str]:
        text = sheets.text(record, "roles", 200)
        roles = []
        for word in re.split(r"[;,，、；\s|]+", text):
            if not word:
                continue
            role = ROLE_WORDS.get(word.lower())
            if role is None:
                raise CellProblem("roles", _("Unknown role %(role)s.", role=word))
            roles.append(role)
        return roles or [Role.officer.value]

    def assignment(self, person: Person, data: dict):
        def handle(_record: dict) -> None:
            supervisor = None
            if data["supervisor_badge"]:
                supervisor = db.session.scalar(select(Person).where(Person.badge == data["supervisor_badge"]))
                if supervisor is None or not (supervisor.id in self.placed or self._may("view", supervisor)):
                    raise CellProblem("supervisor_badge", _("No person with badge number %(badge)s in your units.",
                                                            badge=data["supervisor_badge"]))
            valid_from = data["valid_from"] or date.today()
            current = person.assignment_on(valid_from)
            wanted = (data["department"].id, data["post"].id, supervisor.id if supervisor else None)
            changed = False
            if current is None or (current.department_id, current.post_id, current.supervisor_id) != wanted:
                try:
                    services.assign(person, {"department": data["department"], "post": data["post"],
                                             "supervisor": supervisor, "valid_from": valid_from}, self.actor)
                except ServiceError as error:
                    raise CellProblem("valid_from" if error.field == "valid_from" else
                                      "supervisor_badge" if error.field == "supervisor" else "department_code",
                                      error.message)
                changed = True
            unit = data["department"].unit
            held = set(db.session.scalars(select(RoleGrant.role).where(RoleGrant.person_id == person.id,
                                                                        RoleGrant.unit_id == unit.id)))
            for role in data["roles"]:
                if role not in held:
                    try:
                        services.grant_role(person, role, unit, self.actor)
                    except ServiceError as error:
                        raise CellProblem("roles", error.message)
                    changed = True
            if changed and data["counted"] == "unchanged":
                # A transfer or a new role is a change of the person, even with the same name.
                self.report.unchanged["people"] -= 1
                self.report.updated["people"] += 1
        return handle


def import_file(data: bytes, filename: str, actor: Person | None, kind: str | None = None) -> ImportReport:
    """Import a file, all of it or nothing (see :mod:`worklog.imports`); raise :class:`ImportFailed` with every
    bad row, having kept nothing."""
    read_before_writing(db.session)  # SQLite: the file is read and parsed before the write lock is taken
    tables = read_tables(data, filename, kind)

    def write(actor: Person | None, step) -> ImportReport:
        importer = _Importer(actor)
        handlers = {"units": importer.unit, "departments": importer.department, "posts": importer.post}
        for table in tables:
            for number, record in _records(table):
                handler = handlers.get(table.kind) or importer.person(table.sheet, number)
                importer.run_row(table.sheet, number, handler, record)
                step(importer.errors)
        # Supervisors may appear further down the file, so assignments come after every person exists.
        for sheet, number, person, data in importer.pending_assignments:
            importer.run_row(sheet, number, importer.assignment(person, data), {})
            step(importer.errors)
        if importer.errors:
            raise ImportFailed(importer.errors)
        # Filed under the importer's (first) admin unit, so the scoped audit log shows it to them.
        scope = None
        if actor is not None:
            from worklog.permissions import scope_units
            units = scope_units(actor, Role.admin)
            scope = units[0].id if units else None
        audit.record(actor, "org.imported", "import", None, unit_id=scope, after={
            "file": sheets.file_name(filename), "created": importer.report.created,
            "updated": importer.report.updated})
        db.session.flush()
        return importer.report

    return checked_then_written(write, actor)
