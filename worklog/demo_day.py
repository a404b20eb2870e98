"""Demo data for the day: a task catalog of 42 task types, the 2026 holiday calendar, and months of entries.

Each part is loaded once (a second run changes nothing). Entries are written in bulk and their roll-up
built in one statement, so the demo loads in seconds.
"""
from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal

from flask import current_app
from sqlalchemy import func, insert, select
from sqlalchemy.orm import selectinload

from models import (Assignment, CalendarDay, DayLog, Entry, Person, PersonDayTotal, Post, Sequence, TaskCategory,
                    TaskType, TaskTypeVersion)
from worklog import timekeeping
from worklog.extensions import db
from worklog.rules import calendar as cal_rules
from worklog.rules.points import COMPLETION_FACTORS, entry_points

CATEGORIES = [("YW", "业务工作"), ("DW", "队伍建设"), ("ZF", "执法质量"), ("QZ", "群众工作")]
# code, name, category, sequence (None: all), unit of measure, standard points, daily cap, posts (None: all)
TASKS = [
    ("PS01", "接处警", "YW", "PS", "起", "2.0", "30", None),
    ("PS02", "受理治安案件", "YW", "PS", "起", "3.0", "15", None),
    ("PS03", "办结治安案件", "YW", "PS", "起", "5.0", "10", None),
    ("PS04", "入户走访", "QZ", "PS", "户", "0.5", "60", None),
    ("PS05", "人口信息采集", "YW", "PS", "条", "0.2", "200", None),
    ("PS06", "治安检查", "YW", "PS", "次", "1.5", "20", None),
    ("PS07", "调解纠纷", "QZ", "PS", "起", "3.0", "10", None),
    ("PS08", "巡逻防控", "YW", "PS", "小时", "1.0", "12", None),
    ("PS09", "办理户籍业务", "QZ", "PS", "件", "0.5", "80", None),
    ("PS10", "重点人员管控", "YW", "PS", "人次", "1.0", "20", None),
    ("PS11", "消防安全检查", "YW", "PS", "家", "1.0", "20", None),
    ("PS12", "社区警务宣传", "QZ", "PS", "场", "2.0", "5", None),
    ("PS13", "抓获违法犯罪嫌疑人", "YW", "PS", "人", "5.0", "10", ["PS-SQ", "PS-XL", "PS-SZ"]),
    ("XZ01", "受理刑事案件", "YW", "XZ", "起", "4.0", "10", None),
    ("XZ02", "办结刑事案件", "YW", "XZ", "起", "10.0", "5", None),
    ("XZ03", "现场勘查", "YW", "XZ", "次", "4.0", "8", None),
    ("XZ04", "抓获犯罪嫌疑人", "YW", "XZ", "人", "8.0", "10", None),
    ("XZ05", "询问讯问", "YW", "XZ", "人次", "2.0", "15", None),
    ("XZ06", "调取证据", "YW", "XZ", "次", "1.5", "20", None),
    ("XZ07", "追缴赃款赃物", "YW", "XZ", "起", "3.0", "10", None),
    ("XZ08", "协查通报", "YW", "XZ", "份", "1.0", "20", None),
    ("XZ09", "案件卷宗整理", "ZF", "XZ", "卷", "2.0", "10", None),
    ("XZ10", "痕迹物证检验", "YW", "XZ", "件", "2.0", "20", ["XZ-JS"]),
    ("JJ01", "交通违法处理", "YW", "JJ", "起", "0.5", "100", None),
    ("JJ02", "交通事故处理", "YW", "JJ", "起", "4.0", "10", ["JJ-SG", "JJ-DZ"]),
    ("JJ03", "路面执勤", "YW", "JJ", "小时", "1.0", "12", None),
    ("JJ04", "酒驾醉驾查处", "YW", "JJ", "起", "3.0", "10", None),
    ("JJ05", "车辆查验", "YW", "JJ", "辆", "0.3", "100", None),
    ("JJ06", "驾驶人业务办理", "QZ", "JJ", "件", "0.3", "100", None),
    ("JJ07", "交通安全宣传", "QZ", "JJ", "场", "2.0", "5", None),
    ("JJ08", "事故现场勘查", "YW", "JJ", "次", "3.0", "8", ["JJ-SG", "JJ-DZ"]),
    ("ZH01", "公文处理", "YW", "ZH", "件", "1.0", "30", None),
    ("ZH02", "会议组织", "YW", "ZH", "次", "2.0", "5", None),
    ("ZH03", "信息报送", "YW", "ZH", "篇", "1.5", "10", None),
    ("ZH04", "档案管理", "YW", "ZH", "卷", "0.5", "40", None),
    ("ZH05", "人事材料审核", "DW", "ZH", "份", "1.0", "30", None),
    ("GG01", "学习培训", "DW", None, "小时", "1.0", "8", None),
    ("GG02", "政治学习", "DW", None, "次", "2.0", "2", None),
    ("GG03", "值班备勤", "YW", None, "小时", "0.5", "24", None),
    ("GG04", "执法质量自查", "ZF", None, "次", "2.0", "3", None),
    ("GG05", "群众来信来访接待", "QZ", None, "件", "1.5", "10", None),
    ("GG06", "警务技能训练", "DW", None, "小时", "1.0", "4", None),
]
CATALOG_FROM = date(2026, 1, 1)

#: The 2026 public holidays and the weekend days worked in exchange (as published for 2026).
HOLIDAYS_2026 = [
    (date(2026, 1, 1), date(2026, 1, 3), "元旦"), (date(2026, 2, 15), date(2026, 2, 23), "春节"),
    (date(2026, 4, 4), date(2026, 4, 6), "清明节"), (date(2026, 5, 1), date(2026, 5, 5), "劳动节"),
    (date(2026, 6, 19), date(2026, 6, 21), "端午节"), (date(2026, 9, 25), date(2026, 9, 27), "中秋节"),
    (date(2026, 10, 1), date(2026, 10, 7), "国庆节"),
]
MAKEUP_DAYS_2026 = [(date(2026, 1, 4), "元旦调休"), (date(2026, 2, 14), "春节调休"), (date(2026, 2, 28), "春节调休"),
                    (date(2026, 5, 9), "劳动节调休"), (date(2026, 9, 20), "国庆节调休"),
                    (date(2026, 10, 10), "国庆节调休")]

SELF_ASSESSMENTS = ["按要求完成当日工作", "工作任务全部完成", "完成辖区走访和日常业务", "按时完成，无遗留问题",
                    "基本完成，个别事项次日跟进", "处置及时，群众满意", "完成值班和案件办理"]


def load_catalog() -> int:
    if db.session.scalar(select(func.count()).select_from(TaskType)):
        return 0
    categories = {}
    for position, (code, name) in enumerate(CATEGORIES):
        categories[code] = TaskCategory(code=code, name=name, position=position)
        db.session.add(categories[code])
    sequences = {s.code: s for s in db.session.scalars(select(Sequence))}
    posts = {p.code: p for p in db.session.scalars(select(Post))}
    for code, name, category, sequence, unit, points, cap, post_codes in TASKS:
        task = TaskType(code=code, name=name, category=categories[category],
                        sequence=sequences.get(sequence) if sequence else None, unit_of_measure=unit,
                        posts=[posts[p] for p in post_codes or [] if p in posts])
        task.versions.append(TaskTypeVersion(valid_from=CATALOG_FROM, standard_points=Decimal(points),
                                             daily_cap=Decimal(cap)))
        db.session.add(task)
    db.session.flush()
    return len(TASKS)


def load_calendar() -> int:
    if db.session.scalar(select(func.count()).select_from(CalendarDay).where(
            CalendarDay.day >= date(2026, 1, 1), CalendarDay.day <= date(2026, 12, 31))):
        return 0
    rows = []
    for first, last, name in HOLIDAYS_2026:
        day = first
        while day <= last:
            rows.append(CalendarDay(day=day, working=False, name=name))
            day += timedelta(days=1)
    rows += [CalendarDay(day=day, working=True, name=name) for day, name in MAKEUP_DAYS_2026]
    db.session.add_all(rows)
    db.session.flush()
    return len(rows)


def load_history(today: date | None = None, seed: int = 7) -> int:
    """Entries and day logs from the first day of the month three months back up to yesterday."""
    if db.session.scalar(select(func.count()).select_from(Entry)):
        return 0
    today = today or timekeeping.today()
    first = (today.replace(day=1) - timedelta(days=80)).replace(day=1)
    last = today - timedelta(days=1)
    rng = random.Random(seed)
    overrides = timekeeping.overrides(first, last)
    tz = timekeeping.tz()
    hour, minute = (int(x) for x in current_app.config["DAY_DEADLINE"].split(":"))
    deadlines = {}
    for day in cal_rules.working_days(first, last, overrides):
        deadlines[day] = cal_rules.submission_deadline(day, overrides, time(hour, minute), tz).astimezone(timezone.utc)

    versions = {}
    tasks = list(db.session.scalars(select(TaskType).options(selectinload(TaskType.posts),
                                                             selectinload(TaskType.versions))))
    for task in tasks:
        versions[task.id] = task.version_on(first) or task.versions[0]
    people = list(db.session.scalars(select(Person).options(
        selectinload(Person.assignments).selectinload(Assignment.post),
        selectinload(Person.assignments).selectinload(Assignment.department))))

    day_rows, entry_rows = [], []
    now = datetime.now(timezone.utc)
    for person in people:
        diligence = rng.uniform(0.65, 1.25)  # some officers do more than others: the grades need a spread
        for day, deadline in deadlines.items():
            assignment = person.assignment_on(day)
            if assignment is None:
                continue
            post = assignment.post
            options = [t for t in tasks if (t.sequence_id in (None, post.sequence_id))
                       and (not t.posts or any(p.id == post.id for p in t.posts))]
            roll = rng.random()
            if roll < 0.02:
                continue  # a missing day
            # Most officers submit in the evening of the day; some only after the deadline has passed.
            evening = datetime.combine(day, time(rng.randint(17, 22), rng.randint(0, 59)), tzinfo=tz)
            submitted_at = evening.astimezone(timezone.utc)
            late_at = deadline + timedelta(hours=rng.randint(1, 30))
            late = roll > 0.95 and late_at < now
            if late:
                submitted_at = late_at
            day_rows.append({"person_id": person.id, "work_date": day, "unit_id": assignment.department.unit_id,
                             "department_id": assignment.department_id, "sequence_id": post.sequence_id,
                             "status": "submitted", "self_assessment": rng.choice(SELF_ASSESSMENTS),
                             "submitted_at": submitted_at, "deadline_at": deadline, "late": late,
                             "version": 1})
            budget = Decimal(str(round(rng.uniform(14, 22) * diligence, 2)))
            hours_left = Decimal("10")
            for task in rng.sample(options, k=min(len(options), rng.randint(3, 5))):
                version = versions[task.id]
                if version.standard_points <= 0 or hours_left <= 0:
                    continue
                share = budget / 4
                quantity = max(Decimal("1"), (share / version.standard_points).quantize(Decimal("1")))
                quantity = min(quantity, version.daily_cap)
                hours = min(hours_left, Decimal(rng.choice(["0.5", "1", "1.5", "2", "2.5", "3"])))
                hours_left -= hours
                completion = rng.choices(["done", "mostly", "not_done"], weights=[88, 10, 2])[0]
                factor = COMPLETION_FACTORS[completion]
                entry_rows.append({
                    "work_date": day, "person_id": person.id, "task_type_id": task.id,
                    "task_type_version_id": version.id, "category_id": task.category_id,
                    "unit_id": assignment.department.unit_id, "department_id": assignment.department_id,
                    "post_id": post.id, "sequence_id": post.sequence_id, "quantity": quantity, "hours": hours,
                    "description": "", "completion": completion, "standard_points": version.standard_points,
                    "completion_factor": factor, "coefficient": post.coefficient,
                    "points": entry_points(quantity, version.standard_points, factor, post.coefficient),
                    "status": "submitted", "version": 1,
                    "created_at": submitted_at, "updated_at": submitted_at})
    if not day_rows:
        return 0
    db.session.execute(insert(DayLog), day_rows)
    day_ids = {(pid, d): i for i, pid, d in db.session.execute(
        select(DayLog.id, DayLog.person_id, DayLog.work_date))}
    for row in entry_rows:
        row["day_id"] = day_ids[(row["person_id"], row["work_date"])]
    db.session.execute(insert(Entry), entry_rows)
    rebuild_day_totals(first, last)
    return len(entry_rows)


def rebuild_day_totals(first: date, last: date) -> None:
    """Build the daily roll-up for a period from the entries, in one set-based statement."""
    totals = (select(Entry.person_id, Entry.work_date, DayLog.unit_id, DayLog.department_id, DayLog.sequence_id,
                     func.count(Entry.id), func.sum(Entry.hours), func.sum(Entry.points),
                     func.coalesce(func.sum(Entry.approved_points), 0))
              .join(DayLog, DayLog.id == Entry.day_id)
              .where(Entry.work_date >= first, Entry.work_date <= last)
              .group_by(Entry.person_id, Entry.work_date, DayLog.unit_id, DayLog.department_id,
                        DayLog.sequence_id))
    db.session.execute(insert(PersonDayTotal).from_select(
        ["person_id", "work_date", "unit_id", "department_id", "sequence_id", "entries", "hours", "points",
         "approved_points"], totals))


def load() -> dict[str, int]:
    return {"task types": load_catalog(), "calendar days": load_calendar(), "entries": load_history()}
