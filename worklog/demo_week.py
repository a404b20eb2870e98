"""Demo data for the week: reviewed and signed weeks, and for the demo supervisor a week in every state.

Weeks before last week are approved (a few points adjusted, with reasons) and signed by each officer's
supervisor. Last week is left as a Monday morning finds it: for the demo supervisor (310001) one officer's
week signed, one ready to sign, one in progress with a returned entry, one not started; elsewhere approved
but not signed, so the reminders have something to show. Loaded once.
"""
from __future__ import annotations

import random
from collections import defaultdict
from datetime import date, datetime, time, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.orm import selectinload

from models import (AssignedTask, DayLog, Entry, Notification, Person, PersonDayTotal, TaskType, WeekReview,
                    WeekStatus)
from worklog import timekeeping
from worklog.demo import ACCOUNTS
from worklog.demo_day import rebuild_day_totals
from worklog.extensions import db
from worklog.ledgers import services as ledgers
from worklog.weekly.queries import week_of

ADJUST_REASONS = ["工作量核实有出入", "完成质量突出，酌情加分", "记录不够具体", "超额完成任务"]


#: 东城分局's police stations last month (see ``_one_lenient_reviewer``): the head of 新区派出所 approves everything as
#: reported; the head of 城关派出所 and the county's leader adjust one entry in ten and return one in forty.
LENIENT_REVIEWER, STRICTER_REVIEWERS = "310010", ("310001", "319001")


def load(today: date | None = None, seed: int = 11) -> dict[str, int]:
    if db.session.scalar(select(func.count()).select_from(WeekReview).where(WeekReview.status == "signed")):
        return {"signed weeks": 0}
    first_entry = db.session.scalar(select(func.min(Entry.work_date)))
    if first_entry is None:
        return {"signed weeks": 0}
    today = today or timekeeping.today()
    this_week = week_of(today)
    last_week = this_week - timedelta(days=7)
    rng = random.Random(seed)
    tz = timekeeping.tz()
    people = list(db.session.scalars(select(Person).options(selectinload(Person.assignments))))
    supervisor_badge = ACCOUNTS["supervisor"]
    demo_supervisor = next(p for p in people if p.badge == supervisor_badge)

    # 1. Everything before last week is approved by the supervisor of the day.
    for person in people:
        for assignment in person.assignments:
            if assignment.supervisor_id is None:
                continue
            end = min(assignment.valid_to or last_week, last_week - timedelta(days=1))
            if end < assignment.valid_from:
                continue
            db.session.execute(update(Entry).where(
                Entry.person_id == person.id, Entry.work_date >= assignment.valid_from, Entry.work_date <= end)
                .values(status="approved", approved_points=Entry.points, reviewed_by_id=assignment.supervisor_id,
                        reviewed_at=datetime.combine(end, time(10), tzinfo=tz).astimezone(timezone.utc))
                .execution_options(synchronize_session=False))
    # The day's tens of thousands of entries may still be in the session: read them again rather than have
    # every bulk update above search them.
    db.session.expire_all()
    # A few adjustments, as supervisors make them.
    adjusted = list(db.session.scalars(select(Entry).where(Entry.status == "approved")
                                       .order_by(Entry.id)))
    for entry in rng.sample(adjusted, k=min(len(adjusted), len(adjusted) // 60)):
        factor = Decimal(str(rng.choice([0.8, 0.9, 1.1, 1.2])))
        entry.approved_points = (entry.points * factor).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        entry.review_note = rng.choice(ADJUST_REASONS)
    db.session.flush()
    _one_lenient_reviewer(today)

    # 2. Last week: the demo supervisor's team in every state; everyone else approved, not yet signed.
    team = sorted({p.id for p in people for a in p.assignments
                   if a.supervisor_id == demo_supervisor.id and a.covers(last_week)})
    states = {}
    if len(team) >= 4:
        states = {team[0]: "signed", team[1]: "ready", team[2]: "in_progress", team[3]: "not_started"}
    for person in people:
        state = states.get(person.id, "ready")
        assignment = person.assignment_on(last_week + timedelta(days=4)) or person.assignment_on(last_week)
        if assignment is None or assignment.supervisor_id is None:
            continue
        in_week = (Entry.person_id == person.id, Entry.work_date >= last_week,
                   Entry.work_date <= last_week + timedelta(days=6))
        if state == "not_started":
            day_ids = select(DayLog.id).where(DayLog.person_id == person.id, DayLog.work_date >= last_week,
                                              DayLog.work_date <= last_week + timedelta(days=6))
            db.session.execute(delete(Entry).where(*in_week))
            db.session.execute(delete(DayLog).where(DayLog.id.in_(day_ids)))
            continue
        reviewed_at = datetime.combine(this_week, time(9), tzinfo=tz).astimezone(timezone.utc)
        db.session.execute(update(Entry).where(*in_week).values(
            status="approved", approved_points=Entry.points, reviewed_by_id=assignment.supervisor_id,
            reviewed_at=reviewed_at).execution_options(synchronize_session=False))
        if state == "in_progress":
            entries = list(db.session.scalars(select(Entry).where(*in_week).order_by(Entry.id)
                                              .execution_options(populate_existing=True)))
            for entry in entries[-3:]:
                entry.status, entry.approved_points, entry.reviewed_by_id = "submitted", None, None
            if entries:
                returned = entries[0]
                returned.status, returned.approved_points = "returned", None
                returned.review_note = "请补充走访对象和地址"
                db.session.add(Notification(person_id=person.id, kind="entry_returned", params={
                    "by": demo_supervisor.name, "task": db.session.get(TaskType, returned.task_type_id).name,
                    "day": returned.work_date.isoformat(), "comment": returned.review_note,
                    "link_args": {"day": returned.work_date.isoformat()}}, link="daily.day_page"))
    db.session.flush()
    db.session.execute(delete(PersonDayTotal))
    rebuild_day_totals(first_entry, today)

    # 3. Signed weeks: every week before last week, and the demo supervisor's "signed" officer's last week.
    totals = defaultdict(lambda: [0, Decimal("0"), Decimal("0"), None])
    for pid, day, n, points, approved, unit_id in db.session.execute(
            select(PersonDayTotal.person_id, PersonDayTotal.work_date, PersonDayTotal.entries,
                   PersonDayTotal.points, PersonDayTotal.approved_points, PersonDayTotal.unit_id)
            .where(PersonDayTotal.work_date < this_week)):
        monday = week_of(day)
        if monday == last_week and states.get(pid) != "signed":
            continue
        bucket = totals[(pid, monday)]
        bucket[0] += n
        bucket[1] += Decimal(points)
        bucket[2] += Decimal(approved)
        bucket[3] = unit_id
    by_id = {p.id: p for p in people}
    rows = []
    for (pid, monday), (n, points, approved, unit_id) in totals.items():
        assignment = by_id[pid].assignment_on(monday + timedelta(days=4)) or by_id[pid].assignment_on(monday)
        signer = assignment.supervisor_id if assignment else None
        if signer is None:
            continue
        rows.append({"person_id": pid, "week_start": monday, "unit_id": unit_id, "status": WeekStatus.signed.value,
                     "signed_by_id": signer, "entries": n, "points": points, "approved_points": approved,
                     "signed_at": datetime.combine(monday + timedelta(days=8), time(rng.randint(9, 17)),
                                                   tzinfo=tz).astimezone(timezone.utc), "version": 1})
    if rows:
        db.session.execute(insert(WeekReview), rows)
    # Entries of signed weeks are locked and counted by the ledgers.
    db.session.execute(update(Entry).where(Entry.work_date < last_week).values(week_signed=True)
                       .execution_options(synchronize_session=False))
    for pid, state in states.items():
        if state == "signed":
            db.session.execute(update(Entry).where(
                Entry.person_id == pid, Entry.work_date >= last_week,
                Entry.work_date <= last_week + timedelta(days=6)).values(week_signed=True)
                .execution_options(synchronize_session=False))
    db.session.expire_all()
    ledgers.refresh_all()

    # 4. A task the demo supervisor assigned to one of the team, due tomorrow.
    if team:
        task = db.session.scalar(select(TaskType).where(TaskType.code == "PS04"))
        if task is not None:
            db.session.add(AssignedTask(person_id=team[1], assigned_by_id=demo_supervisor.id, task_type_id=task.id,
                                        expected_quantity=Decimal("10"), due_date=today + timedelta(days=1),
                                        note="辖区独居老人走访"))
    db.session.flush()
    return {"signed weeks": len(rows)}



def _one_lenient_reviewer(today: date) -> None:
    """Last month in 东城分局's police-station sequence, three reviewers side by side for the leniency page: two who
    adjust one entry in ten (to 90%, with a reason) and return one in forty (since corrected), and the head of 新区派出所,
    who approves everything as reported, so that the page has an outlier to flag and peers not flagged. Run before
    the totals, weeks and ledgers are built from the entries, so that they agree."""
    from models import Sequence
    first = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
    last = today.replace(day=1) - timedelta(days=1)
    ids = dict(db.session.execute(select(Person.badge, Person.id).where(
        Person.badge.in_((LENIENT_REVIEWER, *STRICTER_REVIEWERS)))).all())
    sequence = db.session.scalar(select(Sequence.id).where(Sequence.code == "PS"))
    if len(ids) < 3 or sequence is None:
        return
    entries = db.session.scalars(select(Entry).where(
        Entry.reviewed_by_id.in_(ids.values()), Entry.status == "approved", Entry.sequence_id == sequence,
        Entry.work_date >= first, Entry.work_date <= last).order_by(Entry.id))
    seen: dict[int, int] = defaultdict(int)
    for entry in entries:
        n = seen[entry.reviewed_by_id]
        seen[entry.reviewed_by_id] += 1
        entry.approved_points, entry.review_note, entry.returned_count = entry.points, "", 0
        if entry.reviewed_by_id == ids[LENIENT_REVIEWER]:
            continue
        if n % 10 == 3 and entry.points > 0:
            entry.approved_points = (entry.points * Decimal("0.9")).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
            entry.review_note = ADJUST_REASONS[0]
        elif n % 40 == 7:
            entry.returned_count = 1
    db.session.flush()
