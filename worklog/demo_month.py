"""Demo data for the month: the past months of every unit computed and final, October with a few panel
records, so grade histories, ledgers and the month page have something to show. Loaded once."""
from __future__ import annotations

from datetime import datetime, time, timedelta, timezone
from decimal import Decimal

from sqlalchemy import func, select

from models import MonthAdjustment, MonthReview, MonthStatus, Unit, VetoEvent
from worklog import timekeeping
from worklog.extensions import db
from worklog.monthly import services


def load() -> dict[str, int]:
    if db.session.scalar(select(func.count()).select_from(MonthReview)):
        return {"final months": 0}
    from worklog import demo_public
    demo_public.load_rule_sets()  # before any month is sealed
    today = timekeeping.today()
    this_month = today.replace(day=1)
    months = [(this_month - timedelta(days=1)).replace(day=1)]
    while len(months) < 3:
        months.append((months[-1] - timedelta(days=1)).replace(day=1))
    units = list(db.session.scalars(select(Unit).where(Unit.level != "province")))
    finished = 0
    tz = timekeeping.tz()
    for month in sorted(months):
        for unit in units:
            review = services.open_month(unit, month, None)
            if month == months[0]:
                _panel_records(review)
            if services.compute(review, None) == 0:
                continue
            published = datetime.combine(month + timedelta(days=40), time(9), tzinfo=tz).astimezone(timezone.utc)
            review.status = MonthStatus.final.value
            review.published_at = published
            review.publication_ends = (month + timedelta(days=44))
            review.appeal_deadline = (month + timedelta(days=44))
            review.finalised_at = published + timedelta(days=6)
            finished += 1
    db.session.flush()
    _month_bonus(months[0])
    return {"final months": finished}


def _month_bonus(month) -> None:
    """HR shares the city bureau's bonus pool of the latest final month over the city and its counties, through the
    service, so that the bonus pages show a month pool and its spread."""
    from worklog.annual.bonuses import create_month_pool
    from worklog.demo import ACCOUNTS
    from models import Person
    hr = db.session.scalar(select(Person).where(Person.badge == ACCOUNTS["hr"]))
    city = db.session.scalar(select(Unit).where(Unit.code == "C01"))
    if hr is None or city is None:
        return
    from worklog.errors import ServiceError
    try:
        with db.session.begin_nested():
            create_month_pool(city, month, Decimal("600000.00"), "月度绩效奖金", hr)
    except ServiceError:  # a month not final everywhere (a demo loaded on an odd day): no pool, the rest stands
        pass


def _panel_records(review: MonthReview) -> None:
    """A commendation, a verified complaint and a veto in the latest month, as a panel records them."""
    members = sorted(services.members(review).values(), key=lambda a: a.person.badge)
    if len(members) < 6:
        return
    db.session.add_all([
        MonthAdjustment(month_review_id=review.id, person_id=members[1].person_id, kind="commendation",
                        points=Decimal("3"), reason="市局通报表扬", evidence="公通字〔2026〕12号"),
        MonthAdjustment(month_review_id=review.id, person_id=members[4].person_id, kind="complaint",
                        points=Decimal("2"), reason="群众投诉经核实属实"),
    ])
    first, _last = timekeeping.month_bounds(review.month)
    db.session.add(VetoEvent(month_review_id=review.id, person_id=members[5].person_id,
                             event_date=first + timedelta(days=9), reason="无故旷工一日"))
    db.session.flush()

