"""The notifications actions send, each called by the service that acts, in its transaction: a month's or a year's
results published, an appeal decided, a promotion round published, a week signed."""
from __future__ import annotations

from sqlalchemy import select

from models import (Appeal, MonthResult, MonthReview, Person, PromotionCandidate, PromotionRound, Unit, WeekReview,
                    YearAppeal, YearResult, YearReview)
from worklog.extensions import db
from worklog.notifications.services import Message, notify, tell


def _is_year(review) -> bool:
    return isinstance(review, YearReview)


def period_of(review: MonthReview | YearReview) -> str:
    return str(review.year) if _is_year(review) else review.month.strftime("%Y-%m")


def result_page(review: MonthReview | YearReview) -> tuple[str, dict]:
    """The page where an officer reads their own result of the month or year, and appeals."""
    return ("hr.my_year" if _is_year(review) else "monthly.my_month"), {"review_id": review.id}


def people_with_results(review: MonthReview | YearReview) -> list[Person]:
    """The active officers who have a result in the month or year."""
    result = YearResult if _is_year(review) else MonthResult
    column = result.year_review_id if _is_year(review) else result.month_review_id
    return list(db.session.scalars(select(Person).join(result, result.person_id == Person.id)
                                   .where(column == review.id, Person.active.is_(True)).order_by(Person.id)))


def results_published(review: MonthReview | YearReview) -> int:
    """Each officer with a result: the month's (or year's) results are published, and until when to appeal."""
    unit = db.session.get(Unit, review.unit_id)
    endpoint, args = result_page(review)
    params = {"period": period_of(review), "scope": "year" if _is_year(review) else "month", "unit": unit.name,
              "deadline": review.appeal_deadline.isoformat() if review.appeal_deadline else ""}
    return len(tell("results_published", [Message(person, params, args) for person in people_with_results(review)],
                    endpoint))


def appeal_decided(appeal: Appeal | YearAppeal) -> None:
    """The officer who appealed: upheld or rejected, and the panel's reason."""
    review = db.session.get(YearReview, appeal.year_review_id) if isinstance(appeal, YearAppeal) \
        else db.session.get(MonthReview, appeal.month_review_id)
    endpoint, args = result_page(review)
    notify(db.session.get(Person, appeal.person_id), "appeal_decided",
           {"period": period_of(review), "scope": "year" if _is_year(review) else "month",
            "upheld": appeal.status == "upheld", "decision": appeal.decision}, endpoint, **args)


def round_published(round_: PromotionRound) -> int:
    """Each officer on the published list of a promotion round (those its rules found eligible). A list drawn from
    the bottom of the annual ranking (a warning talk, a removal) is told to nobody by message: HR speaks to those
    on it, and records what was done."""
    from worklog.annual.rounds import is_promotion
    if not is_promotion(round_):
        return 0
    people = db.session.scalars(select(Person).join(PromotionCandidate, PromotionCandidate.person_id == Person.id)
                                .where(PromotionCandidate.round_id == round_.id, PromotionCandidate.eligible.is_(True),
                                       Person.active.is_(True)).order_by(Person.id))
    params = {"round": round_.name, "round_id": round_.id}
    return len(tell("round_published", [Message(person, params) for person in people]))


def week_signed(review: WeekReview, by: Person) -> None:
    """The officer whose week was signed: what it counted."""
    notify(db.session.get(Person, review.person_id), "week_signed",
           {"week": review.week_start.isoformat(), "by": by.name, "entries": review.entries,
            "points": str(review.approved_points)}, "daily.day_page", day=review.week_start.isoformat())
