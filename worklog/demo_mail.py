"""Demo data for notifications by mail: three demo accounts with an address (at example.invalid, which never
receives mail) and their choices, as each would make them on their settings page — the officer in Chinese, mail by
mail; the supervisor in English, as one daily digest; the panel, the unit's deadlines — and the officer's latest
signed week and month, told as the services tell them, so the outbox holds the officer's mails."""
from __future__ import annotations

from sqlalchemy import func, select

from models import MonthResult, MonthReview, NotificationSetting, Person, Unit, WeekReview, WeekStatus
from worklog import demo
from worklog.extensions import db
from worklog.notifications import events
from worklog.notifications.services import notify, save_settings

CHOICES = {
    "officer": ("zh_CN", False, ["day_not_submitted", "entry_returned", "task_assigned", "week_signed",
                                 "results_published", "appeal_closing", "appeal_decided", "round_published"]),
    "supervisor": ("en", True, ["entry_returned", "task_assigned", "delegated", "results_published",
                                "appeal_decided"]),
    "panel": ("zh_CN", False, ["follow_up_due", "rectification_due", "rectification_due_soon",
                               "rectification_returned", "survey_follow_up", "indicator_behind"]),
}


def _person(role: str) -> Person | None:
    return db.session.scalar(select(Person).where(Person.badge == demo.ACCOUNTS[role]))


def load() -> dict[str, int]:
    if db.session.scalar(select(func.count()).select_from(NotificationSetting)):
        return {"mail settings": 0}
    made = 0
    for role, (language, digest, kinds) in CHOICES.items():
        person = _person(role)
        if person is None:
            continue
        save_settings(person, {"email": f"{person.badge}@example.invalid", "language": language,
                               "mail_kinds": kinds, "digest": digest}, person)
        made += 1
    officer, supervisor = _person("officer"), _person("supervisor")
    if officer is not None and supervisor is not None:
        week = db.session.scalar(select(WeekReview).where(WeekReview.person_id == officer.id,
                                                          WeekReview.status == WeekStatus.signed.value)
                                 .order_by(WeekReview.week_start.desc()).limit(1))
        if week is not None:
            events.week_signed(week, supervisor)
        month = db.session.scalar(select(MonthReview).join(MonthResult, MonthResult.month_review_id == MonthReview.id)
                                  .where(MonthResult.person_id == officer.id)
                                  .order_by(MonthReview.month.desc()).limit(1))
        if month is not None:
            endpoint, args = events.result_page(month)
            unit = db.session.get(Unit, month.unit_id)
            deadline = month.appeal_deadline.isoformat() if month.appeal_deadline else ""
            notify(officer, "results_published", {"period": events.period_of(month), "scope": "month",
                                                         "unit": unit.name, "deadline": deadline}, endpoint, **args)
    db.session.flush()
    return {"mail settings": made}
