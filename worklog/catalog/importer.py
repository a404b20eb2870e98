"""Import of the task catalog from CSV or XLSX: all or nothing, like the organisation import.

Rows are matched to task types by code. Changed point values become a new version from the row's
``valid_from`` (default today), so entries already made keep theirs.

A row's ``category`` is a category's code or name. A row that also gives ``category_name`` may name a category
that does not exist yet: it is created (``category`` as its code), so that a catalog imports on a fresh
installation. An existing category is never renamed by an import (its page does that).
"""
from __future__ import annotations

import re
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import or_, select

from models import Person, Post, Sequence, TaskCategory, TaskType
from worklog import audit, spreadsheets as sheets, timekeeping
from worklog.catalog import services
from worklog.errors import ServiceError
from worklog.db import read_before_writing
from worklog.extensions import db
from worklog.imports import checked_then_written
from worklog.spreadsheets import CellProblem, ImportFailed, RowError

COLUMNS = {
    "code": ("code", "taskcode", "项目代码", "代码", "编码"),
    "name": ("name", "taskname", "项目名称", "名称", "工作项目"),
    "category": ("category", "categorycode", "类别", "考核类别", "类别代码"),
    "category_name": ("categoryname", "类别名称"),
    "sequence": ("sequence", "sequencecode", "序列", "序列代码"),
    "posts": ("posts", "postcodes", "岗位", "适用岗位"),
    "unit_of_measure": ("unit", "unitofmeasure", "计量单位", "单位"),
    "standard_points": ("standardpoints", "points", "标准分值", "分值"),
    "daily_cap": ("dailycap", "cap", "每日上限", "日上限"),
    "valid_from": ("validfrom", "from", "生效日期"),
    "active": ("active", "启用", "状态"),
}
REQUIRED = ("code", "name", "category", "unit_of_measure", "standard_points", "daily_cap")
HEADERS = ["code", "name", "category", "category_name", "sequence", "posts", "unit", "standard_points", "daily_cap", "valid_from",
           "active"]


def import_catalog(data: bytes, filename: str, actor: Person | None) -> dict:
    """Import the task types of a file, all or nothing (see :mod:`worklog.imports`): the counts of task types
    created, updated and unchanged, and under ``categories`` the codes of the categories the file created."""
    read_before_writing(db.session)  # SQLite: the file is read and parsed before the write lock is taken
    rows, read_errors = sheets.rows_of(data, filename, COLUMNS, REQUIRED)

    def write(actor: Person | None, step) -> dict[str, int]:
        counts = {"created": 0, "updated": 0, "unchanged": 0}
        new_categories: list[str] = []
        errors = list(read_errors)
        for sheet, number, record in rows:
            savepoint = db.session.begin_nested()
            made = len(new_categories)
            try:
                counts[_row(record, actor, new_categories)] += 1
                savepoint.commit()
            except CellProblem as problem:
                savepoint.rollback()
                del new_categories[made:]  # the row's new category went with it
                errors.append(RowError(sheet, number, problem.column, problem.message))
            except ServiceError as error:
                savepoint.rollback()
                del new_categories[made:]
                errors.append(RowError(sheet, number, error.field or "", error.message))
            step(errors)
        if errors:
            raise ImportFailed(errors)
        audit.record(actor, "catalog.imported", "import", None,
                     after={"file": sheets.file_name(filename), **counts, "categories": new_categories})
        return counts | {"categories": new_categories}

    return checked_then_written(write, actor)


def _category(record: dict, actor: Person | None, new_categories: list[str]) -> TaskCategory:
    category_text = sheets.text(record, "category", 60, required=True)
    category_name = sheets.text(record, "category_name", 60)
    category = db.session.scalar(select(TaskCategory).where(
        or_(TaskCategory.code == category_text, TaskCategory.name == category_text)).limit(1))
    if category is not None:
        return category
    if not category_name:
        raise CellProblem("category", _("There is no category %(name)s. Give its name in a category_name column to "
                                        "create it with the import, or create it on the task categories page first.",
                                        name=category_text))
    code = sheets.code(record, "category")
    try:
        category = services.save_category(None, {"code": code, "name": category_name}, actor)
    except ServiceError as error:
        raise CellProblem("category_name" if error.field == "name" else "category", error.message) from error
    new_categories.append(code)
    return category


def _row(record: dict, actor: Person | None, new_categories: list[str]) -> str:
    code = sheets.code(record, "code")
    name = sheets.text(record, "name", 120, required=True)
    category = _category(record, actor, new_categories)
    sequence_code = sheets.text(record, "sequence", 32)
    sequence = None
    if sequence_code:
        sequence = db.session.scalar(select(Sequence).where(Sequence.code == sequence_code))
        if sequence is None:
            raise CellProblem("sequence", _("There is no sequence %(code)s.", code=sequence_code))
    posts = []
    for post_code in (p for p in re.split(r"[;,，、；\s|]+", sheets.text(record, "posts", 500)) if p):
        post = db.session.scalar(select(Post).where(Post.code == post_code))
        if post is None:
            raise CellProblem("posts", _("There is no post %(code)s.", code=post_code))
        posts.append(post)
    unit = sheets.text(record, "unit_of_measure", 16, required=True)
    points = sheets.decimal(record, "standard_points", Decimal("0"), Decimal("10000"))
    cap = sheets.decimal(record, "daily_cap", Decimal("0.01"), Decimal("100000"))
    valid_from = sheets.day(record, "valid_from") or timekeeping.today()
    active = sheets.flag(record, "active")
    data = {"code": code, "name": name, "category": category, "sequence": sequence, "posts": posts,
            "unit_of_measure": unit, "standard_points": points, "daily_cap": cap, "valid_from": valid_from,
            "active": True if active is None else active}
    existing = db.session.scalar(select(TaskType).where(TaskType.code == code))
    if existing is None:
        services.save_task_type(None, data, actor)
        return "created"
    before = (audit.snapshot(existing, services.TYPE_FIELDS), [p.id for p in existing.posts])
    if active is None:
        data["active"] = existing.active
    services.save_task_type(existing, data, actor)
    changed = before != (audit.snapshot(existing, services.TYPE_FIELDS), [p.id for p in existing.posts])
    version = existing.version_on(valid_from)
    if version is None or (version.standard_points, version.daily_cap) != (points.quantize(Decimal("0.01")),
                                                                          cap.quantize(Decimal("0.01"))):
        services.add_version(existing, data, actor)
        db.session.refresh(existing)
        changed = True
    return "updated" if changed else "unchanged"


def export_rows(types: list[TaskType], day) -> list[list]:
    rows = []
    for t in types:
        version = t.version_on(day)
        rows.append([t.code, t.name, t.category.code, t.category.name, t.sequence.code if t.sequence else "",
                     ";".join(p.code for p in t.posts), t.unit_of_measure,
                     version.standard_points if version else "", version.daily_cap if version else "",
                     version.valid_from if version else "", "yes" if t.active else "no"])
    return rows
