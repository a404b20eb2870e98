"""Demo data for units and the public: contacts imported from a file, the draws, most calls answered,
follow-ups (some replied, some of those called back), praise heard on calls, three opinion-poll rounds, and the units' evaluations of the final months.

A month is drawn once it is over: this month's contacts are imported but not drawn yet. The final months are
drawn; the last one's calls are about half made (its units' evaluation is recorded, not final, so the queue
still has calls to make), the earlier ones' in full before their evaluations are sealed.

Everything goes through the same services as the pages (the contact and poll imports read generated CSV
files), so the demo shows what a real month looks like. Loaded once; deterministic but for the draws' seeds,
which are fresh as in production and recorded.
"""
from __future__ import annotations

import csv
import io
import random
from datetime import date, timedelta

from sqlalchemy import func, or_, select

from models import (CONTACT_GROUPS, Assignment, CallOutcome, ContactKind, Department, MonthReview, MonthStatus,
                    Person, Role, RoleGrant, RuleSet, SurveyCall, SurveyContact, SurveyDraw, SurveyFollowUp, Unit)
from worklog import demo, timekeeping
from worklog.extensions import db
from worklog.rulesets.services import create_rule_set
from worklog.rules.public import PUBLIC_WEIGHTS_BY_YEAR
from worklog.rules.ruleset import RuleValues
from worklog.survey import services as survey
from worklog.survey.importer import import_contacts
from worklog.units import evaluation
from worklog.units.polls import import_polls

#: Contacts per unit, kind and month (a county bureau; a city bureau's own contacts are fewer).
CONTACTS = {
    ContactKind.report_110: 26, ContactKind.report_119: 6, ContactKind.report_122: 14,
    ContactKind.window_traffic: 16, ContactKind.window_household: 18, ContactKind.window_exit_entry: 10,
    ContactKind.complaint: 6, ContactKind.petition: 4, ContactKind.online: 5,
}
SAMPLE_SIZE = 12
#: Outcome weights (satisfied, basic, dissatisfied, unreachable, refused) by group: windows please most.
OUTCOMES = [o.value for o in CallOutcome]
WEIGHTS = {"reports": (58, 20, 6, 12, 4), "windows": (76, 14, 2, 6, 2), "complaints": (40, 24, 16, 14, 6)}
COMMENTS = ["出警慢，等了四十多分钟", "办事窗口排队时间太长", "问题至今没有解决", "接警员态度生硬"]
REPLIES = ["已约谈当事民警并回访群众，群众表示理解。", "已调整窗口排班，高峰时段增开窗口。",
           "已重新核查案件，向群众说明处理进展。"]
STILL = ["至今没有人再联系我", "说会处理，但问题还在"]
PRAISE = ["民警很耐心，帮我把事情办好了", "出警很快，态度很好", "窗口民警主动帮我填表"]


def _group(kind: ContactKind) -> str:
    return next(group for group, kinds in CONTACT_GROUPS.items() if kind in kinds)


def _phone(rng: random.Random, used: set[str]) -> str:
    while True:
        number = "1" + rng.choice("35789") + "".join(rng.choice("0123456789") for _ in range(9))
        if number not in used:
            used.add(number)
            return number


def _csv(headers: list[str], rows: list[list]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(headers)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def _badge(code: str) -> Person:
    return db.session.scalar(select(Person).where(Person.badge == demo.ACCOUNTS[code]))


def load_rule_sets() -> None:
    """The public evaluation's weight in the units' comprehensive score, as it rose over the years (the source's
    12%, 30% and 50%): rule-set versions, so that an earlier year is evaluated by its own weight. Loaded before
    the demo's months are sealed (worklog/demo_month.py): a rule set taking effect inside a final month is
    refused, as it would change what the month sealed."""
    if not db.session.scalar(select(func.count()).select_from(RuleSet)):
        admin = _badge("admin")
        for year, weight in PUBLIC_WEIGHTS_BY_YEAR.items():
            # Units were scored on approved points per officer until indicators were set from above.
            values = RuleValues(public_weight=weight,
                                unit_work_basis="indicators" if year >= 2026 else "points").to_mapping()
            create_rule_set(date(year, 1, 1), values, f"{year}: public evaluation {weight:.0%}", admin)


def load() -> dict[str, int]:
    if db.session.scalar(select(func.count()).select_from(SurveyContact)):
        return {"contacts": 0}
    rng = random.Random(7110)
    today = timekeeping.today()
    this_month = today.replace(day=1)
    final_months = sorted(set(db.session.scalars(
        select(MonthReview.month).where(MonthReview.status == MonthStatus.final.value))))
    months = final_months + [this_month]
    units = list(db.session.scalars(select(Unit).where(Unit.level != "province").order_by(Unit.code)))
    staff, admin = _badge("survey"), _badge("admin")

    # Contacts: one file, as the command centre and the windows would send it.
    used: set[str] = set()
    rows = []
    for unit in units:
        share = 0.4 if unit.level == "city" else 1.0
        for month in months:
            last = min(today - timedelta(days=1), (month + timedelta(days=31)).replace(day=1) - timedelta(days=1))
            if last < month:
                continue
            for kind, count in CONTACTS.items():
                for i in range(max(2, round(count * share * rng.uniform(0.7, 1.3)))):
                    day = month + timedelta(days=rng.randrange((last - month).days + 1))
                    name = rng.choice(demo.SURNAMES) + rng.choice(demo.GIVEN) + rng.choice(["", *demo.GIVEN])
                    rows.append([unit.code, kind.value, day.isoformat(), name, _phone(rng, used),
                                 f"{unit.code}-{month:%Y%m}-{kind.value[-3:].upper()}-{i + 1:03d}"])
    imported = import_contacts(_csv(["unit", "kind", "date", "name", "phone", "reference"], rows),
                               "contacts.csv", staff)

    # Draws for the months that are over; the earlier ones called in full, the last one about half.
    calls = 0
    for month in final_months:
        for unit in units:
            for kind in ContactKind:
                if not survey.candidates(unit.id, kind.value, month):
                    continue
                draw = survey.make_draw(unit, kind.value, month, SAMPLE_SIZE, staff)
                for call in draw.calls:
                    if month == final_months[-1] and rng.random() < 0.5:
                        continue
                    outcome = rng.choices(OUTCOMES, WEIGHTS[_group(kind)])[0]
                    comment = rng.choice(COMMENTS) if outcome == CallOutcome.dissatisfied.value else ""
                    survey.record_outcome(call, outcome, comment, staff)
                    calls += 1
    db.session.flush()

    # The units answer most follow-ups: the panel of the unit replies.
    replied = 0
    for follow_up in db.session.scalars(select(SurveyFollowUp).order_by(SurveyFollowUp.id)):
        if rng.random() < 0.7:
            panel = db.session.scalar(select(Person).join(RoleGrant, RoleGrant.person_id == Person.id)
                                      .where(RoleGrant.role == Role.panel.value,
                                             RoleGrant.unit_id == follow_up.unit_id).limit(1))
            if panel is not None:
                survey.reply(follow_up, rng.choice(REPLIES), panel)
                replied += 1

    # The survey staff call back about half the replied follow-ups (most resolved; not resolved goes to the unit
    # above), and record the praise heard on a few satisfied calls, naming an officer of the unit. A generator of
    # its own, so that the figures drawn after it stay as they were.
    loop = random.Random(7111)
    for follow_up in db.session.scalars(select(SurveyFollowUp).where(SurveyFollowUp.replied_at.is_not(None))
                                        .order_by(SurveyFollowUp.id)):
        if loop.random() < 0.5:
            resolved = loop.random() < 0.75
            survey.verify(follow_up, {"verified": "resolved" if resolved else "not_resolved",
                                      "comment": "" if resolved else loop.choice(STILL)}, staff)
    satisfied = list(db.session.scalars(select(SurveyCall).where(SurveyCall.outcome == CallOutcome.satisfied.value)
                                        .order_by(SurveyCall.id)))
    for call in loop.sample(satisfied, min(6, len(satisfied))):
        officer = db.session.scalar(
            select(Person.badge).join(Assignment, Assignment.person_id == Person.id)
            .join(Department, Department.id == Assignment.department_id)
            .where(Department.unit_id == call.contact.unit_id, Assignment.valid_from <= call.contact.contact_date,
                   or_(Assignment.valid_to.is_(None), Assignment.valid_to >= call.contact.contact_date))
            .order_by(Person.badge).limit(1))
        survey.record_praise(call, {"text": loop.choice(PRAISE), "badge": officer or ""}, staff)

    # Opinion polls: one round per final month, for every unit.
    poll_rows = [[unit.code, f"{month:%Y-%m}", f"{month.year}年{month.month}月民意调查",
                  f"{rng.uniform(78, 96):.2f}", rng.randrange(280, 620)]
                 for month in final_months for unit in units]
    polls = import_polls(_csv(["unit", "round", "label", "score", "sample_size"], poll_rows), "polls.csv", admin)

    # Units' evaluations of the final months: the older ones sealed, the last one recorded.
    for month in final_months:
        run = evaluation.record(month, False, admin)
        if month != final_months[-1]:
            evaluation.finalise(run, admin)
    db.session.flush()
    return {"contacts": imported["contacts"],
            "draws": db.session.scalar(select(func.count()).select_from(SurveyDraw)),
            "calls made": calls,
            "calls drawn": db.session.scalar(select(func.count()).select_from(SurveyCall)),
            "follow-ups replied": replied, "poll results": polls["created"],
            "unit evaluations": len(final_months)}
